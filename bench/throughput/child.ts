/**
 * One measured configuration, run in a fresh process so that process.resourceUsage().maxRSS (which covers the
 * worker threads too) belongs to this configuration alone. bench/run.ts forks it with one JSON argument and
 * receives one JSON result over IPC (or on stdout when started by hand, e.g. under node --cpu-prof):
 *
 *   node dist/bench/throughput/child.js '{"mode":"scan","inputs":["bench/out/throughput/jsonl"],"registry":"...","workers":0,"out":"..."}'
 *
 * Modes: decode (readFile over every input, sum the UTF-8 length of each text, nothing else), scan (the public
 * scan() API), build (buildRegistry), peer (a peer detector of peers.ts: index build, then query every document).
 */
import { buildRegistry, scan } from '../../src/index.js';
import { resolveInputs } from '../../src/io/inputs.js';
import { readFile } from '../../src/readers/index.js';
import { runPeer, type PeerResult, type PeerTask } from './peers.js';

export type Task =
  | { mode: 'decode'; inputs: string[] }
  | { mode: 'scan'; inputs: string[]; registry: string; workers: number; out: string }
  | { mode: 'build'; inputs: string[]; out: string; workers?: number }
  | PeerTask;

export interface ChildResult {
  mode: Task['mode'];
  wall_s: number;
  /** UTF-8 bytes of sample (decode, scan) or entry (build) text. */
  text_bytes: number;
  samples: number;
  max_rss_mb: number;
  /** CPU seconds of the whole process (main thread + worker threads), user + system. */
  cpu_s: number;
  flagged?: number;
  matches?: number;
  entries?: number;
  low_evidence?: Record<string, number>;
  /** mode peer: build and query times and the reported (doc, entry) pairs. */
  peer?: PeerResult;
}

async function run(task: Task): Promise<ChildResult> {
  const t0 = performance.now();
  let r: Omit<ChildResult, 'wall_s' | 'max_rss_mb' | 'cpu_s'>;
  if (task.mode === 'decode') {
    const { files } = await resolveInputs(task.inputs);
    let bytes = 0;
    let samples = 0;
    for (const f of files)
      for await (const b of readFile(f))
        for (const s of b.samples) {
          bytes += Buffer.byteLength(s.text, 'utf8');
          samples++;
        }
    r = { mode: 'decode', text_bytes: bytes, samples };
  } else if (task.mode === 'scan') {
    const rep = await scan({ inputs: task.inputs, registry: task.registry, workers: task.workers, out: task.out, progress: false });
    r = { mode: 'scan', text_bytes: rep.totals.text_bytes, samples: rep.totals.samples, flagged: rep.totals.flagged, matches: rep.totals.matches };
  } else if (task.mode === 'peer') {
    const p = await runPeer(task);
    r = { mode: 'peer', text_bytes: p.text_bytes, samples: p.samples, entries: p.entries, flagged: p.flags.length, matches: p.flags.reduce((n, [, f]) => n + f.length, 0), peer: p };
  } else {
    const res = await buildRegistry({ inputs: task.inputs, out: task.out, tagFields: { model: 'model', source: 'source' }, workers: task.workers });
    // entry text bytes are known to the parent (generation manifest); the child reports what the index holds
    r = { mode: 'build', text_bytes: 0, samples: res.header.sources.records, entries: res.header.entries, low_evidence: { ...res.header.low_evidence } };
  }
  const wall_s = (performance.now() - t0) / 1000;
  const u = process.resourceUsage();
  return { ...r, wall_s, max_rss_mb: u.maxRSS / 1024, cpu_s: (u.userCPUTime + u.systemCPUTime) / 1e6 };
}

const task = JSON.parse(process.argv[2] ?? '{}') as Task;
run(task).then(
  (res) => {
    if (process.send) process.send(res, () => process.exit(0));
    else {
      process.stdout.write(JSON.stringify(res) + '\n');
      process.exit(0);
    }
  },
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
