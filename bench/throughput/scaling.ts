/**
 * Scaling with input size and memory against shard size, in the form of the performance issue's targets:
 *   1. scan time grows linearly with input size (1x, 4x, 16x input within +-15% of linear);
 *   2. peak RSS while scanning a 4 GB shard <= 1.2x the peak RSS of scanning a 256 MB shard.
 *
 *   npm run bench:scaling                       # = npm run build && node dist/bench/throughput/scaling.js
 *   node dist/bench/throughput/scaling.js [--smoke] [--rounds R] [--base-mb N] [--factors 1,4,16] [--workers W]
 *                                         [--seed S] [--data DIR] [--registry FILE.csreg] [--append | --table-only] [--quiet-cores C]
 *
 * Inputs, all under bench/out/scaling (gitignored; --smoke uses bench/out/scaling/smoke):
 * - inputs/: bench/throughput/generate.ts with the throughput bench's defaults (500 MB of text in 10 JSONL.zst shards,
 *   100,000 registry entries, seed 20261122, no Parquet), so documents and registry source are byte-identical to the
 *   bench's; registry.csreg is built from them once by the bench's own build child (same tag fields). They live in
 *   this directory, not in bench/out/throughput, so that a `bench:smoke` run elsewhere cannot replace the registry in
 *   the middle of a measurement. Reused while the parameters do not change. --registry FILE skips the build.
 * - shards/: ONE `.jsonl.zst` file per size. The base is the first documents of the generated shards, in order, up
 *   to --base-mb MB (10^6 bytes) of UTF-8 text (default 256; the cut falls after the first document that reaches
 *   it). The shard of factor k is the base written k times in a row, each copy's ids prefixed `r<copy>-`, so the
 *   text of the 4x and 16x shards is exactly 4 and 16 times that of the 1x shard and every byte costs the same work.
 *   Written as one zstd frame through zstd-napi's CompressStream (level 3, as generate.ts), streaming: only the
 *   base's decompressed lines are held in memory, never a whole shard. Also fixed.jsonl.zst: the base's first
 *   document alone, to measure the fixed cost (registry load, pool start, report) of one scan.
 *
 * Measurement: every scan runs in a fresh forked child (bench/throughput/child.ts, mode scan: the public scan() with
 * the given workers, progress off), which reports the wall time of the scan() call and
 * process.resourceUsage().maxRSS (main thread + worker threads). R rounds (default 3); each round runs the fixed
 * probe and then every size, the order of the sizes rotated by one each round. Medians over rounds.
 * Results: a Markdown table on stdout and bench/out/scaling/results.md, every run in bench/out/scaling/results.json.
 * --append adds R more rounds to the runs already in results.json (same parameters; rotation continues), for a
 * shared machine; --table-only renders results.json again without scanning. A second table takes the medians over
 * the quiet runs only: those during which other processes used at most --quiet-cores cores (default 0.25; measured
 * from /proc/stat as the machine's busy CPU time minus the scan child's own).
 */
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { CompressStream, decompress } from 'zstd-napi';
import { makeConfig, readRegistryHeader } from '../../src/index.js';
import type { ChildResult } from './child.js';
import { median, runChild, speedCheck, type SpeedCheck } from './fork.js';
import { generate, MB, type Manifest } from './generate.js';

const here = dirname(fileURLToPath(import.meta.url)); // dist/bench/throughput
const root = resolve(here, '..', '..', '..');
const argv = process.argv.slice(2);
const flag = (n: string) => argv.includes(`--${n}`);
function opt(n: string): string | undefined {
  const i = argv.indexOf(`--${n}`);
  return i >= 0 ? argv[i + 1] : undefined;
}
function num(n: string, def: number, min = 1e-9): number {
  const v = opt(n);
  if (v === undefined) return def;
  const x = Number(v);
  if (!Number.isFinite(x) || x < min) throw new Error(`--${n} must be a number >= ${min}, got ${JSON.stringify(v)}`);
  return x;
}

const smoke = flag('smoke');
const ROUNDS = Math.round(num('rounds', smoke ? 1 : 3, 1));
const BASE_MB = num('base-mb', smoke ? 2 : 256);
const FACTORS = (opt('factors') ?? '1,4,16').split(',').map((s) => {
  const f = Number(s);
  if (!Number.isInteger(f) || f < 1) throw new Error(`--factors: ${JSON.stringify(s)} is not a positive integer`);
  return f;
});
if (FACTORS[0] !== 1) throw new Error('--factors must start with 1 (the base every ratio is taken against)');
const WORKERS = Math.round(num('workers', 2, 0));
const APPEND = flag('append');
const TABLE_ONLY = flag('table-only');
/** Runs during which other processes took at most this many cores count as quiet (second table). */
const QUIET = num('quiet-cores', 0.25, 0);
const SEED = Math.round(num('seed', 20261122));
const DATA = opt('data') ?? process.env.CONTAMSCAN_DATA ?? '/work/shared/data';
// the throughput bench's defaults (and its --smoke inputs under --smoke)
const GEN_MB = smoke ? 5 : 500;
const GEN_ENTRIES = smoke ? 2000 : 100_000;
const OUT = join(root, 'bench', 'out', 'scaling', ...(smoke ? ['smoke'] : []));
const INPUTS = join(OUT, 'inputs');
const SHARDS = join(OUT, 'shards');
/** Bump when the way shards are derived from the generated documents changes. */
const SHARD_RECIPE = 1;

const log = (s: string) => process.stderr.write(s + '\n');
const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '');
const int = (x: number) => Math.round(x).toLocaleString('en');

interface ShardInfo {
  key: string;
  label: string;
  factor: number;
  path: string;
  samples: number;
  text_bytes: number;
  file_bytes: number;
}
interface ShardManifest {
  params: { recipe: number; base_mb: number; factors: number[]; source: Manifest['params'] };
  base: { samples: number; text_bytes: number; last_source_shard: string };
  shards: ShardInfo[];
  gen_s: number;
}


/** The base documents: the generated shards' JSONL lines, in order, until BASE_MB MB of text. */
function baseLines(m: Manifest): { lines: Buffer[]; text_bytes: number; last: string } {
  const target = BASE_MB * MB;
  const lines: Buffer[] = [];
  let text = 0;
  const files = readdirSync(m.jsonl.dir).filter((f) => f.endsWith('.jsonl.zst')).sort();
  for (const f of files) {
    const raw = decompress(readFileSync(join(m.jsonl.dir, f)));
    let pos = 0;
    while (pos < raw.length && text < target) {
      let nl = raw.indexOf(10, pos);
      if (nl < 0) nl = raw.length;
      if (nl > pos) {
        const line = raw.subarray(pos, nl);
        const r = JSON.parse(line.toString('utf8')) as { id: string; text: string };
        // generate.ts writes JSON.stringify({ id, text }): re-iding only needs the 7-byte prefix
        if (line.subarray(0, 7).toString() !== '{"id":"') throw new Error(`${f}: unexpected line start ${line.subarray(0, 20).toString()}`);
        lines.push(line);
        text += Buffer.byteLength(r.text, 'utf8');
      }
      pos = nl + 1;
    }
    if (text >= target) return { lines, text_bytes: text, last: f };
  }
  throw new Error(`the generated shards hold only ${(text / MB).toFixed(1)} MB of text, less than --base-mb ${BASE_MB}`);
}

/** Writes the base `factor` times (ids prefixed r<copy>-) as one zstd frame, streaming, to path. */
async function writeShard(path: string, lines: Buffer[], factor: number): Promise<number> {
  const PREFIX = 7; // '{"id":"'
  const NL = Buffer.from('\n');
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let k = 0; k < factor; k++) {
      const head = Buffer.from(`{"id":"r${k}-`);
      let parts: Buffer[] = [];
      let size = 0;
      for (const l of lines) {
        parts.push(head, l.subarray(PREFIX), NL);
        size += head.length + l.length - PREFIX + 1;
        if (size >= 4 << 20) {
          yield Buffer.concat(parts, size);
          parts = [];
          size = 0;
        }
      }
      if (size) yield Buffer.concat(parts, size);
    }
  }
  const tmp = path + '.tmp';
  await pipeline(Readable.from(chunks()), new CompressStream({ compressionLevel: 3 }), createWriteStream(tmp));
  renameSync(tmp, path);
  return statSync(path).size;
}

async function makeShards(m: Manifest): Promise<ShardManifest> {
  const manifestPath = join(SHARDS, 'shards.json');
  const params: ShardManifest['params'] = { recipe: SHARD_RECIPE, base_mb: BASE_MB, factors: FACTORS, source: m.params };
  if (existsSync(manifestPath)) {
    const sm = JSON.parse(readFileSync(manifestPath, 'utf8')) as ShardManifest;
    if (JSON.stringify(sm.params) === JSON.stringify(params) && sm.shards.every((s) => existsSync(s.path) && statSync(s.path).size === s.file_bytes)) {
      log(`shards: reusing ${relative(root, manifestPath)}`);
      return sm;
    }
  }
  const t0 = performance.now();
  rmSync(SHARDS, { recursive: true, force: true });
  mkdirSync(SHARDS, { recursive: true });
  const base = baseLines(m);
  log(`shards: base = ${base.lines.length} documents, ${(base.text_bytes / MB).toFixed(1)} MB of text (generated shards up to ${base.last})`);
  const shards: ShardInfo[] = [];
  const firstText = Buffer.byteLength((JSON.parse(base.lines[0]!.toString('utf8')) as { text: string }).text, 'utf8');
  const fixedPath = join(SHARDS, 'fixed.jsonl.zst');
  shards.push({ key: 'fixed', label: 'fixed (1 document)', factor: 0, path: fixedPath, samples: 1, text_bytes: firstText, file_bytes: await writeShard(fixedPath, base.lines.slice(0, 1), 1) });
  for (const f of FACTORS) {
    const tb = base.text_bytes * f;
    const label = `${+(BASE_MB * f).toFixed(1)} MB (${f}x)`;
    const path = join(SHARDS, `x${f}.jsonl.zst`);
    const t = performance.now();
    const fb = await writeShard(path, base.lines, f);
    shards.push({ key: `x${f}`, label, factor: f, path, samples: base.lines.length * f, text_bytes: tb, file_bytes: fb });
    log(`shards: ${relative(root, path)}: ${label}, ${(tb / MB).toFixed(1)} MB text, ${(fb / MB).toFixed(1)} MB zst (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  }
  const sm: ShardManifest = { params, base: { samples: base.lines.length, text_bytes: base.text_bytes, last_source_shard: base.last }, shards, gen_s: (performance.now() - t0) / 1000 };
  writeFileSync(manifestPath, JSON.stringify(sm, null, 2) + '\n');
  return sm;
}

/** Newest modification time under dir (ms), to notice a rebuild of the measured code during the run. */
function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Busy and total CPU seconds of the whole machine from /proc/stat (all CPUs), or undefined off Linux. */
function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0); // idle + iowait
    return { busy: (total - idle) / 100, total: total / 100 }; // USER_HZ = 100 on Linux
  } catch {
    return undefined;
  }
}

interface Run extends ChildResult {
  /** CPU seconds used on the machine during the child's life by anything but the child, per elapsed second: other jobs' cores. */
  other_cores: number | null;
  round: number;
  order: number;
  loadavg_1m_before: number;
  started_at: string;
}

interface Session {
  command: string;
  started_at: string;
  ended_at: string;
  /** first and last round number measured by this invocation */
  rounds: [number, number];
  code_newest_mtime_start: string;
  code_newest_mtime_end: string;
  rebuilt_during_rounds: boolean;
  /** fork.ts speedCheck before each round of this invocation (absent in sessions recorded before 2026-11-23 09:40 UTC) */
  speed_check?: SpeedCheck[];
}
interface Row {
  key: string;
  label: string;
  factor: number;
  path: string;
  file_bytes: number;
  text_bytes: number;
  samples: number;
  median_wall_s: number;
  runs_wall_s: number[];
  mb_per_s: number | null;
  time_vs_linear: number | null;
  time_vs_linear_minus_fixed: number | null;
  cpu_vs_linear: number | null;
  median_peak_rss_mb: number;
  max_peak_rss_mb: number;
  runs_peak_rss_mb: number[];
  rss_vs_base: number | null;
  rss_vs_base_max: number | null;
  cpu_per_wall: number;
  other_jobs_cores: number | null;
  runs: Run[];
}
interface Results {
  sessions: Session[];
  machine: { cpus: number; model: string; total_mem_bytes: number; node: string };
  params: Record<string, unknown>;
  registry: { path: string; entries: number; bytes: number; build: ChildResult | null };
  inputs: { samples: number; text_bytes: number; gen_s: number };
  shards: ShardManifest;
  fixed_s: number;
  verdicts: Record<string, unknown>;
  rows: Row[];
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  if (!existsSync(DATA)) {
    log(`scaling: data folder ${DATA} not found (set --data or CONTAMSCAN_DATA); nothing to measure`);
    process.exit(1);
  }
  mkdirSync(INPUTS, { recursive: true });
  log(`scaling: base ${BASE_MB} MB x ${FACTORS.join(', ')}, ${ROUNDS} round(s), workers ${WORKERS}, out ${relative(root, OUT)}`);
  const m = generate({ data: DATA, dir: INPUTS, mb: GEN_MB, entries: GEN_ENTRIES, seed: SEED, parquet: false }, log);

  let registry = opt('registry');
  let regBuild: ChildResult | undefined;
  if (!registry) {
    registry = join(INPUTS, 'registry.csreg');
    // built once per generation: a registry older than the manifest, of another entry count or of other fingerprint
    // parameters or algorithm (an older build of contamscan) is rebuilt
    const fpId = makeConfig().fingerprintId;
    const fresh =
      existsSync(registry) &&
      statSync(registry).mtimeMs > statSync(join(INPUTS, 'inputs.json')).mtimeMs &&
      (await readRegistryHeader(registry).then((h) => h.header.entries === m.registry.entries && h.header.fingerprint_id === fpId, () => false));
    if (fresh) log(`registry: reusing ${relative(root, registry)}`);
    else {
      log(`registry: building ${relative(root, registry)} from ${m.registry.entries} entries`);
      regBuild = await runChild({ mode: 'build', inputs: [m.registry.path], out: registry });
      log(`registry: ${regBuild.entries} entries in ${regBuild.wall_s.toFixed(1)} s`);
    }
  }
  const regHeader = (await readRegistryHeader(registry)).header;
  const sm = await makeShards(m);
  for (const s of sm.shards) s.label = s.factor ? `${+(BASE_MB * s.factor).toFixed(1)} MB (${s.factor}x)` : 'fixed (1 document)';

  const distSrc = resolve(here, '..', '..', 'src');
  const resultsPath = join(OUT, 'results.json');
  const sizes = sm.shards.filter((s) => s.factor > 0);
  const fixed = sm.shards.find((s) => s.factor === 0)!;
  const params = { smoke, base_mb: BASE_MB, factors: FACTORS, workers: WORKERS, seed: SEED, gen_mb: GEN_MB, gen_entries: GEN_ENTRIES };

  // --table-only: render results.json again; --append: add ROUNDS rounds to the runs of results.json (same parameters)
  let prev: Results | undefined;
  if (TABLE_ONLY || APPEND) {
    if (!existsSync(resultsPath)) throw new Error(`${relative(root, resultsPath)} not found: nothing to ${TABLE_ONLY ? 'render' : 'append to'}`);
    prev = JSON.parse(readFileSync(resultsPath, 'utf8')) as Results;
    if (JSON.stringify(prev.params) !== JSON.stringify(params))
      throw new Error(`${relative(root, resultsPath)} was measured with ${JSON.stringify(prev.params)}, not ${JSON.stringify(params)}`);
  }
  const runs: Record<string, Run[]> = {};
  for (const row of prev?.rows ?? []) runs[row.key] = [...row.runs];
  const sessions: Session[] = [...(prev?.sessions ?? [])];
  if (!TABLE_ONLY) {
    const codeAtStart = newestMtime(distSrc);
    const done = prev ? Math.max(0, ...Object.values(runs).flat().map((x) => x.round)) : 0;
    const speed: SpeedCheck[] = [];
    for (let r = done; r < done + ROUNDS; r++) {
      const order = [fixed, ...sizes.map((_, i) => sizes[(i + r) % sizes.length]!)];
      const sc = speedCheck();
      speed.push(sc);
      log(`round ${r + 1}/${done + ROUNDS}: ${order.map((s) => s.label).join(', ')} (speed check: CPU loop ${sc.cpu_ms} ms, random reads ${sc.mem_ms} ms)`);
      for (let i = 0; i < order.length; i++) {
        const s = order[i]!;
        const la = loadavg()[0]!;
        const at = new Date().toISOString();
        const c0 = machineCpu();
        const e0 = performance.now();
        const res = await runChild({ mode: 'scan', inputs: [s.path], registry, workers: WORKERS, out: join(OUT, `scan-${s.key}`) });
        const c1 = machineCpu();
        const el = (performance.now() - e0) / 1000;
        // the parent sleeps while the child runs; what the machine did beyond the child's CPU time was other jobs
        const other = c0 && c1 ? Math.max(0, c1.busy - c0.busy - res.cpu_s) / el : null;
        if (res.samples !== s.samples || res.text_bytes !== s.text_bytes)
          throw new Error(`${s.label}: scan saw ${res.samples} samples / ${res.text_bytes} text bytes, the shard holds ${s.samples} / ${s.text_bytes}`);
        (runs[s.key] ??= []).push({ ...res, other_cores: other, round: r + 1, order: i, loadavg_1m_before: la, started_at: at });
        log(
          `  ${s.label}: ${res.wall_s.toFixed(2)} s, ${res.max_rss_mb.toFixed(0)} MB peak RSS, ${res.flagged} flagged, ${res.matches} matches ` +
            `(load ${la.toFixed(2)} before, other jobs ${other === null ? '?' : other.toFixed(2)} cores)`,
        );
      }
    }
    const codeAtEnd = newestMtime(distSrc);
    const rebuilt = codeAtEnd !== codeAtStart;
    if (rebuilt) log(`WARNING: ${relative(root, distSrc)} changed during the rounds (newest file ${new Date(codeAtStart).toISOString()} -> ${new Date(codeAtEnd).toISOString()}): the runs may mix code versions`);
    sessions.push({
      command: `node dist/bench/throughput/scaling.js ${argv.join(' ')}`.trimEnd(),
      started_at: startedAt,
      ended_at: new Date().toISOString(),
      rounds: [done + 1, done + ROUNDS],
      code_newest_mtime_start: new Date(codeAtStart).toISOString(),
      code_newest_mtime_end: new Date(codeAtEnd).toISOString(),
      rebuilt_during_rounds: rebuilt,
      speed_check: speed,
    });
  }

  // Table
  const med = (key: string, f: (x: Run) => number) => median(runs[key]!.map(f));
  const tFixed = med('fixed', (x) => x.wall_s);
  const t1 = med('x1', (x) => x.wall_s);
  const cpu1 = med('x1', (x) => x.cpu_s);
  const rss1 = med('x1', (x) => x.max_rss_mb);
  const rows: Row[] = [];
  const table = [
    `| size | text MB | samples | median wall s | runs (s) | MB/s | time vs linear | time vs linear, fixed cost subtracted | CPU s vs linear | peak RSS MB (median) | runs (MB) | RSS vs ${sizes[0]!.label} | CPU s / wall s | other jobs, cores | flagged / matches |`,
    '|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---|',
  ];
  for (const s of [fixed, ...sizes]) {
    const rs = runs[s.key]!;
    const t = median(rs.map((x) => x.wall_s));
    const rss = median(rs.map((x) => x.max_rss_mb));
    const util = median(rs.map((x) => x.cpu_s / x.wall_s));
    const others = rs.map((x) => x.other_cores).filter((x): x is number => x !== null);
    const otherMed = others.length ? median(others) : NaN;
    const lin = s.factor ? t / (t1 * s.factor) : NaN;
    const linNet = s.factor ? (t - tFixed) / ((t1 - tFixed) * s.factor) : NaN;
    const linCpu = s.factor ? median(rs.map((x) => x.cpu_s)) / (cpu1 * s.factor) : NaN;
    const rssRatio = s.factor ? rss / rss1 : NaN;
    const last = rs[rs.length - 1]!;
    table.push(
      `| ${s.label} | ${(s.text_bytes / MB).toFixed(1)} | ${int(s.samples)} | ${fmt(t)} | ${rs.map((x) => fmt(x.wall_s)).join(', ')} | ${s.factor ? fmt(s.text_bytes / MB / t, 1) : ''} | ` +
        `${fmt(lin, 3)} | ${fmt(linNet, 3)} | ${fmt(linCpu, 3)} | ${fmt(rss, 0)} | ${rs.map((x) => fmt(x.max_rss_mb, 0)).join(', ')} | ${fmt(rssRatio, 3)} | ${fmt(util)} | ${fmt(otherMed)} | ` +
        `${int(last.flagged ?? 0)} / ${int(last.matches ?? 0)} |`,
    );
    rows.push({
      key: s.key,
      label: s.label,
      factor: s.factor,
      path: relative(root, s.path),
      file_bytes: s.file_bytes,
      text_bytes: s.text_bytes,
      samples: s.samples,
      median_wall_s: t,
      runs_wall_s: rs.map((x) => x.wall_s),
      mb_per_s: s.factor ? s.text_bytes / MB / t : null,
      time_vs_linear: s.factor ? lin : null,
      time_vs_linear_minus_fixed: s.factor ? linNet : null,
      cpu_vs_linear: s.factor ? linCpu : null,
      median_peak_rss_mb: rss,
      max_peak_rss_mb: Math.max(...rs.map((x) => x.max_rss_mb)),
      runs_peak_rss_mb: rs.map((x) => x.max_rss_mb),
      rss_vs_base: s.factor ? rssRatio : null,
      rss_vs_base_max: s.factor ? Math.max(...rs.map((x) => x.max_rss_mb)) / Math.max(...runs['x1']!.map((x) => x.max_rss_mb)) : null,
      cpu_per_wall: util,
      other_jobs_cores: others.length ? otherMed : null,
      runs: rs,
    });
  }

  // Verdicts (the issue's form)
  const pct = (x: number) => `${x >= 1 ? '+' : ''}${((x - 1) * 100).toFixed(1)}%`;
  const lins = rows.filter((r) => r.factor > 1).map((r) => ({ label: r.label, factor: r.factor, lin: r.time_vs_linear!, lin_minus_fixed: r.time_vs_linear_minus_fixed!, cpu: r.cpu_vs_linear! }));
  const linearOk = lins.every((x) => Math.abs(x.lin - 1) <= 0.15);
  const big = sizes[sizes.length - 1]!;
  const rssRatioBig = med(big.key, (x) => x.max_rss_mb) / rss1;
  const rssOk = rssRatioBig <= 1.2;
  const verdicts = [
    `- linear scan time (${FACTORS.join('x, ')}x within +-15% of linear): **${linearOk ? 'met' : 'not met'}**: ` +
      lins.map((x) => `${x.factor}x takes ${x.lin.toFixed(3)}x linear (${pct(x.lin)}; fixed cost subtracted ${pct(x.lin_minus_fixed)}; CPU s ${pct(x.cpu)})`).join(', '),
    `- peak RSS ${big.label} <= 1.2x ${sizes[0]!.label}: **${rssOk ? 'met' : 'not met'}**: ${rssRatioBig.toFixed(3)}x (medians ${med(big.key, (x) => x.max_rss_mb).toFixed(0)} vs ${rss1.toFixed(0)} MB)`,
  ];

  // The same on quiet runs only (other jobs <= QUIET cores): on a shared 2-core machine a busy neighbour slows a
  // 2-worker scan by up to ~1.7x, which swamps the +-15% band.
  const quiet = (key: string) => runs[key]!.filter((x) => x.other_cores !== null && x.other_cores <= QUIET);
  const q1 = quiet('x1');
  const quietTable = [
    `| size | quiet runs | median wall s | runs (s) | MB/s | time vs linear | time vs linear, fixed cost subtracted | peak RSS MB (median) | RSS vs ${sizes[0]!.label} |`,
    '|---|---:|---:|---|---:|---:|---:|---:|---:|',
  ];
  const quietLins: Array<{ label: string; factor: number; n: number; lin: number; lin_minus_fixed: number }> = [];
  let quietRss = NaN;
  const qFixed = quiet('fixed').length ? median(quiet('fixed').map((x) => x.wall_s)) : tFixed;
  for (const s of sizes) {
    const q = quiet(s.key);
    if (!q.length || !q1.length) {
      quietTable.push(`| ${s.label} | 0 |  |  |  |  |  |  |  |`);
      continue;
    }
    const qt1 = median(q1.map((x) => x.wall_s));
    const t = median(q.map((x) => x.wall_s));
    const rss = median(q.map((x) => x.max_rss_mb));
    const rssR = rss / median(q1.map((x) => x.max_rss_mb));
    const lin = t / (qt1 * s.factor);
    const linNet = (t - qFixed) / ((qt1 - qFixed) * s.factor);
    if (s.factor > 1) quietLins.push({ label: s.label, factor: s.factor, n: q.length, lin, lin_minus_fixed: linNet });
    if (s === big) quietRss = rssR;
    quietTable.push(
      `| ${s.label} | ${q.length} of ${runs[s.key]!.length} | ${fmt(t)} | ${q.map((x) => `${fmt(x.wall_s)} (r${x.round})`).join(', ')} | ${fmt(s.text_bytes / MB / t, 1)} | ${fmt(lin, 3)} | ${fmt(linNet, 3)} | ${fmt(rss, 0)} | ${fmt(rssR, 3)} |`,
    );
  }
  const quietLinearOk = quietLins.length === sizes.length - 1 && quietLins.every((x) => Math.abs(x.lin - 1) <= 0.15);
  const quietVerdict =
    quietLins.length === sizes.length - 1
      ? `- quiet runs only: linear scan time **${quietLinearOk ? 'met' : 'not met'}**: ` +
        quietLins.map((x) => `${x.factor}x takes ${x.lin.toFixed(3)}x linear (${pct(x.lin)}; fixed cost subtracted ${pct(x.lin_minus_fixed)}; ${x.n} runs)`).join(', ') +
        `; peak RSS ratio ${fmt(quietRss, 3)}x`
      : `- quiet runs only: not every size has a quiet run (other jobs <= ${QUIET} cores); no verdict`;

  const loads = Object.values(runs).flat().map((x) => x.loadavg_1m_before);
  const cpu = cpus()[0]?.model ?? 'unknown';
  const rounds = Math.max(...Object.values(runs).flat().map((x) => x.round));
  const anyRebuilt = sessions.some((x) => x.rebuilt_during_rounds);
  const header = [
    `command: ${sessions.map((x) => `\`${x.command}\` (rounds ${x.rounds[0]}-${x.rounds[1]}, ${x.started_at} - ${x.ended_at})`).join('; then ')}`,
    `machine: ${cpus().length} CPUs (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}; 1-minute load average before each scan ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)}; ` +
      `other jobs = machine CPU time (/proc/stat) during a scan minus the scan child's own, per second: cores taken by other processes`,
    `speed check before each round (fork.ts speedCheck, best of 3; lower is faster; compare sessions' absolute figures only when these agree): ` +
      sessions.map((x) => (x.speed_check?.length ? `rounds ${x.rounds[0]}-${x.rounds[1]}: CPU loop ${x.speed_check.map((c) => c.cpu_ms).join(', ')} ms, random reads ${x.speed_check.map((c) => c.mem_ms).join(', ')} ms` : `rounds ${x.rounds[0]}-${x.rounds[1]}: not recorded`)).join('; '),
    `measured code: ${relative(root, distSrc)}, newest file at the start of each invocation ${sessions.map((x) => x.code_newest_mtime_start).join(', ')}` +
      `${anyRebuilt ? '; REBUILT during the rounds of an invocation (see results.json sessions)' : '; unchanged during the rounds of each invocation'}`,
    `registry: ${relative(root, registry)}, ${int(regHeader.entries)} entries (${(statSync(registry).size / MB).toFixed(1)} MB); workers ${WORKERS}; ${rounds} round(s), sizes rotated each round`,
    `shards: one .jsonl.zst each, the base (first ${int(sm.base.samples)} documents of the throughput bench's generated shards, ${(sm.base.text_bytes / MB).toFixed(1)} MB of text) repeated 1x, ${FACTORS.slice(1).join('x, ')}x with ids re-prefixed; ` +
      `zst sizes ${sizes.map((s) => `${(s.file_bytes / MB).toFixed(0)} MB`).join(', ')}`,
    `wall = the scan() call in a fresh child (registry load, pool start, reading, matching, matches.jsonl + report.json); peak RSS = process.resourceUsage().maxRSS of that child (worker threads included); ` +
      `MB = 10^6 bytes of UTF-8 text; time vs linear = t / (t_1x * factor); fixed cost subtracted: (t - t_fixed) / ((t_1x - t_fixed) * factor), t_fixed = median scan() of the 1-document shard = ${tFixed.toFixed(2)} s; ` +
      `CPU s vs linear: the same ratio on the child's user + system CPU seconds (whole process), which other jobs on the machine disturb less than wall time`,
  ];
  const md =
    `## Scaling with input size and memory against shard size\n\n${header.map((h) => `- ${h}`).join('\n')}\n\n${table.join('\n')}\n\n${verdicts.join('\n')}\n\n` +
    `Quiet runs only (other jobs <= ${QUIET} cores during the scan; medians over those runs, rN = round):\n\n${quietTable.join('\n')}\n\n${quietVerdict}\n`;
  process.stdout.write('\n' + md);
  writeFileSync(join(OUT, 'results.md'), md);
  const results: Results = {
    sessions,
    machine: { cpus: cpus().length, model: cpu, total_mem_bytes: totalmem(), node: process.version },
    params,
    registry: { path: relative(root, registry), entries: regHeader.entries, bytes: statSync(registry).size, build: regBuild ?? prev?.registry.build ?? null },
    inputs: { samples: m.samples, text_bytes: m.text_bytes, gen_s: m.gen_s },
    shards: sm,
    fixed_s: tFixed,
    verdicts: {
      linear: { met: linearOk, tolerance: 0.15, ratios: lins },
      rss: { met: rssOk, limit: 1.2, ratio: rssRatioBig, base: sizes[0]!.label, big: big.label },
      quiet: { max_other_cores: QUIET, linear_met: quietLins.length === sizes.length - 1 ? quietLinearOk : null, ratios: quietLins, rss_ratio: Number.isFinite(quietRss) ? quietRss : null },
    },
    rows,
  };
  writeFileSync(resultsPath, JSON.stringify(results, null, 2) + '\n');
  log(`results: ${relative(root, join(OUT, 'results.md'))}, ${relative(root, resultsPath)} (${((performance.now() - t0) / 1000).toFixed(0)} s in all)`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
