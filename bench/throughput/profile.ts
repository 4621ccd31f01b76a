/**
 * Summarise a V8 .cpuprofile (node --cpu-prof): self time per function, summed over every node with the same
 * function name and file, from the samples/timeDeltas arrays (hitCount is only a sample count).
 *
 *   node dist/bench/throughput/profile.js bench/out/throughput/profile/*.cpuprofile [--top 20]
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  fn: string;
  where: string;
  ms: number;
  pct: number;
}

export function summarise(path: string, top = 20): { total_ms: number; rows: SelfTime[] } {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { fn: string; where: string; us: number }>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0; // a sample's time is the delta to the next sample
    const n = byId.get(p.samples[i]!);
    if (!n) continue;
    total += dt;
    const fn = n.callFrame.functionName || '(anonymous)';
    const url = n.callFrame.url;
    const where = url ? `${basename(url)}` : '';
    const key = `${fn}@${where}`;
    const e = self.get(key) ?? { fn, where, us: 0 };
    e.us += dt;
    self.set(key, e);
  }
  const rows = [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({ fn: e.fn, where: e.where, ms: e.us / 1000, pct: total ? (100 * e.us) / total : 0 }));
  return { total_ms: total / 1000, rows };
}

export function profileTable(s: { total_ms: number; rows: SelfTime[] }): string {
  const lines = ['| self ms | % | function | file |', '|---:|---:|---|---|'];
  for (const r of s.rows) lines.push(`| ${r.ms.toFixed(0)} | ${r.pct.toFixed(1)} | \`${r.fn}\` | ${r.where} |`);
  lines.push(`\nTotal sampled: ${(s.total_ms / 1000).toFixed(1)} s.`);
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--top');
  const top = i >= 0 ? Number(process.argv[i + 1]) : 20;
  for (const f of process.argv.slice(2).filter((a, k, all) => !a.startsWith('--') && all[k - 1] !== '--top')) {
    console.log(`### ${basename(f)}\n`);
    console.log(profileTable(summarise(f, top)));
  }
}
