/**
 * report.schema.json (JSON Schema 2020-12) against what scan() and mergeScans() really write: report.json, every
 * line of matches.jsonl and every line of entries.jsonl, for the bundled fixtures, a merge of two partitions of
 * them, and real rival/mixed sets from ../shared/data (skipped, with a message, when that folder is absent).
 * Negative cases show the schema is not vacuous; a compile-time key list ties it to the TypeScript model.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { buildRegistry } from '../src/registry/build.js';
import { scan } from '../src/pipeline/scan.js';
import { mergeScans } from '../src/report/merge.js';
import { REPORT_SCHEMA_VERSION, type EntryRecord, type FileReport, type ScanReport } from '../src/report/model.js';
import type { Excerpt, Match, MatchKind, SkipReason } from '../src/types.js';
import { FIXTURE_REGISTRY, FIXTURE_SHARDS, FIXTURE_TAG_FIELDS, ROOT, readJsonl, readMatches, tempDir } from './helpers.js';

const SCHEMA_PATH = join(ROOT, 'report.schema.json');
const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as {
  $id: string;
  $defs: Record<string, { properties?: Record<string, { const?: unknown }>; required?: string[]; enum?: string[] }>;
};
const ID = schema.$id;

// strict: unknown keywords, union types, loose tuples and the like are errors, so the schema stays portable
// (strictRequired stays off, its default: it flags `required` in if/then branches, which is plain JSON Schema).
// date-time: the schema's pattern pins the toISOString form; the format check adds that the date is real.
const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true, formats: { 'date-time': (s: string) => !Number.isNaN(Date.parse(s)) } });
ajv.addSchema(schema);
const compiled = (ref: string): ValidateFunction => {
  const v = ajv.getSchema(ref);
  if (!v) throw new Error(`${ref} not found in ${SCHEMA_PATH}`);
  return v;
};
const validateReport = compiled(ID);
const validateMatch = compiled(`${ID}#/$defs/match`);
const validateEntry = compiled(`${ID}#/$defs/entry`);

/** "what: errors" for each document the schema rejects (empty when all fit). */
function rejected(validate: ValidateFunction, docs: unknown[], what: string): string[] {
  const out: string[] = [];
  docs.forEach((d, i) => {
    if (!validate(d)) out.push(`${what} ${i + 1}: ${ajv.errorsText(validate.errors, { dataVar: what })}`);
  });
  return out;
}

function expectFits(validate: ValidateFunction, doc: unknown, what: string): void {
  const errors = rejected(validate, [doc], what);
  expect(errors, `${what} does not fit report.schema.json:\n${errors.join('\n')}`).toEqual([]);
}

function expectRejected(validate: ValidateFunction, doc: unknown, keyword: string, what: string): void {
  expect(validate(doc), `${what}: the schema accepts it`).toBe(false);
  expect(
    validate.errors!.map((e) => e.keyword),
    `${what}: ${ajv.errorsText(validate.errors)}`,
  ).toContain(keyword);
}

interface ScanOutput {
  report: ScanReport;
  matches: Match[];
  entries: EntryRecord[];
}

/** Reads a scan (or merge) output directory and validates report.json and every line of both JSONL files. */
function validateOutputDir(dir: string): ScanOutput {
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ScanReport;
  const matches = readMatches(dir);
  const entries = readJsonl<EntryRecord>(join(dir, 'entries.jsonl'));
  expectFits(validateReport, report, `${dir}/report.json`);
  const bad = [...rejected(validateMatch, matches, 'matches.jsonl line'), ...rejected(validateEntry, entries, 'entries.jsonl line')];
  expect(bad, `${dir}: ${bad.length} lines do not fit report.schema.json, first ones:\n${bad.slice(0, 5).join('\n')}`).toEqual([]);
  expect(matches).toHaveLength(report.totals.matches);
  return { report, matches, entries };
}

/** The whole of T's keys: the compiler rejects a list that misses one (or names one T does not have). */
const keysOf =
  <T>() =>
  <const L extends ReadonlyArray<keyof T>>(keys: L & ([Exclude<keyof T, L[number]>] extends [never] ? unknown : never)): readonly string[] =>
    keys as readonly string[];

const MATCH_KINDS = ['exact', 'near_duplicate', 'contains', 'contained_in', 'marker'] as const satisfies readonly MatchKind[];
const SKIP_REASONS = [
  'malformed_json',
  'not_an_object',
  'missing_text',
  'non_string_text',
  'empty_text',
  'invalid_utf8',
  'record_too_large',
  'truncated_input',
  'corrupt_file',
  'empty_file',
  'read_error',
] as const satisfies readonly SkipReason[];
const allKinds: [Exclude<MatchKind, (typeof MATCH_KINDS)[number]>] extends [never] ? true : never = true;
const allReasons: [Exclude<SkipReason, (typeof SKIP_REASONS)[number]>] extends [never] ? true : never = true;

const sorted = (xs: readonly string[]) => [...xs].sort();

describe('report.schema.json itself', () => {
  it('is versioned with the report model: $id v2, schema_version const 2', () => {
    expect(REPORT_SCHEMA_VERSION).toBe(2);
    expect(ID).toBe(`https://contamscan.dev/schema/report/v${REPORT_SCHEMA_VERSION}.json`);
    expect(schema.$defs.report!.properties!.schema_version!.const).toBe(REPORT_SCHEMA_VERSION);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('report.schema.json');
  });

  it('names exactly the fields of the TypeScript model, and the MatchKind / SkipReason unions', () => {
    const cases: Array<[string, readonly string[], readonly string[]]> = [
      // [def, every key of the model, its optional keys]
      ['report', keysOf<ScanReport>()(['schema_version', 'tool', 'config', 'registry', 'rules', 'inputs', 'ignored_inputs', 'totals', 'by_tag', 'by_kind', 'score_histogram', 'skipped', 'policy', 'started_at', 'finished_at', 'duration_s', 'throughput', 'workers', 'merged_from']), ['merged_from']],
      ['fileReport', keysOf<FileReport>()(['file', 'dataset', 'bytes', 'sha256', 'records', 'samples', 'flagged', 'skipped', 'matches', 'text_bytes', 'flagged_text_bytes', 'status', 'error']), ['error']],
      ['match', keysOf<Match>()(['sample_id', 'file', 'row', 'registry_id', 'kind', 'score', 'tags', 'spans', 'evidence', 'excerpt']), ['evidence', 'excerpt']],
      ['excerpt', keysOf<Excerpt>()(['start', 'text', 'chars']), []],
      ['entry', keysOf<EntryRecord>()(['registry_id', 'tags', 'text', 'text_chars']), []],
    ];
    for (const [def, keys, optional] of cases) {
      const s = schema.$defs[def]!;
      expect(sorted(Object.keys(s.properties!)), `$defs/${def} properties`).toEqual(sorted(keys));
      expect(sorted(s.required ?? []), `$defs/${def} required`).toEqual(sorted(keys.filter((k) => !optional.includes(k))));
    }
    const totals = (schema.$defs.report!.properties!.totals as { properties: object }).properties;
    expect(sorted(Object.keys(totals))).toEqual(sorted(keysOf<ScanReport['totals']>()(['files', 'failed_files', 'bytes', 'text_bytes', 'flagged_text_bytes', 'records', 'samples', 'flagged', 'skipped', 'flagged_fraction', 'matches', 'capped_matches'])));
    expect(allKinds && allReasons).toBe(true);
    expect(schema.$defs.matchKind!.enum).toEqual([...MATCH_KINDS]);
    expect(schema.$defs.skipReason!.enum).toEqual([...SKIP_REASONS]);
  });
});

describe('fixture scan and merge outputs fit the schema', () => {
  const tmp = tempDir('schema');
  const regPath = join(tmp, 'fixtures.csreg');
  const files = ['chat-dump.jsonl', 'code-files.json', 'commits.jsonl.gz', 'eval-copy.parquet'].map((f) => join(FIXTURE_SHARDS, f));
  const scanTo = (inputs: string[], out: string) => scan({ inputs, registry: regPath, out, workers: 0, progress: false });
  let full: ScanOutput;

  beforeAll(async () => {
    await buildRegistry({ inputs: [FIXTURE_REGISTRY], out: regPath, tagFields: FIXTURE_TAG_FIELDS });
    await scanTo([FIXTURE_SHARDS], join(tmp, 'full'));
    full = validateOutputDir(join(tmp, 'full'));
  }, 60_000);

  it('fixtures/shards: report.json, every matches.jsonl and entries.jsonl line', () => {
    const { report, matches, entries } = full;
    expect(report.totals.skipped).toBeGreaterThan(0); // the skipped groups are exercised
    expect(new Set(matches.map((m) => m.kind))).toEqual(new Set(MATCH_KINDS)); // every kind, markers included
    expect(matches.some((m) => m.evidence) && matches.every((m) => m.excerpt)).toBe(true);
    expect(entries.length).toBeGreaterThan(0);
  });

  it('merge of two partitions (2 + 2 files): merged report.json (with merged_from) and lines', async () => {
    await scanTo(files.slice(2), join(tmp, 'part-b'));
    await scanTo(files.slice(0, 2), join(tmp, 'part-a'));
    const a = validateOutputDir(join(tmp, 'part-a'));
    const b = validateOutputDir(join(tmp, 'part-b'));
    expect(a.report.totals.files + b.report.totals.files).toBe(4);
    await mergeScans({ dirs: [join(tmp, 'part-b'), join(tmp, 'part-a')], out: join(tmp, 'merged') });
    const merged = validateOutputDir(join(tmp, 'merged'));
    expect(merged.report.merged_from).toHaveLength(2);
    expect(merged.report.totals).toMatchObject({ files: 4, samples: full.report.totals.samples, matches: full.report.totals.matches });
    expect(merged.matches.map((m) => `${m.file}#${m.row}:${m.registry_id}`)).toEqual(full.matches.map((m) => `${m.file}#${m.row}:${m.registry_id}`));
  }, 60_000);

  it('rejects what the model does not allow (the schema is not vacuous)', () => {
    const report = full.report;
    const match = full.matches.find((m) => m.kind !== 'marker' && m.spans.length > 0)!;
    const clone = <T>(x: T): T => structuredClone(x);

    const noTotals = clone(report) as Partial<ScanReport>;
    delete noTotals.totals;
    expectRejected(validateReport, noTotals, 'required', 'report without totals');
    expectRejected(validateReport, { ...clone(report), schema_version: 1 }, 'const', 'report with schema_version 1');
    expectRejected(validateReport, { ...clone(report), extra: true }, 'additionalProperties', 'report with an unknown top-level key');
    expectRejected(validateReport, { ...clone(report), totals: { ...report.totals, flagged_fraction: 1.5 } }, 'maximum', 'flagged_fraction 1.5');
    expectRejected(validateReport, { ...clone(report), totals: { ...report.totals, samples: 2.5 } }, 'type', 'a non-integer count');
    expectRejected(validateReport, { ...clone(report), score_histogram: report.score_histogram.slice(1) }, 'minItems', 'a 9-bin histogram');
    expectRejected(validateReport, { ...clone(report), started_at: 'yesterday' }, 'pattern', 'a timestamp that is not ISO 8601');
    expectRejected(validateReport, { ...clone(report), inputs: [{ ...report.inputs[0]!, sha256: 'abc' }] }, 'pattern', 'a sha256 that is not 64 hex digits');
    expectRejected(validateReport, { ...clone(report), inputs: [{ ...report.inputs[0]!, status: 'failed' }] }, 'required', 'a failed file without error');
    expectRejected(validateReport, { ...clone(report), skipped: [{ reason: 'bad_vibes', count: 1, examples: [] }] }, 'enum', 'an unknown skip reason');
    expectRejected(validateReport, { ...clone(report), by_kind: { fuzzy: { samples: 1, matches: 1 } } }, 'additionalProperties', 'by_kind with an unknown kind');
    // open where the model is open: any tag key and any parameter name
    expectFits(validateReport, { ...clone(report), by_tag: { licence: { 'cc-by-nc': { samples: 1, matches: 2 } } } }, 'report with a new tag key');
    expectFits(validateReport, { ...clone(report), config: { ...report.config, params: { ...report.config.params, newParam: 3 } } }, 'report with a new parameter');

    expectRejected(validateMatch, { ...clone(match), kind: 'fuzzy' }, 'enum', 'match of kind fuzzy');
    expectRejected(validateMatch, { ...clone(match), spans: [[1, 2, 3]] }, 'items', 'a span of three numbers');
    expectRejected(validateMatch, { ...clone(match), spans: [[1]] }, 'minItems', 'a span of one number');
    expectRejected(validateMatch, { ...clone(match), spans: [[0.5, 2]] }, 'type', 'a span with a fractional offset');
    expectRejected(validateMatch, { ...clone(match), score: 1.01 }, 'maximum', 'score above 1');
    expectRejected(validateMatch, { ...clone(match), kind: 'exact', score: 0.9 }, 'const', 'exact match with score below 1');
    expectRejected(validateMatch, { ...clone(match), evidence: { lsh: true } }, 'type', 'evidence with a boolean value');
    expectRejected(validateMatch, { ...clone(match), excerpt: { start: 0, text: 'x' } }, 'required', 'excerpt without chars');
    expectRejected(validateMatch, { ...clone(match), note: 'x' }, 'additionalProperties', 'match with an unknown key');
    const noRow = clone(match) as Partial<Match>;
    delete noRow.row;
    expectRejected(validateMatch, noRow, 'required', 'match without row');
    expectFits(validateMatch, { ...clone(match), tags: { anything: 'goes' }, evidence: { channel: 'text', chain: 3 } }, 'match with other tags and evidence');

    const entry = full.entries[0]!;
    expectRejected(validateEntry, { ...clone(entry), text: 'x'.repeat(4001) }, 'maxLength', 'entry text over the cap');
    expectRejected(validateEntry, { ...clone(entry), tags: { vendor: 1 } }, 'type', 'a non-string tag value');
  });
});

const DATA = process.env.CONTAMSCAN_DATA ?? resolve(ROOT, '..', 'shared', 'data');
if (!existsSync(DATA)) console.warn(`report-schema: ${DATA} not found; real-data schema tests skipped (set CONTAMSCAN_DATA to point at it)`);

describe('real scan outputs (../shared/data) fit the schema', () => {
  const tmp = tempDir('schema-real');
  const results = join(DATA, 'alpaca_eval_outputs', 'results');
  const alpaca = (model: string) => join(results, model, 'model_outputs.json');
  const rivals = [alpaca('gpt-4-turbo-2024-04-09'), alpaca('claude-3-opus-20240229')];
  const edited = [alpaca('aligner-2b_gpt-4-turbo-2024-04-09'), alpaca('aligner-2b_claude-3-opus-20240229')];

  it.skipIf(![...rivals, ...edited].every(existsSync))(
    'alpaca_eval: gpt-4-turbo and claude-3-opus answers against their aligner-edited copies (text channel)',
    async () => {
      const reg = join(tmp, 'alpaca.csreg');
      await buildRegistry({ inputs: rivals, out: reg, textField: 'output', tagFields: { model: 'generator' }, tags: { source: 'alpaca_eval' } });
      await scan({ inputs: edited, registry: reg, out: join(tmp, 'alpaca'), workers: 0, progress: false });
      const { report, matches, entries } = validateOutputDir(join(tmp, 'alpaca'));
      expect(report.totals.samples).toBe(1610);
      expect(matches.length).toBeGreaterThan(100);
      expect(entries.length).toBeGreaterThan(100);
      expect(new Set(matches.map((m) => m.kind)).size).toBeGreaterThanOrEqual(3);
      expect(Object.keys(report.by_tag.model ?? {}).sort()).toEqual(['claude-3-opus-20240229', 'gpt-4-turbo-2024-04-09']);
      expect(report.registry.low_evidence.short).toBeGreaterThan(0);
    },
    60_000,
  );

  const codegen = join(DATA, 'gpteacher', 'Codegen');
  const codealpaca = join(DATA, 'new_codealpaca', 'new_codealpaca.json');
  it.skipIf(!existsSync(codegen) || !existsSync(codealpaca))(
    'GPTeacher Codegen (GPT-4) against new_codealpaca, its republished copy (code channel)',
    async () => {
      const reg = join(tmp, 'codegen.csreg');
      await buildRegistry({ inputs: [codegen], out: reg, textField: 'response', tags: { vendor: 'openai', model: 'gpt-4' } });
      await scan({ inputs: [codealpaca], registry: reg, out: join(tmp, 'codealpaca'), textField: 'output', workers: 0, progress: false });
      const { report, matches } = validateOutputDir(join(tmp, 'codealpaca'));
      expect(report.totals.samples).toBe(4535);
      expect(report.totals.flagged).toBeGreaterThan(2000);
      expect(matches.some((m) => m.evidence?.channel === 'code')).toBe(true);
      expect(report.inputs[0]!.dataset).toBe('new_codealpaca');
    },
    60_000,
  );
});
