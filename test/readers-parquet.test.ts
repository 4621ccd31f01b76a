import { describe, it, expect } from 'vitest';
import { readAll } from './read-all.js';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadataAsync } from 'hyparquet';
import type { InputFile } from '../src/io/inputs.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'parquet');
const pq = (path: string): InputFile => ({ path, format: 'parquet', compression: 'none', size: 0 });


const ADJ = ['quick', 'lazy', 'sleepy', 'happy', 'brave'];
const expectedText = (i: number) => `Sample ${i}: the ${ADJ[i % 5]} fox number ${i} jumps over ${(i * 7) % 13} dogs.`;

describe('parquet variants written by DuckDB', () => {
  for (const variant of ['snappy', 'gzip', 'zstd', 'uncompressed', 'v2-zstd', 'duckdb-v2-zstd']) {
    it(`${variant}: reads all 50 rows with text, ids, tags and nested paths`, async () => {
      const path = join(FIX, `${variant}.parquet`);
      const { samples, skipped, records } = await readAll(pq(path), {
        tagFields: { vendor: 'vendor', model: 'model', answer: 'turns.1', source: 'meta.source', missing: 'nope' },
      });
      expect(skipped).toEqual([]);
      expect(records).toBe(50);
      expect(samples.map((s) => s.row)).toEqual([...Array(50).keys()]);
      for (const s of samples) {
        expect(s.id).toBe(String(s.row)); // BIGINT id stringified
        expect(s.text).toBe(expectedText(s.row));
        expect(s.file).toBe(path);
        expect(s.tags).toEqual({
          vendor: s.row % 2 ? 'anthropic' : 'openai',
          model: ['gpt-4', 'claude-2', 'gpt-3.5', 'claude-1', 'llama'][s.row % 5],
          answer: `answer ${s.row}`,
          source: 'fixture',
        });
      }
    });
  }

  it('v2-zstd (arrow-rs) really uses DATA_PAGE_V2 pages and zstd', async () => {
    const buf = readFileSync(join(FIX, 'v2-zstd.parquet'));
    const md = await parquetMetadataAsync(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
    const cols = md.row_groups[0]!.columns.map((c) => c.meta_data!);
    expect(cols.every((c) => c.codec === 'ZSTD')).toBe(true);
    // PageHeader is compact thrift: field 1 (type, i32) = 0x15, then zigzag(3 = DATA_PAGE_V2) = 0x06
    for (const c of cols) {
      const at = Number(c.data_page_offset);
      expect([buf[at], buf[at + 1]]).toEqual([0x15, 0x06]);
    }
  });

  it('dictionary-encoded text column', async () => {
    const path = join(FIX, 'dictionary.parquet');
    const buf = readFileSync(path);
    const md = await parquetMetadataAsync(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
    const text = md.row_groups[0]!.columns.find((c) => c.meta_data!.path_in_schema[0] === 'text')!.meta_data!;
    expect(text.dictionary_page_offset).toBeDefined();
    const { samples, skipped } = await readAll(pq(path));
    expect(skipped).toEqual([]);
    expect(samples.map((s) => s.text)).toEqual(
      [...Array(50).keys()].map((i) => ['alpha text', 'beta text', 'gamma text', 'delta text'][i % 4]),
    );
  });

  it('list column reachable by dot path (textField turns.0), batches of batchSize', async () => {
    const { samples, batches } = await readAll(pq(join(FIX, 'zstd.parquet')), { textField: 'turns.0', batchSize: 16 });
    expect(samples.map((s) => s.text)).toEqual([...Array(50).keys()].map((i) => `question ${i}`));
    expect(batches.map((b) => b.samples.length)).toEqual([16, 16, 16, 2]);
    expect(batches.at(-1)!.bytesRead).toBeGreaterThan(0);
  });

  it('several row groups, default id absent -> file#row when idField names a missing column', async () => {
    const path = join(FIX, 'multigroup.parquet');
    const { samples, skipped } = await readAll(pq(path), { idField: 'uid' });
    expect(skipped).toEqual([]);
    expect(samples.length).toBe(5000);
    expect(samples[4999]).toMatchObject({ id: `${path}#4999`, text: 'row 4999', row: 4999 });
  });

  it('text column absent from the file -> one missing_text entry counting every row', async () => {
    const path = join(FIX, 'snappy.parquet');
    const { samples, skipped } = await readAll(pq(path), { textField: 'body' });
    expect(samples).toEqual([]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ reason: 'missing_text', row: 0, field: 'body', count: 50 });
    expect(skipped[0]!.message).toContain(path);
  });

  it('parquet text over maxRecordBytes -> record_too_large', async () => {
    const path = join(FIX, 'snappy.parquet');
    const { samples, skipped } = await readAll(pq(path), { maxRecordBytes: 43 });
    // texts are 42-46 bytes long
    const long = [...Array(50).keys()].filter((i) => Buffer.byteLength(expectedText(i)) > 43);
    expect(long.length).toBeGreaterThan(0);
    expect(skipped.map((s) => s.row)).toEqual(long);
    expect(skipped.every((s) => s.reason === 'record_too_large' && s.field === 'text')).toBe(true);
    expect(samples.length).toBe(50 - long.length);
  });
});

describe('bad parquet', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'contamscan-pq-'));

  it('garbage bytes -> corrupt_file, count 0, message names the file', async () => {
    const path = join(tmp, 'garbage.parquet');
    writeFileSync(path, Buffer.from('this is not a parquet file at all, just some text\n'.repeat(20)));
    const { samples, skipped, records } = await readAll(pq(path));
    expect(samples).toEqual([]);
    expect(records).toBe(0);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ reason: 'corrupt_file', row: 0, count: 0, file: path });
    expect(skipped[0]!.field).toBeUndefined();
    expect(skipped[0]!.message).toContain(path);
    expect(skipped[0]!.message).toMatch(/PAR1/);
  });

  it('cut in half -> truncated_input (footer lost, so count 0)', async () => {
    const path = join(tmp, 'half.parquet');
    const whole = readFileSync(join(FIX, 'snappy.parquet'));
    writeFileSync(path, whole.subarray(0, whole.length >> 1));
    const { samples, skipped } = await readAll(pq(path));
    expect(samples).toEqual([]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ reason: 'truncated_input', row: 0, count: 0 });
    expect(skipped[0]!.message).toContain(path);
    expect(skipped[0]!.message).toMatch(/truncated/);
  });

  it('corrupt row group with readable footer -> rows before it yielded, lost rows counted from metadata', async () => {
    const src = join(FIX, 'multigroup.parquet');
    const buf = Buffer.from(readFileSync(src));
    const md = await parquetMetadataAsync(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
    const g1 = md.row_groups[1]!;
    const start = Number(g1.columns[0]!.meta_data!.data_page_offset);
    buf.fill(0xff, start, start + 64); // smash the page header of row group 1's first column
    const path = join(tmp, 'smashed.parquet');
    writeFileSync(path, buf);
    const rows0 = Number(md.row_groups[0]!.num_rows);
    const { samples, skipped, records } = await readAll(pq(path));
    expect(samples.length).toBe(rows0);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ reason: 'corrupt_file', row: rows0, count: 5000 - rows0 });
    expect(skipped[0]!.message).toContain(path);
    expect(skipped[0]!.message).toContain('row group 1');
    expect(records).toBe(5000);
  });

  it('empty .parquet file -> empty_file', async () => {
    const path = join(tmp, 'empty.parquet');
    writeFileSync(path, '');
    const { skipped, records } = await readAll(pq(path));
    expect(records).toBe(0);
    expect(skipped).toEqual([expect.objectContaining({ reason: 'empty_file', row: 0, count: 0, file: path })]);
    expect(skipped[0]!.message).toContain(path);
  });

  it('the same file still reads when copied elsewhere (sanity for the tmp helpers)', async () => {
    const path = join(tmp, 'copy.parquet');
    copyFileSync(join(FIX, 'gzip.parquet'), path);
    expect((await readAll(pq(path))).samples).toHaveLength(50);
  });
});
