/**
 * The accuracy benchmark's label audit (bench/accuracy/cases.ts) excludes a negative that stands to a same-prompt
 * registry entry as a positive row's copy does: as close as a 25%-edited copy (closeness >= COPY_CLOSENESS = 5/6),
 * holding such a copy in a longer text, or lying inside the entry as such a copy of a slice. These tests check the
 * measure, that number and the three rules, and the split of other models' answers by vendor (metrics.ts vendorSplit).
 */
import { describe, expect, it } from 'vitest';
import { COPY_CLOSENESS, copyRule, EMBED_MAX_FACTOR, type Label } from '../bench/accuracy/cases.js';
import { modelVendor } from '../bench/accuracy/data.js';
import type { DetectedMatch } from '../bench/accuracy/detectors.js';
import { vendorSplit, vendorSplitNote } from '../bench/accuracy/metrics.js';
import { editWords } from '../bench/accuracy/transforms.js';
import { closeness, Rng, wordLcs, words } from '../bench/accuracy/util.js';

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

describe('copyRule: the label audit places a negative as the positive rows place their copies', () => {
  const rng = new Rng('copy-rule');
  const entry = text(120);
  const other = (n: number, p = 'z'): string => Array.from({ length: n }, (_, i) => `${p}${i}`).join(' ');
  const rule = (neg: string) => {
    const [e, w] = [words(entry), words(neg)];
    return copyRule(e.length, w.length, wordLcs(e, w))?.rule ?? null;
  };
  it('a 10% edit is as close as edit25; a 10% edit inside a text 3 times longer holds the entry; a 10%-edited slice of 60% lies inside it', () => {
    const ed = editWords(entry, 0.1, vocab, rng).text;
    expect(rule(ed)).toBe('as_close_as_edit25');
    expect(rule(`${other(120)} ${ed} ${other(120, 'y')}`)).toBe('holds_edited_entry');
    expect(rule(editWords(text(72), 0.1, vocab, rng).text)).toBe('inside_entry');
  });
  it('holds no copy: a 40% edit, an entry in a text over EMBED_MAX_FACTOR times longer, a slice under half the entry, another text', () => {
    expect(rule(editWords(entry, 0.4, vocab, rng).text)).toBeNull();
    expect(rule(`${entry} ${other(120 * EMBED_MAX_FACTOR)}`)).toBeNull();
    expect(rule(text(50))).toBeNull();
    expect(rule(other(120))).toBeNull();
  });
  it('uses the LCS: 5/6 of the entry in order qualifies, one word less does not', () => {
    expect(copyRule(120, 400, 100)?.rule).toBe('holds_edited_entry');
    expect(copyRule(120, 400, 99)).toBeNull();
    expect(copyRule(120, 60, 50)?.rule).toBe('inside_entry');
    expect(copyRule(120, 60, 49)).toBeNull();
    expect(copyRule(120, 59, 59)).toBeNull(); // under half the entry
    expect(wordLcs(words('a b c d'), words('x a y c d'))).toBe(3);
  });
});

describe("vendorSplit: whose answers a detector flags among other models' answers", () => {
  it('names the vendor of alpaca_eval and arena models; claude2-alpaca is a Llama model', () => {
    expect(['claude', 'claude-2.1', 'claude-3-5-sonnet-20240620', 'claude-instant-1'].map(modelVendor)).toEqual(Array(4).fill('anthropic'));
    expect(['gpt4_0314', 'gpt-4o-mini-2024-07-18', 'gpt35_turbo_instruct', 'text_davinci_001'].map(modelVendor)).toEqual(Array(4).fill('openai'));
    expect(['claude2-alpaca-13b', 'Meta-Llama-3-70B-Instruct', 'Llama-2-70b-chat'].map(modelVendor)).toEqual(Array(3).fill('meta'));
    expect([modelVendor('gemini-pro'), modelVendor('palm-2-chat-bison-001'), modelVendor('mistralai/Mixtral-8x7B-Instruct-v0.1'), modelVendor('yi-34b')]).toEqual([
      'google',
      'google',
      'mistral',
      'other',
    ]);
  });
  it('counts answers and flags per group, and the flags whose first-ranked entry is of the answer’s vendor', () => {
    const neg = (id: string, vendor: string): Label => ({ id, category: 'other_model_same_prompt', polarity: 'neg', expected: [], meta: { vendor } });
    const labels = [neg('a', 'anthropic'), neg('b', 'anthropic'), neg('c', 'openai'), neg('d', 'google'), neg('e', 'meta')];
    labels.push({ id: 'p', category: 'verbatim', polarity: 'pos', expected: [['x']], meta: { vendor: 'anthropic' } });
    const entryVendor = new Map([
      ['claude-2/1', 'anthropic'],
      ['gpt-4/1', 'openai'],
    ]);
    const found = new Map<string, DetectedMatch[]>([
      // first-ranked is the contains of gpt-4/1 (kind before score), so a's flag is not against its own vendor
      ['a', [{ registry_id: 'claude-2/1', kind: 'contained_in', score: 0.99 }, { registry_id: 'gpt-4/1', kind: 'contains', score: 0.8 }]],
      ['c', [{ registry_id: 'gpt-4/1', kind: 'contains', score: 0.9 }]],
      ['d', [{ registry_id: 'claude-2/1', kind: 'contains', score: 0.9 }]],
      ['p', [{ registry_id: 'claude-2/1', kind: 'exact', score: 1 }]],
    ]);
    const split = vendorSplit(labels, found, 'other_model_same_prompt', new Set(['anthropic', 'openai']), entryVendor);
    expect(split).toEqual([
      { group: 'registry_vendors', n: 3, flagged: 2, same_vendor: 1 },
      { group: 'other_vendors', n: 2, flagged: 1, same_vendor: 0 },
    ]);
    expect(vendorSplitNote('x', split, new Set(['openai', 'anthropic']))).toBe(
      "Other models' answers by vendor (x): registry vendors' (anthropic, openai) other models 2 of 3 flagged (66.67%; 1 against an entry of the same vendor), other vendors' models 1 of 2 (50.00%)",
    );
  });
});
