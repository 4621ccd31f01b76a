/** Excerpts: the part of a sample's text a reviewer needs to judge a match, cut to a fixed size. */
import type { Excerpt } from '../types.js';
import { EXCERPT_CAP, EXCERPT_CONTEXT } from './model.js';

const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** Move a cut point off the middle of a surrogate pair. */
function cutAt(text: string, i: number): number {
  return i > 0 && i < text.length && isLowSurrogate(text.charCodeAt(i)) ? i - 1 : i;
}

/**
 * The window [first span start - context, last span end + context], at most `cap` characters from its start.
 * Without spans, the first `cap` characters.
 */
export function excerptOf(text: string, spans: ReadonlyArray<readonly [number, number]>, cap = EXCERPT_CAP, context = EXCERPT_CONTEXT): Excerpt {
  let lo = text.length;
  let hi = 0;
  for (const [s, e] of spans) {
    if (s < lo) lo = s;
    if (e > hi) hi = e;
  }
  if (lo >= hi) {
    lo = 0;
    hi = 0;
  }
  const start = cutAt(text, Math.max(0, lo - context));
  const end = cutAt(text, Math.min(text.length, hi + context, start + cap));
  return { start, text: text.slice(start, end), chars: text.length };
}

/** An excerpt cut into plain and matched pieces for display, with how much of the sample lies before and after. */
export interface ExcerptView {
  before: number;
  after: number;
  pieces: Array<{ text: string; marked: boolean }>;
}

/**
 * The spans that fall inside the excerpt, clipped and merged, as pieces to render. Defensive about its input
 * (matches.jsonl is read back from disk): missing or malformed excerpts give null, text is capped at `maxChars`.
 */
export function excerptView(ex: Excerpt | undefined, spans: unknown, maxChars: number): ExcerptView | null {
  if (!ex || typeof ex.text !== 'string') return null;
  const text = ex.text.slice(0, maxChars);
  const start = Number(ex.start) || 0;
  const ranges = (Array.isArray(spans) ? (spans as Array<[unknown, unknown]>) : [])
    .map(([s, e]) => [Math.max(0, Number(s) - start), Math.min(text.length, Number(e) - start)] as [number, number])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  const pieces: ExcerptView['pieces'] = [];
  let pos = 0;
  for (const [s0, e] of ranges) {
    const s = Math.max(s0, pos);
    if (e <= s) continue;
    if (s > pos) pieces.push({ text: text.slice(pos, s), marked: false });
    pieces.push({ text: text.slice(s, e), marked: true });
    pos = e;
  }
  if (pos < text.length) pieces.push({ text: text.slice(pos), marked: false });
  return { before: start, after: Math.max(0, (Number(ex.chars) || 0) - start - text.length), pieces };
}
