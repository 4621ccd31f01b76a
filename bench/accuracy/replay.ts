/**
 * Replays the match decision on dumped evidence (bench/accuracy/evidence.ts) with other thresholds, and prints the
 * accuracy table that a scan with those thresholds would give, in seconds instead of a minute per setting.
 *
 *   node dist/bench/accuracy/replay.js [--dir bench/out/accuracy] [--evidence FILE] [--config key=value]...
 *
 * Only decision parameters (src/match/decide.ts DECISION_PARAMS) can be set: fingerprint parameters and chainGap
 * shape the evidence itself. Without --config, the replay must reproduce the run's own table (results.json); it
 * checks that and exits 1 when a rate, an attribution or an entry recall differs. The per-sample cap
 * (maxMatchesPerSample) is applied as the matcher applies it, and can be replayed too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeConfig } from '../../src/config/index.js';
import { decide } from '../../src/match/decide.js';
import { matchOrder, outranks, round4 } from '../../src/match/match.js';
import type { MatchKind } from '../../src/types.js';
import type { Label } from './cases.js';
import type { DetectedMatch } from './detectors.js';
import { evidenceOf, REPLAYABLE, type EvidenceCase, type EvidenceHeader } from './evidence-format.js';
import { renderTable, score, type CategoryResult } from './metrics.js';


interface Args {
  dir: string;
  evidence: string;
  config: Record<string, number>;
}

function parseArgs(argv: string[]): Args {
  const repo = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
  const a: Args = { dir: join(repo, 'bench/out/accuracy'), evidence: '', config: {} };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--dir') a.dir = resolve(argv[++i]!);
    else if (k === '--evidence') a.evidence = resolve(argv[++i]!);
    else if (k === '--config') {
      const m = /^([A-Za-z]+)=(.+)$/.exec(argv[++i] ?? '');
      if (!m || !Number.isFinite(Number(m[2]))) throw new Error(`--config expects key=number, got "${argv[i]}"`);
      if (!REPLAYABLE.includes(m[1]!))
        throw new Error(`--config ${m[1]}: only these can be replayed: ${REPLAYABLE.join(', ')}; the others shape the evidence: dump it again`);
      a.config[m[1]!] = Number(m[2]);
    } else throw new Error(`unknown argument "${k}"`);
  }
  if (!a.evidence) a.evidence = join(a.dir, 'evidence.jsonl');
  return a;
}

/**
 * The matches a scan with `config` would report for one dumped case: the best kind per entry, in the matcher's
 * order (kind, then score, then entry index), so that the first-ranked match ties break as in matches.jsonl.
 */
function replayCase(c: EvidenceCase, config: ReturnType<typeof makeConfig>): DetectedMatch[] {
  const best = new Map<number, { registry_id: string; entry: number; kind: MatchKind; score: number }>();
  for (const [id, entry] of c.exact) best.set(entry, { registry_id: id, entry, kind: 'exact', score: 1 });
  for (const row of c.cand) {
    const [id, entry] = row;
    if (best.get(entry)?.kind === 'exact') continue;
    const d = decide(evidenceOf(row), config);
    if (!d) continue;
    const prev = best.get(entry);
    const m = { registry_id: id, entry, kind: d.kind, score: round4(d.score) };
    if (!prev || outranks(m, prev)) best.set(entry, m);
  }
  const sorted = [...best.values()].sort(matchOrder);
  const out: DetectedMatch[] = sorted.map(({ registry_id, kind, score }) => ({ registry_id, kind, score }));
  for (const mk of c.markers) out.push({ registry_id: mk.registry_id, kind: 'marker', score: mk.score, tags: mk.tags });
  return out.slice(0, config.maxMatchesPerSample);
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(args.evidence)) throw new Error(`${args.evidence} not found: run node dist/bench/accuracy/evidence.js first`);
  const lines = readFileSync(args.evidence, 'utf8').split('\n').filter((l) => l.trim());
  const header = JSON.parse(lines[0]!) as EvidenceHeader;
  if (header.kind !== 'contamscan-evidence') throw new Error(`${args.evidence}: not an evidence dump`);
  const labels = readFileSync(join(args.dir, 'labels.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Label);
  const runConfig = (header.run_args?.config ?? {}) as Record<string, number>;
  const runDecision = Object.fromEntries(Object.entries(runConfig).filter(([k]) => REPLAYABLE.includes(k)));
  const config = makeConfig({ ...runDecision, ...args.config });
  const found = new Map<string, DetectedMatch[]>();
  for (const line of lines.slice(1)) {
    const c = JSON.parse(line) as EvidenceCase;
    const ms = replayCase(c, config);
    if (ms.length) found.set(c.id, ms);
  }
  const results = score(labels, found);
  console.log(`replay of ${lines.length - 1} cases, config ${JSON.stringify({ ...runDecision, ...args.config })}\n`);
  console.log(renderTable({ contamscan: results }, false));

  if (Object.keys(args.config).length) return;
  const resultsFile = join(args.dir, 'results.json');
  if (!existsSync(resultsFile)) return;
  const run = JSON.parse(readFileSync(resultsFile, 'utf8')) as { args: Record<string, unknown>; results: Record<string, CategoryResult[]> };
  if (JSON.stringify(run.args) !== JSON.stringify(header.run_args) || !run.results.contamscan) {
    console.log('\n(results.json is from another run: no self-check)');
    return;
  }
  const diffs: string[] = [];
  for (const r of run.results.contamscan) {
    const x = results.find((y) => y.category === r.category);
    if (!x || x.rate !== r.rate || x.attribution !== r.attribution || x.entry_recall !== r.entry_recall)
      diffs.push(`${r.category}: scan ${r.rate}/${r.attribution}/${r.entry_recall}, replay ${x?.rate}/${x?.attribution}/${x?.entry_recall}`);
  }
  if (diffs.length) {
    console.log(`\nreplay does NOT reproduce the scan:\n  ${diffs.join('\n  ')}`);
    process.exit(1);
  }
  console.log('\nreplay reproduces the scan: every rate, attribution and entry recall equal to results.json');
}

try {
  main();
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}
