/**
 * Peer detectors of the throughput benchmark, each run in its own forked child (child.ts, mode `peer`) so that its
 * time and peak RSS are its own. bench/throughput/compare.ts prepares the subset, forks the children and scores them.
 *
 * - ngram13: the classic any-hit 13-gram rule, bench/baselines/ngram13.ts (`NgramIndex`, lowercase word tokens of
 *   `words()`, 53-bit n-gram keys in a Map). A document is flagged with every entry that shares >= 1 13-gram.
 * - minhash: the `minhash` npm package (Minhash + LshIndex). One Minhash per registry entry over the set of its word
 *   5-grams (the same `words()` tokens, joined by a space; a text of fewer than 5 words is one shingle), default
 *   128 permutations and seed 1, inserted in an LshIndex with its default bandSize 4 (32 bands of 4 rows: a pair is
 *   a candidate with probability 1 - (1 - J^4)^32, 50% at J ~ 0.42). One Minhash per document over the same
 *   shingles, queried against the index. Every LSH candidate is reported, with the estimated Jaccard as its score.
 *   LshIndex.query of 0.0.9 throws a TypeError when a band of the query is not in the index (src/lsh.js reads
 *   `this.index[band].length`), which is the case for almost every document, so the query here walks the same
 *   bands (getHashbands) over `index.index` and skips absent ones: the same lookup, with the missing guard.
 *
 * Both read the registry subset and the documents with contamscan's own readers (src/readers, the ones scan() and
 * buildRegistry() use), inside the timed phases, as scan() does: reading and decompression are timed for every
 * detector alike. Single thread: everything runs on the child's main thread.
 */
import minhash, { type Minhash as MinhashT } from 'minhash';
import { NgramIndex } from '../baselines/ngram13.js';
import { words } from '../accuracy/util.js';
import { resolveInputs } from '../../src/io/inputs.js';
import { readFile } from '../../src/readers/index.js';
import type { Sample } from '../../src/types.js';

const { Minhash, LshIndex } = minhash;

export type PeerName = 'ngram13' | 'minhash';

export interface PeerTask {
  mode: 'peer';
  detector: PeerName;
  /** Registry subset (JSONL with id, text). */
  entries: string[];
  /** Documents (the subset shard). */
  docs: string[];
}

/** Settings as shown in the results table; the minhash version is read from its package.json by the parent. */
export const PEER_SETTINGS: Record<PeerName, string> = {
  ngram13: 'bench/baselines/ngram13.ts NgramIndex: lowercase word tokens, any shared 13-gram flags the pair',
  minhash: 'word 5-gram shingles, 128 permutations (default), seed 1, LshIndex bandSize 4 (default: 32 bands x 4 rows), every LSH candidate reported',
};

export const MINHASH_SHINGLE = 5;

export interface PeerResult {
  build_s: number;
  scan_s: number;
  entries: number;
  entry_bytes: number;
  samples: number;
  text_bytes: number;
  /** doc id -> [registry id, score] for each reported entry (ngram13: shared 13-grams; minhash: estimated Jaccard). */
  flags: Array<[string, Array<[string, number]>]>;
}

async function* samplesOf(inputs: string[]): AsyncGenerator<Sample> {
  const { files } = await resolveInputs(inputs);
  for (const f of files) for await (const b of readFile(f)) yield* b.samples;
}

function shingles(text: string, k: number): Set<string> {
  const w = words(text);
  const out = new Set<string>();
  if (w.length === 0) return out;
  if (w.length < k) out.add(w.join(' '));
  else for (let i = 0; i + k <= w.length; i++) out.add(w.slice(i, i + k).join(' '));
  return out;
}

function signature(text: string): MinhashT {
  const m = new Minhash();
  for (const s of shingles(text, MINHASH_SHINGLE)) m.update(s);
  return m;
}

export async function runPeer(task: PeerTask): Promise<PeerResult> {
  let entries = 0;
  let entryBytes = 0;
  let samples = 0;
  let textBytes = 0;
  const flags: PeerResult['flags'] = [];
  let t0 = performance.now();
  let build_s: number;
  if (task.detector === 'ngram13') {
    const index = new NgramIndex(13);
    for await (const e of samplesOf(task.entries)) {
      index.add(e.id, e.text);
      entries++;
      entryBytes += Buffer.byteLength(e.text, 'utf8');
    }
    build_s = (performance.now() - t0) / 1000;
    t0 = performance.now();
    for await (const d of samplesOf(task.docs)) {
      samples++;
      textBytes += Buffer.byteLength(d.text, 'utf8');
      // query() rather than matches(): matches() tokenizes the document twice; the any-hit rule needs the hits only
      const hits = index.query(d.text);
      if (hits.size) flags.push([d.id, [...hits].map(([i, c]) => [index.ids[i]!, c])]);
    }
  } else {
    const lsh = new LshIndex();
    const sigs = new Map<string, MinhashT>();
    for await (const e of samplesOf(task.entries)) {
      const m = signature(e.text);
      lsh.insert(e.id, m);
      sigs.set(e.id, m);
      entries++;
      entryBytes += Buffer.byteLength(e.text, 'utf8');
    }
    build_s = (performance.now() - t0) / 1000;
    t0 = performance.now();
    for await (const d of samplesOf(task.docs)) {
      samples++;
      textBytes += Buffer.byteLength(d.text, 'utf8');
      const m = signature(d.text);
      const found = new Set<string>();
      for (const band of lsh.getHashbands(m)) {
        const keys = lsh.index[band];
        if (keys) for (const k of keys) found.add(k);
      }
      if (found.size) flags.push([d.id, [...found].map((k) => [k, m.jaccard(sigs.get(k)!)])]);
    }
  }
  const scan_s = (performance.now() - t0) / 1000;
  return { build_s, scan_s, entries, entry_bytes: entryBytes, samples, text_bytes: textBytes, flags };
}
