/**
 * Baseline: the classic decontamination rule (GPT-3 paper, appendix C; lm-evaluation-harness `decontaminate`).
 * Lowercase word tokens; a sample is contaminated when it shares ANY 13-gram with a registry entry; the match is
 * attributed to the entry sharing the most 13-grams. Entries or samples shorter than 13 tokens cannot match.
 * Plain Map implementation keyed by a 53-bit numeric hash of the n-gram (collisions are negligible at this size).
 */
import { ngramKeys, readJsonl, words } from '../accuracy/util.js';

export interface DetectedMatch {
  registry_id: string;
  kind: string;
  score: number;
  /** Provenance tags, when the detector reports them (markers name their agent there). */
  tags?: Record<string, string>;
}

export class NgramIndex {
  readonly ids: string[] = [];
  /** n-gram key -> entry index (single posting); keys with more entries live in `multi`. */
  private readonly first = new Map<number, number>();
  private readonly multi = new Map<number, number[]>();

  constructor(readonly n = 13) {}

  add(id: string, text: string): void {
    const idx = this.ids.length;
    this.ids.push(id);
    const keys = new Set(ngramKeys(words(text), this.n));
    for (const k of keys) {
      const f = this.first.get(k);
      if (f === undefined) this.first.set(k, idx);
      else {
        const m = this.multi.get(k);
        if (m) m.push(idx);
        else this.multi.set(k, [idx]);
      }
    }
  }

  /** Entry index -> number of distinct shared n-grams. */
  query(text: string): Map<number, number> {
    const hits = new Map<number, number>();
    for (const k of new Set(ngramKeys(words(text), this.n))) {
      const f = this.first.get(k);
      if (f === undefined) continue;
      hits.set(f, (hits.get(f) ?? 0) + 1);
      const m = this.multi.get(k);
      if (m) for (const i of m) hits.set(i, (hits.get(i) ?? 0) + 1);
    }
    return hits;
  }

  /** Every entry sharing >= 1 n-gram, most shared first (attribution). */
  matches(text: string): DetectedMatch[] {
    const total = Math.max(1, new Set(ngramKeys(words(text), this.n)).size);
    const hits = [...this.query(text)].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    // score = share of the sample's n-grams found in the entry: monotone in the shared count, so top score = attribution
    return hits.map(([i, c]) => ({ registry_id: this.ids[i], kind: 'contains', score: c / total }));
  }
}

/** The baseline as a benchmark detector. */
export function ngram13Detector(n = 13): {
  name: string;
  build(registryFiles: string[]): Promise<void>;
  scanFiles(caseFiles: string[]): Promise<Map<string, DetectedMatch[]>>;
} {
  const index = new NgramIndex(n);
  return {
    name: `ngram${n}`,
    async build(registryFiles) {
      for (const f of registryFiles) for (const r of readJsonl(f)) index.add(String(r.id), String(r.text));
    },
    async scanFiles(caseFiles) {
      const out = new Map<string, DetectedMatch[]>();
      for (const f of caseFiles) {
        for (const r of readJsonl(f)) {
          const m = index.matches(String(r.text));
          if (m.length) out.set(String(r.id), m);
        }
      }
      return out;
    },
  };
}
