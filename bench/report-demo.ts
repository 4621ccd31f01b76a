/**
 * npm run report:demo — a quarterly compliance report made from ../shared/data's real mixed sets, end to end
 * through the library API, for a reviewer to read (and for the README's account of what was checked by eye).
 *
 * Registry: GPT-4 answers (GPTeacher), alpaca_eval answers of 7 OpenAI/Anthropic models, Claude-written code
 * (claude_oauth_provider_commits added blocks) and the GSM8K test set (benchmark leak). Datasets scanned, as a
 * training-data team would hold them (JSONL/JSON shards), in two partitions merged by `report`:
 *   instruct-mix   new_codealpaca (GPT-4 output republished), two aligner-edited alpaca_eval sets, gemini-pro
 *                  answers (a model not in the registry: should stay clean)
 *   math-mix       the WizardMath copy of the GSM8K test set, and GSM8K train (same style, other problems)
 *   code-repos     workers_oauth_provider_src (Claude code after human edits), npm_human_code (human code)
 * The "previous quarter" is the instruct-mix scan against a registry without the Claude code: --compare shows the
 * change and warns that the registry changed.
 *
 * Writes fixtures-out/demo/: registry.csreg, scan-a, scan-b, prev, report/ (report.html, report.md, merged
 * scan output). Needs ../shared/data; nothing of it is copied into the repository.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRegistry, scan, writeReport } from '../src/index.js';
import { AE_REGISTRY_MODELS as AE_MODELS } from './accuracy/data.js';
import { readJson as readJsonAny, readJsonl as readJsonlAny } from './accuracy/util.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DATA = resolve(process.env.CONTAMSCAN_DATA ?? join(ROOT, '..', 'shared', 'data'));
const OUT = join(ROOT, 'fixtures-out', 'demo');

const readJson = <T>(p: string): T => readJsonAny(p) as T;
const readJsonl = <T>(p: string): T[] => readJsonlAny(p) as unknown as T[];
const writeJsonl = (p: string, rows: unknown[]) => {
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return p;
};
function walk(dir: string, keep: (f: string) => boolean, out: string[] = []): string[] {
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) walk(p, keep, out);
    else if (keep(p)) out.push(p);
  }
  return out;
}


interface Entry {
  id: string;
  text: string;
  prompt?: string;
  vendor: string;
  model: string;
  source: string;
}

function registrySources(withClaudeCode: boolean): string[] {
  const dir = join(OUT, withClaudeCode ? 'registry-src' : 'registry-src-prev');
  const files: string[] = [];
  const gpt: Entry[] = [];
  for (const [sub, path] of [
    ['codegen', 'gpteacher/Codegen/codegen-instruct.json'],
    ['toolformer', 'gpteacher/Toolformer/toolformer-dedupe-only-dataset.json'],
    ['roleplay', 'gpteacher/Roleplay/roleplay-simple-deduped-roleplay-instruct.json'],
  ] as const)
    readJson<Array<{ instruction: string; input: string; response: string }>>(join(DATA, path)).forEach((r, i) =>
      gpt.push({ id: `gpteacher/${sub}/${i}`, text: r.response, prompt: [r.instruction, r.input].filter(Boolean).join('\n'), vendor: 'openai', model: 'gpt-4', source: `gpteacher_${sub}` }),
    );
  files.push(writeJsonl(join(dir, 'gpteacher.jsonl'), gpt));
  const ae: Entry[] = [];
  for (const [model, vendor] of Object.entries(AE_MODELS))
    readJson<Array<{ instruction: string; output: string }>>(join(DATA, 'alpaca_eval_outputs/results', model, 'model_outputs.json')).forEach((r, i) =>
      ae.push({ id: `alpaca_eval/${model}/${i}`, text: r.output, prompt: r.instruction, vendor, model, source: 'alpaca_eval' }),
    );
  files.push(writeJsonl(join(dir, 'alpaca_eval.jsonl'), ae));
  const gsm = readJsonl<{ question: string; answer: string }>(join(DATA, 'gsm8k/test.jsonl')).map((r, i) => ({
    id: `gsm8k/test/${i}`,
    text: `${r.question}\n${r.answer}`,
    vendor: 'benchmark',
    model: 'gsm8k-test',
    source: 'gsm8k_test',
  }));
  files.push(writeJsonl(join(dir, 'gsm8k_test.jsonl'), gsm));
  if (withClaudeCode) {
    const claude: Entry[] = [];
    for (const c of readJsonl<{ sha: string; attribution: string; files: Array<{ path: string; added_blocks: string[] }> }>(join(DATA, 'claude_oauth_provider_commits/commits.jsonl'))) {
      if (c.attribution !== 'claude' && c.attribution !== 'claude_partial') continue;
      for (const f of c.files) f.added_blocks.forEach((b, i) => claude.push({ id: `oauth-commit/${c.sha.slice(0, 10)}/${f.path}#${i}`, text: b, vendor: 'anthropic', model: 'claude', source: 'workers_oauth_provider_commits' }));
    }
    files.push(writeJsonl(join(dir, 'claude_code.jsonl'), claude));
  }
  return files;
}

/** A source tree as a code dataset holds it: one JSONL record per file (path as id). */
function codeShard(name: string, tree: string, exts: RegExp): string {
  const rows = walk(tree, (p) => exts.test(p)).map((p) => ({ id: `${name}/${relative(tree, p)}`, text: readFileSync(p, 'utf8') }));
  return writeJsonl(join(OUT, 'datasets', 'code-repos', `${name}.jsonl`), rows);
}

async function main(): Promise<void> {
  if (!existsSync(DATA)) {
    console.error(`report:demo needs ${DATA} (the shared data folder); set CONTAMSCAN_DATA to its path`);
    process.exit(2);
  }
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const t0 = Date.now();
  const tagFields = { vendor: 'vendor', model: 'model', source: 'source' };
  const registry = join(OUT, 'registry.csreg');
  await buildRegistry({ inputs: registrySources(true), out: registry, tagFields, promptFields: ['prompt'] });
  const prevRegistry = join(OUT, 'registry-prev.csreg');
  await buildRegistry({ inputs: registrySources(false), out: prevRegistry, tagFields, promptFields: ['prompt'] });

  const ae = (m: string) => join(DATA, 'alpaca_eval_outputs/results', m, 'model_outputs.json');
  const instruct = [join(DATA, 'new_codealpaca/new_codealpaca.json'), ae('aligner-2b_claude-3-opus-20240229'), ae('aligner-2b_gpt-4-turbo-2024-04-09'), ae('gemini-pro')];
  const gsmShard = (split: string, path: string) =>
    writeJsonl(join(OUT, 'datasets', 'math-mix', `${split}.jsonl`), readJsonl<{ question: string; answer: string }>(path).map((r) => ({ text: `${r.question}\n${r.answer}` })));
  const math = [gsmShard('wizardmath_gsm8k_copy', join(DATA, 'wizardmath_gsm8k_copy/gsm8k_test.jsonl')), gsmShard('gsm8k_train', join(DATA, 'gsm8k/train.jsonl'))];
  const code = [codeShard('workers_oauth_provider_src', join(DATA, 'workers_oauth_provider_src'), /\.(ts|js|md)$/), codeShard('npm_human_code', join(DATA, 'npm_human_code'), /\.(js|ts)$/)];

  const common = { registry, progress: false, failOver: 0.05 } as const;
  // partition A on one "machine", partition B on another; the report merges them
  await scan({ ...common, inputs: instruct, out: join(OUT, 'scan-a'), dataset: 'instruct-mix' });
  await scan({ ...common, inputs: math, out: join(OUT, 'scan-b-math'), dataset: 'math-mix' });
  await scan({ ...common, inputs: code, out: join(OUT, 'scan-b-code'), dataset: 'code-repos' });
  // last quarter: instruct-mix only, smaller registry
  await scan({ registry: prevRegistry, progress: false, failOver: 0.05, inputs: instruct, out: join(OUT, 'prev'), dataset: 'instruct-mix' });

  const { view, files } = await writeReport({
    dirs: [join(OUT, 'scan-a'), join(OUT, 'scan-b-math'), join(OUT, 'scan-b-code')],
    out: join(OUT, 'report'),
    compare: join(OUT, 'prev', 'report.json'),
    period: '2026 Q4 (demo)',
    title: 'Training-data contamination report: demo on ../shared/data',
  });
  const t = view.report.totals;
  console.log(`registry ${view.report.registry.entries} entries; scanned ${t.files} files, ${t.samples} samples; flagged ${t.flagged} (${(100 * t.flagged_fraction).toFixed(2)}%), ${t.matches} matches`);
  for (const d of view.datasets) console.log(`  ${d.name}: ${d.flagged}/${d.samples} flagged`);
  for (const b of view.breakdowns.filter((x) => x.key === 'vendor' || x.key === 'kind')) console.log(`  ${b.key}: ${b.rows.map((r) => `${r.label} ${r.samples}`).join(', ')}`);
  console.log(`wrote ${files.join(', ')} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
