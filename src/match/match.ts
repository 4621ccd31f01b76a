/**
 * Matching one sample against the loaded registry. Candidates come from the fingerprint postings (every sampled
 * shingle of the sample is looked up) and from LSH bands; every reported match is verified from the actual
 * fingerprints: the longest in-order chain of shared fingerprints, over the fingerprints that carry evidence
 * (common ones excluded), gives containment both ways and a Jaccard estimate. A hash or band collision alone
 * can never produce a match.
 */
import type { Config } from '../config/index.js';
import { createFingerprinter, type ChannelFingerprints } from '../fingerprint/index.js';
import { bandKeys } from '../fingerprint/lsh.js';
import { exactKey } from '../registry/digest.js';
import { COMMON_ENTRY, ENTRY_FLAG } from '../registry/format.js';
import type { RegistryViews } from '../registry/load.js';
import { findKey, keyEnd } from '../registry/table.js';
import type { MatchKind } from '../types.js';
import { longestChain, newChainScratch } from './chain.js';
import { compileRules, findMarkers, type MarkerRule } from './markers.js';

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
}

const KIND_RANK: Record<MatchKind, number> = { exact: 4, near_duplicate: 3, contains: 2, contained_in: 1, marker: 0 };
const SPAN_GAP = 64;
const MAX_SPANS = 64;
const LOW_EVIDENCE = ENTRY_FLAG.SHORT | ENTRY_FLAG.LOW_VARIETY | ENTRY_FLAG.COMMON;

class Hits {
  entry = new Int32Array(4096);
  ePos = new Int32Array(4096);
  sPos = new Int32Array(4096);
  chan = new Uint8Array(4096);
  n = 0;
  push(e: number, ep: number, sp: number, c: number): void {
    if (this.n === this.entry.length) {
      const cap = this.n * 2;
      const g = <T extends Int32Array | Uint8Array>(a: T, mk: (n: number) => T) => {
        const b = mk(cap);
        b.set(a);
        return b;
      };
      this.entry = g(this.entry, (n) => new Int32Array(n));
      this.ePos = g(this.ePos, (n) => new Int32Array(n));
      this.sPos = g(this.sPos, (n) => new Int32Array(n));
      this.chan = g(this.chan, (n) => new Uint8Array(n));
    }
    const i = this.n++;
    this.entry[i] = e;
    this.ePos[i] = ep;
    this.sPos[i] = sp;
    this.chan[i] = c;
  }
}

export type Matcher = (text: string) => SampleMatches;

export function createMatcher(config: Config, reg: RegistryViews, rules: readonly MarkerRule[], builtinRulesOnly = true): Matcher {
  const fingerprint = createFingerprinter(config);
  const compiled = compileRules(rules);
  const hits = new Hits();
  const counts = new Map<number, number>();
  const lshCand = new Set<number>();
  const bands = new Int32Array(config.bands);
  const chainScratch = newChainScratch();
  let gE = new Int32Array(1024);
  let gS = new Int32Array(1024);
  let members = new Int32Array(1024);
  const sampleEv = [0, 0];
  const post = reg.post;

  function lookup(ch: ChannelFingerprints): void {
    const c = ch.channel;
    const f1 = ch.shingles.f1;
    const f2 = ch.shingles.f2;
    let ev = 0;
    for (let j = 0; j < ch.nSampled; j++) {
      const i = ch.sampled[j];
      const r = findKey(post.t, f1[i], f2[i]);
      if (r < 0) {
        ev++;
        continue;
      }
      if (post.entry[r] === COMMON_ENTRY) continue;
      ev++;
      const end = keyEnd(post.t, r);
      for (let x = end - 1; x >= r; x--) {
        const pc = post.poschan[x];
        if ((pc & 1) !== c) continue;
        const e = post.entry[x];
        hits.push(e, pc >>> 1, i, c);
        const key = e * 2 + c;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    sampleEv[c] = ev;
  }

  function spansOf(ch: ChannelFingerprints, n: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    const tk = ch.tokens;
    for (let j = 0; j < n; j++) {
      const sp = gS[members[j]];
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

  return (text: string): SampleMatches => {
    const found = new Map<number, RawMatch>();
    // exact
    const [x1, x2] = exactKey(text, config.seed);
    const xr = findKey(reg.exact.t, x1, x2);
    if (xr >= 0) {
      const lead = text.length - text.trimStart().length;
      const span: [number, number] = [lead, lead + text.trim().length];
      for (let r = xr, end = keyEnd(reg.exact.t, xr); r < end; r++)
        found.set(reg.exact.entry[r], { entry: reg.exact.entry[r], kind: 'exact', score: 1, spans: [span] });
    }

    const fp = fingerprint(text);
    hits.n = 0;
    counts.clear();
    lshCand.clear();
    sampleEv[0] = sampleEv[1] = 0;
    lookup(fp.text);
    if (fp.code) lookup(fp.code);
    if (fp.text.shingles.n > 0) {
      bandKeys(fp.sig, config.bands, bands);
      for (let b = 0; b < config.bands; b++) {
        const r = findKey(reg.lsh.t, bands[b], b);
        if (r < 0) continue;
        for (let x = r, end = keyEnd(reg.lsh.t, r); x < end; x++) lshCand.add(reg.lsh.entry[x]);
      }
    }

    for (const [key, cnt] of counts) {
      const e = key >>> 1;
      const c = key & 1;
      if (found.has(e) && found.get(e)!.kind === 'exact') continue;
      if (reg.flags[e] & LOW_EVIDENCE) continue;
      const entryEv = c ? reg.evcode[e] : reg.evtext[e];
      const sEv = sampleEv[c];
      if (entryEv < 3) continue;
      const need = Math.min(config.minEvidence, entryEv);
      const thr = c ? config.codeContainment : config.containment;
      if (cnt < need || (cnt < thr * entryEv && cnt < config.fragment * sEv)) continue;
      // Gather this candidate's hits (in sample order; same-position hits are in descending entry position).
      if (gE.length < cnt) {
        gE = new Int32Array(cnt * 2);
        gS = new Int32Array(cnt * 2);
        members = new Int32Array(cnt * 2);
      }
      let g = 0;
      for (let h = 0; h < hits.n; h++) {
        if (hits.entry[h] === e && hits.chan[h] === c) {
          gE[g] = hits.ePos[h];
          gS[g] = hits.sPos[h];
          g++;
        }
      }
      const L = longestChain(gE, g, chainScratch, members);
      if (L < need) continue;
      const contains = Math.min(1, L / entryEv);
      const containedIn = sEv > 0 ? Math.min(1, L / sEv) : 0;
      const jac = L / (entryEv + sEv - L);
      let kind: MatchKind;
      let score: number;
      if (jac >= config.jaccard) {
        kind = 'near_duplicate';
        score = jac;
      } else if (contains >= thr) {
        kind = 'contains';
        score = contains;
      } else if (containedIn >= config.fragment) {
        kind = 'contained_in';
        score = containedIn;
      } else continue;
      const prev = found.get(e);
      if (prev && (KIND_RANK[prev.kind] > KIND_RANK[kind] || (prev.kind === kind && prev.score >= score))) continue;
      const ch = c ? fp.code! : fp.text;
      found.set(e, {
        entry: e,
        kind,
        score: Math.round(score * 10000) / 10000,
        spans: spansOf(ch, L),
        evidence: {
          channel: c ? 'code' : 'text',
          chain: L,
          hits: cnt,
          entry_fingerprints: entryEv,
          sample_fingerprints: sEv,
          containment: Math.round(contains * 10000) / 10000,
          contained_in: Math.round(containedIn * 10000) / 10000,
          jaccard: Math.round(jac * 10000) / 10000,
          lsh: lshCand.has(e) ? 1 : 0,
        },
      });
    }

    const matches = [...found.values()].sort((a, b) => KIND_RANK[b.kind] - KIND_RANK[a.kind] || b.score - a.score || a.entry - b.entry);
    for (const m of findMarkers(text, compiled, builtinRulesOnly))
      matches.push({ entry: -1, kind: 'marker', score: m.rule.confidence, spans: m.spans, rule: m.rule.id, tags: m.tags });
    const cap = config.maxMatchesPerSample;
    if (matches.length > cap) return { matches: matches.slice(0, cap), capped: matches.length - cap };
    return { matches, capped: 0 };
  };
}
