/**
 * writeReport(): report.html and report.md from one or more scan outputs (merged as `contamscan merge` would),
 * without re-scanning anything. Several scan outputs are first merged into --out (report.json, matches.jsonl,
 * entries.jsonl, as `contamscan merge` writes them); that report.json is what `--compare` takes next quarter.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ContamscanError, usageError } from '../errors.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { mergeScans, readScanDir } from './merge.js';
import type { ScanReport } from './model.js';
import { buildView, type ReportView } from './view.js';

export type ReportFormat = 'html' | 'md';
export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'md'];

export interface ReportOptions {
  /** Scan output directories (report.json, matches.jsonl, entries.jsonl). */
  dirs: string[];
  out: string;
  /** Default: both. */
  formats?: ReportFormat[];
  /** A previous report.json to compare every headline figure and breakdown with. */
  compare?: string;
  /** Policy threshold; default the scans' --fail-over. */
  failOver?: number;
  /** Period label, e.g. "2026 Q4"; default the scan dates. */
  period?: string;
  title?: string;
  /** Number of evidence items (strongest matches) shown; default 100. */
  evidence?: number;
  /** What was done about the findings, one statement each (shown under "Actions taken"). */
  actions?: string[];
}

export interface ReportResult {
  view: ReportView;
  files: string[];
}

export function parseFormats(s: string): ReportFormat[] {
  const f = s
    .split(',')
    .map((x) => x.trim().toLowerCase())
    .filter(Boolean)
    .map((x) => (x === 'markdown' ? 'md' : x));
  for (const x of f) if (!REPORT_FORMATS.includes(x as ReportFormat)) throw usageError(`unknown report format "${x}"; known: ${REPORT_FORMATS.join(', ')}`, { field: 'report' });
  return [...new Set(f)] as ReportFormat[];
}

async function readPrevious(path: string): Promise<ScanReport> {
  let r: ScanReport;
  try {
    r = JSON.parse(await readFile(path, 'utf8')) as ScanReport;
  } catch (e) {
    throw new ContamscanError('E_SCAN_OUTPUT', `--compare ${path}: cannot read a report.json: ${(e as Error).message}`, { file: path });
  }
  if (r?.tool?.name !== 'contamscan' || !r.totals) throw new ContamscanError('E_SCAN_OUTPUT', `--compare ${path}: not a contamscan report.json`, { file: path });
  return r;
}

export async function writeReport(opts: ReportOptions): Promise<ReportResult> {
  if (!opts.dirs.length) throw usageError('report: give at least one scan output directory');
  if (opts.evidence !== undefined && !(Number.isInteger(opts.evidence) && opts.evidence >= 0)) throw usageError(`--evidence must be a non-negative integer, got ${opts.evidence}`, { field: 'evidence' });
  if (opts.failOver !== undefined && !(opts.failOver >= 0 && opts.failOver <= 1)) throw usageError(`--fail-over must be a fraction in [0, 1], got ${opts.failOver}`, { field: 'failOver' });
  let parts = await Promise.all(opts.dirs.map(readScanDir));
  if (parts.length > 1) {
    // several scans: write their merged output (report.json, matches.jsonl, entries.jsonl) to --out and report on it
    if (opts.dirs.some((d) => resolve(d) === resolve(opts.out))) throw usageError('report: with several scan outputs, --out must be another directory (the merged scan output is written there)', { field: 'out' });
    await mergeScans({ dirs: opts.dirs, out: opts.out, failOver: opts.failOver });
    parts = [await readScanDir(opts.out)];
  }
  const compare = opts.compare ? { file: opts.compare, report: await readPrevious(opts.compare) } : undefined;
  const view = await buildView(parts, { failOver: opts.failOver, period: opts.period, title: opts.title, evidence: opts.evidence, actions: opts.actions, compare });
  await mkdir(opts.out, { recursive: true });
  const files: string[] = [];
  const formats = opts.formats ?? [...REPORT_FORMATS];
  if (formats.includes('html')) {
    const p = join(opts.out, 'report.html');
    await writeFile(p, renderHtml(view));
    files.push(p);
  }
  if (formats.includes('md')) {
    const p = join(opts.out, 'report.md');
    await writeFile(p, renderMarkdown(view));
    files.push(p);
  }
  return { view, files };
}
