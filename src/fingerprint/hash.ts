/**
 * 32-bit hashing primitives for the hot path. Two independent lanes per token give a 64-bit fingerprint
 * (lane 1 picks the hash-table bucket, lane 2 confirms), so a 1M-entry index sees ~1e-9 false hits per lookup.
 *
 * - Per character: FNV-1a step (Fowler, Noll, Vo; http://www.isthe.com/chongo/tech/comp/fnv/) with two primes.
 * - Finalizer: MurmurHash3 fmix32 (Appleby, https://github.com/aappleby/smhasher), which makes every output bit
 *   depend on every input bit, so low bits can be used for sampling (`h % m == 0`) and bucketing.
 * Everything is Math.imul integer arithmetic: identical on every machine and worker count.
 * (xxhash-wasm is used for whole-text digests; per token, a wasm call costs more than the hash: see bench/README.md.)
 */
export const FNV_PRIME_1 = 0x01000193;
export const FNV_PRIME_2 = 0x5bd1e995;

export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Seeds for the two lanes, derived from the config seed. */
export function laneSeeds(seed: number): [number, number] {
  return [fmix32(seed ^ 0x811c9dc5) | 0, fmix32(Math.imul(seed, 0x9e3779b1) ^ 0x2545f491) | 0];
}

/** Hash of a small integer tag (used for abstract code tokens such as "identifier seen d tokens ago"). */
export function hashInt(seed: number, v: number): number {
  return fmix32(Math.imul(seed ^ v, 0x27d4eb2d) ^ 0x165667b1);
}

/** Hash a whole JS string on lane 1 (used off the hot path: keyword tables, tests). */
export function hashString(s: string, seed: number, prime = FNV_PRIME_1): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), prime);
  return fmix32(h);
}

/** Integer power mod 2^32. */
export function powU32(base: number, exp: number): number {
  let r = 1;
  for (let i = 0; i < exp; i++) r = Math.imul(r, base);
  return r | 0;
}
