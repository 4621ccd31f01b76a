/** Scoring of detector output against labels, and the table renderers. */
import { CATEGORIES, type Label } from './cases.js';
import type { DetectedMatch } from './detectors.js';
import { outranks } from '../../src/match/match.js';
import { median } from '../throughput/fork.js';
import type { MatchKind } from '../../src/types.js';

export interface CategoryResult {
  category: string;
  polarity: 'pos' | 'neg';
  target: number;
  n: number;
  /** Recall (pos) or false-positive rate (neg). */
  rate: number;
  /** Positives: share whose first-ranked match (firstRanked) is an expected entry (multi: all expected reported; markers: agent named). */
  attribution: number | null;
  /** Multi-entry categories: mean share of expected entries reported per case. */
  entry_recall: number | null;
  pass: boolean;
}

function isExpected(m: DetectedMatch, l: Label): boolean {
  return l.expected.some((g) => g.includes(m.registry_id));
}

/**
 * The detector's own attribution: its first-ranked match, by kind (exact, near_duplicate, contains, contained_in),
 * then score; ties keep the detector's order. It is the first line contamscan writes for the sample. Scores of
 * different kinds measure different things (a Jaccard, a share of the entry kept), so the highest score across
 * kinds is not the attribution: a short snippet contained whole (contains, 1.0) would outrank the near-duplicate
 * (0.97) of the entry actually copied. ngram13 reports one kind, so this is its highest score.
 */
export function firstRanked(ms: DetectedMatch[]): DetectedMatch | undefined {
  let top: DetectedMatch | undefined;
  for (const m of ms) {
    if (m.kind === 'marker') continue;
    if (!top || outranks({ kind: m.kind as MatchKind, score: m.score }, { kind: top.kind as MatchKind, score: top.score })) top = m;
  }
  return top;
}

function agentNamed(m: DetectedMatch, agent: string | undefined): boolean {
  if (!agent) return false;
  const hay = `${m.registry_id} ${Object.values(m.tags ?? {}).join(' ')}`.toLowerCase();
  return hay.includes(agent);
}

export function score(labels: Label[], found: Map<string, DetectedMatch[]>): CategoryResult[] {
  const out: CategoryResult[] = [];
  for (const def of CATEGORIES) {
    const ls = labels.filter((l) => l.category === def.name);
    if (!ls.length) continue;
    let hits = 0;
    let attr = 0;
    let entryRecall = 0;
    for (const l of ls) {
      const ms = found.get(l.id) ?? [];
      if (def.polarity === 'neg') {
        if (ms.length) hits++;
        continue;
      }
      if (l.expect_kind === 'marker') {
        const mk = ms.filter((m) => m.kind === 'marker');
        if (mk.length) hits++;
        const top = mk.slice().sort((a, b) => b.score - a.score)[0];
        if (top && agentNamed(top, l.agent)) attr++;
        continue;
      }
      const reported = l.expected.filter((g) => ms.some((m) => g.includes(m.registry_id))).length;
      entryRecall += reported / l.expected.length;
      const all = reported === l.expected.length;
      const any = reported > 0;
      if (def.name === 'multi' ? all : any) hits++;
      if (def.name === 'multi') {
        if (all) attr++;
      } else {
        const top = firstRanked(ms);
        if (top && isExpected(top, l)) attr++;
      }
    }
    const n = ls.length;
    const rate = hits / n;
    const multiEntry = def.name === 'multi' || def.name === 'claude_code';
    out.push({
      category: def.name,
      polarity: def.polarity,
      target: def.target,
      n,
      rate,
      attribution: def.polarity === 'pos' ? attr / n : null,
      entry_recall: multiEntry ? entryRecall / n : null,
      pass: def.polarity === 'pos' ? rate >= def.target : rate <= def.target,
    });
  }
  return out;
}

const pct = (x: number | null): string => (x === null ? '-' : x.toFixed(3));

/** One row per category, detectors side by side. */
export function renderTable(results: Record<string, CategoryResult[]>, markdown: boolean): string {
  const dets = Object.keys(results);
  const cats = CATEGORIES.map((c) => c.name).filter((c) => dets.some((d) => results[d].some((r) => r.category === c)));
  const head = ['category', 'kind', 'target', 'n'];
  for (const d of dets) head.push(`${d} rate`, `${d} attr`, `${d} entries`, `${d} ok`);
  const rows: string[][] = [];
  for (const c of cats) {
    const def = CATEGORIES.find((x) => x.name === c)!;
    const first = dets.map((d) => results[d].find((r) => r.category === c)).find(Boolean)!;
    const row = [c, def.polarity === 'pos' ? 'recall' : 'FPR', (def.polarity === 'pos' ? '>=' : '<=') + def.target, String(first.n)];
    for (const d of dets) {
      const r = results[d].find((x) => x.category === c);
      row.push(r ? pct(r.rate) : '-', r ? pct(r.attribution) : '-', r ? pct(r.entry_recall) : '-', r ? (r.pass ? 'yes' : 'NO') : '-');
    }
    rows.push(row);
  }
  if (markdown) {
    return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n') + '\n';
  }
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((x, i) => (i === 0 ? x.padEnd(w[i]) : x.padStart(w[i]))).join('  ');
  return [line(head), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

/**
 * Median closeness (word LCS over the longer length) of the edit10 and edit25 copies to their entries: what the
 * label audit's COPY_CLOSENESS (cases.ts) stands for, measured on this run's cases. NaN without such cases.
 */
export function editCloseness(labels: Label[]): { edit10: number; edit25: number } {
  const of = (cat: string): number =>
    median(labels.filter((l) => l.category === cat && typeof l.meta.closeness === 'number').map((l) => l.meta.closeness as number));
  return { edit10: of('edit10'), edit25: of('edit25') };
}

/** Flagged answers of other models, for one group of models (vendorSplit). */
export interface VendorGroup {
  group: 'registry_vendors' | 'other_vendors';
  /** Answers in the group, and how many the detector flagged. */
  n: number;
  flagged: number;
  /** Flagged ones whose first-ranked match is an entry of the answer's own vendor. */
  same_vendor: number;
}

/**
 * The answers of one negative category (other_model_same_prompt), split by whose they are: other models of the
 * registry's vendors (label meta.vendor one of `registryVendors`: claude-2.1 beside claude-2) or other vendors'
 * models. A detector that flags the first group against the same vendor's entry names the right vendor, though not
 * the model; the split shows how much of the row's false-positive rate that is.
 */
export function vendorSplit(
  labels: Label[],
  found: Map<string, DetectedMatch[]>,
  category: string,
  registryVendors: ReadonlySet<string>,
  entryVendor: ReadonlyMap<string, string>,
): VendorGroup[] {
  const out: VendorGroup[] = [
    { group: 'registry_vendors', n: 0, flagged: 0, same_vendor: 0 },
    { group: 'other_vendors', n: 0, flagged: 0, same_vendor: 0 },
  ];
  for (const l of labels) {
    if (l.category !== category || typeof l.meta.vendor !== 'string') continue;
    const g = out[registryVendors.has(l.meta.vendor) ? 0 : 1];
    g.n++;
    const ms = found.get(l.id) ?? [];
    if (!ms.length) continue;
    g.flagged++;
    const top = firstRanked(ms);
    if (top && entryVendor.get(top.registry_id) === l.meta.vendor) g.same_vendor++;
  }
  return out;
}

/** One line per detector for the table's notes (run.ts). */
export function vendorSplitNote(detector: string, groups: VendorGroup[], registryVendors: ReadonlySet<string>): string {
  const [r, o] = groups;
  const rate = (g: VendorGroup): string => (g.n ? `${((100 * g.flagged) / g.n).toFixed(2)}%` : '-');
  return (
    `Other models' answers by vendor (${detector}): registry vendors' (${[...registryVendors].sort().join(', ')}) other models ` +
    `${r.flagged} of ${r.n} flagged (${rate(r)}; ${r.same_vendor} against an entry of the same vendor), other vendors' models ` +
    `${o.flagged} of ${o.n} (${rate(o)})`
  );
}
