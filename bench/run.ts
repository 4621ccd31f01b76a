/**
 * Throughput benchmark: decode-only ceiling vs scan() with 1 and 2 workers, registry build, peak RSS.
 *
 *   npm run bench               # ~500 MB of sample text, 100k registry entries, median of 3 runs
 *   npm run bench:smoke         # ~5 MB, 2k entries, 1 run: CI checks that it runs end to end
 *   node dist/bench/run.js [--smoke] [--mb N] [--entries N] [--runs R] [--seed S] [--data DIR] [--no-parquet] [--scan-parquet] [--profile]
 *                          [--no-peers | --peers-only] [--peer-entries N] [--peer-mb N] [--peer-runs R]
 *
 * Inputs are generated from /work/shared/data (or --data / CONTAMSCAN_DATA) into bench/out/throughput (gitignored)
 * by bench/throughput/generate.ts and reused while the parameters do not change. Every measured configuration
 * runs in its own child process (bench/throughput/child.ts) so peak RSS does not mix; the rounds interleave the
 * configurations so that background load spreads over all of them. --profile adds one `node --cpu-prof` scan of
 * the first shard with workers 0 (matching on the main thread) and prints its top self-time functions.
 * Peers (bench/throughput/compare.ts, peers.ts): on a subset (the first --peer-entries registry entries, default
 * 10,000, 500 under --smoke; the first --peer-mb MB of documents, default 50, 2 under --smoke) contamscan, the exact
 * 13-gram any-hit index and the minhash npm package are timed side by side, each in its own child, and scored
 * against the planted labels (recall). --peer-runs R (default 1: the minhash peer alone takes minutes at full size);
 * --peers-only skips the main configurations, --no-peers the comparison.
 * Results: a Markdown table on stdout, bench/out/throughput/results.md and results.json.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildResult } from './throughput/child.js';
import { median, runChild, speedCheck, type SpeedCheck } from './throughput/fork.js';
import { kernelName } from '../src/fingerprint/native.js';
import { readRegistryHeader } from '../src/registry/format.js';
import { comparePeers, type PeerComparison } from './throughput/compare.js';
import { generate, MB, type Manifest } from './throughput/generate.js';
import { profileTable, summarise } from './throughput/profile.js';

const here = dirname(fileURLToPath(import.meta.url)); // dist/bench
const root = resolve(here, '..', '..');
const argv = process.argv.slice(2);
const flag = (n: string) => argv.includes(`--${n}`);
function opt(n: string): string | undefined {
  const i = argv.indexOf(`--${n}`);
  return i >= 0 ? argv[i + 1] : undefined;
}
function num(n: string, def: number): number {
  const v = opt(n);
  if (v === undefined) return def;
  const x = Number(v);
  if (!Number.isFinite(x) || x <= 0) throw new Error(`--${n} must be a positive number, got ${JSON.stringify(v)}`);
  return x;
}

const smoke = flag('smoke');
const MB_TEXT = num('mb', smoke ? 5 : 500);
const ENTRIES = Math.round(num('entries', smoke ? 2000 : 100_000));
const RUNS = Math.round(num('runs', smoke ? 1 : 3));
const SEED = Math.round(num('seed', 20261122));
const DATA = opt('data') ?? process.env.CONTAMSCAN_DATA ?? '/work/shared/data';
const PARQUET = !flag('no-parquet');
const PROFILE = flag('profile');
// The Parquet scan costs a full scan per run: on by default only in --smoke, else with --scan-parquet.
const SCAN_PARQUET = smoke || flag('scan-parquet');
const PEERS_ONLY = flag('peers-only');
const PEERS = PEERS_ONLY || !flag('no-peers');
const PEER_ENTRIES = Math.round(num('peer-entries', smoke ? 500 : 10_000));
const PEER_MB = num('peer-mb', smoke ? 2 : 50);
const PEER_RUNS = Math.round(num('peer-runs', 1));
const OUT = join(root, 'bench', 'out', 'throughput');

const log = (s: string) => process.stderr.write(s + '\n');

interface Row {
  name: string;
  runs: ChildResult[];
  /** MB/s basis in bytes (sample text for decode/scan, entry text for build). */
  bytes: number;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  if (!existsSync(DATA)) {
    log(`bench: data folder ${DATA} not found (set --data or CONTAMSCAN_DATA); nothing to measure`);
    process.exit(smoke ? 0 : 1);
  }
  mkdirSync(OUT, { recursive: true });
  log(`bench: ${MB_TEXT} MB text, ${ENTRIES} registry entries, ${RUNS} run(s), seed ${SEED}`);
  const m: Manifest = generate({ data: DATA, dir: OUT, mb: MB_TEXT, entries: ENTRIES, seed: SEED, parquet: PARQUET }, log);
  log(`inputs: ${m.samples} samples, ${(m.text_bytes / MB).toFixed(1)} MB text, ${m.registry.entries} entries (generated in ${m.gen_s.toFixed(1)} s)`);

  const jsonl = m.jsonl.dir;
  const pq = 'dir' in m.parquet ? m.parquet.dir : undefined;
  const reg = join(OUT, 'registry.csreg');
  const scanOut = (w: number, fmt: string) => join(OUT, `scan-${fmt}-w${w}`);

  const rows: Record<string, Row> = {};
  const add = (key: string, name: string, bytes: number, r: ChildResult) => ((rows[key] ??= { name, runs: [], bytes }).runs.push(r));

  const speed: SpeedCheck[] = [];
  for (let i = 0; i < (PEERS_ONLY ? 0 : RUNS); i++) {
    speed.push(speedCheck());
    log(`round ${i + 1}/${RUNS} (speed check: CPU loop ${speed[i]!.cpu_ms} ms, random reads ${speed[i]!.mem_ms} ms)`);
    const b = await runChild({ mode: 'build', inputs: [m.registry.path], out: reg, workers: 2 });
    add('build', `registry build (${m.registry.entries.toLocaleString('en')} entries), 2 workers`, m.registry.text_bytes, b);
    log(`  build ${b.wall_s.toFixed(1)} s`);
    // the same build on the main thread alone: what the pool gains, side by side (the file must be the same)
    const b0 = await runChild({ mode: 'build', inputs: [m.registry.path], out: `${reg}.w0`, workers: 0 });
    add('build-w0', `registry build (${m.registry.entries.toLocaleString('en')} entries), main thread only`, m.registry.text_bytes, b0);
    log(`  build w0 ${b0.wall_s.toFixed(1)} s`);
    const d = await runChild({ mode: 'decode', inputs: [jsonl] });
    add('decode-jsonl', 'decode ceiling, JSONL.zst', d.text_bytes, d);
    log(`  decode jsonl ${d.wall_s.toFixed(1)} s`);
    if (pq) {
      const dp = await runChild({ mode: 'decode', inputs: [pq] });
      add('decode-parquet', 'decode ceiling, Parquet zstd', dp.text_bytes, dp);
      log(`  decode parquet ${dp.wall_s.toFixed(1)} s`);
    }
    for (const w of [1, 2]) {
      const s = await runChild({ mode: 'scan', inputs: [jsonl], registry: reg, workers: w, out: scanOut(w, 'jsonl') });
      add(`scan-jsonl-w${w}`, `scan, ${w} worker${w > 1 ? 's' : ''}, JSONL.zst`, s.text_bytes, s);
      log(`  scan w${w} ${s.wall_s.toFixed(1)} s (${s.flagged} flagged, ${s.matches} matches)`);
    }
    if (kernelName() === 'native') {
      // the same scan with the JS fingerprint and key-search code (CONTAMSCAN_NATIVE=0): the native kernel's gain,
      // side by side in one run; the matches must be the same
      const s = await runChild({ mode: 'scan', inputs: [jsonl], registry: reg, workers: 1, out: scanOut(1, 'jsonl-js') }, [], { CONTAMSCAN_NATIVE: '0' });
      add('scan-jsonl-w1-js', 'scan, 1 worker, JSONL.zst, JS kernel (CONTAMSCAN_NATIVE=0)', s.text_bytes, s);
      log(`  scan w1 js ${s.wall_s.toFixed(1)} s (${s.flagged} flagged, ${s.matches} matches)`);
    }
    if (pq && SCAN_PARQUET && i === 0) {
      // one run only: it reads the same rows as the JSONL scan and a full round must stay within the time budget
      const s = await runChild({ mode: 'scan', inputs: [pq], registry: reg, workers: 2, out: scanOut(2, 'parquet') });
      add('scan-parquet-w2', 'scan, 2 workers, Parquet zstd', s.text_bytes, s);
      log(`  scan parquet w2 ${s.wall_s.toFixed(1)} s`);
    }
  }

  // Sanity: every reader and scan saw the same samples and text
  const problems: string[] = [];
  for (const [k, r] of Object.entries(rows)) {
    if (k.startsWith('build')) {
      if (r.runs[0]!.entries !== m.registry.entries) problems.push(`registry holds ${r.runs[0]!.entries} entries, expected ${m.registry.entries}`);
      continue;
    }
    for (const x of r.runs)
      if (x.samples !== m.samples || x.text_bytes !== m.text_bytes)
        problems.push(`${r.name}: ${x.samples} samples / ${x.text_bytes} text bytes, generated ${m.samples} / ${m.text_bytes}`);
  }

  if (rows['scan-jsonl-w1-js']) {
    // the kernel must not change a single match: same matches.jsonl bytes as the native 1-worker scan
    const a = readFileSync(join(scanOut(1, 'jsonl'), 'matches.jsonl'));
    const b = readFileSync(join(scanOut(1, 'jsonl-js'), 'matches.jsonl'));
    if (!a.equals(b)) problems.push('the JS-kernel scan wrote other matches than the native one (scan-jsonl-w1 vs scan-jsonl-w1-js)');
  }

  if (rows['build-w0']) {
    // the worker count must not change the registry: same content digest as the 2-worker build
    const [a, b] = await Promise.all([readRegistryHeader(reg), readRegistryHeader(`${reg}.w0`)]);
    if (a.header.digest !== b.header.digest) problems.push(`the main-thread build wrote another registry (digest ${b.header.digest}) than the 2-worker one (${a.header.digest})`);
    rmSync(`${reg}.w0`, { force: true });
  }

  const mbps = (r: Row) => r.bytes / MB / median(r.runs.map((x) => x.wall_s));
  // CPU seconds per wall second of the process (includes child start-up): ~1 = one busy thread, ~2 = both cores
  const utilOf = (r: Row) => median(r.runs.map((x) => (x.cpu_s ?? NaN) / x.wall_s));
  const build0 = rows['build-w0'] ? mbps(rows['build-w0']) : NaN;
  const ceil = rows['decode-jsonl'] ? mbps(rows['decode-jsonl']) : NaN;
  const ceilPq = rows['decode-parquet'] ? mbps(rows['decode-parquet']) : NaN;
  const w1 = rows['scan-jsonl-w1'] ? mbps(rows['scan-jsonl-w1']) : NaN;
  const regSize = existsSync(reg) ? statSync(reg).size : 0;

  const table = ['| configuration | median s | runs (s) | MB/s of text | vs decode ceiling | CPU s / wall s | peak RSS MB | notes |', '|---|---:|---|---:|---:|---:|---:|---|'];
  const result: Record<string, unknown>[] = [];
  for (const [key, r] of Object.entries(rows)) {
    const med = median(r.runs.map((x) => x.wall_s));
    const rate = mbps(r);
    const rss = Math.max(...r.runs.map((x) => x.max_rss_mb));
    const util = utilOf(r);
    let vs = '';
    let notes = '';
    if (key.startsWith('scan')) {
      const c = key.includes('parquet') ? ceilPq : ceil;
      vs = `${((100 * rate) / c).toFixed(1)}%`;
      const last = r.runs[r.runs.length - 1]!;
      notes = `${last.flagged} flagged samples, ${last.matches} matches`;
      // the ratio per round (this scan against the same round's decode run): side by side, so it follows the
      // machine's drift that a ratio of medians over different moments does not
      const dec = rows[key.includes('parquet') ? 'decode-parquet' : 'decode-jsonl'];
      if (dec && dec.runs.length === r.runs.length && r.runs.length > 1)
        notes += `; per round vs ceiling: ${r.runs.map((x, i) => `${((100 * dec.runs[i]!.wall_s) / x.wall_s).toFixed(1)}%`).join(', ')}`;
      if (key === 'scan-jsonl-w2') {
        // The 1-worker scan already keeps util1 cores busy (its reader thread beside the matching worker); with the
        // same CPU per byte, 2 cores allow at most 2 / util1 of its throughput.
        const util1 = rows['scan-jsonl-w1'] ? utilOf(rows['scan-jsonl-w1']) : NaN;
        notes += `; 2/1 workers: ${(rate / w1).toFixed(2)}x`;
        // (only meaningful on a run long enough that start-up and compile threads do not dominate the CPU time)
        if (Number.isFinite(util1) && util1 >= 1 && util1 < 2 && cpus().length === 2)
          notes += ` (2 cores allow ~${(2 / util1).toFixed(2)}x at the 1-worker scan's CPU per byte: it keeps ${util1.toFixed(2)} cores busy)`;
      }
      if (key === 'scan-jsonl-w1-js') notes += `; native kernel / JS: ${(w1 / rate).toFixed(2)}x`;
    } else if (key === 'build') {
      notes = `entry text ${(r.bytes / MB).toFixed(1)} MB; file ${(regSize / MB).toFixed(1)} MB = ${Math.round(regSize / m.registry.entries)} B/entry`;
      if (!Number.isNaN(build0)) notes += `; 2 workers / main thread: ${(rate / build0).toFixed(2)}x`;
    } else if (key.startsWith('decode')) vs = '100%';
    table.push(`| ${r.name} | ${med.toFixed(2)} | ${r.runs.map((x) => x.wall_s.toFixed(2)).join(', ')} | ${rate.toFixed(1)} | ${vs} | ${Number.isNaN(util) ? '' : util.toFixed(2)} | ${rss.toFixed(0)} | ${notes} |`);
    result.push({ key, name: r.name, median_s: med, runs_s: r.runs.map((x) => x.wall_s), mb_per_s: rate, peak_rss_mb: rss, basis_bytes: r.bytes, runs: r.runs });
  }

  const cpu = cpus()[0]?.model ?? 'unknown';
  const pqNote = 'dir' in m.parquet ? `Parquet: ${(m.parquet.file_bytes / MB).toFixed(1)} MB in ${m.parquet.files} file(s) (bench/throughput/parquet-writer.ts: PLAIN, ZSTD, v1 pages, 2,000-row groups)` : `Parquet skipped: ${m.parquet.skipped}`;
  const header = [
    `inputs: ${m.samples.toLocaleString('en')} samples, ${(m.text_bytes / MB).toFixed(1)} MB of text (${(m.code_docs / m.samples * 100).toFixed(0)}% code documents, ${m.planted_docs} with ${m.planted_entries} pasted registry entries); ` +
      `JSONL.zst: ${(m.jsonl.file_bytes / MB).toFixed(1)} MB in ${m.jsonl.files} file(s); ${pqNote}`,
    `registry: ${m.registry.entries.toLocaleString('en')} entries (${m.registry.real.toLocaleString('en')} real answers + ${m.registry.variants.toLocaleString('en')} seeded variants), ${(m.registry.text_bytes / MB).toFixed(1)} MB of entry text`,
    `machine: ${cpus().length} CPUs (${cpu}), Node ${process.version}; runs: ${RUNS}, seed ${SEED}; MB = 10^6 bytes of UTF-8 text; wall time includes registry load and pool start; fingerprint kernel: ${kernelName()}`,
  ];
  if (speed.length)
    header.push(
      `speed check before each round (bench/throughput/fork.ts speedCheck, best of 3; lower is faster; compare runs' absolute figures only when these agree): ` +
        `CPU loop ${speed.map((x) => x.cpu_ms).join(', ')} ms; 4M random reads over 64 MB ${speed.map((x) => x.mem_ms).join(', ')} ms`,
    );
  let profileMd = '';
  let profile: unknown;
  if (PROFILE && !PEERS_ONLY) {
    const dir = join(OUT, 'profile');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const first = join(jsonl, readdirSync(jsonl).sort()[0]!);
    log(`profile: scan of ${relative(root, first)} with workers 0 under --cpu-prof`);
    const r = await runChild({ mode: 'scan', inputs: [first], registry: reg, workers: 0, out: join(OUT, 'scan-profile') }, ['--cpu-prof', '--cpu-prof-dir', dir]);
    const f = readdirSync(dir).find((x) => x.endsWith('.cpuprofile'));
    if (f) {
      const s = summarise(join(dir, f), 20);
      profile = { file: relative(root, join(dir, f)), wall_s: r.wall_s, text_bytes: r.text_bytes, ...s };
      profileMd = `\n### CPU profile: scan, workers 0, ${(r.text_bytes / MB).toFixed(1)} MB of text, ${r.wall_s.toFixed(1)} s (${(r.text_bytes / MB / r.wall_s).toFixed(1)} MB/s under the profiler)\n\n${profileTable(s)}\n`;
    }
  }
  let peers: PeerComparison | undefined;
  if (PEERS) {
    peers = await comparePeers(m, { entries: PEER_ENTRIES, mb: PEER_MB, runs: PEER_RUNS, root, out: OUT }, (t) => runChild(t), log);
    problems.push(...peers.problems);
  }
  const mainTable = PEERS_ONLY ? '' : `${table.join('\n')}\n`;
  const md = `${header.join('\n\n')}\n\n${mainTable}${peers ? `\n${peers.md}` : ''}${problems.length ? `\n**PROBLEMS**:\n${problems.map((p) => `- ${p}`).join('\n')}\n` : ''}${profileMd}`;
  console.log(md);
  writeFileSync(join(OUT, 'results.md'), md);
  writeFileSync(
    join(OUT, 'results.json'),
    JSON.stringify({ date: new Date().toISOString(), params: { mb: MB_TEXT, entries: ENTRIES, runs: RUNS, seed: SEED, smoke, peers: PEERS ? { entries: PEER_ENTRIES, mb: PEER_MB, runs: PEER_RUNS, only: PEERS_ONLY } : false }, machine: { cpus: cpus().length, cpu, node: process.version }, speed_check: speed, inputs: m, registry_file_bytes: regSize, results: result, peers: peers?.json, problems, profile, total_s: (performance.now() - t0) / 1000 }, null, 2) + '\n',
  );
  log(`bench: done in ${((performance.now() - t0) / 1000).toFixed(0)} s; results in ${relative(root, OUT)}/results.{md,json}`);
  if (problems.length) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
