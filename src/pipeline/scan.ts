/**
 * scan(): stream every input through the readers, match batches in the worker pool (bounded in-flight window:
 * the reader waits when it is full), and write matches.jsonl (in input order, whatever the worker count) and
 * report.json. Returns the report.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { makeConfig, type Config, type ConfigInput } from '../config/index.js';
import { ContamscanError, reviveError, usageError } from '../errors.js';
import { checksummed } from '../io/checksum.js';
import { resolveInputs } from '../io/inputs.js';
import { localSource } from '../io/source.js';
import { loadRules, type MarkerRule } from '../match/markers.js';
import { optionsOrThrow, readFile, type ReadBatch, type ReaderOptions } from '../readers/index.js';
import type { ResolvedOptions } from '../readers/records.js';
import { initXXHash } from '../registry/digest.js';
import { openRegistry, type LoadedRegistry } from '../registry/load.js';
import { excerptOf } from '../report/excerpt.js';
import {
  ENTRY_TEXT_CAP,
  REPORT_SCHEMA_VERSION,
  policyOf,
  SCORE_BINS,
  scoreBin,
  throughputOf,
  totalsOf,
  type EntryRecord,
  type FileReport,
  type ScanReport,
  type SkipGroup,
} from '../report/model.js';
import type { Match, Sample, SkippedRecord } from '../types.js';
import { TOOL_VERSION } from '../version.js';
import { createExecutor } from './executor.js';
import type { BatchResult, RawBatchResult } from './batch.js';
import type { SampleMatches } from '../match/match.js';
import { inOrderQueue } from './inorder.js';
import { terminalProgress, trackFiles, type ProgressState } from './progress.js';

export interface ScanOptions {
  inputs: string[];
  /** Registry index file from buildRegistry. */
  registry: string;
  /** Output directory for matches.jsonl and report.json; omitted: nothing is written. */
  out?: string;
  textField?: string;
  idField?: string;
  config?: ConfigInput;
  /** Worker threads; default: available cores; 0 runs on the main thread. */
  workers?: number;
  /** JSON file of extra marker rules. */
  rules?: string;
  /** Fraction of flagged samples above which the report's policy is exceeded (CLI exit 3). */
  failOver?: number;
  /** Stop at the first bad record or file (ContamscanError E_INPUT, exit 4) instead of counting it. */
  strict?: boolean;
  /** Progress on stderr; default: when stderr is a terminal. */
  progress?: boolean;
  maxRecordBytes?: number;
  batchSize?: number;
  /**
   * Where JSON records (JSONL, JSON arrays) are decoded and parsed: true in the workers, false on the main thread
   * while it reads. Default: in the workers when there are at least as many as cores, so the main thread, which
   * also reads and decompresses, is not the bottleneck; else on the main thread, which has a core to spare. The
   * report and matches are the same either way.
   */
  parseInWorkers?: boolean;
  /** Called for every match, in output order. */
  onMatch?: (m: Match) => void;
  /** Dataset label for every input of this scan; default: each file's parent directory name. */
  dataset?: string;
}

const SKIP_EXAMPLES = 5;
/** Input bytes (as stored: compressed for .zst/.gz) from which the registry is loaded into huge pages. */
export const HUGE_PAGES_MIN_INPUT = 64 * 2 ** 20;

/** A batch in flight: samples parsed by the reader, or raw records (deferParse) with the reader's own skips. */
type Pending = { fr: FileReport; samples: Sample[] } | { fr: FileReport; batch: ReadBatch };

export async function scan(opts: ScanOptions): Promise<ScanReport> {
  const started = new Date();
  const config = makeConfig(opts.config);
  if (opts.failOver !== undefined && !(opts.failOver >= 0 && opts.failOver <= 1))
    throw usageError(`--fail-over must be a fraction in [0, 1], got ${opts.failOver}`, { field: 'failOver' });
  const workers = opts.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 0) throw usageError(`--workers must be a non-negative integer, got ${opts.workers}`, { field: 'workers' });
  const deferParse = opts.parseInWorkers ?? (workers > 0 && workers >= availableParallelism());
  const reader: ReaderOptions = { textField: opts.textField, idField: opts.idField, maxRecordBytes: opts.maxRecordBytes, batchSize: opts.batchSize, deferParse };
  const readerOptions = optionsOrThrow(reader); // E_USAGE before anything is read or written
  const { files, ignored } = await resolveInputs(opts.inputs);
  const rules = await loadRules(opts.rules);
  await initXXHash();
  // Huge pages made a 50 MB scan against 1M entries ~15% faster (3.09 -> 2.65 s) and usually the load too, but
  // getting them can cost a compaction of up to ~1.7 s at load when memory is fragmented: asked for only from 64 MiB of input as stored
  // (~200 MB of text as zstd JSONL, 64 MB as plain JSONL), where ~15% of the scan repays that (bench/README.md "Native kernel").
  const inputBytes = files.reduce((a, f) => a + f.size, 0);
  // The workers start, and the first batch is read, while the index is read into shared memory.
  const { registry: reg, loaded } = await openRegistry(opts.registry, config, { hugePages: inputBytes >= HUGE_PAGES_MIN_INPUT });
  try {
    return await scanWith(opts, reg, loaded, started, config, workers, files, ignored, rules, reader, readerOptions);
  } finally {
    await loaded.catch(() => undefined);
    reg.close();
  }
}

async function scanWith(
  opts: ScanOptions,
  reg: LoadedRegistry,
  /** Settles when reg's index is in memory: no batch is matched before. */
  loaded: Promise<void>,
  started: Date,
  config: Config,
  workers: number,
  files: Awaited<ReturnType<typeof resolveInputs>>['files'],
  ignored: string[],
  rules: MarkerRule[],
  reader: ReaderOptions,
  /** `reader` resolved: what the workers parse raw records with (deferParse). */
  readerOptions: ResolvedOptions,
): Promise<ScanReport> {
  const deferParse = readerOptions.deferParse;

  let out: WriteStream | null = null;
  if (opts.out) {
    await mkdir(opts.out, { recursive: true });
    out = createWriteStream(join(opts.out, 'matches.jsonl'));
  }
  const exec = await createExecutor({ config: opts.config ?? {}, registry: reg.shared, rules, builtinRulesOnly: !opts.rules }, workers);

  const reports: FileReport[] = [];
  const skipGroups = new Map<string, SkipGroup>();
  const byTag: ScanReport['by_tag'] = {};
  const byKind: ScanReport['by_kind'] = {};
  const histogram = new Array<number>(SCORE_BINS).fill(0);
  const matchedEntries = new Set<number>();
  let capped = 0;
  const progress: ProgressState = {
    filesDone: 0,
    filesTotal: files.length,
    samples: 0,
    flagged: 0,
    bytesDone: 0,
    bytesTotal: files.reduce((a, f) => a + f.size, 0),
    startedMs: Date.now(),
  };
  const showProgress = opts.progress ?? Boolean(process.stderr.isTTY);
  const term = showProgress ? terminalProgress() : null;
  const track = trackFiles(progress);

  const recordSkip = (s: SkippedRecord) => {
    if (opts.strict)
      throw new ContamscanError('E_INPUT', s.message, { file: s.file, row: s.row, field: s.field, reason: s.reason });
    let g = skipGroups.get(s.reason);
    if (!g) skipGroups.set(s.reason, (g = { reason: s.reason, count: 0, examples: [] }));
    g.count += s.count;
    if (g.examples.length < SKIP_EXAMPLES) g.examples.push({ file: s.file, row: s.row, ...(s.field ? { field: s.field } : {}), message: s.message });
  };

  const emit = (m: Match) => {
    out?.write(JSON.stringify(m) + '\n');
    opts.onMatch?.(m);
  };

  /** A batch's skipped records, in row order: counts, file status, the report's groups (or E_INPUT under --strict). */
  const noteSkips = (fr: FileReport, skipped: SkippedRecord[]) => {
    for (const s of skipped) {
      fr.skipped += s.count;
      if (s.reason === 'truncated_input' || s.reason === 'corrupt_file' || s.reason === 'read_error') {
        fr.status = 'failed';
        fr.error = s.message;
      }
      recordSkip(s);
    }
  };

  /** One flagged sample: its matches to matches.jsonl, and the report's counts. */
  const flag = (fr: FileReport, s: Sample, res: SampleMatches) => {
    fr.flagged++;
    fr.flagged_text_bytes += Buffer.byteLength(s.text, 'utf8');
    progress.flagged++;
    fr.matches += res.matches.length;
    capped += res.capped;
    const sampleTags = new Set<string>();
    const sampleKinds = new Set<string>();
    for (const m of res.matches) {
      const tags = m.entry >= 0 ? reg.tagsOf(m.entry) : (m.tags ?? {});
      const match: Match = {
        sample_id: s.id,
        file: s.file,
        row: s.row,
        registry_id: m.entry >= 0 ? reg.idOf(m.entry) : `marker:${m.rule}`,
        kind: m.kind,
        score: m.score,
        tags,
        spans: m.spans,
        ...(m.evidence ? { evidence: m.evidence } : {}),
        ...(out ? { excerpt: excerptOf(s.text, m.spans) } : {}),
      };
      emit(match);
      histogram[scoreBin(m.score)]!++;
      if (m.entry >= 0) matchedEntries.add(m.entry);
      const k = (byKind[m.kind] ??= { samples: 0, matches: 0 });
      k.matches++;
      if (!sampleKinds.has(m.kind)) {
        sampleKinds.add(m.kind);
        k.samples++;
      }
      for (const [key, value] of Object.entries(tags)) {
        const c = ((byTag[key] ??= {})[value] ??= { samples: 0, matches: 0 });
        c.matches++;
        const id = `${key}=${value}`;
        if (!sampleTags.has(id)) {
          sampleTags.add(id);
          c.samples++;
        }
      }
    }
  };

  const matchingFailed = (file: string, row: number, e: Parameters<typeof reviveError>[0]) =>
    new ContamscanError('E_INTERNAL', `matching failed at ${file} row ${row}: ${reviveError(e).message}`, { file, row });

  /** Samples the reader parsed, and their matches. */
  const takeParsed = (fr: FileReport, samples: Sample[], r: BatchResult) => {
    if (r.error) {
      const s = samples[r.error.index];
      throw matchingFailed(s.file, s.row, r.error);
    }
    for (let i = 0; i < samples.length; i++) {
      const res = r.results[i];
      if (res) flag(fr, samples[i], res);
    }
  };

  const take = (p: Pending, r: BatchResult | RawBatchResult | null) => {
    if ('samples' in p) return takeParsed(p.fr, p.samples, r as BatchResult);
    // deferParse: every batch in order, so skips are counted in row order whoever parsed the records
    const { fr, batch } = p;
    if (!batch.raw) {
      noteSkips(fr, batch.skipped);
      if (!batch.samples.length) return;
      countSamples(fr, batch.samples);
      return takeParsed(fr, batch.samples, r as BatchResult);
    }
    // the reader's skips and the parse's, merged into row order (each list is in row order)
    const raw = r as RawBatchResult;
    // skips first: where the reader parses, a bad record is met (and --strict stops) before the batch is matched
    noteSkips(fr, mergeByRow(batch.skipped, raw.skipped));
    if (raw.error) throw matchingFailed(raw.error.file, raw.error.row, raw.error);
    fr.samples += raw.samples;
    fr.text_bytes += raw.textBytes;
    progress.samples += raw.samples;
    for (let i = 0; i < raw.flagged.length; i++) flag(fr, raw.flagged[i], raw.results[i]);
  };
  const countSamples = (fr: FileReport, samples: Sample[]) => {
    fr.samples += samples.length;
    for (const s of samples) fr.text_bytes += Buffer.byteLength(s.text, 'utf8');
  };
  let indexLoaded = false;
  const inflight = inOrderQueue<Pending, BatchResult | RawBatchResult | null>(Math.max(2, (exec.threads || 1) * 3), take);

  try {
    for (const f of files) {
      const fr: FileReport = {
        file: f.path,
        dataset: opts.dataset ?? (basename(dirname(f.path)) || '.'),
        bytes: f.size,
        sha256: null,
        records: 0,
        samples: 0,
        flagged: 0,
        skipped: 0,
        matches: 0,
        text_bytes: 0,
        flagged_text_bytes: 0,
        status: 'ok',
      };
      reports.push(fr);
      const local = localSource(f.path);
      const src = checksummed(local);
      try {
        for await (const batch of readFile(f, reader, src)) {
          if (!indexLoaded) {
            await loaded;
            indexLoaded = true;
          }
          fr.records += batch.records;
          if (deferParse) {
            // every batch goes through the queue (take() counts its skips and samples), raw records to be parsed
            // where they are matched, Parquet rows as parsed by the reader
            track.batch(batch.bytesRead, batch.samples.length);
            const texts = batch.samples.map((s) => s.text);
            const task = batch.raw
              ? exec.runRaw({ file: f.path, options: readerOptions, raw: batch.raw })
              : texts.length
                ? exec.run(texts)
                : Promise.resolve(null);
            await inflight.push({ fr, batch }, task);
          } else {
            noteSkips(fr, batch.skipped);
            track.batch(batch.bytesRead, batch.samples.length);
            if (batch.samples.length) {
              countSamples(fr, batch.samples);
              await inflight.push({ fr, samples: batch.samples }, exec.run(batch.samples.map((s) => s.text)));
            }
          }
          term?.update(progress);
        }
        fr.sha256 = await src.digest();
      } finally {
        await local.close().catch(() => undefined);
      }
      track.fileDone(f.size);
    }
    await inflight.drain();
    await loaded; // a registry cut short is an error even when no record was read
  } finally {
    // Let in-flight work settle, then stop the pool.
    await inflight.settle();
    await exec.close();
    if (out) await new Promise<void>((res, rej) => out!.end((e?: Error | null) => (e ? rej(e) : res())));
    term?.update(progress, true);
    term?.done();
  }

  const registryBytes = (await stat(reg.path)).size;
  const report = buildReport(opts, reg, registryBytes, config.id, config as unknown as Record<string, number>, reports, ignored, skipGroups, byTag, byKind, histogram, capped, started, exec.threads, rules.map((r) => r.id));
  if (opts.out) {
    const entries: string[] = [];
    for await (const [e, text] of reg.textsOf(matchedEntries)) {
      const rec: EntryRecord = { registry_id: reg.idOf(e), tags: reg.tagsOf(e), text: text.slice(0, ENTRY_TEXT_CAP), text_chars: text.length };
      entries.push(JSON.stringify(rec) + '\n');
    }
    await writeFile(join(opts.out, 'entries.jsonl'), entries.join(''));
    await writeFile(join(opts.out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  }
  return report;
}

function buildReport(
  opts: ScanOptions,
  reg: LoadedRegistry,
  registryBytes: number,
  configId: string,
  configValues: Record<string, number>,
  inputs: FileReport[],
  ignored: string[],
  skipGroups: Map<string, SkipGroup>,
  byTag: ScanReport['by_tag'],
  byKind: ScanReport['by_kind'],
  histogram: number[],
  capped: number,
  started: Date,
  workers: number,
  rules: string[],
): ScanReport {
  const finished = new Date();
  const totals = totalsOf(inputs, capped);
  const duration = Math.max(1e-6, (finished.getTime() - started.getTime()) / 1000);
  const params: Record<string, number> = {};
  for (const [k, v] of Object.entries(configValues)) if (typeof v === 'number') params[k] = v;
  return {
    schema_version: REPORT_SCHEMA_VERSION,
    tool: { name: 'contamscan', version: TOOL_VERSION },
    config: { id: configId, params },
    registry: {
      path: reg.path,
      bytes: registryBytes,
      digest: reg.header.digest,
      entries: reg.header.entries,
      fingerprint_id: reg.header.fingerprint_id,
      created_at: reg.header.created_at,
      low_evidence: reg.header.low_evidence,
    },
    rules,
    inputs,
    ignored_inputs: ignored,
    totals,
    by_tag: byTag,
    by_kind: byKind,
    score_histogram: histogram,
    skipped: [...skipGroups.values()].sort((a, b) => b.count - a.count),
    policy: policyOf(totals, opts.failOver ?? null),
    started_at: started.toISOString(),
    finished_at: finished.toISOString(),
    duration_s: duration,
    throughput: throughputOf(totals, duration),
    workers,
  };
}

/** Two lists of skipped records, each in row order, merged into one in row order. */
function mergeByRow(a: SkippedRecord[], b: SkippedRecord[]): SkippedRecord[] {
  if (!a.length) return b;
  if (!b.length) return a;
  const out: SkippedRecord[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) out.push(j >= b.length || (i < a.length && a[i].row <= b[j].row) ? a[i++] : b[j++]);
  return out;
}
