/** The benchmark's view of a scanner: build a registry from files, scan case files, return matches per sample. */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DetectedMatch } from '../baselines/ngram13.js';

export type { DetectedMatch };

export interface Detector {
  name: string;
  build(registryFiles: string[]): Promise<void>;
  scanFiles(caseFiles: string[]): Promise<Map<string, DetectedMatch[]>>;
}

/** The subset of contamscan's public API the benchmark uses (typed here so the bench compiles before src/ does). */
interface ContamscanApi {
  buildRegistry(o: {
    inputs: string[];
    out: string;
    textField?: string;
    idField?: string;
    tagFields?: Record<string, string>;
    config?: Record<string, number>;
    background?: string[];
    workers?: number;
  }): Promise<unknown>;
  scan(o: { inputs: string[]; registry: string; out: string; textField?: string; idField?: string; config?: Record<string, number>; workers?: number }): Promise<unknown>;
}

/** URL of the compiled library entry, relative to dist/bench/accuracy/detectors.js. */
const INDEX_URL = new URL('../../src/index.js', import.meta.url);

export function contamscanAvailable(): boolean {
  return existsSync(fileURLToPath(INDEX_URL));
}

export function contamscanDetector(opt: { workDir: string; config: Record<string, number>; workers?: number }): Detector {
  const registry = join(opt.workDir, 'registry.csreg');
  let api: ContamscanApi | undefined;
  const load = async (): Promise<ContamscanApi> => {
    if (!api) {
      const m = (await import(INDEX_URL.href)) as Partial<ContamscanApi>;
      if (typeof m.buildRegistry !== 'function' || typeof m.scan !== 'function') throw new Error(`${INDEX_URL.pathname} does not export buildRegistry and scan`);
      api = m as ContamscanApi;
    }
    return api;
  };
  return {
    name: 'contamscan',
    async build(registryFiles) {
      rmSync(opt.workDir, { recursive: true, force: true });
      mkdirSync(opt.workDir, { recursive: true });
      await (await load()).buildRegistry({
        inputs: registryFiles,
        out: registry,
        tagFields: { vendor: 'vendor', model: 'model', source: 'source' },
        config: opt.config,
        workers: opt.workers,
      });
    },
    async scanFiles(caseFiles) {
      const out = join(opt.workDir, 'scan');
      await (await load()).scan({ inputs: caseFiles, registry, out, config: opt.config, workers: opt.workers });
      const res = new Map<string, DetectedMatch[]>();
      for (const line of readFileSync(join(out, 'matches.jsonl'), 'utf8').split('\n')) {
        if (!line.trim()) continue;
        const m = JSON.parse(line) as { sample_id: string; registry_id: string; kind: string; score: number; tags?: Record<string, string> };
        let a = res.get(m.sample_id);
        if (!a) res.set(m.sample_id, (a = []));
        a.push({ registry_id: m.registry_id, kind: m.kind, score: m.score, tags: m.tags });
      }
      return res;
    },
  };
}
