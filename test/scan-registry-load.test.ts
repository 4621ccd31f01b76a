/**
 * scan() starts its workers and reads the first batch while the registry's index is read (openRegistry), and must
 * match nothing before the index is in memory. Here the index arrives late: openRegistry is wrapped so that the
 * shared buffer is empty (zeros) until 300 ms after the first batch could be sent, then filled. The scan must give
 * the same matches and report counts as with the index read at once, with 0 and with 2 workers. Without its waits
 * for `loaded`, the scan would match against zeros and flag nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { buildRegistry } from '../src/registry/build.js';
import { scan } from '../src/pipeline/scan.js';
import { FIXTURE_REGISTRY, FIXTURE_SHARDS, FIXTURE_TAG_FIELDS, tempDir } from './helpers.js';

const late = vi.hoisted(() => ({ on: false, opened: 0 }));

vi.mock('../src/registry/load.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/registry/load.js')>();
  return {
    ...real,
    openRegistry: async (...args: Parameters<typeof real.openRegistry>) => {
      const o = await real.openRegistry(...args);
      if (!late.on) return o;
      late.opened++;
      await o.loaded;
      const view = new Uint8Array(o.registry.shared.buffer);
      const index = view.slice();
      view.fill(0); // as if not read yet
      const loaded = new Promise<void>((resolve) => setTimeout(resolve, 300)).then(() => view.set(index));
      return { registry: o.registry, loaded };
    },
  };
});

const dir = tempDir('scan-registry-load');
const registry = join(dir, 'reg.csreg');

beforeAll(async () => {
  await buildRegistry({ inputs: [FIXTURE_REGISTRY], out: registry, tagFields: FIXTURE_TAG_FIELDS });
});

async function run(workers: number, indexLate: boolean) {
  late.on = indexLate;
  const out = join(dir, `out-${workers}-${indexLate ? 'late' : 'now'}`);
  try {
    const report = await scan({ inputs: [FIXTURE_SHARDS], registry, workers, out, progress: false });
    return { report, matches: readFileSync(join(out, 'matches.jsonl'), 'utf8') };
  } finally {
    late.on = false;
  }
}

describe('scan(): no batch is matched before the registry index is in memory', () => {
  for (const workers of [0, 2]) {
    it(`${workers} workers: an index that arrives late gives the same matches and counts`, async () => {
      const before = late.opened;
      const now = await run(workers, false);
      const later = await run(workers, true);
      expect(late.opened).toBe(before + 1); // the late index was in use
      expect(now.report.totals.flagged).toBeGreaterThan(0);
      expect(later.matches).toBe(now.matches);
      expect(later.report.totals).toEqual(now.report.totals);
      expect(later.report.by_kind).toEqual(now.report.by_kind);
      expect(later.report.by_tag).toEqual(now.report.by_tag);
    });
  }
});
