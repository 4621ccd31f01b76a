/**
 * The piscina worker of `registry build`: fingerprints batches of entries (src/registry/entries.ts), then sorts and
 * counts ranges of postings partitions in shared memory (src/registry/postings.ts).
 * Errors reject the task; build.ts names the file and rows of a failed batch.
 */
import { workerData } from 'node:worker_threads';
import type { ConfigInput } from '../src/config/index.js';
import { fingerprintEntries as run, prepareEntryState, type EntryBatch } from '../src/registry/entries.js';

export { postingsPartitions } from '../src/registry/postings.js';

const state = await prepareEntryState(workerData as ConfigInput);

export function fingerprintEntries(task: { texts: string[]; prompts: Array<string | null> }): EntryBatch {
  return run(state, task.texts, task.prompts);
}
