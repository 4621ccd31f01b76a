import { describe, it, expect, beforeAll } from 'vitest';
import { copyFileSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRegistry, type BuildRegistryResult } from '../src/registry/build.js';
import { fillShared, loadRegistry, openRegistry, verifyRegistry } from '../src/registry/load.js';
import { open } from 'node:fs/promises';
import { readRegistryHeader, ENTRY_FLAG, SHARED_END } from '../src/registry/format.js';
import { FINGERPRINT_ALGORITHM, fingerprintParams, makeConfig } from '../src/config/index.js';
import { createFingerprinter, tooShortToAttribute } from '../src/fingerprint/index.js';
import {
  ENTRIES,
  FIXTURE_REGISTRY,
  FIXTURE_TAG_FIELDS,
  entryRecords,
  expectContamscanError,
  readJsonl,
  tempDir,
  writeJsonl,
} from './helpers.js';

interface FixtureRecord {
  id: string;
  text: string;
  vendor: string;
  model: string;
  source: string;
}

const tmp = tempDir('registry');
const regPath = join(tmp, 'fixtures.csreg');
// resolveInputs lists a directory sorted by name: benchmark-items.jsonl, then chat-answers.jsonl
const fixtureRecords = readdirSync(FIXTURE_REGISTRY)
  .filter((f) => f.endsWith('.jsonl'))
  .sort()
  .flatMap((f) => readJsonl<FixtureRecord>(join(FIXTURE_REGISTRY, f)));
let built: BuildRegistryResult;

beforeAll(async () => {
  built = await buildRegistry({ inputs: [FIXTURE_REGISTRY], out: regPath, tagFields: FIXTURE_TAG_FIELDS });
});

/** A copy of the fixture registry to damage. */
function copyOf(name: string): string {
  const p = join(tmp, name);
  copyFileSync(regPath, p);
  return p;
}

describe('registry build (fixtures/registry)', () => {
  it('header: entries, tag counts, params, fingerprint id, digest, sources', async () => {
    const { header } = await readRegistryHeader(regPath);
    expect(header).toEqual(built.header);
    expect(header.format).toBe('contamscan-registry');
    expect(header.version).toBe(1);
    expect(header.entries).toBe(8);
    expect(fixtureRecords).toHaveLength(8);
    const want: Record<string, number> = {};
    for (const r of fixtureRecords)
      for (const k of ['vendor', 'model', 'source'] as const) want[`${k}=${r[k]}`] = (want[`${k}=${r[k]}`] ?? 0) + 1;
    expect(header.tag_counts).toEqual(want);
    expect(header.tag_counts['vendor=acme-ai']).toBe(3);
    const config = makeConfig();
    expect(header.params).toEqual(fingerprintParams(config));
    expect(header.fingerprint_id).toBe(config.fingerprintId);
    expect(header.digest).toMatch(/^[0-9a-f]{16}$/);
    expect(header.sources).toEqual({ files: 2, records: 8, skipped: 0 });
    expect(header.low_evidence).toEqual({ short: 0, low_variety: 0, mostly_common: 0 });
    expect(header.fingerprints.postings).toBeGreaterThan(0);
    expect(built.skipped).toEqual([]);
  });

  it('the digest is a function of the content: rebuilding gives the same one, another seed another', async () => {
    const again = await buildRegistry({ inputs: [FIXTURE_REGISTRY], out: join(tmp, 'again.csreg'), tagFields: FIXTURE_TAG_FIELDS });
    expect(again.header.digest).toBe(built.header.digest);
    const seeded = await buildRegistry({ inputs: [FIXTURE_REGISTRY], out: join(tmp, 'seeded.csreg'), tagFields: FIXTURE_TAG_FIELDS, config: { seed: 7 } });
    expect(seeded.header.digest).not.toBe(built.header.digest);
    expect(seeded.header.params.seed).toBe(7);
  });

  it('tags are stored once: a dictionary of key=value strings and tag sets indexing it', async () => {
    const { header } = built;
    expect(new Set(header.tags).size).toBe(header.tags.length);
    expect(header.tags).toHaveLength(Object.keys(header.tag_counts).length);
    const distinctSets = new Set(fixtureRecords.map((r) => `${r.vendor}|${r.model}|${r.source}`));
    expect(header.tag_sets).toHaveLength(distinctSets.size);
    for (const set of header.tag_sets) for (const t of set) expect(t).toBeLessThan(header.tags.length);
    // tag strings live in the header only (dictionary + counts), never once per entry in the data sections
    const { dataStart } = await readRegistryHeader(regPath);
    const file = readFileSync(regPath);
    const head = file.subarray(0, dataStart).toString('utf8');
    const data = file.subarray(dataStart).toString('latin1');
    expect(head.split('vendor=acme-ai').length - 1).toBeLessThanOrEqual(2);
    expect(data).not.toContain('acme-ai');
    expect(data).not.toContain('fixture:chat-export');
    const reg = await loadRegistry(regPath);
    fixtureRecords.forEach((r, i) => expect(reg.tagsOf(i)).toEqual({ vendor: r.vendor, model: r.model, source: r.source }));
  });

  it('ids round-trip in input order and textOf(i) returns each entry text', async () => {
    const reg = await loadRegistry(regPath, makeConfig());
    // idOf decodes one id on demand (in any order), ids all of them
    for (let i = fixtureRecords.length - 1; i >= 0; i--) expect(reg.idOf(i)).toBe(fixtureRecords[i].id);
    expect(() => reg.idOf(fixtureRecords.length)).toThrow(RangeError);
    expect(reg.ids).toEqual(fixtureRecords.map((r) => r.id));
    for (let i = 0; i < fixtureRecords.length; i++) expect(await reg.textOf(i)).toBe(fixtureRecords[i].text);
    expect(reg.views.tokens).toHaveLength(8);
  });

  it('the index is read in chunks, several at a time: the shared buffer is the file\'s bytes whatever the chunk size', async () => {
    const { header, dataStart } = await readRegistryHeader(regPath);
    const end = header.sections.find((s) => s.name === SHARED_END)!.offset;
    const want = readFileSync(regPath).subarray(dataStart, dataStart + end);
    expect(end).toBeGreaterThan(3 * 4096); // so that 4 KiB chunks make several reads, more than are in flight at once
    for (const [chunkBytes, reads] of [[4096, 4], [1000, 3], [4096, 1], [1 << 24, 4]]) {
      const reg = await loadRegistry(regPath, undefined, { chunkBytes, reads });
      try {
        expect(Buffer.from(reg.shared.buffer).equals(want)).toBe(true);
      } finally {
        reg.close();
      }
    }
    for (const bad of [0, -1, 1.5]) {
      await expectContamscanError(loadRegistry(regPath, undefined, { chunkBytes: bad }), 'E_USAGE');
      await expectContamscanError(loadRegistry(regPath, undefined, { chunkBytes: 2 ** 31 }), 'E_USAGE');
      await expectContamscanError(loadRegistry(regPath, undefined, { reads: bad }), 'E_USAGE');
    }
  });

  it('fillShared: bytes from the data start, several reads in flight; a file that ends early -> E_REGISTRY_FORMAT, handle closed', async () => {
    const p = join(tmp, 'fill.bin');
    const bytes = Buffer.alloc(10_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + 3) & 0xff;
    writeFileSync(p, bytes);
    const ok = new Uint8Array(9_900);
    let fh = await open(p, 'r');
    await fillShared(fh, p, 100, ok, 1000, 4);
    expect(Buffer.from(ok).equals(bytes.subarray(100))).toBe(true);
    expect(fh.fd).toBe(-1); // closed
    fh = await open(p, 'r');
    const err = await expectContamscanError(fillShared(fh, p, 100, new Uint8Array(20_000), 1000, 4), 'E_REGISTRY_FORMAT');
    expect(err.message).toBe(`${p} is truncated: it ends at byte 10000, its index at byte 20100`);
    expect(err.context.file).toBe(p);
    expect(fh.fd).toBe(-1);
  });

  it('openRegistry: ids and texts are read at open, the index by `loaded`', async () => {
    const { registry, loaded } = await openRegistry(regPath, undefined, { chunkBytes: 4096 });
    try {
      // ids and texts come from the file at open (views and tagsOf read the index: only after `loaded`); that the
      // scan waits for `loaded` is tested with an index that arrives late (scan-registry-load.test.ts)
      expect(registry.idOf(0)).toBe(fixtureRecords[0].id);
      expect(await registry.textOf(0)).toBe(fixtureRecords[0].text);
      await loaded;
      const whole = await loadRegistry(regPath);
      expect(Buffer.from(registry.shared.buffer).equals(Buffer.from(whole.shared.buffer))).toBe(true);
      whole.close();
    } finally {
      registry.close();
    }
  });

  it('verifyRegistry: ok for the file as written', async () => {
    const v = await verifyRegistry(regPath);
    expect(v).toEqual({ digest: built.header.digest, ok: true });
  });

  it('verifyRegistry: one flipped byte in a data section -> not ok', async () => {
    const p = copyOf('flipped.csreg');
    const { header, dataStart } = await readRegistryHeader(p);
    const s = header.sections.find((x) => x.name === 'ent.tokens')!;
    const buf = readFileSync(p);
    buf[dataStart + s.offset] ^= 0x01;
    writeFileSync(p, buf);
    const v = await verifyRegistry(p);
    expect(v.ok).toBe(false);
    expect(v.digest).not.toBe(header.digest);
    expect(v.digest).toMatch(/^[0-9a-f]{16}$/);
  });

  it('a truncated file -> E_REGISTRY_FORMAT naming the file (load, verify, header)', async () => {
    const p = copyOf('truncated.csreg');
    truncateSync(p, statSync(p).size - 100);
    for (const f of [() => loadRegistry(p), () => verifyRegistry(p), () => readRegistryHeader(p)]) {
      const err = await expectContamscanError(f(), 'E_REGISTRY_FORMAT');
      expect(err.message).toContain(p);
      expect(err.message).toMatch(/truncated/);
      expect(err.context.file).toBe(p);
      expect(err.exitCode).toBe(5);
    }
    const q = copyOf('cut-in-header.csreg');
    truncateSync(q, 40);
    const err = await expectContamscanError(loadRegistry(q), 'E_REGISTRY_FORMAT');
    expect(err.message).toContain(q);
  });

  it('a file that is not a registry -> E_REGISTRY_FORMAT naming the file', async () => {
    const notReg = join(FIXTURE_REGISTRY, 'chat-answers.jsonl');
    const err = await expectContamscanError(loadRegistry(notReg), 'E_REGISTRY_FORMAT');
    expect(err.message).toContain(notReg);
    expect(err.message).toContain('not a contamscan registry');
    const empty = join(tmp, 'empty.csreg');
    writeFileSync(empty, '');
    expect((await expectContamscanError(loadRegistry(empty), 'E_REGISTRY_FORMAT')).context.file).toBe(empty);
  });

  it('a missing registry file -> E_INPUT_MISSING', async () => {
    const err = await expectContamscanError(loadRegistry(join(tmp, 'nope.csreg')), 'E_INPUT_MISSING');
    expect(err.message).toContain('nope.csreg');
  });

  it('loading with another textShingle -> E_REGISTRY_PARAMS naming the parameter and both values', async () => {
    const def = makeConfig().textShingle;
    const other = def + 2;
    const err = await expectContamscanError(loadRegistry(regPath, makeConfig({ textShingle: other })), 'E_REGISTRY_PARAMS');
    expect(err.message).toContain('textShingle');
    expect(err.message).toContain(`registry ${def}`);
    expect(err.message).toContain(`scan ${other}`);
    expect(err.message).toContain(regPath);
    expect(err.exitCode).toBe(5);
    // a scan-only parameter is not a fingerprint parameter: loading works
    await expect(loadRegistry(regPath, makeConfig({ jaccard: 0.95 }))).resolves.toBeTruthy();
  });

  it('compact layout: 4-byte posting keys, df as a byte, token hashes outside the loaded buffer and read per entry', async () => {
    const reg = await loadRegistry(regPath, makeConfig());
    try {
      const { header } = reg;
      const sec = (name: string) => header.sections.find((x) => x.name === name)!;
      for (const name of ['post.key', 'lsh.key']) expect(sec(name).dtype).toBe('u32');
      expect(sec('exact.k2').dtype).toBe('i32'); // exact-text keys stay 64 bits: they are not verified afterwards
      expect(sec('post.df').dtype).toBe('u8');
      // the shared buffer ends before the ids; token hashes and texts come after them, on disk only
      expect(reg.shared.buffer.byteLength).toBe(sec('ids.off').offset);
      for (const name of ['tok.h16', 'ctok.h16', 'text.blob']) expect(sec(name).offset).toBeGreaterThan(sec('ids.blob').offset);
      const { df, entry } = reg.views.post;
      expect(df.length).toBeGreaterThan(0);
      for (let r = 0; r < df.length; r++) {
        if (entry[r] === 0xffffffff) expect(df[r]).toBe(0);
        else expect(df[r]).toBeGreaterThanOrEqual(1);
        expect(df[r]).toBeLessThanOrEqual(makeConfig().commonDf);
      }
      // of(e) reads exactly the entry's tokens, bit for bit what the file holds at tok.off[e]
      const { dataStart } = await readRegistryHeader(regPath);
      const file = readFileSync(regPath);
      for (let e = 0; e < header.entries; e++) {
        const t = reg.views.tok[0].of(e);
        expect(t.length).toBe(reg.views.tokens[e]);
        const at = dataStart + sec('tok.h16').offset + 2 * reg.views.tok[0].off[e];
        expect(Buffer.from(t.buffer, t.byteOffset, t.byteLength).equals(file.subarray(at, at + 2 * t.length))).toBe(true);
      }
    } finally {
      reg.close();
    }
  });

  it('a registry cut short after loading -> reading an entry\'s tokens fails with E_REGISTRY_FORMAT naming the file', async () => {
    const p = copyOf('cut-after-load.csreg');
    const reg = await loadRegistry(p, makeConfig());
    try {
      const { dataStart } = await readRegistryHeader(p);
      const s = reg.header.sections.find((x) => x.name === 'tok.h16')!;
      truncateSync(p, dataStart + s.offset);
      const last = reg.header.entries - 1;
      let err: unknown;
      try {
        reg.views.tok[0].of(last);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'E_REGISTRY_FORMAT', context: { file: p } });
      expect((err as Error).message).toContain('rewritten during the scan');
    } finally {
      reg.close();
    }
  });

  it('a registry from another fingerprint algorithm version -> E_REGISTRY_PARAMS asking for a rebuild', async () => {
    const bytes = readFileSync(regPath);
    const at = bytes.indexOf(Buffer.from(`"algorithm":${FINGERPRINT_ALGORITHM}`));
    expect(at).toBeGreaterThan(0);
    const old = Buffer.from(bytes);
    old.write(`"algorithm":${(FINGERPRINT_ALGORITHM + 1) % 10}`, at); // same length: header offsets stay valid
    const oldPath = regPath.replace(/\.csreg$/, '-oldalgo.csreg');
    writeFileSync(oldPath, old);
    const err = await expectContamscanError(loadRegistry(oldPath, makeConfig()), 'E_REGISTRY_PARAMS');
    expect(err.message).toContain('fingerprint algorithm');
    expect(err.message).toContain('rebuild');
  });
});

describe('registry build (own entries)', () => {
  it('an entry shorter than minEntryTokens is kept but counted in low_evidence.short', async () => {
    const dir = tempDir('registry-short');
    const short = 'Sure, happy to help with that.';
    expect(short.split(' ').length).toBeLessThan(makeConfig().minEntryTokens);
    writeJsonl(join(dir, 'entries.jsonl'), [...entryRecords(), { id: 'short-1', text: short, vendor: 'acme-ai' }]);
    const out = join(dir, 'reg.csreg');
    const res = await buildRegistry({ inputs: [join(dir, 'entries.jsonl')], out, tagFields: { vendor: 'vendor' } });
    expect(res.header.entries).toBe(Object.keys(ENTRIES).length + 1);
    expect(res.header.low_evidence.short).toBe(1);
    const reg = await loadRegistry(out);
    const i = reg.ids.indexOf('short-1');
    expect(reg.views.flags[i] & ENTRY_FLAG.SHORT).toBe(ENTRY_FLAG.SHORT);
    for (let j = 0; j < reg.ids.length; j++) if (j !== i) expect(reg.views.flags[j] & ENTRY_FLAG.SHORT).toBe(0);
    expect(await reg.textOf(i)).toBe(short);
  });

  it('a short code snippet is attributable with >= 1.5 x minEntryTokens code tokens; tooShortToAttribute agrees with the flags', async () => {
    const dir = tempDir('registry-short-code');
    const config = makeConfig();
    // under 30 word tokens each; the first has 52 code tokens (attributable on the code channel), the second 9
    const code = 'x[i] = (a[i] + b[i]) * (c[i] - d[i]);\nout[j] = (p[j] - q[j]) / (r[j] + s[j]);';
    const tiny = 'y = f(a, b);';
    writeJsonl(join(dir, 'entries.jsonl'), [...entryRecords(), { id: 'code-1', text: code }, { id: 'tiny-1', text: tiny }]);
    const out = join(dir, 'reg.csreg');
    const res = await buildRegistry({ inputs: [join(dir, 'entries.jsonl')], out });
    expect(res.header.low_evidence.short).toBe(1);
    const reg = await loadRegistry(out);
    const fp = createFingerprinter(config);
    for (let j = 0; j < reg.ids.length; j++) {
      const f = fp(await reg.textOf(j));
      if (reg.ids[j] === 'code-1') expect(f.text.tokens.n).toBeLessThan(config.minEntryTokens);
      const predicted = tooShortToAttribute(f.text.tokens.n, f.code ? f.code.tokens.n : 0, config.minEntryTokens);
      expect((reg.views.flags[j] & ENTRY_FLAG.SHORT) !== 0, reg.ids[j]).toBe(predicted);
    }
    expect(reg.views.flags[reg.ids.indexOf('tiny-1')] & ENTRY_FLAG.SHORT).toBe(ENTRY_FLAG.SHORT);
    expect(reg.views.flags[reg.ids.indexOf('code-1')] & ENTRY_FLAG.SHORT).toBe(0);
  });

  it('texts and ids with non-ASCII characters round-trip; --tag applies to every entry', async () => {
    const dir = tempDir('registry-utf8');
    const records = [
      { id: 'café-ü-1', text: `Ünïcode — ${ENTRIES.tea} 😀 Zürich` },
      { id: '日本-2', text: `${ENTRIES.tyre} «fin» ✓` },
    ];
    writeJsonl(join(dir, 'e.jsonl'), records);
    const out = join(dir, 'reg.csreg');
    const res = await buildRegistry({ inputs: [dir], out, tags: { collection: 'utf8-test' } });
    expect(res.header.tag_counts).toEqual({ 'collection=utf8-test': 2 });
    const reg = await loadRegistry(out);
    expect(reg.ids).toEqual(records.map((r) => r.id));
    expect(await reg.textOf(0)).toBe(records[0].text);
    expect(await reg.textOf(1)).toBe(records[1].text);
    expect(reg.tagsOf(1)).toEqual({ collection: 'utf8-test' });
  });

  it('bad records are counted as skipped, or fail the build with strict', async () => {
    const dir = tempDir('registry-bad');
    const f = join(dir, 'e.jsonl');
    writeFileSync(f, JSON.stringify({ id: 'a', text: ENTRIES.violin }) + '\n{"id": "b", "text": \n' + JSON.stringify({ id: 'c', body: 'x' }) + '\n');
    const res = await buildRegistry({ inputs: [f], out: join(dir, 'r.csreg') });
    expect(res.header.entries).toBe(1);
    expect(res.header.sources).toEqual({ files: 1, records: 3, skipped: 2 });
    expect(res.skipped.map((s) => [s.row, s.reason])).toEqual([
      [1, 'malformed_json'],
      [2, 'missing_text'],
    ]);
    const err = await expectContamscanError(buildRegistry({ inputs: [f], out: join(dir, 'strict.csreg'), strict: true }), 'E_INPUT');
    expect(err.context).toMatchObject({ file: f, row: 1 });
  });
});
