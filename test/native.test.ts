/**
 * The native kernel (src/native/kernel.cc) against the JS code it replaces: the same tokens, spans, shingles,
 * signatures, key-search results and matches, on the fixtures, edge cases and random strings. When the addon is not
 * built (no C++ compiler at install), the comparisons skip with a message; the JS path is what runs then.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { laneSeeds } from '../src/fingerprint/hash.js';
import { createFingerprinter, type Fingerprints } from '../src/fingerprint/index.js';
import { kernelName, nativeKernelPath, nativeLoadError } from '../src/fingerprint/native.js';
import { newShingleBuffer, shingle, shingleNative } from '../src/fingerprint/shingle.js';
import {
  nativeTokenizer,
  newTokenBuffer,
  tokenizeCode,
  tokenizeCodeNative,
  tokenizeText,
  tokenizeTextNative,
  type TokenBuffer,
} from '../src/fingerprint/tokenize.js';
import { makeConfig } from '../src/config/index.js';
import { buildRegistry } from '../src/registry/build.js';
import { loadRegistry, type LoadedRegistry } from '../src/registry/load.js';
import { findKey16, keyEnd16 } from '../src/registry/table.js';
import { createMatcher } from '../src/match/match.js';
import { minhash } from '../src/fingerprint/minhash.js';
import { FIXTURE_REGISTRY, FIXTURE_TAG_FIELDS, ROOT, tempDir } from './helpers.js';

const kn = nativeTokenizer();
if (!kn)
  console.warn(
    `native.test: the native kernel is not in use (${nativeLoadError() ?? (nativeKernelPath() ? 'CONTAMSCAN_NATIVE=0' : 'not built: npm run build:native')}); comparisons skipped`,
  );

const FIXTURES = join(ROOT, 'fixtures');
const fixtureTexts = (): string[] => {
  const out: string[] = [];
  for (const f of ['registry/chat-answers.jsonl', 'registry/benchmark-items.jsonl', 'registry/code-snippets.jsonl', 'shards/chat-dump.jsonl']) {
    let raw: string;
    try {
      raw = readFileSync(join(FIXTURES, f), 'utf8');
    } catch {
      continue;
    }
    out.push(raw);
    for (const line of raw.split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(String((JSON.parse(line) as { text?: unknown }).text ?? line));
      } catch {
        out.push(line); // the shard fixture holds malformed lines on purpose
      }
    }
  }
  out.push(readFileSync(join(FIXTURES, 'shards/code-files.json'), 'utf8'));
  return out;
};
const ids = Array.from({ length: 300 }, (_, i) => `v${i}`).join(' = ') + ' ' + Array.from({ length: 300 }, (_, i) => `v${299 - i}`).join('; ');
// 50 blocks of 120 distinct identifiers, each block twice: many live names at once, so Baker's table has slot clashes
const manyIdents = Array.from({ length: 50 }, (_, b) => {
  const block = Array.from({ length: 120 }, (_, i) => `n${b}_${i}`).join(' + ');
  return `${block};\n${block};`;
}).join('\n');
const EDGE = [
  '', ' ', 'a', 'É', 'ÀÉÎ×÷ þ ß Straße ÆØÅ', '1.2.3abc x.y.z 0x1F 3.14e-5', 'x = "abc', "y = 'a\\' b'", '`multi\nline ${t}`',
  '// comment only', 'a /* open comment', '/* c */ b', '/*', '/**/', 'a/', '#', '# heading\ncode()', 'a$b _c $ _', '\u00a0q\u00a0',
  'tail\\', '"tail\\', '“smart” — dash… €5 → ok ☃ 😀 emoji😀mid', 'CJK 漢字かな、テスト。', '\ufeffbom', 'x\u2028y', '\ud800 lone \udfff',
  ids, ids.toUpperCase(), 'w '.repeat(5000), manyIdents,
];

const [T1, T2] = laneSeeds(0x5eed);
const [C1, C2] = laneSeeds(0x5eed ^ 0xc0de);

function tokens(tb: TokenBuffer, withCodeChars: boolean) {
  const n = tb.n;
  return {
    n,
    codeChars: withCodeChars ? tb.codeChars : 0,
    h1: Array.from(tb.h1.subarray(0, n)),
    h2: Array.from(tb.h2.subarray(0, n)),
    start: Array.from(tb.start.subarray(0, n)),
    end: Array.from(tb.end.subarray(0, n)),
  };
}

/** Both paths over one text: tokens of both channels (small starting buffers, so the grow paths run) and shingles. */
function compare(text: string): void {
  if (!kn) return;
  const js = newTokenBuffer(8);
  const nat = newTokenBuffer(8);
  kn.load(text);
  tokenizeText(text, T1, T2, js);
  tokenizeTextNative(kn, T1, T2, nat);
  expect(tokens(nat, true)).toEqual(tokens(js, true));
  for (const k of [1, 4, 7]) {
    const a = newShingleBuffer(4);
    const b = newShingleBuffer(4);
    shingle(js, k, a);
    shingleNative(kn, nat, k, b);
    expect(b.n).toBe(a.n);
    expect(Array.from(b.f1.subarray(0, b.n))).toEqual(Array.from(a.f1.subarray(0, a.n)));
    expect(Array.from(b.f2.subarray(0, b.n))).toEqual(Array.from(a.f2.subarray(0, a.n)));
  }
  tokenizeCode(text, C1, C2, js);
  tokenizeCodeNative(kn, C1, C2, nat);
  expect(tokens(nat, false)).toEqual(tokens(js, false));
}

function fpState(f: Fingerprints) {
  const ch = (c: Fingerprints['text'] | null) =>
    c && { tokens: tokens(c.tokens, c.channel === 0), f1: Array.from(c.shingles.f1.subarray(0, c.shingles.n)), f2: Array.from(c.shingles.f2.subarray(0, c.shingles.n)) };
  return { text: ch(f.text), code: ch(f.code), sig: Array.from(f.sig) };
}

describe.skipIf(!kn)('native kernel = JS code', () => {
  it('tokenizers and shingles on the fixtures and edge cases', () => {
    const texts = [...fixtureTexts(), ...EDGE];
    expect(texts.length).toBeGreaterThan(40);
    for (const t of texts) compare(t);
  });

  it('tokenizers and shingles on random strings (any UTF-16 code unit; code-heavy alphabets)', () => {
    const alphabet = [...'ab_$1.9 \n\t"\'`\\/*#{}();=<>:ÀÉ×\u00a0é'].concat(['\ud83d', '\ude00', '\u2028']);
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 400, size: 'max' }), fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 600, size: 'max' })), (s) => {
        compare(s);
      }),
      { numRuns: 400 },
    );
  });

  it('the fingerprinter: same tokens, shingles and MinHash signature on both channels', () => {
    const config = makeConfig();
    const js = createFingerprinter(config, 'js');
    const nat = createFingerprinter(config);
    for (const t of [...fixtureTexts(), ...EDGE]) {
      for (const force of [false, true]) {
        const a = fpState(js(t, force));
        expect(fpState(nat(t, force))).toEqual(a);
      }
    }
  });

  it('minhash: same signatures for k = 128, 64 and 100, with empty bins densified', () => {
    if (!kn) return;
    const fp = createFingerprinter(makeConfig(), 'js');
    for (const t of [...fixtureTexts(), ...EDGE]) {
      const sh = fp(t).text.shingles;
      for (const k of [128, 64, 100]) {
        for (const seed of [1, 0x5eed, -7]) {
          const want = minhash(sh, k, seed);
          const got = new Uint32Array(k);
          kn.minhash(sh.f1, sh.f2, sh.n, k, seed, got);
          expect(Array.from(got)).toEqual(Array.from(want));
        }
      }
    }
  });

  it('refuses wrong arguments with an error instead of reading out of bounds', () => {
    if (!kn) return;
    expect(() => kn.shingle(new Int32Array(4), new Int32Array(4), 10, 4, new Int32Array(8), new Int32Array(8))).toThrow(/out of range/);
    expect(() => kn.shingle(new Int32Array(10), new Int32Array(10), 10, 2, new Int32Array(2), new Int32Array(2))).toThrow(/too short/);
    expect(() => kn.text(1, 2, new Int32Array(4), new Int32Array(4), new Int32Array(4), new Uint32Array(4) as unknown as Int32Array, new Int32Array(1))).toThrow(
      /typed array/,
    );
  });

  describe('key search and matching against a registry', () => {
    let dir: string;
    let reg: LoadedRegistry;
    beforeAll(async () => {
      dir = tempDir('native-');
      const path = join(dir, 'r.csreg');
      await buildRegistry({ inputs: [FIXTURE_REGISTRY], out: path, tagFields: FIXTURE_TAG_FIELDS });
      reg = await loadRegistry(path);
    });
    afterAll(() => {
      reg?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('probe() finds the rows findKey16/keyEnd16 find, and counts shingles per sampling level', () => {
      if (!kn) return;
      const post = reg.views.post;
      const fp = createFingerprinter(makeConfig(), 'js');
      const payload = [post.entry, post.poschan, post.df] as const;
      let foundAny = 0;
      for (const t of [...fixtureTexts(), ...EDGE]) {
        const f = fp(t, true);
        for (const ch of [f.text, f.code]) {
          if (!ch) continue;
          const { f1, f2, n } = ch.shingles;
          const want: number[] = [];
          const lv = new Float64Array(8);
          for (let i = 0; i < n; i++) {
            const v = f2[i];
            lv[v === 0 ? 7 : Math.min(7, 31 - Math.clz32(v & -v))]++;
            const r = findKey16(post.t, f1[i], v);
            if (r >= 0) want.push(i, r, keyEnd16(post.t, f1[i], r));
          }
          const out = new Int32Array(3 * n);
          const levels = new Float64Array(8);
          const nf = kn.probe(f1, f2, n, post.bloom, post.t.dir, post.t.key, post.t.mask, payload, out, levels);
          // every key findKey16 finds passes the Bloom filter (it holds every key), so the lists are equal
          expect(Array.from(out.subarray(0, 3 * nf))).toEqual(want);
          expect(Array.from(levels)).toEqual(Array.from(lv));
          foundAny += nf;
        }
      }
      expect(foundAny).toBeGreaterThan(100);
    });

    it('createMatcher gives the same matches and evidence with the kernel and with kernel: js', () => {
      const config = makeConfig();
      const a = createMatcher(config, reg.views, [], true, { kernel: 'js' });
      const b = createMatcher(config, reg.views, [], true);
      let matched = 0;
      for (const t of [...fixtureTexts(), ...EDGE]) {
        const ma = a(t);
        expect(b(t)).toEqual(ma);
        matched += ma.matches.length;
      }
      expect(matched).toBeGreaterThan(10);
    });
  });
});

describe('kernel choice', () => {
  it('CONTAMSCAN_NATIVE=0 turns the kernel off in a process', () => {
    const mod = join(ROOT, 'dist', 'src', 'fingerprint', 'native.js');
    const run = (env: Record<string, string>) =>
      execFileSync(process.execPath, ['--input-type=module', '-e', `import { kernelName } from ${JSON.stringify(mod)}; console.log(kernelName());`], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      }).trim();
    expect(run({ CONTAMSCAN_NATIVE: '0' })).toBe('js');
    expect(run({ CONTAMSCAN_NATIVE: '1' })).toBe(kernelName());
  });
});
