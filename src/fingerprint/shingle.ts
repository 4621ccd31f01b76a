/**
 * k-token shingles as a polynomial rolling hash over token hashes (Karp & Rabin, "Efficient randomized
 * pattern-matching algorithms", 1987), mod 2^32 on two lanes, finalized with fmix32: O(1) per shingle.
 * A text with fewer than k tokens (but at least one) yields one shingle of all its tokens.
 *
 * The registry indexes, per entry, the shingles whose lane-2 fingerprint is 0 mod 2^l ("0 mod p" selection,
 * Schleimer, Wilkerson & Aiken, "Winnowing: local algorithms for document fingerprinting", SIGMOD 2003, sec. 2),
 * l chosen by entry length (fingerprint/index.ts densityLevel). Selection is by content, so the scan, which looks
 * up every shingle, meets exactly the indexed ones; unlike winnowing, a kept shingle survives any edit that does
 * not touch its own tokens, which keeps recall under heavy edits.
 */
import { fmix32, powU32 } from './hash.js';
import type { NativeKernel } from './native.js';
import type { TokenBuffer } from './tokenize.js';

export const ROLL_B1 = 0x01000193;
export const ROLL_B2 = 0x2127599b | 1;

export interface ShingleBuffer {
  /** All shingles. */
  n: number;
  f1: Int32Array;
  f2: Int32Array;
}

export function newShingleBuffer(capacity = 4096): ShingleBuffer {
  return { n: 0, f1: new Int32Array(capacity), f2: new Int32Array(capacity) };
}

function reserve(out: ShingleBuffer, ns: number): void {
  if (out.f1.length >= ns) return;
  let cap = out.f1.length * 2;
  while (cap < ns) cap *= 2;
  out.f1 = new Int32Array(cap);
  out.f2 = new Int32Array(cap);
}

/** shingle() by the native kernel: the same fingerprints. */
export function shingleNative(kn: NativeKernel, tb: TokenBuffer, k: number, out: ShingleBuffer): number {
  const nt = tb.n;
  reserve(out, nt < k ? 1 : nt - k + 1);
  out.n = kn.shingle(tb.h1, tb.h2, nt, k, out.f1, out.f2);
  return out.n;
}

/** Computes all k-shingle fingerprints of tb into out; returns their count. */
export function shingle(tb: TokenBuffer, k: number, out: ShingleBuffer): number {
  const nt = tb.n;
  if (nt === 0) {
    out.n = 0;
    return 0;
  }
  const kk = nt < k ? nt : k;
  const ns = nt - kk + 1;
  reserve(out, ns);
  const t1 = tb.h1;
  const t2 = tb.h2;
  const p1 = powU32(ROLL_B1, kk - 1);
  const p2 = powU32(ROLL_B2, kk - 1);
  let a = 0;
  let b = 0;
  for (let j = 0; j < kk; j++) {
    a = (Math.imul(a, ROLL_B1) + t1[j]) | 0;
    b = (Math.imul(b, ROLL_B2) + t2[j]) | 0;
  }
  const f1 = out.f1;
  const f2 = out.f2;
  f1[0] = fmix32(a ^ kk) | 0;
  f2[0] = fmix32(b ^ kk) | 0;
  for (let i = 1; i < ns; i++) {
    const o = i - 1;
    const nw = i + kk - 1;
    a = (Math.imul((a - Math.imul(t1[o], p1)) | 0, ROLL_B1) + t1[nw]) | 0;
    b = (Math.imul((b - Math.imul(t2[o], p2)) | 0, ROLL_B2) + t2[nw]) | 0;
    f1[i] = fmix32(a ^ kk) | 0;
    f2[i] = fmix32(b ^ kk) | 0;
  }
  out.n = ns;
  return ns;
}
