/**
 * report.html: one self-contained file (inline CSS and SVG; no scripts, fonts or images fetched; a
 * Content-Security-Policy that forbids them anyway), printable to PDF. Pure function of the ReportView; the same
 * scan outputs give the same bytes (no generation time is printed).
 */
import { cap, escapeHtml, htmlText, visible } from './escape.js';
import { excerptView } from './excerpt.js';
import { EXCERPT_CAP, ENTRY_TEXT_CAP } from './model.js';
import { barChart, histogram, thresholdGauge } from './svg.js';
import type { EvidenceItem, Headline, ReportView, Row } from './view.js';

export const fmtCount = (n: number) => n.toLocaleString('en-US');
export function fmtBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let v = n;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[i]}`;
}
export const fmtFraction = (f: number) => `${(100 * f).toFixed(f && f < 0.001 ? 4 : 3)}%`;

export function fmtValue(h: Pick<Headline, 'unit'>, v: number): string {
  return h.unit === 'bytes' ? fmtBytes(v) : h.unit === 'fraction' ? fmtFraction(v) : fmtCount(v);
}

/** "+12 (+3.4%)", "−0.010 pp" for fractions, "new" when there was nothing before. */
export function fmtDelta(unit: Headline['unit'], now: number, prev: number | undefined): string {
  if (prev === undefined) return '';
  const d = now - prev;
  if (unit === 'fraction') return `${d >= 0 ? '+' : '−'}${Math.abs(100 * d).toFixed(4)} pp`;
  const abs = unit === 'bytes' ? fmtBytes(Math.abs(d)) : fmtCount(Math.abs(d));
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
  const rel = prev ? ` (${sign}${Math.abs((100 * d) / prev).toFixed(1)}%)` : d ? ' (new)' : '';
  return `${sign}${abs}${rel}`;
}

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1a202c; margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 2px solid #e2e8f0; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
header, h1, h2, h3, h4, p, .verdict { overflow-wrap: anywhere; }
h2, h3, h4, .legend { break-after: avoid; }
.sub { color: #4a5568; margin: 0 0 16px; }
.verdict { padding: 12px 16px; border-radius: 6px; font-size: 18px; font-weight: 600; margin: 12px 0; }
.pass { background: #c6f6d5; border: 1px solid #2f855a; } .fail { background: #fed7d7; border: 1px solid #c53030; } .none { background: #edf2f7; border: 1px solid #a0aec0; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 8px; margin: 12px 0; }
.tile { border: 1px solid #e2e8f0; border-radius: 6px; padding: 8px 12px; break-inside: avoid; }
.tile .v { font-size: 20px; font-weight: 600; } .tile .l { color: #4a5568; font-size: 12px; } .tile .d { font-size: 12px; color: #4a5568; }
table { border-collapse: collapse; margin: 8px 0; width: 100%; } .tw { overflow-x: auto; max-width: 100%; } th, td { border-bottom: 1px solid #e2e8f0; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f7fafc; font-weight: 600; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12px; }
.wrap { overflow-wrap: anywhere; word-break: break-word; }
.chart { max-width: 100%; height: auto; display: block; margin: 8px 0; }
.breakdown { break-inside: avoid; }
.ev { border: 1px solid #cbd5e0; border-radius: 6px; margin: 12px 0; padding: 8px 12px; break-inside: avoid; }
.ev h4 { margin: 0 0 6px; font-size: 14px; }
.ev .cols { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.ev pre { white-space: pre-wrap; overflow-wrap: anywhere; word-break: break-word; background: #f7fafc; border: 1px solid #e2e8f0; padding: 6px; margin: 4px 0; max-height: 28em; overflow: auto; }
mark { background: #fefcbf; box-decoration-break: clone; -webkit-box-decoration-break: clone; }
.tags span { display: inline-block; background: #ebf8ff; border: 1px solid #bee3f8; border-radius: 3px; padding: 0 4px; margin: 1px 2px; font-size: 12px; }
.evpage { break-before: page; } .evpage:first-of-type { break-before: auto; }
nav.pages a { margin-right: 8px; }
.note { background: #fffaf0; border-left: 4px solid #dd6b20; padding: 6px 10px; margin: 8px 0; }
.muted { color: #718096; }
.legend span { display: inline-block; width: 12px; height: 8px; margin: 0 4px 0 12px; }
@media print { body { max-width: none; padding: 0; font-size: 11px; } .tw { overflow: visible; } .ev pre { max-height: none; overflow: visible; } nav.pages { display: none; } a { color: inherit; text-decoration: none; } }
`;

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

function tagsHtml(tags: Record<string, string> | undefined): string {
  const e = Object.entries(tags ?? {});
  return e.length ? `<span class="tags">${e.map(([k, v]) => `<span>${htmlText(k, 40)}=${htmlText(v, 80)}</span>`).join('')}</span>` : '<span class="muted">no tags</span>';
}

/** The excerpt as HTML with the spans that fall inside it wrapped in <mark>. */
export function highlighted(item: Pick<EvidenceItem, 'excerpt' | 'spans'>): string {
  const x = excerptView(item.excerpt, item.spans, EXCERPT_CAP + 100);
  if (!x) return '<span class="muted">no excerpt in matches.jsonl (scan made without --out?)</span>';
  const body = x.pieces.map((p) => (p.marked ? `<mark>${escapeHtml(visible(p.text))}</mark>` : escapeHtml(visible(p.text)))).join('');
  return (
    (x.before ? `<span class="muted">[… ${fmtCount(x.before)} characters before]</span>\n` : '') +
    body +
    (x.after ? `\n<span class="muted">[… ${fmtCount(x.after)} characters after]</span>` : '')
  );
}

function deltaCell(unit: Headline['unit'], now: number, prev: number | undefined): string {
  return prev === undefined ? '' : `<td class="n">${escapeHtml(fmtCount(prev))}</td><td class="n">${escapeHtml(fmtDelta(unit, now, prev))}</td>`;
}

function breakdownTable(rows: Row[], compare: boolean): string {
  const head = `<tr><th>value</th><th class="n">flagged samples</th><th class="n">matches</th>${compare ? '<th class="n">previous</th><th class="n">change</th>' : ''}</tr>`;
  const body = rows
    .map((r) => `<tr><td class="wrap">${htmlText(r.label, 120)}</td><td class="n">${fmtCount(r.samples)}</td><td class="n">${fmtCount(r.matches)}</td>${compare ? deltaCell('count', r.samples, r.prev_samples ?? 0) : ''}</tr>`)
    .join('');
  return `<table>${head}${body || `<tr><td colspan="${compare ? 5 : 3}" class="muted">no matches</td></tr>`}</table>`;
}

function evidenceHtml(e: EvidenceItem, rank: number): string {
  const entry = e.entry;
  const entryText = entry
    ? escapeHtml(visible(cap(entry.text, ENTRY_TEXT_CAP))) + (entry.text_chars > entry.text.length ? `\n<span class="muted">[… ${fmtCount(entry.text_chars - entry.text.length)} more characters in the registry]</span>` : '')
    : '<span class="muted">entry text not in entries.jsonl</span>';
  return `<article class="ev" id="ev-${rank}">
<h4>#${rank} · ${htmlText(e.kind, 20)} · score ${escapeHtml(Number(e.score).toFixed(3))}</h4>
<div class="cols"><div>
<div><b>Sample</b> <span class="mono wrap">${htmlText(e.sample_id, 160)}</span></div>
<div class="muted mono wrap">${htmlText(e.file, 200)} row ${escapeHtml(String(e.row))}</div>
<pre>${highlighted(e)}</pre>
</div><div>
<div><b>Registry entry</b> <span class="mono wrap">${htmlText(e.registry_id, 160)}</span></div>
<div>${tagsHtml(e.tags)}</div>
<pre>${entryText}</pre>
</div></div>
</article>`;
}

/** Tables scroll sideways inside their own box on a narrow screen instead of widening the page. */
const scrollableTables = (html: string) => html.replace(/<table>/g, '<div class="tw"><table>').replace(/<\/table>/g, '</table></div>');

export function renderHtml(v: ReportView): string {
  return scrollableTables(renderPage(v));
}

function renderPage(v: ReportView): string {
  const r = v.report;
  const t = r.totals;
  const cmp = Boolean(v.compare);
  const verdict =
    v.policy.pass === null
      ? `<div class="verdict none" id="verdict">No policy threshold set: flagged ${fmtFraction(t.flagged_fraction)} of samples</div>`
      : `<div class="verdict ${v.policy.pass ? 'pass' : 'fail'}" id="verdict">${v.policy.pass ? 'PASS' : 'FAIL'}: flagged ${fmtFraction(t.flagged_fraction)} of samples; threshold ${fmtFraction(v.policy.threshold!)}</div>`;
  const tiles = v.headline
    .map(
      (h) =>
        `<div class="tile"><div class="l">${escapeHtml(h.label)}</div><div class="v">${escapeHtml(fmtValue(h, h.value))}</div>${h.prev !== undefined ? `<div class="d">${escapeHtml(fmtDelta(h.unit, h.value, h.prev))} since last report</div>` : ''}</div>`,
    )
    .join('');
  const legend = cmp ? `<p class="legend"><span style="background:#2b6cb0"></span>this report<span style="background:#a0aec0"></span>previous report</p>` : '';
  const compareNote = v.compare
    ? `<p>Compared with <span class="mono wrap">${htmlText(v.compare.file, 200)}</span> (period ${htmlText(v.compare.period, 60)}).</p>${v.compare.notes.map((n) => `<p class="note">${htmlText(n, 600)}</p>`).join('')}`
    : '';

  const breakdowns = v.breakdowns
    .map(
      (b) => `<section class="breakdown" id="by-${escapeHtml(b.key.replace(/[^A-Za-z0-9_-]/g, '_'))}"><h3>${htmlText(b.title, 60)}</h3>
${barChart(`${b.title}: flagged samples`, b.rows.slice(0, 20).map((x) => ({ label: x.label, value: x.samples, ...(cmp ? { prev: x.prev_samples ?? 0 } : {}) })))}
${b.rows.length > 20 ? `<p class="muted">${b.rows.length - 20} more values in the table.</p>` : ''}
${breakdownTable(b.rows.slice(0, 200), cmp)}${b.rows.length > 200 ? `<p class="muted">${b.rows.length - 200} more values in report.json.</p>` : ''}</section>`,
    )
    .join('\n');

  const dsRows = v.datasets
    .map(
      (d) =>
        `<tr><td class="wrap">${htmlText(d.name, 120)}</td><td class="n">${fmtCount(d.files)}</td><td class="n">${fmtCount(d.samples)}</td><td class="n">${fmtBytes(d.bytes)}</td><td class="n">${fmtCount(d.flagged)}</td><td class="n">${fmtBytes(d.flagged_text_bytes)}</td><td class="n">${fmtFraction(d.samples ? d.flagged / d.samples : 0)}</td><td class="n">${fmtCount(d.skipped)}</td>${cmp ? `<td class="n">${fmtCount(d.prev_flagged ?? 0)}</td><td class="n">${escapeHtml(fmtDelta('count', d.flagged, d.prev_flagged ?? 0))}</td>` : ''}</tr>`,
    )
    .join('');
  const byFile = [...r.inputs].sort((a, b) => b.flagged - a.flagged || (a.file < b.file ? -1 : 1));
  const shardChart = barChart(
    'Flagged samples by shard (top 20)',
    byFile.slice(0, 20).map((f) => ({ label: f.file.split('/').slice(-2).join('/'), value: f.flagged, ...(v.prev_files ? { prev: v.prev_files[f.file] ?? 0 } : {}) })),
  );

  const pageSize = Math.max(1, v.evidence_page_size);
  const pages: string[] = [];
  for (let i = 0; i < v.evidence.length; i += pageSize) {
    const items = v.evidence.slice(i, i + pageSize);
    pages.push(
      `<section class="evpage" id="evidence-page-${pages.length + 1}"><h3>Evidence page ${pages.length + 1}: matches ${i + 1}–${i + items.length}</h3>${items.map((e, j) => evidenceHtml(e, i + j + 1)).join('\n')}</section>`,
    );
  }
  const nav = pages.length > 1 ? `<nav class="pages">Pages: ${pages.map((_, i) => `<a href="#evidence-page-${i + 1}">${i + 1}</a>`).join('')}</nav>` : '';

  const topEntries = v.top_entries
    .map((e) => `<tr><td class="mono wrap">${htmlText(e.registry_id, 160)}</td><td>${tagsHtml(e.tags)}</td><td class="n">${fmtCount(e.samples)}</td><td class="n">${fmtCount(e.matches)}</td><td class="n">${e.best_score.toFixed(3)}</td></tr>`)
    .join('');

  const params = Object.entries(r.config.params)
    .map(([k, val]) => `<tr><td class="mono">${htmlText(k, 60)}</td><td class="n mono">${htmlText(val, 40)}</td></tr>`)
    .join('');
  const files = r.inputs
    .map(
      (f) =>
        `<tr><td class="mono wrap">${htmlText(f.file, 300)}</td><td class="wrap">${htmlText(f.dataset, 80)}</td><td class="n">${fmtCount(f.bytes)}</td><td class="mono wrap">${htmlText(f.sha256 ?? 'unreadable', 70)}</td><td class="n">${fmtCount(f.records)}</td><td class="n">${fmtCount(f.samples)}</td><td class="n">${fmtCount(f.skipped)}</td><td class="n">${fmtCount(f.flagged)}</td><td class="wrap">${htmlText(f.status, 10)}${f.error ? `: ${htmlText(f.error, 300)}` : ''}</td></tr>`,
    )
    .join('');
  const skipped = r.skipped
    .map(
      (g) =>
        `<tr><td class="mono">${htmlText(g.reason, 40)}</td><td class="n">${fmtCount(g.count)}</td><td class="wrap">${g.examples.map((x) => `<div><span class="mono">${htmlText(x.file, 200)}:${escapeHtml(String(x.row))}</span>${x.field ? ` field <span class="mono">${htmlText(x.field, 80)}</span>` : ''}: ${htmlText(x.message, 300)}</div>`).join('')}</td></tr>`,
    )
    .join('');
  const merged = r.merged_from
    ? `<h3>Merged from ${r.merged_from.length} scans</h3><table><tr><th>scan output</th><th>started</th><th>finished</th><th class="n">files</th><th class="n">samples</th></tr>${r.merged_from.map((m) => `<tr><td class="mono wrap">${htmlText(m.dir, 200)}</td><td>${htmlText(m.started_at, 40)}</td><td>${htmlText(m.finished_at, 40)}</td><td class="n">${fmtCount(m.files)}</td><td class="n">${fmtCount(m.samples)}</td></tr>`).join('')}</table>`
    : '';

  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="contamscan ${escapeHtml(r.tool.version)}">
<title>${htmlText(v.title, 120)} · ${htmlText(v.period.label, 60)}</title>
<style>${CSS}</style></head>
<body>
<header><h1>${htmlText(v.title, 120)}</h1>
<p class="sub">Period <b>${htmlText(v.period.label, 60)}</b> · scans ${htmlText(r.started_at, 40)} to ${htmlText(r.finished_at, 40)} · datasets: ${v.datasets.map((d) => htmlText(d.name, 80)).join(', ') || 'none'} · contamscan ${htmlText(r.tool.version, 20)} · registry ${htmlText(r.registry.digest, 40)} (${fmtCount(r.registry.entries)} entries)</p></header>

<section id="summary"><h2>Summary</h2>
${verdict}
${thresholdGauge('Flagged fraction of samples against the policy threshold', t.flagged_fraction, v.policy.threshold)}
<div class="tiles">${tiles}</div>
${compareNote}
<h3>Actions taken</h3>
${v.actions.length ? `<ul id="actions">${v.actions.map((a) => `<li>${htmlText(a, 1000)}</li>`).join('')}</ul>` : '<p id="actions" class="muted">None recorded. (<span class="mono">contamscan report --action TEXT</span> records what was done, e.g. that flagged samples were removed before training.)</p>'}
<p>A sample is <b>flagged</b> when at least one registry entry (a known rival-model output or test item) was found in it, verbatim or altered, or when it carries a coding agent's marker. Bytes scanned are the input files as stored; flagged sample text is the UTF-8 size of the flagged samples' text.${t.capped_matches ? ` ${fmtCount(t.capped_matches)} further matches exceeded the per-sample cap and are counted only.` : ''}</p>
</section>

<section id="breakdowns"><h2>Breakdowns</h2>${legend}
${breakdowns}
<section class="breakdown" id="by-dataset"><h3>By dataset</h3>
${barChart('Flagged samples by dataset', v.datasets.slice(0, 20).map((d) => ({ label: d.name, value: d.flagged, ...(cmp ? { prev: d.prev_flagged ?? 0 } : {}) })))}
<table><tr><th>dataset</th><th class="n">files</th><th class="n">samples</th><th class="n">bytes</th><th class="n">flagged</th><th class="n">flagged text</th><th class="n">flagged %</th><th class="n">skipped</th>${cmp ? '<th class="n">previous flagged</th><th class="n">change</th>' : ''}</tr>${dsRows}</table></section>
<section class="breakdown" id="by-shard"><h3>By shard</h3>${shardChart}<p class="muted">Every file with its counts and checksum is listed under Method and audit trail.</p></section>
<section class="breakdown" id="scores"><h3>Distribution of match scores</h3>
${histogram('Matches by verified score', v.histogram.bins, v.histogram.labels, v.histogram.prev ? { prev: v.histogram.prev } : {})}
<p class="muted">The score is the verified share of the registry entry found in the sample (1 for exact copies and markers; Jaccard similarity for near duplicates).</p></section>
<section class="breakdown" id="top-entries"><h3>Registry entries matched most often</h3>
<table><tr><th>registry entry</th><th>provenance</th><th class="n">samples</th><th class="n">matches</th><th class="n">best score</th></tr>${topEntries || '<tr><td colspan="5" class="muted">no matches</td></tr>'}</table></section>
</section>

<section id="evidence"><h2>Evidence</h2>
<p>The ${fmtCount(v.evidence.length)} strongest of ${fmtCount(v.evidence_total)} matches: the strongest of every dataset and match kind, then the strongest of the rest, at most 3 per registry entry; strongest first. Highlighted: where the evidence lies in the sample. Every match is in <span class="mono">matches.jsonl</span>.</p>
${nav}
${pages.join('\n') || '<p class="muted">No matches.</p>'}
</section>

<section id="method"><h2>Method and audit trail</h2>
<table>
<tr><th>tool</th><td>contamscan ${htmlText(r.tool.version, 20)}, report schema v${escapeHtml(String(r.schema_version))}</td></tr>
<tr><th>config id</th><td class="mono wrap">${htmlText(r.config.id, 600)}</td></tr>
<tr><th>registry</th><td class="wrap"><span class="mono">${htmlText(r.registry.path, 300)}</span>: ${fmtCount(r.registry.entries)} entries, ${fmtBytes(r.registry.bytes)}, built ${htmlText(r.registry.created_at, 40)}, digest <span class="mono">${htmlText(r.registry.digest, 40)}</span>; low-evidence entries (kept, never reported): ${fmtCount(r.registry.low_evidence.short)} short, ${fmtCount(r.registry.low_evidence.low_variety)} low variety, ${fmtCount(r.registry.low_evidence.mostly_common)} mostly common</td></tr>
<tr><th>marker rules</th><td class="mono wrap">${r.rules.map((x) => htmlText(x, 80)).join(', ')}</td></tr>
<tr><th>scan</th><td>${htmlText(r.started_at, 40)} to ${htmlText(r.finished_at, 40)}, ${r.duration_s.toFixed(1)} s of scanning, ${escapeHtml(String(r.workers))} workers, ${r.throughput.mb_per_s.toFixed(1)} MB/s</td></tr>
<tr><th>policy</th><td>${r.policy.fail_over === null ? 'no threshold' : `fail when more than ${fmtFraction(r.policy.fail_over)} of samples are flagged`}</td></tr>
<tr><th>totals</th><td>${fmtCount(t.files)} files (${fmtCount(t.failed_files)} failed), ${fmtCount(t.records)} records = ${fmtCount(t.samples)} scanned + ${fmtCount(t.skipped)} skipped</td></tr>
</table>
<p>To reproduce: run the same contamscan version with the same registry file (same digest) and the parameters below on the files listed (same SHA-256); the matches and counts are the same, whatever the number of workers or machines.</p>
<h3>Parameters</h3><table>${params}</table>
${merged}
<h3>Input files</h3>
<table><tr><th>file</th><th>dataset</th><th class="n">bytes</th><th>SHA-256</th><th class="n">records</th><th class="n">samples</th><th class="n">skipped</th><th class="n">flagged</th><th>status</th></tr>${files}</table>
${r.ignored_inputs.length ? `<p>Ignored (unsupported extension): ${r.ignored_inputs.slice(0, 50).map((x) => `<span class="mono">${htmlText(x, 200)}</span>`).join(', ')}${r.ignored_inputs.length > 50 ? ` and ${r.ignored_inputs.length - 50} more` : ''}</p>` : ''}
<h3>Skipped records by reason</h3>
<table><tr><th>reason</th><th class="n">records</th><th>examples</th></tr>${skipped || '<tr><td colspan="3" class="muted">none</td></tr>'}</table>
</section>
</body></html>
`;
}
