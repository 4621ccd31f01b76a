/**
 * Registry scale: the same documents scanned against a small and a large registry (default 10,000 and 1,000,000
 * entries, the first being the first lines of the second's source), each configuration in a fresh child process
 * (child.ts), rounds interleaved. Prints one table: index size (file and loaded bytes per entry), build time, the
 * scan of one small file (start-up: registry load + pool), the scan of the documents with 1 and 2 workers, and the
 * figures of issue 3 (10k -> 1M throughput cost, RSS of 2 workers vs 1, start-up against 1M).
 *
 *   npm run bench:registry-scale -- [--entries 1000000] [--small 10000] [--mb 100] [--runs 5] [--seed 20261122] [--smoke]
 *
 * Inputs are generate()'s (bench/throughput/generate.ts) under bench/out/registry-scale/ (gitignored), reused when
 * their parameters match; both registries are built (and timed) every run. The 1M build takes ~4-5 minutes and
 * ~5.5 GB of RAM; the whole default run ~15 minutes.
 */
import { createReadStream, createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { readRegistryHeader, registrySize } from '../../src/registry/format.js';
import type { ChildResult, Task } from './child.js';
import { median, runChild } from './fork.js';
import { generate } from './generate.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const args = process.argv.slice(2);
const flag = (k: string) => args.includes(`--${k}`);
const num = (k: string, d: number) => {
  const i = args.indexOf(`--${k}`);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const smoke = flag('smoke');
const ENTRIES = num('entries', smoke ? 20_000 : 1_000_000);
const SMALL = num('small', smoke ? 2_000 : 10_000);
const MB = num('mb', smoke ? 4 : 100);
const RUNS = Math.round(num('runs', smoke ? 1 : 5));
const SEED = num('seed', 20261122);
const DATA = process.env.CONTAMSCAN_DATA ?? join(root, '..', 'shared', 'data');
const OUT = join(root, 'bench', 'out', smoke ? 'registry-scale-smoke' : 'registry-scale');
const HEAP = ['--max-old-space-size=12000']; // the 1M-entry build
const log = (s: string) => process.stderr.write(s + '\n');

async function headLines(src: string, dst: string, n: number): Promise<number> {
  const out = createWriteStream(dst);
  let k = 0;
  let bytes = 0;
  for await (const line of createInterface({ input: createReadStream(src), crlfDelay: Infinity })) {
    if (k === n) break;
    out.write(line + '\n');
    bytes += Buffer.byteLength((JSON.parse(line) as { text: string }).text, 'utf8');
    k++;
  }
  await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
  return bytes;
}

/** Bytes per entry: the whole file, and the part loaded into shared memory (everything before the ids). */
async function sizes(path: string): Promise<{ file: number; loaded: number; entries: number }> {
  const { header, dataStart } = await readRegistryHeader(path);
  const z = registrySize(header, dataStart);
  return { file: z.file_bytes / header.entries, loaded: z.memory_bytes / header.entries, entries: header.entries };
}

async function main(): Promise<void> {
  if (!existsSync(DATA)) {
    log(`registry-scale: data folder ${DATA} not found (set CONTAMSCAN_DATA); nothing to measure`);
    process.exit(smoke ? 0 : 1);
  }
  await mkdir(OUT, { recursive: true });
  const m = generate({ data: DATA, dir: join(OUT, 'inputs'), mb: MB, entries: ENTRIES, seed: SEED, parquet: false }, log);
  const smallSrc = join(OUT, `entries-${SMALL}.jsonl`);
  const smallBytes = await headLines(m.registry.path, smallSrc, SMALL);
  const one = join(OUT, 'one.jsonl');
  const firstLine = readFileSync(smallSrc, 'utf8').split('\n', 1)[0]!; // the small source: the large one can exceed V8's string limit
  const first = JSON.parse(firstLine) as { text: string };
  writeFileSync(one, JSON.stringify({ id: 'one', text: first.text }) + '\n');

  const regs = [
    { name: `${SMALL / 1000}k`, src: smallSrc, bytes: smallBytes, path: join(OUT, `reg-${SMALL}.csreg`) },
    { name: ENTRIES >= 1e6 ? `${ENTRIES / 1e6}M` : `${ENTRIES / 1000}k`, src: m.registry.path, bytes: m.registry.text_bytes, path: join(OUT, `reg-${ENTRIES}.csreg`) },
  ];
  const lines: string[] = [];
  const row = (c: string[]) => lines.push(`| ${c.join(' | ')} |`);
  row(['configuration', 'median s', 'runs (s)', 'MB/s of text', 'peak RSS MB (max)', 'notes']);
  row(['---', '---:', '---', '---:', '---:', '---']);
  for (const r of regs) {
    const b = await runChild({ mode: 'build', inputs: [r.src], out: r.path }, HEAP);
    const s = await sizes(r.path);
    row([`registry build (${s.entries.toLocaleString('en-US')} entries)`, b.wall_s.toFixed(2), b.wall_s.toFixed(2), (r.bytes / 1e6 / b.wall_s).toFixed(1), b.max_rss_mb.toFixed(0),
      `entry text ${(r.bytes / 1e6).toFixed(1)} MB; file ${s.file.toFixed(0)} B/entry, loaded into shared memory ${s.loaded.toFixed(0)} B/entry; low evidence ${JSON.stringify(b.low_evidence)}`]);
    log(`built ${r.path}: ${b.wall_s.toFixed(1)} s`);
  }
  type Cfg = { name: string; task: Task; bytes: number; runs: ChildResult[] };
  const cfgs: Cfg[] = [];
  for (const r of regs) {
    for (const w of [1, 2]) cfgs.push({ name: `scan 1 record, ${r.name} registry, ${w} worker${w > 1 ? 's' : ''}`, task: { mode: 'scan', inputs: [one], registry: r.path, workers: w, out: join(OUT, 'out-one') }, bytes: 0, runs: [] });
    for (const w of [1, 2]) cfgs.push({ name: `scan ${MB} MB, ${r.name} registry, ${w} worker${w > 1 ? 's' : ''}`, task: { mode: 'scan', inputs: [m.jsonl.dir], registry: r.path, workers: w, out: join(OUT, `out-${r.name}-w${w}`) }, bytes: m.text_bytes, runs: [] });
  }
  for (let k = 0; k < RUNS; k++)
    for (const c of cfgs) {
      c.runs.push(await runChild(c.task, HEAP));
      log(`round ${k + 1}/${RUNS}: ${c.name}: ${c.runs[k]!.wall_s.toFixed(2)} s`);
    }
  for (const c of cfgs) {
    const t = median(c.runs.map((x) => x.wall_s));
    const flagged = new Set(c.runs.map((x) => `${x.flagged} flagged samples, ${x.matches} matches`));
    row([c.name, t.toFixed(2), c.runs.map((x) => x.wall_s.toFixed(2)).join(', '), c.bytes ? (c.bytes / 1e6 / t).toFixed(1) : '', Math.max(...c.runs.map((x) => x.max_rss_mb)).toFixed(0), [...flagged].join(' / ')]);
  }
  const med = (name: string) => median(cfgs.find((c) => c.name === name)!.runs.map((x) => x.wall_s));
  const rss = (name: string) => Math.max(...cfgs.find((c) => c.name === name)!.runs.map((x) => x.max_rss_mb));
  const [sm, lg] = [regs[0]!.name, regs[1]!.name];
  lines.push('');
  for (const w of [1, 2]) {
    const ws = `${w} worker${w > 1 ? 's' : ''}`;
    const cost = 1 - med(`scan ${MB} MB, ${sm} registry, ${ws}`) / med(`scan ${MB} MB, ${lg} registry, ${ws}`);
    lines.push(`- ${sm} -> ${lg} entries costs ${(cost * 100).toFixed(1)}% of scan throughput with ${ws} (target <= 30%)`);
  }
  lines.push(`- 2 workers vs 1 with the ${lg} registry: ${(rss(`scan ${MB} MB, ${lg} registry, 2 workers`) / rss(`scan ${MB} MB, ${lg} registry, 1 worker`)).toFixed(2)}x peak RSS (target <= 1.3x)`);
  lines.push(`- one small file against the ${lg} registry: ${med(`scan 1 record, ${lg} registry, 1 worker`).toFixed(2)} s with 1 worker, ${med(`scan 1 record, ${lg} registry, 2 workers`).toFixed(2)} s with 2 (scan() call in a fresh process; target <= 2 s)`);
  const text = lines.join('\n') + '\n';
  writeFileSync(join(OUT, 'results.md'), text);
  process.stdout.write(text);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
