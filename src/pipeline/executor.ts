/**
 * Where batches run: a piscina pool whose workers view the registry's SharedArrayBuffer, or the main thread
 * (workers = 0: tests, debugging, tiny inputs). Both run the same src/pipeline/batch.ts code.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { ContamscanError } from '../errors.js';
import type { ConfigInput } from '../config/index.js';
import { fingerprintEntries, prepareEntryState, type EntryBatch } from '../registry/entries.js';
import { postingsPartitions, type PostingsTask } from '../registry/postings.js';
import { matchTexts, parseAndMatch, prepareWorkerState, type BatchResult, type RawBatchResult, type RawTask, type WorkerInit } from './batch.js';

export interface Executor {
  run(texts: string[]): Promise<BatchResult>;
  /** Parses and matches raw JSON records (the reader's deferParse); their buffers are moved, not copied. */
  runRaw(task: RawTask): Promise<RawBatchResult>;
  close(): Promise<void>;
  readonly threads: number;
}

/** A compiled worker file: next to dist/src when running from dist, else the build output (tests from src/). */
export function workerFile(name: 'scan-worker' | 'build-worker' = 'scan-worker'): string {
  const candidates = [new URL(`../../workers/${name}.js`, import.meta.url), new URL(`../../dist/workers/${name}.js`, import.meta.url)];
  for (const c of candidates) {
    const p = fileURLToPath(c);
    if (existsSync(p)) return p;
  }
  throw new ContamscanError('E_INTERNAL', `worker file not found (looked for ${candidates.map((c) => fileURLToPath(c)).join(', ')}); run npm run build`);
}

/**
 * Young generation of a scan worker, MB. By default a worker's new space grows to 32 MB (two 16 MB semi-spaces); with
 * 96 to 64 MB (measured with v8.getHeapSpaceStatistics). A batch's texts and parsed records (~3 MB) stay alive
 * through the batch and were copied by scavenges; semi-spaces twice as large halve those.
 * 500 MB, 2 workers, 6 alternating runs each: median 10.97 -> 10.62 s (-3%), peak RSS +40-50 MB (bench/README.md).
 */
const SCAN_WORKER_YOUNG_GEN_MB = 96;

export async function createExecutor(init: WorkerInit, workers: number): Promise<Executor> {
  if (workers === 0) {
    const state = await prepareWorkerState(init);
    return { threads: 0, run: async (texts) => matchTexts(state, texts), runRaw: async (task) => parseAndMatch(state, task), close: async () => undefined };
  }
  const pool = new Piscina({
    filename: workerFile(),
    workerData: init,
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 60_000,
    resourceLimits: { maxYoungGenerationSizeMb: SCAN_WORKER_YOUNG_GEN_MB },
  });
  return {
    threads: workers,
    run: (texts) => pool.run(texts, { name: 'matchBatch' }) as Promise<BatchResult>,
    runRaw: (task) =>
      pool.run(task, { name: 'parseMatchBatch', transferList: [task.raw.bytes.buffer, task.raw.ends.buffer, task.raw.rows.buffer] as ArrayBuffer[] }) as Promise<RawBatchResult>,
    close: () => pool.destroy(),
  };
}

/** Where `registry build` fingerprints its entries: a piscina pool of workers/build-worker.ts, or inline (workers = 0). */
export interface EntryExecutor {
  run(texts: string[], prompts: Array<string | null>): Promise<EntryBatch>;
  /** The postings' per-partition work (registry/postings.ts) over SharedArrayBuffers; resolves to its sentinel count. */
  postings(task: PostingsTask): Promise<number>;
  close(): Promise<void>;
  readonly threads: number;
}

export async function createEntryExecutor(config: ConfigInput, workers: number): Promise<EntryExecutor> {
  if (workers === 0) {
    const state = await prepareEntryState(config);
    return {
      threads: 0,
      run: async (texts, prompts) => fingerprintEntries(state, texts, prompts),
      postings: async (task) => postingsPartitions(task),
      close: async () => undefined,
    };
  }
  const pool = new Piscina({ filename: workerFile('build-worker'), workerData: config, minThreads: workers, maxThreads: workers, idleTimeout: 60_000 });
  return {
    threads: workers,
    run: (texts, prompts) => pool.run({ texts, prompts }, { name: 'fingerprintEntries' }) as Promise<EntryBatch>,
    postings: (task) => pool.run(task, { name: 'postingsPartitions' }) as Promise<number>,
    close: () => pool.destroy(),
  };
}
