/** One batch of texts -> matches. Runs in a worker, or on the main thread with --workers 0. */
import { makeConfig, type ConfigInput } from '../config/index.js';
import { serializeError, type SerializedError } from '../errors.js';
import { createMatcher, type Matcher, type SampleMatches } from '../match/match.js';
import type { MarkerRule } from '../match/markers.js';
import { parseRawRecords, type RawRecords, type ResolvedOptions } from '../readers/records.js';
import { initXXHash } from '../registry/digest.js';
import { attachRegistry, type RegistryShared } from '../registry/load.js';
import type { Sample, SkippedRecord } from '../types.js';

export interface WorkerInit {
  config: ConfigInput;
  registry: RegistryShared;
  rules: MarkerRule[];
  builtinRulesOnly: boolean;
}

export interface WorkerState {
  matcher: Matcher;
}

export interface BatchResult {
  /** One slot per input text: null when nothing matched. */
  results: Array<SampleMatches | null>;
  /** Set when a text could not be processed; `index` says which. */
  error?: SerializedError & { index: number };
}

export async function prepareWorkerState(init: WorkerInit): Promise<WorkerState> {
  await initXXHash();
  const config = makeConfig(init.config);
  return { matcher: createMatcher(config, attachRegistry(init.registry), init.rules, init.builtinRulesOnly) };
}

export function matchTexts(state: WorkerState, texts: string[]): BatchResult {
  const results: Array<SampleMatches | null> = new Array(texts.length).fill(null);
  for (let i = 0; i < texts.length; i++) {
    try {
      const r = state.matcher(texts[i]);
      if (r.matches.length) results[i] = r;
    } catch (e) {
      return { results, error: { ...serializeError(e), index: i } };
    }
  }
  return { results };
}

/** JSON records of one file read with deferParse, to be parsed and matched where this runs. */
export interface RawTask {
  file: string;
  options: ResolvedOptions;
  raw: RawRecords;
}

/** What parseAndMatch hands back: the parse outcome, and the flagged samples with their matches. */
export interface RawBatchResult {
  /** Samples parsed (flagged or not) and their text's UTF-8 bytes. */
  samples: number;
  textBytes: number;
  /** Records skipped by the parse (malformed JSON, no text field, ...), in row order. */
  skipped: SkippedRecord[];
  /** The samples that matched, in row order, and their matches (flagged[i] <-> results[i]). */
  flagged: Sample[];
  results: SampleMatches[];
  /** Set when a sample could not be matched. */
  error?: SerializedError & { file: string; row: number };
}

/** Parses raw records (parseRawRecords) and matches their samples: the reader's parse, moved to a worker. */
export function parseAndMatch(state: WorkerState, task: RawTask): RawBatchResult {
  const { samples, skipped } = parseRawRecords(task.file, task.options, task.raw);
  let textBytes = 0;
  for (const s of samples) textBytes += Buffer.byteLength(s.text, 'utf8');
  const out: RawBatchResult = { samples: samples.length, textBytes, skipped, flagged: [], results: [] };
  const r = matchTexts(
    state,
    samples.map((s) => s.text),
  );
  if (r.error) {
    const s = samples[r.error.index];
    out.error = { ...r.error, file: s.file, row: s.row };
    return out;
  }
  for (let i = 0; i < samples.length; i++) {
    const m = r.results[i];
    if (!m) continue;
    out.flagged.push(samples[i]);
    out.results.push(m);
  }
  return out;
}
