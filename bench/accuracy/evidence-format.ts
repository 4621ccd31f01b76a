/** The evidence dump of bench/accuracy/evidence.ts: one header line, then one line per case. */
import { DECISION_PARAMS, type Evidence } from '../../src/match/decide.js';

/** What a replay may vary: decide()'s parameters, and the per-sample cap, a filter applied after it. */
export const REPLAYABLE: readonly string[] = [...DECISION_PARAMS, 'maxMatchesPerSample'];

/** Evidence fields in the order each candidate row stores them (after the registry id). */
export const EVIDENCE_FIELDS = [
  'channel',
  'hits',
  'hitsWeight',
  'chain',
  'matchedWeight',
  'entryWeight',
  'sampleWeight',
  'share',
  'shareSample',
  'jaccard',
  'entryTokens',
  'sampleTokens',
  'ownTokens',
  'preservedOwn',
  'entryKept',
  'sampleKept',
  'passageKept',
  'sampleSpan',
  'entrySpan',
  'passageOwn',
] as const satisfies ReadonlyArray<keyof Evidence>;

export interface EvidenceHeader {
  kind: 'contamscan-evidence';
  /** args of the bench:accuracy run whose cases these are (from its results.json). */
  run_args: Record<string, unknown> | null;
  /** Config of the dump (the run's non-decision parameters, minEvidence 1, minShare 0). */
  config_id: string;
  registry_digest: string;
  fields: readonly string[];
}

export interface EvidenceCase {
  id: string;
  /** [registry_id, entry index] of exact matches. */
  exact: Array<[string, number]>;
  markers: Array<{ registry_id: string; score: number; tags?: Record<string, string> }>;
  /** [registry_id, entry index, ...EVIDENCE_FIELDS values] */
  cand: Array<[string, number, ...number[]]>;
}

/** A dumped candidate row back as the evidence decide() takes. */
export function evidenceOf(row: readonly [string, number, ...number[]]): Evidence {
  const ev = {} as Record<string, number>;
  EVIDENCE_FIELDS.forEach((k, i) => (ev[k] = row[i + 2] as number));
  return ev as unknown as Evidence;
}
