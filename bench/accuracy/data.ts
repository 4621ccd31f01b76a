/**
 * Loaders for /work/shared/data. Everything is read at benchmark time; nothing is copied into the repository.
 * Field layouts were checked against the files themselves (see bench/accuracy/README.md for the hazards found).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, readJsonl } from './util.js';

/** One registry entry as written to the registry source files. */
export interface RegEntry {
  id: string;
  text: string;
  vendor: string;
  model: string;
  source: string;
  /** The prompt the entry answers (human text); contamscan reads it as the entry's prompt field. */
  prompt?: string;
}

export interface AlpacaEvalRow {
  dataset?: string;
  instruction: string;
  output: string;
  generator: string;
  original_output?: string;
}

export interface ArenaRow {
  question_id: string;
  model_id: string;
  text: string;
}

export interface Commit {
  sha: string;
  message: string;
  attribution: string;
  model_stated: string | null;
  files: { path: string; added_blocks: string[] }[];
}

/**
 * alpaca_eval models whose outputs go into the registry. gpt-4-turbo-2024-04-09 and claude-3-opus-20240229 are
 * needed because the aligner-2b_* files' original_output is (checked: 805/805) exactly their output.
 */
export const AE_REGISTRY_MODELS: Record<string, string> = {
  gpt4_1106_preview: 'openai',
  gpt4_0613: 'openai',
  'gpt-4-turbo-2024-04-09': 'openai',
  'gpt-4o-2024-05-13': 'openai',
  'gpt-3.5-turbo-0613': 'openai',
  'claude-3-opus-20240229': 'anthropic',
  'claude-2': 'anthropic',
};
/**
 * Models that answer the same prompts: candidates for the negatives. Excluded on purpose: aligner-2b_* and
 * openpipe-moa-* (edited copies of registry answers), gpt4_1106_preview_{concise,verbose} (the registry model itself
 * under a length instruction). claude2-alpaca-13b is kept: it is not a copy.
 * The issue's negatives are answers of models that are not in the registry, so cases.ts also drops every model
 * whose API name (alpaca_eval's configs.yaml `model_name`, arena's model_id) is the model of a registry source
 * (REGISTRY_API_MODELS): gpt4 ("gpt-4", GPTeacher's model), gpt4_0314 (arena-hard's gpt-4-0314), text_davinci_003
 * (code_alpaca's and alpaca_5000's), and arena's claude-2 (alpaca_eval's claude-2).
 */
export const AE_NEGATIVE_MODELS = [
  'gpt4_0314',
  'gpt4',
  'gpt-4o-mini-2024-07-18',
  'gpt-3.5-turbo-0301',
  'gpt-3.5-turbo-1106',
  'gpt35_turbo_instruct',
  'text_davinci_001',
  'text_davinci_003',
  'claude',
  'claude-2.1',
  'claude-instant-1.2',
  'claude-3-sonnet-20240229',
  'claude-3-5-sonnet-20240620',
  'gemini-pro',
  'Meta-Llama-3-70B-Instruct',
  'claude2-alpaca-13b',
];
/**
 * The vendor of a model named by alpaca_eval or arena (a folder name or a model_id), from its name: the benchmark's
 * registry vendors are openai and anthropic, so this tells a registry vendor's other model (claude-2.1, gpt-4o-mini)
 * from another vendor's. claude2-alpaca-13b is a Llama model fine-tuned on Claude's answers, not Anthropic's.
 */
export function modelVendor(model: string): string {
  const m = model.toLowerCase();
  if (m.includes('alpaca') || m.includes('llama')) return 'meta';
  if (m.startsWith('claude')) return 'anthropic';
  if (/^(gpt|text[-_]davinci|o1)/.test(m)) return 'openai';
  if (/gemini|palm|bard/.test(m)) return 'google';
  if (/mistral|mixtral/.test(m)) return 'mistral';
  return 'other';
}
export const ARENA_REGISTRY_MODELS = new Set(['gpt-4-0314', 'gpt-4-0613', 'gpt-4-1106-preview']);
/** The API model names of the registry's other sources: GPTeacher (gpt-4), code_alpaca and alpaca_5000 (text-davinci-003). */
export const OTHER_REGISTRY_API_MODELS = ['gpt-4', 'text-davinci-003'] as const;

export class Data {
  constructor(readonly root: string) {}

  p(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  /** The API model name alpaca_eval generated a results folder with (configs.yaml `model_name`), else the folder name. */
  alpacaEvalModelName(model: string): string {
    const f = this.p('alpaca_eval_outputs/results', model, 'configs.yaml');
    if (!existsSync(f)) return model;
    const m = /^\s*model_name:\s*"?([^"#\s]+)"?/m.exec(readFileSync(f, 'utf8'));
    return m ? m[1] : model;
  }

  alpacaEval(model: string): AlpacaEvalRow[] {
    return readJson(this.p('alpaca_eval_outputs/results', model, 'model_outputs.json')) as AlpacaEvalRow[];
  }

  /** Arena questions by `${set}/${question_id}`: the prompt text of every arena answer. */
  arenaQuestions(): Map<string, string> {
    const out = new Map<string, string>();
    for (const set of ['arena-hard-v0.1', 'arena-bench-v1']) {
      const f = this.p('arena_hard_answers/data', set, 'question.jsonl');
      if (!existsSync(f)) continue;
      for (const o of readJsonl(f)) {
        const t = (o.turns as (string | { content: string })[] | undefined)?.[0];
        if (t !== undefined) out.set(`${set}/${String(o.question_id)}`, typeof t === 'string' ? t : t.content);
      }
    }
    return out;
  }

  /** Both arena folders. arena-bench-v1 stores turns[0] as a string, arena-hard-v0.1 as {content, token_len}. */
  arena(): ArenaRow[] {
    const out: ArenaRow[] = [];
    for (const set of ['arena-hard-v0.1', 'arena-bench-v1']) {
      const dir = this.p('arena_hard_answers/data', set, 'model_answer');
      for (const f of readdirSync(dir).sort()) {
        for (const o of readJsonl(join(dir, f))) {
          const choices = o.choices as { turns: (string | { content: string })[] }[];
          const t = choices[0].turns[0];
          const text = typeof t === 'string' ? t : t.content;
          out.push({ question_id: `${set}/${String(o.question_id)}`, model_id: String(o.model_id), text });
        }
      }
    }
    return out;
  }

  instr(path: string): { instruction: string; input: string; response?: string; output?: string }[] {
    return readJson(this.p(path)) as { instruction: string; input: string; response?: string; output?: string }[];
  }

  gsm8k(split: 'train' | 'test'): { question: string; answer: string }[] {
    return readJsonl(this.p('gsm8k', `${split}.jsonl`)) as unknown as { question: string; answer: string }[];
  }

  wizardmath(): { question: string; answer: string }[] {
    return readJsonl(this.p('wizardmath_gsm8k_copy/gsm8k_test.jsonl')) as unknown as { question: string; answer: string }[];
  }

  claudeCommits(): Commit[] {
    return readJsonl(this.p('claude_oauth_provider_commits/commits.jsonl')) as unknown as Commit[];
  }

  aiderCommits(): Commit[] {
    return readJsonl(this.p('aider_commits/aider_authored_commits.jsonl')) as unknown as Commit[];
  }

  /** Paragraphs (>= 20 words) of the three Gutenberg books, licence header/footer removed. */
  gutenbergParagraphs(): string[][] {
    const dir = this.p('gutenberg');
    const books: string[][] = [];
    for (const f of readdirSync(dir).sort()) {
      if (!/^\d+_.*\.txt$/.test(f)) continue;
      let s = readFileSync(join(dir, f), 'utf8').replace(/\r\n/g, '\n');
      const a = s.search(/\*\*\* ?START OF/);
      if (a >= 0) s = s.slice(s.indexOf('\n', a) + 1);
      const b = s.search(/\*\*\* ?END OF/);
      if (b >= 0) s = s.slice(0, b);
      const paras = s
        .split(/\n\s*\n/)
        .map((x) => x.trim())
        .filter((x) => x.split(/\s+/).length >= 20);
      books.push(paras);
    }
    return books;
  }

  humanEvals(): string[] {
    const dir = this.p('anthropic_model_written_evals/advanced-ai-risk/human_generated_evals');
    const out: string[] = [];
    for (const f of readdirSync(dir).sort()) for (const o of readJsonl(join(dir, f))) out.push(String(o.question));
    return out;
  }

  /** Human-written self-instruct instructions (user-oriented and seed tasks) with their human-written instances. */
  selfInstructHuman(): string[] {
    const out: string[] = [];
    for (const f of ['user_oriented_instructions.jsonl', 'seed_tasks.jsonl']) {
      for (const o of readJsonl(this.p('self_instruct_user_eval', f))) {
        const inst = (o.instances as { input: string; output: string }[])[0];
        out.push([String(o.instruction), inst?.input ?? '', inst?.output ?? ''].filter((x) => x.trim()).join('\n\n'));
      }
    }
    return out;
  }

  npmFiles(): { path: string; text: string }[] {
    const out: { path: string; text: string }[] = [];
    const walk = (d: string): void => {
      for (const f of readdirSync(d).sort()) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(js|ts)$/.test(f)) out.push({ path: p.slice(this.root.length + 1), text: readFileSync(p, 'utf8') });
      }
    };
    walk(this.p('npm_human_code'));
    return out;
  }

  oauthSrcFiles(): { path: string; text: string }[] {
    const out: { path: string; text: string }[] = [];
    const walk = (d: string): void => {
      for (const f of readdirSync(d).sort()) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else out.push({ path: p.slice(this.root.length + 1), text: readFileSync(p, 'utf8') });
      }
    };
    for (const t of ['workers_oauth_provider_src', 'workers_oauth_provider_src_at_2025-03-14']) walk(this.p(t));
    return out;
  }
}

/** Debian copyright files: real licence texts (MIT, Apache, GPL, ...). Empty when the folder is absent. */
export function licenceFiles(): { path: string; text: string }[] {
  const dir = '/usr/share/doc';
  if (!existsSync(dir)) return [];
  const out: { path: string; text: string }[] = [];
  for (const pkg of readdirSync(dir).sort()) {
    const p = join(dir, pkg, 'copyright');
    try {
      if (statSync(p).isFile()) out.push({ path: p, text: readFileSync(p, 'utf8') });
    } catch {
      // no copyright file for this package
    }
  }
  return out;
}
