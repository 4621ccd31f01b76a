/**
 * merge and report on scan outputs: a partitioned scan merges into what one scan of all inputs gives (same
 * totals, breakdowns, matches.jsonl and entries.jsonl bytes); scans made differently are refused; the report is
 * reproducible and shows the change against a previous report.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildRegistry } from '../src/registry/build.js';
import { scan } from '../src/pipeline/scan.js';
import { mergeReports, mergeScans, readScanDir } from '../src/report/merge.js';
import { writeReport } from '../src/report/index.js';
import type { ScanReport } from '../src/report/model.js';
import { FIXTURE_REGISTRY, FIXTURE_SHARDS, FIXTURE_TAG_FIELDS, ROOT, expectContamscanError, runCliAsync, tempDir } from './helpers.js';

const tmp = tempDir('merge');
const regPath = join(tmp, 'fixtures.csreg');
const files = readdirSync(FIXTURE_SHARDS)
  .sort()
  .map((f) => join(FIXTURE_SHARDS, f));
let single: ScanReport;

const scanTo = (inputs: string[], out: string, extra: Record<string, unknown> = {}) =>
  scan({ inputs, registry: regPath, out: join(tmp, out), workers: 0, progress: false, ...extra });

/** What must equal between a merged report and the single scan (not times, worker counts or merge bookkeeping). */
function comparable(r: ScanReport) {
  const { started_at, finished_at, duration_s, throughput, workers, merged_from, ...rest } = r;
  void started_at, finished_at, duration_s, throughput, workers, merged_from;
  return rest;
}

beforeAll(async () => {
  await buildRegistry({ inputs: [FIXTURE_REGISTRY], out: regPath, tagFields: FIXTURE_TAG_FIELDS });
  single = await scanTo([FIXTURE_SHARDS], 'single');
  // interleaved partitions: a Slurm array or Indexed Job that deals files out round-robin
  await scanTo([files[0]!, files[2]!], 'part-a');
  await scanTo([files[1]!], 'part-b', { workers: 2 });
  await scanTo([files[3]!], 'part-c');
});

describe('merge', () => {
  it('a partitioned scan merges into what a single scan gives: report, matches.jsonl and entries.jsonl', async () => {
    expect(single.totals.flagged).toBeGreaterThan(0);
    const merged = await mergeScans({ dirs: ['part-c', 'part-a', 'part-b'].map((d) => join(tmp, d)), out: join(tmp, 'merged') });
    expect(comparable(merged)).toEqual(comparable(single));
    expect(merged.totals).toEqual(single.totals);
    expect(merged.merged_from?.map((m) => m.files)).toEqual([1, 2, 1]);
    expect(merged.workers).toBe(2);
    for (const f of ['matches.jsonl', 'entries.jsonl'])
      expect(readFileSync(join(tmp, 'merged', f), 'utf8'), f).toBe(readFileSync(join(tmp, 'single', f), 'utf8'));
    const onDisk = JSON.parse(readFileSync(join(tmp, 'merged', 'report.json'), 'utf8'));
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(merged)));
  });

  it('copies entries.jsonl lines by byte position: multi-byte text, lines across read chunks, unmatched entries left out', async () => {
    // Filler entries no match refers to, ~300 KB of multi-byte text ahead of the real lines, so that these start at
    // offsets where characters and bytes differ and cross the 64 KB read chunks.
    const filler = Array.from({ length: 60 }, (_, i) => JSON.stringify({ registry_id: `filler/${i}`, text: 'é€😀 '.repeat(500 + i), tags: {} }) + '\n').join('');
    for (const d of ['part-a', 'part-b', 'part-c']) {
      mkdirSync(join(tmp, `pad-${d}`), { recursive: true });
      for (const f of ['report.json', 'matches.jsonl']) writeFileSync(join(tmp, `pad-${d}`, f), readFileSync(join(tmp, d, f)));
      writeFileSync(join(tmp, `pad-${d}`, 'entries.jsonl'), filler + readFileSync(join(tmp, d, 'entries.jsonl'), 'utf8'));
    }
    expect(Buffer.byteLength(filler)).toBeGreaterThan(200_000);
    await mergeScans({ dirs: ['pad-part-a', 'pad-part-b', 'pad-part-c'].map((d) => join(tmp, d)), out: join(tmp, 'merged-pad') });
    expect(readFileSync(join(tmp, 'merged-pad', 'entries.jsonl'), 'utf8')).toBe(readFileSync(join(tmp, 'single', 'entries.jsonl'), 'utf8'));
    // a broken line is named, with its file and line number
    writeFileSync(join(tmp, 'pad-part-b', 'entries.jsonl'), filler + '{"registry_id": "x", "te\n');
    const err = await expectContamscanError(mergeScans({ dirs: ['pad-part-a', 'pad-part-b'].map((d) => join(tmp, d)), out: join(tmp, 'merged-bad') }), 'E_SCAN_OUTPUT');
    expect(err.message).toContain(join('pad-part-b', 'entries.jsonl') + ' line 61');
  });

  it('a merged output merges again (merge is associative over partitions)', async () => {
    await mergeScans({ dirs: [join(tmp, 'part-a'), join(tmp, 'part-b')], out: join(tmp, 'ab') });
    const again = await mergeScans({ dirs: [join(tmp, 'ab'), join(tmp, 'part-c')], out: join(tmp, 'abc') });
    expect(comparable(again)).toEqual(comparable(single));
    expect(readFileSync(join(tmp, 'abc', 'matches.jsonl'), 'utf8')).toBe(readFileSync(join(tmp, 'single', 'matches.jsonl'), 'utf8'));
  });

  it('refuses scans made with other parameters, naming the parameter and both values', async () => {
    await scanTo([files[3]!], 'other-params', { config: { jaccard: 0.85 } });
    const err = await expectContamscanError(mergeScans({ dirs: [join(tmp, 'part-a'), join(tmp, 'other-params')], out: join(tmp, 'x1') }), 'E_MERGE_MISMATCH');
    expect(err.message).toMatch(/jaccard 0\.8 vs 0\.85/);
    expect(err.message).toContain('other-params');
    expect(existsSync(join(tmp, 'x1'))).toBe(false);
  });

  it('refuses scans made against another registry', async () => {
    const reg2 = join(tmp, 'other.csreg');
    await buildRegistry({ inputs: [join(FIXTURE_REGISTRY, 'chat-answers.jsonl')], out: reg2, tagFields: FIXTURE_TAG_FIELDS });
    await scan({ inputs: [files[3]!], registry: reg2, out: join(tmp, 'other-reg'), workers: 0, progress: false });
    const err = await expectContamscanError(mergeScans({ dirs: [join(tmp, 'part-a'), join(tmp, 'other-reg')], out: join(tmp, 'x2') }), 'E_MERGE_MISMATCH');
    expect(err.message).toMatch(/different registry digest/);
  });

  it('refuses a file scanned twice, and different --fail-over thresholds unless one is given', async () => {
    let err = await expectContamscanError(mergeScans({ dirs: [join(tmp, 'part-a'), join(tmp, 'single')], out: join(tmp, 'x3') }), 'E_MERGE_MISMATCH');
    expect(err.message).toMatch(/scanned by both/);
    expect(err.message).toContain(files[0]!);
    await scanTo([files[1]!], 'part-b-policy', { failOver: 0.5 });
    const dirs = [join(tmp, 'part-a'), join(tmp, 'part-b-policy'), join(tmp, 'part-c')];
    err = await expectContamscanError(mergeScans({ dirs, out: join(tmp, 'x4') }), 'E_MERGE_MISMATCH');
    expect(err.message).toMatch(/fail-over/);
    const ok = await mergeScans({ dirs, out: join(tmp, 'x4'), failOver: 0.9 });
    expect(ok.policy).toEqual({ fail_over: 0.9, exceeded: false });
  });

  it('a directory that is not a scan output is an E_SCAN_OUTPUT error naming it', async () => {
    mkdirSync(join(tmp, 'empty'), { recursive: true });
    const err = await expectContamscanError(readScanDir(join(tmp, 'empty')), 'E_SCAN_OUTPUT');
    expect(err.message).toContain(join(tmp, 'empty'));
    mkdirSync(join(tmp, 'old'), { recursive: true });
    writeFileSync(join(tmp, 'old', 'report.json'), JSON.stringify({ ...single, schema_version: 1 }));
    expect((await expectContamscanError(readScanDir(join(tmp, 'old')), 'E_SCAN_OUTPUT')).message).toMatch(/schema version 1/);
  });

  it('mergeReports of one scan is that scan', async () => {
    const part = await readScanDir(join(tmp, 'single'));
    expect(mergeReports([part])).toBe(part.report);
  });
});

describe('report', () => {
  it('is reproducible: the same scan outputs give the same bytes', async () => {
    await writeReport({ dirs: [join(tmp, 'single')], out: join(tmp, 'rep1'), failOver: 0.3, period: '2026 Q4' });
    await writeReport({ dirs: [join(tmp, 'single')], out: join(tmp, 'rep2'), failOver: 0.3, period: '2026 Q4' });
    for (const f of ['report.html', 'report.md']) expect(readFileSync(join(tmp, 'rep1', f), 'utf8')).toBe(readFileSync(join(tmp, 'rep2', f), 'utf8'));
  });

  it('from several scan outputs, writes their merge next to the report; totals equal the single scan', async () => {
    const { view, files: written } = await writeReport({ dirs: ['part-a', 'part-b', 'part-c'].map((d) => join(tmp, d)), out: join(tmp, 'rep-merged'), formats: ['md'] });
    expect(written).toEqual([join(tmp, 'rep-merged', 'report.md')]);
    expect(view.report.totals).toEqual(single.totals);
    expect(readFileSync(join(tmp, 'rep-merged', 'matches.jsonl'), 'utf8')).toBe(readFileSync(join(tmp, 'single', 'matches.jsonl'), 'utf8'));
    const md = readFileSync(join(tmp, 'rep-merged', 'report.md'), 'utf8');
    expect(md).toContain('### Merged from 3 scans');
    expect(md).toContain(`| Flagged samples | ${single.totals.flagged} |`);
  });

  it('content: verdict against the threshold, breakdowns, evidence with the entry text, audit trail with checksums', async () => {
    const { view } = await writeReport({ dirs: [join(tmp, 'single')], out: join(tmp, 'rep3'), failOver: 0.3, evidence: 5 });
    const html = readFileSync(join(tmp, 'rep3', 'report.html'), 'utf8');
    const pct = (100 * single.totals.flagged_fraction).toFixed(3);
    expect(html).toContain(`FAIL: flagged ${pct}% of samples; threshold 30.000%`);
    expect(view.policy).toEqual({ threshold: 0.3, fraction: single.totals.flagged_fraction, pass: false });
    expect(view.breakdowns.map((b) => b.key)).toEqual(['vendor', 'model', 'source', 'agent', 'kind']);
    const vendor = view.breakdowns.find((b) => b.key === 'vendor')!;
    expect(Object.fromEntries(vendor.rows.map((r) => [r.label, r.samples]))).toEqual(Object.fromEntries(Object.entries(single.by_tag.vendor!).map(([k, c]) => [k, c.samples])));
    expect(view.evidence).toHaveLength(5);
    expect(view.evidence_total).toBe(single.totals.matches);
    for (let i = 1; i < view.evidence.length; i++) expect(view.evidence[i - 1]!.score).toBeGreaterThanOrEqual(view.evidence[i]!.score);
    for (const e of view.evidence.filter((x) => x.kind !== 'marker')) expect(e.entry?.text.length, e.registry_id).toBeGreaterThan(50);
    expect((html.match(/<article class="ev"/g) ?? []).length).toBe(5);
    // five slots, five match kinds in the fixtures: each kind gets one, however strong the exact copies are
    expect(new Set(view.evidence.map((e) => e.kind))).toEqual(new Set(Object.keys(single.by_kind)));
    expect((html.match(/<mark>/g) ?? []).length).toBeGreaterThanOrEqual(5);
    for (const f of single.inputs) expect(html).toContain(f.sha256!);
    expect(html).toContain(single.registry.digest);
    expect(html).toContain(single.config.id);
    expect(html).not.toMatch(/<script/i);
    expect(view.top_entries[0]!.matches).toBeGreaterThanOrEqual(view.top_entries.at(-1)!.matches);
  });

  it('--compare shows the change of every headline figure and breakdown', async () => {
    // last quarter: two of the four files, another registry digest (so the report warns it is not like for like)
    const prev = JSON.parse(readFileSync(join(tmp, 'part-a', 'report.json'), 'utf8')) as ScanReport;
    const prevPath = join(tmp, 'prev-report.json');
    writeFileSync(prevPath, JSON.stringify({ ...prev, registry: { ...prev.registry, digest: '0000000000000000', entries: 5 } }));
    const { view } = await writeReport({ dirs: [join(tmp, 'single')], out: join(tmp, 'rep4'), compare: prevPath });
    const h = Object.fromEntries(view.headline.map((x) => [x.key, x]));
    expect(h.samples!.prev).toBe(prev.totals.samples);
    expect(h.flagged!.prev).toBe(prev.totals.flagged);
    expect(view.compare!.notes.join(' ')).toMatch(/registry changed: 5 entries/);
    const md = readFileSync(join(tmp, 'rep4', 'report.md'), 'utf8');
    const d = single.totals.samples - prev.totals.samples;
    expect(md).toContain(`| Samples scanned | ${single.totals.samples} | ${prev.totals.samples} | +${d} (+${((100 * d) / prev.totals.samples).toFixed(1)}%) |`);
    const kinds = view.breakdowns.find((b) => b.key === 'kind')!;
    for (const r of kinds.rows) expect(r.prev_samples).toBe(prev.by_kind[r.label as keyof typeof prev.by_kind]?.samples ?? 0);
    expect(view.histogram.prev).toEqual(prev.score_histogram);
    expect(view.prev_files).toEqual(Object.fromEntries(prev.inputs.map((f) => [f.file, f.flagged])));
    expect(md).toContain('| score | matches | previous | change |');
  });
});

describe('CLI report and merge', () => {
  it('merge and report write their files; exit 3 over the threshold; exit 6 on a mismatch', async () => {
    const parts = ['part-a', 'part-b', 'part-c'].map((d) => join(tmp, d));
    let r = await runCliAsync(['merge', ...parts, '--out', join(tmp, 'cli-merged')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`flagged ${single.totals.flagged}`);
    r = await runCliAsync(['report', join(tmp, 'cli-merged'), '--out', join(tmp, 'cli-rep'), '--fail-over', '0.3', '--period', '2026 Q4',
      '--action', 'Flagged samples removed before training <v2>', '--action', 'Vendor notified']);
    expect(r.status, r.stderr).toBe(3);
    const html = readFileSync(join(tmp, 'cli-rep', 'report.html'), 'utf8');
    expect(html).toContain('2026 Q4');
    expect(html).toContain('<ul id="actions"><li>Flagged samples removed before training &lt;v2&gt;</li><li>Vendor notified</li></ul>');
    expect(readFileSync(join(tmp, 'cli-rep', 'report.md'), 'utf8')).toContain('### Actions taken\n\n- Flagged samples removed before training &lt;v2&gt;\n- Vendor notified\n');
    expect(existsSync(join(tmp, 'cli-rep', 'report.md'))).toBe(true);
    r = await runCliAsync(['merge', join(tmp, 'part-a'), join(tmp, 'other-params'), '--out', join(tmp, 'cli-x')]);
    expect(r.status).toBe(6);
    expect(r.stderr).toMatch(/E_MERGE_MISMATCH.*jaccard/);
    r = await runCliAsync(['report', join(tmp, 'nope'), '--out', join(tmp, 'cli-y')]);
    expect(r.status).toBe(6);
    expect(r.stderr).toMatch(/E_SCAN_OUTPUT/);
    r = await runCliAsync(['report', join(tmp, 'single'), '--out', join(tmp, 'cli-z'), '--format', 'pdf']);
    expect(r.status).toBe(2);
  });

  it('scan --report html,md writes the report into the scan output', async () => {
    const out = join(tmp, 'cli-scan');
    const r = await runCliAsync(['scan', FIXTURE_SHARDS, '--registry', regPath, '--out', out, '--workers', '0', '--report', 'html,md', '--dataset', 'fixture-set'], ROOT);
    expect(r.status, r.stderr).toBe(0);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('fixture-set');
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('| fixture-set |');
  });
});

describe('a 10,000-match report', () => {
  it('stays readable: bounded size, capped evidence in pages, complete counts', async () => {
    // 400 synthetic entries of 60 pseudo-words (a seeded generator), 10,500 samples each holding one of them
    let seed = 20261122;
    const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const syl = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'pe', 'da', 'go', 'fu', 'zi', 'ha', 'be', 'wo'];
    const word = () => Array.from({ length: 2 + Math.floor(rand() * 3) }, () => syl[Math.floor(rand() * syl.length)]).join('');
    const entries = Array.from({ length: 400 }, (_, i) => ({ id: `big-${i}`, vendor: `v${i % 4}`, model: `m${i % 9}`, text: Array.from({ length: 60 }, word).join(' ') }));
    mkdirSync(join(tmp, 'big'), { recursive: true });
    writeFileSync(join(tmp, 'big', 'reg.jsonl'), entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const bigReg = join(tmp, 'big', 'big.csreg');
    await buildRegistry({ inputs: [join(tmp, 'big', 'reg.jsonl')], out: bigReg, tagFields: { vendor: 'vendor', model: 'model' } });
    const shard = join(tmp, 'big', 'big.jsonl');
    const rows: string[] = [];
    for (let i = 0; i < 10_500; i++) rows.push(JSON.stringify({ id: `s${i}`, text: `Note ${i}: ${entries[i % entries.length]!.text} (copied ${i % 97} times)` }));
    writeFileSync(shard, rows.join('\n') + '\n');
    const r = await scan({ inputs: [shard], registry: bigReg, out: join(tmp, 'big-out'), workers: 2, progress: false });
    expect(r.totals.matches).toBeGreaterThanOrEqual(10_000);
    const { view } = await writeReport({ dirs: [join(tmp, 'big-out')], out: join(tmp, 'big-out') });
    const html = readFileSync(join(tmp, 'big-out', 'report.html'), 'utf8');
    const md = readFileSync(join(tmp, 'big-out', 'report.md'), 'utf8');
    expect(view.evidence_total).toBe(r.totals.matches);
    expect((html.match(/<article class="ev"/g) ?? []).length).toBe(100);
    expect((html.match(/<section class="evpage"/g) ?? []).length).toBe(5);
    expect(html).toContain(`of ${r.totals.matches.toLocaleString('en-US')} matches`);
    expect(view.top_entries).toHaveLength(15);
    expect(html.length).toBeLessThan(1_000_000);
    expect(md.length).toBeLessThan(1_000_000);
  }, 120_000);
});

const DATA = process.env.CONTAMSCAN_DATA ?? join(import.meta.dirname, '..', '..', 'shared', 'data');
const GSM = join(DATA, 'gsm8k');
const WIZ = join(DATA, 'wizardmath_gsm8k_copy', 'gsm8k_test.jsonl');
if (!existsSync(WIZ)) console.warn(`report-merge: ${WIZ} not found; the real benchmark-leak report test is skipped (set CONTAMSCAN_DATA)`);

describe('report of a real benchmark leak (../shared/data)', () => {
  it.skipIf(!existsSync(WIZ))('GSM8K test items copied into WizardMath: the report shows the leak and its evidence, not the train set', async () => {
    // a GSM8K item is its question and its worked answer, in the registry as in the copies (as bench:accuracy makes them)
    const items = (path: string, out: string) =>
      writeFileSync(out, readFileSync(path, 'utf8').trim().split('\n').map((l) => {
        const r = JSON.parse(l) as { question: string; answer: string };
        return JSON.stringify({ text: `${r.question}\n${r.answer}` });
      }).join('\n') + '\n');
    mkdirSync(join(tmp, 'leak'), { recursive: true });
    items(join(GSM, 'test.jsonl'), join(tmp, 'leak', 'gsm8k-test.jsonl'));
    items(WIZ, join(tmp, 'leak', 'wizardmath-copy.jsonl'));
    items(join(GSM, 'train.jsonl'), join(tmp, 'leak', 'gsm8k-train.jsonl'));
    const reg = join(tmp, 'gsm8k-test.csreg');
    await buildRegistry({ inputs: [join(tmp, 'leak', 'gsm8k-test.jsonl')], out: reg, tags: { vendor: 'benchmark', model: 'gsm8k', source: 'gsm8k-test' } });
    await scan({ inputs: [join(tmp, 'leak', 'wizardmath-copy.jsonl')], registry: reg, out: join(tmp, 'leak-a'), dataset: 'wizardmath-copy', progress: false });
    await scan({ inputs: [join(tmp, 'leak', 'gsm8k-train.jsonl')], registry: reg, out: join(tmp, 'leak-b'), dataset: 'gsm8k-train', progress: false });
    const { view } = await writeReport({ dirs: [join(tmp, 'leak-a'), join(tmp, 'leak-b')], out: join(tmp, 'leak-report'), failOver: 0.01, evidence: 20 });
    const ds = Object.fromEntries(view.datasets.map((d) => [d.name, d]));
    expect(ds['wizardmath-copy']!.samples).toBe(1319);
    expect(ds['wizardmath-copy']!.flagged).toBeGreaterThanOrEqual(1306); // >= 0.99 of a byte-identical copy
    expect(ds['gsm8k-train']!.samples).toBe(7473);
    expect(ds['gsm8k-train']!.flagged / 7473).toBeLessThanOrEqual(0.002);
    expect(view.policy.pass).toBe(false);
    expect(view.evidence.some((e) => e.file.endsWith('wizardmath-copy.jsonl') && e.kind === 'exact' && e.entry?.text === e.excerpt?.text)).toBe(true);
    const html = readFileSync(join(tmp, 'leak-report', 'report.html'), 'utf8');
    expect(html).toContain('wizardmath-copy');
    expect(html).toContain('FAIL: flagged');
    expect(html).toMatch(/gsm8k-test/);
  }, 120_000);
});
