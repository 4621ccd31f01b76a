/**
 * LSH banding over MinHash signatures (Leskovec, Rajaraman, Ullman, "Mining of Massive Datasets", ch. 3.4).
 * A band key hashes r consecutive signature values with the band number; two signatures are candidates when any
 * band key is equal. Candidates are never matches by themselves: the matcher verifies them.
 */
import { fmix32 } from './hash.js';

export function bandKeys(sig: Uint32Array, bands: number, out: Int32Array = new Int32Array(bands)): Int32Array {
  const r = sig.length / bands;
  for (let b = 0; b < bands; b++) {
    let h = Math.imul(b + 1, 0x9e3779b1);
    for (let j = 0; j < r; j++) h = Math.imul(h ^ sig[b * r + j], 0x01000193);
    out[b] = fmix32(h) | 0;
  }
  return out;
}

/** Probability that a pair with Jaccard s becomes a candidate with b bands of r rows: 1 - (1 - s^r)^b. */
export function candidateProbability(s: number, bands: number, rows: number): number {
  return 1 - Math.pow(1 - Math.pow(s, rows), bands);
}

/**
 * Band count minimising the weighted false-positive mass below the threshold plus false-negative mass above it
 * (the criterion of datasketch's MinHashLSH), over the divisors of numPerm. Numerical integration, 200 steps.
 */
export function optimalBands(threshold: number, numPerm: number, fpWeight = 0.5, fnWeight = 0.5): { bands: number; rows: number } {
  let best = { bands: 1, rows: numPerm, err: Infinity };
  const integrate = (f: (x: number) => number, a: number, b: number) => {
    const steps = 200;
    const h = (b - a) / steps;
    let s = 0;
    for (let i = 0; i < steps; i++) s += f(a + (i + 0.5) * h) * h;
    return s;
  };
  for (let bands = 1; bands <= numPerm; bands++) {
    if (numPerm % bands !== 0) continue;
    const rows = numPerm / bands;
    const fp = integrate((s) => candidateProbability(s, bands, rows), 0, threshold);
    const fn = integrate((s) => 1 - candidateProbability(s, bands, rows), threshold, 1);
    const err = fpWeight * fp + fnWeight * fn;
    if (err < best.err) best = { bands, rows, err };
  }
  return { bands: best.bands, rows: best.rows };
}
