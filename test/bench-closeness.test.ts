/**
 * The accuracy benchmark's label audit (bench/accuracy/cases.ts) excludes a negative that is as close to a registry
 * entry as a 25%-edited copy: closeness >= COPY_CLOSENESS = 5/6. These tests check the measure and that number.
 */
import { describe, expect, it } from 'vitest';
import { COPY_CLOSENESS } from '../bench/accuracy/cases.js';
import { editWords } from '../bench/accuracy/transforms.js';
import { closeness, Rng, words } from '../bench/accuracy/util.js';

const vocab = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
/** A text of n distinct lowercase words (w0 w1 ...), so that every LCS is the in-order overlap. */
const text = (n: number): string => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');

describe('closeness: word LCS over the longer text', () => {
  it('is 1 for the same words, whatever the case and punctuation, and 0 for disjoint texts', () => {
    expect(closeness(words('The cat, sat.'), words('the CAT sat'))).toBe(1);
    expect(closeness(words('one two three'), words('four five six'))).toBe(0);
    expect(closeness([], words('x'))).toBe(0);
  });
  it('divides by the longer text: a copy inside a text twice as long is 0.5', () => {
    expect(closeness(words(text(100)), words(`${text(100)} ${Array.from({ length: 100 }, (_, i) => `z${i}`).join(' ')}`))).toBe(0.5);
  });
  it('counts order: the same words reversed keep only one in common', () => {
    const w = words(text(50));
    expect(closeness(w, [...w].reverse())).toBe(1 / 50);
  });
  it('declines texts over maxWords (-1) instead of an O(n m) table', () => {
    expect(closeness(words(text(20)), words(text(20)), 10)).toBe(-1);
  });
  it('a 25% edit by editWords scores about COPY_CLOSENESS (5/6), a 10% edit about 1 - 0.1 * 2/3', () => {
    const rng = new Rng('closeness');
    const base = text(2000);
    for (const [frac, expected] of [
      [0.25, COPY_CLOSENESS],
      [0.1, 1 - (0.1 * 2) / 3],
    ] as const) {
      const scores = Array.from({ length: 5 }, () => closeness(words(base), words(editWords(base, frac, vocab, rng).text)));
      for (const s of scores) expect(Math.abs(s - expected)).toBeLessThan(0.02);
    }
  });
});
