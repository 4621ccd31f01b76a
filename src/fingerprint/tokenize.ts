/**
 * Tokenizers fused with hashing: one charCodeAt pass, no per-token strings.
 *
 * Text channel: a token is a run of letters/digits, case-folded (ASCII and Latin-1), so whitespace, punctuation,
 * markdown syntax and case changes do not change the token stream.
 *
 * Code channel: tokens are identifiers, numbers, string literals and single punctuation characters; comments and
 * layout are dropped. Identifiers that are not keywords (member names after `.` included, so a consistent rename
 * of a file's own methods is seen through too) are replaced by their distance to the previous occurrence of the
 * same identifier (0 when new within 255 tokens): Baker's
 * "parameterized match" encoding (B. S. Baker, "A program for identifying duplicated code", 1992), used by code
 * plagiarism detectors (JPlag, MOSS-style normalization) so that a consistent rename leaves the stream unchanged.
 * String literals hash their content only, so the quote style does not matter.
 */
import { FNV_PRIME_1, FNV_PRIME_2, fmix32, hashInt, hashString } from './hash.js';
import { loadNativeKernel, type NativeKernel } from './native.js';

/** Token hashes and character spans, in reusable buffers (valid until the next call with the same buffer). */
export interface TokenBuffer {
  n: number;
  /** Code characters seen by the last tokenizeText call ({ } ( ) [ ] ; = < > : _), for the code-channel gate. */
  codeChars: number;
  h1: Int32Array;
  h2: Int32Array;
  start: Int32Array;
  end: Int32Array;
}

export function newTokenBuffer(capacity = 4096): TokenBuffer {
  return { n: 0, codeChars: 0, h1: new Int32Array(capacity), h2: new Int32Array(capacity), start: new Int32Array(capacity), end: new Int32Array(capacity) };
}

function grow(tb: TokenBuffer, need: number): void {
  if (need <= tb.h1.length) return;
  let cap = tb.h1.length * 2;
  while (cap < need) cap *= 2;
  const g = (a: Int32Array) => {
    const b = new Int32Array(cap);
    b.set(a);
    return b;
  };
  tb.h1 = g(tb.h1);
  tb.h2 = g(tb.h2);
  tb.start = g(tb.start);
  tb.end = g(tb.end);
}

/** Character classes, 0 = separator, 1 = word char. Precomputed for the BMP (64 KiB). */
const WORD = new Uint8Array(65536);
(function initWordTable() {
  for (let c = 48; c <= 57; c++) WORD[c] = 1;
  for (let c = 65; c <= 90; c++) WORD[c] = 1;
  for (let c = 97; c <= 122; c++) WORD[c] = 1;
  for (let c = 0xc0; c < 65536; c++) WORD[c] = 1;
  WORD[0xd7] = 0;
  WORD[0xf7] = 0;
  const separators: Array<[number, number]> = [
    [0x2000, 0x206f], // general punctuation, spaces, smart quotes, dashes
    [0x20a0, 0x20cf], // currency
    [0x2190, 0x23ff], // arrows, math operators, technical
    [0x2500, 0x27bf], // box drawing, shapes, dingbats
    [0x3000, 0x303f], // CJK punctuation
    [0xd800, 0xdfff], // surrogates: emoji etc. are separators
    [0xfe00, 0xfe0f],
    [0xfeff, 0xfeff],
    [0xff00, 0xff0f],
  ];
  for (const [a, b] of separators) WORD.fill(0, a, b + 1);
})();

/** Code characters: { } ( ) [ ] ; = < > : _ */
const CODE_CHAR = new Uint8Array(65536);
for (const ch of '{}()[];=<>:_') CODE_CHAR[ch.charCodeAt(0)] = 1;

/** Case fold for the ranges where it is a fixed offset (ASCII, Latin-1 upper). */
function fold(c: number): number {
  if (c >= 65 && c <= 90) return c | 0x20;
  if (c >= 0xc0 && c <= 0xde && c !== 0xd7) return c + 0x20;
  return c;
}

/**
 * Text channel's per-character table: the case-folded character for a word character, 0 for a separator (no word
 * character folds to 0). One read per character replaces the class test and the fold.
 */
const TEXT_CHAR = new Uint16Array(65536);
for (let c = 0; c < 65536; c++) if (WORD[c] === 1) TEXT_CHAR[c] = fold(c);

/** Text channel. Returns the token count; hashes in tb.h1/h2, char spans in tb.start/end. */
export function tokenizeText(text: string, seed1: number, seed2: number, tb: TokenBuffer): number {
  const len = text.length;
  let n = 0;
  let i = 0;
  let codeChars = 0;
  grow(tb, 64);
  let h1 = tb.h1;
  let h2 = tb.h2;
  let st = tb.start;
  let en = tb.end;
  while (i < len) {
    let c = text.charCodeAt(i);
    let f = TEXT_CHAR[c];
    if (f === 0) {
      codeChars += CODE_CHAR[c];
      i++;
      continue;
    }
    const s = i;
    let a = seed1;
    let b = seed2;
    for (;;) {
      a = Math.imul(a ^ f, FNV_PRIME_1);
      b = Math.imul(b ^ f, FNV_PRIME_2);
      if (++i >= len) break;
      c = text.charCodeAt(i);
      f = TEXT_CHAR[c];
      if (f === 0) break;
    }
    if (n >= h1.length) {
      grow(tb, n + 1);
      ({ h1, h2, start: st, end: en } = tb);
    }
    h1[n] = fmix32(a);
    h2[n] = fmix32(b);
    st[n] = s;
    en[n] = i;
    n++;
  }
  tb.n = n;
  tb.codeChars = codeChars;
  return n;
}

const KEYWORDS = [
  // JS/TS
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'export', 'extends',
  'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'let', 'new', 'return', 'super', 'switch', 'this', 'throw',
  'try', 'typeof', 'var', 'void', 'while', 'with', 'yield', 'async', 'await', 'of', 'static', 'get', 'set', 'true', 'false',
  'null', 'undefined', 'interface', 'type', 'enum', 'implements', 'private', 'public', 'protected', 'readonly', 'as', 'from',
  // Python
  'def', 'lambda', 'pass', 'elif', 'except', 'raise', 'global', 'nonlocal', 'assert', 'del', 'is', 'not', 'and', 'or', 'None',
  'True', 'False', 'self', 'print', 'range', 'len',
  // C family, Java, Go, Rust
  'int', 'long', 'short', 'char', 'float', 'double', 'bool', 'boolean', 'unsigned', 'signed', 'struct', 'union', 'sizeof',
  'static', 'final', 'abstract', 'package', 'func', 'go', 'defer', 'chan', 'map', 'fn', 'mut', 'impl', 'pub', 'use', 'mod',
  'match', 'loop', 'string', 'String', 'std', 'include', 'define', 'namespace', 'template', 'typename', 'auto', 'goto',
  // SQL-ish
  'SELECT', 'FROM', 'WHERE', 'select', 'where', 'JOIN', 'ORDER', 'GROUP', 'BY',
];

/**
 * Per-seed keyword tables (built once per seed): open addressing over 1,024 slots of lane-1 hashes, so the test
 * for every identifier is one or two typed-array reads instead of a Set lookup. A slot holding 0 is empty (a
 * keyword whose hash is 0 is kept aside in `zero`).
 */
export interface KeywordTable {
  slots: Int32Array;
  zero: boolean;
}
const KW_SLOTS = 1024;
const keywordCache = new Map<number, KeywordTable>();
export function keywordTable(seed1: number): KeywordTable {
  let t = keywordCache.get(seed1);
  if (!t) {
    t = { slots: new Int32Array(KW_SLOTS), zero: false };
    for (const k of KEYWORDS) {
      const h = hashString(k, seed1) | 0;
      if (h === 0) {
        t.zero = true;
        continue;
      }
      let slot = (h ^ (h >>> 16)) & (KW_SLOTS - 1);
      while (t.slots[slot] !== 0 && t.slots[slot] !== h) slot = (slot + 1) & (KW_SLOTS - 1);
      t.slots[slot] = h;
    }
    keywordCache.set(seed1, t);
  }
  return t;
}

function isKeyword(t: KeywordTable, h: number): boolean {
  if (h === 0) return t.zero;
  let slot = (h ^ (h >>> 16)) & (KW_SLOTS - 1);
  for (;;) {
    const v = t.slots[slot];
    if (v === h) return true;
    if (v === 0) return false;
    slot = (slot + 1) & (KW_SLOTS - 1);
  }
}

const IDENT_SLOTS = 65536; // direct-mapped identifier hash -> last token index; ~0.4% slot clashes at 256 live names
const identKey = new Int32Array(IDENT_SLOTS);
const identPos = new Int32Array(IDENT_SLOTS);
const identEpoch = new Int32Array(IDENT_SLOTS);
let epoch = 0;

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36 || (c >= 0xc0 && WORD[c] === 1);
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}

/** Code channel's character classes, one table read per character. */
const C_SKIP = 0; // whitespace, control characters, NBSP
const C_IDENT = 1; // identifier start
const C_DIGIT = 2;
const C_OTHER = 3; // punctuation, quotes, comment starts
const CODE_CLASS = new Uint8Array(65536);
/** 1 for a character that continues an identifier; 2 also for '.', which continues a number. */
const IDENT_PART = new Uint8Array(65536);
for (let c = 0; c < 65536; c++) {
  CODE_CLASS[c] = c <= 32 || c === 0xa0 ? C_SKIP : isIdentStart(c) ? C_IDENT : c >= 48 && c <= 57 ? C_DIGIT : C_OTHER;
  IDENT_PART[c] = isIdentPart(c) ? 1 : 0;
}
IDENT_PART[46] = 2;

/** Both lanes of "identifier seen d tokens ago" (d = 0..255; 0 = new), per seed pair: hashed once, not per token. */
const BAKER_DISTANCES = 256;
const bakerCache = new Map<number, Map<number, Int32Array>>(); // seed1 -> seed2 -> table: no key built per call
export function bakerTable(seed1: number, seed2: number): Int32Array {
  let bySeed2 = bakerCache.get(seed1);
  if (!bySeed2) bakerCache.set(seed1, (bySeed2 = new Map()));
  let t = bySeed2.get(seed2);
  if (!t) {
    t = new Int32Array(2 * BAKER_DISTANCES);
    for (let d = 0; d < BAKER_DISTANCES; d++) {
      t[2 * d] = hashInt(seed1, 0x1d000 + d) | 0;
      t[2 * d + 1] = hashInt(seed2, 0x1d000 + d) | 0;
    }
    bySeed2.set(seed2, t);
  }
  return t;
}

/**
 * Code channel. Both lanes of an abstract identifier token hash the back-distance, so a rename cannot change it.
 */
export function tokenizeCode(text: string, seed1: number, seed2: number, tb: TokenBuffer): number {
  const len = text.length;
  const kw = keywordTable(seed1);
  const baker = bakerTable(seed1, seed2);
  epoch = (epoch + 1) | 0;
  if (epoch === 0) {
    identEpoch.fill(0);
    epoch = 1;
  }
  let n = 0;
  let i = 0;
  grow(tb, 64);
  let o1 = tb.h1;
  let o2 = tb.h2;
  let st = tb.start;
  let en = tb.end;
  while (i < len) {
    const c = text.charCodeAt(i);
    const cls = CODE_CLASS[c];
    if (cls === C_SKIP) {
      i++;
      continue;
    }
    const s = i;
    let a = seed1;
    let b = seed2;
    let ident = false;
    if (cls === C_IDENT || cls === C_DIGIT) {
      // an identifier runs over identifier characters; a number also over '.'
      ident = cls === C_IDENT;
      const lim = ident ? 2 : 3; // IDENT_PART value that ends the token: '.' (2) ends an identifier, not a number
      let d = c;
      for (;;) {
        a = Math.imul(a ^ d, FNV_PRIME_1);
        b = Math.imul(b ^ d, FNV_PRIME_2);
        if (++i >= len) break;
        d = text.charCodeAt(i);
        const p = IDENT_PART[d];
        if (p === 0 || p >= lim) break;
      }
    } else if (c === 34 || c === 39 || c === 96) {
      i++;
      a = Math.imul(a ^ 0x22, FNV_PRIME_1);
      b = Math.imul(b ^ 0x22, FNV_PRIME_2);
      while (i < len) {
        const d = text.charCodeAt(i);
        if (d === 92) {
          i += 2;
          continue;
        }
        if (d === c) {
          i++;
          break;
        }
        if (d === 10 && c !== 96) break; // unterminated one-line string: stop at the line end
        a = Math.imul(a ^ d, FNV_PRIME_1);
        b = Math.imul(b ^ d, FNV_PRIME_2);
        i++;
      }
    } else if (c === 35 || (c === 47 && i + 1 < len && text.charCodeAt(i + 1) === 47)) {
      // '#' or '//' comment (also drops C preprocessor lines and markdown headings: layout, not evidence here)
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? len : nl;
      continue;
    } else if (c === 47 && i + 1 < len && text.charCodeAt(i + 1) === 42) {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? len : close + 2;
      continue;
    } else {
      i++;
      a = Math.imul(a ^ c, FNV_PRIME_1);
      b = Math.imul(b ^ c, FNV_PRIME_2);
    }
    let h1 = fmix32(a) | 0;
    let h2: number;
    if (ident && !isKeyword(kw, h1)) {
      // Baker's parameterization: distance to the previous occurrence of this identifier.
      const slot = (h1 ^ (h1 >>> 16)) & (IDENT_SLOTS - 1);
      let dist = 0;
      if (identEpoch[slot] === epoch && identKey[slot] === h1) {
        const d = n - identPos[slot];
        dist = d <= 255 ? d : 0;
      }
      identEpoch[slot] = epoch;
      identKey[slot] = h1;
      identPos[slot] = n;
      h1 = baker[2 * dist];
      h2 = baker[2 * dist + 1];
    } else h2 = fmix32(b) | 0;
    if (n >= o1.length) {
      grow(tb, n + 1);
      ({ h1: o1, h2: o2, start: st, end: en } = tb);
    }
    o1[n] = h1;
    o2[n] = h2;
    st[n] = s;
    en[n] = i;
    n++;
  }
  tb.n = n;
  return n;
}

/**
 * Cheap code-likeness gate: the code channel is only computed for texts with enough code punctuation.
 * Returns the count of code characters ({ } ( ) [ ] ; = < > : _); `:` and `_` let Python in. tokenizeText counts
 * the same characters in its own pass (TokenBuffer.codeChars).
 */
export function codeCharCount(text: string): number {
  let k = 0;
  for (let i = 0; i < text.length; i++) k += CODE_CHAR[text.charCodeAt(i)];
  return k;
}

/** Hands this module's character tables to a native kernel (the one in use, or another build: bench:kernel). */
export function initNativeKernel(k: NativeKernel): NativeKernel {
  k.init(TEXT_CHAR, CODE_CLASS, IDENT_PART, CODE_CHAR);
  return k;
}

let nativeReady: NativeKernel | null | undefined;
/** The native kernel (src/fingerprint/native.ts) with this module's character tables handed in, or null. */
export function nativeTokenizer(): NativeKernel | null {
  if (nativeReady === undefined) {
    const k = loadNativeKernel();
    nativeReady = k && initNativeKernel(k);
  }
  return nativeReady;
}

const nativeInfo = new Int32Array(1);

/** tokenizeText of the text last given to k.load(), by the native kernel: the same tokens and codeChars. */
export function tokenizeTextNative(k: NativeKernel, seed1: number, seed2: number, tb: TokenBuffer): number {
  grow(tb, 64);
  let n = k.text(seed1, seed2, tb.h1, tb.h2, tb.start, tb.end, nativeInfo);
  if (n < 0) {
    grow(tb, -n);
    n = k.text(seed1, seed2, tb.h1, tb.h2, tb.start, tb.end, nativeInfo);
  }
  tb.n = n;
  tb.codeChars = nativeInfo[0];
  return n;
}

/** tokenizeCode of the text last given to k.load(), by the native kernel: the same tokens. */
export function tokenizeCodeNative(k: NativeKernel, seed1: number, seed2: number, tb: TokenBuffer): number {
  const kw = keywordTable(seed1);
  const baker = bakerTable(seed1, seed2);
  const zero = kw.zero ? 1 : 0;
  grow(tb, 64);
  let n = k.code(seed1, seed2, kw.slots, zero, baker, tb.h1, tb.h2, tb.start, tb.end);
  if (n < 0) {
    grow(tb, -n);
    n = k.code(seed1, seed2, kw.slots, zero, baker, tb.h1, tb.h2, tb.start, tb.end);
  }
  tb.n = n;
  return n;
}
