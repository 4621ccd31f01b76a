/**
 * The piscina worker of `registry build`: fingerprints batches of entries (src/registry/entries.ts), nothing else.
 * Errors reject the task; build.ts names the file and rows of the batch.
 */
import { workerData } from 'node:worker_threads';
import type { ConfigInput } from '../src/config/index.js';
import { fingerprintEntries as run, prepareEntryState, type EntryBatch } from '../src/registry/entries.js';

const state = await prepareEntryState(workerData as ConfigInput);

export function fingerprintEntries(task: { texts: string[]; prompts: Array<string | null> }): EntryBatch {
  return run(state, task.texts, task.prompts);
}
