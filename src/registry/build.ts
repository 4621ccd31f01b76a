/**
 * registry build: reads registry sources with the same readers as scan, fingerprints every entry, marks entries
 * that cannot be attributed, discounts common fingerprints (in > commonDf entries, or in the background corpus of
 * ordinary human text), and writes one versioned index file.
 */
import { makeConfig, fingerprintParams, type Config, type ConfigInput } from '../config/index.js';
import { ContamscanError } from '../errors.js';
import { createFingerprinter, type ChannelFingerprints } from '../fingerprint/index.js';
import { bandKeys } from '../fingerprint/lsh.js';
import { resolveInputs } from '../io/inputs.js';
import { readFile, type ReaderOptions } from '../readers/index.js';
import type { SkippedRecord } from '../types.js';
import { TOOL_VERSION } from '../version.js';
import { exactKey, initXXHash, xx } from './digest.js';
import { COMMON_ENTRY, ENTRY_FLAG, layoutSections, writeRegistryFile, bytesOf, type RegistryHeader, type TypedArray } from './format.js';
import { buildKeyTable, bucketOf, findKey, type KeyTable } from './table.js';
import { I32Vec } from './vec.js';

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
  /** Files of ordinary human text (licences, boilerplate): their fingerprints carry no evidence. */
  background?: string[];
  /** Fail on the first bad record instead of counting it. */
  strict?: boolean;
  maxRecordBytes?: number;
}

export interface BuildRegistryResult {
  path: string;
  header: RegistryHeader;
  skipped: SkippedRecord[];
}

class Blob {
  chunks: Buffer[] = [];
  size = 0;
  offsets: number[] = [0];
  add(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.chunks.push(b);
    this.size += b.length;
    this.offsets.push(this.size);
  }
  bytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.chunks, this.size));
  }
}

function pushChannel(ch: ChannelFingerprints | null, e: number, k1: I32Vec, k2: I32Vec, ent: I32Vec, pc: I32Vec): number {
  if (!ch) return 0;
  const f1 = ch.shingles.f1;
  const f2 = ch.shingles.f2;
  for (let j = 0; j < ch.nSampled; j++) {
    const i = ch.sampled[j];
    k1.push(f1[i]);
    k2.push(f2[i]);
    ent.push(e);
    pc.push(i * 2 + ch.channel);
  }
  return ch.nSampled;
}

async function backgroundTable(paths: string[], config: Config, reader: ReaderOptions): Promise<{ table: KeyTable | null; files: number }> {
  if (!paths.length) return { table: null, files: 0 };
  const { files } = await resolveInputs(paths);
  const fp = createFingerprinter(config);
  const k1 = new I32Vec();
  const k2 = new I32Vec();
  const dummy = new I32Vec();
  for (const f of files) {
    for await (const batch of readFile(f, reader)) {
      for (const s of batch.samples) {
        const r = fp(s.text);
        pushChannel(r.text, 0, k1, k2, dummy, dummy);
        pushChannel(r.code, 0, k1, k2, dummy, dummy);
        dummy.n = 0;
      }
    }
  }
  return { table: buildKeyTable(k1.view(), k2.view()).table, files: files.length };
}

export async function buildRegistry(opts: BuildRegistryOptions): Promise<BuildRegistryResult> {
  const config = makeConfig(opts.config);
  await initXXHash();
  const { files } = await resolveInputs(opts.inputs);
  const reader: ReaderOptions = { textField: opts.textField, idField: opts.idField, tagFields: opts.tagFields, maxRecordBytes: opts.maxRecordBytes };
  const bg = await backgroundTable(opts.background ?? [], config, { maxRecordBytes: opts.maxRecordBytes });
  const fp = createFingerprinter(config);

  const pk1 = new I32Vec(1 << 16), pk2 = new I32Vec(1 << 16), pent = new I32Vec(1 << 16), ppc = new I32Vec(1 << 16);
  const lk1 = new I32Vec(), lk2 = new I32Vec(), lent = new I32Vec();
  const xk1 = new I32Vec(), xk2 = new I32Vec(), xent = new I32Vec();
  const tokens = new I32Vec(), flagsV = new I32Vec(), tagsetV = new I32Vec(), sampledText = new I32Vec();
  const ids = new Blob();
  const texts = new Blob();
  const tagIndex = new Map<string, number>();
  const tagList: string[] = [];
  const tagSetIndex = new Map<string, number>();
  const tagSets: number[][] = [];
  const tagCounts: Record<string, number> = {};
  const band = new Int32Array(config.bands);
  const skipped: SkippedRecord[] = [];
  let records = 0;
  let skippedCount = 0;
  let e = 0;
  const variety = new Set<number>();

  for (const f of files) {
    for await (const batch of readFile(f, reader)) {
      records += batch.records;
      for (const s of batch.skipped) {
        skippedCount += s.count;
        if (opts.strict) throw new ContamscanError('E_INPUT', s.message, { file: s.file, row: s.row, field: s.field, reason: s.reason });
        if (skipped.length < 1000) skipped.push(s);
      }
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

        const r = fp(s.text);
        sampledText.push(pushChannel(r.text, e, pk1, pk2, pent, ppc));
        pushChannel(r.code, e, pk1, pk2, pent, ppc);
        bandKeys(r.sig, config.bands, band);
        for (let b = 0; b < config.bands; b++) {
          lk1.push(band[b]);
          lk2.push(b);
          lent.push(e);
        }
        const [x1, x2] = exactKey(s.text, config.seed);
        xk1.push(x1);
        xk2.push(x2);
        xent.push(e);
        tokens.push(r.text.tokens.n);
        variety.clear();
        const sh = r.text.shingles;
        for (let i = 0; i < sh.n; i++) variety.add(sh.f1[i]);
        let flags = 0;
        if (r.text.tokens.n < config.minEntryTokens) flags |= ENTRY_FLAG.SHORT;
        if (sh.n >= 8 && variety.size / sh.n < config.minEntryVariety) flags |= ENTRY_FLAG.LOW_VARIETY;
        flagsV.push(flags);
        e++;
      }
    }
  }
  const nEntries = e;

  // Postings: group equal keys, count distinct entries per key, replace common keys by one sentinel row.
  const { table, order } = buildKeyTable(pk1.view(), pk2.view());
  const n = order.length;
  const keep = new Uint8Array(n); // 1 keep, 2 sentinel, 0 drop
  let common = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && table.k1[j] === table.k1[i] && table.k2[j] === table.k2[i]) j++;
    let df = 1;
    for (let x = i + 1; x < j; x++) if (pent.a[order[x]] !== pent.a[order[x - 1]]) df++;
    const inBackground = bg.table !== null && findKey(bg.table, table.k1[i], table.k2[i]) >= 0;
    if (df > config.commonDf || inBackground) {
      keep[i] = 2;
      common++;
    } else for (let x = i; x < j; x++) keep[x] = 1;
    i = j;
  }
  let m = 0;
  for (let i = 0; i < n; i++) if (keep[i]) m++;
  const dir = new Uint32Array(table.mask + 2);
  const k1 = new Int32Array(m), k2 = new Int32Array(m), entry = new Uint32Array(m), poschan = new Uint32Array(m);
  const evtext = new Uint32Array(nEntries), evcode = new Uint32Array(nEntries);
  for (let i = 0, w = 0; i < n; i++) {
    if (!keep[i]) continue;
    k1[w] = table.k1[i];
    k2[w] = table.k2[i];
    dir[bucketOf(k1[w], table.mask) + 1]++;
    if (keep[i] === 2) {
      entry[w] = COMMON_ENTRY;
      poschan[w] = 0;
    } else {
      const src = order[i];
      entry[w] = pent.a[src];
      poschan[w] = ppc.a[src];
      if ((poschan[w] & 1) === 0) evtext[entry[w]]++;
      else evcode[entry[w]]++;
    }
    w++;
  }
  for (let b = 0; b <= table.mask; b++) dir[b + 1] += dir[b];

  const flags = new Uint32Array(flagsV.view());
  const lowEvidence = { short: 0, low_variety: 0, mostly_common: 0 };
  for (let x = 0; x < nEntries; x++) {
    if (sampledText.a[x] >= 4 && evtext[x] * 2 < sampledText.a[x] && evcode[x] < 4) flags[x] |= ENTRY_FLAG.COMMON;
    if (flags[x] & ENTRY_FLAG.SHORT) lowEvidence.short++;
    if (flags[x] & ENTRY_FLAG.LOW_VARIETY) lowEvidence.low_variety++;
    if (flags[x] & ENTRY_FLAG.COMMON) lowEvidence.mostly_common++;
  }

  const lsh = buildKeyTable(lk1.view(), lk2.view());
  const lshEntry = new Uint32Array(lsh.order.length);
  for (let i = 0; i < lsh.order.length; i++) lshEntry[i] = lent.a[lsh.order[i]];
  const ex = buildKeyTable(xk1.view(), xk2.view());
  const exEntry = new Uint32Array(ex.order.length);
  for (let i = 0; i < ex.order.length; i++) exEntry[i] = xent.a[ex.order[i]];

  const sections: Array<[string, TypedArray]> = [
    ['post.dir', dir], ['post.k1', k1], ['post.k2', k2], ['post.entry', entry], ['post.poschan', poschan],
    ['lsh.dir', lsh.table.dir], ['lsh.k1', lsh.table.k1], ['lsh.k2', lsh.table.k2], ['lsh.entry', lshEntry],
    ['exact.dir', ex.table.dir], ['exact.k1', ex.table.k1], ['exact.k2', ex.table.k2], ['exact.entry', exEntry],
    ['ent.tokens', new Uint32Array(tokens.view())], ['ent.evtext', evtext], ['ent.evcode', evcode], ['ent.flags', flags],
    ['ent.tagset', new Uint32Array(tagsetV.view())],
    ['ids.off', new Float64Array(ids.offsets)], ['ids.blob', ids.bytes()],
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
    background: { files: bg.files, fingerprints: bg.table ? bg.table.k1.length : 0 },
    digest: hasher.digest().toString(16).padStart(16, '0'),
    sections: infos,
  };
  await writeRegistryFile(opts.out, header, sections);
  return { path: opts.out, header, skipped };
}
