/** Reads a whole input through readFile and checks the invariants every reader test relies on. */
import { expect } from 'vitest';
import type { InputFile } from '../src/io/inputs.js';
import { readFile, type ReadBatch, type ReaderOptions } from '../src/readers/index.js';
import type { ByteSource, Sample, SkippedRecord } from '../src/types.js';

export async function readAll(input: InputFile, opts?: ReaderOptions, source?: ByteSource) {
  const samples: Sample[] = [];
  const skipped: SkippedRecord[] = [];
  const batches: ReadBatch[] = [];
  let records = 0;
  for await (const b of readFile(input, opts, source)) {
    batches.push(b);
    samples.push(...b.samples);
    skipped.push(...b.skipped);
    expect(b.records).toBe(b.samples.length + b.skipped.reduce((s, k) => s + k.count, 0));
    records += b.records;
  }
  // invariant per file: samples + skipped counts == records read
  expect(samples.length + skipped.reduce((s, k) => s + k.count, 0)).toBe(records);
  // rows are unique across samples and per-record skips
  const rows = [...samples.map((s) => s.row), ...skipped.filter((s) => s.count === 1).map((s) => s.row)].sort((a, b) => a - b);
  expect(new Set(rows).size).toBe(rows.length);
  return { samples, skipped, records, batches };
}
