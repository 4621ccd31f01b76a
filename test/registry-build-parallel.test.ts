/**
 * The parallel registry build: entries fingerprinted in a worker pool give the same file for any number of workers,
 * and the postings sorts that replaced buildKeyTable's permutation give its row order exactly.
 */
import { describe, it, expect, vi } from 'vitest';
import { formatProgress, trackFiles } from '../src/pipeline/progress.js';
import { join } from 'node:path';
import { buildRegistry, type BuildRegistryResult } from '../src/registry/build.js';
import { distinctCount } from '../src/registry/entries.js';
import { loadRegistry } from '../src/registry/load.js';
import { bucketMaskFor, bucketOf, buildKeyTable, keyTableWith, maskBits, mergeSortedRuns, partitionRows, sortBucketsByKey, sortRowsByKey } from '../src/registry/table.js';
import { postingsPartitions } from '../src/registry/postings.js';
import { makeConfig } from '../src/config/index.js';
import { createFingerprinter } from '../src/fingerprint/index.js';
import { mulberry32 } from '../bench/accuracy/util.js';
import { ENTRIES, FIXTURE_REGISTRY, FIXTURE_TAG_FIELDS, runCliAsync, tempDir, writeJsonl } from './helpers.js';

/** Deterministic 32-bit integers (the accuracy bench's mulberry32, scaled back to its integer). */
function rng(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() * 4294967296;
}

/** Row indices 0..n-1 stably sorted by key (Array.prototype.sort is stable). */
function stableOrder(keys: ArrayLike<number>): number[] {
  return Array.from({ length: keys.length }, (_, i) => i).sort((a, b) => keys[a] - keys[b]);
}

describe('postings sorts', () => {
  it('sortRowsByKey is a stable sort by key that moves every column, for 0 to 22 key bits', () => {
    const r = rng(7);
    for (const [bits, n] of [[0, 50], [1, 300], [5, 2000], [8, 5000], [14, 20000], [15, 40000], [20, 60000], [22, 30000]]) {
      const keys = new Uint32Array(n);
      // few distinct keys for small bit counts, so that stability is exercised
      for (let i = 0; i < n; i++) keys[i] = bits === 0 ? 0 : r() & ((1 << bits) - 1);
      const idx = Int32Array.from({ length: n }, (_, i) => i);
      const u16 = Uint16Array.from({ length: n }, (_, i) => (i * 7) & 0xffff);
      const u8 = Uint8Array.from({ length: n }, (_, i) => i & 0xff);
      const want = stableOrder(keys);
      const wantKeys = want.map((i) => keys[i]);
      const got = sortRowsByKey(keys.slice(), bits, [idx, u16, u8]);
      expect(Array.from(got.keys), `bits ${bits}`).toEqual(wantKeys);
      expect(Array.from(got.cols[0]), `bits ${bits}`).toEqual(want);
      expect(Array.from(got.cols[1])).toEqual(want.map((i) => (i * 7) & 0xffff));
      expect(Array.from(got.cols[2])).toEqual(want.map((i) => i & 0xff));
    }
  });

  it('mergeSortedRuns: runs each sorted by key merge into one stable order (1 to 9 runs, empty runs too)', () => {
    const r = rng(11);
    for (const runs of [1, 2, 3, 4, 5, 8, 9]) {
      const lens = Array.from({ length: runs }, (_, j) => (j === 2 ? 0 : 1 + (r() % 500)));
      const keys: number[] = [];
      const starts: number[] = [];
      for (const len of lens) {
        starts.push(keys.length);
        const run = Array.from({ length: len }, () => r() % 64).sort((a, b) => a - b);
        keys.push(...run);
      }
      const n = keys.length;
      const want = stableOrder(keys);
      const [idx, k16] = mergeSortedRuns(Uint32Array.from(keys), starts, [Int32Array.from({ length: n }, (_, i) => i), Uint16Array.from(keys)]);
      expect(Array.from(idx), `${runs} runs`).toEqual(want);
      expect(Array.from(k16)).toEqual(want.map((i) => keys[i]));
    }
  });

  it('bucket order by sortRowsByKey, then (k1, k2) inside buckets by sortBucketsByKey = buildKeyTable order', () => {
    const r = rng(3);
    for (const n of [10, 1000, 70000]) {
      const k1 = new Int32Array(n);
      const k2 = new Int32Array(n);
      // repeated keys (a key in several entries) and negative lane-1 values
      for (let i = 0; i < n; i++) {
        const j = r() % Math.max(1, n >> 2);
        k1[i] = Math.imul(j, 0x9e3779b1) ^ (r() % 3 === 0 ? 0 : 0x80000000);
        k2[i] = r() % 5 === 0 ? 7 : Math.imul(j, 0x85ebca6b) & 0xffff;
      }
      const { table, order } = buildKeyTable(k1, k2);
      const mask = bucketMaskFor(n);
      const b = Uint32Array.from(k1, (x) => bucketOf(x, mask));
      const s = sortRowsByKey(b, maskBits(mask), [k1.slice(), k2.slice(), Int32Array.from({ length: n }, (_, i) => i), new Int32Array(n)]);
      const [sk1, sk2, idx, zero] = s.cols;
      sortBucketsByKey(s.keys, sk1, sk2, idx, zero);
      expect(Array.from(idx), `n ${n}`).toEqual(Array.from(order));
      expect(Array.from(sk1)).toEqual(Array.from(table.k1));
      expect(Array.from(sk2)).toEqual(Array.from(table.k2));
    }
  });

  it('postingsPartitions over ranges of partitions = one pass over all of them = buildKeyTable order, with df and sentinels', () => {
    const r = rng(17);
    const n = 150_000; // 2^16 buckets: 4 partitions of 2^14
    const entries = 5000;
    const k1 = new Int32Array(n), k2 = new Int32Array(n), ent = new Int32Array(n), pc = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const key = r() % (n >> 1); // most keys in one or two rows, some in many
      const hot = i % 97 === 0;
      k1[i] = Math.imul(hot ? key % 5 : key, 0x9e3779b1);
      k2[i] = hot ? 1 : key & 0xffff;
      ent[i] = Math.floor((i / n) * entries); // rows come in entry order, as in the build
      pc[i] = i;
    }
    const group = Int32Array.from({ length: entries }, (_, e) => (e % 50 === 1 ? e - 1 : e)); // some entries share a text
    const ref = buildKeyTable(k1, k2).order;
    const mask = bucketMaskFor(n);
    const run = (ranges: Array<[number, number]>) => {
      const b = Uint32Array.from(k1, (x) => bucketOf(x, mask));
      const cols = [k1.slice(), k2.slice(), ent.slice(), pc.slice()];
      const part = partitionRows(b, maskBits(mask), cols, new Uint32Array(n), cols.map(() => new Int32Array(n)));
      const out = { keys: b, cols: cols as [Int32Array, Int32Array, Int32Array, Int32Array] };
      const keep = new Uint8Array(n), dfOf = new Uint8Array(n);
      let common = 0;
      for (const [p0, p1] of ranges) common += postingsPartitions({ part, out, group, keep, dfOf, commonDf: 3, background: null, p0, p1 });
      return { parts: part.parts, pos: out.cols[3], keep, dfOf, common };
    };
    const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.prototype.every.call(a, (x: number, i: number) => x === b[i]);
    const one = run([[0, 4]]);
    expect(one.parts).toBe(4);
    expect(same(one.pos, ref)).toBe(true);
    expect(one.common).toBeGreaterThan(0);
    expect(one.dfOf.some((d) => d > 1)).toBe(true);
    const split = run([[0, 1], [1, 3], [3, 4]]);
    expect(split.common).toBe(one.common);
    expect(same(split.pos, one.pos) && same(split.keep, one.keep) && same(split.dfOf, one.dfOf)).toBe(true);
  });

  it('keyTableWith = buildKeyTable with the payload gathered through its order (LSH bands, exact keys)', () => {
    const r = rng(9);
    for (const n of [1, 500, 40000]) {
      const k1 = Int32Array.from({ length: n }, () => (r() % Math.max(1, n >> 1)) * 0x9e3779b1);
      const k2 = Int32Array.from({ length: n }, () => r() % 16);
      const payload = Int32Array.from({ length: n }, (_, i) => i * 3);
      const ref = buildKeyTable(k1, k2);
      const got = keyTableWith(k1.slice(), k2.slice(), payload.slice()); // it sorts its arguments in place
      expect(Array.from(got.payload), `n ${n}`).toEqual(Array.from(ref.order, (i) => payload[i]));
      expect(got.table.mask).toBe(ref.table.mask);
      expect(Array.from(got.table.dir)).toEqual(Array.from(ref.table.dir));
      expect(Array.from(got.table.k1)).toEqual(Array.from(ref.table.k1));
      expect(Array.from(got.table.k2)).toEqual(Array.from(ref.table.k2));
    }
  });

  it('a fingerprinter without signature (prompts) gives the same channels and leaves sig at zero', () => {
    const config = makeConfig();
    for (const kernel of ['auto', 'js'] as const) {
      const full = createFingerprinter(config, kernel);
      const bare = createFingerprinter(config, kernel, { signature: false });
      for (const text of Object.values(ENTRIES).slice(0, 4)) {
        const a = full(text, true);
        const b = bare(text, true);
        expect(a.sig.some((x) => x !== 0)).toBe(true);
        expect(b.sig.every((x) => x === 0)).toBe(true);
        expect(Array.from(b.text.shingles.f1.subarray(0, b.text.shingles.n))).toEqual(Array.from(a.text.shingles.f1.subarray(0, a.text.shingles.n)));
        expect(Array.from(b.code!.tokens.h1.subarray(0, b.code!.tokens.n))).toEqual(Array.from(a.code!.tokens.h1.subarray(0, a.code!.tokens.n)));
      }
    }
  });

  it('distinctCount agrees with a Set over repeated calls, table growth included', () => {
    const r = rng(5);
    const st = { vkeys: new Int32Array(0), vstamp: new Uint32Array(0), vgen: 0 };
    for (let call = 0; call < 60; call++) {
      const n = call % 7 === 0 ? 0 : 1 + (r() % (call < 30 ? 40 : 3000));
      const range = 1 + (r() % (2 * n + 1));
      const xs = Int32Array.from({ length: n + 5 }, () => (r() % range) - (range >> 1));
      expect(distinctCount(xs, n, st), `call ${call}`).toBe(new Set(xs.subarray(0, n)).size);
    }
  });
});

/** ~2,500 entries in three files: prompts, code, repeated texts (common keys), per-record tags. */
function writeSources(dir: string): string[] {
  const r = rng(20261123);
  const words = Object.values(ENTRIES).join(' ').split(/\s+/);
  const sentence = (len: number) => Array.from({ length: len }, () => words[r() % words.length]).join(' ');
  const files: string[] = [];
  for (let f = 0; f < 3; f++) {
    const recs: unknown[] = [];
    for (let i = 0; i < 850; i++) {
      const id = `f${f}-${i}`;
      const model = `m${(i + f) % 3}`;
      if (i === 400) recs.push({ id, text: `A lone surrogate \ud800 inside: ${sentence(60)}`, model }); // survives the clone to a worker
      else if (i % 9 === 0) recs.push({ id, text: 'The same answer, repeated in many entries, so its keys are common. ' + sentence(0) + ENTRIES.compost, model });
      else if (i % 5 === 0)
        recs.push({ id, text: `function f${i}(a, b) {\n  const x = a[${i}] + b.map((y) => y * 2);\n  return { x, y: ${sentence(12).length} };\n}\n// ${sentence(20)}`, model });
      else {
        const prompt = sentence(15);
        recs.push({ id, prompt, text: `${prompt.split(' ').slice(0, 6).join(' ')} ${sentence(40 + (r() % 200))}`, model });
      }
    }
    files.push(writeJsonl(join(dir, `part-${f}.jsonl`), recs));
  }
  return files;
}

describe('registry build with workers', () => {
  it('0, 1 and 2 workers write the same registry (digest, header, ids, flags)', async () => {
    const dir = tempDir('registry-parallel');
    const inputs = writeSources(dir);
    const results: Array<{ out: string; res: BuildRegistryResult }> = [];
    for (const workers of [0, 1, 2]) {
      const out = join(dir, `w${workers}.csreg`);
      results.push({ out, res: await buildRegistry({ inputs, out, tagFields: { model: 'model' }, workers }) });
    }
    const strip = (h: BuildRegistryResult['header']) => ({ ...h, created_at: undefined });
    expect(results[0].res.header.entries).toBe(2550);
    expect(results[0].res.header.background.prompts).toBeGreaterThan(1000);
    expect(results[0].res.header.fingerprints.common).toBeGreaterThan(0);
    for (const { res } of results.slice(1)) expect(strip(res.header)).toEqual(strip(results[0].res.header));
    const regs = await Promise.all(results.map(({ out }) => loadRegistry(out)));
    try {
      for (const reg of regs.slice(1)) {
        expect(reg.ids).toEqual(regs[0].ids);
        expect(Array.from(reg.views.flags)).toEqual(Array.from(regs[0].views.flags));
      }
    } finally {
      for (const reg of regs) reg.close();
    }
  });

  it('--workers on the CLI: 2 and 0 give the same digest; a negative count is a usage error (exit 2)', async () => {
    const dir = tempDir('registry-cli-workers');
    const tags = Object.entries(FIXTURE_TAG_FIELDS).flatMap(([k, v]) => ['--tag-field', `${k}=${v}`]);
    const [a, b, bad] = await Promise.all([
      runCliAsync(['registry', 'build', FIXTURE_REGISTRY, ...tags, '--workers', '2', '--out', join(dir, 'a.csreg')]),
      runCliAsync(['registry', 'build', FIXTURE_REGISTRY, ...tags, '--workers', '0', '--out', join(dir, 'b.csreg')]),
      runCliAsync(['registry', 'build', FIXTURE_REGISTRY, '--workers', '-1', '--out', join(dir, 'c.csreg')]),
    ]);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    const digest = (s: string) => /digest ([0-9a-f]{16})/.exec(s)?.[1];
    // The digest 40f66a4 wrote for the fixtures, before the pool and the sorts: the build's bytes must not change.
    // Update only with a deliberate change of the format or of a fingerprint parameter (and say so in the commit).
    expect(digest(a.stdout)).toBe('509972878c929ff1');
    expect(digest(b.stdout)).toBe('509972878c929ff1');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/workers/);
  });
});

describe('progress', () => {
  it('formatProgress: samples and flagged for a scan, entries for a build; rate and ETA by bytes', () => {
    const p = { filesDone: 1, filesTotal: 4, samples: 1200, flagged: 7, bytesDone: 20e6, bytesTotal: 80e6, startedMs: 0 };
    expect(formatProgress(p, 2000)).toBe('files 1/4  samples 1200  flagged 7  25.0%  10.0 MB/s  ETA 6s');
    expect(formatProgress({ ...p, kind: 'build' }, 2000)).toBe('files 1/4  entries 1200  25.0%  10.0 MB/s  ETA 6s');
  });

  it('trackFiles: bytes read so far per batch, a finished file counts whole (a short read included)', () => {
    const p = { filesDone: 0, filesTotal: 2, samples: 0, flagged: 0, bytesDone: 0, bytesTotal: 300, startedMs: 0 };
    const t = trackFiles(p);
    t.batch(40, 10);
    t.batch(90, 5);
    expect(p).toMatchObject({ bytesDone: 90, samples: 15, filesDone: 0 });
    t.fileDone(100); // the file was 100 bytes; its last bytes held no record
    t.batch(150, 7); // the second file, 200 bytes, stops early (a corrupt tail)
    t.fileDone(200);
    expect(p).toMatchObject({ bytesDone: 300, samples: 22, filesDone: 2 });
  });

  it('buildRegistry with progress writes the line to stderr, ending at every entry read and 100%', async () => {
    const dir = tempDir('registry-progress');
    const f = writeJsonl(join(dir, 'e.jsonl'), Object.entries(ENTRIES).map(([id, text]) => ({ id, text })));
    const writes: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      await buildRegistry({ inputs: [f], out: join(dir, 'r.csreg'), progress: true, workers: 0 });
    } finally {
      spy.mockRestore();
    }
    const lines = writes.join('').split('\r\x1b[K').filter((l) => l.trim());
    const n = Object.keys(ENTRIES).length;
    expect(lines.at(-1)).toMatch(new RegExp(`^files 1/1  entries ${n}  100\\.0%  .* MB/s  ETA 0s\\nindexing ${n} entries \\(\\d+ fingerprints\\), then writing .*r\\.csreg\\n$`));
  });
});
