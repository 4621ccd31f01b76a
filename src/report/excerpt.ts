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
