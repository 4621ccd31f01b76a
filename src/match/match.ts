/**
 * Matching one sample against the loaded registry. Candidates come from the fingerprint postings (every sampled
 * shingle of the sample is looked up) and from LSH bands; every reported match is verified from the actual
 * fingerprints: the longest in-order chain of shared fingerprints, over the fingerprints that carry evidence
 * (common ones excluded), gives containment both ways and a Jaccard estimate. A hash or band collision alone
 * can never produce a match.
 */
import type { Config } from '../config/index.js';
import { createFingerprinter, type ChannelFingerprints, type Fingerprints } from '../fingerprint/index.js';
import { nativeTokenizer } from '../fingerprint/tokenize.js';
import { bandKeys } from '../fingerprint/lsh.js';
import { exactKey } from '../registry/digest.js';
import { COMMON_ENTRY, DF_WEIGHT, ENTRY_FLAG } from '../registry/format.js';
import type { RegistryViews } from '../registry/load.js';
import { findKey, findKey16, keyEnd, keyEnd16 } from '../registry/table.js';
import type { MatchKind } from '../types.js';
import { longestChain, newChainScratch } from './chain.js';
import { candidatePasses, decide, sharesPass, type Evidence } from './decide.js';
import { lcsLength, newLcsScratch, PROMPT_TOKEN, TOKEN_HASH_MASK } from './lcs.js';
import { BUILTIN_MARKER_WORDS, compileRules, findMarkers, mayHoldBuiltinMarker, type MarkerRule } from './markers.js';

export interface RawMatch {
  /** Registry entry index, or -1 for a marker. */
  entry: number;
  kind: MatchKind;
  score: number;
  spans: Array<[number, number]>;
  /** Marker rule id and tags (markers only). */
  rule?: string;
  tags?: Record<string, string>;
  evidence?: Record<string, number | string>;
}

export interface SampleMatches {
  matches: RawMatch[];
  /** Verified matches not reported because of maxMatchesPerSample. */
  capped: number;
  /** With MatcherOptions.collectEvidence: every candidate that reached the LCS, with its unrounded evidence. */
  candidates?: Array<{ entry: number; evidence: Evidence }>;
}

export interface MatcherOptions {
  /**
   * Record every candidate that reaches the LCS, whatever decide() says (SampleMatches.candidates). With minEvidence
   * 1 and minShare 0 every candidate reaches it: the accuracy benchmark dumps that once and replays decide().
   */
  collectEvidence?: boolean;
  /** 'js' runs the JS fingerprint and key-search code even where the native kernel is built (same results). */
  kernel?: 'auto' | 'js';
}

/** Order of a sample's matches: strongest kind first (then score, then entry index). */
export const KIND_RANK: Readonly<Record<MatchKind, number>> = { exact: 4, near_duplicate: 3, contains: 2, contained_in: 1, marker: 0 };

interface Ranked {
  kind: MatchKind;
  score: number;
  entry: number;
}
/** Whether m replaces prev as an entry's match: a stronger kind, or the same kind with a higher score. */
export const outranks = (m: Omit<Ranked, 'entry'>, prev: Omit<Ranked, 'entry'>): boolean => KIND_RANK[m.kind] > KIND_RANK[prev.kind] || (m.kind === prev.kind && m.score > prev.score);
/** A sample's match order: strongest kind, then score, then entry index. */
export const matchOrder = (a: Ranked, b: Ranked): number => KIND_RANK[b.kind] - KIND_RANK[a.kind] || b.score - a.score || a.entry - b.entry;
/** Scores and evidence are reported to 4 digits. */
export const round4 = (x: number): number => Math.round(x * 10000) / 10000;

/**
 * A match's `evidence` as reported: the numbers decide() took, rounded, plus the chain's coverage and the LSH mark. The
 * passage's numbers only when the match rests on the cut-down-copy rule (they are measured for it alone).
 */
function evidenceRecord(ev: Evidence, coverE: number, coverS: number, lsh: boolean, byPassage: boolean): Record<string, number | string> {
  const passage: Record<string, number> = byPassage ? { passage_tokens: ev.passageOwn, passage_kept: round4(ev.passageKept) } : {};
  return {
    channel: ev.channel ? 'code' : 'text',
    chain: ev.chain,
    hits: ev.hits,
    entry_weight: round4(ev.entryWeight),
    sample_weight: round4(ev.sampleWeight),
    matched_weight: round4(ev.matchedWeight),
    entry_kept: round4(ev.entryKept),
    preserved_tokens: ev.preservedOwn,
    own_tokens: ev.ownTokens,
    entry_tokens: ev.entryTokens,
    sample_tokens: ev.sampleTokens,
    ...passage,
    sample_kept: round4(ev.sampleKept),
    stretch: round4(ev.sampleSpan / Math.max(1, ev.entrySpan)),
    entry_coverage: round4(coverE),
    sample_coverage: round4(coverS),
    weighted_share: round4(ev.share),
    weighted_share_sample: round4(ev.shareSample),
    jaccard: round4(ev.jaccard),
    lsh: lsh ? 1 : 0,
  };
}
const SPAN_GAP = 64; // characters: evidence spans closer than this merge
const MAX_SPANS = 64;
const LOW_EVIDENCE = ENTRY_FLAG.SHORT | ENTRY_FLAG.LOW_VARIETY | ENTRY_FLAG.COMMON;

class Hits {
  entry = new Int32Array(4096);
  ePos = new Int32Array(4096);
  sPos = new Int32Array(4096);
  w = new Float32Array(4096);
  chan = new Uint8Array(4096);
  n = 0;
  push(e: number, ep: number, sp: number, c: number, w: number): void {
    if (this.n === this.entry.length) this.reserve(this.n * 2);
    const i = this.n++;
    this.entry[i] = e;
    this.ePos[i] = ep;
    this.sPos[i] = sp;
    this.w[i] = w;
    this.chan[i] = c;
  }
  /** Room for at least `need` hits. */
  reserve(need: number): void {
    if (need > this.entry.length) {
      let cap = this.entry.length * 2;
      while (cap < need) cap *= 2;
      const g = <T extends Int32Array | Uint8Array | Float32Array>(a: T, mk: (n: number) => T) => {
        const b = mk(cap);
        b.set(a);
        return b;
      };
      this.entry = g(this.entry, (n) => new Int32Array(n));
      this.ePos = g(this.ePos, (n) => new Int32Array(n));
      this.sPos = g(this.sPos, (n) => new Int32Array(n));
      this.w = g(this.w, (n) => new Float32Array(n));
      this.chan = g(this.chan, (n) => new Uint8Array(n));
      this.arrays = [this.entry, this.ePos, this.sPos, this.w, this.chan];
    }
  }
  /** The five arrays, for the native kernel; replaced (not mutated) when reserve() grows them. */
  arrays: [Int32Array, Int32Array, Int32Array, Float32Array, Uint8Array] = [this.entry, this.ePos, this.sPos, this.w, this.chan];
}

const MAX_LEVEL = 8;
/** Sampling level of a shingle: trailing zero bits of lane 2, capped (an entry at level l indexes those with >= l). */
const levelOf = (v: number): number => (v === 0 ? MAX_LEVEL - 1 : Math.min(MAX_LEVEL - 1, 31 - Math.clz32(v & -v)));

export type Matcher = (text: string) => SampleMatches;

export function createMatcher(
  config: Config,
  reg: RegistryViews,
  rules: readonly MarkerRule[],
  builtinRulesOnly = true,
  options: MatcherOptions = {},
): Matcher {
  const fingerprint = createFingerprinter(config, options.kernel);
  const compiled = compileRules(rules);
  // The builtin marker words' text-channel token hashes (the pre-check of findMarkers), from this fingerprinter.
  const probeWords = fingerprint(BUILTIN_MARKER_WORDS.join(' ')).text.tokens;
  const markerWords = Int32Array.from(probeWords.h1.subarray(0, probeWords.n));
  const hits = new Hits();
  // Per (entry, channel) key = entry * 2 + channel: hit count, summed weight, candidate slot; reset via `touched`.
  const nKeys = 2 * reg.tokens.length;
  const cnt = new Int32Array(nKeys);
  const wsum = new Float32Array(nKeys);
  const slot = new Int32Array(nKeys).fill(-1);
  let touched = new Int32Array(1024);
  let nTouched = 0;
  let cands = new Int32Array(256);
  let bucketStart = new Int32Array(257);
  let bucketFill = new Int32Array(256);
  let order = new Int32Array(4096);
  const sampleTot = new Float64Array(2 * MAX_LEVEL);
  const levelW = new Float64Array(MAX_LEVEL);
  let passed = new Int32Array(4096);
  let found = new Int32Array(3 * 4096);
  const kn = options.kernel === 'js' ? null : nativeTokenizer();
  const payload = [reg.post.entry, reg.post.poschan, reg.post.df] as const;
  const counters = new Int32Array(2);
  let gW = new Float32Array(1024);
  let kept = new Int32Array(1024);
  let win = new Uint16Array(1024);
  const lcsScratch = newLcsScratch();
  const lshCand = new Set<number>();
  const bands = new Int32Array(config.bands);
  const chainScratch = newChainScratch();
  let gE = new Int32Array(1024);
  let gS = new Int32Array(1024);
  let members = new Int32Array(1024);
  const post = reg.post;
  let collected: Array<{ entry: number; evidence: Evidence }> | null = null;

  /** Room for at least `need` touched keys (the first nTouched kept). */
  function reserveTouched(need: number): void {
    if (touched.length >= need) return;
    const t = new Int32Array(Math.max(2 * touched.length, need));
    t.set(touched.subarray(0, nTouched));
    touched = t;
  }

  /**
   * Shingle i of channel c was found at rows r..end-1: a fingerprint in df registry entries weighs 1/df (the weight
   * the registry summed into each entry's total), a common one 0; one absent from the registry keeps weight 1.
   */
  function postings(c: number, i: number, r: number, end: number, f2: Int32Array): void {
    const lv = levelOf(f2[i]);
    if (post.entry[r] === COMMON_ENTRY) {
      levelW[lv] -= 1;
      return;
    }
    const w = DF_WEIGHT[post.df[r]];
    levelW[lv] += w - 1;
    for (let x = end - 1; x >= r; x--) {
      const pc = post.poschan[x];
      if ((pc & 1) !== c) continue;
      const e = post.entry[x];
      hits.push(e, pc >>> 1, i, c, w);
      const key = e * 2 + c;
      if (cnt[key]++ === 0) {
        if (nTouched === touched.length) reserveTouched(nTouched + 1);
        touched[nTouched++] = key;
      }
      wsum[key] += w;
    }
  }

  /**
   * Looks up every shingle of the channel. A fingerprint in df registry entries weighs 1/df (the same weight the
   * registry summed into each entry's total); one absent from the registry weighs 1; a common one 0. The sample's
   * total is kept per sampling level, so it can be compared with an entry indexed at that level.
   */
  function lookup(ch: ChannelFingerprints): void {
    const c = ch.channel;
    const f1 = ch.shingles.f1;
    const f2 = ch.shingles.f2;
    const n = ch.shingles.n;
    levelW.fill(0);
    if (kn) {
      // The native kernel does both key passes (Bloom filter, then bucket walk) with prefetching, then the postings
      // of what it found: postings() above, in the same order and arithmetic (test/native.test.ts).
      if (found.length < 3 * n) found = new Int32Array(6 * n);
      const nf = kn.probe(f1, f2, n, post.bloom, post.t.dir, post.t.key, post.t.mask, payload, found, levelW);
      let rows = 0;
      for (let q = 0; q < nf; q++) rows += found[3 * q + 2] - found[3 * q + 1];
      hits.reserve(hits.n + rows);
      reserveTouched(nTouched + rows);
      counters[0] = hits.n;
      counters[1] = nTouched;
      kn.postings(found, nf, c, f2, payload, DF_WEIGHT, levelW, hits.arrays, cnt, wsum, touched, counters);
      hits.n = counters[0];
      nTouched = counters[1];
    } else {
      if (passed.length < n) passed = new Int32Array(2 * n);
      // Pass 1, the Bloom filter only: independent loads in a tight loop, so the CPU keeps many cache misses in
      // flight (one probe per shingle, most of them absent). Every shingle first counts weight 1 at its level
      // (trailing zero bits of lane 2, capped): the sample's total per sampling level is a suffix sum of these.
      const bloom = post.bloom;
      const bmask = bloom.length - 1;
      let np = 0;
      for (let i = 0; i < n; i++) {
        const a = f1[i];
        const v = f2[i];
        const m = (1 << (a & 31)) | (1 << ((v >>> 8) & 31));
        if ((bloom[(a >>> 5) & bmask] & m) === m) passed[np++] = i;
        levelW[levelOf(v)] += 1;
      }
      // Pass 2, the shingles the filter let through.
      for (let q = 0; q < np; q++) {
        const i = passed[q];
        const r = findKey16(post.t, f1[i], f2[i]);
        if (r >= 0) postings(c, i, r, keyEnd16(post.t, f1[i], r), f2);
      }
    }
    const tot = c * MAX_LEVEL;
    let acc = 0;
    for (let l = MAX_LEVEL - 1; l >= 0; l--) {
      acc += levelW[l];
      sampleTot[tot + l] += acc;
    }
  }

  function spansOf(ch: ChannelFingerprints, idx: Int32Array, n: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    const tk = ch.tokens;
    for (let j = 0; j < n; j++) {
      const sp = gS[idx[j]];
      const s = tk.start[sp];
      const e = tk.end[Math.min(sp + ch.k - 1, tk.n - 1)];
      const last = out[out.length - 1];
      if (last && s - last[1] <= SPAN_GAP) {
        if (e > last[1]) last[1] = e;
      } else out.push([s, e]);
    }
    while (out.length > MAX_SPANS) {
      // merge the pair with the smallest gap
      let best = 0;
      for (let j = 1; j < out.length - 1; j++) if (out[j + 1][0] - out[j][1] < out[best + 1][0] - out[best][1]) best = j;
      out[best][1] = out[best + 1][1];
      out.splice(best + 1, 1);
    }
    return out;
  }

  /**
   * Verifies candidate j (hits bucketed in `order`): order and locality of the chain, df-weighted shares, then the
   * preserved-token ratios from the LCS over the aligned window. Returns the match, or null.
   */
  function verify(j: number, fp: Fingerprints): RawMatch | null {
    const key = cands[j];
    const e = key >>> 1;
    const c = key & 1;
    const count = cnt[key];
    const lvl = (reg.level[e] >>> (8 * c)) & 0xff;
    const wEntry = c ? reg.wcode[e] : reg.wtext[e];
    const sTot = sampleTot[c * MAX_LEVEL + lvl];
    if (gE.length < count) {
      gE = new Int32Array(count * 2);
      gS = new Int32Array(count * 2);
      gW = new Float32Array(count * 2);
      members = new Int32Array(count * 2);
      kept = new Int32Array(count * 2);
    }
    const g = count;
    for (let x = 0; x < g; x++) {
      const h = order[bucketStart[j] + x];
      gE[x] = hits.ePos[h];
      gS[x] = hits.sPos[h];
      gW[x] = hits.w[h];
    }
    const L = longestChain(gE, g, chainScratch, members);
    if (L < config.minEvidence) return null;
    // Locality: a chain member counts only next to another within the gap on both sides (edited copies keep
    // runs of matched shingles; coincidental hits strung across a long document stand alone). Runs of close
    // members give the aligned coverage of the entry and of the sample: an edited copy is covered end to end
    // with small gaps, an overlap driven by a shared quotation covers only the quoted part.
    const ch = c ? fp.code! : fp.text;
    const gap = config.chainGap * (1 << lvl) + ch.k;
    let K = 0;
    let W = 0;
    let covE = 0;
    let covS = 0;
    let runStart = -1;
    for (let q = 0; q < L; q++) {
      const a = members[q];
      const nearPrev = q > 0 && gS[a] - gS[members[q - 1]] <= gap && gE[a] - gE[members[q - 1]] <= gap;
      const b = q + 1 < L ? members[q + 1] : -1;
      const nearNext = b >= 0 && gS[b] - gS[a] <= gap && gE[b] - gE[a] <= gap;
      if (!nearPrev && !nearNext) continue;
      kept[K++] = a;
      W += gW[a];
      if (!nearPrev) runStart = a;
      if (!nearNext) {
        covE += gE[a] - gE[runStart] + ch.k;
        covS += gS[a] - gS[runStart] + ch.k;
      }
    }
    if (K < config.minEvidence) return null;
    const entryTokens = c ? reg.ctokens[e] : reg.tokens[e];
    const coverE = Math.min(1, covE / Math.max(1, entryTokens));
    const coverS = Math.min(1, covS / Math.max(1, ch.tokens.n));
    const share = Math.min(1, W / wEntry);
    const shareS = sTot > 0 ? Math.min(1, W / sTot) : 0;
    const jac = Math.min(1, W / Math.max(W, wEntry + sTot - W));
    if (!sharesPass(jac, share, shareS, config)) return null;
    // In-order preserved tokens: LCS of the entry's tokens and the sample window the chain aligns it to.
    const h16 = reg.tok[c].of(e); // this entry's token hashes, positions 0..nE-1
    const nE = h16.length;
    const first = kept[0];
    const last = kept[K - 1];
    const margin = Math.ceil(nE * 0.25) + ch.k;
    const ws = Math.max(0, gS[first] - gE[first] - margin);
    const we = Math.min(ch.tokens.n, gS[last] + (nE - gE[last]) + margin);
    if (win.length < we - ws) win = new Uint16Array(2 * (we - ws));
    for (let i = ws; i < we; i++) win[i - ws] = ch.tokens.h1[i] & TOKEN_HASH_MASK;
    let own = 0; // entry tokens not copied from its prompt
    for (let i = 0; i < nE; i++) if ((h16[i] & PROMPT_TOKEN) === 0) own++;
    const lcs = lcsLength(h16, 0, nE, win, we - ws, lcsScratch);
    const keptE = own > 0 ? lcs.own / own : 0;
    // The aligned passage: the entry's own tokens between the first and last kept chain members, and the share of
    // them the sample preserves (a partial copy keeps a dense passage of a long entry).
    let regionOwn = 0;
    const r0 = gE[first];
    const r1 = Math.min(nE, gE[last] + ch.k);
    for (let i = r0; i < r1; i++) if ((h16[i] & PROMPT_TOKEN) === 0) regionOwn++;
    // The passage's preserved tokens: the LCS restricted to the passage and to the sample's stretch it is aligned to
    // (the whole window's LCS would also count common words strung before and after the passage, and call a sparse
    // passage dense). That LCS costs about as much as the whole one, and only the cut-down-copy rule reads it.
    const setPassage = (preserved: number): void => {
      ev.passageOwn = preserved;
      ev.passageKept = regionOwn > 0 ? Math.min(1, preserved / regionOwn) : 0;
    };
    const passageLcs = (): number => {
      const s0 = gS[first] - ws;
      const s1 = Math.min(we, gS[last] + ch.k) - ws;
      return lcsLength(h16, r0, r1, win.subarray(s0, s1), s1 - s0, lcsScratch).own;
    };
    const keptS = ch.tokens.n > 0 ? lcs.all / ch.tokens.n : 0;
    const ev: Evidence = {
      channel: c as 0 | 1,
      hits: count,
      hitsWeight: wsum[key],
      chain: K,
      matchedWeight: W,
      entryWeight: wEntry,
      sampleWeight: sTot,
      share,
      shareSample: shareS,
      jaccard: jac,
      entryTokens: nE,
      sampleTokens: ch.tokens.n,
      ownTokens: own,
      preservedOwn: lcs.own,
      entryKept: keptE,
      sampleKept: keptS,
      passageOwn: 0,
      passageKept: 0,
      sampleSpan: gS[last] - gS[first] + ch.k,
      entrySpan: gE[last] - gE[first] + ch.k,
    };
    // The cut-down-copy rule comes after every other rule but the code chain, which reports the same kind and score:
    // the passage decides only when no other rule holds. So a scan decides with the passage at 0 (its lower bound);
    // only when nothing holds does it try the whole LCS (its upper bound), and only when that holds, measure it.
    // Evidence collection (the accuracy benchmark's dump) always measures it.
    let decision: ReturnType<typeof decide>;
    let byPassage: boolean;
    if (collected) {
      setPassage(passageLcs());
      collected.push({ entry: e, evidence: ev });
      decision = decide(ev, config);
      byPassage = decision !== null && decide({ ...ev, passageOwn: 0, passageKept: 0 }, config) === null;
    } else {
      decision = decide(ev, config);
      byPassage = decision === null;
      if (byPassage) {
        setPassage(lcs.own);
        if (decide(ev, config)) {
          setPassage(passageLcs());
          decision = decide(ev, config);
        }
      }
    }
    if (!decision) return null;
    const { kind, score } = decision;
    return { entry: e, kind, score: round4(score), spans: spansOf(ch, kept, K), evidence: evidenceRecord(ev, coverE, coverS, lshCand.has(e), byPassage) };
  }

  return (text: string): SampleMatches => {
    const found = new Map<number, RawMatch>();
    collected = options.collectEvidence ? [] : null;
    // exact: not possible when the trimmed text is longer than every entry (registry load.ts maxTextBytes)
    let xr = -1;
    if (text.length <= reg.maxTextBytes || text.trim().length <= reg.maxTextBytes) xr = findKey(reg.exact.t, ...exactKey(text, config.seed));
    if (xr >= 0) {
      const lead = text.length - text.trimStart().length;
      const span: [number, number] = [lead, lead + text.trim().length];
      for (let r = xr, end = keyEnd(reg.exact.t, xr); r < end; r++) {
        const e = reg.exact.entry[r];
        // Entries too short or too repetitive to attribute are never reported, not even when copied exactly.
        if ((reg.flags[e] & LOW_EVIDENCE) === 0) found.set(e, { entry: e, kind: 'exact', score: 1, spans: [span] });
      }
    }

    const fp = fingerprint(text);
    hits.n = 0;
    for (let t = 0; t < nTouched; t++) {
      const key = touched[t];
      cnt[key] = 0;
      wsum[key] = 0;
      slot[key] = -1;
    }
    nTouched = 0;
    lshCand.clear();
    sampleTot.fill(0);
    lookup(fp.text);
    if (fp.code) lookup(fp.code);
    if (fp.text.shingles.n > 0) {
      bandKeys(fp.sig, config.bands, bands);
      for (let b = 0; b < config.bands; b++) {
        const r = findKey16(reg.lsh.t, bands[b], b);
        if (r < 0) continue;
        for (let x = r, end = keyEnd16(reg.lsh.t, bands[b], r); x < end; x++) lshCand.add(reg.lsh.entry[x]);
      }
    }

    // Candidates: keys with enough hits and weight; their hits are bucketed in one pass, in sample order.
    let nCand = 0;
    for (let t = 0; t < nTouched; t++) {
      const key = touched[t];
      const e = key >>> 1;
      const c = key & 1;
      if (cnt[key] < config.minEvidence || reg.flags[e] & LOW_EVIDENCE) continue;
      if (found.has(e) && found.get(e)!.kind === 'exact') continue;
      const lvl = (reg.level[e] >>> (8 * c)) & 0xff;
      const wEntry = c ? reg.wcode[e] : reg.wtext[e];
      const sTot = sampleTot[c * MAX_LEVEL + lvl];
      if (!candidatePasses(cnt[key], wsum[key], wEntry, sTot, config)) continue;
      if (nCand === cands.length) {
        const g2 = new Int32Array(nCand * 2);
        g2.set(cands);
        cands = g2;
        bucketStart = new Int32Array(nCand * 2 + 1);
        bucketFill = new Int32Array(nCand * 2);
      }
      slot[key] = nCand;
      cands[nCand++] = key;
    }
    bucketStart[0] = 0;
    for (let j = 0; j < nCand; j++) bucketStart[j + 1] = bucketStart[j] + cnt[cands[j]];
    const total = bucketStart[nCand];
    if (order.length < total) order = new Int32Array(total * 2);
    for (let j = 0; j < nCand; j++) bucketFill[j] = bucketStart[j];
    for (let h = 0; h < hits.n && total > 0; h++) {
      const sl = slot[hits.entry[h] * 2 + hits.chan[h]];
      if (sl >= 0) order[bucketFill[sl]++] = h;
    }

    for (let j = 0; j < nCand; j++) {
      const m = verify(j, fp);
      if (!m) continue;
      const prev = found.get(m.entry);
      if (!prev || outranks(m, prev)) found.set(m.entry, m);
    }

    const matches = [...found.values()].sort(matchOrder);
    const markersPossible = !builtinRulesOnly || mayHoldBuiltinMarker(text, fp.text.tokens.h1, fp.text.tokens.n, markerWords);
    for (const m of markersPossible ? findMarkers(text, compiled) : [])
      matches.push({ entry: -1, kind: 'marker', score: m.rule.confidence, spans: m.spans, rule: m.rule.id, tags: m.tags });
    const cap = config.maxMatchesPerSample;
    const out: SampleMatches = matches.length > cap ? { matches: matches.slice(0, cap), capped: matches.length - cap } : { matches, capped: 0 };
    if (collected) out.candidates = collected;
    return out;
  };
}
