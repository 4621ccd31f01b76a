/**
 * The scan report model (report.json), versioned. Per-file results are kept separately so that reports of
 * partitions of one dataset merge into the report a single scan would give.
 */
import type { MatchKind, SkipReason } from '../types.js';

/** 2: inputs carry sha256, dataset and flagged_text_bytes; score_histogram; registry.bytes; merged_from. */
export const REPORT_SCHEMA_VERSION = 2;

/** Match scores are counted in SCORE_BINS equal bins over [0, 1] (a score of 1 falls in the last). */
export const SCORE_BINS = 10;
export const scoreBin = (score: number): number => Math.min(SCORE_BINS - 1, Math.max(0, Math.floor(score * SCORE_BINS)));

export interface FileReport {
  file: string;
  /** Dataset label: the scan's --dataset, else the name of the file's parent directory. */
  dataset: string;
  bytes: number;
  /** SHA-256 of the file's bytes as stored (compressed), hex; null when the file could not be read. */
  sha256: string | null;
  records: number;
  samples: number;
  flagged: number;
  skipped: number;
  matches: number;
  text_bytes: number;
  /** UTF-8 bytes of the text of flagged samples. */
  flagged_text_bytes: number;
  status: 'ok' | 'failed';
  /** Why the file did not finish (truncated, corrupt...). */
  error?: string;
}

export interface SkipGroup {
  reason: SkipReason;
  count: number;
  /** Up to 5 "file:row" examples with their messages. */
  examples: Array<{ file: string; row: number; field?: string; message: string }>;
}

export interface CountPair {
  samples: number;
  matches: number;
}

export interface ScanReport {
  schema_version: number;
  tool: { name: 'contamscan'; version: string };
  config: { id: string; params: Record<string, number> };
  registry: {
    path: string;
    /** Size of the registry file in bytes. */
    bytes: number;
    digest: string;
    entries: number;
    fingerprint_id: string;
    created_at: string;
    low_evidence: { short: number; low_variety: number; mostly_common: number };
  };
  rules: string[];
  inputs: FileReport[];
  ignored_inputs: string[];
  totals: {
    files: number;
    failed_files: number;
    bytes: number;
    text_bytes: number;
    flagged_text_bytes: number;
    records: number;
    samples: number;
    flagged: number;
    skipped: number;
    flagged_fraction: number;
    matches: number;
    capped_matches: number;
  };
  /** tag key -> tag value -> flagged samples and matches carrying it. */
  by_tag: Record<string, Record<string, CountPair>>;
  by_kind: Partial<Record<MatchKind, CountPair>>;
  /** Matches per score bin: bin i counts scores in [i/10, (i+1)/10), the last bin includes 1. */
  score_histogram: number[];
  skipped: SkipGroup[];
  policy: { fail_over: number | null; exceeded: boolean };
  started_at: string;
  finished_at: string;
  duration_s: number;
  throughput: { mb_per_s: number; text_mb_per_s: number; samples_per_s: number };
  workers: number;
  /** Present on merged reports: the scans they were made from, in merge order. */
  merged_from?: Array<{ dir: string; started_at: string; finished_at: string; files: number; samples: number }>;
}

/** One line of entries.jsonl: a registry entry that matched at least once, so a report needs no registry file. */
export interface EntryRecord {
  registry_id: string;
  tags: Record<string, string>;
  /** The entry's text, cut to ENTRY_TEXT_CAP characters. */
  text: string;
  /** Length of the full text in characters. */
  text_chars: number;
}

export const ENTRY_TEXT_CAP = 4000;
/** A match's excerpt: the sample text around its spans, at most EXCERPT_CAP characters. */
export const EXCERPT_CAP = 1500;
export const EXCERPT_CONTEXT = 200;

/** Report totals: sums over the per-file results (which is why partitions of a scan merge exactly). */
export function totalsOf(inputs: readonly FileReport[], cappedMatches: number): ScanReport['totals'] {
  const sum = (k: 'bytes' | 'text_bytes' | 'flagged_text_bytes' | 'records' | 'samples' | 'flagged' | 'skipped' | 'matches') =>
    inputs.reduce((a, f) => a + f[k], 0);
  const samples = sum('samples');
  const flagged = sum('flagged');
  return {
    files: inputs.length,
    failed_files: inputs.filter((f) => f.status === 'failed').length,
    bytes: sum('bytes'),
    text_bytes: sum('text_bytes'),
    flagged_text_bytes: sum('flagged_text_bytes'),
    records: sum('records'),
    samples,
    flagged,
    skipped: sum('skipped'),
    flagged_fraction: samples ? flagged / samples : 0,
    matches: sum('matches'),
    capped_matches: cappedMatches,
  };
}

export function throughputOf(totals: ScanReport['totals'], durationS: number): ScanReport['throughput'] {
  const d = Math.max(durationS, 1e-6);
  return { mb_per_s: totals.bytes / 1e6 / d, text_mb_per_s: totals.text_bytes / 1e6 / d, samples_per_s: totals.samples / d };
}

export function policyOf(totals: ScanReport['totals'], failOver: number | null): ScanReport['policy'] {
  return { fail_over: failOver, exceeded: failOver !== null && totals.flagged_fraction > failOver };
}
