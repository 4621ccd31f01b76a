/**
 * Builds the registry source files, the case files (one JSONL per category) and labels.jsonl from
 * /work/shared/data. Deterministic: every category draws from its own PRNG seeded by (seed, category), so
 * `--only` or `--quick` never changes another category's cases.
 */
import { join } from 'node:path';
import { NgramIndex } from '../baselines/ngram13.js';
import { AE_NEGATIVE_MODELS, AE_REGISTRY_MODELS, ARENA_REGISTRY_MODELS, Data, licenceFiles, modelVendor, OTHER_REGISTRY_API_MODELS, type RegEntry } from './data.js';
import { codeFraction, editWords, embed, isCodey, ngramContainment, partialSlice, reformat, renameCodeIn } from './transforms.js';
import { closeness, identityKey, Rng, wordLcs, words, writeJsonl } from './util.js';
import { makeConfig } from '../../src/config/index.js';
import { createFingerprinter, tooShortToAttribute } from '../../src/fingerprint/index.js';

export type Polarity = 'pos' | 'neg';

export interface CategoryDef {
  name: string;
  polarity: Polarity;
  /** Recall target (pos) or maximum false-positive rate (neg). */
  target: number;
  what: string;
}

export const CATEGORIES: CategoryDef[] = [
  { name: 'verbatim', polarity: 'pos', target: 0.99, what: 'registry answer copied exactly' },
  { name: 'reformatted', polarity: 'pos', target: 0.99, what: 'whitespace reflow, markdown added/removed, case changed' },
  { name: 'edit10', polarity: 'pos', target: 0.99, what: '10% of word tokens substituted/deleted/inserted' },
  { name: 'edit25', polarity: 'pos', target: 0.95, what: '25% of word tokens edited' },
  { name: 'partial', polarity: 'pos', target: 0.99, what: 'contiguous 50-70% slice' },
  { name: 'embedded', polarity: 'pos', target: 0.99, what: 'answer inside 3-10x longer human text (Gutenberg / npm code)' },
  {
    name: 'partial_embedded',
    polarity: 'pos',
    target: 0.9,
    what: 'a 50-70% slice of an answer of >= 150 words inside 3-10x longer human text (no issue target; 0.9 is ours)',
  },
  {
    name: 'edited_embedded',
    polarity: 'pos',
    target: 0.9,
    what: 'an answer with 10% of its word tokens edited, inside 3-10x longer human text (no issue target; 0.9 is ours)',
  },
  { name: 'multi', polarity: 'pos', target: 0.95, what: '2-4 answers embedded in one Gutenberg document; hit = every one reported' },
  { name: 'renamed_code', polarity: 'pos', target: 0.9, what: 'rival code with identifiers renamed, re-indented, quotes swapped' },
  { name: 'real_edited', polarity: 'pos', target: 0.97, what: 'aligner-2b output vs its original (5-gram containment >= 0.5)' },
  { name: 'claude_code', polarity: 'pos', target: 0.99, what: 'workers-oauth-provider files holding >= 10 long lines of a Claude block' },
  { name: 'republished', polarity: 'pos', target: 0.99, what: 'new_codealpaca records (= GPTeacher Codegen)' },
  { name: 'leaked_benchmark', polarity: 'pos', target: 0.99, what: 'WizardMath copy of the GSM8K test set' },
  { name: 'agent_trailer', polarity: 'pos', target: 0.95, what: 'real commit messages with a coding-agent trailer (kind marker)' },
  { name: 'agent_trailer_synth', polarity: 'pos', target: 0.95, what: 'human commit messages + a documented agent trailer format' },
  { name: 'other_model_same_prompt', polarity: 'neg', target: 0.002, what: 'non-registry models answering the same prompts' },
  { name: 'rewrite_negative', polarity: 'neg', target: 0.002, what: 'aligner-2b output with 5-gram containment <= 0.05 of its original' },
  { name: 'human_prose', polarity: 'neg', target: 0.002, what: 'Gutenberg chunks, human-written evals, self-instruct human tasks' },
  { name: 'human_code', polarity: 'neg', target: 0.002, what: 'npm_human_code files (long ones chunked)' },
  { name: 'licence_texts', polarity: 'neg', target: 0.002, what: '/usr/share/doc/*/copyright' },
  { name: 'benchmark_train', polarity: 'neg', target: 0.002, what: 'GSM8K train items' },
  { name: 'commit_messages', polarity: 'neg', target: 0.002, what: 'commit messages without agent trailers' },
  { name: 'claude_code_none', polarity: 'neg', target: 0.002, what: 'oauth-provider files with no surviving Claude block (may be legitimately partial)' },
];

export interface Label {
  id: string;
  category: string;
  polarity: Polarity;
  /** Each inner array is one expected entry: every registry id with the same text (any of them counts). */
  expected: string[][];
  /** 'marker' for agent trailers. */
  expect_kind?: 'marker';
  /** Agent named by a trailer (claude, aider, copilot, codex, cursor, gemini). */
  agent?: string;
  meta: Record<string, unknown>;
}

export interface BuildOptions {
  data: string;
  out: string;
  perCategory: number;
  seed: number;
  only?: Set<string>;
}

export interface BuildResult {
  registryFiles: string[];
  caseFiles: Map<string, string>;
  labels: Label[];
  summary: Record<string, unknown>;
  /** The vendor tag of every registry entry, by id. */
  entryVendor: Map<string, string>;
}

/** Instruction datasets: the registry text (and the republished sample text) is the response/output field only. */
const instrText = (r: { response?: string; output?: string }): string => r.response ?? r.output ?? '';
/** The prompt of an instruction-dataset record: instruction and input (human text the answer may quote). */
const promptOf = (r: { instruction?: string; input?: string }): string => [r.instruction, r.input].filter((x) => x && x.trim()).join('\n');
/** GSM8K recipe: question, newline, answer (the same for the registry and for the leaked copy). */
const gsmText = (r: { question: string; answer: string }): string => `${r.question}\n${r.answer}`;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Closeness (util.ts: word LCS over the longer length) of a copy with 25% of its words edited by editWords: a
 * substitution or a deletion costs one word of the LCS, an insertion none, in equal shares, so 1 - 0.25 * 2/3 = 5/6.
 * The measured median of the edit25 cases is a little lower (0.82-0.83: a whitespace word can hold several tokens).
 */
export const COPY_CLOSENESS = 5 / 6;
/** edited_embedded puts a copy in a host text that makes the whole 3 to 10 times longer. */
export const EMBED_MAX_FACTOR = 10;

/** Why the label audit calls a negative a copy of a same-prompt entry (bench/accuracy/README.md "Label audit"). */
export type CopyRule = 'as_close_as_edit25' | 'holds_edited_entry' | 'inside_entry';
/**
 * The copy rule a text of `negWords` words holds against an entry of `entryWords` words when their word LCS is
 * `lcs`, or null. A copy with 25% of its words edited (edit25) keeps COPY_CLOSENESS of them in order; the three rules
 * place such a copy as the positive rows do: the same length (edit25), inside a text up to EMBED_MAX_FACTOR times
 * longer (edited_embedded), or cut to a slice of at least half the entry (partial's 50-70% cuts).
 */
export function copyRule(entryWords: number, negWords: number, lcs: number): { rule: CopyRule; value: number } | null {
  if (entryWords <= 0 || negWords <= 0 || lcs <= 0) return null;
  const close = lcs / Math.max(entryWords, negWords);
  if (close >= COPY_CLOSENESS) return { rule: 'as_close_as_edit25', value: close };
  if (lcs >= COPY_CLOSENESS * entryWords && negWords <= EMBED_MAX_FACTOR * entryWords) return { rule: 'holds_edited_entry', value: lcs / entryWords };
  if (lcs >= COPY_CLOSENESS * negWords && 2 * negWords >= entryWords) return { rule: 'inside_entry', value: lcs / negWords };
  return null;
}
interface SamePrompt {
  nearest?: { entry: string; closeness: number };
  copy?: { entry: string; rule: CopyRule; value: number };
}

/** Minimum word tokens of an entry used for a generic positive: shorter answers cannot be attributed. */
export const MIN_WORDS = 40;

/** A partial slice needs at least this share of the answer's own words (see ownWordShare). */
export const MIN_OWN_SHARE = 0.5;

/**
 * Share of the text's words that are the answer's own: not standing in a pair of consecutive words that also occurs
 * in the prompt (the same definition as the registry's own tokens, on lowercase words).
 */
export function ownWordShare(text: string, prompt: string): number {
  const p = words(prompt);
  const pairs = new Set<string>();
  for (let i = 0; i + 1 < p.length; i++) pairs.add(`${p[i]} ${p[i + 1]}`);
  const w = words(text);
  if (w.length === 0) return 0;
  let own = 0;
  for (let i = 0; i < w.length; i++) {
    const quoted = (i > 0 && pairs.has(`${w[i - 1]} ${w[i]}`)) || (i + 1 < w.length && pairs.has(`${w[i]} ${w[i + 1]}`));
    if (!quoted) own++;
  }
  return own / w.length;
}

/** Agent trailers: the formats recognised in the real messages, and the ones used for synthetic cases. */
const TRAILER_RES: [RegExp, string][] = [
  [/generated with \[?claude code/i, 'claude'],
  [/^co-authored-by:\s*claude\b/i, 'claude'],
  [/^co-authored-by:\s*aider \(/i, 'aider'],
  [/^co-authored-by:\s*(copilot|copilot-swe-agent)/i, 'copilot'],
  [/^co-authored-by:\s*(cursor|cursor agent)\s*</i, 'cursor'],
  [/^co-authored-by:\s*chatgpt-codex-connector/i, 'codex'],
  [/^co-authored-by:\s*gemini/i, 'gemini'],
];
const SYNTH_TRAILERS: [string, string][] = [
  ['claude', '🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>'],
  ['claude', '🤖 Generated with [Claude Code](https://claude.ai/code)\n\nCo-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>'],
  ['claude', 'Co-Authored-By: Claude Opus 4.1 <noreply@anthropic.com>'],
  ['aider', 'Co-authored-by: aider (anthropic/claude-3-7-sonnet-20250219) <aider@aider.chat>'],
  ['aider', 'Co-authored-by: aider (gpt-4o) <aider@aider.chat>'],
  ['copilot', 'Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>'],
  ['copilot', 'Co-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>'],
  ['codex', 'Co-authored-by: chatgpt-codex-connector[bot] <199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>'],
  ['cursor', 'Co-authored-by: Cursor Agent <cursoragent@cursor.com>'],
  ['cursor', 'Co-authored-by: Cursor <cursoragent@cursor.com>'],
  ['gemini', 'Co-authored-by: gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users.noreply.github.com>'],
];

function trailerAgent(message: string): string | undefined {
  for (const line of message.split('\n')) for (const [re, agent] of TRAILER_RES) if (re.test(line.trim())) return agent;
  return undefined;
}
function stripAgentTrailers(message: string): string {
  return message
    .split('\n')
    .filter((l) => !TRAILER_RES.some(([re]) => re.test(l.trim())))
    .join('\n')
    .trimEnd();
}

export async function buildCases(opt: BuildOptions): Promise<BuildResult> {
  const d = new Data(opt.data);
  const N = opt.perCategory;
  const want = (c: string): boolean => !opt.only || opt.only.has(c);
  const summary: Record<string, unknown> = {};

  // ---------------------------------------------------------------- registry
  const reg = new Map<string, RegEntry[]>();
  const add = (file: string, e: RegEntry): void => {
    if (!e.text.trim()) return;
    let a = reg.get(file);
    if (!a) reg.set(file, (a = []));
    a.push(e);
  };
  const aeIndex = new Map<string, Map<string, string>>(); // model -> instruction -> registry id
  for (const [model, vendor] of Object.entries(AE_REGISTRY_MODELS)) {
    const m = new Map<string, string>();
    d.alpacaEval(model).forEach((r, i) => {
      const id = `ae/${model}/${i}`;
      m.set(r.instruction, id);
      add('alpaca_eval', { id, text: r.output, vendor, model, source: 'alpaca_eval', prompt: r.instruction });
    });
    aeIndex.set(model, m);
  }
  const arena = d.arena();
  const arenaQ = d.arenaQuestions();
  for (const r of arena) {
    if (ARENA_REGISTRY_MODELS.has(r.model_id))
      add('arena_hard', { id: `ah/${r.model_id}/${r.question_id}`, text: r.text, vendor: 'openai', model: r.model_id, source: 'arena_hard', prompt: arenaQ.get(r.question_id) });
  }
  for (const [sub, path] of [
    ['codegen', 'gpteacher/Codegen/codegen-instruct.json'],
    ['toolformer', 'gpteacher/Toolformer/toolformer-dedupe-only-dataset.json'],
    ['roleplay', 'gpteacher/Roleplay/roleplay-simple-deduped-roleplay-instruct.json'],
  ] as const) {
    d.instr(path).forEach((r, i) => add('gpteacher', { id: `gpteacher/${sub}/${i}`, text: instrText(r), vendor: 'openai', model: 'gpt-4', source: `gpteacher_${sub}`, prompt: promptOf(r) }));
  }
  d.instr('code_alpaca_2k/code_alpaca_2k.json').forEach((r, i) => add('code_alpaca', { id: `code_alpaca/${i}`, text: instrText(r), vendor: 'openai', model: 'text-davinci-003', source: 'code_alpaca_2k', prompt: promptOf(r) }));
  d.instr('alpaca_5000/alpaca_5000.json').forEach((r, i) => add('alpaca_5000', { id: `alpaca5k/${i}`, text: instrText(r), vendor: 'openai', model: 'text-davinci-003', source: 'alpaca_5000', prompt: promptOf(r) }));
  // Claude-written code: one entry per added block of >= 3 non-blank lines (smaller blocks are single statements
  // or version bumps that cannot be attributed and would only add noise).
  const claudeCommits = d.claudeCommits();
  let tinyBlocks = 0;
  for (const c of claudeCommits) {
    if (c.attribution !== 'claude' && c.attribution !== 'claude_partial') continue;
    c.files.forEach((f, fi) =>
      f.added_blocks.forEach((b, bi) => {
        if (b.split('\n').filter((l) => l.trim()).length < 3) {
          tinyBlocks++;
          return;
        }
        add('claude_blocks', { id: `claude/${c.sha.slice(0, 10)}/${fi}/${bi}`, text: b, vendor: 'anthropic', model: c.model_stated ?? 'claude', source: `claude_oauth_provider:${c.attribution}:${f.path}` });
      }),
    );
  }
  d.gsm8k('test').forEach((r, i) => add('gsm8k_test', { id: `gsm8k/test/${i}`, text: gsmText(r), vendor: 'benchmark', model: 'gsm8k', source: 'gsm8k_test' }));

  const all: RegEntry[] = [...reg.values()].flat();
  const byId = new Map(all.map((e) => [e.id, e]));
  const groups = new Map<string, string[]>();
  for (const e of all) {
    const k = identityKey(e.text);
    const g = groups.get(k);
    if (g) g.push(e.id);
    else groups.set(k, [e.id]);
  }
  const groupOf = (id: string): string[] => groups.get(identityKey(byId.get(id)!.text))!;
  const registryFiles: string[] = [];
  for (const [name, entries] of reg) {
    const f = join(opt.out, 'registry', `${name}.jsonl`);
    await writeJsonl(f, entries);
    registryFiles.push(f);
  }
  summary.registry = Object.fromEntries([...reg].map(([k, v]) => [k, v.length]));
  summary.registry_total = all.length;
  summary.registry_identity_groups = groups.size;
  summary.claude_blocks_skipped_under_3_lines = tinyBlocks;

  // Generic positive pool, stratified by source so GPTeacher (half the registry) does not dominate.
  const strata = new Map<string, RegEntry[]>();
  for (const e of all) {
    if (e.source === 'gsm8k_test' || e.source.startsWith('claude_oauth')) continue;
    if (words(e.text).length < MIN_WORDS) continue;
    const s = e.source === 'alpaca_eval' ? `alpaca_eval_${e.vendor}` : e.source;
    let a = strata.get(s);
    if (!a) strata.set(s, (a = []));
    a.push(e);
  }
  const strataNames = [...strata.keys()].sort();
  summary.positive_pool = Object.fromEntries(strataNames.map((s) => [s, strata.get(s)!.length]));
  const pickEntry = (rng: Rng, filter?: (e: RegEntry) => boolean): RegEntry => {
    for (;;) {
      const e = rng.pick(strata.get(rng.pick(strataNames))!);
      if (!filter || filter(e)) return e;
    }
  };
  const vocabRng = new Rng(`${opt.seed}:vocab`);
  const vocab: string[] = [];
  for (let i = 0; i < 3000; i++) vocab.push(...rng0Words(vocabRng.pick(all).text));
  function rng0Words(t: string): string[] {
    return t.split(/\s+/).filter((w) => /^[A-Za-z]{2,12}[,.]?$/.test(w));
  }

  // ---------------------------------------------------------------- human host material
  const books = d.gutenbergParagraphs();
  const proseHost = (rng: Rng, chars: number): string => {
    const book = rng.pick(books);
    let i = rng.int(0, book.length - 1);
    const out: string[] = [];
    let len = 0;
    while (len < chars) {
      const p = book[i % book.length];
      out.push(p);
      len += p.length + 2;
      i++;
    }
    return out.join('\n\n');
  };
  const npm = d.npmFiles();
  const codeHost = (rng: Rng, chars: number): string => {
    let f = rng.pick(npm);
    const lines = f.text.split('\n');
    let i = rng.int(0, Math.max(0, lines.length - 1));
    const out: string[] = [];
    let len = 0;
    while (len < chars) {
      if (i >= lines.length) {
        f = rng.pick(npm);
        lines.splice(0, lines.length, ...f.text.split('\n'));
        i = 0;
      }
      out.push(lines[i]);
      len += lines[i].length + 1;
      i++;
    }
    return out.join('\n');
  };

  // ---------------------------------------------------------------- cases
  const cases = new Map<string, { id: string; text: string }[]>();
  const labels: Label[] = [];
  const put = (cat: string, text: string, expected: string[][], meta: Record<string, unknown>, extra: Partial<Label> = {}): void => {
    let a = cases.get(cat);
    if (!a) cases.set(cat, (a = []));
    const id = `${cat}/${a.length}`;
    a.push({ id, text });
    const def = CATEGORIES.find((c) => c.name === cat)!;
    labels.push({ id, category: cat, polarity: def.polarity, expected, meta, ...extra });
  };
  const R = (cat: string): Rng => new Rng(`${opt.seed}:${cat}`);

  if (want('verbatim')) {
    const rng = R('verbatim');
    for (let k = 0; k < N; k++) {
      const e = pickEntry(rng);
      put('verbatim', e.text, [groupOf(e.id)], { entry: e.id, source: e.source });
    }
  }
  if (want('reformatted')) {
    const rng = R('reformatted');
    for (let k = 0; k < N; k++) {
      const e = pickEntry(rng);
      const r = reformat(e.text, rng);
      put('reformatted', r.text, [groupOf(e.id)], { entry: e.id, source: e.source, ops: r.ops });
    }
  }
  for (const [cat, frac] of [['edit10', 0.1], ['edit25', 0.25]] as const) {
    if (!want(cat)) continue;
    const rng = R(cat);
    for (let k = 0; k < N; k++) {
      const e = pickEntry(rng);
      const r = editWords(e.text, frac, vocab, rng);
      put(cat, r.text, [groupOf(e.id)], { entry: e.id, source: e.source, edits: r.edits, words: r.words, closeness: round3(closeness(words(e.text), words(r.text))) });
    }
  }
  if (want('partial')) {
    const rng = R('partial');
    // A slice that is mostly text the answer quotes from its prompt is human text, which contamscan deliberately does
    // not attribute (README "Prompts are human text"). Such slices are redrawn and counted.
    let promptSlices = 0;
    for (let k = 0, tries = 0; k < N && tries < N * 20; tries++) {
      const e = pickEntry(rng);
      const r = partialSlice(e.text, rng);
      if (e.prompt && ownWordShare(r.text, e.prompt) < MIN_OWN_SHARE) {
        promptSlices++;
        continue;
      }
      put('partial', r.text, [groupOf(e.id)], { entry: e.id, source: e.source, frac: +r.frac.toFixed(3) });
      k++;
    }
    summary.partial_prompt_slices_skipped = promptSlices;
  }
  if (want('embedded')) {
    const rng = R('embedded');
    for (let k = 0; k < N; k++) {
      const e = pickEntry(rng);
      const code = isCodey(e.text);
      const factor = 3 + rng.next() * 7;
      // host length such that the whole document is `factor` times the answer
      const host = code ? codeHost(rng, e.text.length * (factor - 1)) : proseHost(rng, e.text.length * (factor - 1));
      const r = embed(host, [e.text], code, rng);
      put('embedded', r.text, [groupOf(e.id)], { entry: e.id, source: e.source, host: code ? 'npm' : 'gutenberg', factor: +(r.text.length / e.text.length).toFixed(2), spans: r.spans });
    }
  }
  if (want('partial_embedded')) {
    // Cut down AND embedded: neither `contains` (most of the entry) nor `contained_in` (most of the sample) holds,
    // so only a long-passage rule finds these. Answers of >= 150 words, so the slice is a passage, not a phrase.
    const rng = R('partial_embedded');
    for (let k = 0; k < N; k++) {
      const e = pickEntry(rng, (x) => x.text.split(/\s+/).length >= 150);
      const cut = partialSlice(e.text, rng);
      const code = isCodey(cut.text);
      const factor = 3 + rng.next() * 7;
      const host = code ? codeHost(rng, cut.text.length * (factor - 1)) : proseHost(rng, cut.text.length * (factor - 1));
      const r = embed(host, [cut.text], code, rng);
      put('partial_embedded', r.text, [groupOf(e.id)], { entry: e.id, source: e.source, frac: +cut.frac.toFixed(3), factor: +(r.text.length / cut.text.length).toFixed(2) });
    }
  }
  if (want('edited_embedded')) {
    // Edited AND embedded, as pasted answers often are: guards rules that demand more of a sample much longer than
    // the entry (neither edit10 nor embedded alone would show their cost).
    const rng = R('edited_embedded');
    for (let k = 0; k < N; k++) {
      const e = pickEntry(rng);
      const ed = editWords(e.text, 0.1, vocab, rng);
      const code = isCodey(ed.text);
      const factor = 3 + rng.next() * 7;
      const host = code ? codeHost(rng, ed.text.length * (factor - 1)) : proseHost(rng, ed.text.length * (factor - 1));
      const r = embed(host, [ed.text], code, rng);
      put('edited_embedded', r.text, [groupOf(e.id)], { entry: e.id, source: e.source, edits: ed.edits, factor: +(r.text.length / ed.text.length).toFixed(2) });
    }
  }
  if (want('multi')) {
    const rng = R('multi');
    for (let k = 0; k < N; k++) {
      const m = rng.int(2, 4);
      const picked: RegEntry[] = [];
      const keys = new Set<string>();
      while (picked.length < m) {
        const e = pickEntry(rng);
        const key = identityKey(e.text);
        if (keys.has(key)) continue;
        keys.add(key);
        picked.push(e);
      }
      const total = picked.reduce((s, e) => s + e.text.length, 0);
      const factor = 3 + rng.next() * 7;
      const r = embed(proseHost(rng, total * (factor - 1)), picked.map((e) => e.text), false, rng);
      put('multi', r.text, picked.map((e) => groupOf(e.id)), { entries: picked.map((e) => e.id), factor: +(r.text.length / total).toFixed(2), spans: r.spans });
    }
  }
  if (want('renamed_code')) {
    const rng = R('renamed_code');
    const pools: Record<string, RegEntry[]> = { gpteacher_codegen: [], arena_hard: [], code_alpaca_2k: [] };
    // Only entries the registry can attribute (its default minEntryTokens rule: 30 words, or 45 code tokens), as the
    // generic positives draw only answers of >= 40 words: a snippet the registry marks too short is never reported,
    // not even verbatim, so a miss on it would measure that rule, not whether renaming hides a copy.
    const config = makeConfig();
    const fp = createFingerprinter(config);
    let unattributable = 0;
    for (const e of all) {
      const pool = pools[e.source];
      if (!pool) continue;
      const lines = e.text.split('\n').filter((l) => l.trim()).length;
      const cf = codeFraction(e.text);
      if (!(lines >= 8 && cf >= (e.source === 'arena_hard' ? 0.6 : 0.8) && lines * cf >= 8)) continue;
      const f = fp(e.text);
      if (tooShortToAttribute(f.text.tokens.n, f.code ? f.code.tokens.n : 0, config.minEntryTokens)) unattributable++;
      else pool.push(e);
    }
    summary.renamed_code_pool = Object.fromEntries(Object.entries(pools).map(([k, v]) => [k, v.length]));
    summary.renamed_code_unattributable_skipped = unattributable;
    const names = Object.keys(pools).filter((k) => pools[k].length > 0);
    let tries = 0;
    for (let k = 0; k < N && tries < N * 20; tries++) {
      const e = rng.pick(pools[rng.pick(names)]);
      const r = renameCodeIn(e.text, rng);
      if (r.renamed < 2) continue;
      put('renamed_code', r.text, [groupOf(e.id)], { entry: e.id, source: e.source, renamed: r.renamed });
      k++;
    }
  }

  // ---------------------------------------------------------------- negatives (audited below)
  const negCand = new Map<string, { text: string; meta: Record<string, unknown>; prompt?: string }[]>();
  const cand = (cat: string, text: string, meta: Record<string, unknown>, prompt?: string): void => {
    let a = negCand.get(cat);
    if (!a) negCand.set(cat, (a = []));
    a.push({ text, meta, prompt });
  };
  // Registry entries by the prompt they answer (alpaca_eval and arena hold several models' answers to one prompt).
  const byPrompt = new Map<string, RegEntry[]>();
  for (const e of all) {
    if (!e.prompt) continue;
    const a = byPrompt.get(e.prompt);
    if (a) a.push(e);
    else byPrompt.set(e.prompt, [e]);
  }
  /**
   * How a negative stands to the registry entries answering the same prompt, among entries long enough for the
   * registry to attribute (minEntryTokens words), on word LCS (bench/accuracy/README.md "Label audit"): the nearest
   * entry by closeness (LCS over the longer length), and the entry it copies, if it is as close to one as a positive
   * row's copy is to its entry. Measured by the benchmark, not by a detector; values unrounded (labels store 3 digits).
   */
  const attributable = makeConfig().minEntryTokens;
  const samePrompt = (text: string, prompt: string | undefined): SamePrompt => {
    const sibs = prompt ? byPrompt.get(prompt) : undefined;
    if (!sibs) return {};
    const w = words(text);
    let nearest: SamePrompt['nearest'];
    let held: SamePrompt['copy'];
    for (const e of sibs) {
      const ew = words(e.text);
      if (ew.length < attributable) continue;
      const l = wordLcs(ew, w);
      if (l < 0) continue;
      const c = l / Math.max(ew.length, w.length);
      if (!nearest || c > nearest.closeness) nearest = { entry: e.id, closeness: c };
      // (a sibling as close as edit25 makes the nearest one so, which wins below)
      const r = held ? null : copyRule(ew.length, w.length, l);
      if (r) held = { entry: e.id, ...r };
    }
    if (nearest && nearest.closeness >= COPY_CLOSENESS) return { nearest, copy: { entry: nearest.entry, rule: 'as_close_as_edit25', value: nearest.closeness } };
    return { nearest, copy: held };
  };
  // draw 1.5x so that audit exclusions still leave N
  // real_edited / rewrite_negative: aligner-2b outputs against their originals (in the registry).
  if (want('real_edited') || want('rewrite_negative')) {
    const pos: [string, string, number][] = [];
    const neg: [string, string, number][] = [];
    let identical = 0;
    let middle = 0;
    let short = 0;
    for (const base of ['gpt-4-turbo-2024-04-09', 'claude-3-opus-20240229']) {
      const idx = aeIndex.get(base)!;
      for (const r of d.alpacaEval(`aligner-2b_${base}`)) {
        const id = idx.get(r.instruction);
        if (!id || !r.output.trim()) continue;
        if (identityKey(r.output) === identityKey(r.original_output ?? '')) {
          identical++;
          continue;
        }
        const c5 = ngramContainment(r.original_output ?? '', r.output, 5);
        if (c5 >= 0.5) {
          if (words(r.original_output ?? '').length < MIN_WORDS) short++;
          else pos.push([id, r.output, c5]);
        } else if (c5 <= 0.05) neg.push([id, r.output, c5]);
        else middle++;
      }
    }
    summary.aligner = { positive_candidates: pos.length, negative_candidates: neg.length, identical_skipped: identical, middle_band_skipped: middle, short_original_skipped: short };
    if (want('real_edited')) for (const [id, t, c5] of new Rng(`${opt.seed}:real_edited`).sample(pos, N)) put('real_edited', t, [groupOf(id)], { original: id, c5: +c5.toFixed(3) });
    // all candidates in seeded order; the label audit below keeps the first N that are not copies of another entry
    if (want('rewrite_negative')) for (const [id, t, c5] of new Rng(`${opt.seed}:rewrite_negative`).shuffle(neg)) cand('rewrite_negative', t, { original: id, c5: +c5.toFixed(3) }, byId.get(id)?.prompt);
  }

  // claude_code: source files vs Claude-added blocks in the registry.
  if (want('claude_code') || want('claude_code_none')) {
    const blocks = (reg.get('claude_blocks') ?? []).map((e) => ({ id: e.id, long: [...new Set(e.text.split('\n').map((l) => l.trim()).filter((l) => l.length >= 25))] }));
    let ambiguous = 0;
    for (const f of d.oauthSrcFiles()) {
      const lines = new Set(f.text.split('\n').map((l) => l.trim()));
      const surv = blocks.map((b) => ({ id: b.id, n: b.long.filter((l) => lines.has(l)).length, of: b.long.length }));
      const expected = surv.filter((s) => s.n >= 10);
      const best = Math.max(0, ...surv.map((s) => s.n));
      if (expected.length) {
        const seen = new Set<string>();
        const exp: string[][] = [];
        for (const s of expected) {
          const g = groupOf(s.id);
          if (!seen.has(g[0])) {
            seen.add(g[0]);
            exp.push(g);
          }
        }
        if (want('claude_code')) put('claude_code', f.text, exp, { file: f.path, blocks: expected.map((s) => `${s.id}:${s.n}/${s.of}`) });
      } else if (best < 3) {
        if (want('claude_code_none')) put('claude_code_none', f.text, [], { file: f.path, best_block_lines: best });
      } else ambiguous++;
    }
    summary.claude_code_ambiguous_files_skipped = ambiguous;
  }

  if (want('republished')) {
    const codegen = (reg.get('gpteacher') ?? []).filter((e) => e.source === 'gpteacher_codegen');
    const byKey = new Map(codegen.map((e) => [identityKey(e.text), e.id]));
    const recs = d.instr('new_codealpaca/new_codealpaca.json');
    const eligible = recs.map((r, i) => ({ i, t: instrText(r) })).filter((x) => words(x.t).length >= MIN_WORDS && byKey.has(identityKey(x.t)));
    summary.republished = { records: recs.length, eligible_min_words: eligible.length };
    for (const x of new Rng(`${opt.seed}:republished`).sample(eligible, N)) put('republished', x.t, [groupOf(byKey.get(identityKey(x.t))!)], { record: x.i });
  }
  if (want('leaked_benchmark')) {
    const w = d.wizardmath();
    for (const i of new Rng(`${opt.seed}:leaked_benchmark`).sample(w.map((_, i) => i), N)) put('leaked_benchmark', gsmText(w[i]), [groupOf(`gsm8k/test/${i}`)], { item: i });
  }

  // commit messages
  const aider = d.aiderCommits();
  const realTrailers: { msg: string; agent: string; repo: string }[] = [];
  const plainMessages: { msg: string; repo: string }[] = [];
  for (const [repo, commits] of [['workers-oauth-provider', claudeCommits], ['aider', aider]] as const) {
    for (const c of commits) {
      const agent = trailerAgent(c.message);
      if (agent) realTrailers.push({ msg: c.message, agent, repo });
      const stripped = stripAgentTrailers(c.message);
      // negatives: human / unattributed messages of the oauth repo, and aider messages (LLM-written subjects,
      // but no trailer and not in the registry); "aider: " subject prefixes are a provenance signal, left out.
      const human = repo === 'aider' ? !/^aider:/i.test(stripped) : c.attribution === 'human' || c.attribution === 'unattributed';
      if (human && stripped.trim()) plainMessages.push({ msg: stripped, repo });
    }
  }
  summary.agent_trailers_real = Object.fromEntries(['claude', 'aider', 'copilot', 'codex', 'cursor', 'gemini'].map((a) => [a, realTrailers.filter((t) => t.agent === a).length]));
  if (want('agent_trailer')) for (const t of new Rng(`${opt.seed}:agent_trailer`).sample(realTrailers, N)) put('agent_trailer', t.msg, [], { repo: t.repo }, { expect_kind: 'marker', agent: t.agent });
  if (want('agent_trailer_synth')) {
    const rng = R('agent_trailer_synth');
    for (let k = 0; k < N; k++) {
      const base = rng.pick(plainMessages).msg;
      const [agent, trailer] = SYNTH_TRAILERS[k % SYNTH_TRAILERS.length];
      put('agent_trailer_synth', `${base}\n\n${trailer}\n`, [], { trailer }, { expect_kind: 'marker', agent });
    }
  }

  const M = Math.ceil(N * 1.5);
  if (want('other_model_same_prompt')) {
    const rng = R('other_model_same_prompt');
    const pool: { text: string; meta: Record<string, unknown>; prompt?: string }[] = [];
    // "models that are not in the registry": a model whose API name is a registry source's model is left out
    const inRegistry = new Set<string>([...Object.keys(AE_REGISTRY_MODELS).map((m) => d.alpacaEvalModelName(m)), ...ARENA_REGISTRY_MODELS, ...OTHER_REGISTRY_API_MODELS]);
    const left = new Set<string>();
    for (const m of AE_NEGATIVE_MODELS) {
      if (inRegistry.has(d.alpacaEvalModelName(m))) left.add(`alpaca_eval/${m}`);
      else d.alpacaEval(m).forEach((r, i) => pool.push({ text: r.output, meta: { model: m, vendor: modelVendor(m), row: i }, prompt: r.instruction }));
    }
    for (const r of arena) {
      if (ARENA_REGISTRY_MODELS.has(r.model_id)) continue;
      if (inRegistry.has(r.model_id)) left.add(`arena/${r.model_id}`);
      else pool.push({ text: r.text, meta: { model: r.model_id, vendor: modelVendor(r.model_id), q: r.question_id }, prompt: arenaQ.get(r.question_id) });
    }
    summary.other_model_registry_models_left_out = [...left].sort();
    for (const x of rng.sample(pool.filter((x) => x.text.trim()), M)) cand('other_model_same_prompt', x.text, x.meta, x.prompt);
  }
  if (want('human_prose')) {
    const rng = R('human_prose');
    const evals = d.humanEvals();
    const si = d.selfInstructHuman();
    for (let k = 0; k < M; k++) {
      const kind = k % 3;
      if (kind === 0) {
        const target = rng.int(100, 1000);
        const book = rng.pick(books);
        let i = rng.int(0, book.length - 1);
        let t = '';
        while (words(t).length < target && i < book.length) t += (t ? '\n\n' : '') + book[i++];
        const w = t.split(/(\s+)/);
        t = w.slice(0, target * 2).join('').trim(); // cut to the target word count
        cand('human_prose', t, { kind: 'gutenberg', words: target });
      } else if (kind === 1) cand('human_prose', rng.pick(evals), { kind: 'human_generated_evals' });
      else cand('human_prose', rng.pick(si), { kind: 'self_instruct_human' });
    }
  }
  if (want('human_code')) {
    const rng = R('human_code');
    for (const f of rng.sample(npm, M)) {
      const lines = f.text.split('\n');
      if (lines.length <= 400) cand('human_code', f.text, { file: f.path });
      else {
        const len = rng.int(100, 400);
        const s = rng.int(0, lines.length - len);
        cand('human_code', lines.slice(s, s + len).join('\n'), { file: f.path, lines: [s, s + len] });
      }
    }
  }
  if (want('licence_texts')) {
    const lic = licenceFiles();
    summary.licence_files_available = lic.length;
    for (const f of new Rng(`${opt.seed}:licence_texts`).sample(lic, M)) cand('licence_texts', f.text, { file: f.path });
  }
  if (want('benchmark_train')) {
    const tr = d.gsm8k('train');
    for (const i of new Rng(`${opt.seed}:benchmark_train`).sample(tr.map((_, i) => i), M)) cand('benchmark_train', gsmText(tr[i]), { item: i });
  }
  if (want('commit_messages')) {
    const rng = R('commit_messages');
    const oauth = plainMessages.filter((m) => m.repo !== 'aider');
    const aiderMsgs = plainMessages.filter((m) => m.repo === 'aider');
    const picked = [...rng.sample(oauth, Math.ceil(M / 2)), ...rng.sample(aiderMsgs, M - Math.min(oauth.length, Math.ceil(M / 2)))];
    for (const m of rng.shuffle(picked)) cand('commit_messages', m.msg, { repo: m.repo });
  }

  // Label audit: a "negative" that is identical to a registry entry, or shares a run of 25 words with one,
  // is a copy in truth (different models do give identical short answers; changeset text recurs in commit
  // messages). So is one that stands to a registry entry answering the same prompt as a positive row's copy stands
  // to its entry (samePrompt): as close as a 25%-edited copy, holding such a copy inside a text up to 10 times
  // longer, or lying inside the entry as such a copy of a slice of at least half of it. The positive rows ask a
  // detector to find those. They are excluded and counted, never scored as false positives.
  if (negCand.size) {
    const audit = new NgramIndex(25);
    for (const e of all) audit.add(e.id, e.text);
    const excluded: Record<string, Record<'identical' | 'shares_25gram' | CopyRule, number>> = {};
    const closeExamples: Array<{ category: string; rule: CopyRule; entry: string; value: number; meta: Record<string, unknown> }> = [];
    for (const [cat, arr] of negCand) {
      const ex = (excluded[cat] = { identical: 0, shares_25gram: 0, as_close_as_edit25: 0, holds_edited_entry: 0, inside_entry: 0 });
      let kept = 0;
      for (const x of arr) {
        if (kept >= N) break;
        if (groups.has(identityKey(x.text))) {
          ex.identical++;
          continue;
        }
        if (audit.query(x.text).size > 0) {
          ex.shares_25gram++;
          continue;
        }
        const { nearest, copy } = samePrompt(x.text, x.prompt);
        if (copy) {
          ex[copy.rule]++;
          closeExamples.push({ category: cat, rule: copy.rule, entry: copy.entry, value: round3(copy.value), meta: x.meta });
          continue;
        }
        put(cat, x.text, [], nearest ? { ...x.meta, nearest: { entry: nearest.entry, closeness: round3(nearest.closeness) } } : x.meta);
        kept++;
      }
    }
    summary.negative_audit_excluded = excluded;
    summary.negative_audit_copies = closeExamples;
  }

  const caseFiles = new Map<string, string>();
  for (const [cat, arr] of cases) {
    const f = join(opt.out, 'cases', `${cat}.jsonl`);
    await writeJsonl(f, arr);
    caseFiles.set(cat, f);
  }
  await writeJsonl(join(opt.out, 'labels.jsonl'), labels);
  summary.cases = Object.fromEntries([...cases].map(([k, v]) => [k, v.length]));
  return { registryFiles, caseFiles, labels, summary, entryVendor: new Map(all.map((e) => [e.id, e.vendor])) };
}
