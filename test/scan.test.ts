/** scan() end to end on the bundled fixtures (fixtures/shards against a registry built from fixtures/registry). */
import { describe, it, expect, beforeAll } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { buildRegistry } from '../src/registry/build.js';
import { scan, type ScanOptions } from '../src/pipeline/scan.js';
import type { ScanReport } from '../src/report/model.js';
import type { Match } from '../src/types.js';
import { FIXTURE_REGISTRY, FIXTURE_SHARDS, FIXTURE_TAG_FIELDS, expectContamscanError, readMatches, tempDir } from './helpers.js';

const tmp = tempDir('scan');
const regPath = join(tmp, 'fixtures.csreg');
let report: ScanReport;
let matches: Match[];
let callbackMatches: Match[];

const scanFixtures = (out: string | undefined, opts: Partial<ScanOptions> = {}) =>
  scan({ inputs: [FIXTURE_SHARDS], registry: regPath, out, workers: 0, progress: false, ...opts });

beforeAll(async () => {
  await buildRegistry({ inputs: [FIXTURE_REGISTRY], out: regPath, tagFields: FIXTURE_TAG_FIELDS });
  callbackMatches = [];
  report = await scanFixtures(join(tmp, 'out-0'), { onMatch: (m) => callbackMatches.push(m) });
  matches = readMatches(join(tmp, 'out-0'));
});

const ids = (ms: Match[], sample: string) => ms.filter((m) => m.sample_id === sample).map((m) => `${m.registry_id}:${m.kind}`).sort();

describe('scan fixtures/shards', () => {
  it('report.json is written and equals the returned report', () => {
    const onDisk = JSON.parse(readFileSync(join(tmp, 'out-0', 'report.json'), 'utf8'));
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(report)));
    expect(report.schema_version).toBe(2);
    expect(report.registry.entries).toBe(8);
    expect(report.registry.path).toBe(regPath);
    expect(report.workers).toBe(0);
  });

  it('totals: records = samples + skipped for every file and overall', () => {
    const byFile = Object.fromEntries(report.inputs.map((f) => [basename(f.file), f]));
    expect(Object.keys(byFile)).toEqual(['chat-dump.jsonl', 'code-files.json', 'commits.jsonl.gz', 'eval-copy.parquet']);
    for (const f of report.inputs) {
      expect(f.records, f.file).toBe(f.samples + f.skipped);
      expect(f.status).toBe('ok');
    }
    expect(byFile['chat-dump.jsonl']).toMatchObject({ records: 13, samples: 11, skipped: 2 });
    expect(byFile['code-files.json']).toMatchObject({ records: 3, samples: 3, skipped: 0 });
    expect(byFile['commits.jsonl.gz']).toMatchObject({ records: 4, samples: 4, skipped: 0 });
    expect(byFile['eval-copy.parquet']).toMatchObject({ records: 3, samples: 3, skipped: 0 });
    expect(report.totals).toMatchObject({ files: 4, failed_files: 0, records: 23, samples: 21, skipped: 2, capped_matches: 0 });
    expect(report.totals.records).toBe(report.totals.samples + report.totals.skipped);
    expect(report.totals.flagged_fraction).toBeCloseTo(report.totals.flagged / report.totals.samples, 12);
  });

  it('audit fields: each file has its SHA-256 (as sha256sum gives it), a dataset label and flagged text bytes', () => {
    for (const f of report.inputs) {
      expect(f.sha256, f.file).toBe(createHash('sha256').update(readFileSync(f.file)).digest('hex'));
      expect(f.dataset).toBe('shards');
      expect(f.flagged_text_bytes).toBeLessThanOrEqual(f.text_bytes);
      expect(f.flagged_text_bytes > 0).toBe(f.flagged > 0);
    }
    expect(report.totals.flagged_text_bytes).toBe(report.inputs.reduce((a, f) => a + f.flagged_text_bytes, 0));
    expect(report.registry.bytes).toBe(statSync(regPath).size);
    expect(report.score_histogram).toHaveLength(10);
    expect(report.score_histogram.reduce((a, b) => a + b, 0)).toBe(report.totals.matches);
  });

  it('matches carry an excerpt of the sample around their spans; entries.jsonl holds each matched entry once', () => {
    for (const m of matches) {
      const ex = m.excerpt!;
      expect(ex, m.sample_id).toBeDefined();
      expect(ex.text.length).toBeLessThanOrEqual(1500);
      expect(ex.start).toBeLessThanOrEqual(m.spans[0]![0]);
      expect(ex.start + ex.text.length).toBeLessThanOrEqual(ex.chars);
    }
    const entries = readFileSync(join(tmp, 'out-0', 'entries.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const matched = [...new Set(matches.filter((m) => m.kind !== 'marker').map((m) => m.registry_id))];
    expect(entries.map((e) => e.registry_id)).toEqual(matched);
    for (const e of entries) {
      expect(e.text.length).toBeGreaterThan(0);
      expect(e.text_chars).toBeGreaterThanOrEqual(e.text.length);
      expect(typeof e.tags).toBe('object');
    }
  });

  it('skipped records are grouped by reason with file:row examples', () => {
    const groups = Object.fromEntries(report.skipped.map((g) => [g.reason, g]));
    expect(Object.keys(groups).sort()).toEqual(['malformed_json', 'missing_text']);
    expect(groups.malformed_json.count).toBe(1);
    expect(groups.malformed_json.examples).toHaveLength(1);
    expect(basename(groups.malformed_json.examples[0].file)).toBe('chat-dump.jsonl');
    expect(groups.malformed_json.examples[0].row).toBe(3);
    expect(groups.malformed_json.examples[0].message).toMatch(/row 3/);
    expect(groups.missing_text.count).toBe(1);
    expect(basename(groups.missing_text.examples[0].file)).toBe('chat-dump.jsonl');
    expect(groups.missing_text.examples[0].row).toBe(6);
  });

  it('matches.jsonl: one JSON object per line with the documented fields, consistent with the totals', () => {
    expect(matches.length).toBe(report.totals.matches);
    expect(matches.length).toBeGreaterThan(0);
    for (const m of matches) {
      expect(Object.keys(m)).toEqual(expect.arrayContaining(['sample_id', 'file', 'row', 'registry_id', 'kind', 'score', 'tags', 'spans']));
      expect(typeof m.sample_id).toBe('string');
      expect(Number.isInteger(m.row)).toBe(true);
      expect(['exact', 'near_duplicate', 'contains', 'contained_in', 'marker']).toContain(m.kind);
      expect(m.score).toBeGreaterThan(0);
      expect(m.score).toBeLessThanOrEqual(1);
      expect(typeof m.tags).toBe('object');
      expect(m.spans.length).toBeGreaterThan(0);
      for (const [s, e] of m.spans) expect(e).toBeGreaterThan(s);
      if (m.kind === 'marker') expect(m.registry_id.startsWith('marker:')).toBe(true);
      else expect(m.tags).toHaveProperty('vendor');
    }
    const flaggedSamples = new Set(matches.map((m) => `${m.file}#${m.row}`));
    expect(flaggedSamples.size).toBe(report.totals.flagged);
    let kindMatches = 0;
    for (const c of Object.values(report.by_kind)) kindMatches += c!.matches;
    expect(kindMatches).toBe(matches.length);
    // the onMatch callback sees the same matches in the same order
    expect(callbackMatches).toEqual(matches);
  });

  it('what the fixtures were made to show: copies found, clean samples left alone', () => {
    expect(ids(matches, 'chat-1')).toEqual(['acme-chat-0001:exact']);
    expect(ids(matches, 'chat-2').map((s) => s.split(':')[0])).toEqual(['acme-chat-0002']);
    expect(ids(matches, 'chat-6')).toEqual(['acme-chat-0002:contains']);
    expect(ids(matches, 'chat-7')).toEqual(['bolt-chat-0107:contains', 'bolt-chat-0212:contains']);
    expect(ids(matches, 'e1')).toEqual(['toy-math-test-017:exact']);
    expect(ids(matches, 'e2')).toEqual(['toy-math-test-018:exact']);
    expect(ids(matches, 'c1')).toEqual(['marker:claude-coauthor:marker', 'marker:claude-code-footer:marker']);
    expect(ids(matches, 'c2')).toEqual(['marker:aider-coauthor:marker']);
    expect(ids(matches, 'code-1').map((s) => s.split(':')[0])).toEqual(['acme-code-0031']);
    for (const clean of ['clean-1', 'clean-2', 'clean-3', 'clean-4', 'c3', 'c4', 'code-3', 'e3']) expect(ids(matches, clean), clean).toEqual([]);
    // rows are positions in the file, counting the skipped records
    expect(matches.find((m) => m.sample_id === 'chat-6')!.row).toBe(7);
  });

  it('workers 1 and 2 (and 0) write byte-identical matches.jsonl', async () => {
    await scanFixtures(join(tmp, 'out-1'), { workers: 1 });
    const r2 = await scanFixtures(join(tmp, 'out-2'), { workers: 2, batchSize: 2 });
    expect(r2.workers).toBe(2);
    const b0 = readFileSync(join(tmp, 'out-0', 'matches.jsonl'));
    const b1 = readFileSync(join(tmp, 'out-1', 'matches.jsonl'));
    const b2 = readFileSync(join(tmp, 'out-2', 'matches.jsonl'));
    expect(b1.length).toBeGreaterThan(0);
    expect(b1.equals(b0)).toBe(true);
    expect(b2.equals(b1)).toBe(true);
    expect(r2.totals).toEqual(report.totals);
  });

  it('the registry file descriptor opened for token reads is closed when scan() returns, and when it throws', async () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    if (!existsSync('/proc/self/fd')) return; // Linux only; the close is exercised either way
    await scanFixtures(undefined, { workers: 1 }); // warm: worker files, module loads
    const before = fds();
    for (let i = 0; i < 3; i++) await scanFixtures(undefined, { workers: i % 2 });
    await expectContamscanError(scanFixtures(undefined, { strict: true, workers: 0 }), 'E_INPUT');
    expect(fds()).toBe(before);
  });

  it('strict: true -> E_INPUT with file and row of the first bad record', async () => {
    const out = join(tmp, 'out-strict');
    const err = await expectContamscanError(scanFixtures(out, { strict: true, workers: 1 }), 'E_INPUT');
    expect(basename(String(err.context.file))).toBe('chat-dump.jsonl');
    expect(err.context.row).toBe(3);
    expect(err.context.reason).toBe('malformed_json');
    expect(err.exitCode).toBe(4);
  });

  it('a missing input path -> E_INPUT_MISSING before anything is written', async () => {
    const out = join(tmp, 'out-missing');
    const missing = join(tmp, 'no-such-shard.jsonl');
    const err = await expectContamscanError(scan({ inputs: [FIXTURE_SHARDS, missing], registry: regPath, out, workers: 0, progress: false }), 'E_INPUT_MISSING');
    expect(err.message).toContain(missing);
    expect(err.exitCode).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it('a registry built with other parameters -> E_REGISTRY_PARAMS before anything is written', async () => {
    const out = join(tmp, 'out-params');
    const err = await expectContamscanError(scanFixtures(out, { config: { seed: 12345 } }), 'E_REGISTRY_PARAMS');
    expect(err.message).toContain('seed');
    expect(existsSync(out)).toBe(false);
  });

  it('failOver: 0.01 -> policy exceeded; 1 -> within; 2 -> E_USAGE', async () => {
    const over = await scanFixtures(undefined, { failOver: 0.01 });
    expect(over.policy).toEqual({ fail_over: 0.01, exceeded: true });
    const within = await scanFixtures(undefined, { failOver: 1 });
    expect(within.policy).toEqual({ fail_over: 1, exceeded: false });
    expect(report.policy).toEqual({ fail_over: null, exceeded: false });
    await expectContamscanError(scanFixtures(undefined, { failOver: 2 }), 'E_USAGE');
  });
});
