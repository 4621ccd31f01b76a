/**
 * The decision of verification, as a pure function of the evidence numbers. The matcher computes the numbers (chain,
 * df-weighted shares, LCS-preserved shares) and calls decide(); the accuracy benchmark's replay (bench/accuracy/
 * replay.ts) calls the same function on evidence dumped once, so that a threshold can be tuned offline and the
 * result is exactly what a scan with that threshold reports.
 *
 * Only the parameters in DECISION_PARAMS may differ between the dump and the replay: the evidence itself depends
 * on the fingerprint parameters and on chainGap (locality of chain members), which the replay cannot change.
 */
import type { Config } from '../config/index.js';
import type { MatchKind } from '../types.js';

/** The numbers verification decides on, unrounded (a match's `evidence` carries them rounded to 4 digits). */
export interface Evidence {
  /** 0 text channel, 1 code channel. */
  channel: 0 | 1;
  /** Shingle hits of this entry (and channel) in the sample, before order and locality. */
  hits: number;
  /** Their summed df weight. */
  hitsWeight: number;
  /** Chain members kept (in order in both texts, each near another). */
  chain: number;
  /** Summed df weight of the kept members. */
  matchedWeight: number;
  /** Summed df weight of the entry's indexed shingles, and of the sample's shingles at the entry's sampling level. */
  entryWeight: number;
  sampleWeight: number;
  /** matchedWeight / entryWeight, matchedWeight / sampleWeight (capped at 1), and the weighted Jaccard. */
  share: number;
  shareSample: number;
  jaccard: number;
  /** Tokens of the entry and of the sample on this channel; the entry's own tokens (not copied from its prompt). */
  entryTokens: number;
  sampleTokens: number;
  ownTokens: number;
  /** LCS of the entry's own tokens with the aligned window, and its share of the own tokens. */
  preservedOwn: number;
  entryKept: number;
  /** LCS of all tokens over the sample's tokens. */
  sampleKept: number;
  /** The passage: the entry's own tokens between the first and last kept chain members that the sample preserves in
   * order between the same members (LCS of the passage with that stretch of the sample), and their share. */
  passageOwn: number;
  passageKept: number;
  /** Tokens from the first to the last kept chain member, in the sample and in the entry. */
  sampleSpan: number;
  entrySpan: number;
}

/** Config parameters that decide() reads: the ones a replay of dumped evidence may vary. */
export const DECISION_PARAMS = [
  'jaccard',
  'containment',
  'codeContainment',
  'fragment',
  'ownFragmentKept',
  'ownFragmentTokens',
  'ownFragmentShare',
  'minShare',
  'minWeight',
  'minEvidence',
  'strongKept',
  'strongShare',
  'mutualKept',
  'mutualOwn',
  'passageTokens',
  'passageKept',
  'passageWeight',
  'codeChain',
  'maxStretch',
  'stretchKept',
  'stretchWeight',
] as const;

/** Candidate stage: enough hits, and enough of their weight against the entry's or the sample's. */
export function candidatePasses(hits: number, hitsWeight: number, entryWeight: number, sampleWeight: number, config: Config): boolean {
  if (hits < config.minEvidence || entryWeight <= 0) return false;
  return hitsWeight >= config.minShare * entryWeight || hitsWeight >= config.minShare * sampleWeight;
}

/** Before the LCS: a weighted share that could make any kind. */
export function sharesPass(jaccard: number, share: number, shareSample: number, config: Config): boolean {
  return jaccard >= config.jaccard || share >= config.minShare || shareSample >= config.minShare;
}

/** The kind and score of a verified candidate, or null when no rule holds. */
export function decide(ev: Evidence, config: Config): { kind: MatchKind; score: number } | null {
  if (!candidatePasses(ev.hits, ev.hitsWeight, ev.entryWeight, ev.sampleWeight, config)) return null;
  if (ev.chain < config.minEvidence || !sharesPass(ev.jaccard, ev.share, ev.shareSample, config)) return null;
  // An entry attributable only through its code channel (a sentence above a drawing or a code block) is not
  // attributed on its text channel: a sentence of fewer than minEntryTokens words is a stock phrase.
  if (ev.channel === 0 && ev.entryTokens < config.minEntryTokens) return null;
  const thr = ev.channel ? config.codeContainment : config.containment;
  const { entryKept: keptE, sampleKept: keptS, share, shareSample: shareS, matchedWeight: W } = ev;
  if (ev.jaccard >= config.jaccard) return { kind: 'near_duplicate', score: ev.jaccard };
  // Layout: a copy, edited or cut down, keeps the entry's stretch between its first and last kept matches (edits
  // insert and delete alike); another answer that shares phrases with the entry puts its own words between them.
  // Waived for a well-preserved entry, and for much rare evidence (code edited in place across a long file).
  const stretched =
    keptE < config.stretchKept && W < config.stretchWeight && ev.sampleSpan > config.maxStretch * ev.entrySpan;
  if (
    !stretched &&
    ((keptE >= thr && share >= config.minShare && W >= config.minWeight) ||
      // Entries held in several versions: their shingles weigh little, but the copy keeps most of the entry.
      (keptE >= Math.max(thr, config.strongKept) && share >= config.strongShare) ||
      // Mutual: the entry is preserved in the sample and the sample is mostly the entry, aligned end to end. The
      // weight floor would discount an edited copy of an entry whose shingles the registry holds in many entries.
      (keptE >= thr && keptS >= config.mutualKept && ev.ownTokens >= config.mutualOwn && share >= config.minShare))
  )
    return { kind: 'contains', score: keptE };
  if (ev.entryTokens > ev.sampleTokens && keptS >= config.fragment && shareS >= config.minShare && W >= config.minWeight)
    return { kind: 'contained_in', score: keptS };
  // A cut of an answer the registry holds in several versions (GPTeacher's near-identical answers): its shingles weigh
  // little, but the fragment lies almost whole, in order, inside the entry and is mostly the entry's own words, not
  // its prompt's. Text channel only: renamed code statements of this length recur in unrelated code entries.
  if (
    ev.channel === 0 &&
    ev.entryTokens > ev.sampleTokens &&
    ev.sampleTokens >= config.ownFragmentTokens &&
    keptS >= config.ownFragmentKept &&
    ev.preservedOwn >= config.ownFragmentShare * ev.sampleTokens &&
    shareS >= config.minShare
  )
    return { kind: 'contained_in', score: keptS };
  // A cut-down copy: a long passage of the entry, densely preserved, inside the sample (score: share of the entry).
  if (!stretched && ev.passageOwn >= config.passageTokens && ev.passageKept >= config.passageKept && W >= config.passageWeight)
    return { kind: 'contains', score: keptE };
  // Moved and edited code: a long ordered chain of rare code shingles, though neither the whole entry nor one dense
  // passage survives (negatives peak at 26 members / weight 21.5 on the code channel of the benchmark).
  if (ev.channel === 1 && ev.chain >= config.codeChain && W >= config.codeChain) return { kind: 'contains', score: keptE };
  return null;
}
