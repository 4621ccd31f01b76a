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
