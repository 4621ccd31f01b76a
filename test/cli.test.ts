/** The CLI as users run it: `node dist/src/cli/main.js ...` (built by `npm test`), exit codes and output. */
import { describe, it, expect, beforeAll } from 'vitest';
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PARAMS } from '../src/config/index.js';
import { readRegistryHeader } from '../src/registry/format.js';
import { loadRegistry } from '../src/registry/load.js';
import { CLI, FIXTURE_REGISTRY, FIXTURE_SHARDS, runCli, runCliAsync, tempDir, type CliResult } from './helpers.js';

const tmp = tempDir('cli');
const reg = join(tmp, 'reg.csreg');
const TAG_ARGS = ['--tag-field', 'vendor=vendor', '--tag-field', 'model=model', '--tag-field', 'source=source'];
let build: CliResult;

const scanArgs = (out: string, ...extra: string[]) => ['scan', FIXTURE_SHARDS, '--registry', reg, '--out', out, '--workers', '0', '--no-progress', ...extra];
const show = (r: CliResult) => `status ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

beforeAll(() => {
  expect(existsSync(CLI), `${CLI} missing: run npm run build (npm test does)`).toBe(true);
  build = runCli(['registry', 'build', FIXTURE_REGISTRY, ...TAG_ARGS, '--out', reg]);
});

describe.concurrent('cli: registry', () => {
  it('registry build writes the file and says what it wrote', async () => {
    expect(build.status, show(build)).toBe(0);
    expect(existsSync(reg)).toBe(true);
    expect(build.stdout).toContain(`wrote ${reg}: 8 entries`);
    expect(build.stdout).toMatch(/8 records read, 0 skipped, digest [0-9a-f]{16}/);
  });

  it('registry build --json prints the header', async () => {
    const r = await runCliAsync(['registry', 'build', FIXTURE_REGISTRY, ...TAG_ARGS, '--out', join(tmp, 'json.csreg'), '--json']);
    expect(r.status, show(r)).toBe(0);
    const h = JSON.parse(r.stdout);
    expect(h.entries).toBe(8);
    expect(h.sections).toBeUndefined();
  });

  it('registry info --json: parsable header with entries, tags, params and digest', async () => {
    const r = await runCliAsync(['registry', 'info', reg, '--json']);
    expect(r.status, show(r)).toBe(0);
    const h = JSON.parse(r.stdout);
    const { header } = await readRegistryHeader(reg);
    expect(h.entries).toBe(8);
    expect(h.digest).toBe(header.digest);
    expect(h.digest).toMatch(/^[0-9a-f]{16}$/);
    expect(h.fingerprint_id).toBe(header.fingerprint_id);
    expect(h.params.textShingle).toBe(PARAMS.textShingle.default);
    expect(h.tag_counts['vendor=acme-ai']).toBe(3);
    expect(h.tag_counts['vendor=benchmark']).toBe(2);
    expect(h.sections).toBeUndefined();
    expect(h.digest_ok).toBeUndefined();
    // size: the file's bytes, and what a scan loads (the sections before the ids; the rest is read on demand)
    const fileBytes = statSync(reg).size;
    const ids = header.sections.find((s) => s.name === 'ids.off')!;
    expect(h.size).toEqual({
      file_bytes: fileBytes,
      memory_bytes: ids.offset,
      per_entry: { file: Math.round(fileBytes / 8), memory: Math.round(ids.offset / 8) },
    });
    const reg2 = await loadRegistry(reg);
    expect(reg2.shared.buffer.byteLength).toBe(h.size.memory_bytes);
    reg2.close();
  });

  it('registry info: human-readable text', async () => {
    const r = await runCliAsync(['registry', 'info', reg]);
    expect(r.status, show(r)).toBe(0);
    const { header } = await readRegistryHeader(reg);
    expect(r.stdout).toMatch(/^entries\s+8$/m);
    expect(r.stdout).toContain(`fingerprint id  ${header.fingerprint_id}`);
    expect(r.stdout).toMatch(new RegExp(`^digest\\s+${header.digest}$`, 'm'));
    expect(r.stdout).toMatch(/^ {2}vendor=acme-ai {2}3$/m);
    expect(r.stdout).toContain(`textShingle=${PARAMS.textShingle.default}`);
    expect(r.stdout).toMatch(/^size\s+[\d.]+ MB on disk \(\d+ B\/entry\); [\d.]+ MB loaded into memory by a scan, shared by its workers \(\d+ B\/entry\)$/m);
  });

  it('registry info --verify: verified, and exit 5 with MISMATCH on a tampered copy', async () => {
    const ok = await runCliAsync(['registry', 'info', reg, '--verify']);
    expect(ok.status, show(ok)).toBe(0);
    expect(ok.stdout).toContain('(verified)');
    const bad = join(tmp, 'tampered.csreg');
    copyFileSync(reg, bad);
    const { header, dataStart } = await readRegistryHeader(bad);
    const buf = readFileSync(bad);
    buf[dataStart + header.sections.find((s) => s.name === 'text.blob')!.offset + 10] ^= 0x20;
    writeFileSync(bad, buf);
    const r = await runCliAsync(['registry', 'info', bad, '--verify', '--json']);
    expect(r.status, show(r)).toBe(5);
    expect(JSON.parse(r.stdout).digest_ok).toBe(false);
    expect(r.stderr).toContain('E_REGISTRY_FORMAT');
  });

  it('registry info on a file that is not a registry -> exit 5', async () => {
    const r = await runCliAsync(['registry', 'info', join(FIXTURE_REGISTRY, 'chat-answers.jsonl')]);
    expect(r.status, show(r)).toBe(5);
    expect(r.stderr).toContain('not a contamscan registry');
  });
});

describe.concurrent('cli: scan and exit codes', () => {
  it('scan --json prints JSON with totals; exit 0; writes matches.jsonl and report.json', async () => {
    const out = join(tmp, 'scan-json');
    const r = await runCliAsync(scanArgs(out, '--json'));
    expect(r.status, show(r)).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.totals).toMatchObject({ files: 4, records: 23, samples: 21, skipped: 2 });
    expect(j.totals.flagged).toBeGreaterThan(0);
    expect(j.policy).toEqual({ fail_over: null, exceeded: false });
    expect(j.out).toBe(out);
    expect(existsSync(join(out, 'matches.jsonl'))).toBe(true);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.totals).toEqual(j.totals);
  });

  it('scan (text summary, default workers): exit 0 and a summary naming counts and skips', async () => {
    const out = join(tmp, 'scan-text');
    const r = await runCliAsync(['scan', FIXTURE_SHARDS, '--registry', reg, '--out', out, '--no-progress']);
    expect(r.status, show(r)).toBe(0);
    expect(r.stdout).toMatch(/records 23\s+samples 21\s+skipped 2/);
    expect(r.stdout).toMatch(/skipped malformed_json: 1\s+e\.g\. \S*chat-dump\.jsonl:3/);
    expect(r.stdout).toContain(`wrote ${out}/matches.jsonl`);
  });

  it('exit 3 with --fail-over 0.01 on the fixtures', async () => {
    const r = await runCliAsync(scanArgs(join(tmp, 'scan-fail-over'), '--fail-over', '0.01'));
    expect(r.status, show(r)).toBe(3);
    expect(r.stdout).toContain('EXCEEDS');
  });

  it('exit 0 with --fail-over 1', async () => {
    const r = await runCliAsync(scanArgs(join(tmp, 'scan-within'), '--fail-over', '1'));
    expect(r.status, show(r)).toBe(0);
    expect(r.stdout).toContain('within');
  });

  it('exit 2 for an unknown option', async () => {
    const r = await runCliAsync(scanArgs(join(tmp, 'scan-unknown'), '--bogus-option'));
    expect(r.status, show(r)).toBe(2);
    expect(r.stderr).toContain('--bogus-option');
  });

  it('exit 2 for a missing required option', async () => {
    const out = join(tmp, 'scan-no-registry');
    const r = await runCliAsync(['scan', FIXTURE_SHARDS, '--out', out]);
    expect(r.status, show(r)).toBe(2);
    expect(r.stderr).toContain('--registry');
    expect(existsSync(out)).toBe(false);
  });

  it('exit 2 for a missing input path, naming it, nothing written', async () => {
    const out = join(tmp, 'scan-missing');
    const missing = join(tmp, 'nope', 'shard.jsonl');
    const r = await runCliAsync(['scan', missing, '--registry', reg, '--out', out, '--workers', '0']);
    expect(r.status, show(r)).toBe(2);
    expect(r.stderr).toContain('E_INPUT_MISSING');
    expect(r.stderr).toContain(missing);
    expect(existsSync(out)).toBe(false);
  });

  it('exit 2 for an unknown --param and for a non-numeric option value', async () => {
    const a = await runCliAsync(scanArgs(join(tmp, 'scan-bad-param'), '--param', 'nosuch=3'));
    expect(a.status, show(a)).toBe(2);
    expect(a.stderr).toContain('nosuch');
    const b = await runCliAsync(scanArgs(join(tmp, 'scan-bad-num'), '--fail-over', 'lots'));
    expect(b.status, show(b)).toBe(2);
  });

  it('exit 4 with --strict on the fixtures (the bad records), naming file and row', async () => {
    const r = await runCliAsync(scanArgs(join(tmp, 'scan-strict'), '--strict'));
    expect(r.status, show(r)).toBe(4);
    expect(r.stderr).toContain('E_INPUT');
    expect(r.stderr).toContain('chat-dump.jsonl');
    expect(r.stderr).toContain('row=3');
  });

  it('exit 5 for a registry built with another textShingle, stderr naming textShingle', async () => {
    const def: number = PARAMS.textShingle.default;
    const other = def === 6 ? 7 : 6;
    const otherReg = join(tmp, 'other-params.csreg');
    const b = await runCliAsync(['registry', 'build', FIXTURE_REGISTRY, '--param', `textShingle=${other}`, '--out', otherReg]);
    expect(b.status, show(b)).toBe(0);
    const out = join(tmp, 'scan-other-params');
    const r = await runCliAsync(['scan', FIXTURE_SHARDS, '--registry', otherReg, '--out', out, '--workers', '0']);
    expect(r.status, show(r)).toBe(5);
    expect(r.stderr).toContain('E_REGISTRY_PARAMS');
    expect(r.stderr).toContain(`textShingle: registry ${other}, scan ${def}`);
    expect(existsSync(out)).toBe(false);
  });

  it('--help exits 0 and prints usage', async () => {
    const r = await runCliAsync(['--help']);
    expect(r.status, show(r)).toBe(0);
    expect(r.stdout).toContain('Usage: contamscan');
    expect(r.stdout).toContain('scan');
    const s = await runCliAsync(['scan', '--help']);
    expect(s.status, show(s)).toBe(0);
    expect(s.stdout).toContain('--fail-over');
  });
});
