/**
 * Inline SVG charts for report.html: plain functions from rows to markup, no scripts, no fonts, no network.
 * Colours print in greyscale as distinct shades; every chart has a <title> and a table next to it in the report.
 */
import { escapeHtml, htmlText } from './escape.js';

export interface BarRow {
  label: string;
  value: number;
  /** Last quarter's value, drawn as a thin bar under the current one when present. */
  prev?: number;
}

const NOW = '#2b6cb0';
const PREV = '#a0aec0';
const TEXT = '#1a202c';
const fmt = (n: number) => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(3));

/** Horizontal bars, one row per label, longest first as given. */
export function barChart(title: string, rows: BarRow[], opts: { width?: number; unit?: string } = {}): string {
  const width = opts.width ?? 640;
  const labelW = 200;
  const valueW = 110;
  const barMax = width - labelW - valueW;
  const hasPrev = rows.some((r) => r.prev !== undefined);
  const rowH = hasPrev ? 30 : 22;
  const height = Math.max(1, rows.length) * rowH + 8;
  const max = Math.max(1e-12, ...rows.map((r) => Math.max(r.value, r.prev ?? 0)));
  const parts: string[] = [];
  rows.forEach((r, i) => {
    const y = 4 + i * rowH;
    const w = (r.value / max) * barMax;
    parts.push(
      `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end" font-size="12" fill="${TEXT}">${htmlText(r.label, 32)}</text>`,
      `<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="14" fill="${NOW}"><title>${htmlText(r.label, 200)}: ${fmt(r.value)}</title></rect>`,
    );
    if (r.prev !== undefined) {
      const pw = (r.prev / max) * barMax;
      parts.push(`<rect x="${labelW}" y="${y + 19}" width="${pw.toFixed(1)}" height="6" fill="${PREV}"><title>previous: ${fmt(r.prev)}</title></rect>`);
    }
    parts.push(`<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 14}" font-size="12" fill="${TEXT}">${escapeHtml(fmt(r.value))}${opts.unit ? escapeHtml(opts.unit) : ''}</text>`);
  });
  if (!rows.length) parts.push(`<text x="${labelW}" y="18" font-size="12" fill="${TEXT}">none</text>`);
  return svg(title, width, height, parts);
}

/** Vertical histogram with one bar per bin and bin labels underneath. */
export function histogram(title: string, bins: number[], labels: string[], opts: { width?: number; prev?: number[] } = {}): string {
  const width = opts.width ?? 640;
  const height = 200;
  const top = 18;
  const bottom = 36;
  const plotH = height - top - bottom;
  const n = Math.max(1, bins.length);
  const slot = (width - 20) / n;
  const max = Math.max(1, ...bins, ...(opts.prev ?? []));
  const parts: string[] = [`<line x1="10" y1="${height - bottom}" x2="${width - 10}" y2="${height - bottom}" stroke="${TEXT}" stroke-width="1"/>`];
  bins.forEach((v, i) => {
    const h = (v / max) * plotH;
    const x = 10 + i * slot;
    const p = opts.prev?.[i];
    if (p !== undefined) {
      // the previous report's bin: a thin grey bar along the right edge of the slot
      const ph = (p / max) * plotH;
      parts.push(`<rect x="${(x + slot - 9).toFixed(1)}" y="${(height - bottom - ph).toFixed(1)}" width="5" height="${ph.toFixed(1)}" fill="${PREV}"><title>previous ${escapeHtml(labels[i] ?? '')}: ${fmt(p)}</title></rect>`);
    }
    parts.push(
      `<rect x="${(x + 3).toFixed(1)}" y="${(height - bottom - h).toFixed(1)}" width="${(slot - (opts.prev ? 14 : 6)).toFixed(1)}" height="${h.toFixed(1)}" fill="${NOW}"><title>${escapeHtml(labels[i] ?? '')}: ${fmt(v)}</title></rect>`,
      `<text x="${(x + slot / 2).toFixed(1)}" y="${(height - bottom - h - 4).toFixed(1)}" text-anchor="middle" font-size="11" fill="${TEXT}">${fmt(v)}</text>`,
      `<text x="${(x + slot / 2).toFixed(1)}" y="${height - bottom + 14}" text-anchor="middle" font-size="10" fill="${TEXT}">${escapeHtml(labels[i] ?? '')}</text>`,
    );
  });
  parts.push(`<text x="${width / 2}" y="${height - 4}" text-anchor="middle" font-size="11" fill="${TEXT}">verified score</text>`);
  return svg(title, width, height, parts);
}

/** The flagged fraction against the policy threshold: a bar on a scale reaching past both, labels that cannot collide. */
export function thresholdGauge(title: string, fraction: number, threshold: number | null, opts: { width?: number } = {}): string {
  const width = opts.width ?? 640;
  const height = 62;
  const scale = Math.max(fraction, threshold ?? 0) * 1.25 || 0.01;
  const x = (v: number) => 10 + (v / scale) * (width - 20);
  const over = threshold !== null && fraction > threshold;
  const fx = x(fraction);
  const parts = [
    `<rect x="10" y="20" width="${width - 20}" height="18" fill="#edf2f7" stroke="#cbd5e0"/>`,
    `<rect x="10" y="20" width="${(fx - 10).toFixed(1)}" height="18" fill="${threshold === null ? NOW : over ? '#c53030' : '#2f855a'}"><title>flagged ${(100 * fraction).toFixed(4)}%</title></rect>`,
    // the flagged label under the bar's end, the threshold label above its line
    `<text x="${Math.max(10, fx).toFixed(1)}" y="54" text-anchor="${fx < 120 ? 'start' : 'end'}" font-size="11" fill="${TEXT}">flagged ${escapeHtml((100 * fraction).toFixed(4))}%</text>`,
  ];
  if (threshold !== null) {
    const tx = x(threshold);
    parts.push(
      `<line x1="${tx.toFixed(1)}" y1="14" x2="${tx.toFixed(1)}" y2="44" stroke="${TEXT}" stroke-width="2" stroke-dasharray="4 2"/>`,
      `<text x="${tx.toFixed(1)}" y="11" text-anchor="${tx < 120 ? 'start' : tx > width - 120 ? 'end' : 'middle'}" font-size="11" fill="${TEXT}">threshold ${escapeHtml((100 * threshold).toFixed(4))}%</text>`,
    );
  }
  return svg(title, width, height, parts);
}

function svg(title: string, width: number, height: number, parts: string[]): string {
  return (
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}">` +
    `<title>${escapeHtml(title)}</title>${parts.join('')}</svg>`
  );
}
