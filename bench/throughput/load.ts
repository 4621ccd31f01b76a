/**
 * Loading a registry's index into shared memory: one read in flight against several, alternating.
 *
 *   npm run bench:load [-- --registry FILE.csreg] [--rounds N] [--reads 1,4]
 *
 * Default registry: the scaling bench's 100k-entry one (bench/out/scaling/inputs/registry.csreg; `npm run
 * bench:scaling` makes it), else the throughput bench's. Each round loads the registry once per setting of `reads`
 * (LoadOptions.reads, 16 MiB reads), in turn, each load in a fresh child process as a scan does it (in one process,
 * later loads also pay for the memory the earlier ones still hold); the first round warms the page cache and is not
 * counted. Prints the median and every time per setting, and checks that every setting loads the same bytes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadRegistry } from '../../src/registry/load.js';
import { median } from './fork.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const candidates = [join('bench', 'out', 'scaling', 'inputs', 'registry.csreg'), join('bench', 'out', 'throughput', 'registry.csreg')];
const REGISTRY = opt('registry', candidates.find((p) => existsSync(p)) ?? candidates[0]);
const ROUNDS = Number(opt('rounds', '5'));
const READS = opt('reads', '1,4').split(',').map(Number);
if (!existsSync(REGISTRY)) {
  console.error(`bench:load: no registry at ${REGISTRY}; run npm run bench:scaling (or npm run bench) first, or pass --registry FILE`);
  process.exit(2);
}
if (!(Number.isInteger(ROUNDS) && ROUNDS > 0) || !READS.every((r) => Number.isInteger(r) && r > 0)) {
  console.error('bench:load: --rounds and --reads take positive integers');
  process.exit(2);
}

/** A cheap fingerprint of the loaded bytes: every setting must load the same index. */
function sum(buf: SharedArrayBuffer): number {
  const v = new Int32Array(buf, 0, buf.byteLength >> 2);
  let h = 0;
  for (let i = 0; i < v.length; i += 7) h = (Math.imul(h, 31) + v[i]) | 0;
  return h;
}

const child = opt('child', '');
if (child) {
  // one load, in this fresh process: "ms bytes checksum"
  const t = performance.now();
  const reg = await loadRegistry(REGISTRY, undefined, { reads: Number(child) });
  const ms = performance.now() - t;
  console.log(`${ms} ${reg.shared.buffer.byteLength} ${sum(reg.shared.buffer)}`);
  reg.close();
  process.exit(0);
}

const times = new Map<number, number[]>(READS.map((r) => [r, []]));
let bytes = 0;
let check: string | null = null;
for (let round = 0; round <= ROUNDS; round++) {
  for (const reads of READS) {
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--registry', REGISTRY, '--child', String(reads)], { encoding: 'utf8' });
    const [ms, n, s] = out.trim().split(' ');
    bytes = Number(n);
    if (check === null) check = s;
    else if (s !== check) throw new Error(`reads ${reads} loaded other bytes than the first load`);
    if (round > 0) times.get(reads)!.push(Number(ms));
  }
}
console.log(`registry ${REGISTRY}: index ${(bytes / 1e6).toFixed(1)} MB, ${ROUNDS} rounds after one warm-up round, each load in a fresh process`);
console.log('| reads in flight | median ms | runs (ms) |');
console.log('|---:|---:|---|');
for (const [reads, ts] of times) console.log(`| ${reads} | ${median(ts).toFixed(0)} | ${ts.map((x) => x.toFixed(0)).join(', ')} |`);
