/**
 * Where batches run: a piscina pool whose workers view the registry's SharedArrayBuffer, or the main thread
 * (workers = 0: tests, debugging, tiny inputs). Both run the same src/pipeline/batch.ts code.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { ContamscanError } from '../errors.js';
import { matchTexts, prepareWorkerState, type BatchResult, type WorkerInit } from './batch.js';

export interface Executor {
  run(texts: string[]): Promise<BatchResult>;
  close(): Promise<void>;
  readonly threads: number;
}

/** The compiled worker file: next to dist/src when running from dist, else the build output (tests from src/). */
export function workerFile(): string {
  const candidates = [new URL('../../workers/scan-worker.js', import.meta.url), new URL('../../dist/workers/scan-worker.js', import.meta.url)];
  for (const c of candidates) {
    const p = fileURLToPath(c);
    if (existsSync(p)) return p;
  }
  throw new ContamscanError('E_INTERNAL', `worker file not found (looked for ${candidates.map((c) => fileURLToPath(c)).join(', ')}); run npm run build`);
}

export async function createExecutor(init: WorkerInit, workers: number): Promise<Executor> {
  if (workers === 0) {
    const state = await prepareWorkerState(init);
    return { threads: 0, run: async (texts) => matchTexts(state, texts), close: async () => undefined };
  }
  const pool = new Piscina({ filename: workerFile(), workerData: init, minThreads: workers, maxThreads: workers, idleTimeout: 60_000 });
  return {
    threads: workers,
    run: (texts) => pool.run(texts, { name: 'matchBatch' }) as Promise<BatchResult>,
    close: () => pool.destroy(),
  };
}
