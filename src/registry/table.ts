/**
 * A read-only multimap from 64-bit keys (two Int32 lanes) to row numbers, laid out as typed arrays so it can live
 * in a SharedArrayBuffer: rows are grouped by bucket (low bits of lane 1), `dir[b]..dir[b+1]` is bucket b's row
 * range, and within a bucket rows with equal keys are contiguous. Payload arrays (entry, position...) are kept
 * by the caller in the same row order.
 */
export interface KeyTable {
  mask: number;
  dir: Uint32Array;
  k1: Int32Array;
  k2: Int32Array;
}

/**
 * The same layout in 4 bytes a row, for the fingerprint postings and LSH bands, whose hits are verified afterwards
 * (a false key hit adds one spurious hit, never a match; exact-text keys keep all 64 bits). A row's key keeps lane 1's
 * high 16 bits only: the low bits are implied by the bucket ("quotienting", as in quotient filters: bucket bit j is
 * lane-1 bit j xor bit j+15, so with the high bits known the bucket fixes bits 1..log2(buckets)-1), and lane 2's low
 * 16 bits. A key is then ~31 + log2(buckets) bits: 48 and more from 2^17 buckets (~512k rows) up.
 */
export interface KeyTable16 {
  mask: number;
  dir: Uint32Array;
  /** packKey(lane 1, lane 2): one array, so a probe costs one cache miss for the key, not one per lane. */
  key: Uint32Array;
}

/** Second-lane bits kept by a KeyTable16 key. */
export const KEY2_MASK = 0xffff;

/** The stored key of a KeyTable16 row: lane 1's high 16 bits, then lane 2's low 16 bits. */
export const packKey = (a: number, b: number): number => ((a & 0xffff0000) | (b & KEY2_MASK)) >>> 0;

export function bucketOf(k1: number, mask: number): number {
  return (k1 ^ (k1 >>> 15)) & mask;
}

/** Bucket mask for n rows: ~4 rows a bucket, a small directory; the Bloom filter absorbs most misses. */
export function bucketMaskFor(n: number): number {
  let size = 1;
  while (size * 4 < n) size *= 2;
  return size - 1;
}

/**
 * Buckets rows under the mask for their count: a stable counting sort by bucket, so rows that were grouped by key
 * (equal keys contiguous, e.g. after rows were dropped) stay grouped and in order. Returns the row order (old row
 * numbers) and the directory.
 */
export function rebucket(k1: Int32Array): { mask: number; dir: Uint32Array; order: Uint32Array } {
  const n = k1.length;
  const mask = bucketMaskFor(n);
  const dir = new Uint32Array(mask + 2);
  for (let i = 0; i < n; i++) dir[bucketOf(k1[i], mask) + 1]++;
  for (let b = 0; b <= mask; b++) dir[b + 1] += dir[b];
  const fill = dir.slice(0, mask + 1);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[fill[bucketOf(k1[i], mask)]++] = i;
  return { mask, dir, order };
}

/**
 * Orders rows by (bucket, k1, k2, original index) and returns the permutation with the directory (about 4 rows
 * a bucket: the directory was half the index at 1 row a bucket, and the lookup cost did not change measurably).
 * Counting sort by bucket, then insertion sort inside buckets (they hold ~1 key on average).
 */
export function buildKeyTable(k1: Int32Array, k2: Int32Array): { table: KeyTable; order: Uint32Array } {
  const n = k1.length;
  const { mask, dir, order } = rebucket(k1);
  for (let b = 0; b <= mask; b++) {
    const s = dir[b];
    const e = dir[b + 1];
    for (let i = s + 1; i < e; i++) {
      const v = order[i];
      let j = i - 1;
      while (j >= s) {
        const u = order[j];
        if (k1[u] < k1[v] || (k1[u] === k1[v] && (k2[u] < k2[v] || (k2[u] === k2[v] && u < v)))) break;
        order[j + 1] = u;
        j--;
      }
      order[j + 1] = v;
    }
  }
  const t1 = new Int32Array(n);
  const t2 = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    t1[i] = k1[order[i]];
    t2[i] = k2[order[i]];
  }
  return { table: { mask, dir, k1: t1, k2: t2 }, order };
}

/** First row holding key (a, b), or -1. Rows holding it are first..end-1 where end = keyEnd(table, first). */
export function findKey(t: KeyTable, a: number, b: number): number {
  const bucket = bucketOf(a, t.mask);
  const e = t.dir[bucket + 1];
  for (let i = t.dir[bucket]; i < e; i++) if (t.k1[i] === a && t.k2[i] === b) return i;
  return -1;
}

/** findKey over a KeyTable16; b is masked here. */
export function findKey16(t: KeyTable16, a: number, b: number): number {
  const bucket = bucketOf(a, t.mask);
  const e = t.dir[bucket + 1];
  const k = packKey(a, b);
  for (let i = t.dir[bucket]; i < e; i++) if (t.key[i] === k) return i;
  return -1;
}

/** End of the rows of the key found at `first` by findKey16(t, a, ...): a is the full lane 1 (for its bucket). */
export function keyEnd16(t: KeyTable16, a: number, first: number): number {
  const k = t.key[first];
  const bucketEnd = t.dir[bucketOf(a, t.mask) + 1];
  let i = first + 1;
  while (i < bucketEnd && t.key[i] === k) i++;
  return i;
}

export function keyEnd(t: KeyTable, first: number): number {
  const a = t.k1[first];
  const b = t.k2[first];
  const bucketEnd = t.dir[bucketOf(a, t.mask) + 1];
  let i = first + 1;
  while (i < bucketEnd && t.k1[i] === a && t.k2[i] === b) i++;
  return i;
}

/**
 * Blocked Bloom filter over the keys of a table (Putze, Sanders, Singler, "Cache-, hash- and space-efficient bloom
 * filters", 2007): one 32-bit word per key, two bits in it, ~8 bits per key, so a key that is absent (most of a
 * scan's shingles) costs one memory access instead of a bucket walk. Lane 2's low bits are not used: sampling
 * fixes them.
 */
export function bloomSize(keys: number): number {
  let words = 1;
  while (words * 32 < keys * 8) words *= 2;
  return words;
}

/** The probe is inlined in match.ts lookup (its first pass), over the same bits. */
export function bloomAdd(bloom: Uint32Array, a: number, b: number): void {
  bloom[(a >>> 5) & (bloom.length - 1)] |= (1 << (a & 31)) | (1 << ((b >>> 8) & 31));
}
