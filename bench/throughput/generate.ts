/**
 * Input generation for the throughput benchmark. Everything is derived at bench time from the real text in
 * /work/shared/data (never copied into the repository) and written under bench/out/throughput (gitignored).
 *
 * - Rival answers (alpaca_eval outputs of every model, GPTeacher responses, arena-hard answers) are shuffled with a
 *   seeded PRNG and split by prompt in two disjoint halves: the registry half and the host half.
 * - Registry source: M entries from the registry half; once every real answer is used, further entries are seeded
 *   word-level variants (replace / drop / swap ~12% of words), so no two entries are identical.
 * - Shards: documents of 200-3000 words, made of random host answers (each lightly varied) or of npm_human_code
 *   files (~15% of documents); a share of documents gets one or two registry entries pasted in at a paragraph
 *   boundary (verbatim) so that scan has real matches to find and verify. Written as JSONL shards compressed with
 *   zstd-napi's compress, and (see parquet-writer.ts) as the same rows in zstd Parquet.
 * - Labels: planted.jsonl names, for every document that got registry entries pasted in, those entries' ids and
 *   character spans (the peers comparison, peers.ts, measures recall against them).
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { compress } from 'zstd-napi';
import { writeParquet } from './parquet-writer.js';
import { mulberry32 } from '../accuracy/util.js';

export const MB = 1e6;

interface Rival {
  text: string;
  model: string;
  source: string;
  /** The prompt it answers: every answer to one prompt goes to the same half. */
  prompt: string;
}

function turnText(t: unknown): string | undefined {
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object' && typeof (t as { content?: unknown }).content === 'string') return (t as { content: string }).content;
  return undefined;
}

function filesUnder(dir: string, keep: (p: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (keep(p)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Real rival answers, de-duplicated, in a fixed order. */
export function loadRivals(data: string): Rival[] {
  const out: Rival[] = [];
  const seen = new Set<string>();
  const add = (text: unknown, model: string, source: string, prompt: unknown) => {
    if (typeof text !== 'string') return;
    const t = text.trim();
    if (t.length < 20 || seen.has(t)) return;
    seen.add(t);
    out.push({ text: t, model, source, prompt: `${source}:${String(prompt)}` });
  };
  const ae = join(data, 'alpaca_eval_outputs', 'results');
  for (const m of readdirSync(ae).sort()) {
    const p = join(ae, m, 'model_outputs.json');
    if (!existsSync(p)) continue;
    for (const r of JSON.parse(readFileSync(p, 'utf8')) as Array<{ output?: string; generator?: string; instruction?: string }>)
      add(r.output, r.generator ?? m, 'alpaca_eval', r.instruction);
  }
  for (const p of filesUnder(join(data, 'gpteacher'), (p) => p.endsWith('.json')))
    for (const r of JSON.parse(readFileSync(p, 'utf8')) as Array<{ response?: string; instruction?: string; input?: string }>)
      add(r.response, 'gpt-4', 'gpteacher', `${r.instruction}\n${r.input}`);
  for (const p of filesUnder(join(data, 'arena_hard_answers'), (p) => p.endsWith('.jsonl')))
    for (const line of readFileSync(p, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const r = JSON.parse(line) as { question_id?: string; model_id?: string; choices?: Array<{ turns?: unknown[] }> };
      add(turnText(r.choices?.[0]?.turns?.[0]), r.model_id ?? 'unknown', 'arena_hard', r.question_id);
    }
  if (out.length < 1000) throw new Error(`only ${out.length} rival answers found under ${data}`);
  return out;
}

export function loadCode(data: string): string[] {
  const dir = join(data, 'npm_human_code');
  return filesUnder(dir, (p) => ['.js', '.ts', '.mjs'].includes(extname(p)))
    .map((p) => readFileSync(p, 'utf8'))
    .filter((t) => t.length > 200);
}

function shuffle<T>(xs: T[], rnd: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/** Word-level variation: each whitespace-separated word is replaced (from vocab), dropped or swapped with prob rate. */
export function vary(text: string, rate: number, rnd: () => number, vocab: string[]): string {
  const words = text.split(' ');
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const r = rnd();
    if (r >= rate) out.push(words[i]!);
    else if (r < rate * 0.5) out.push(vocab[Math.floor(rnd() * vocab.length)]!);
    else if (r < rate * 0.75) continue;
    else if (i + 1 < words.length) {
      out.push(words[i + 1]!, words[i]!);
      i++;
    } else out.push(words[i]!);
  }
  // a one-word answer whose word was dropped would become an empty (unreadable) registry entry
  if (out.length === 0) out.push(vocab[Math.floor(rnd() * vocab.length)]!);
  return out.join(' ');
}

const wordCount = (s: string): number => {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ws = c === 32 || c === 10 || c === 9 || c === 13;
    if (!ws && !inWord) n++;
    inWord = !ws;
  }
  return n;
};

export interface GenParams {
  data: string;
  dir: string;
  mb: number;
  entries: number;
  seed: number;
  parquet: boolean;
}

export interface Manifest {
  params: Omit<GenParams, 'dir'> & { recipe: number };
  registry: { path: string; entries: number; text_bytes: number; real: number; variants: number };
  jsonl: { dir: string; files: number; file_bytes: number };
  parquet: { dir: string; files: number; file_bytes: number } | { skipped: string };
  samples: number;
  text_bytes: number;
  code_docs: number;
  planted_docs: number;
  planted_entries: number;
  /** planted.jsonl: one line per planted document, {id, shard, entries: registry ids, spans: [start, end) in the text}. */
  planted: string;
  corpus: { rivals: number; prompts: number; registry_half: number; host_half: number; code_files: number };
  gen_s: number;
}

/**
 * Bump when the generation recipe changes, so stale inputs are not reused.
 * 4: planted.jsonl records which registry entries were pasted into which documents; the random stream, the
 *    documents and the registry are byte-identical to recipe 3 for the same seed.
 */
const RECIPE = 4;
const PLANT_RATE = 0.05;
const CODE_RATE = 0.15;
const SHARD_TEXT_MB = 50;

/** Generates (or reuses, when the manifest matches the params) the benchmark inputs. */
export function generate(p: GenParams, log: (s: string) => void): Manifest {
  const manifestPath = join(p.dir, 'inputs.json');
  const { dir: _d, ...rest } = p;
  const key = { ...rest, recipe: RECIPE };
  if (existsSync(manifestPath)) {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    if (JSON.stringify(m.params) === JSON.stringify(key)) {
      // The files sit where the manifest does: its paths are re-rooted there, so a copy or a moved checkout (a git
      // worktree sharing bench/out) reuses them instead of reading the paths of the tree that wrote them.
      m.registry.path = join(p.dir, 'registry', basename(m.registry.path));
      m.jsonl.dir = join(p.dir, 'jsonl');
      if ('dir' in m.parquet) m.parquet.dir = join(p.dir, 'parquet');
      m.planted = join(p.dir, basename(m.planted));
      // planted.jsonl is only read by the peers' scoring (bench/run.ts checks it there), so it is not required here
      if ([m.registry.path, m.jsonl.dir, ...('dir' in m.parquet ? [m.parquet.dir] : [])].every((f) => existsSync(f))) {
        log(`inputs: reusing ${manifestPath}`);
        return m;
      }
      log(`inputs: ${manifestPath} names files that are missing; generating them again`);
    }
  }
  const t0 = performance.now();
  // the manifest goes first: a generation cut short must not leave one that names half-written files
  rmSync(manifestPath, { force: true });
  rmSync(join(p.dir, 'planted.jsonl'), { force: true });
  for (const sub of ['registry', 'jsonl', 'parquet']) rmSync(join(p.dir, sub), { recursive: true, force: true });
  mkdirSync(join(p.dir, 'registry'), { recursive: true });
  mkdirSync(join(p.dir, 'jsonl'), { recursive: true });

  const rnd = mulberry32(p.seed);
  const rivals = shuffle(loadRivals(p.data), rnd);
  const code = loadCode(p.data);
  // Split by prompt, not by answer: alpaca_eval holds 28 models' answers to the same 805 prompts, some of them
  // edited copies of each other (aligner-2b_*, openpipe-moa-*, *_concise/_verbose), so an answer-level split would
  // leave near-copies of registry entries in the host text and turn most documents into matches.
  const side = new Map<string, boolean>();
  const regHalf: Rival[] = [];
  const hostHalf: Rival[] = [];
  for (const r of rivals) {
    let reg = side.get(r.prompt);
    if (reg === undefined) side.set(r.prompt, (reg = rnd() < 0.5));
    (reg ? regHalf : hostHalf).push(r);
  }
  const vocab: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const ws = rivals[Math.floor(rnd() * rivals.length)]!.text.split(/\s+/);
    vocab.push(ws[Math.floor(rnd() * ws.length)]!);
  }

  // Registry source
  // Written in ~4 MB pieces: at 1M entries the whole file as one string exceeds V8's string length limit.
  const regTexts: string[] = [];
  const registryPath = join(p.dir, 'registry', 'entries.jsonl');
  const regFd = openSync(registryPath, 'w');
  let regBytes = 0;
  let piece: string[] = [];
  let pieceChars = 0;
  const flush = () => {
    if (piece.length) writeSync(regFd, piece.join(''));
    piece = [];
    pieceChars = 0;
  };
  try {
    for (let i = 0; i < p.entries; i++) {
      const base = regHalf[i % regHalf.length]!;
      const text = i < regHalf.length ? base.text : vary(base.text, 0.12, rnd, vocab);
      regTexts.push(text);
      regBytes += Buffer.byteLength(text);
      const line = JSON.stringify({ id: `reg-${i}`, text, model: base.model, source: base.source }) + '\n';
      piece.push(line);
      pieceChars += line.length;
      if (pieceChars >= 4 << 20) flush();
    }
    flush();
  } finally {
    closeSync(regFd);
  }

  // Shards
  const target = p.mb * MB;
  const shards = Math.max(1, Math.ceil(p.mb / SHARD_TEXT_MB));
  const perShard = target / shards;
  let textBytes = 0;
  let samples = 0;
  let codeDocs = 0;
  let plantedDocs = 0;
  let plantedEntries = 0;
  let fileBytes = 0;
  let pqBytes = 0;
  const plantedLines: string[] = [];
  const pqDir = join(p.dir, 'parquet');
  if (p.parquet) mkdirSync(pqDir, { recursive: true });
  for (let s = 0; s < shards; s++) {
    const lines: string[] = [];
    const ids: string[] = [];
    const texts: string[] = [];
    let shardBytes = 0;
    while (shardBytes < perShard && textBytes < target) {
      const words = 200 + Math.floor(rnd() * 2801);
      const parts: string[] = [];
      let n = 0;
      const isCode = rnd() < CODE_RATE;
      if (isCode) codeDocs++;
      while (n < words) {
        let t: string;
        if (isCode) {
          t = code[Math.floor(rnd() * code.length)]!;
          const c = wordCount(t);
          if (n + c > words * 1.3) {
            // cut at a line boundary so the document stays near its target length
            const lines = t.split('\n');
            const keep = Math.max(5, Math.floor(lines.length * ((words - n) / c)));
            const start = Math.floor(rnd() * Math.max(1, lines.length - keep));
            t = lines.slice(start, start + keep).join('\n');
          }
        } else {
          t = hostHalf[Math.floor(rnd() * hostHalf.length)]!.text;
          if (rnd() < 0.5) t = vary(t, 0.03, rnd, vocab);
        }
        parts.push(t);
        n += wordCount(t);
      }
      // planted registry entries of this document: [index in parts, registry entry index]
      const planted: Array<[number, number]> = [];
      if (rnd() < PLANT_RATE) {
        plantedDocs++;
        const k = rnd() < 0.2 ? 2 : 1;
        for (let j = 0; j < k; j++) {
          // same two draws, in the same order, as before the labels were recorded (position, then entry)
          const at = Math.floor(rnd() * (parts.length + 1));
          const e = Math.floor(rnd() * regTexts.length);
          parts.splice(at, 0, regTexts[e]!);
          for (const x of planted) if (x[0] >= at) x[0]++;
          planted.push([at, e]);
          plantedEntries++;
        }
      }
      const SEP = '\n\n';
      const text = parts.join(SEP);
      const id = `doc-${s}-${texts.length}`;
      if (planted.length) {
        // character spans [start, end) of each planted entry in the document text (UTF-16 offsets, as String#slice)
        const starts: number[] = [];
        for (let i = 0, o = 0; i < parts.length; i++) {
          starts.push(o);
          o += parts[i]!.length + SEP.length;
        }
        plantedLines.push(
          JSON.stringify({ id, shard: s, entries: planted.map(([, e]) => `reg-${e}`), spans: planted.map(([i]) => [starts[i]!, starts[i]! + parts[i]!.length]) }),
        );
      }
      ids.push(id);
      texts.push(text);
      lines.push(JSON.stringify({ id, text }));
      const b = Buffer.byteLength(text);
      shardBytes += b;
      textBytes += b;
      samples++;
    }
    const name = `shard-${String(s).padStart(4, '0')}`;
    const raw = Buffer.from(lines.join('\n') + '\n', 'utf8');
    lines.length = 0;
    const z = compress(raw, { compressionLevel: 3 });
    writeFileSync(join(p.dir, 'jsonl', `${name}.jsonl.zst`), z);
    fileBytes += z.length;
    if (p.parquet) pqBytes += writeParquet(join(pqDir, `${name}.parquet`), { id: ids, text: texts }, 10_000);
    log(`inputs: shard ${s + 1}/${shards}: ${(shardBytes / MB).toFixed(1)} MB text, ${(z.length / MB).toFixed(1)} MB zst`);
  }

  const plantedPath = join(p.dir, 'planted.jsonl');
  writeFileSync(plantedPath, plantedLines.length ? plantedLines.join('\n') + '\n' : '');

  const m: Manifest = {
    params: key,
    registry: { path: registryPath, entries: p.entries, text_bytes: regBytes, real: Math.min(p.entries, regHalf.length), variants: Math.max(0, p.entries - regHalf.length) },
    jsonl: { dir: join(p.dir, 'jsonl'), files: shards, file_bytes: fileBytes },
    parquet: p.parquet ? { dir: pqDir, files: shards, file_bytes: pqBytes } : { skipped: 'disabled with --no-parquet' },
    samples,
    text_bytes: textBytes,
    code_docs: codeDocs,
    planted_docs: plantedDocs,
    planted_entries: plantedEntries,
    planted: plantedPath,
    corpus: { rivals: rivals.length, prompts: side.size, registry_half: regHalf.length, host_half: hostHalf.length, code_files: code.length },
    gen_s: (performance.now() - t0) / 1000,
  };
  writeFileSync(manifestPath, JSON.stringify(m, null, 2) + '\n');
  return m;
}
