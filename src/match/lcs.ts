/**
 * Longest common subsequence of two token-hash sequences (Wagner & Fischer 1974 dynamic programme, two rows):
 * how many tokens an edited copy preserves in order. Used only on verified candidates, over the aligned window of
 * the sample. Entry tokens are 15-bit hashes; bit 15 set marks a token the entry copied from its own prompt.
 * `own` scores only unmarked entry tokens (the entry's own words preserved); `all` scores every token.
 * Returns null when n * m exceeds `maxCells` (the caller then falls back to the fingerprint coverage).
 */
export interface LcsScratch {
  a: Int32Array;
  b: Int32Array;
  c: Int32Array;
  d: Int32Array;
}

export const TOKEN_HASH_MASK = 0x7fff;
export const PROMPT_TOKEN = 0x8000;

export function newLcsScratch(): LcsScratch {
  return { a: new Int32Array(1024), b: new Int32Array(1024), c: new Int32Array(1024), d: new Int32Array(1024) };
}

export function lcsLength(
  entry: Uint16Array,
  eFrom: number,
  eTo: number,
  win: Uint16Array,
  m: number,
  s: LcsScratch,
  maxCells = 16_000_000,
): { all: number; own: number } | null {
  const n = eTo - eFrom;
  if (n <= 0 || m <= 0) return { all: 0, own: 0 };
  if (n * m > maxCells) return null;
  if (s.a.length < m + 1) {
    const cap = 2 * (m + 1);
    s.a = new Int32Array(cap);
    s.b = new Int32Array(cap);
    s.c = new Int32Array(cap);
    s.d = new Int32Array(cap);
  }
  let pa = s.a; // all: previous row
  let ca = s.b; // all: current row
  let po = s.c; // own: previous row
  let co = s.d; // own: current row
  pa.fill(0, 0, m + 1);
  po.fill(0, 0, m + 1);
  ca[0] = 0;
  co[0] = 0;
  for (let i = 0; i < n; i++) {
    const raw = entry[eFrom + i];
    const x = raw & TOKEN_HASH_MASK;
    const w = raw & PROMPT_TOKEN ? 0 : 1;
    for (let j = 1; j <= m; j++) {
      if (win[j - 1] === x) {
        ca[j] = pa[j - 1] + 1;
        co[j] = po[j - 1] + w;
      } else {
        ca[j] = pa[j] > ca[j - 1] ? pa[j] : ca[j - 1];
        co[j] = po[j] > co[j - 1] ? po[j] : co[j - 1];
      }
    }
    let t = pa;
    pa = ca;
    ca = t;
    t = po;
    po = co;
    co = t;
  }
  return { all: pa[m], own: po[m] };
}
