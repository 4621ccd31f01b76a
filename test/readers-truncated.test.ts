/**
 * A cut compressed file loses only the record the cut falls in: every complete record before the cut is read,
 * however far the decompressor ran ahead of a slow reader (gzip inflates on the thread pool and used to buffer
 * megabytes of output that a failing stream then dropped).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { compress } from 'zstd-napi';
import { describe, expect, it } from 'vitest';
import type { InputFile } from '../src/io/inputs.js';
import { readFile } from '../src/readers/index.js';
import { tempDir } from './helpers.js';

const dir = tempDir('truncated');

/** ~6 MB of JSONL: 6,000 records of ~1 KB. */
function jsonl(): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < 6000; i++) lines.push(JSON.stringify({ id: `r${i}`, text: `record ${i} ` + 'lorem ipsum dolor sit amet '.repeat(36) }));
  return Buffer.from(lines.join('\n') + '\n');
}

/** Reads the file slowly (a pause per batch), as a busy scan does; returns the records seen and the skips. */
async function readSlowly(path: string, compression: InputFile['compression'], size: number) {
  const f: InputFile = { path, format: 'jsonl', compression, size };
  let samples = 0;
  const skipped: Array<{ reason: string; count: number; row: number }> = [];
  for await (const b of readFile(f, { batchSize: 64 })) {
    samples += b.samples.length;
    skipped.push(...b.skipped.map((s) => ({ reason: s.reason, count: s.count, row: s.row })));
    await new Promise((r) => setTimeout(r, 3));
  }
  return { samples, skipped };
}

describe('a cut compressed file', () => {
  it('gzip: every complete record before the cut is read, the one cut is counted lost', async () => {
    const gz = gzipSync(jsonl(), { level: 1 });
    const cut = gz.subarray(0, Math.floor(gz.length * 0.6));
    const path = join(dir, 'cut.jsonl.gz');
    writeFileSync(path, cut);
    // what the cut file holds: its complete lines, then part of one more
    const complete = gunzipSync(cut, { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8').split('\n').length - 1;
    expect(complete).toBeGreaterThan(3000);
    const r = await readSlowly(path, 'gzip', cut.length);
    expect(r.samples).toBe(complete);
    expect(r.skipped).toEqual([{ reason: 'truncated_input', count: 1, row: complete }]);
  }, 60_000);

  it('zstd: the same', async () => {
    const zst = compress(jsonl());
    const cut = zst.subarray(0, Math.floor(zst.length * 0.6));
    const path = join(dir, 'cut.jsonl.zst');
    writeFileSync(path, cut);
    const r = await readSlowly(path, 'zstd', cut.length);
    expect(r.samples).toBeGreaterThan(3000);
    expect(r.skipped).toEqual([{ reason: 'truncated_input', count: 1, row: r.samples }]);
  }, 60_000);
});
