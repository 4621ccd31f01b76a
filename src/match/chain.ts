/**
 * Longest strictly increasing chain of registry positions, taken in sample order: the evidence that matched
 * shingles appear in the same order as in the entry (an edited copy keeps its surviving shingles in order; a
 * coincidental overlap scatters them). Patience sorting, O(h log h) (Fredman 1975; any LIS text).
 *
 * Input: hits sorted by sample position; hits that share a sample position must be given in descending entry
 * position so that at most one of them joins the chain. Returns the chain length and writes the indexes of the
 * chain's hits (ascending) into `members`.
 */
export interface ChainScratch {
  tails: Int32Array; // index of the hit ending the best chain of each length
  prev: Int32Array;
}

export function newChainScratch(cap = 1024): ChainScratch {
  return { tails: new Int32Array(cap), prev: new Int32Array(cap) };
}

export function longestChain(ePos: Int32Array, n: number, s: ChainScratch, members: Int32Array): number {
  if (s.tails.length < n) {
    s.tails = new Int32Array(n * 2);
    s.prev = new Int32Array(n * 2);
  }
  const tails = s.tails;
  const prev = s.prev;
  let len = 0;
  for (let i = 0; i < n; i++) {
    const v = ePos[i];
    let lo = 0;
    let hi = len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ePos[tails[mid]] < v) lo = mid + 1;
      else hi = mid;
    }
    prev[i] = lo > 0 ? tails[lo - 1] : -1;
    tails[lo] = i;
    if (lo === len) len++;
  }
  let k = len > 0 ? tails[len - 1] : -1;
  for (let j = len - 1; j >= 0; j--) {
    members[j] = k;
    k = prev[k];
  }
  return len;
}
