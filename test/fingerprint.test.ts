import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { fmix32, hashInt, hashString, laneSeeds, powU32 } from '../src/fingerprint/hash.js';
import { newTokenBuffer, tokenizeCode, tokenizeText } from '../src/fingerprint/tokenize.js';
import { newShingleBuffer, shingle, ROLL_B1, ROLL_B2, type ShingleBuffer } from '../src/fingerprint/shingle.js';
import { jaccardEstimate, minhash } from '../src/fingerprint/minhash.js';
import { candidateProbability, optimalBands } from '../src/fingerprint/lsh.js';
import { densityLevel, selectedAt } from '../src/fingerprint/index.js';
import { FINGERPRINT_ALGORITHM, makeConfig, PARAMS, type ConfigInput } from '../src/config/index.js';
import { expectThrowsContamscan, ROOT } from './helpers.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const FIXTURES = join(ROOT, 'fixtures');

const SEED = 0x5eed;
const [T1, T2] = laneSeeds(SEED);
const [C1, C2] = laneSeeds(SEED ^ 0xc0de); // the code channel's lanes, as createFingerprinter derives them

function textTokens(text: string) {
  const tb = newTokenBuffer(8);
  const n = tokenizeText(text, T1, T2, tb);
  return {
    n,
    h1: Array.from(tb.h1.subarray(0, n)),
    h2: Array.from(tb.h2.subarray(0, n)),
    start: Array.from(tb.start.subarray(0, n)),
    end: Array.from(tb.end.subarray(0, n)),
  };
}

function codeTokens(text: string) {
  const tb = newTokenBuffer(8);
  const n = tokenizeCode(text, C1, C2, tb);
  return { n, h1: Array.from(tb.h1.subarray(0, n)), h2: Array.from(tb.h2.subarray(0, n)) };
}

describe('hash: reference vectors', () => {
  // Reference vectors: computed once from the implementation at the time these tests were written. Registries
  // store these hashes, so any change here silently invalidates every registry file already built: if one of
  // these fails, the change must bump the registry format/fingerprint id, not just update the numbers.
  it('fmix32 (MurmurHash3 finalizer)', () => {
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).toBe(1364076727);
    expect(fmix32(0xdeadbeef)).toBe(233162409);
  });
  it('hashString, hashInt, powU32, laneSeeds', () => {
    expect(hashString('contamscan', 0)).toBe(2947413553);
    expect(hashString('hello', SEED)).toBe(2195822551);
    expect(hashInt(SEED, 7)).toBe(4145495693);
    expect(powU32(0x01000193, 3)).toBe(1055306571);
    expect(laneSeeds(SEED)).toEqual([-1608176984, -1906229632]);
  });
  it('tokenizeText: token hashes and character spans of a short text', () => {
    const t = textTokens('Hello, World! Ünïcode café 42x');
    expect(t.n).toBe(5);
    expect(t.h1).toEqual([1850960522, -190612329, -1713058220, -1087087528, 1553910096]);
    expect(t.h2).toEqual([840450532, 1357168551, -1195653108, 246465019, 1325326730]);
    expect(t.start).toEqual([0, 7, 14, 22, 27]);
    expect(t.end).toEqual([5, 12, 21, 26, 30]);
  });
  it('tokenizeCode: token hashes of a short statement', () => {
    const tb = newTokenBuffer(8);
    const n = tokenizeCode("const x = 'a';", C1, C2, tb);
    expect(n).toBe(5);
    expect(Array.from(tb.h1.subarray(0, n))).toEqual([-1335410007, 672170942, 411770682, 498946003, 1222116004]);
    expect(Array.from(tb.start.subarray(0, n))).toEqual([0, 6, 8, 10, 13]);
    expect(Array.from(tb.end.subarray(0, n))).toEqual([5, 7, 9, 13, 14]);
  });
  it('both tokenizers over the fixtures and edge cases: digest of every hash, span and code-character count', () => {
    // Pins the tokenizers' whole output, so a speed change to them (character tables, cached hashes) must give the
    // same numbers on every branch: Latin-1 folding, separators, strings, comments, numbers with dots, Baker
    // distances past 255. Value from the implementation of 2026-11-22 (before the table-driven loops).
    const texts = ['registry/chat-answers.jsonl', 'registry/benchmark-items.jsonl', 'shards/chat-dump.jsonl', 'shards/code-files.json'].map((f) =>
      readFileSync(join(FIXTURES, f), 'utf8'),
    );
    const ids = range(0, 300).map((i) => `v${i}`).join(' = ') + ' ' + range(0, 300).map((i) => `v${299 - i}`).join('; ');
    texts.push(
      '', ' ', 'a', 'É', 'ÀÉÎ×÷ þ ß Straße ÆØÅ', '1.2.3abc x.y.z 0x1F 3.14e-5', 'x = "abc', "y = 'a\\' b'", '`multi\nline ${t}`',
      '// comment only', 'a /* open comment', '/* c */ b', '#', '# heading\ncode()', 'a$b _c $ _', '\u00a0q\u00a0', 'tail\\',
      '“smart” — dash… €5 → ok ☃ 😀 emoji😀mid', 'CJK 漢字かな、テスト。', '\ufeffbom', 'x\u2028y', ids, ids.toUpperCase(),
    );
    let h = 0x12345678;
    const mix = (v: number) => {
      h = Math.imul(h ^ (v | 0), 0x01000193);
      h ^= h >>> 15;
    };
    const tb = newTokenBuffer(8);
    for (const t of texts) {
      for (const [code, s1, s2] of [[false, T1, T2], [true, C1, C2]] as const) {
        const n = code ? tokenizeCode(t, s1, s2, tb) : tokenizeText(t, s1, s2, tb);
        mix(n);
        if (!code) mix(tb.codeChars);
        for (let i = 0; i < n; i++) {
          mix(tb.h1[i]);
          mix(tb.h2[i]);
          mix(tb.start[i]);
          mix(tb.end[i]);
        }
      }
    }
    expect(texts.reduce((a, t) => a + t.length, 0)).toBe(24199);
    expect(h >>> 0).toBe(3567567368);
  });
  it('minhash signatures for k = 128, 64 (power-of-two bins) and 100', () => {
    const sum = (s: Uint32Array) => s.reduce((h, v) => (Math.imul(h, 31) + v) | 0, 0);
    expect(sum(minhash(setOf(range(0, 1000)), 128, SEED))).toBe(176628980);
    expect(sum(minhash(setOf(range(0, 1000)), 64, SEED))).toBe(-161589862);
    expect(sum(minhash(setOf(range(0, 1000)), 100, SEED))).toBe(-1558549133);
  });
});

describe('tokenizeText: normalization', () => {
  const base = "The quick brown fox jumps over the lazy dog. It's 42 degrees in Zürich today!";
  const variants: Record<string, string> = {
    case: "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG. IT'S 42 DEGREES IN ZÜRICH TODAY!",
    whitespace: "  The   quick\n\nbrown\tfox  jumps over\r\nthe lazy dog.   It's 42 degrees in Zürich today!\n",
    markdown: "# The *quick* **brown** fox\n\n- jumps over `the` lazy dog.\n> _It's_ 42 degrees in [Zürich](today)!",
    punctuation: 'The quick, brown fox \u2014 jumps over the lazy dog; it\u2019s 42 degrees in Zürich (today)?',
  };
  const ref = textTokens(base);
  for (const [name, v] of Object.entries(variants)) {
    it(`${name} changes leave the token hash stream identical`, () => {
      const t = textTokens(v);
      expect(t.n).toBe(ref.n);
      expect(t.h1).toEqual(ref.h1);
      expect(t.h2).toEqual(ref.h2);
    });
  }
  it('a changed word changes the stream (control)', () => {
    const t = textTokens(base.replace('fox', 'cat'));
    expect(t.n).toBe(ref.n);
    expect(t.h1).not.toEqual(ref.h1);
    expect(t.h1.filter((h, i) => h !== ref.h1[i])).toHaveLength(1);
  });
  it('spans point at the words in the original text', () => {
    const text = variants.markdown;
    const tb = newTokenBuffer(8);
    const n = tokenizeText(text, T1, T2, tb);
    const words = Array.from({ length: n }, (_, i) => text.slice(tb.start[i], tb.end[i]));
    expect(words).toEqual(['The', 'quick', 'brown', 'fox', 'jumps', 'over', 'the', 'lazy', 'dog', 'It', 's', '42', 'degrees', 'in', 'Zürich', 'today']);
  });
});

describe('tokenizeCode: Baker parameterization', () => {
  const original = [
    'function sumEvens(values) {',
    '  let total = 0;',
    '  for (const value of values) {',
    '    if (value % 2 === 0) total += value;',
    '  }',
    "  return 'sum: ' + total;",
    '}',
  ].join('\n');
  // consistent rename of every identifier, tabs instead of spaces, brace on its own line, ' -> "
  const renamed = [
    'function addEvenNumbers(numbers)',
    '{',
    '\tlet acc = 0;',
    '\tfor (const n of numbers) {',
    '\t\tif (n % 2 === 0) acc += n;',
    '\t}',
    '\treturn "sum: " + acc;',
    '}',
    '',
  ].join('\n');
  const different = [
    'function maxOdd(values) {',
    '  let best = -1;',
    '  for (const value of values) {',
    '    if (value % 2 === 1 && value > best) best = value;',
    '  }',
    '  return best;',
    '}',
  ].join('\n');

  it('a consistent rename + re-indent + quote swap gives the identical code-token hash stream', () => {
    const a = codeTokens(original);
    const b = codeTokens(renamed);
    expect(a.n).toBeGreaterThan(30);
    expect(b.n).toBe(a.n);
    expect(b.h1).toEqual(a.h1);
    expect(b.h2).toEqual(a.h2);
  });
  it('comments are dropped', () => {
    const withComments = original.replace('{\n', '{ // add the even ones\n').replace('  }\n', '  } /* done */\n');
    expect(codeTokens(withComments).h1).toEqual(codeTokens(original).h1);
  });
  it('a different program gives a different stream', () => {
    expect(codeTokens(different).h1).not.toEqual(codeTokens(original).h1);
  });
  it('an inconsistent rename (one occurrence only) changes the stream', () => {
    const broken = original.replace('total += value', 'sum += value');
    expect(codeTokens(broken).h1).not.toEqual(codeTokens(original).h1);
  });
  it('string literal content still counts', () => {
    expect(codeTokens(original.replace("'sum: '", "'total: '")).h1).not.toEqual(codeTokens(original).h1);
  });
});

/** Shingle fingerprints recomputed from scratch (Horner over each window), as the rolling hash must produce. */
function scratchShingles(t1: Int32Array, t2: Int32Array, n: number, k: number): { f1: number[]; f2: number[] } {
  if (n === 0) return { f1: [], f2: [] };
  const kk = Math.min(n, k);
  const f1: number[] = [];
  const f2: number[] = [];
  for (let i = 0; i + kk <= n; i++) {
    let a = 0;
    let b = 0;
    for (let j = 0; j < kk; j++) {
      a = (Math.imul(a, ROLL_B1) + t1[i + j]) | 0;
      b = (Math.imul(b, ROLL_B2) + t2[i + j]) | 0;
    }
    f1.push(fmix32(a ^ kk) | 0);
    f2.push(fmix32(b ^ kk) | 0);
  }
  return { f1, f2 };
}

describe('shingle: rolling hash', () => {
  it('equals a from-scratch recomputation for every window (property)', () => {
    const out = newShingleBuffer(4); // small, so growth is exercised too
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), {
          minLength: 0,
          maxLength: 200,
        }),
        fc.integer({ min: 1, max: 16 }),
        (toks, k) => {
          const tb = newTokenBuffer(Math.max(1, toks.length));
          toks.forEach(([a, b], i) => {
            tb.h1[i] = a;
            tb.h2[i] = b;
          });
          tb.n = toks.length;
          const ns = shingle(tb, k, out);
          const want = scratchShingles(tb.h1, tb.h2, toks.length, k);
          expect(ns).toBe(want.f1.length);
          expect(out.n).toBe(ns);
          expect(Array.from(out.f1.subarray(0, ns))).toEqual(want.f1);
          expect(Array.from(out.f2.subarray(0, ns))).toEqual(want.f2);
        },
      ),
      { numRuns: 300 },
    );
  });
  it('a text shorter than k yields exactly one shingle; an empty one none', () => {
    const tb = newTokenBuffer();
    tokenizeText('just three words', T1, T2, tb);
    const out = newShingleBuffer();
    expect(shingle(tb, 5, out)).toBe(1);
    tokenizeText('  ... !! ', T1, T2, tb);
    expect(shingle(tb, 5, out)).toBe(0);
  });
});

/** A shingle buffer holding the hashed set {base+0, ..., base+n-1}: distinct values (fmix32 is a bijection). */
function setOf(ids: number[]): ShingleBuffer {
  const sb = newShingleBuffer(Math.max(1, ids.length));
  ids.forEach((x, i) => {
    sb.f1[i] = fmix32(x ^ 0x3c6ef372) | 0;
    sb.f2[i] = fmix32(Math.imul(x, 0x9e3779b1) ^ 0x1b873593) | 0;
  });
  sb.n = ids.length;
  return sb;
}
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

describe('minhash (one-permutation, densified)', () => {
  it('identical sets estimate 1, in any order', () => {
    const ids = range(0, 300);
    const a = minhash(setOf(ids), 128, SEED);
    const b = minhash(setOf([...ids].reverse()), 128, SEED);
    expect(jaccardEstimate(a, b)).toBe(1);
  });
  it('disjoint sets estimate ~0', () => {
    const a = minhash(setOf(range(0, 400)), 128, SEED);
    const b = minhash(setOf(range(1000, 1400)), 128, SEED);
    expect(jaccardEstimate(a, b)).toBeLessThanOrEqual(0.05);
  });
  it('a tiny set is densified: no empty bins left', () => {
    const sig = minhash(setOf(range(0, 5)), 128, SEED);
    expect(sig.every((v) => v !== 0xffffffff)).toBe(true);
    expect(new Set(sig).size).toBeLessThanOrEqual(5);
  });
  it('estimate is within 0.2 of the true Jaccard for random sets of 200-500 hashes (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 200, max: 500 }),
        fc.integer({ min: 200, max: 500 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 1 << 20 }),
        (na, nb, overlapFrac, base) => {
          const overlap = Math.floor(overlapFrac * Math.min(na, nb));
          const a = range(base, base + na);
          const b = range(base + na - overlap, base + na - overlap + nb);
          const truth = overlap / (na + nb - overlap);
          const est = jaccardEstimate(minhash(setOf(a), 128, SEED), minhash(setOf(b), 128, SEED));
          expect(Math.abs(est - truth)).toBeLessThanOrEqual(0.2);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('lsh', () => {
  it('optimalBands returns a divisor of numPerm (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 0.99, noNaN: true }), fc.constantFrom(16, 24, 32, 60, 64, 100, 128, 256), (t, perm) => {
        const { bands, rows } = optimalBands(t, perm);
        expect(Number.isInteger(bands)).toBe(true);
        expect(perm % bands).toBe(0);
        expect(bands * rows).toBe(perm);
      }),
      { numRuns: 60 },
    );
  });
  it('a higher threshold never asks for fewer rows per band', () => {
    expect(optimalBands(0.9, 128).rows).toBeGreaterThanOrEqual(optimalBands(0.5, 128).rows);
    expect(optimalBands(0.5, 128).rows).toBeGreaterThanOrEqual(optimalBands(0.2, 128).rows);
  });
  it('candidateProbability is the S-curve 1-(1-s^r)^b', () => {
    expect(candidateProbability(0, 16, 8)).toBe(0);
    expect(candidateProbability(1, 16, 8)).toBe(1);
    expect(candidateProbability(0.5, 2, 1)).toBeCloseTo(0.75, 12);
  });
});

describe('densityLevel / selectedAt', () => {
  it('fixed cases', () => {
    expect(densityLevel(0, 4, 64)).toBe(0);
    expect(densityLevel(10, 4, 64)).toBe(0);
    expect(densityLevel(200, 4, 64)).toBe(1); // 200/2 = 100 >= 64, 200/4 = 50 < 64
    expect(densityLevel(1000, 4, 64)).toBe(2); // capped by maxMod 4
    expect(densityLevel(1 << 20, 64, 64)).toBe(6);
    expect(densityLevel(1000, 1, 1)).toBe(0);
  });
  it('the level is the largest one within both bounds (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.constantFrom(1, 2, 4, 8, 16, 32, 64), fc.integer({ min: 1, max: 5000 }), (n, maxMod, minF) => {
        const lvl = densityLevel(n, maxMod, minF);
        expect(lvl).toBeGreaterThanOrEqual(0);
        expect(1 << lvl).toBeLessThanOrEqual(maxMod);
        if (lvl > 0) expect(n >> lvl).toBeGreaterThanOrEqual(minF);
        expect((1 << (lvl + 1)) > maxMod || n >> (lvl + 1) < minF).toBe(true);
      }),
    );
  });
  it('selectedAt keeps 1 in 2^lvl by the low bits', () => {
    expect(selectedAt(12345, 0)).toBe(true);
    expect(selectedAt(8, 3)).toBe(true);
    expect(selectedAt(12, 3)).toBe(false);
    expect(selectedAt(-8, 3)).toBe(true);
  });
});

describe('config', () => {
  it('defaults validate and equal the schema defaults', () => {
    const c = makeConfig();
    for (const [name, spec] of Object.entries(PARAMS)) {
      expect(c[name as keyof typeof PARAMS], name).toBe(spec.default);
      expect(spec.default).toBeGreaterThanOrEqual(spec.min);
      expect(spec.default).toBeLessThanOrEqual(spec.max);
    }
    expect(c.id.startsWith(`cs${FINGERPRINT_ALGORITHM}-`)).toBe(true);
  });

  const bad: Array<[string, ConfigInput, string]> = [
    ['unknown parameter', { shingleSize: 5 } as unknown as ConfigInput, 'shingleSize'],
    ['below the minimum', { textShingle: 1 }, 'textShingle'],
    ['above the maximum', { jaccard: 1.5 }, 'jaccard'],
    ['non-integer', { codeShingle: 7.5 }, 'codeShingle'],
    ['not a number', { seed: '7' } as unknown as ConfigInput, 'seed'],
    ['NaN', { containment: NaN }, 'containment'],
    ['sampleMod not a power of two', { sampleMod: 3 }, 'sampleMod'],
    ['commonDf over 255 (df is stored as a byte)', { commonDf: 256 }, 'commonDf'],
  ];
  for (const [what, input, field] of bad) {
    it(`${what} -> E_CONFIG naming ${field}`, () => {
      const err = expectThrowsContamscan(() => makeConfig(input), 'E_CONFIG');
      expect(err.message).toContain(field);
      expect(err.context.field).toBe(field);
      expect(err.exitCode).toBe(2);
    });
  }
  it('permutations not a multiple of bands -> E_CONFIG naming both', () => {
    const err = expectThrowsContamscan(() => makeConfig({ permutations: 128, bands: 5 }), 'E_CONFIG');
    expect(err.message).toContain('permutations');
    expect(err.message).toContain('bands');
    expect(err.message).toContain('128');
    expect(err.context.field).toBe('bands');
  });
  it('power-of-two sampleMod values are accepted', () => {
    for (const m of [1, 2, 8, 64]) expect(makeConfig({ sampleMod: m }).sampleMod).toBe(m);
  });
  it('the id strings change with a fingerprint parameter; a scan-only parameter changes only id', () => {
    const d = makeConfig();
    const fp = makeConfig({ textShingle: d.textShingle + 1 });
    expect(fp.fingerprintId).not.toBe(d.fingerprintId);
    expect(fp.id).not.toBe(d.id);
    expect(fp.fingerprintId).toContain(`textShingle=${d.textShingle + 1}`);
    const seeded = makeConfig({ seed: 1 });
    expect(seeded.fingerprintId).not.toBe(d.fingerprintId);
    const scanOnly = makeConfig({ jaccard: d.jaccard === 0.9 ? 0.85 : 0.9 });
    expect(scanOnly.fingerprintId).toBe(d.fingerprintId);
    expect(scanOnly.id).not.toBe(d.id);
    expect(makeConfig({ ...{} }).id).toBe(d.id); // deterministic
  });
  it('the config object is frozen', () => {
    const c = makeConfig({ seed: 9 });
    expect(Object.isFrozen(c)).toBe(true);
    expect(() => {
      (c as { seed: number }).seed = 10;
    }).toThrow(TypeError);
    expect(c.seed).toBe(9);
  });
});

describe('code gate counted inside tokenizeText', () => {
  it('equals codeCharCount on code, prose and edge cases', async () => {
    const { tokenizeText, newTokenBuffer, codeCharCount } = await import('../src/fingerprint/tokenize.js');
    const tb = newTokenBuffer(8);
    for (const t of ['def f(a_b):\n  return a_b[0] <= 1;', 'Plain prose: with a colon (and parens).', '', '___', 'x=y', 'é_ü{}']) {
      tokenizeText(t, 1, 2, tb);
      expect(tb.codeChars, t).toBe(codeCharCount(t));
    }
  });
});
