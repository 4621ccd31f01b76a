/**
 * Bad input at scan level: each bad file fails alone, the others are scanned, and nothing is lost
 * (per file: samples + skipped == records; every problem is in report.skipped with file and row).
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ContamscanError } from '../src/errors.js';
import { buildRegistry } from '../src/registry/build.js';
import { scan } from '../src/pipeline/scan.js';
import type { ScanReport } from '../src/report/model.js';
import { FIXTURE_REGISTRY, FIXTURE_TAG_FIELDS, ROOT, tempDir, writeJsonl } from './helpers.js';

const registryText = (id: string) =>
  JSON.parse(
    readFileSync(join(FIXTURE_REGISTRY, 'chat-answers.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .find((l) => l.includes(`"${id}"`))!,
  ).text as string;

describe('scan over good and bad files together', () => {
  let dir: string;
  let registry: string;
  let report: ScanReport;

  beforeAll(async () => {
    dir = tempDir('badscan');
    registry = join(dir, 'reg.csreg');
    await buildRegistry({ inputs: [FIXTURE_REGISTRY], out: registry, tagFields: FIXTURE_TAG_FIELDS });
    const inputs = join(dir, 'in');
    const copy = registryText('acme-chat-0001');
    // a good shard holding one copy
    writeJsonl(join(inputs + '-good.jsonl'), [{ id: 'g1', text: copy }, { id: 'g2', text: 'An ordinary note about the weather today.' }]);
    // a gzip shard cut in half: the records before the cut are scanned
    const gz = gzipSync(Buffer.from(Array.from({ length: 200 }, (_, i) => JSON.stringify({ id: `t${i}`, text: `${copy} ${i}` })).join('\n') + '\n'));
    writeFileSync(inputs + '-truncated.jsonl.gz', gz.subarray(0, Math.floor(gz.length / 2)));
    // Parquet: garbage, and a real file cut in half
    writeFileSync(inputs + '-corrupt.parquet', Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(500, 7), Buffer.from('PAR1')]));
    const pq = readFileSync(join(ROOT, 'fixtures', 'parquet', 'zstd.parquet'));
    writeFileSync(inputs + '-truncated.parquet', pq.subarray(0, Math.floor(pq.length / 2)));
    // an empty file, and a 10 MB record between two good ones
    writeFileSync(inputs + '-empty.jsonl', '');
    writeJsonl(inputs + '-big.jsonl', [{ id: 'b0', text: copy }, { id: 'b1', text: 'x'.repeat(10 * 1024 * 1024) }, { id: 'b2', text: 'short' }]);
    copyFileSync(join(ROOT, 'fixtures', 'parquet', 'snappy.parquet'), inputs + '-good.parquet');
    report = await scan({ inputs: [dir + '/*.jsonl', dir + '/*.gz', dir + '/*.parquet'], registry, workers: 1, out: join(dir, 'out') });
  }, 60_000);

  const file = (suffix: string) => report.inputs.find((f) => f.file.endsWith(suffix))!;

  it('scans every good file and the good part of bad ones', () => {
    expect(file('-good.jsonl').flagged).toBe(1);
    expect(file('-good.parquet').samples).toBe(50);
    expect(file('-big.jsonl').samples).toBe(2);
    expect(file('-big.jsonl').flagged).toBe(1);
    const t = file('-truncated.jsonl.gz');
    expect(t.status).toBe('failed');
    expect(t.samples).toBeGreaterThan(0);
    expect(t.flagged).toBe(t.samples);
    expect(t.error).toContain('-truncated.jsonl.gz');
  });

  it('marks each broken file failed with a message naming it, and goes on', () => {
    for (const s of ['-corrupt.parquet', '-truncated.parquet']) {
      expect(file(s).status).toBe('failed');
      expect(file(s).error).toContain(s);
    }
    expect(report.totals.failed_files).toBe(3);
    expect(report.totals.files).toBe(7);
  });

  it('loses nothing: samples + skipped == records for every file', () => {
    for (const f of report.inputs) expect(f.samples + f.skipped, f.file).toBe(f.records);
    const skipped = Object.fromEntries(report.skipped.map((g) => [g.reason, g]));
    expect(skipped.record_too_large.count).toBe(1);
    expect(skipped.record_too_large.examples[0]).toMatchObject({ row: 1 });
    expect(skipped.record_too_large.examples[0].message).toMatch(/bytes/);
    expect(skipped.record_too_large.examples[0].file).toContain('-big.jsonl');
    expect(skipped.empty_file.examples[0].file).toContain('-empty.jsonl');
    expect(skipped.truncated_input.count).toBeGreaterThanOrEqual(1);
    // the truncated Parquet's lost rows are counted from its footer when it is readable, else the file is corrupt
    expect((skipped.corrupt_file?.count ?? 0) + skipped.truncated_input.count).toBeGreaterThanOrEqual(1);
  });

  it('--strict stops at the first bad file with its name', async () => {
    const err = await scan({ inputs: [dir + '/*.jsonl', dir + '/*.gz', dir + '/*.parquet'], registry, workers: 0, strict: true }).catch((e) => e);
    expect(err).toBeInstanceOf(ContamscanError);
    expect((err as ContamscanError).code).toBe('E_INPUT');
    expect(String((err as ContamscanError).context.file)).toMatch(/-(big|empty|corrupt|truncated)/);
  });
});
