/** One batch of texts -> matches. Runs in a worker, or on the main thread with --workers 0. */
import { makeConfig, type ConfigInput } from '../config/index.js';
import { serializeError, type SerializedError } from '../errors.js';
import { createMatcher, type Matcher, type SampleMatches } from '../match/match.js';
import type { MarkerRule } from '../match/markers.js';
import { initXXHash } from '../registry/digest.js';
import { attachRegistry, type RegistryShared } from '../registry/load.js';

export interface WorkerInit {
  config: ConfigInput;
  registry: RegistryShared;
  rules: MarkerRule[];
  builtinRulesOnly: boolean;
}

export interface WorkerState {
  matcher: Matcher;
}

export interface BatchResult {
  /** One slot per input text: null when nothing matched. */
  results: Array<SampleMatches | null>;
  /** Set when a text could not be processed; `index` says which. */
  error?: SerializedError & { index: number };
}

export async function prepareWorkerState(init: WorkerInit): Promise<WorkerState> {
  await initXXHash();
  const config = makeConfig(init.config);
  return { matcher: createMatcher(config, attachRegistry(init.registry), init.rules, init.builtinRulesOnly) };
}

export function matchTexts(state: WorkerState, texts: string[]): BatchResult {
  const results: Array<SampleMatches | null> = new Array(texts.length).fill(null);
  for (let i = 0; i < texts.length; i++) {
    try {
      const r = state.matcher(texts[i]);
      if (r.matches.length) results[i] = r;
    } catch (e) {
      return { results, error: { ...serializeError(e), index: i } };
    }
  }
  return { results };
}
