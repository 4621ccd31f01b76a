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

/** A column of rows sorted by sortRowsByKey. */
export type Column = Int32Array | Uint32Array | Uint16Array | Uint8Array;

/** Bits of a bucket number under mask (mask + 1 is a power of two). */
export const maskBits = (mask: number): number => 31 - Math.clz32(mask + 1);

/** out[dest[i - base]] = src[i] for rows from .. to - 1. */
function scatter(src: Column, out: Column, dest: Uint32Array, from: number, to: number, base = 0): void {
  for (let i = from; i < to; i++) out[dest[i - base]] = src[i];
}

/** Low bits sorted inside a partition by the second pass: ~2^14 counters (64 KB) stay in cache. */
const LOW_BITS = 14;

/**
 * Stable sort of rows by keys[i] < 2^bits, moving every column with its key. The columns are then read in order,
 * where the permutation of buildKeyTable made its caller gather them at random: at 8M postings rows of a
 * 100k-entry registry those gathers cost ~300 ns a row (a cache and a TLB miss each) and most of the build.
 * Two passes, most significant digit first: the high bits scatter rows into partitions (2^(bits - 14) write streams
 * a column: 2^8 at 100k entries, 2^11 at 1M; more above ~2M entries, correct but with more TLB misses), then each
 * partition, ~2^15 rows, is counting-sorted by the low 14 bits within the cache (12 and 16 low bits measured slower
 * at 40M rows: 5.4-6.2 and 4.4-4.8 s against 3.9-4.1 s).
 * Sorts in place: returns the arrays given, sorted (scratch arrays of the same size are allocated for the first pass).
 */
export function sortRowsByKey<C extends Column[]>(keys: Uint32Array, bits: number, cols: [...C]): { keys: Uint32Array; cols: C } {
  const n = keys.length;
  const p = partitionRows(keys, bits, cols, new Uint32Array(n), cols.map((c) => new (c.constructor as new (n: number) => Column)(n)));
  // the second pass writes back into the arrays given (scratch now)
  sortPartitions(p, 0, p.parts, keys, cols);
  return { keys, cols: cols as C };
}

/** Rows scattered into partitions by the high bits of their key (sortRowsByKey's first pass). */
export interface Partitioned {
  keys: Uint32Array;
  cols: Column[];
  /** Partition p holds rows start[p] .. start[p + 1] - 1. */
  start: Uint32Array;
  parts: number;
  /** Bits sorted inside a partition by the second pass. */
  low: number;
}

/** The first pass: rows scattered, stably, into outKeys/outCols by the high bits of their key (no high bits: copied). */
export function partitionRows(keys: Uint32Array, bits: number, cols: Column[], outKeys: Uint32Array, outCols: Column[]): Partitioned {
  const n = keys.length;
  const low = Math.min(bits, LOW_BITS);
  const high = bits - low;
  const parts = 1 << high;
  const start = new Uint32Array(parts + 1);
  const dest = new Uint32Array(n);
  for (let i = 0; i < n; i++) start[(keys[i] >>> low) + 1]++;
  for (let p = 0; p < parts; p++) start[p + 1] += start[p];
  const fill = start.slice(0, parts);
  for (let i = 0; i < n; i++) {
    const t = fill[keys[i] >>> low]++;
    dest[i] = t;
    outKeys[t] = keys[i];
  }
  for (let c = 0; c < cols.length; c++) scatter(cols[c], outCols[c], dest, 0, n);
  return { keys: outKeys, cols: outCols, start, parts, low };
}

/** The second pass for partitions p0 .. p1 - 1: each counting-sorted by its low bits into the same rows of outKeys/outCols. */
export function sortPartitions(part: Partitioned, p0: number, p1: number, outKeys: Uint32Array, outCols: Column[]): void {
  const { keys: k, cols: cs, start, low } = part;
  const lmask = (1 << low) - 1;
  const count = new Uint32Array(lmask + 1);
  const dest = new Uint32Array(p1 > p0 ? start[p1] - start[p0] : 0);
  const base = start[p0];
  for (let p = p0; p < p1; p++) {
    const s = start[p], e = start[p + 1];
    if (e - s <= 1) {
      for (let i = s; i < e; i++) {
        outKeys[i] = k[i];
        for (let c = 0; c < cs.length; c++) outCols[c][i] = cs[c][i];
      }
      continue;
    }
    count.fill(0);
    for (let i = s; i < e; i++) count[k[i] & lmask]++;
    for (let d = 0, sum = s; d <= lmask; d++) {
      const c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (let i = s; i < e; i++) {
      const t = count[k[i] & lmask]++;
      dest[i - base] = t;
      outKeys[t] = k[i];
    }
    for (let c = 0; c < cs.length; c++) scatter(cs[c], outCols[c], dest, s, e, base);
  }
}

/**
 * Stable sort of rows made of runs that are each sorted by key (runs given by their starts, in row order): adjacent
 * runs are merged pairwise, ties to the left, until one is left. When the postings drop rows and their directory
 * shrinks by a power of two, the rows sorted by the old bucket are 2^d runs sorted by the new one, so d sequential
 * merge passes replace a radix sort's scatters. Returns the sorted columns; the arrays given are reused as scratch.
 */
export function mergeSortedRuns<C extends Column[]>(keys: Uint32Array, runStarts: number[], cols: [...C]): C {
  const n = keys.length;
  let k: Uint32Array = keys;
  let kOut: Uint32Array = new Uint32Array(n);
  let cs: Column[] = cols.slice();
  let cOut: Column[] = cols.map((c) => new (c.constructor as new (n: number) => Column)(n));
  const src = new Uint32Array(n);
  let starts = [...runStarts.filter((s) => s < n), n];
  while (starts.length > 2) {
    const next: number[] = [];
    for (let r = 0; r + 1 < starts.length; r += 2) {
      const s = starts[r], mid = starts[r + 1], e = r + 2 < starts.length ? starts[r + 2] : n;
      next.push(s);
      let i = s, j = mid, w = s;
      while (i < mid && j < e) src[w++] = k[j] < k[i] ? j++ : i++;
      while (i < mid) src[w++] = i++;
      while (j < e) src[w++] = j++;
    }
    next.push(n);
    for (let w = 0; w < n; w++) kOut[w] = k[src[w]];
    for (let c = 0; c < cs.length; c++) gather(cs[c], cOut[c], src, n);
    [k, kOut] = [kOut, k];
    [cs, cOut] = [cOut, cs];
    starts = next;
  }
  return cs as C;
}

function gather(src: Column, out: Column, from: Uint32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = src[from[i]];
}

/**
 * Within each run of equal bucket numbers (rows sorted by bucket, stably), orders rows by (k1, k2), keeping the
 * order of equal keys: the row order of buildKeyTable, with the payload columns a and b moved along.
 */
export function sortBucketsByKey(bucket: Uint32Array, k1: Int32Array, k2: Int32Array, a: Int32Array, b: Int32Array | null = null, from = 0, to = bucket.length): void {
  for (let s = from; s < to; ) {
    let e = s + 1;
    while (e < to && bucket[e] === bucket[s]) e++;
    for (let i = s + 1; i < e; i++) {
      const v1 = k1[i], v2 = k2[i], va = a[i], vb = b ? b[i] : 0;
      let j = i - 1;
      while (j >= s && (k1[j] > v1 || (k1[j] === v1 && k2[j] > v2))) {
        k1[j + 1] = k1[j];
        k2[j + 1] = k2[j];
        a[j + 1] = a[j];
        if (b) b[j + 1] = b[j];
        j--;
      }
      k1[j + 1] = v1;
      k2[j + 1] = v2;
      a[j + 1] = va;
      if (b) b[j + 1] = vb;
    }
    s = e;
  }
}

/**
 * buildKeyTable for a table with one payload column: the same rows in the same order, with the payload moved along
 * by sortRowsByKey instead of gathered through the permutation. The arrays given are used as scratch (overwritten).
 */
export function keyTableWith(k1: Int32Array, k2: Int32Array, payload: Int32Array): { table: KeyTable; payload: Int32Array } {
  const n = k1.length;
  const mask = bucketMaskFor(n);
  const b = new Uint32Array(n);
  for (let i = 0; i < n; i++) b[i] = bucketOf(k1[i], mask);
  const s = sortRowsByKey(b, maskBits(mask), [k1, k2, payload]);
  const [t1, t2, p] = s.cols;
  sortBucketsByKey(s.keys, t1, t2, p);
  const dir = new Uint32Array(mask + 2);
  for (let i = 0; i < n; i++) dir[s.keys[i] + 1]++;
  for (let x = 0; x <= mask; x++) dir[x + 1] += dir[x];
  return { table: { mask, dir, k1: t1, k2: t2 }, payload: p };
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
