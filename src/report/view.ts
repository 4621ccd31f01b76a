/**
 * The report view: everything report.html and report.md show, computed once from scan outputs (report.json of
 * each part, merged; one pass over their matches.jsonl for the most-matched entries and the strongest evidence;
 * entries.jsonl for the registry texts). Renderers are pure functions of this object.
 */
import type { Match } from '../types.js';
import { mergedEntries, mergedMatches, mergeReports, type ScanDir } from './merge.js';
import { SCORE_BINS, type CountPair, type EntryRecord, type ScanReport } from './model.js';

export interface Row {
  label: string;
  samples: number;
  matches: number;
  /** Last quarter's flagged samples, with --compare. */
  prev_samples?: number;
}

export interface DatasetRow {
  name: string;
  files: number;
  samples: number;
  flagged: number;
  bytes: number;
  text_bytes: number;
  flagged_text_bytes: number;
  skipped: number;
  prev_flagged?: number;
  prev_samples?: number;
}

/** A match shown as evidence, with its registry entry's text when entries.jsonl has it. */
export type EvidenceItem = Pick<Match, 'sample_id' | 'file' | 'row' | 'registry_id' | 'kind' | 'score' | 'tags' | 'spans' | 'excerpt'> & {
  entry?: EntryRecord;
};

export interface TopEntry {
  registry_id: string;
  matches: number;
  samples: number;
  best_score: number;
  tags: Record<string, string>;
}

export interface Headline {
  key: string;
  label: string;
  value: number;
  prev?: number;
  /** 'count' | 'bytes' | 'fraction' */
  unit: 'count' | 'bytes' | 'fraction';
}

export interface ReportView {
  report: ScanReport;
  title: string;
  period: { from: string; to: string; label: string };
  datasets: DatasetRow[];
  headline: Headline[];
  policy: { threshold: number | null; fraction: number; pass: boolean | null };
  breakdowns: Array<{ key: string; title: string; rows: Row[] }>;
  histogram: { bins: number[]; labels: string[]; prev?: number[] };
  /** Flagged samples per input file in the previous report, by path (with --compare). */
  prev_files?: Record<string, number>;
  top_entries: TopEntry[];
  evidence: EvidenceItem[];
  evidence_total: number;
  evidence_page_size: number;
  compare?: { file: string; period: string; notes: string[] };
  /** What was done about the findings, as the person responsible recorded it (--action). */
  actions: string[];
}

export interface ViewOptions {
  /** Policy threshold (fraction of flagged samples); default the scans' --fail-over. */
  failOver?: number;
  /** Period label, e.g. "2026 Q4"; default the scan dates. */
  period?: string;
  title?: string;
  /** Evidence items shown (strongest first); default 100. */
  evidence?: number;
  evidencePageSize?: number;
  /** Top registry entries listed; default 15. */
  topEntries?: number;
  /** What was done about the findings (e.g. "flagged samples removed before training"), shown in the summary. */
  actions?: string[];
  /** Last quarter's report.json, parsed, and its path. */
  compare?: { file: string; report: ScanReport };
}

const KIND_RANK: Record<string, number> = { exact: 0, near_duplicate: 1, contains: 2, contained_in: 3, marker: 4 };
/** At most this many evidence items per registry entry, so the evidence shows many entries, not one. */
const PER_ENTRY = 3;

const strongerFirst = (a: EvidenceItem, b: EvidenceItem) =>
  b.score - a.score ||
  (KIND_RANK[a.kind] ?? 9) - (KIND_RANK[b.kind] ?? 9) ||
  (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
  a.row - b.row ||
  (a.registry_id < b.registry_id ? -1 : a.registry_id > b.registry_id ? 1 : 0);

function rowsOf(counts: Record<string, CountPair | undefined> | undefined, prev?: Record<string, CountPair | undefined>): Row[] {
  const keys = new Set([...Object.keys(counts ?? {}), ...Object.keys(prev ?? {})]);
  return [...keys]
    .map((k) => {
      const c = counts?.[k];
      const r: Row = { label: k, samples: c?.samples ?? 0, matches: c?.matches ?? 0 };
      if (prev) r.prev_samples = prev[k]?.samples ?? 0;
      return r;
    })
    .sort((a, b) => b.samples - a.samples || b.matches - a.matches || (a.label < b.label ? -1 : 1));
}

function datasetsOf(r: ScanReport): Map<string, DatasetRow> {
  const m = new Map<string, DatasetRow>();
  for (const f of r.inputs) {
    const name = f.dataset ?? '(unnamed)';
    const d = m.get(name) ?? { name, files: 0, samples: 0, flagged: 0, bytes: 0, text_bytes: 0, flagged_text_bytes: 0, skipped: 0 };
    m.set(name, d);
    d.files++;
    d.samples += f.samples;
    d.flagged += f.flagged;
    d.bytes += f.bytes;
    d.text_bytes += f.text_bytes;
    d.flagged_text_bytes += f.flagged_text_bytes ?? 0;
    d.skipped += f.skipped;
  }
  return m;
}

const day = (iso: string) => iso.slice(0, 10);

/** The n strongest items, at most PER_ENTRY per registry entry. */
function strongest(items: EvidenceItem[], n: number): EvidenceItem[] {
  items.sort(strongerFirst);
  const perEntry = new Map<string, number>();
  const kept: EvidenceItem[] = [];
  for (const e of items) {
    const c = perEntry.get(e.registry_id) ?? 0;
    if (c >= PER_ENTRY) continue;
    perEntry.set(e.registry_id, c + 1);
    kept.push(e);
    if (kept.length >= n) break;
  }
  return kept;
}

/**
 * n evidence items: first the strongest few of every (dataset, match kind) group, so a reviewer sees each kind of
 * finding in each dataset (not 100 exact copies of one set), then the strongest of the rest; strongest first.
 */
function pickEvidence(groups: EvidenceItem[][], n: number): EvidenceItem[] {
  if (n <= 0) return [];
  const quota = Math.min(3, Math.max(1, Math.floor(n / Math.max(1, groups.length))));
  const chosen = new Set<EvidenceItem>();
  for (const g of groups) for (const e of g.slice(0, quota)) if (chosen.size < n) chosen.add(e);
  const rest = groups.flat().sort(strongerFirst);
  const perEntry = new Map<string, number>();
  for (const e of chosen) perEntry.set(e.registry_id, (perEntry.get(e.registry_id) ?? 0) + 1);
  for (const e of rest) {
    if (chosen.size >= n) break;
    if (chosen.has(e) || (perEntry.get(e.registry_id) ?? 0) >= PER_ENTRY) continue;
    perEntry.set(e.registry_id, (perEntry.get(e.registry_id) ?? 0) + 1);
    chosen.add(e);
  }
  return [...chosen].sort(strongerFirst);
}

export async function buildView(parts: ScanDir[], opts: ViewOptions = {}): Promise<ReportView> {
  const report = mergeReports(parts, { failOver: opts.failOver });
  const prev = opts.compare?.report;
  const t = report.totals;

  const headline: Headline[] = [
    { key: 'files', label: 'Files scanned', value: t.files, unit: 'count', prev: prev?.totals.files },
    { key: 'bytes', label: 'Bytes scanned (as stored)', value: t.bytes, unit: 'bytes', prev: prev?.totals.bytes },
    { key: 'samples', label: 'Samples scanned', value: t.samples, unit: 'count', prev: prev?.totals.samples },
    { key: 'text_bytes', label: 'Sample text scanned', value: t.text_bytes, unit: 'bytes', prev: prev?.totals.text_bytes },
    { key: 'flagged', label: 'Flagged samples', value: t.flagged, unit: 'count', prev: prev?.totals.flagged },
    { key: 'flagged_text_bytes', label: 'Flagged sample text', value: t.flagged_text_bytes, unit: 'bytes', prev: prev?.totals.flagged_text_bytes },
    { key: 'flagged_fraction', label: 'Flagged fraction of samples', value: t.flagged_fraction, unit: 'fraction', prev: prev?.totals.flagged_fraction },
    { key: 'matches', label: 'Matches (sample, entry) pairs', value: t.matches, unit: 'count', prev: prev?.totals.matches },
    { key: 'skipped', label: 'Records skipped (bad input)', value: t.skipped, unit: 'count', prev: prev?.totals.skipped },
  ];

  const tagTitles: Array<[string, string]> = [
    ['vendor', 'By vendor'],
    ['model', 'By model'],
    ['source', 'By registry source'],
  ];
  const breakdowns: ReportView['breakdowns'] = [];
  for (const [key, title] of tagTitles) breakdowns.push({ key, title, rows: rowsOf(report.by_tag[key], prev ? (prev.by_tag[key] ?? {}) : undefined) });
  for (const key of Object.keys(report.by_tag).sort())
    if (!tagTitles.some(([k]) => k === key)) breakdowns.push({ key, title: `By ${key}`, rows: rowsOf(report.by_tag[key], prev ? (prev.by_tag[key] ?? {}) : undefined) });
  breakdowns.push({ key: 'kind', title: 'By match kind', rows: rowsOf(report.by_kind, prev ? prev.by_kind : undefined) });

  const ds = datasetsOf(report);
  if (prev) {
    const pds = datasetsOf(prev);
    for (const [name, d] of ds) {
      d.prev_flagged = pds.get(name)?.flagged ?? 0;
      d.prev_samples = pds.get(name)?.samples ?? 0;
    }
  }
  const datasets = [...ds.values()].sort((a, b) => b.flagged - a.flagged || (a.name < b.name ? -1 : 1));

  // one pass over the matches: most-matched entries and the strongest evidence of every (dataset, kind)
  const evidenceN = opts.evidence ?? 100;
  const datasetOf = new Map(report.inputs.map((f) => [f.file, f.dataset]));
  const entryStats = new Map<string, TopEntry & { lastSample: string }>();
  const pools = new Map<string, EvidenceItem[]>();
  let total = 0;
  for await (const { line } of mergedMatches(parts)) {
    total++;
    const m = line as unknown as EvidenceItem;
    let s = entryStats.get(m.registry_id);
    if (!s) entryStats.set(m.registry_id, (s = { registry_id: m.registry_id, matches: 0, samples: 0, best_score: 0, tags: m.tags ?? {}, lastSample: '' }));
    s.matches++;
    const sampleKey = `${m.file}\u0000${m.row}`;
    if (s.lastSample !== sampleKey) {
      s.samples++;
      s.lastSample = sampleKey;
    }
    if (m.score > s.best_score) s.best_score = m.score;
    if (evidenceN > 0) {
      const group = `${datasetOf.get(m.file) ?? ''}\u0000${m.kind}`;
      let pool = pools.get(group);
      if (!pool) pools.set(group, (pool = []));
      pool.push({
        sample_id: String(m.sample_id),
        file: m.file,
        row: m.row,
        registry_id: m.registry_id,
        kind: m.kind,
        score: m.score,
        tags: m.tags ?? {},
        spans: Array.isArray(m.spans) ? m.spans : [],
        excerpt: m.excerpt,
      });
      if (pool.length >= evidenceN * 4 + 64) pools.set(group, strongest(pool, evidenceN));
    }
  }
  const evidence = pickEvidence([...pools.values()].map((p) => strongest(p, evidenceN)), evidenceN);
  const entries = await mergedEntries(parts, new Set(evidence.map((e) => e.registry_id)));
  for (const e of evidence) e.entry = entries.get(e.registry_id);

  const top_entries = [...entryStats.values()]
    .sort((a, b) => b.matches - a.matches || b.samples - a.samples || (a.registry_id < b.registry_id ? -1 : 1))
    .slice(0, opts.topEntries ?? 15)
    .map(({ lastSample: _, ...e }) => e);

  const labels = Array.from({ length: SCORE_BINS }, (_, i) => `${(i / SCORE_BINS).toFixed(1)}–${((i + 1) / SCORE_BINS).toFixed(1)}`);
  const from = day(report.started_at);
  const to = day(report.finished_at);
  const threshold = report.policy.fail_over;

  let compare: ReportView['compare'];
  if (opts.compare && prev) {
    const notes: string[] = [];
    if (prev.registry?.digest !== report.registry.digest)
      notes.push(
        `The registry changed: ${prev.registry?.entries ?? '?'} entries (digest ${prev.registry?.digest ?? '?'}) then, ${report.registry.entries} entries (digest ${report.registry.digest}) now. New entries can flag data that was clean before.`,
      );
    if (prev.config?.id !== report.config.id) notes.push(`The matching parameters changed: config ${prev.config?.id ?? '?'} then, ${report.config.id} now.`);
    if (prev.tool?.version !== report.tool.version) notes.push(`The tool version changed: ${prev.tool?.version ?? '?'} then, ${report.tool.version} now.`);
    compare = { file: opts.compare.file, period: `${day(prev.started_at ?? '')} – ${day(prev.finished_at ?? '')}`, notes };
  }

  return {
    report,
    title: opts.title ?? 'Training-data contamination report',
    period: { from, to, label: opts.period ?? (from === to ? from : `${from} – ${to}`) },
    datasets,
    headline,
    policy: { threshold, fraction: t.flagged_fraction, pass: threshold === null ? null : !report.policy.exceeded },
    breakdowns,
    histogram: { bins: report.score_histogram, labels, ...(prev ? { prev: Array.from({ length: SCORE_BINS }, (_, i) => prev.score_histogram?.[i] ?? 0) } : {}) },
    ...(prev ? { prev_files: Object.fromEntries((prev.inputs ?? []).map((f) => [f.file, f.flagged])) } : {}),
    top_entries,
    evidence,
    evidence_total: total,
    evidence_page_size: opts.evidencePageSize ?? 20,
    compare,
    actions: (opts.actions ?? []).filter((a) => a.trim()),
  };
}
