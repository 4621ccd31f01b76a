/**
 * JSON records parsed in the workers (ScanOptions.parseInWorkers, the reader's deferParse) give the scan the
 * reader's results: the same matches.jsonl, and the same report (counts, skip groups with their examples in row
 * order, file status) whether records are parsed on the main thread or where they are matched, with 0 or 2 workers.
 * The inputs hold every kind of bad record, blank lines, an oversized record, CRLF, a JSON array and a cut gzip file.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { compress } from 'zstd-napi';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { InputFile } from '../src/io/inputs.js';
import { buildRegistry } from '../src/registry/build.js';
import { parseRawRecords, resolveOptions } from '../src/readers/records.js';
import { readFile } from '../src/readers/index.js';
import { scan, type ScanOptions } from '../src/pipeline/scan.js';
import type { ScanReport } from '../src/report/model.js';
import type { Sample, SkippedRecord } from '../src/types.js';
import { expectContamscanError, FIXTURE_REGISTRY, FIXTURE_TAG_FIELDS, ROOT, tempDir } from './helpers.js';

const dir = tempDir('parse-in-workers');
const registry = join(dir, 'reg.csreg');
const inputs = join(dir, 'in');

const copies = readFileSync(join(FIXTURE_REGISTRY, 'chat-answers.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .slice(0, 6)
  .map((l) => JSON.parse(l).text as string);

const line = (o: unknown) => Buffer.from(JSON.stringify(o) + '\n');

beforeAll(async () => {
  await buildRegistry({ inputs: [FIXTURE_REGISTRY], out: registry, tagFields: FIXTURE_TAG_FIELDS });
  const parts: Buffer[] = [];
  for (let i = 0; i < 40; i++) {
    const k = i % 10;
    if (k === 0) parts.push(line({ id: `c${i}`, text: `Intro ${i}.\n\n${copies[i % copies.length]}` }));
    else if (k === 1) parts.push(Buffer.from(`{"id": "bad${i}", "text": "unterminated\n`));
    else if (k === 2) parts.push(line({ id: `m${i}`, body: 'no text field' }));
    else if (k === 3) parts.push(line({ id: `n${i}`, text: 42 }));
    else if (k === 4) parts.push(Buffer.concat([Buffer.from(`{"id":"u${i}","text":"bad `), Buffer.from([0xc3, 0x28]), Buffer.from(' utf8"}\n')]));
    else if (k === 5) parts.push(line({ id: `w${i}`, text: '   \n ' }));
    else if (k === 6) parts.push(Buffer.from('\n   \n'));
    else if (k === 7) parts.push(line({ id: `big${i}`, text: 'y'.repeat(5000) }));
    else if (k === 8) parts.push(Buffer.from(JSON.stringify({ id: `crlf${i}`, text: copies[(i + 1) % copies.length] }) + '\r\n'));
    else parts.push(line({ text: `An ordinary note ${i} about the weather, without an id.` }));
  }
  writeFileSync(inputs + '-mixed.jsonl', Buffer.concat(parts));
  writeFileSync(
    inputs + '-array.json',
    JSON.stringify([{ id: 'a0', text: copies[2] }, { id: 'a1' }, 'not an object', { id: 'a3', text: 'plain words only here' }]),
  );
  const gz = gzipSync(Buffer.from(Array.from({ length: 120 }, (_, i) => JSON.stringify({ id: `t${i}`, text: `${copies[3]} ${i}` })).join('\n') + '\n'));
  writeFileSync(inputs + '-cut.jsonl.gz', gz.subarray(0, Math.floor(gz.length / 2)));
  writeFileSync(inputs + '-plain.parquet', readFileSync(join(ROOT, 'fixtures', 'parquet', 'snappy.parquet')));
  // ~2.6 MB with a BOM and CRLF: records split across the reader's 1 MB chunks, some copies, some bad records
  const big: string[] = [];
  for (let i = 0; i < 2500; i++) {
    if (i % 97 === 5) big.push(`{"id": "cut${i}", "text": "never closed`);
    else if (i % 50 === 0) big.push(JSON.stringify({ id: `bc${i}`, text: `${copies[i % copies.length]}\n\nand more ${i}` }));
    else big.push(JSON.stringify({ id: `bp${i}`, text: `Plain record ${i}: ` + 'a few ordinary words about nothing much '.repeat(24) }));
  }
  const bigBytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(big.join('\r\n') + '\r\n')]);
  writeFileSync(inputs + '-big.jsonl.zst', compress(bigBytes));
  writeFileSync(inputs + '-big2.jsonl.gz', gzipSync(bigBytes));
}, 60_000);

/** The report without what depends on the clock or the worker count. */
function stable(r: ScanReport): unknown {
  const { started_at: _s, finished_at: _f, duration_s: _d, throughput: _t, workers: _w, ...rest } = r;
  return rest;
}

async function run(name: string, o: Partial<ScanOptions>) {
  const out = join(dir, name);
  const report = await scan({ inputs: [dir + '/in-*'], registry, out, progress: false, batchSize: 4, maxRecordBytes: 4096, ...o });
  return { report, matches: readFileSync(join(out, 'matches.jsonl'), 'utf8') };
}

describe('parsing JSON records in the workers', () => {
  it('gives the same matches and report as parsing on the main thread, with 0 and 2 workers', async () => {
    const base = await run('main-0', { workers: 0, parseInWorkers: false });
    // the inputs exercise what they should: copies found, every skip reason, a failed file
    expect(base.report.totals.flagged).toBeGreaterThanOrEqual(8);
    expect(base.report.skipped.map((g) => g.reason).sort()).toEqual(
      ['empty_text', 'invalid_utf8', 'malformed_json', 'missing_text', 'non_string_text', 'not_an_object', 'record_too_large', 'truncated_input'].sort(),
    );
    for (const f of base.report.inputs) expect(f.samples + f.skipped).toBe(f.records);
    for (const [name, o] of [
      ['workers-0', { workers: 0, parseInWorkers: true }],
      ['workers-2', { workers: 2, parseInWorkers: true }],
      ['main-2', { workers: 2, parseInWorkers: false }],
    ] as const) {
      const r = await run(name, o);
      expect(r.matches, name).toBe(base.matches);
      expect(stable(r.report), name).toEqual(stable(base.report));
    }
  }, 60_000);

  it('--strict stops at the first bad record with its file, row and field, as when the reader parses', async () => {
    for (const parseInWorkers of [false, true]) {
      const err = await expectContamscanError(
        scan({ inputs: [inputs + '-mixed.jsonl'], registry, workers: 1, strict: true, progress: false, batchSize: 4, parseInWorkers }),
        'E_INPUT',
      );
      expect(err.context).toMatchObject({ file: inputs + '-mixed.jsonl', row: 1, reason: 'malformed_json' });
      expect(err.message).toContain('row 1');
    }
  });

  it('invalid reader options are a usage error (exit 2) before anything is written, whoever parses', async () => {
    for (const [o, field] of [
      [{ maxRecordBytes: 0 }, 'maxRecordBytes'],
      [{ batchSize: 0 }, 'batchSize'],
      [{ textField: '' }, 'textField'],
    ] as const) {
      for (const parseInWorkers of [false, true]) {
        const out = join(dir, `bad-options-${field}-${parseInWorkers}`);
        const err = await expectContamscanError(scan({ inputs: [inputs + '-mixed.jsonl'], registry, out, workers: 1, progress: false, parseInWorkers, ...o }), 'E_USAGE');
        expect(err.message).toContain(field);
        expect(err.exitCode).toBe(2);
        expect(existsSync(out)).toBe(false);
      }
    }
  });

  it('the progress line ends at every sample and flag, whoever parses', async () => {
    for (const parseInWorkers of [false, true]) {
      const writes: string[] = [];
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        writes.push(String(chunk));
        return true;
      });
      let report: ScanReport;
      try {
        report = await scan({ inputs: [dir + '/in-*'], registry, workers: 2, progress: true, batchSize: 4, maxRecordBytes: 4096, parseInWorkers });
      } finally {
        spy.mockRestore();
      }
      const last = writes.join('').split('\r\x1b[K').filter((l) => l.trim()).at(-1);
      const t = report.totals;
      expect(last, String(parseInWorkers)).toMatch(new RegExp(`^files ${t.files}/${t.files}  samples ${t.samples}  flagged ${t.flagged}  100\\.0%`));
    }
  });

  it('parseRawRecords makes the samples and skips the reader makes', async () => {
    const file: InputFile = { path: inputs + '-mixed.jsonl', size: statSync(inputs + '-mixed.jsonl').size, format: 'jsonl', compression: 'none' };
    const direct: { samples: Sample[]; skipped: SkippedRecord[] } = { samples: [], skipped: [] };
    for await (const b of readFile(file, { batchSize: 7, maxRecordBytes: 4096 })) {
      direct.samples.push(...b.samples);
      direct.skipped.push(...b.skipped);
    }
    const o = resolveOptions({ batchSize: 7, maxRecordBytes: 4096, deferParse: true });
    const viaRaw: { samples: Sample[]; skipped: SkippedRecord[] } = { samples: [], skipped: [] };
    let rawRecords = 0;
    for await (const b of readFile(file, { batchSize: 7, maxRecordBytes: 4096, deferParse: true })) {
      expect(b.samples).toEqual([]);
      viaRaw.skipped.push(...b.skipped); // the reader's own: oversized records
      if (!b.raw) continue;
      rawRecords += b.raw.n;
      const p = parseRawRecords(file.path, o, b.raw);
      viaRaw.samples.push(...p.samples);
      viaRaw.skipped.push(...p.skipped);
    }
    expect(rawRecords).toBeGreaterThan(20);
    expect(viaRaw.samples).toEqual(direct.samples);
    expect([...viaRaw.skipped].sort((a, b) => a.row - b.row)).toEqual(direct.skipped);
  });
});
