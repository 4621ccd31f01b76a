/**
 * Longest common subsequence of an entry's tokens and a sample window: how many tokens an edited copy preserves in
 * order. Used only on verified candidates, over the aligned window of the sample. Entry tokens are 15-bit hashes;
 * bit 15 set marks a token the entry copied from its own prompt. Two lengths:
 * - `all`: every token may match;
 * - `own`: prompt tokens may not match. This equals the LCS counting only the entry's own tokens, since an
 *   alignment can always drop its prompt-token matches without losing own matches.
 *
 * Bit-parallel algorithm (L. Allison and T. I. Dix, "A bit-string longest-common-subsequence algorithm", IPL 1986;
 * H. Hyyrö, "Bit-parallel LCS-length computation revisited", AWOCA 2004): V starts as all ones over the m entry
 * positions; for each window token with match mask M, V = (V + (V & M)) | (V & ~M), with the addition carried
 * across 32-bit words; LCS = m - popcount(V). Cost O(n * ceil(m / 32)) instead of O(n * m).
 * `lcsReference` is the textbook dynamic programme (Wagner & Fischer 1974), kept for tests.
 */
export const TOKEN_HASH_MASK = 0x7fff;
export const PROMPT_TOKEN = 0x8000;

export interface LcsScratch {
  /** symbol -> row of match masks (+1; 0 = absent), and the symbols to reset. */
  row: Int32Array;
  used: Int32Array;
  masks: Uint32Array;
  v: Uint32Array;
}

export function newLcsScratch(): LcsScratch {
  return { row: new Int32Array(TOKEN_HASH_MASK + 1), used: new Int32Array(1024), masks: new Uint32Array(1024), v: new Uint32Array(64) };
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** One bit-parallel pass; `skipPrompt` leaves prompt tokens out of the match masks. */
function pass(entry: Uint16Array, eFrom: number, m: number, win: Uint16Array, n: number, s: LcsScratch, skipPrompt: boolean): number {
  const words = (m + 31) >>> 5;
  let nUsed = 0;
  let rows = 0;
  for (let i = 0; i < m; i++) {
    const raw = entry[eFrom + i];
    if (skipPrompt && raw & PROMPT_TOKEN) continue;
    const sym = raw & TOKEN_HASH_MASK;
    let r = s.row[sym];
    if (r === 0) {
      r = ++rows;
      s.row[sym] = r;
      if (nUsed === s.used.length) {
        const u = new Int32Array(nUsed * 2);
        u.set(s.used);
        s.used = u;
      }
      s.used[nUsed++] = sym;
      if (s.masks.length < (rows + 1) * words) {
        const g = new Uint32Array(Math.max((rows + 1) * words, s.masks.length * 2));
        g.set(s.masks.subarray(0, rows * words));
        s.masks = g;
      }
      s.masks.fill(0, r * words, (r + 1) * words);
    }
    s.masks[r * words + (i >>> 5)] |= 1 << (i & 31);
  }
  if (s.v.length < words) s.v = new Uint32Array(words * 2);
  const v = s.v;
  v.fill(0xffffffff, 0, words);
  const masks = s.masks;
  for (let j = 0; j < n; j++) {
    const r = s.row[win[j]];
    if (r === 0) continue;
    const base = r * words;
    let carry = 0;
    for (let w = 0; w < words; w++) {
      const x = v[w];
      const mk = masks[base + w];
      const u = (x & mk) >>> 0; // unsigned: a signed value would break the carry
      const sum = x + u + carry; // < 2^33, exact in a double
      carry = sum > 0xffffffff ? 1 : 0;
      v[w] = ((sum >>> 0) | (x & ~mk)) >>> 0;
    }
  }
  let ones = 0;
  for (let w = 0; w < words; w++) {
    const bits = w === words - 1 && m & 31 ? v[w] & ((1 << (m & 31)) - 1) : v[w];
    ones += popcount(bits);
  }
  for (let k = 0; k < nUsed; k++) s.row[s.used[k]] = 0;
  return m - ones;
}

/** LCS lengths of entry[eFrom, eTo) and win[0, m). */
export function lcsLength(entry: Uint16Array, eFrom: number, eTo: number, win: Uint16Array, m: number, s: LcsScratch): { all: number; own: number } {
  const n = eTo - eFrom;
  if (n <= 0 || m <= 0) return { all: 0, own: 0 };
  const all = pass(entry, eFrom, n, win, m, s, false);
  let hasPrompt = false;
  for (let i = eFrom; i < eTo && !hasPrompt; i++) hasPrompt = (entry[i] & PROMPT_TOKEN) !== 0;
  return { all, own: hasPrompt ? pass(entry, eFrom, n, win, m, s, true) : all };
}

/** Reference: the two-row dynamic programme, O(n * m). */
export function lcsReference(entry: Uint16Array, eFrom: number, eTo: number, win: Uint16Array, m: number): { all: number; own: number } {
  const n = eTo - eFrom;
  let pa = new Int32Array(m + 1), ca = new Int32Array(m + 1), po = new Int32Array(m + 1), co = new Int32Array(m + 1);
  for (let i = 0; i < n; i++) {
    const raw = entry[eFrom + i];
    const x = raw & TOKEN_HASH_MASK;
    const w = raw & PROMPT_TOKEN ? 0 : 1;
    for (let j = 1; j <= m; j++) {
      // With unit weights a match is always taken; with weight 0 (a prompt token) skipping may score more.
      ca[j] = win[j - 1] === x ? pa[j - 1] + 1 : Math.max(pa[j], ca[j - 1]);
      co[j] = Math.max(po[j], co[j - 1], win[j - 1] === x ? po[j - 1] + w : 0);
    }
    [pa, ca] = [ca, pa];
    [po, co] = [co, po];
  }
  return { all: pa[m], own: po[m] };
}
