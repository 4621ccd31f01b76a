/** Small deterministic helpers shared by the accuracy benchmark and the baseline. Node built-ins only. */
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** mulberry32: a 32-bit seeded PRNG (Tommy Ettinger, public domain). Good enough for sampling, not for crypto. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a 32-bit of a string (UTF-16 code units); used for seeds and as a token hash. */
export function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Rng {
  readonly next: () => number;
  constructor(seed: number | string) {
    this.next = mulberry32(typeof seed === 'string' ? fnv1a(seed) : seed);
  }
  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(arr: readonly T[]): T {
    if (arr.length === 0) throw new Error('Rng.pick on an empty array');
    return arr[Math.floor(this.next() * arr.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** Fisher-Yates on a copy. */
  shuffle<T>(arr: readonly T[]): T[] {
    const a = arr.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
  /** k distinct items (or all, if fewer), in random order. */
  sample<T>(arr: readonly T[], k: number): T[] {
    return this.shuffle(arr).slice(0, k);
  }
}

/** Lowercased word tokens (letters, digits, underscore), the unit of the n-gram baseline and label measures. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
}

/**
 * Closeness of two texts on word tokens: the longest common subsequence over the longer text's length, 0..1. A copy
 * with a fraction f of its words edited (substituted, deleted or inserted, as editWords does) scores about 1 - 2f/3.
 * Texts over `maxWords` words are not compared (-1): the table below is O(n m).
 */
export function closeness(a: readonly string[], b: readonly string[], maxWords = 4000): number {
  const l = wordLcs(a, b, maxWords);
  return l <= 0 ? l : l / Math.max(a.length, b.length);
}

/** Length of the longest common subsequence of two word lists; -1 when either has over maxWords words. */
export function wordLcs(a: readonly string[], b: readonly string[], maxWords = 4000): number {
  if (a.length === 0 || b.length === 0) return 0;
  if (a.length > maxWords || b.length > maxWords) return -1;
  const ids = new Map<string, number>();
  const id = (w: string): number => ids.get(w) ?? (ids.set(w, ids.size), ids.size - 1);
  const x = Int32Array.from(a, id);
  const y = Int32Array.from(b, id);
  let prev = new Int32Array(y.length + 1);
  let cur = new Int32Array(y.length + 1);
  for (let i = 1; i <= x.length; i++) {
    const xi = x[i - 1];
    for (let j = 1; j <= y.length; j++) cur[j] = xi === y[j - 1] ? prev[j - 1] + 1 : prev[j] > cur[j - 1] ? prev[j] : cur[j - 1];
    [prev, cur] = [cur, prev];
  }
  return prev[y.length];
}

/** Whitespace-insensitive, case-insensitive identity key: two registry entries with the same key are the same text. */
export function identityKey(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Numeric keys of word n-grams: two 32-bit token-hash chains folded into a 53-bit safe integer. */
export function ngramKeys(tokens: readonly string[], n: number): number[] {
  if (tokens.length < n) return [];
  const h1 = tokens.map((t) => fnv1a(t));
  const h2 = tokens.map((t) => fnv1a(t, 0x9747b28c));
  const out: number[] = new Array(tokens.length - n + 1);
  for (let i = 0; i + n <= tokens.length; i++) {
    let a = 0x12345678;
    let b = 0x9e3779b9;
    for (let j = i; j < i + n; j++) {
      a = Math.imul(a ^ h1[j], 0x85ebca6b) + 0x165667b1;
      a ^= a >>> 13;
      b = Math.imul(b ^ h2[j], 0xc2b2ae35) + 0x27d4eb2f;
      b ^= b >>> 16;
    }
    out[i] = (a >>> 0) * 2097152 + ((b >>> 0) & 0x1fffff);
  }
  return out;
}

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

export function readJsonl(path: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim()) out.push(JSON.parse(line) as Record<string, unknown>);
  }
  return out;
}

export async function writeJsonl(path: string, rows: Iterable<unknown>): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const ws = createWriteStream(path);
  for (const r of rows) {
    if (!ws.write(JSON.stringify(r) + '\n')) await new Promise<void>((res) => ws.once('drain', () => res()));
  }
  await new Promise<void>((res, rej) => {
    ws.once('error', rej);
    ws.end(() => res());
  });
}
