/**
 * report.md: the same content as report.html in CommonMark/GFM tables, for a ticket, a wiki or a diff between
 * quarters. Every value from the data goes through mdText (one line, escaped); excerpts go in fenced blocks the
 * text cannot close, with matched spans between ⟪ and ⟫.
 */
import { cap, mdFence, mdText, visible } from './escape.js';
import { fmtBytes, fmtCount, fmtDelta, fmtFraction, fmtValue } from './html.js';
import { excerptView } from './excerpt.js';
import { ENTRY_TEXT_CAP, EXCERPT_CAP } from './model.js';
import type { EvidenceItem, ReportView } from './view.js';

function table(head: string[], rows: string[][], numeric: boolean[] = []): string {
  const sep = head.map((_, i) => (numeric[i] ? '---:' : '---'));
  return [head, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

function marked(e: EvidenceItem): string {
  const x = excerptView(e.excerpt, e.spans, EXCERPT_CAP + 100);
  if (!x) return '(no excerpt in matches.jsonl)';
  const body = x.pieces.map((p) => (p.marked ? `⟪${visible(p.text)}⟫` : visible(p.text))).join('');
  return (x.before ? `[… ${x.before} characters before]\n` : '') + body + (x.after ? `\n[… ${x.after} characters after]` : '');
}

const tags = (t: Record<string, string> | undefined) =>
  Object.entries(t ?? {})
    .map(([k, v]) => `${mdText(k, 40)}=${mdText(v, 80)}`)
    .join(', ') || 'no tags';

export function renderMarkdown(v: ReportView): string {
  const r = v.report;
  const t = r.totals;
  const cmp = Boolean(v.compare);
  const out: string[] = [];
  out.push(`# ${mdText(v.title, 120)}`, '');
  out.push(
    `Period **${mdText(v.period.label, 60)}** · scans ${mdText(r.started_at)} to ${mdText(r.finished_at)} · datasets: ${v.datasets.map((d) => mdText(d.name, 80)).join(', ') || 'none'} · contamscan ${mdText(r.tool.version)} · registry ${mdText(r.registry.digest)} (${fmtCount(r.registry.entries)} entries)`,
    '',
  );
  out.push('## Summary', '');
  out.push(
    v.policy.pass === null
      ? `**No policy threshold set**: flagged ${fmtFraction(t.flagged_fraction)} of samples.`
      : `**${v.policy.pass ? 'PASS' : 'FAIL'}**: flagged ${fmtFraction(t.flagged_fraction)} of samples; threshold ${fmtFraction(v.policy.threshold!)}.`,
    '',
  );
  out.push(
    table(
      ['figure', 'value', ...(cmp ? ['previous', 'change'] : [])],
      v.headline.map((h) => [h.label, fmtValue(h, h.value), ...(cmp ? [h.prev === undefined ? '' : fmtValue(h, h.prev), fmtDelta(h.unit, h.value, h.prev)] : [])]),
      [false, true, true, true],
    ),
    '',
  );
  if (v.compare) {
    out.push(`Compared with \`${v.compare.file.replace(/`/g, "'")}\` (period ${mdText(v.compare.period)}).`, '');
    for (const n of v.compare.notes) out.push(`> ${mdText(n, 600)}`, '');
  }
  out.push('### Actions taken', '');
  if (v.actions.length) out.push(...v.actions.map((a) => `- ${mdText(a, 1000)}`), '');
  else out.push('None recorded (`contamscan report --action TEXT` records what was done).', '');
  if (t.capped_matches) out.push(`${fmtCount(t.capped_matches)} further matches exceeded the per-sample cap and are counted only.`, '');

  out.push('## Breakdowns', '');
  for (const b of v.breakdowns) {
    out.push(`### ${mdText(b.title, 60)}`, '');
    const rows = b.rows.slice(0, 200).map((x) => [mdText(x.label, 120), fmtCount(x.samples), fmtCount(x.matches), ...(cmp ? [fmtCount(x.prev_samples ?? 0), fmtDelta('count', x.samples, x.prev_samples ?? 0)] : [])]);
    out.push(rows.length ? table(['value', 'flagged samples', 'matches', ...(cmp ? ['previous', 'change'] : [])], rows, [false, true, true, true, true]) : 'No matches.', '');
  }
  out.push('### By dataset', '');
  out.push(
    table(
      ['dataset', 'files', 'samples', 'bytes', 'flagged', 'flagged text', 'flagged %', 'skipped', ...(cmp ? ['previous flagged', 'change'] : [])],
      v.datasets.map((d) => [
        mdText(d.name, 120),
        fmtCount(d.files),
        fmtCount(d.samples),
        fmtBytes(d.bytes),
        fmtCount(d.flagged),
        fmtBytes(d.flagged_text_bytes),
        fmtFraction(d.samples ? d.flagged / d.samples : 0),
        fmtCount(d.skipped),
        ...(cmp ? [fmtCount(d.prev_flagged ?? 0), fmtDelta('count', d.flagged, d.prev_flagged ?? 0)] : []),
      ]),
      [false, true, true, true, true, true, true, true, true, true],
    ),
    '',
  );
  out.push('### Distribution of match scores', '');
  const hp = v.histogram.prev;
  out.push(
    table(
      ['score', 'matches', ...(hp ? ['previous', 'change'] : [])],
      v.histogram.labels.map((l, i) => [l, fmtCount(v.histogram.bins[i] ?? 0), ...(hp ? [fmtCount(hp[i] ?? 0), fmtDelta('count', v.histogram.bins[i] ?? 0, hp[i] ?? 0)] : [])]),
      [false, true, true, true],
    ),
    '',
  );
  out.push('### Registry entries matched most often', '');
  out.push(
    v.top_entries.length
      ? table(['registry entry', 'provenance', 'samples', 'matches', 'best score'], v.top_entries.map((e) => [mdText(e.registry_id, 160), tags(e.tags), fmtCount(e.samples), fmtCount(e.matches), e.best_score.toFixed(3)]), [false, false, true, true, true])
      : 'No matches.',
    '',
  );

  out.push('## Evidence', '');
  out.push(`The ${fmtCount(v.evidence.length)} strongest of ${fmtCount(v.evidence_total)} matches: the strongest of every dataset and match kind, then the strongest of the rest, at most 3 per registry entry; strongest first; matched spans are between ⟪ and ⟫. Every match is in matches.jsonl.`, '');
  v.evidence.forEach((e, i) => {
    out.push(`### #${i + 1} · ${mdText(e.kind, 20)} · score ${Number(e.score).toFixed(3)}`, '');
    out.push(`- sample: ${mdText(e.sample_id, 160)} (${mdText(e.file, 200)} row ${Number(e.row)})`);
    out.push(`- registry entry: ${mdText(e.registry_id, 160)} (${tags(e.tags)})`, '');
    out.push('Sample excerpt:', '', mdFence(marked(e)), '');
    if (e.entry) {
      const more = e.entry.text_chars > e.entry.text.length ? `\n[… ${e.entry.text_chars - e.entry.text.length} more characters in the registry]` : '';
      out.push('Registry entry text:', '', mdFence(visible(cap(e.entry.text, ENTRY_TEXT_CAP)) + more), '');
    }
  });

  out.push('## Method and audit trail', '');
  out.push(
    table(
      ['item', 'value'],
      [
        ['tool', `contamscan ${mdText(r.tool.version)}, report schema v${r.schema_version}`],
        ['config id', mdText(r.config.id, 600)],
        ['registry', `${mdText(r.registry.path, 300)}: ${fmtCount(r.registry.entries)} entries, ${fmtBytes(r.registry.bytes)}, built ${mdText(r.registry.created_at)}, digest ${mdText(r.registry.digest)}`],
        ['low-evidence entries', `${r.registry.low_evidence.short} short, ${r.registry.low_evidence.low_variety} low variety, ${r.registry.low_evidence.mostly_common} mostly common (kept, never reported)`],
        ['marker rules', r.rules.map((x) => mdText(x, 80)).join(', ')],
        ['scan', `${mdText(r.started_at)} to ${mdText(r.finished_at)}, ${r.duration_s.toFixed(1)} s, ${r.workers} workers, ${r.throughput.mb_per_s.toFixed(1)} MB/s`],
        ['policy', r.policy.fail_over === null ? 'no threshold' : `fail when more than ${fmtFraction(r.policy.fail_over)} of samples are flagged`],
        ['totals', `${fmtCount(t.files)} files (${t.failed_files} failed), ${fmtCount(t.records)} records = ${fmtCount(t.samples)} scanned + ${fmtCount(t.skipped)} skipped`],
      ],
    ),
    '',
  );
  out.push('### Parameters', '', table(['parameter', 'value'], Object.entries(r.config.params).map(([k, x]) => [mdText(k, 60), mdText(x, 40)]), [false, true]), '');
  if (r.merged_from) out.push(`### Merged from ${r.merged_from.length} scans`, '', table(['scan output', 'started', 'finished', 'files', 'samples'], r.merged_from.map((m) => [mdText(m.dir, 200), mdText(m.started_at), mdText(m.finished_at), fmtCount(m.files), fmtCount(m.samples)]), [false, false, false, true, true]), '');
  out.push('### Input files', '');
  out.push(
    table(
      ['file', 'dataset', 'bytes', 'SHA-256', 'records', 'samples', 'skipped', 'flagged', 'status'],
      r.inputs.map((f) => [mdText(f.file, 300), mdText(f.dataset, 80), fmtCount(f.bytes), mdText(f.sha256 ?? 'unreadable', 70), fmtCount(f.records), fmtCount(f.samples), fmtCount(f.skipped), fmtCount(f.flagged), mdText(f.status + (f.error ? `: ${f.error}` : ''), 300)]),
      [false, false, true, false, true, true, true, true, false],
    ),
    '',
  );
  out.push('### Skipped records by reason', '');
  out.push(
    r.skipped.length
      ? table(['reason', 'records', 'examples'], r.skipped.map((g) => [mdText(g.reason, 40), fmtCount(g.count), g.examples.map((x) => `${mdText(x.file, 200)}:${x.row}${x.field ? ` field ${mdText(x.field, 80)}` : ''}: ${mdText(x.message, 300)}`).join('; ')]), [false, true, false])
      : 'None.',
    '',
  );
  return out.join('\n');
}
