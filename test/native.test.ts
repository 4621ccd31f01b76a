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
import { COMMON_ENTRY, DF_WEIGHT } from '../src/registry/format.js';
import { createMatcher } from '../src/match/match.js';
import { minhash } from '../src/fingerprint/minhash.js';
import { FIXTURE_REGISTRY, FIXTURE_TAG_FIELDS, ROOT, tempDir, writeJsonl } from './helpers.js';

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

let [T1, T2] = laneSeeds(0x5eed);
let [C1, C2] = laneSeeds(0x5eed ^ 0xc0de);

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
  it('tokenizers and shingles on the fixtures and edge cases, with two seeds', () => {
    const texts = [...fixtureTexts(), ...EDGE];
    expect(texts.length).toBeGreaterThan(40);
    for (const seed of [0x5eed, 0xfedcba98]) {
      [T1, T2] = laneSeeds(seed);
      [C1, C2] = laneSeeds(seed ^ 0xc0de);
      for (const t of texts) compare(t);
    }
    [T1, T2] = laneSeeds(0x5eed);
    [C1, C2] = laneSeeds(0x5eed ^ 0xc0de);
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

  it("code tokenizer: Baker's identifier table when slots collide and all of its 65,536 slots are live", () => {
    // 1,000,000 distinct names, each repeated 3 names (9 tokens) and 50 names (150 tokens) later, within the 255-token
    // reach of a distance: far more names than slots, so slots are shared (the later name overwrites, and the
    // earlier one's repeat finds another key or the slot taken since) and, with ~15 names a slot, every slot is used.
    const names = Array.from({ length: 1_000_000 }, (_, i) => `id${i.toString(36)}`);
    const parts: string[] = [];
    for (let i = 0; i < names.length; i++) parts.push(names[i], i >= 3 ? names[i - 3] : 'x', i >= 50 ? names[i - 50] : 'y');
    const text = parts.join(' ');
    const js = newTokenBuffer(8);
    const nat = newTokenBuffer(8);
    kn!.load(text);
    tokenizeCode(text, C1, C2, js);
    tokenizeCodeNative(kn!, C1, C2, nat);
    expect(nat.n).toBe(js.n);
    expect(Buffer.from(nat.h1.buffer, 0, 4 * nat.n).equals(Buffer.from(js.h1.buffer, 0, 4 * js.n))).toBe(true);
    expect(Buffer.from(nat.h2.buffer, 0, 4 * nat.n).equals(Buffer.from(js.h2.buffer, 0, 4 * js.n))).toBe(true);
    // the repeats carry distances (not all 0): the test reaches the table's hits, not only its misses
    const zero = js.h1[0];
    let hits = 0;
    for (let t = 0; t < js.n; t++) if (js.h1[t] !== zero) hits++;
    expect(hits).toBeGreaterThan(js.n / 2);
    // the next sample starts with no live slot in both: names of the long text, repeated
    compare(`${names[0]} ${names[1]} ${names[0]} ${names[999_999]} ${names[1]}`);
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
        for (const seed of [1, 0x5eed, -7, 0xfedcba98]) {
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
    expect(() => kn.text(1, 2, new Int32Array(4), new Int32Array(4), new Int32Array(4), new Int32Array(4), new Int32Array(0))).toThrow(/info/);
    expect(() => kn.minhash(new Int32Array(4), new Int32Array(4), 4, 8, 1, new Uint32Array(4))).toThrow(/out of range/);
    const f = new Int32Array(8);
    const lv = new Float64Array(8);
    const dir = new Uint32Array(4);
    const key = new Uint32Array(2);
    const pay = [new Uint32Array(2), new Uint32Array(2), new Uint8Array(2)] as const;
    expect(() => kn.probe(f, f, 8, new Uint32Array(3), dir, key, 1, pay, new Int32Array(24), lv)).toThrow(/out of range/); // filter not a power of two
    expect(() => kn.probe(f, f, 8, new Uint32Array(4), dir, key, 7, pay, new Int32Array(24), lv)).toThrow(/out of range/); // directory too short for the mask
    expect(() => kn.probe(f, f, 8, new Uint32Array(4), dir, key, 1, pay, new Int32Array(10), lv)).toThrow(/out of range/); // out too short
    expect(() => kn.probe(f, f, 8, new Uint32Array(4), dir, key, 1, undefined as never, new Int32Array(24), lv)).toThrow(); // napi_get_element: cannot convert undefined to an object
    const hits = [new Int32Array(4), new Int32Array(4), new Int32Array(4), new Float32Array(4), new Uint8Array(4)] as [Int32Array, Int32Array, Int32Array, Float32Array, Uint8Array];
    const found = new Int32Array([0, 0, 2]);
    const dfw = new Float32Array(256);
    const post = [new Uint32Array([4, 6]), new Uint32Array([0, 2]), new Uint8Array([2, 2])] as const;
    // row 1 names entry 6, whose key (13) is past cnt's end; negative counters; rows past the payload
    expect(() => kn.postings(found, 1, 0, f, post, dfw, lv, hits, new Int32Array(10), new Float32Array(10), new Int32Array(8), new Int32Array(2))).toThrow(/entry out of range/);
    expect(() => kn.postings(found, 1, 0, f, post, dfw, lv, hits, new Int32Array(20), new Float32Array(20), new Int32Array(8), new Int32Array([-1, 0]))).toThrow(/negative/);
    expect(() => kn.postings(new Int32Array([0, 0, 3]), 1, 0, f, post, dfw, lv, hits, new Int32Array(20), new Float32Array(20), new Int32Array(8), new Int32Array(2))).toThrow(/row out of range/);
    expect(() => kn.postings(found, 1, 0, f, post, dfw, lv, hits, new Int32Array(20), new Float32Array(20), new Int32Array(1), new Int32Array(2))).toThrow(/too short/);
  });

  describe('key search and matching against a registry', () => {
    let dir: string;
    let reg: LoadedRegistry;
    /** 40 entries sharing one 30-word paragraph: its shingles are in more than commonDf (16) entries, so common. */
    let boiler: LoadedRegistry;
    const BOILER = 'this paragraph is the shared boilerplate that every one of the forty entries carries word for word so that its shingles end up common in the index';
    beforeAll(async () => {
      dir = tempDir('native-');
      const path = join(dir, 'r.csreg');
      await buildRegistry({ inputs: [FIXTURE_REGISTRY], out: path, tagFields: FIXTURE_TAG_FIELDS });
      reg = await loadRegistry(path);
      const src = join(dir, 'boiler.jsonl');
      const own = (i: number) => Array.from({ length: 40 }, (_, j) => `w${i}x${j}`).join(' ');
      writeJsonl(src, Array.from({ length: 40 }, (_, i) => ({ id: `b${i}`, text: `${own(i)}. ${BOILER}. ${own(i + 100)}.` })));
      await buildRegistry({ inputs: [src], out: join(dir, 'b.csreg') });
      boiler = await loadRegistry(join(dir, 'b.csreg'));
    });
    afterAll(() => {
      reg?.close();
      boiler?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('probe() finds the rows findKey16/keyEnd16 find and counts shingles per level; postings() = the JS postings loop', () => {
      if (!kn) return;
      const fp = createFingerprinter(makeConfig(), 'js');
      let foundAny = 0;
      let commonSeen = 0;
      let postingsSeen = 0;
      const texts = [...fixtureTexts(), ...EDGE, `Some words first. ${BOILER}. w3x1 w3x2 w3x3 w3x4 w3x5 w3x6 w3x7 w3x8 and more.`];
      for (const [t, r0] of [...texts.map((x) => [x, reg] as const), ...texts.map((x) => [x, boiler] as const)]) {
        const post = r0.views.post;
        const payload = [post.entry, post.poschan, post.df] as const;
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
          // postings() against match.ts postings() written out here: the same hits in the same order, counts, weights
          const rows = want.reduce((a, _, j) => (j % 3 === 2 ? a + want[j]! - want[j - 1]! : a), 0);
          const keys = 2 * r0.views.tokens.length;
          const ref = { hits: [] as number[][], cnt: new Int32Array(keys), wsum: new Float32Array(keys), touched: [] as number[], lv: Float64Array.from(lv) };
          for (let q = 0; q < nf; q++) {
            const [i, r, end] = [want[3 * q]!, want[3 * q + 1]!, want[3 * q + 2]!];
            const v = f2[i]!;
            const l = v === 0 ? 7 : Math.min(7, 31 - Math.clz32(v & -v));
            if (post.entry[r] === COMMON_ENTRY) {
              ref.lv[l] -= 1;
              continue;
            }
            const w = DF_WEIGHT[post.df[r]!]!;
            ref.lv[l] += w - 1;
            for (let x = end - 1; x >= r; x--) {
              const pc = post.poschan[x]!;
              if ((pc & 1) !== ch.channel) continue;
              const e = post.entry[x]!;
              ref.hits.push([e, pc >>> 1, i, ch.channel, Math.fround(w)]);
              const key = e * 2 + ch.channel;
              if (ref.cnt[key]++ === 0) ref.touched.push(key);
              ref.wsum[key] += w;
            }
          }
          const hits = [new Int32Array(rows + 1), new Int32Array(rows + 1), new Int32Array(rows + 1), new Float32Array(rows + 1), new Uint8Array(rows + 1)] as [
            Int32Array,
            Int32Array,
            Int32Array,
            Float32Array,
            Uint8Array,
          ];
          const cnt = new Int32Array(keys);
          const wsum = new Float32Array(keys);
          const touched = new Int32Array(rows + 1);
          const counters = new Int32Array(2);
          kn.postings(out, nf, ch.channel, f2, payload, DF_WEIGHT, levels, hits, cnt, wsum, touched, counters);
          expect(counters[0]).toBe(ref.hits.length);
          expect(Array.from({ length: counters[0]! }, (_, h) => [hits[0][h], hits[1][h], hits[2][h], hits[4][h], hits[3][h]])).toEqual(ref.hits);
          expect(Array.from(touched.subarray(0, counters[1]))).toEqual(ref.touched);
          expect(Array.from(cnt)).toEqual(Array.from(ref.cnt));
          expect(Array.from(wsum)).toEqual(Array.from(ref.wsum));
          expect(Array.from(levels)).toEqual(Array.from(ref.lv));
          commonSeen += want.filter((_, j) => j % 3 === 1 && post.entry[want[j]!] === COMMON_ENTRY).length;
          postingsSeen += counters[0]!;
        }
      }
      expect(foundAny).toBeGreaterThan(100);
      expect(postingsSeen).toBeGreaterThan(100);
      expect(commonSeen).toBeGreaterThan(0); // the boilerplate registry's shared paragraph
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

    it('every candidate reaches verification with the same unrounded evidence (hits, weights, sample totals)', () => {
      // minEvidence 1 and minShare 0: every (entry, channel) the postings touched is a candidate, so a different hit,
      // order or float32/double weight anywhere in postings() shows in some candidate's evidence
      const config = makeConfig({ minEvidence: 1, minShare: 0 });
      const a = createMatcher(config, reg.views, [], true, { kernel: 'js', collectEvidence: true });
      const b = createMatcher(config, reg.views, [], true, { collectEvidence: true });
      let candidates = 0;
      for (const t of [...fixtureTexts(), ...EDGE]) {
        const ca = a(t).candidates ?? [];
        expect(b(t).candidates ?? []).toEqual(ca);
        candidates += ca.length;
      }
      expect(candidates).toBeGreaterThan(10);
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
