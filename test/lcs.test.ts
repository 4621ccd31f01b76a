/** Bit-parallel LCS against the textbook dynamic programme. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lcsLength, lcsReference, newLcsScratch, PROMPT_TOKEN } from '../src/match/lcs.js';

describe('lcsLength (bit-parallel)', () => {
  const scratch = newLcsScratch();

  it('equals the dynamic programme on random sequences, prompt-marked tokens included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.boolean()), { minLength: 0, maxLength: 150 }),
        fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 0, maxLength: 150 }),
        fc.integer({ min: 0, max: 5 }),
        (entryTokens, window, offset) => {
          const entry = new Uint16Array(offset + entryTokens.length);
          entryTokens.forEach(([t, p], i) => (entry[offset + i] = t | (p ? PROMPT_TOKEN : 0)));
          const win = Uint16Array.from(window);
          const got = lcsLength(entry, offset, entry.length, win, win.length, scratch);
          expect(got).toEqual(lcsReference(entry, offset, entry.length, win, win.length));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('handles many words and repeated scratch use (lengths across 32-bit word boundaries)', () => {
    for (const m of [31, 32, 33, 64, 65, 300]) {
      const entry = Uint16Array.from({ length: m }, (_, i) => (i * 7) % 50);
      const win = Uint16Array.from({ length: m + 10 }, (_, i) => (i % 3 === 0 ? 999 : ((i - 1) * 7) % 50));
      expect(lcsLength(entry, 0, m, win, win.length, scratch)).toEqual(lcsReference(entry, 0, m, win, win.length));
    }
  });

  it('counts an identical sequence fully, and own excludes prompt tokens', () => {
    const entry = Uint16Array.from([1, 2, 3 | PROMPT_TOKEN, 4, 5]);
    const win = Uint16Array.from([1, 2, 3, 4, 5]);
    expect(lcsLength(entry, 0, 5, win, 5, scratch)).toEqual({ all: 5, own: 4 });
  });
});
