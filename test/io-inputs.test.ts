import { describe, it, expect, beforeAll } from 'vitest';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveInputs, detectFormat, globToRegExp } from '../src/io/inputs.js';
import { localSource } from '../src/io/source.js';
import { ContamscanError } from '../src/errors.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'contamscan-inputs-'));
  const files: Record<string, string> = {
    'a.jsonl': '{"text":"a"}\n',
    'b.ndjson': '{"text":"b"}\n',
    'c.jsonl.gz': 'x',
    'd.JSONL.ZST': 'x',
    'e.json': '[]',
    'f.json.zst': 'x',
    'g.parquet': 'x',
    'notes.txt': 'ignored',
    'sub/h.jsonl': '{"text":"h"}\n',
    'sub/deeper/i.parquet': 'x',
    'sub/README.md': 'ignored',
    '.git/objects.jsonl': 'hidden dir is not walked',
    'only-ignored/x.csv': 'a,b',
  };
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), body);
  }
  symlinkSync(join(root, 'sub'), join(root, 'sub', 'loop')); // a cycle must not hang the walk
});

const rel = (files: { path: string }[]) => files.map((f) => f.path.slice(root.length + 1));

describe('detectFormat', () => {
  it('knows the supported extensions, case-insensitively', () => {
    expect(detectFormat('x.jsonl')).toEqual({ format: 'jsonl', compression: 'none' });
    expect(detectFormat('x.ndjson.gz')).toEqual({ format: 'jsonl', compression: 'gzip' });
    expect(detectFormat('X.JSONL.ZST')).toEqual({ format: 'jsonl', compression: 'zstd' });
    expect(detectFormat('x.json.zst')).toEqual({ format: 'json', compression: 'zstd' });
    expect(detectFormat('part-0.parquet')).toEqual({ format: 'parquet', compression: 'none' });
    expect(detectFormat('x.txt')).toBeUndefined();
    expect(detectFormat('x.gz')).toBeUndefined();
    expect(detectFormat('x.parquet.gz')).toBeUndefined();
  });
});

describe('resolveInputs', () => {
  it('walks a directory recursively: sorted, deduplicated, unknown extensions ignored, hidden dirs skipped, symlink loops safe', async () => {
    const { files, ignored } = await resolveInputs([root, join(root, 'a.jsonl'), join(root, 'sub')]);
    expect(rel(files)).toEqual([
      'a.jsonl', 'b.ndjson', 'c.jsonl.gz', 'd.JSONL.ZST', 'e.json', 'f.json.zst', 'g.parquet',
      'sub/deeper/i.parquet', 'sub/h.jsonl',
    ]);
    expect(files.find((f) => f.path.endsWith('c.jsonl.gz'))).toMatchObject({ format: 'jsonl', compression: 'gzip', size: 1 });
    expect(files.find((f) => f.path.endsWith('e.json'))).toMatchObject({ format: 'json', compression: 'none', size: 2 });
    expect(ignored.map((p) => p.slice(root.length + 1))).toEqual(['notes.txt', 'only-ignored/x.csv', 'sub/README.md']);
  });

  it('is deterministic whatever the argument order', async () => {
    const a = await resolveInputs([join(root, 'sub'), join(root, 'a.jsonl')]);
    const b = await resolveInputs([join(root, 'a.jsonl'), join(root, 'sub')]);
    expect(a).toEqual(b);
  });

  it('globs: *, ** and ?', async () => {
    expect(rel((await resolveInputs([join(root, '*.jsonl')])).files)).toEqual(['a.jsonl']);
    expect(rel((await resolveInputs([join(root, '**/*.jsonl')])).files)).toEqual(['a.jsonl', 'sub/h.jsonl']);
    expect(rel((await resolveInputs([join(root, '?.json*')])).files)).toEqual(['a.jsonl', 'c.jsonl.gz', 'e.json', 'f.json.zst']);
    expect(rel((await resolveInputs([join(root, 'sub/**/*.parquet')])).files)).toEqual(['sub/deeper/i.parquet']);
  });

  it('a missing path throws E_INPUT_MISSING naming it, before any work', async () => {
    const missing = join(root, 'nope', 'shard.jsonl');
    const err = await resolveInputs([join(root, 'a.jsonl'), missing]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContamscanError);
    expect((err as ContamscanError).code).toBe('E_INPUT_MISSING');
    expect((err as ContamscanError).message).toContain(missing);
    expect((err as ContamscanError).exitCode).toBe(2);
  });

  it('a glob matching nothing, or a directory with no supported file, throws E_INPUT_MISSING', async () => {
    for (const p of [join(root, '*.csv'), join(root, 'only-ignored'), join(root, 'zzz/**/*.jsonl')]) {
      const err = await resolveInputs([p]).catch((e: unknown) => e);
      expect((err as ContamscanError).code).toBe('E_INPUT_MISSING');
      expect((err as ContamscanError).message).toContain(p);
    }
  });

  it('an explicitly named file with an unknown extension is a usage error naming it', async () => {
    const p = join(root, 'notes.txt');
    const err = await resolveInputs([p]).catch((e: unknown) => e);
    expect((err as ContamscanError).code).toBe('E_USAGE');
    expect((err as ContamscanError).message).toContain(p);
  });
});

describe('localSource', () => {
  it('reads byte ranges, clamps end to size, reports size', async () => {
    const p = join(root, 'a.jsonl');
    const src = localSource(p);
    expect(src.name).toBe(p);
    expect(await src.size()).toBe(13);
    expect(Buffer.from(await src.read(2, 6)).toString()).toBe('text');
    expect((await src.read(10, 1000)).length).toBe(3);
    expect((await src.read(20, 30)).length).toBe(0);
    const r = await src.read(0, 13);
    expect(r.buffer.byteLength).toBe(13); // exact buffer: safe to hand on as an ArrayBuffer
    await src.close();
  });
  it('a missing file rejects on first use', async () => {
    await expect(localSource(join(root, 'missing')).size()).rejects.toThrow(/ENOENT/);
  });
});

it('globToRegExp', () => {
  expect(globToRegExp('a/**/b.jsonl').test('a/b.jsonl')).toBe(true);
  expect(globToRegExp('a/**/b.jsonl').test('a/x/y/b.jsonl')).toBe(true);
  expect(globToRegExp('a/*.jsonl').test('a/x/b.jsonl')).toBe(false);
  expect(globToRegExp('a/?.json').test('a/b.json')).toBe(true);
});
