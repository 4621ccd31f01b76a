/**
 * The builtin marker rules' pre-check (markers.ts mayHoldBuiltinMarker) must never hide a match: whenever a builtin
 * rule matches a text, the pre-check passes. Checked on each rule's real forms and on generated variants (case,
 * neighbouring characters, position in a longer text), with both the JS and the native tokenizer.
 */
import { describe, expect, it } from 'vitest';
import { makeConfig } from '../src/config/index.js';
import { createFingerprinter } from '../src/fingerprint/index.js';
import { nativeTokenizer } from '../src/fingerprint/tokenize.js';
import { BUILTIN_MARKER_WORDS, BUILTIN_RULES, compileRules, findMarkers, mayHoldBuiltinMarker } from '../src/match/markers.js';

const config = makeConfig();
const compiled = compileRules(BUILTIN_RULES);

/** One real trailer or footer per builtin rule. */
const FORMS: Record<string, string> = {
  'claude-code-footer': '🤖 Generated with [Claude Code](https://claude.com/claude-code)',
  'claude-coauthor': 'Co-Authored-By: Claude Opus 4.1 <noreply@anthropic.com>',
  'aider-coauthor': 'Co-authored-by: aider (anthropic/claude-3-5-sonnet) <noreply@aider.chat>',
  'aider-subject': 'aider: Fixed the off-by-one in the pager',
  'copilot-coauthor': 'Co-authored-by: GitHub Copilot <copilot@github.com>',
  'copilot-swe-agent': 'Co-authored-by: octocat <198982749+copilot-swe-agent[bot]@users.noreply.github.com>',
  'codex-coauthor': 'Co-authored-by: OpenAI Codex <codex@openai.com>',
  'codex-connector-coauthor': 'Co-authored-by: chatgpt-codex-connector[bot] <199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>',
  'cursor-coauthor': 'Co-authored-by: Cursor Agent <cursoragent@cursor.com>',
  'gemini-coauthor': 'Co-authored-by: gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users.noreply.github.com>',
  'devin-coauthor': 'Co-authored-by: Devin AI <158243242+devin-ai-integration[bot]@users.noreply.github.com>',
};

/** Deterministic pseudo-random numbers (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function randomCase(s: string, r: () => number): string {
  let out = '';
  for (const ch of s) out += r() < 0.5 ? ch.toUpperCase() : ch.toLowerCase();
  return out;
}

const SPACE = ['', ' ', '  ', '\t'];
const OTHER = ['x', '🤖 ', '- ', '* ', '> ', 'ab', '\u00a0', 'é', '_', '9'];
/** Mostly blanks (the trailer shape holds, a rule matches), sometimes other characters (it may not). */
function neighbour(r: () => number): string {
  const set = r() < 0.7 ? SPACE : OTHER;
  return set[Math.floor(r() * set.length)];
}

/** Variants of one form: random case, characters around it, inside a commit message or a longer document. */
function variants(form: string, r: () => number): string[] {
  const out: string[] = [];
  for (let v = 0; v < 60; v++) {
    const body = r() < 0.5 ? randomCase(form, r) : form;
    const pre = neighbour(r);
    const post = neighbour(r);
    const line = pre + body + post;
    const shape = Math.floor(r() * 3);
    if (shape === 0) out.push(line);
    else if (shape === 1) out.push(`Fix the retry loop\n\nThe uploader retried forever.\n\n${line}\n`);
    else out.push(`${'Some unrelated text about uploads and retries. '.repeat(40)}\n${line}\nMore text after it.`);
  }
  return out;
}

const kernels: Array<['js' | 'auto', string]> = [['js', 'JS tokenizer']];
if (nativeTokenizer()) kernels.push(['auto', 'native tokenizer']);

describe.each(kernels)('builtin marker pre-check (%s)', (kernel) => {
  const fp = createFingerprinter(config, kernel);
  const probe = fp(BUILTIN_MARKER_WORDS.join(' ')).text.tokens;
  const words = Int32Array.from(probe.h1.subarray(0, probe.n));
  const precheck = (text: string): boolean => {
    const t = fp(text).text.tokens;
    return mayHoldBuiltinMarker(text, t.h1, t.n, words);
  };

  it('has one hash per marker word', () => {
    expect(words.length).toBe(BUILTIN_MARKER_WORDS.length);
    expect(new Set(words).size).toBe(words.length);
  });

  it('every builtin rule has a form here, and each form matches its rule and passes the pre-check', () => {
    expect(Object.keys(FORMS).sort()).toEqual(BUILTIN_RULES.map((r) => r.id).sort());
    for (const [id, form] of Object.entries(FORMS)) {
      const hits = findMarkers(form, compiled);
      expect(hits.map((h) => h.rule.id), id).toContain(id);
      expect(precheck(form), id).toBe(true);
    }
  });

  it('whenever a builtin rule matches a variant, the pre-check passes (660 generated texts)', () => {
    const r = rng(20261123);
    let matched = 0;
    for (const form of Object.values(FORMS)) {
      for (const text of variants(form, r)) {
        if (findMarkers(text, compiled).length === 0) continue;
        matched++;
        expect(precheck(text), JSON.stringify(text.slice(-200))).toBe(true);
      }
    }
    // most variants still match a rule (random case and neighbours keep the trailer shape)
    expect(matched).toBeGreaterThan(250);
  });

  it('is false for text without the words, so the regular expressions are skipped', () => {
    const prose = 'In our study the patches were written by people and reviewed twice. Nothing here was generated.';
    expect(precheck(prose)).toBe(false);
    expect(findMarkers(prose, compiled)).toEqual([]);
    // a mention passes the pre-check; the rules then decide (no trailer shape, no match)
    const mention = 'We compared Claude Code and Copilot; some commits were co-authored by both.';
    expect(precheck(mention)).toBe(true);
    expect(findMarkers(mention, compiled)).toEqual([]);
    // the aider subject rule needs the start of the text, not a word
    expect(precheck('aider: x')).toBe(true);
    expect(precheck('see aider: x')).toBe(false);
  });
});
