/**
 * registry build: reads registry sources with the same readers as scan, fingerprints every entry, marks entries
 * that cannot be attributed, discounts common fingerprints (in > commonDf entries, or in the background corpus of
 * ordinary human text), and writes one versioned index file.
 */
import { availableParallelism } from 'node:os';
import { makeConfig, fingerprintParams, type Config, type ConfigInput } from '../config/index.js';
import { ContamscanError, usageError } from '../errors.js';
import { createFingerprinter, type Fingerprints } from '../fingerprint/index.js';
import { resolveInputs } from '../io/inputs.js';
import { createEntryExecutor, type EntryExecutor } from '../pipeline/executor.js';
import { inOrderQueue } from '../pipeline/inorder.js';
import { terminalProgress, trackFiles, type ProgressState } from '../pipeline/progress.js';
import { readFile, type ReaderOptions } from '../readers/index.js';
import type { SkippedRecord } from '../types.js';
import { TOOL_VERSION } from '../version.js';
import { initXXHash, xx } from './digest.js';
import type { EntryBatch } from './entries.js';
import { COMMON_ENTRY, DF_WEIGHT, ENTRY_FLAG, layoutSections, writeRegistryFile, bytesOf, type RegistryHeader, type TypedArray } from './format.js';
import { bloomAdd, bloomSize, bucketMaskFor, bucketOf, buildKeyTable, KEY2_MASK, keyTableWith, maskBits, mergeSortedRuns, packKey, partitionRows, type KeyTable } from './table.js';
import { I32Vec, U16Vec, Utf8Blob } from './vec.js';

export interface BuildRegistryOptions {
  inputs: string[];
  out: string;
  textField?: string;
  idField?: string;
  /** Tags given to every entry of this build (vendor=openai, model=gpt-4, ...). */
  tags?: Record<string, string>;
  /** Tag key -> dot path read per record. */
  tagFields?: Record<string, string>;
  config?: ConfigInput;
  /**
   * Dot paths of each record's prompt (what the entry answers). Prompt text is human text: its shingles carry no
   * evidence anywhere, and an entry's tokens copied from its own prompt do not count toward its preserved ratio.
   * Default: those of prompt, instruction, input, question present in the record (not the text field itself);
   * [] turns it off.
   */
  promptFields?: string[];
  /** Files of ordinary human text (licences, boilerplate): their fingerprints carry no evidence. */
  background?: string[];
  /** Fail on the first bad record instead of counting it. */
  strict?: boolean;
  /** Progress line on stderr (files, entries, % of bytes, MB/s, ETA); default: when stderr is a terminal. */
  progress?: boolean;
  maxRecordBytes?: number;
  /**
   * Worker threads that fingerprint entries (default: available cores, or 0 below SMALL_BUILD_BYTES = 16 MiB of input);
   * 0 = the main thread. The file is the same for any number.
   */
  workers?: number;
}

/**
 * Inputs smaller than this (as stored) are fingerprinted on the main thread by default: starting the pool cost
 * 0.25 s of a 0.6 s build of 2 MB, and it broke even around 10 MB (bench, 2026-11-23).
 */
export const SMALL_BUILD_BYTES = 16 << 20;

export const DEFAULT_PROMPT_FIELDS = Object.freeze(['prompt', 'instruction', 'input', 'question']);

export interface BuildRegistryResult {
  path: string;
  header: RegistryHeader;
  skipped: SkippedRecord[];
}

/** The stored keys of KeyTable16 rows, in a plain loop (Uint16Array.from with a map function took ~1 s per 100k entries). */
function packedKeys(k1: Int32Array, k2: ArrayLike<number>): Uint32Array {
  const out = new Uint32Array(k1.length);
  for (let i = 0; i < k1.length; i++) out[i] = packKey(k1[i], k2[i]);
  return out;
}

/** f(0), f(1), ... f(n - 1) as a typed array, in a plain loop. */
function column<T extends Int32Array | Float32Array>(n: number, f: (i: number) => number, C: new (n: number) => T): T {
  const out = new C(n);
  for (let i = 0; i < n; i++) out[i] = f(i);
  return out;
}

/** Where runs of the given lengths start when stored back to back, and where the last ends: 0, l0, l0 + l1, ... */
function offsetsOf(lengths: Int32Array): Float64Array {
  const out = new Float64Array(lengths.length + 1);
  for (let i = 0; i < lengths.length; i++) out[i + 1] = out[i] + lengths[i];
  return out;
}

/** Fingerprint keys of ordinary human text (background files and prompts): they carry no evidence. */
class Background {
  k1 = new I32Vec();
  k2 = new I32Vec();
  files = 0;
  add(r: Fingerprints): void {
    for (const ch of [r.text, r.code]) {
      if (!ch) continue;
      for (let i = 0; i < ch.shingles.n; i++) {
        this.k1.push(ch.shingles.f1[i]);
        this.k2.push(ch.shingles.f2[i] & KEY2_MASK); // as the postings' keys (entries.ts)
      }
    }
  }
  table(): KeyTable | null {
    return this.k1.n ? buildKeyTable(this.k1.view(), this.k2.view()).table : null;
  }
}

async function readBackground(paths: string[], config: Config, reader: ReaderOptions, bg: Background): Promise<void> {
  if (!paths.length) return;
  const { files } = await resolveInputs(paths);
  const fp = createFingerprinter(config, 'auto', { signature: false }); // only the shingles are kept
  for (const f of files) {
    for await (const batch of readFile(f, reader)) for (const s of batch.samples) bg.add(fp(s.text));
  }
  bg.files = files.length;
}

interface SortedPostings {
  n: number;
  mask: number;
  /** k1, k2, entry, position * 2 + channel, in key order. */
  cols: [Int32Array, Int32Array, Int32Array, Int32Array];
  keep: Uint8Array;
  dfOf: Uint8Array;
  common: number;
}

/**
 * The postings rows sorted by (bucket, k1, k2, input order), with each key's df or sentinel mark (postings.ts). The
 * first radix pass runs here; the partitions' work runs in the pool over SharedArrayBuffers, in ranges of about equal
 * rows, or here when there is no pool. The vectors' arrays are reused for the sorted rows; with a pool they must be
 * in shared memory.
 */
async function sortPostings(exec: EntryExecutor, vecs: [I32Vec, I32Vec, I32Vec, I32Vec], group: Int32Array, background: KeyTable | null, commonDf: number): Promise<SortedPostings> {
  const n = vecs[0].n;
  const pooled = exec.threads > 0;
  const buf = (bytes: number) => (pooled ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const i32 = (len: number) => new Int32Array(buf(4 * len));
  const cols = vecs.map((v) => v.view()) as [Int32Array, Int32Array, Int32Array, Int32Array];
  if (pooled && !cols.every((c) => c.buffer instanceof SharedArrayBuffer)) throw new ContamscanError('E_INTERNAL', 'postings columns must be in shared memory for the pool');
  const mask = bucketMaskFor(n);
  const b1 = new Uint32Array(buf(4 * n));
  for (let i = 0; i < n; i++) b1[i] = bucketOf(cols[0][i], mask);
  const part = partitionRows(b1, maskBits(mask), cols, new Uint32Array(buf(4 * n)), [i32(n), i32(n), i32(n), i32(n)]);
  // the second pass writes back into b1 and the vectors' own arrays (shared when there is a pool: buildRegistry)
  const out = { keys: b1, cols };
  const keep = new Uint8Array(buf(n)), dfOf = new Uint8Array(buf(n));
  const g = pooled ? i32(group.length) : group;
  if (g !== group) g.set(group);
  // ranges of partitions of about equal rows: ~4 per worker, one without a pool
  const ranges: Array<[number, number]> = [];
  const per = Math.max(1, Math.ceil(n / (4 * exec.threads || 1)));
  for (let p0 = 0, p = 0; p < part.parts; p++)
    if (part.start[p + 1] - part.start[p0] >= per || p + 1 === part.parts) {
      ranges.push([p0, p + 1]);
      p0 = p + 1;
    }
  const counts = await Promise.all(ranges.map(([p0, p1]) => exec.postings({ part, out, group: g, keep, dfOf, commonDf, background, p0, p1 })));
  return { n, mask, cols: out.cols, keep, dfOf, common: counts.reduce((a, c) => a + c, 0) };
}

export async function buildRegistry(opts: BuildRegistryOptions): Promise<BuildRegistryResult> {
  const config = makeConfig(opts.config);
  await initXXHash();
  const { files } = await resolveInputs(opts.inputs);
  const totalBytes = files.reduce((n, f) => n + f.size, 0);
  const workers = opts.workers ?? (totalBytes < SMALL_BUILD_BYTES ? 0 : availableParallelism());
  if (!Number.isInteger(workers) || workers < 0) throw usageError(`--workers must be a non-negative integer, got ${opts.workers}`, { field: 'workers' });
  const promptFields = (opts.promptFields ?? DEFAULT_PROMPT_FIELDS).filter((p) => p !== opts.textField);
  const reader: ReaderOptions = { textField: opts.textField, idField: opts.idField, tagFields: opts.tagFields, maxRecordBytes: opts.maxRecordBytes, promptFields };
  const background = new Background();
  await readBackground(opts.background ?? [], config, { maxRecordBytes: opts.maxRecordBytes }, background);
  let prompts = 0;
  // Entries with identical text form one group: df counts distinct texts, so a registry that holds the same
  // answer twice does not halve the evidence for it.
  const groupOfX1 = new Map<number, number>();
  const textGroups = new Map<string, number>();
  const group = new I32Vec();

  // the postings' columns are sorted by the pool in place (sortPostings), so they live in shared memory when there is one
  const pk1 = new I32Vec(1 << 16, workers > 0), pk2 = new I32Vec(1 << 16, workers > 0), pent = new I32Vec(1 << 16, workers > 0), ppc = new I32Vec(1 << 16, workers > 0);
  const lk1 = new I32Vec(), xk1 = new I32Vec(), xk2 = new I32Vec();
  const tokens = new I32Vec(), ctokens = new I32Vec(), flagsV = new I32Vec(), tagsetV = new I32Vec(), sampledText = new I32Vec(), levels = new I32Vec();
  const ids = new Utf8Blob();
  const ttok = new U16Vec(), ctok = new U16Vec();
  const texts = new Utf8Blob();
  const tagIndex = new Map<string, number>();
  const tagList: string[] = [];
  const tagSetIndex = new Map<string, number>();
  const tagSets: number[][] = [];
  const tagCounts: Record<string, number> = {};
  const skipped: SkippedRecord[] = [];
  let records = 0;
  let skippedCount = 0;
  let e = 0;

  /** Appends one fingerprinted batch; entries get their numbers here, in input order. */
  const append = (b: EntryBatch): void => {
    const columns: Array<[I32Vec | U16Vec, ArrayLike<number>]> = [
      [sampledText, b.textKeys], [levels, b.level], [tokens, b.tokens], [ctokens, b.ctokens], [flagsV, b.flags],
      [xk1, b.x1], [xk2, b.x2], [lk1, b.bands], [pk1, b.k1], [pk2, b.k2], [ppc, b.pc], [ttok, b.ttok], [ctok, b.ctok],
    ];
    for (const [vec, col] of columns) vec.append(col);
    pent.reserve(pent.n + b.k1.length);
    for (let j = 0; j < b.n; j++, e++) {
      const nk = b.textKeys[j] + b.codeKeys[j];
      pent.a.fill(e, pent.n, pent.n + nk);
      pent.n += nk;
      // group: the first entry with the same exact key; keyed by lane 1 alone unless two texts share it
      const x1 = b.x1[j], x2 = b.x2[j];
      let grp = groupOfX1.get(x1);
      if (grp === undefined) groupOfX1.set(x1, (grp = e));
      else if (xk2.a[grp] !== x2) {
        const gk = `${x1}:${x2}`;
        grp = textGroups.get(gk);
        if (grp === undefined) textGroups.set(gk, (grp = e));
      }
      group.push(grp);
    }
  };

  // Batches are fingerprinted in the pool while the next ones are read, and appended in input order.
  const exec = await createEntryExecutor(opts.config ?? {}, workers);
  const inflight = inOrderQueue<{ file: string; rows: [number, number] }, EntryBatch>(
    Math.max(2, exec.threads * 3),
    (_, b) => append(b),
    (p, err) => {
      throw new ContamscanError('E_INTERNAL', `fingerprinting entries failed in ${p.file} rows ${p.rows[0]}-${p.rows[1]}: ${(err as Error).message}`, { file: p.file, row: p.rows[0] }, { cause: err });
    },
  );
  const progress: ProgressState = {
    kind: 'build',
    filesDone: 0,
    filesTotal: files.length,
    samples: 0,
    flagged: 0,
    bytesDone: 0,
    bytesTotal: totalBytes,
    startedMs: Date.now(),
  };
  const term = (opts.progress ?? Boolean(process.stderr.isTTY)) ? terminalProgress() : null;
  const track = trackFiles(progress);
  const bgTable = background.table();
  let postings: SortedPostings;
  try {
    try {
      for (const f of files) {
        for await (const batch of readFile(f, reader)) {
          track.batch(batch.bytesRead, batch.samples.length);
          term?.update(progress);
          records += batch.records;
          for (const s of batch.skipped) {
            skippedCount += s.count;
            if (opts.strict) throw new ContamscanError('E_INPUT', s.message, { file: s.file, row: s.row, field: s.field, reason: s.reason });
            if (skipped.length < 1000) skipped.push(s);
          }
          if (!batch.samples.length) continue;
          for (const s of batch.samples) {
            const all = { ...opts.tags, ...s.tags };
            const pairs = Object.keys(all)
              .sort()
              .map((k) => `${k}=${all[k]}`);
            const setKey = pairs.join('\u0001');
            let ts = tagSetIndex.get(setKey);
            if (ts === undefined) {
              ts = tagSets.length;
              tagSetIndex.set(setKey, ts);
              tagSets.push(
                pairs.map((p) => {
                  let t = tagIndex.get(p);
                  if (t === undefined) {
                    t = tagList.length;
                    tagIndex.set(p, t);
                    tagList.push(p);
                  }
                  return t;
                }),
              );
            }
            for (const p of pairs) tagCounts[p] = (tagCounts[p] ?? 0) + 1;
            tagsetV.push(ts);
            ids.add(s.id);
            texts.add(s.text);
            if (s.prompt) prompts++;
          }
          const ss = batch.samples;
          await inflight.push(
            { file: f.path, rows: [ss[0].row, ss[ss.length - 1].row] },
            exec.run(
              ss.map((s) => s.text),
              ss.map((s) => s.prompt ?? null),
            ),
          );
        }
        track.fileDone(f.size);
      }
      await inflight.drain();
    } finally {
      await inflight.settle();
      term?.update(progress, true);
      term?.done();
    }
    // reading is done (the progress line says 100%); at 1M entries what follows takes ~35 s
    if (term) process.stderr.write(`indexing ${e} entries (${pk1.n} fingerprints), then writing ${opts.out}\n`);
    // Postings: rows in key order (bucket, k1, k2, then input order), moved by a radix sort so that every later pass
    // reads them in order; each key's df, or one sentinel row for a common key. In the pool when there is one.
    postings = await sortPostings(exec, [pk1, pk2, pent, ppc], group.view(), bgTable, config.commonDf);
  } finally {
    await exec.close();
  }
  const nEntries = e;
  const n = postings.n;
  const mask1 = postings.mask;
  const { keep, dfOf, common } = postings;
  const [sk1, sk2, sent, spc] = postings.cols;
  let m = 0;
  for (let i = 0; i < n; i++) if (keep[i]) m++;
  let k1 = new Int32Array(m), k2 = new Uint16Array(m), entry = new Uint32Array(m), poschan = new Uint32Array(m);
  let pdf = new Uint8Array(m); // 0 on common rows
  // Per entry [text weight, text count, code weight, code count] side by side, so a row's update touches one cache
  // line: the rows come in key order, so entries at random, and at 1M entries four separate arrays missed twice a row.
  // The same float32 additions in the same order as before.
  const acc = new ArrayBuffer(16 * nEntries);
  const accW = new Float32Array(acc), accN = new Uint32Array(acc);
  for (let i = 0, w = 0; i < n; i++) {
    if (!keep[i]) continue;
    k1[w] = sk1[i];
    k2[w] = sk2[i];
    if (keep[i] === 2) {
      entry[w] = COMMON_ENTRY;
      poschan[w] = 0;
    } else {
      const en = sent[i];
      entry[w] = en;
      poschan[w] = spc[i];
      pdf[w] = dfOf[i];
      const a = 4 * en + 2 * (spc[i] & 1);
      accW[a] += DF_WEIGHT[dfOf[i]];
      accN[a + 1]++;
    }
    w++;
  }
  const wtext = column(nEntries, (x) => accW[4 * x], Float32Array);
  const wcode = column(nEntries, (x) => accW[4 * x + 2], Float32Array);
  // The directory is sized for the rows kept: common keys collapse to one row each, which at 1M entries of
  // near-copies halved the rows, and a directory sized before that was 2.9 bytes a row instead of ~1. Rows move
  // to their new buckets stably, so equal keys stay together and in order.
  const mask2 = bucketMaskFor(m);
  const dir = new Uint32Array(mask2 + 2);
  {
    const b2 = new Uint32Array(m);
    for (let i = 0; i < m; i++) b2[i] = bucketOf(k1[i], mask2);
    // The rows are in bucket order under mask1 (above): under mask2, a sub-mask, that is 2^d runs each in bucket
    // order, one run per value of the bits mask1 has beyond mask2.
    const d = maskBits(mask1) - maskBits(mask2);
    if (d > 0) {
      const starts: number[] = [];
      const shift = maskBits(mask2);
      for (let i = 0, prev = -1; i < m; i++) {
        const run = bucketOf(k1[i], mask1) >>> shift;
        if (run !== prev) starts.push(i);
        prev = run;
      }
      [k1, k2, entry, poschan, pdf] = mergeSortedRuns(b2, starts, [k1, k2, entry, poschan, pdf]);
    }
    for (let i = 0; i < m; i++) dir[bucketOf(k1[i], mask2) + 1]++; // in bucket order now: sequential
    for (let b = 0; b <= mask2; b++) dir[b + 1] += dir[b];
  }
  const bloom = new Uint32Array(bloomSize(m));
  for (let x = 0; x < m; x++) bloomAdd(bloom, k1[x], k2[x]);

  const flags = new Uint32Array(flagsV.view());
  const lowEvidence = { short: 0, low_variety: 0, mostly_common: 0 };
  for (let x = 0; x < nEntries; x++) {
    const ntext = accN[4 * x + 1], ncode = accN[4 * x + 3];
    if (sampledText.a[x] >= 4 && ntext * 2 < sampledText.a[x] && ncode < 4) flags[x] |= ENTRY_FLAG.COMMON;
    if (flags[x] & ENTRY_FLAG.SHORT) lowEvidence.short++;
    if (flags[x] & ENTRY_FLAG.LOW_VARIETY) lowEvidence.low_variety++;
    if (flags[x] & ENTRY_FLAG.COMMON) lowEvidence.mostly_common++;
  }

  // LSH rows: entry e's bands in order, so a row's band index and entry follow from its number
  const nb = config.bands;
  const lsh = keyTableWith(lk1.view(), column(nEntries * nb, (i) => i % nb, Int32Array), column(nEntries * nb, (i) => Math.floor(i / nb), Int32Array)); // band index < 512: fits the key's low 16 bits (packKey)
  const lshEntry = new Uint32Array(lsh.payload);
  const ex = keyTableWith(xk1.view(), xk2.view(), column(nEntries, (i) => i, Int32Array));
  const exEntry = new Uint32Array(ex.payload);

  const sections: Array<[string, TypedArray]> = [
    ['post.dir', dir], ['post.key', packedKeys(k1, k2)], ['post.entry', entry], ['post.poschan', poschan], ['post.df', pdf], ['post.bloom', bloom],
    ['lsh.dir', lsh.table.dir], ['lsh.key', packedKeys(lsh.table.k1, lsh.table.k2)], ['lsh.entry', lshEntry],
    ['exact.dir', ex.table.dir], ['exact.k1', ex.table.k1], ['exact.k2', ex.table.k2], ['exact.entry', exEntry],
    ['ent.tokens', new Uint32Array(tokens.view())], ['ent.ctokens', new Uint32Array(ctokens.view())], ['ent.wtext', wtext], ['ent.wcode', wcode],
    ['ent.level', new Uint32Array(levels.view())], ['ent.flags', flags],
    ['ent.tagset', new Uint32Array(tagsetV.view())],
    ['tok.off', offsetsOf(tokens.view())], ['ctok.off', offsetsOf(ctokens.view())],
    // Not loaded into memory (load.ts): ids decoded on demand, token hashes read per verified candidate, texts for evidence.
    ['ids.off', new Float64Array(ids.offsets)], ['ids.blob', ids.bytes()],
    ['tok.h16', ttok.view()], ['ctok.h16', ctok.view()],
    ['text.off', new Float64Array(texts.offsets)], ['text.blob', texts.bytes()],
  ];
  const { infos } = layoutSections(sections);
  const hasher = xx().create64(BigInt(config.seed));
  for (const [, arr] of sections) hasher.update(bytesOf(arr));
  const header: RegistryHeader = {
    format: 'contamscan-registry',
    version: 1,
    tool_version: TOOL_VERSION,
    created_at: new Date().toISOString(),
    fingerprint_id: config.fingerprintId,
    params: fingerprintParams(config),
    entries: nEntries,
    low_evidence: lowEvidence,
    tag_counts: tagCounts,
    tags: tagList,
    tag_sets: tagSets,
    fingerprints: { postings: m - common, common, lsh: lshEntry.length },
    sources: { files: files.length, records, skipped: skippedCount },
    background: { files: background.files, prompts, fingerprints: bgTable ? bgTable.k1.length : 0 },
    digest: hasher.digest().toString(16).padStart(16, '0'),
    sections: infos,
  };
  await writeRegistryFile(opts.out, header, sections);
  return { path: opts.out, header, skipped };
}
