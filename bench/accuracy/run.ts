/**
 * Accuracy benchmark: `npm run bench:accuracy [-- --quick] [--only a,b] [--config key=value]... [--detectors ngram13,contamscan]`
 * Builds cases from /work/shared/data (or --data / CONTAMSCAN_DATA), runs each detector on the same registry and
 * cases, prints one table, and writes bench/out/accuracy/{results.json,table.md}.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ngram13Detector } from '../baselines/ngram13.js';
import { buildCases, CATEGORIES, COPY_CLOSENESS, EMBED_MAX_FACTOR } from './cases.js';
import { contamscanAvailable, contamscanDetector, type Detector, type DetectedMatch } from './detectors.js';
import { editCloseness, renderTable, score, vendorSplit, vendorSplitNote, type CategoryResult, type VendorGroup } from './metrics.js';

interface Args {
  quick: boolean;
  only?: Set<string>;
  config: Record<string, number>;
  detectors: string[];
  data: string;
  seed: number;
  n?: number;
  workers?: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, config: {}, detectors: ['ngram13', 'contamscan'], data: process.env.CONTAMSCAN_DATA ?? '/work/shared/data', seed: 20261101 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    if (k === '--quick') a.quick = true;
    else if (k === '--only') {
      a.only = new Set(v().split(',').map((s) => s.trim()).filter(Boolean));
      for (const c of a.only) if (!CATEGORIES.some((d) => d.name === c)) throw new Error(`--only: unknown category "${c}" (known: ${CATEGORIES.map((d) => d.name).join(', ')})`);
    } else if (k === '--config') {
      const m = /^([\w.]+)=(.+)$/.exec(v());
      if (!m || !Number.isFinite(Number(m[2]))) throw new Error(`--config expects key=number, got "${argv[i]}"`);
      a.config[m[1]] = Number(m[2]);
    } else if (k === '--detectors') a.detectors = v().split(',');
    else if (k === '--data') a.data = v();
    else if (k === '--seed') a.seed = Number(v());
    else if (k === '--n') a.n = Number(v());
    else if (k === '--workers') a.workers = Number(v());
    else throw new Error(`unknown argument "${k}"`);
  }
  return a;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const repo = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
  const out = join(repo, 'bench/out/accuracy');
  if (!existsSync(args.data)) {
    console.log(`accuracy benchmark skipped: data folder ${args.data} not found (set CONTAMSCAN_DATA or --data)`);
    return;
  }
  rmSync(join(out, 'cases'), { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const perCategory = args.n ?? (args.quick ? 50 : 300);
  let t = Date.now();
  const built = await buildCases({ data: args.data, out, perCategory, seed: args.seed, only: args.only });
  const buildSec = (Date.now() - t) / 1000;
  console.log(`cases built in ${buildSec.toFixed(1)}s: ${JSON.stringify(built.summary.cases)}`);
  writeFileSync(join(out, 'build_summary.json'), JSON.stringify(built.summary, null, 2));

  const detectors: Detector[] = [];
  for (const name of args.detectors) {
    if (name === 'ngram13') detectors.push(ngram13Detector(13));
    else if (name === 'contamscan') {
      if (contamscanAvailable()) detectors.push(contamscanDetector({ workDir: join(out, 'contamscan'), config: args.config, workers: args.workers }));
      else console.log('contamscan: dist/src/index.js not built yet, detector skipped');
    } else throw new Error(`unknown detector "${name}"`);
  }
  const results: Record<string, CategoryResult[]> = {};
  // whose answers a detector flags among other models' (metrics.ts vendorSplit)
  const registryVendors = new Set([...built.entryVendor.values()].filter((v) => v !== 'benchmark'));
  const byVendor: Record<string, VendorGroup[]> = {};
  const timings: Record<string, { build_s: number; scan_s: number }> = {};
  const caseFiles = [...built.caseFiles.values()];
  for (const det of detectors) {
    let found: Map<string, DetectedMatch[]>;
    t = Date.now();
    try {
      await det.build(built.registryFiles);
      const b = (Date.now() - t) / 1000;
      t = Date.now();
      found = await det.scanFiles(caseFiles);
      timings[det.name] = { build_s: b, scan_s: (Date.now() - t) / 1000 };
    } catch (e) {
      console.log(`${det.name}: failed: ${(e as Error).stack ?? String(e)}`);
      continue;
    }
    results[det.name] = score(built.labels, found);
    if (built.labels.some((l) => l.category === 'other_model_same_prompt'))
      byVendor[det.name] = vendorSplit(built.labels, found, 'other_model_same_prompt', registryVendors, built.entryVendor);
    console.log(`${det.name}: registry ${timings[det.name].build_s.toFixed(1)}s, scan ${timings[det.name].scan_s.toFixed(1)}s`);
  }
  const table = renderTable(results, false);
  console.log('\n' + table);
  console.log('rate = recall (positives) or false-positive rate (negatives); attr = first-ranked match (kind, then score) is the expected entry;');
  console.log('entries = mean share of expected entries reported (multi, claude_code); ok = meets the target.');
  const closeness = editCloseness(built.labels);
  const auditNote = labelAuditNote(built.summary, closeness);
  console.log('\n' + auditNote);
  const vendorNotes = Object.entries(byVendor).map(([det, g]) => vendorSplitNote(det, g, registryVendors));
  for (const n of vendorNotes) console.log(n);
  const md =
    `Accuracy benchmark (${args.quick ? 'quick, ' : ''}${perCategory}/category, seed ${args.seed}${Object.keys(args.config).length ? `, config ${JSON.stringify(args.config)}` : ''})\n\n` +
    renderTable(results, true) +
    `\n${auditNote}\n` +
    vendorNotes.map((n) => `\n${n}\n`).join('');
  writeFileSync(join(out, 'table.md'), md);
  writeFileSync(join(out, 'results.json'), JSON.stringify({ args: { ...args, only: args.only ? [...args.only] : undefined }, perCategory, timings, summary: built.summary, edit_closeness: closeness, other_model_by_vendor: byVendor, results }, null, 2));
}

/** One line on the negatives the label audit excluded as copies (cases.ts), per category with any. */
function labelAuditNote(summary: Record<string, unknown>, closeness: { edit10: number; edit25: number }): string {
  const ex = (summary.negative_audit_excluded ?? {}) as Record<string, Record<string, number>>;
  const parts = Object.entries(ex)
    .map(([cat, c]) => [cat, Object.entries(c).filter(([, v]) => v > 0)] as const)
    .filter(([, c]) => c.length)
    .map(([cat, c]) => `${cat}: ${c.map(([k, v]) => `${v} ${k.replace(/_/g, ' ')}`).join(', ')}`);
  const med = Number.isFinite(closeness.edit25) ? `; median closeness of this run's copies: edit10 ${closeness.edit10.toFixed(3)}, edit25 ${closeness.edit25.toFixed(3)}` : '';
  return (
    `Label audit, negatives excluded as copies of a registry entry (identical, a shared 25-word run, or standing to an entry answering ` +
    `the same prompt as a 25%-edited copy does: word LCS >= ${COPY_CLOSENESS.toFixed(3)} of the longer text [as close as edit25], of the ` +
    `entry in a text up to ${EMBED_MAX_FACTOR}x longer [holds edited entry], or of a text at least half the entry [inside entry]${med}): ` +
    (parts.length ? parts.join('; ') : 'none')
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
