/**
 * Dumps the verification evidence of every candidate for the cases of the last `npm run bench:accuracy` run, so that
 * the match decision can be replayed offline with other thresholds (bench/accuracy/replay.ts).
 *
 *   node dist/bench/accuracy/evidence.js [--dir bench/out/accuracy] [--out FILE]
 *
 * The matcher runs with minEvidence 1, minShare 0 and no per-sample cap, and records every candidate that reaches
 * the LCS (whatever decide() says), with its unrounded numbers; exact matches and markers, which no decision
 * parameter changes, are recorded as they are. Fingerprint parameters and chainGap come from the run's --config
 * (results.json): they shape the evidence itself, so the replay cannot vary them.
 */
import { createReadStream, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { makeConfig } from '../../src/config/index.js';
import { EVIDENCE_FIELDS, REPLAYABLE, type EvidenceCase, type EvidenceHeader } from './evidence-format.js';
import { loadRules } from '../../src/match/markers.js';
import { createMatcher } from '../../src/match/match.js';
import { initXXHash } from '../../src/registry/digest.js';
import { attachRegistry, loadRegistry } from '../../src/registry/load.js';

function args(argv: string[]): { dir: string; out: string } {
  const repo = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
  let dir = join(repo, 'bench/out/accuracy');
  let out = '';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--dir') dir = resolve(argv[++i]!);
    else if (argv[i] === '--out') out = resolve(argv[++i]!);
    else throw new Error(`unknown argument "${argv[i]}" (usage: evidence.js [--dir DIR] [--out FILE])`);
  }
  return { dir, out: out || join(dir, 'evidence.jsonl') };
}

async function main(): Promise<void> {
  const { dir, out } = args(process.argv.slice(2));
  const registry = join(dir, 'contamscan', 'registry.csreg');
  if (!existsSync(registry)) throw new Error(`${registry} not found: run npm run bench:accuracy first`);
  const resultsFile = join(dir, 'results.json');
  const runArgs = existsSync(resultsFile) ? ((JSON.parse(readFileSync(resultsFile, 'utf8')) as { args?: Record<string, unknown> }).args ?? null) : null;
  const runConfig = (runArgs?.config ?? {}) as Record<string, number>;
  const shaping = Object.fromEntries(Object.entries(runConfig).filter(([k]) => !REPLAYABLE.includes(k)));
  // No cap here: the replay applies maxMatchesPerSample after its decisions, as the matcher does.
  const config = makeConfig({ ...shaping, minEvidence: 1, minShare: 0, maxMatchesPerSample: 10000 });
  await initXXHash();
  const reg = await loadRegistry(registry, config);
  const lines: string[] = [];
  try {
    // The built-in marker rules, as a scan without --rules uses them.
    const match = createMatcher(config, attachRegistry(reg.shared), await loadRules(), true, { collectEvidence: true });
    const header: EvidenceHeader = { kind: 'contamscan-evidence', run_args: runArgs, config_id: config.id, registry_digest: reg.header.digest, fields: EVIDENCE_FIELDS };
    lines.push(JSON.stringify(header));
    const caseDir = join(dir, 'cases');
    let n = 0;
    let nCand = 0;
    for (const f of readdirSync(caseDir).filter((x) => x.endsWith('.jsonl')).sort()) {
      const rl = createInterface({ input: createReadStream(join(caseDir, f)), crlfDelay: Infinity });
      for await (const line of rl) {
        if (!line.trim()) continue;
        const c = JSON.parse(line) as { id: string; text: string };
        const r = match(c.text);
        const row: EvidenceCase = { id: c.id, exact: [], markers: [], cand: [] };
        for (const m of r.matches) {
          if (m.kind === 'exact') row.exact.push([reg.idOf(m.entry), m.entry]);
          else if (m.kind === 'marker') row.markers.push({ registry_id: `marker:${m.rule}`, score: m.score, ...(m.tags ? { tags: m.tags } : {}) });
        }
        for (const x of r.candidates ?? []) row.cand.push([reg.idOf(x.entry), x.entry, ...EVIDENCE_FIELDS.map((k) => x.evidence[k])]);
        nCand += row.cand.length;
        lines.push(JSON.stringify(row));
        n++;
      }
    }
    writeFileSync(out, lines.join('\n') + '\n');
    console.log(`evidence of ${nCand} candidates in ${n} cases -> ${out}`);
  } finally {
    reg.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
