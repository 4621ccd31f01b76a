/**
 * Sample text is hostile input. Everything that reaches report.html or report.md goes through these functions:
 * length-capped, invisible and direction-changing characters made visible, then escaped for the target syntax.
 */

/** Bidirectional controls and marks (Trojan Source): shown as a visible tag, never applied. */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** C0/C1 controls other than tab and newline, plus line/paragraph separators and the BOM. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const hex = (c: string) => `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

/** Make invisible and direction-changing characters visible as ⟦U+XXXX⟧; replace lone surrogates. */
export function visible(s: string): string {
  return s.replace(BIDI, (c) => `⟦${hex(c)}⟧`).replace(CONTROL, (c) => `⟦${hex(c)}⟧`).replace(LONE_SURROGATE, '\ufffd');
}

/** At most `max` characters (not cutting a surrogate pair), with a note of how much was cut. */
export function cap(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${s.slice(0, end)}… [${s.length - end} more characters]`;
}

const HTML_ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape for HTML text and attribute values (double- or single-quoted). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESC[c]!);
}

/** Untrusted text -> safe HTML text: visible, capped, escaped. */
export function htmlText(s: unknown, max = 300): string {
  return escapeHtml(cap(visible(String(s ?? '')), max));
}

/**
 * Untrusted text -> one Markdown table cell or inline text: one line, capped, with Markdown and HTML syntax
 * escaped (so it cannot open a link, emphasis, code span, raw HTML or a new cell).
 */
export function mdText(s: unknown, max = 200): string {
  return cap(visible(String(s ?? '')), max)
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_{}[\]()#+!|~])/g, '\\$1')
    .replace(/^(\s*)([-=])/, '$1\\$2')
    // "1." would open an ordered list: escape the dot, not the digit ("\1." prints its backslash, as in "\0.3")
    .replace(/^(\s*\d+)\./, '$1\\.');
}

/** A fenced code block that the text cannot close: the fence is longer than any backtick run inside it. */
export function mdFence(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${text.replace(/\r\n?/g, '\n')}\n${fence}`;
}
