/**
 * The piscina worker: named task functions that wrap src/ functions, nothing else. The registry arrives once as a
 * SharedArrayBuffer in workerData (shared with the main thread and every other worker, never copied).
 * Failures are returned as data (classes do not survive the thread boundary); the main thread re-wraps them.
 */
import { workerData } from 'node:worker_threads';
import { matchTexts, parseAndMatch, prepareWorkerState, type BatchResult, type RawBatchResult, type RawTask, type WorkerInit } from '../src/pipeline/batch.js';

const state = await prepareWorkerState(workerData as WorkerInit);

export function matchBatch(texts: string[]): BatchResult {
  return matchTexts(state, texts);
}

export function parseMatchBatch(task: RawTask): RawBatchResult {
  return parseAndMatch(state, task);
}
