/**
 * Scan outputs (report.json + matches.jsonl + entries.jsonl in a directory) and their merge. Partitions of one
 * dataset scanned on several machines, or several datasets, merge into the output a single scan of all their
 * inputs gives: same totals and breakdowns, matches.jsonl in the same order (input files sorted by path, rows in
 * order), entries.jsonl in order of first match. Scans made with another registry, other parameters, other rules
 * or another tool version are refused, naming what differs.
 */
import { closeSync, createReadStream, createWriteStream, openSync, readSync, type WriteStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ContamscanError } from '../errors.js';
import { policyOf, REPORT_SCHEMA_VERSION, SCORE_BINS, throughputOf, totalsOf, type CountPair, type EntryRecord, type FileReport, type ScanReport, type SkipGroup } from './model.js';

export interface ScanDir {
  dir: string;
  report: ScanReport;
}

const SKIP_EXAMPLES = 5;

/** Read and check the report.json of a scan output directory. */
export async function readScanDir(dir: string): Promise<ScanDir> {
  const path = join(dir, 'report.json');
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (e) {
    throw new ContamscanError('E_SCAN_OUTPUT', `${dir} is not a scan output: cannot read report.json (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file: path });
  }
  let report: ScanReport;
  try {
    report = JSON.parse(raw) as ScanReport;
  } catch (e) {
    throw new ContamscanError('E_SCAN_OUTPUT', `${path}: not valid JSON: ${(e as Error).message}`, { file: path });
  }
  if (report?.tool?.name !== 'contamscan' || typeof report.schema_version !== 'number')
    throw new ContamscanError('E_SCAN_OUTPUT', `${path}: not a contamscan report (no tool.name/schema_version)`, { file: path });
  if (report.schema_version !== REPORT_SCHEMA_VERSION)
    throw new ContamscanError(
      'E_SCAN_OUTPUT',
      `${path}: report schema version ${report.schema_version}, this contamscan reads version ${REPORT_SCHEMA_VERSION}; rescan with this version`,
      { file: path, field: 'schema_version' },
    );
  return { dir, report };
}

/** What must be equal for scans to add up. */
const SAME: Array<[string, (r: ScanReport) => string]> = [
  ['tool version', (r) => r.tool.version],
  ['config id (parameters)', (r) => r.config.id],
  ['registry digest', (r) => r.registry.digest],
  ['registry fingerprint id', (r) => r.registry.fingerprint_id],
  ['marker rules', (r) => r.rules.join(',')],
];

/** Throws E_MERGE_MISMATCH when the scans were made differently or scanned the same file twice. */
export function assertMergeable(parts: ScanDir[]): void {
  if (!parts.length) throw new ContamscanError('E_USAGE', 'no scan outputs given');
  const first = parts[0]!;
  for (const [what, get] of SAME) {
    const want = get(first.report);
    for (const p of parts.slice(1)) {
      const got = get(p.report);
      if (got !== want) {
        const detail = what === 'config id (parameters)' ? paramDiff(first.report, p.report) : `"${want}" vs "${got}"`;
        throw new ContamscanError('E_MERGE_MISMATCH', `cannot merge ${first.dir} and ${p.dir}: different ${what}: ${detail}`, {
          field: what,
          first: first.dir,
          other: p.dir,
        });
      }
    }
  }
  const seen = new Map<string, string>();
  for (const p of parts)
    for (const f of p.report.inputs) {
      const prev = seen.get(f.file);
      if (prev !== undefined)
        throw new ContamscanError('E_MERGE_MISMATCH', `cannot merge: ${f.file} was scanned by both ${prev} and ${p.dir}; it would count twice`, {
          file: f.file,
          first: prev,
          other: p.dir,
        });
      seen.set(f.file, p.dir);
    }
}

function paramDiff(a: ScanReport, b: ScanReport): string {
  const keys = new Set([...Object.keys(a.config.params), ...Object.keys(b.config.params)]);
  const diffs = [...keys].filter((k) => a.config.params[k] !== b.config.params[k]).map((k) => `${k} ${a.config.params[k]} vs ${b.config.params[k]}`);
  return diffs.length ? diffs.join(', ') : `"${a.config.id}" vs "${b.config.id}"`;
}

const byPath = (a: FileReport, b: FileReport) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);

function addPairs(into: Record<string, CountPair>, from: Record<string, CountPair | undefined>): void {
  for (const [k, c] of Object.entries(from)) {
    if (!c) continue;
    const t = (into[k] ??= { samples: 0, matches: 0 });
    t.samples += c.samples;
    t.matches += c.matches;
  }
}

/**
 * The report a single scan of all the parts' inputs gives. Times: earliest start, latest finish; duration_s and
 * workers are sums over the parts (machine time, not wall time); `merged_from` lists the parts.
 * failOver: the policy threshold to apply; default the parts' common threshold (E_MERGE_MISMATCH when they differ).
 */
export function mergeReports(parts: ScanDir[], opts: { failOver?: number } = {}): ScanReport {
  assertMergeable(parts);
  if (parts.length === 1) {
    const r = parts[0]!.report;
    if (opts.failOver === undefined) return r;
    return { ...r, policy: policyOf(r.totals, opts.failOver) };
  }
  const first = parts[0]!.report;
  const inputs = parts.flatMap((p) => p.report.inputs.map((f) => ({ ...f }))).sort(byPath);
  const order = new Map(inputs.map((f, i) => [f.file, i]));

  const byTag: ScanReport['by_tag'] = {};
  const byKind: Record<string, CountPair> = {};
  const histogram = new Array<number>(SCORE_BINS).fill(0);
  const skipped = new Map<string, SkipGroup>();
  let capped = 0;
  // skip examples in input order, as one scan would have collected them
  const examples: Array<{ reason: string; ex: SkipGroup['examples'][number] }> = [];
  for (const p of parts) {
    const r = p.report;
    capped += r.totals.capped_matches;
    for (const [key, vals] of Object.entries(r.by_tag)) addPairs((byTag[key] ??= {}), vals);
    addPairs(byKind, r.by_kind);
    r.score_histogram.forEach((n, i) => (histogram[i]! += n));
    for (const g of r.skipped) {
      const t = skipped.get(g.reason) ?? { reason: g.reason, count: 0, examples: [] };
      skipped.set(g.reason, t);
      t.count += g.count;
      for (const ex of g.examples) examples.push({ reason: g.reason, ex });
    }
  }
  examples.sort((a, b) => (order.get(a.ex.file) ?? 0) - (order.get(b.ex.file) ?? 0) || a.ex.row - b.ex.row);
  for (const { reason, ex } of examples) {
    const g = skipped.get(reason)!;
    if (g.examples.length < SKIP_EXAMPLES) g.examples.push(ex);
  }

  let failOver = opts.failOver ?? null;
  if (opts.failOver === undefined) {
    const thresholds = [...new Set(parts.map((p) => p.report.policy.fail_over))];
    if (thresholds.length > 1)
      throw new ContamscanError(
        'E_MERGE_MISMATCH',
        `cannot merge: the scans used different --fail-over thresholds (${thresholds.map(String).join(', ')}); give --fail-over to set one`,
        { field: 'policy.fail_over' },
      );
    failOver = thresholds[0] ?? null;
  }

  const totals = totalsOf(inputs, capped);
  const started = parts.map((p) => p.report.started_at).sort()[0]!;
  const finished = parts.map((p) => p.report.finished_at).sort().at(-1)!;
  const duration = parts.reduce((a, p) => a + p.report.duration_s, 0);
  const ignored = [...new Set(parts.flatMap((p) => p.report.ignored_inputs))].sort();
  return {
    schema_version: REPORT_SCHEMA_VERSION,
    tool: first.tool,
    config: first.config,
    registry: first.registry,
    rules: first.rules,
    inputs,
    ignored_inputs: ignored,
    totals,
    by_tag: byTag,
    by_kind: byKind,
    score_histogram: histogram,
    skipped: [...skipped.values()].sort((a, b) => b.count - a.count),
    policy: policyOf(totals, failOver),
    started_at: started,
    finished_at: finished,
    duration_s: duration,
    throughput: throughputOf(totals, duration),
    workers: parts.reduce((a, p) => a + p.report.workers, 0),
    merged_from: parts.map((p) => ({
      dir: p.dir,
      started_at: p.report.started_at,
      finished_at: p.report.finished_at,
      files: p.report.totals.files,
      samples: p.report.totals.samples,
    })),
  };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Lines of a JSONL file, parsed; a bad line is an error naming file and line. */
async function* jsonLines<T>(path: string): AsyncGenerator<T> {
  for await (const { value } of jsonLinesRaw<T>(path)) yield value;
}

async function* jsonLinesRaw<T>(path: string): AsyncGenerator<{ value: T; raw: string }> {
  if (!(await exists(path))) return;
  const rl = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (!line.trim()) continue;
    try {
      yield { value: JSON.parse(line) as T, raw: line };
    } catch (e) {
      throw new ContamscanError('E_SCAN_OUTPUT', `${path} line ${n}: not valid JSON: ${(e as Error).message}`, { file: path, row: n - 1 });
    }
  }
}

interface MatchLine {
  file: string;
  row: number;
  registry_id: string;
  [k: string]: unknown;
}

/** The parts' matches, one stream, ordered by (input file path, row) as one scan writes them. */
export async function* mergedMatches(parts: ScanDir[]): AsyncGenerator<{ line: MatchLine; raw: string; part: number }> {
  const its = parts.map((p) => jsonLinesRaw<MatchLine>(join(p.dir, 'matches.jsonl'))[Symbol.asyncIterator]());
  const heads = await Promise.all(its.map((it) => it.next()));
  const key = (m: MatchLine) => m.file;
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i]!;
      if (h.done) continue;
      if (best < 0) {
        best = i;
        continue;
      }
      const a = h.value.value;
      const b = heads[best]!.value!.value;
      if (key(a) < key(b) || (key(a) === key(b) && a.row < b.row)) best = i;
    }
    if (best < 0) return;
    const { value, raw } = heads[best]!.value!;
    yield { line: value, raw, part: best };
    heads[best] = await its[best]!.next();
  }
}

/**
 * Registry entries of all parts by id (first text seen wins; texts of one id are identical for one registry);
 * with `only`, just those ids (a report needs the texts of its evidence, not of every matched entry).
 */
export async function mergedEntries(parts: ScanDir[], only?: ReadonlySet<string>): Promise<Map<string, EntryRecord>> {
  const out = new Map<string, EntryRecord>();
  for (const p of parts)
    for await (const e of jsonLines<EntryRecord>(join(p.dir, 'entries.jsonl')))
      if ((!only || only.has(e.registry_id)) && !out.has(e.registry_id)) out.set(e.registry_id, e);
  return out;
}

/** Where an entry's line lies in one part's entries.jsonl (byte offset and length, without the newline). */
interface EntryLoc {
  part: number;
  off: number;
  len: number;
}

/**
 * The byte range of every entry line in the parts' entries.jsonl (first part that holds an id wins), without keeping
 * the texts: merge writes them back by position, so its memory holds ids, not up to 4,000 characters per entry.
 */
async function indexEntries(parts: ScanDir[]): Promise<Map<string, EntryLoc>> {
  const out = new Map<string, EntryLoc>();
  for (let part = 0; part < parts.length; part++) {
    const path = join(parts[part]!.dir, 'entries.jsonl');
    if (!(await exists(path))) continue;
    let carry: Buffer = Buffer.alloc(0);
    let base = 0; // file offset of carry[0]
    let lineNo = 0;
    const take = (line: Buffer, off: number): void => {
      lineNo++;
      const text = line.toString('utf8');
      if (!text.trim()) return;
      let id: unknown;
      try {
        id = (JSON.parse(text) as { registry_id?: unknown }).registry_id;
      } catch (e) {
        throw new ContamscanError('E_SCAN_OUTPUT', `${path} line ${lineNo}: not valid JSON: ${(e as Error).message}`, { file: path, row: lineNo - 1 });
      }
      if (typeof id !== 'string') throw new ContamscanError('E_SCAN_OUTPUT', `${path} line ${lineNo}: no registry_id`, { file: path, row: lineNo - 1, field: 'registry_id' });
      if (!out.has(id)) out.set(id, { part, off, len: line.length });
    };
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      let start = 0;
      for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
        take(buf.subarray(start, nl), base + start);
        start = nl + 1;
      }
      carry = Buffer.from(buf.subarray(start));
      base += start;
    }
    if (carry.length) take(carry, base);
  }
  return out;
}

export interface MergeOptions {
  dirs: string[];
  out: string;
  failOver?: number;
}

/** `contamscan merge`: write the merged report.json, matches.jsonl and entries.jsonl to `out`. */
export async function mergeScans(opts: MergeOptions): Promise<ScanReport> {
  const parts = await Promise.all(opts.dirs.map(readScanDir));
  const report = mergeReports(parts, { failOver: opts.failOver });
  await mkdir(opts.out, { recursive: true });
  // entries.jsonl in order of first match, copied line by line from the parts (read back by position).
  const entries = await indexEntries(parts);
  const fds: number[] = []; // opened at a part's first entry (a part in the index has an entries.jsonl)
  const out = createWriteStream(join(opts.out, 'matches.jsonl'));
  const entOut = createWriteStream(join(opts.out, 'entries.jsonl'));
  const put = async (w: WriteStream, data: string | Buffer): Promise<void> => {
    if (!w.write(data)) await new Promise<void>((res) => w.once('drain', () => res()));
  };
  try {
    for await (const { line, raw } of mergedMatches(parts)) {
      await put(out, raw + '\n');
      const loc = entries.get(line.registry_id);
      if (loc) {
        entries.delete(line.registry_id); // written once, at its first match
        const buf = Buffer.allocUnsafe(loc.len + 1);
        const bytesRead = readSync((fds[loc.part] ??= openSync(join(parts[loc.part]!.dir, 'entries.jsonl'), 'r')), buf, 0, loc.len, loc.off);
        if (bytesRead !== loc.len) throw new ContamscanError('E_SCAN_OUTPUT', `${join(parts[loc.part]!.dir, 'entries.jsonl')} changed while merging`, { file: join(parts[loc.part]!.dir, 'entries.jsonl') });
        buf[loc.len] = 10;
        await put(entOut, buf);
      }
    }
  } finally {
    const end = (w: WriteStream) => new Promise<void>((res, rej) => w.end((e?: Error | null) => (e ? rej(e) : res())));
    await Promise.all([end(out), end(entOut)]);
    for (const fd of fds) if (fd !== undefined) closeSync(fd);
  }
  await writeFile(join(opts.out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  return report;
}

