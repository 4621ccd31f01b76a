/**
 * Markers: literal provenance signatures (coding-agent commit trailers and footers). A rule-based kind of match,
 * separate from fingerprint evidence, with its own confidence. Rules match whole trailer-shaped lines, never a
 * mere mention of a product name in prose.
 */
import { readFile } from 'node:fs/promises';
import { ContamscanError } from '../errors.js';

export interface MarkerRule {
  id: string;
  /** JavaScript regular expression source; compiled with flags "gim" unless `flags` is given. */
  pattern: string;
  flags?: string;
  /** Provenance tags reported with the match (vendor, agent, ...). A named group `model` adds tag model. */
  tags: Record<string, string>;
  /** 0..1, reported as the match score. */
  confidence: number;
}

export const BUILTIN_RULES: readonly MarkerRule[] = Object.freeze<MarkerRule[]>([
  { id: 'claude-code-footer', pattern: String.raw`^.{0,4}Generated with \[?Claude Code\]?(\(https?://[^)\s]*\))?[ \t]*$`, tags: { vendor: 'anthropic', agent: 'claude-code' }, confidence: 0.99 },
  { id: 'claude-coauthor', pattern: String.raw`^\s*Co-Authored-By:\s*(?<model>Claude[^<\n]*?)\s*<noreply@anthropic\.com>[ \t]*$`, tags: { vendor: 'anthropic', agent: 'claude' }, confidence: 0.99 },
  { id: 'aider-coauthor', pattern: String.raw`^\s*Co-authored-by:\s*aider\s*\((?<model>[^)\n]+)\)\s*<[^>\n]*@aider\.(chat|dev)>[ \t]*$`, tags: { agent: 'aider' }, confidence: 0.99 },
  { id: 'aider-subject', pattern: String.raw`\Aaider: \S`, flags: 'i', tags: { agent: 'aider' }, confidence: 0.9 },
  { id: 'copilot-coauthor', pattern: String.raw`^\s*Co-authored-by:\s*(GitHub\s+)?Copilot\b[^\n]*<[^>\n]*>[ \t]*$`, tags: { vendor: 'github', agent: 'copilot' }, confidence: 0.98 },
  { id: 'copilot-swe-agent', pattern: String.raw`^\s*Co-authored-by:\s*[^\n<]*<[^>\n]*copilot-swe-agent[^>\n]*>[ \t]*$`, tags: { vendor: 'github', agent: 'copilot' }, confidence: 0.98 },
  { id: 'codex-coauthor', pattern: String.raw`^\s*Co-authored-by:\s*(OpenAI\s+)?Codex\b[^\n]*<[^>\n]*>[ \t]*$`, tags: { vendor: 'openai', agent: 'codex' }, confidence: 0.98 },
  { id: 'codex-connector-coauthor', pattern: String.raw`^\s*Co-authored-by:\s*[^\n<]*<[^>\n]*chatgpt-codex-connector[^>\n]*>[ \t]*$`, tags: { vendor: 'openai', agent: 'codex' }, confidence: 0.98 },
  { id: 'cursor-coauthor', pattern: String.raw`^\s*Co-authored-by:\s*Cursor[^\n<]*<cursoragent@cursor\.com>[ \t]*$`, tags: { vendor: 'cursor', agent: 'cursor' }, confidence: 0.98 },
  { id: 'gemini-coauthor', pattern: String.raw`^\s*Co-authored-by:\s*(?<model>gemini[^\n<]*?)\s*<[^>\n]*>[ \t]*$`, tags: { vendor: 'google', agent: 'gemini' }, confidence: 0.97 },
  { id: 'devin-coauthor', pattern: String.raw`^\s*Co-authored-by:\s*[^\n<]*<[^>\n]*devin-ai-integration[^>\n]*>[ \t]*$`, tags: { vendor: 'cognition', agent: 'devin' }, confidence: 0.98 },
]);

export interface CompiledRule {
  rule: MarkerRule;
  re: RegExp;
}

/** JavaScript has no \A; the builtin patterns use it for "start of text". */
function compile(rule: MarkerRule, origin: string): CompiledRule {
  const src = rule.pattern.replace(/^\\A/, '^(?<![\\s\\S])');
  try {
    return { rule, re: new RegExp(src, (rule.flags ?? 'im').replace('g', '') + 'g') };
  } catch (e) {
    throw new ContamscanError('E_CONFIG', `marker rule "${rule.id}" in ${origin} has an invalid pattern: ${(e as Error).message}`, {
      file: origin,
      field: 'pattern',
      rule: rule.id,
    });
  }
}

function validateRule(r: unknown, i: number, file: string): MarkerRule {
  const o = r as Partial<MarkerRule>;
  const bad = (field: string, why: string) =>
    new ContamscanError('E_CONFIG', `${file}: rule ${i} (${o?.id ?? 'no id'}): field "${field}" ${why}`, { file, row: i, field });
  if (typeof o !== 'object' || o === null) throw bad('(rule)', 'must be an object');
  if (typeof o.id !== 'string' || !o.id) throw bad('id', 'must be a non-empty string');
  if (typeof o.pattern !== 'string' || !o.pattern) throw bad('pattern', 'must be a non-empty string');
  if (o.flags !== undefined && typeof o.flags !== 'string') throw bad('flags', 'must be a string');
  if (typeof o.confidence !== 'number' || !(o.confidence > 0 && o.confidence <= 1)) throw bad('confidence', 'must be a number in (0, 1]');
  const tags = o.tags ?? {};
  if (typeof tags !== 'object' || Object.values(tags).some((v) => typeof v !== 'string')) throw bad('tags', 'must be an object of strings');
  return { id: o.id, pattern: o.pattern, flags: o.flags, tags: tags as Record<string, string>, confidence: o.confidence };
}

/** Loads a JSON rules file: an array of MarkerRule, or {"rules": [...], "builtin": false} to drop the builtins. */
export async function loadRules(file?: string): Promise<MarkerRule[]> {
  if (!file) return [...BUILTIN_RULES];
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new ContamscanError('E_CONFIG', `rules file ${file} cannot be read as JSON: ${(e as Error).message}`, { file });
  }
  const obj = Array.isArray(raw) ? { rules: raw, builtin: true } : (raw as { rules?: unknown; builtin?: boolean });
  if (!Array.isArray(obj.rules)) throw new ContamscanError('E_CONFIG', `rules file ${file}: expected an array of rules or {"rules": [...]}`, { file });
  const own = obj.rules.map((r, i) => validateRule(r, i, file));
  for (const r of own) compile(r, file);
  return obj.builtin === false ? own : [...BUILTIN_RULES, ...own];
}

export function compileRules(rules: readonly MarkerRule[]): CompiledRule[] {
  return rules.map((r) => compile(r, 'rules'));
}

export interface MarkerHit {
  rule: MarkerRule;
  tags: Record<string, string>;
  spans: Array<[number, number]>;
}

/**
 * Words every text a builtin rule matches holds as a whole text-channel token (a run of letters and digits,
 * case-folded; tokenize.ts): "authored" between the hyphens of each "Co-authored-by" trailer, "claude" between
 * "with " or "[" and " Code" in the Claude Code footer. The aider subject rule needs AIDER_START instead.
 * test/markers-precheck.test.ts checks each builtin rule against this.
 */
export const BUILTIN_MARKER_WORDS = Object.freeze(['authored', 'claude'] as const);
const AIDER_START = /^aider: /i;

/**
 * Pre-check for the builtin rules, from the sample's text-channel token hashes (h1 of the first n tokens) and the
 * hashes of BUILTIN_MARKER_WORDS: false only when no builtin rule can match. A pass over integers instead of a
 * case-insensitive search of the text (that regex took ~5% of a worker's time). A hash collision only costs the
 * full search.
 */
export function mayHoldBuiltinMarker(text: string, h1: Int32Array, n: number, wordHashes: Int32Array): boolean {
  if (AIDER_START.test(text)) return true;
  const a = wordHashes[0];
  const b = wordHashes[1];
  for (let i = 0; i < n; i++) {
    const h = h1[i];
    if (h === a || h === b) return true;
  }
  return false;
}

/** Every rule's hits in the text. */
export function findMarkers(text: string, rules: CompiledRule[]): MarkerHit[] {
  const out: MarkerHit[] = [];
  for (const { rule, re } of rules) {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    let hit: MarkerHit | null = null;
    while ((m = re.exec(text)) !== null) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      if (!hit) {
        hit = { rule, tags: { ...rule.tags }, spans: [] };
        const model = m.groups?.model?.trim();
        if (model) hit.tags.model = model;
      }
      if (hit.spans.length < 16) hit.spans.push([m.index, m.index + m[0].length]);
    }
    if (hit) out.push(hit);
  }
  return out;
}
