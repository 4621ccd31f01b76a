/**
 * MinHash by one-permutation hashing with optimal densification:
 * - P. Li, A. Owen, C.-H. Zhang, "One Permutation Hashing", NIPS 2012: one hash per shingle, split into k bins.
 * - A. Shrivastava, "Optimal Densification for Fast and Accurate Minwise Hashing", ICML 2017: an empty bin copies
 *   the value of a bin chosen by a 2-universal hash sequence of (bin, attempt), which keeps the estimator unbiased.
 * Cost O(n + k) per text instead of O(n k) for k independent permutations.
 * The bin comes from lane 1 of the shingle fingerprint, the value from lane 2 (independent lanes).
 */
import { fmix32 } from './hash.js';
import type { ShingleBuffer } from './shingle.js';

const EMPTY = 0xffffffff;

export function minhash(sh: ShingleBuffer, k: number, seed: number, out: Uint32Array = new Uint32Array(k)): Uint32Array {
  out.fill(EMPTY);
  const n = sh.n;
  const f1 = sh.f1;
  const f2 = sh.f2;
  let filled = 0;
  // bin = floor(f1 * k / 2^32): the top log2(k) bits of f1 when k is a power of two (the default 128), which is
  // the same number without the float multiply and divide.
  const shift = 32 - Math.log2(k);
  const pow2 = Number.isInteger(shift) && shift > 0 && shift < 32;
  for (let i = 0; i < n; i++) {
    const bin = pow2 ? f1[i] >>> shift : Math.floor(((f1[i] >>> 0) * k) / 4294967296);
    const v = f2[i] >>> 0;
    if (v < out[bin]) {
      if (out[bin] === EMPTY) filled++;
      out[bin] = v;
    }
  }
  if (filled === 0 || filled === k) return out;
  // Densify from the original (pre-densification) values only.
  const orig = out.slice();
  for (let i = 0; i < k; i++) {
    if (orig[i] !== EMPTY) continue;
    for (let attempt = 1; ; attempt++) {
      const j = fmix32(Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(attempt, 0x85ebca6b) ^ seed) % k;
      if (orig[j] !== EMPTY) {
        out[i] = orig[j];
        break;
      }
    }
  }
  return out;
}

/** Estimated Jaccard similarity: the fraction of equal signature values. */
export function jaccardEstimate(a: Uint32Array, b: Uint32Array): number {
  let eq = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i] && a[i] !== EMPTY) eq++;
  return eq / a.length;
}
