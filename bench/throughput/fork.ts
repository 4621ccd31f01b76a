/**
 * What the benchmark parents share: forking one measured configuration (child.ts, one JSON task in, one result over
 * IPC) and the median of run times.
 */
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildResult, Task } from './child.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'child.js');

/**
 * Runs one task in a fresh process (so its maxRSS is its own); execArgv e.g. --cpu-prof or a heap limit; `env` adds
 * to (or overrides) this process's environment there.
 */
export function runChild(task: Task, execArgv: string[] = [], env: Record<string, string> = {}): Promise<ChildResult> {
  return new Promise((res, rej) => {
    const cp = fork(CHILD, [JSON.stringify(task)], { execArgv, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: ChildResult | undefined;
    cp.on('message', (m) => (result = m as ChildResult));
    cp.on('error', rej);
    cp.on('exit', (code, sig) => {
      if (code === 0 && result) res(result);
      else rej(new Error(`child ${task.mode} failed: exit ${code ?? sig}${result ? '' : ', no result'}`));
    });
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export interface SpeedCheck {
  /** A fixed integer loop (xorshift and multiply, 3e7 steps): CPU speed. */
  cpu_ms: number;
  /** 4M independent random 4-byte reads over 64 MB: memory latency and bandwidth. */
  mem_ms: number;
}

let speedArray: Uint32Array | null = null;

/**
 * The same fixed work timed in this (parent) process, best of 3, between measured runs. The benchmark machines are
 * shared VMs whose speed drifts by tens of percent within an hour, which neither the load average nor /proc/stat's
 * steal time shows; printing this beside each run says whether two runs' absolute figures can be compared (ratios
 * measured within one run can).
 */
export function speedCheck(): SpeedCheck {
  if (!speedArray) {
    speedArray = new Uint32Array(1 << 24);
    for (let i = 0; i < speedArray.length; i++) speedArray[i] = Math.imul(i, 0x9e3779b1) >>> 0;
  }
  const a = speedArray;
  const mask = a.length - 1;
  let cpu = Infinity;
  let mem = Infinity;
  let sink = 0;
  for (let r = 0; r < 3; r++) {
    let t = performance.now();
    let x = 0x9e3779b9 | 0;
    let acc = 0;
    for (let i = 0; i < 30_000_000; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      acc = (acc + Math.imul(x, 0x85ebca6b)) | 0;
    }
    cpu = Math.min(cpu, performance.now() - t);
    t = performance.now();
    for (let i = 0; i < 4_000_000; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      acc = (acc + a[x & mask]!) | 0;
    }
    mem = Math.min(mem, performance.now() - t);
    sink ^= acc;
  }
  if (sink === 0x7fffffff) console.log(''); // keeps the loops from being optimized away
  return { cpu_ms: Math.round(cpu), mem_ms: Math.round(mem) };
}
