/**
 * The scan report model (report.json), versioned. Per-file results are kept separately so that reports of
 * partitions of one dataset merge into the report a single scan would give.
 */
import type { MatchKind, SkipReason } from '../types.js';

export const REPORT_SCHEMA_VERSION = 1;

export interface FileReport {
  file: string;
  bytes: number;
  records: number;
  samples: number;
  flagged: number;
  skipped: number;
  matches: number;
  text_bytes: number;
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
  skipped: SkipGroup[];
  policy: { fail_over: number | null; exceeded: boolean };
  started_at: string;
  finished_at: string;
  duration_s: number;
  throughput: { mb_per_s: number; text_mb_per_s: number; samples_per_s: number };
  workers: number;
}
