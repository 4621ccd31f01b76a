/**
 * A batch whose fingerprinting fails: the build stops with E_INTERNAL naming the file and rows of the batch, even
 * when the failure happens while an earlier batch is awaited or the next one is read (it must never become an
 * unhandled rejection, which would end the process without context).
 */
import { describe, it, expect, vi } from 'vitest';
import { join } from 'node:path';
import { expectContamscanError, ENTRIES, tempDir, writeJsonl } from './helpers.js';

const failAt = { batch: -1, calls: 0 };
vi.mock('../src/registry/entries.js', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../src/registry/entries.js')>();
  return {
    ...orig,
    fingerprintEntries: (...args: Parameters<typeof orig.fingerprintEntries>) => {
      if (failAt.calls++ === failAt.batch) throw new Error('injected failure');
      return orig.fingerprintEntries(...args);
    },
  };
});

const { buildRegistry } = await import('../src/registry/build.js');

describe('registry build: a failing batch', () => {
  it('is reported as E_INTERNAL with the file and the batch rows, and nothing else escapes', async () => {
    const dir = tempDir('registry-fail');
    const texts = Object.values(ENTRIES);
    // 2,000 records of ~1,020 bytes (8 batches of 256): the reader's first 1 MiB chunk ends inside row 1028, so after
    // yielding batch 3 (rows 768-1023) it awaits the next read, with batch 3 already fingerprinted (inline) and failed
    const text = (i: number) => `${texts[i % texts.length]} ${texts[(i + 1) % texts.length]}`.slice(0, 990);
    const f = writeJsonl(join(dir, 'e.jsonl'), Array.from({ length: 2000 }, (_, i) => ({ id: `e${String(i).padStart(4, '0')}`, text: text(i) })));
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      failAt.batch = 3; // rows 768-1023
      failAt.calls = 0;
      const err = await expectContamscanError(buildRegistry({ inputs: [f], out: join(dir, 'r.csreg'), workers: 0 }), 'E_INTERNAL');
      expect(err.message).toContain(`fingerprinting entries failed in ${f} rows 768-1023: injected failure`);
      expect(err.context).toMatchObject({ file: f, row: 768 });
      expect((err.cause as Error).message).toBe('injected failure');
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      failAt.batch = -1;
    }
  });
});
