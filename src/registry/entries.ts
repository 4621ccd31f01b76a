/**
 * The per-entry half of `registry build`: fingerprints a batch of entry texts (and their prompts) into flat typed
 * arrays that build.ts appends in input order. It runs in the build's worker pool (workers/build-worker.ts) or
 * inline; either way an entry's result depends only on its own text, prompt and the config, so the registry file is
 * the same for any number of workers.
 */
import { makeConfig, type Config, type ConfigInput } from '../config/index.js';
import { createFingerprinter, densityLevel, minCodeTokens, selectedAt, tooShortToAttribute, type ChannelFingerprints, type Fingerprinter } from '../fingerprint/index.js';
import { bandKeys } from '../fingerprint/lsh.js';
import { PROMPT_TOKEN, TOKEN_HASH_MASK } from '../match/lcs.js';
import { exactKey, initXXHash } from './digest.js';
import { ENTRY_FLAG } from './format.js';
import { KEY2_MASK } from './table.js';
import { I32Vec, U16Vec } from './vec.js';

/** What fingerprintEntries returns for n entries: structured-clonable columns, no per-entry objects. */
export interface EntryBatch {
  n: number;
  /** Per entry: sampling levels, text | code << 8. */
  level: Int32Array;
  /** Per entry: text-channel shingles indexed (selected at the level, not in the prompt), then code-channel ones. */
  textKeys: Int32Array;
  codeKeys: Int32Array;
  /** Per entry: word tokens, and code tokens when the code channel is indexed (else 0): also the entry's counts in ttok and ctok. */
  tokens: Int32Array;
  ctokens: Int32Array;
  /** Per entry: ENTRY_FLAG.SHORT / LOW_VARIETY (COMMON needs the whole registry: build.ts). */
  flags: Int32Array;
  /** Per entry: exactKey of the text, two lanes. */
  x1: Int32Array;
  x2: Int32Array;
  /** Indexed shingles of every entry, text channel then code channel, entries in order: lane 1, lane 2 (KEY2_MASK), position * 2 + channel. */
  k1: Int32Array;
  k2: Int32Array;
  pc: Int32Array;
  /** LSH band keys, `bands` per entry. */
  bands: Int32Array;
  /** 15-bit token hashes, PROMPT_TOKEN set on tokens copied from the entry's prompt; text channel, code channel. */
  ttok: Uint16Array;
  ctok: Uint16Array;
}

export interface EntryState {
  config: Config;
  fp: Fingerprinter;
  fpPrompt: Fingerprinter;
  promptKeys: [Set<number>, Set<number>];
  promptShingles: [Set<number>, Set<number>];
  mask: Uint8Array;
  /** distinctCount's table. */
  vkeys: Int32Array;
  vstamp: Uint32Array;
  vgen: number;
  band: Int32Array;
}

export async function prepareEntryState(config: ConfigInput): Promise<EntryState> {
  await initXXHash();
  const c = makeConfig(config);
  return {
    config: c,
    fp: createFingerprinter(c),
    fpPrompt: createFingerprinter(c, 'auto', { signature: false }), // a prompt's MinHash is never used
    promptKeys: [new Set(), new Set()],
    promptShingles: [new Set(), new Set()],
    mask: new Uint8Array(4096),
    vkeys: new Int32Array(0),
    vstamp: new Uint32Array(0),
    vgen: 0,
    band: new Int32Array(c.bands),
  };
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

/** Appends the channel's shingles selected at sampling level lvl, except those in `skip`; returns how many. */
function pushChannel(ch: ChannelFingerprints | null, lvl: number, k1: I32Vec, k2: I32Vec, pc: I32Vec, skip: Set<number>): number {
  if (!ch) return 0;
  const { f1, f2, n } = ch.shingles;
  k1.reserve(k1.n + n);
  k2.reserve(k2.n + n);
  pc.reserve(pc.n + n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (!selectedAt(f2[i], lvl)) continue;
    if (skip.size && skip.has(f1[i])) continue;
    k1.a[k1.n++] = f1[i];
    k2.a[k2.n++] = f2[i] & KEY2_MASK; // 48-bit keys (table.ts KeyTable16)
    pc.a[pc.n++] = i * 2 + ch.channel;
    m++;
  }
  return m;
}

/** Appends the channel's 15-bit token hashes, with PROMPT_TOKEN on tokens copied from the prompt. */
function pushTokens(ch: ChannelFingerprints, pairs: Set<number>, mask: Uint8Array, out: U16Vec): void {
  const n = ch.tokens.n;
  const h = ch.tokens.h1;
  promptMask(ch, pairs, mask);
  out.reserve(out.n + n);
  const a = out.a;
  let w = out.n;
  for (let i = 0; i < n; i++) a[w++] = (h[i] & TOKEN_HASH_MASK) | (mask[i] ? PROMPT_TOKEN : 0);
  out.n = w;
}

/**
 * Distinct values among the first n of xs: open addressing in a table of >= 2n slots whose slots are stamped with
 * the call's number, so it is never cleared (sorting a copy cost ~33 ns a shingle, most of a worker's time).
 */
export function distinctCount(xs: Int32Array, n: number, st: Pick<EntryState, 'vkeys' | 'vstamp' | 'vgen'>): number {
  let size = 16;
  while (size < 2 * n) size *= 2;
  if (st.vkeys.length < size) {
    st.vkeys = new Int32Array(size);
    st.vstamp = new Uint32Array(size);
    st.vgen = 0;
  }
  if (++st.vgen === 0xffffffff) {
    st.vstamp.fill(0);
    st.vgen = 1;
  }
  const { vkeys, vstamp, vgen } = st;
  const mask = size - 1;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    let h = Math.imul(x ^ (x >>> 16), 0x45d9f3b) & mask;
    for (;;) {
      if (vstamp[h] !== vgen) {
        vstamp[h] = vgen;
        vkeys[h] = x;
        d++;
        break;
      }
      if (vkeys[h] === x) break;
      h = (h + 1) & mask;
    }
  }
  return d;
}

/** Fingerprints entries; prompts[i] is entry i's prompt (human text), or null. */
export function fingerprintEntries(st: EntryState, texts: string[], prompts: Array<string | null>): EntryBatch {
  const { config, promptKeys, promptShingles } = st;
  const n = texts.length;
  const col = () => new Int32Array(n);
  const level = col(), textKeys = col(), codeKeys = col(), tokensOf = col(), ctokensOf = col(), flagsOf = col(), xk1 = col(), xk2 = col();
  const k1 = new I32Vec(1 << 12), k2 = new I32Vec(1 << 12), pc = new I32Vec(1 << 12);
  const bands = new Int32Array(n * config.bands);
  const ttok = new U16Vec(1 << 12), ctok = new U16Vec(1 << 10);
  for (let j = 0; j < n; j++) {
    const text = texts[j];
    // The entry's prompt is human text: shingles the entry shares with its own prompt are not indexed for it,
    // and its tokens that stand in a token pair of the prompt do not count as its own words.
    for (const set of promptKeys) set.clear();
    for (const set of promptShingles) set.clear();
    const prompt = prompts[j];
    if (prompt) {
      const pr = st.fpPrompt(prompt, true);
      promptPairs(pr.text, promptKeys[0]);
      promptPairs(pr.code, promptKeys[1]);
      for (let i = 0; i < pr.text.shingles.n; i++) promptShingles[0].add(pr.text.shingles.f1[i]);
      for (let i = 0; pr.code && i < pr.code.shingles.n; i++) promptShingles[1].add(pr.code.shingles.f1[i]);
    }
    const r = st.fp(text);
    // The code channel of an entry is indexed only when it has enough code tokens to attribute on its own.
    const code = r.code && r.code.tokens.n >= minCodeTokens(config.minEntryTokens) ? r.code : null;
    const lt = densityLevel(r.text.shingles.n, config.sampleMod, config.minFingerprints);
    const lc = code ? densityLevel(code.shingles.n, config.sampleMod, config.minFingerprints) : 0;
    level[j] = lt | (lc << 8);
    textKeys[j] = pushChannel(r.text, lt, k1, k2, pc, promptShingles[0]);
    codeKeys[j] = pushChannel(code, lc, k1, k2, pc, promptShingles[1]);
    bandKeys(r.sig, config.bands, st.band);
    bands.set(st.band, j * config.bands);
    const [x1, x2] = exactKey(text, config.seed);
    xk1[j] = x1;
    xk2[j] = x2;
    const tokens = r.text.tokens.n;
    const ctokens = code ? code.tokens.n : 0;
    tokensOf[j] = tokens;
    ctokensOf[j] = ctokens;
    if (st.mask.length < Math.max(tokens, ctokens)) st.mask = new Uint8Array(2 * Math.max(tokens, ctokens));
    pushTokens(r.text, promptKeys[0], st.mask, ttok);
    if (code) pushTokens(code, promptKeys[1], st.mask, ctok);

    const sh = r.text.shingles;
    const distinct = distinctCount(sh.f1, sh.n, st);
    let flags = 0;
    // Short: too few words, unless it is code with enough code tokens (where the code channel holds the evidence).
    if (tooShortToAttribute(tokens, ctokens, config.minEntryTokens)) flags |= ENTRY_FLAG.SHORT;
    if (sh.n >= 8 && distinct / sh.n < config.minEntryVariety) flags |= ENTRY_FLAG.LOW_VARIETY;
    flagsOf[j] = flags;
  }
  // Copies trimmed to length: a structured clone copies whole buffers, not views.
  return { n, level, textKeys, codeKeys, tokens: tokensOf, ctokens: ctokensOf, flags: flagsOf, x1: xk1, x2: xk2, k1: k1.view().slice(), k2: k2.view().slice(), pc: pc.view().slice(), bands, ttok: ttok.view().slice(), ctok: ctok.view().slice() };
}
