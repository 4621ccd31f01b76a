/**
 * The postings' per-partition work, after the first radix pass: the second pass, the order of keys inside each
 * bucket, and each key's df (distinct entry texts holding it) or its replacement by one sentinel row. A key's rows
 * never span two partitions (they share a bucket), so partitions are independent: the build's workers take ranges of
 * them over SharedArrayBuffers, or the main thread takes all of them. The rows' order and every value are those of a
 * single-threaded pass.
 */
import { findKey, sortBucketsByKey, sortPartitions, type KeyTable, type Partitioned } from './table.js';

export interface PostingsTask {
  /** Rows after the first pass: keys, then columns k1, k2, entry, position * 2 + channel. */
  part: Partitioned;
  /** Where the second pass writes the rows (the same row numbers). */
  out: { keys: Uint32Array; cols: [Int32Array, Int32Array, Int32Array, Int32Array] };
  /** Text group of each entry: entries with the same text count once in df. */
  group: Int32Array;
  /** Per row: 1 keep, 2 sentinel (common key), 0 drop; and the df of a kept row's key. */
  keep: Uint8Array;
  dfOf: Uint8Array;
  commonDf: number;
  /** Keys of ordinary human text (background files): common whatever their df. */
  background: KeyTable | null;
  /** Partitions p0 .. p1 - 1. */
  p0: number;
  p1: number;
}

/** Processes the task's partitions; returns how many keys became sentinel rows. */
export function postingsPartitions(t: PostingsTask): number {
  const { out, group, keep, dfOf, commonDf, background } = t;
  sortPartitions(t.part, t.p0, t.p1, out.keys, out.cols);
  const [sk1, sk2, sent, spc] = out.cols;
  const from = t.part.start[t.p0], to = t.part.start[t.p1];
  sortBucketsByKey(out.keys, sk1, sk2, sent, spc, from, to);
  let common = 0;
  for (let i = from; i < to; ) {
    let j = i + 1;
    while (j < to && sk1[j] === sk1[i] && sk2[j] === sk2[i]) j++;
    let df = 1; // a key in one row (most keys) is in one entry: no group lookup, which misses the cache at 1M entries
    for (let x = i + 1; x < j; x++) {
      const gx = group[sent[x]];
      let seen = false;
      for (let y = i; y < x && !seen; y++) seen = group[sent[y]] === gx;
      if (!seen) df++;
      if (df > commonDf) break;
    }
    if (df > commonDf || (background !== null && findKey(background, sk1[i], sk2[i]) >= 0)) {
      keep[i] = 2;
      common++;
    } else
      for (let x = i; x < j; x++) {
        keep[x] = 1;
        dfOf[x] = df;
      }
    i = j;
  }
  return common;
}
