/**
 * registry build: reads registry sources with the same readers as scan, fingerprints every entry, marks entries
 * that cannot be attributed, discounts common fingerprints (in > commonDf entries, or in the background corpus of
 * ordinary human text), and writes one versioned index file.
 */
import { makeConfig, fingerprintParams, type Config, type ConfigInput } from '../config/index.js';
import { ContamscanError } from '../errors.js';
import { createFingerprinter, densityLevel, minCodeTokens, selectedAt, tooShortToAttribute, type ChannelFingerprints, type Fingerprints } from '../fingerprint/index.js';
import { bandKeys } from '../fingerprint/lsh.js';
import { resolveInputs } from '../io/inputs.js';
import { readFile, type ReaderOptions } from '../readers/index.js';
import type { SkippedRecord } from '../types.js';
import { TOOL_VERSION } from '../version.js';
import { exactKey, initXXHash, xx } from './digest.js';
import { COMMON_ENTRY, DF_WEIGHT, ENTRY_FLAG, layoutSections, writeRegistryFile, bytesOf, type RegistryHeader, type TypedArray } from './format.js';
import { bloomAdd, bloomSize, buildKeyTable, findKey, KEY2_MASK, packKey, rebucket, type KeyTable } from './table.js';
import { I32Vec, U16Vec } from './vec.js';
import { PROMPT_TOKEN, TOKEN_HASH_MASK } from '../match/lcs.js';

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
  maxRecordBytes?: number;
}

export const DEFAULT_PROMPT_FIELDS = Object.freeze(['prompt', 'instruction', 'input', 'question']);

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

/** The stored keys of KeyTable16 rows, in a plain loop (Uint16Array.from with a map function took ~1 s per 100k entries). */
function packedKeys(k1: Int32Array, k2: ArrayLike<number>): Uint32Array {
  const out = new Uint32Array(k1.length);
  for (let i = 0; i < k1.length; i++) out[i] = packKey(k1[i], k2[i]);
  return out;
}

/** Appends the channel's shingles selected at sampling level lvl, except those in `skip`; returns how many. */
function pushChannel(
  ch: ChannelFingerprints | null,
  lvl: number,
  e: number,
  k1: I32Vec,
  k2: I32Vec,
  ent: I32Vec,
  pc: I32Vec,
  skip?: Set<number>,
): number {
  if (!ch) return 0;
  const f1 = ch.shingles.f1;
  const f2 = ch.shingles.f2;
  let m = 0;
  for (let i = 0; i < ch.shingles.n; i++) {
    if (!selectedAt(f2[i], lvl)) continue;
    if (skip && skip.size && skip.has(f1[i])) continue;
    k1.push(f1[i]);
    k2.push(f2[i] & KEY2_MASK); // 48-bit keys (table.ts KeyTable16)
    ent.push(e);
    pc.push(i * 2 + ch.channel);
    m++;
  }
  return m;
}

/** Fingerprint keys of ordinary human text (background files and prompts): they carry no evidence. */
class Background {
  k1 = new I32Vec();
  k2 = new I32Vec();
  files = 0;
  private dummy = new I32Vec();
  add(r: Fingerprints): void {
    for (const ch of [r.text, r.code]) {
      pushChannel(ch, 0, 0, this.k1, this.k2, this.dummy, this.dummy);
      this.dummy.n = 0;
    }
  }
  table(): KeyTable | null {
    return this.k1.n ? buildKeyTable(this.k1.view(), this.k2.view()).table : null;
  }
}

async function readBackground(paths: string[], config: Config, reader: ReaderOptions, bg: Background): Promise<void> {
  if (!paths.length) return;
  const { files } = await resolveInputs(paths);
  const fp = createFingerprinter(config);
  for (const f of files) {
    for await (const batch of readFile(f, reader)) for (const s of batch.samples) bg.add(fp(s.text));
  }
  bg.files = files.length;
}

const pairKey = (a: number, b: number) => Math.imul(a, 0x9e3779b1) ^ b;

/** Token-pair keys of a prompt channel. */
function promptPairs(ch: ChannelFingerprints | null, out: Set<number>): void {
  out.clear();
  if (!ch) return;
  const h = ch.tokens.h1;
  for (let i = 0; i + 1 < ch.tokens.n; i++) out.add(pairKey(h[i], h[i + 1]));
}

/**
 * Marks (with 1) the tokens of ch that stand in a token pair also found in the prompt: words the entry copied
 * from its own prompt (names, figures, quoted passages), which are not the rival's own output. Token pairs, not
 * shingles, so that an answer that reorders or reformats the prompt's data is caught too.
 */
function promptMask(ch: ChannelFingerprints, pairs: Set<number>, mask: Uint8Array): void {
  mask.fill(0, 0, ch.tokens.n);
  if (!pairs.size) return;
  const h = ch.tokens.h1;
  for (let i = 0; i + 1 < ch.tokens.n; i++) if (pairs.has(pairKey(h[i], h[i + 1]))) mask[i] = mask[i + 1] = 1;
}

export async function buildRegistry(opts: BuildRegistryOptions): Promise<BuildRegistryResult> {
  const config = makeConfig(opts.config);
  await initXXHash();
  const { files } = await resolveInputs(opts.inputs);
  const promptFields = (opts.promptFields ?? DEFAULT_PROMPT_FIELDS).filter((p) => p !== opts.textField);
  const reader: ReaderOptions = { textField: opts.textField, idField: opts.idField, tagFields: opts.tagFields, maxRecordBytes: opts.maxRecordBytes, promptFields };
  const background = new Background();
  await readBackground(opts.background ?? [], config, { maxRecordBytes: opts.maxRecordBytes }, background);
  const fp = createFingerprinter(config);
  const fpPrompt = createFingerprinter(config);
  const promptKeys: [Set<number>, Set<number>] = [new Set(), new Set()];
  const promptShingles: [Set<number>, Set<number>] = [new Set(), new Set()];
  let mask = new Uint8Array(4096);
  let prompts = 0;
  // Entries with identical text form one group: df counts distinct texts, so a registry that holds the same
  // answer twice does not halve the evidence for it.
  const textGroups = new Map<string, number>();
  const group = new I32Vec();

  const pk1 = new I32Vec(1 << 16), pk2 = new I32Vec(1 << 16), pent = new I32Vec(1 << 16), ppc = new I32Vec(1 << 16);
  const lk1 = new I32Vec(), lk2 = new I32Vec(), lent = new I32Vec();
  const xk1 = new I32Vec(), xk2 = new I32Vec(), xent = new I32Vec();
  const tokens = new I32Vec(), ctokens = new I32Vec(), flagsV = new I32Vec(), tagsetV = new I32Vec(), sampledText = new I32Vec(), levels = new I32Vec();
  const ids = new Blob();
  const ttok = new U16Vec(), ctok = new U16Vec();
  const ttokOff: number[] = [0], ctokOff: number[] = [0];
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
  let varietyScratch = new Int32Array(4096); // distinct shingles of an entry: sort a copy and count (a Set cost ~1 s per 100k entries)

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

        // The entry's prompt is human text: shingles the entry shares with its own prompt are not indexed for it,
        // and its tokens that stand in a token pair of the prompt do not count as its own words.
        for (const set of [...promptKeys, ...promptShingles]) set.clear();
        if (s.prompt) {
          prompts++;
          const pr = fpPrompt(s.prompt, true);
          promptPairs(pr.text, promptKeys[0]);
          promptPairs(pr.code, promptKeys[1]);
          for (let i = 0; i < pr.text.shingles.n; i++) promptShingles[0].add(pr.text.shingles.f1[i]);
          for (let i = 0; pr.code && i < pr.code.shingles.n; i++) promptShingles[1].add(pr.code.shingles.f1[i]);
        }
        const r = fp(s.text);
        // The code channel of an entry is indexed only when it has enough code tokens to attribute on its own.
        if (r.code && r.code.tokens.n < minCodeTokens(config.minEntryTokens)) r.code = null;
        const lt = densityLevel(r.text.shingles.n, config.sampleMod, config.minFingerprints);
        const lc = r.code ? densityLevel(r.code.shingles.n, config.sampleMod, config.minFingerprints) : 0;
        levels.push(lt | (lc << 8));
        sampledText.push(pushChannel(r.text, lt, e, pk1, pk2, pent, ppc, promptShingles[0]));
        pushChannel(r.code, lc, e, pk1, pk2, pent, ppc, promptShingles[1]);
        bandKeys(r.sig, config.bands, band);
        for (let b = 0; b < config.bands; b++) {
          lk1.push(band[b]);
          lk2.push(b);
          lent.push(e);
        }
        const [x1, x2] = exactKey(s.text, config.seed);
        const gk = `${x1}:${x2}`;
        let grp = textGroups.get(gk);
        if (grp === undefined) textGroups.set(gk, (grp = e));
        group.push(grp);
        xk1.push(x1);
        xk2.push(x2);
        xent.push(e);
        tokens.push(r.text.tokens.n);
        // 15-bit token hashes for the preserved-token ratio; bit 15 marks a token copied from the entry's own prompt.
        if (mask.length < Math.max(r.text.tokens.n, r.code?.tokens.n ?? 0)) mask = new Uint8Array(2 * Math.max(r.text.tokens.n, r.code?.tokens.n ?? 0));
        promptMask(r.text, promptKeys[0], mask);
        for (let i = 0; i < r.text.tokens.n; i++) ttok.push((r.text.tokens.h1[i] & TOKEN_HASH_MASK) | (mask[i] ? PROMPT_TOKEN : 0));
        ttokOff.push(ttok.n);
        if (r.code) {
          promptMask(r.code, promptKeys[1], mask);
          for (let i = 0; i < r.code.tokens.n; i++) ctok.push((r.code.tokens.h1[i] & TOKEN_HASH_MASK) | (mask[i] ? PROMPT_TOKEN : 0));
        }
        ctokOff.push(ctok.n);
        ctokens.push(r.code ? r.code.tokens.n : 0);

        const sh = r.text.shingles;
        if (varietyScratch.length < sh.n) varietyScratch = new Int32Array(2 * sh.n);
        const sorted = varietyScratch.subarray(0, sh.n);
        sorted.set(sh.f1.subarray(0, sh.n));
        sorted.sort();
        let distinct = sh.n > 0 ? 1 : 0;
        for (let i = 1; i < sh.n; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
        let flags = 0;
        // Short: too few words, unless it is code with enough code tokens (where the code channel holds the evidence).
        if (tooShortToAttribute(r.text.tokens.n, r.code ? r.code.tokens.n : 0, config.minEntryTokens)) flags |= ENTRY_FLAG.SHORT;
        if (sh.n >= 8 && distinct / sh.n < config.minEntryVariety) flags |= ENTRY_FLAG.LOW_VARIETY;
        flagsV.push(flags);
        e++;
      }
    }
  }
  const nEntries = e;

  const bgTable = background.table();
  // Postings: group equal keys, count distinct entries per key, replace common keys by one sentinel row.
  const { table, order } = buildKeyTable(pk1.view(), pk2.view());
  const n = order.length;
  const keep = new Uint8Array(n); // 1 keep, 2 sentinel, 0 drop
  const dfOf = new Uint8Array(n); // df of the row's key (<= commonDf <= 255); its weight is DF_WEIGHT[df]
  let common = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && table.k1[j] === table.k1[i] && table.k2[j] === table.k2[i]) j++;
    let df = 0;
    for (let x = i; x < j; x++) {
      const gx = group.a[pent.a[order[x]]];
      let seen = false;
      for (let y = i; y < x && !seen; y++) seen = group.a[pent.a[order[y]]] === gx;
      if (!seen) df++;
      if (df > config.commonDf) break;
    }
    const inBackground = bgTable !== null && findKey(bgTable, table.k1[i], table.k2[i]) >= 0;
    if (df > config.commonDf || inBackground) {
      keep[i] = 2;
      common++;
    } else
      for (let x = i; x < j; x++) {
        keep[x] = 1;
        dfOf[x] = df;
      }
    i = j;
  }
  let m = 0;
  for (let i = 0; i < n; i++) if (keep[i]) m++;
  const k1 = new Int32Array(m), k2 = new Uint16Array(m), entry = new Uint32Array(m), poschan = new Uint32Array(m);
  const pdf = new Uint8Array(m); // 0 on common rows
  const wtext = new Float32Array(nEntries), wcode = new Float32Array(nEntries);
  const ntext = new Uint32Array(nEntries), ncode = new Uint32Array(nEntries);
  for (let i = 0, w = 0; i < n; i++) {
    if (!keep[i]) continue;
    k1[w] = table.k1[i];
    k2[w] = table.k2[i];
    if (keep[i] === 2) {
      entry[w] = COMMON_ENTRY;
      poschan[w] = 0;
    } else {
      const src = order[i];
      entry[w] = pent.a[src];
      poschan[w] = ppc.a[src];
      pdf[w] = dfOf[i];
      if ((poschan[w] & 1) === 0) {
        wtext[entry[w]] += DF_WEIGHT[dfOf[i]];
        ntext[entry[w]]++;
      } else {
        wcode[entry[w]] += DF_WEIGHT[dfOf[i]];
        ncode[entry[w]]++;
      }
    }
    w++;
  }
  // The directory is sized for the rows kept: common keys collapse to one row each, which at 1M entries of
  // near-copies halved the rows, and a directory sized before that was 2.9 bytes a row instead of ~1.
  const rb = rebucket(k1);
  const dir = rb.dir;
  {
    const permute = <T extends Int32Array | Uint16Array | Uint32Array | Uint8Array>(a: T): void => {
      const c = a.slice() as T;
      for (let i = 0; i < m; i++) a[i] = c[rb.order[i]];
    };
    permute(k1);
    permute(k2);
    permute(entry);
    permute(poschan);
    permute(pdf);
  }
  const bloom = new Uint32Array(bloomSize(m));
  for (let x = 0; x < m; x++) bloomAdd(bloom, k1[x], k2[x]);

  const flags = new Uint32Array(flagsV.view());
  const lowEvidence = { short: 0, low_variety: 0, mostly_common: 0 };
  for (let x = 0; x < nEntries; x++) {
    if (sampledText.a[x] >= 4 && ntext[x] * 2 < sampledText.a[x] && ncode[x] < 4) flags[x] |= ENTRY_FLAG.COMMON;
    if (flags[x] & ENTRY_FLAG.SHORT) lowEvidence.short++;
    if (flags[x] & ENTRY_FLAG.LOW_VARIETY) lowEvidence.low_variety++;
    if (flags[x] & ENTRY_FLAG.COMMON) lowEvidence.mostly_common++;
  }

  const lsh = buildKeyTable(lk1.view(), lk2.view()); // k2 = band index < 512: fits the key's low 16 bits (packKey)
  const lshEntry = new Uint32Array(lsh.order.length);
  for (let i = 0; i < lsh.order.length; i++) lshEntry[i] = lent.a[lsh.order[i]];
  const ex = buildKeyTable(xk1.view(), xk2.view());
  const exEntry = new Uint32Array(ex.order.length);
  for (let i = 0; i < ex.order.length; i++) exEntry[i] = xent.a[ex.order[i]];

  const sections: Array<[string, TypedArray]> = [
    ['post.dir', dir], ['post.key', packedKeys(k1, k2)], ['post.entry', entry], ['post.poschan', poschan], ['post.df', pdf], ['post.bloom', bloom],
    ['lsh.dir', lsh.table.dir], ['lsh.key', packedKeys(lsh.table.k1, lsh.table.k2)], ['lsh.entry', lshEntry],
    ['exact.dir', ex.table.dir], ['exact.k1', ex.table.k1], ['exact.k2', ex.table.k2], ['exact.entry', exEntry],
    ['ent.tokens', new Uint32Array(tokens.view())], ['ent.ctokens', new Uint32Array(ctokens.view())], ['ent.wtext', wtext], ['ent.wcode', wcode],
    ['ent.level', new Uint32Array(levels.view())], ['ent.flags', flags],
    ['ent.tagset', new Uint32Array(tagsetV.view())],
    ['tok.off', new Float64Array(ttokOff)], ['ctok.off', new Float64Array(ctokOff)],
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
