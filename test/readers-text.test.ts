import { describe, it, expect, beforeAll } from 'vitest';
import { readAll } from './read-all.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { compress as zstdCompress } from 'zstd-napi';
import { getPath } from '../src/readers/index.js';
import { detectFormat, type InputFile } from '../src/io/inputs.js';
import type { ByteSource } from '../src/types.js';

const tmp = mkdtempSync(join(tmpdir(), 'contamscan-readers-'));

function write(name: string, data: string | Uint8Array): InputFile {
  const path = join(tmp, name);
  writeFileSync(path, data);
  const det = detectFormat(path)!;
  return { path, ...det, size: typeof data === 'string' ? Buffer.byteLength(data) : data.length };
}


const lines = (n: number, f: (i: number) => unknown) =>
  Array.from({ length: n }, (_, i) => JSON.stringify(f(i))).join('\n') + '\n';
const rec = (i: number) => ({ id: `r${i}`, text: `record number ${i} with unicode é中😀`, src: i % 2 ? 'a' : 'b' });

describe('JSON Lines', () => {
  const body = lines(1000, rec);
  for (const [ext, data] of [
    ['jsonl', body],
    ['jsonl.gz', gzipSync(body)],
    ['jsonl.zst', zstdCompress(Buffer.from(body))],
    ['ndjson', body],
  ] as const) {
    it(`.${ext}: every record, ids, text, tags, row order, bytesRead`, async () => {
      const input = write(`plain-${ext.replace(/\./g, '-')}.${ext}`, data);
      const { samples, skipped, batches, records } = await readAll(input, { tagFields: { src: 'src', none: 'nope' } });
      expect(skipped).toEqual([]);
      expect(records).toBe(1000);
      expect(samples.map((s) => s.id)).toEqual(Array.from({ length: 1000 }, (_, i) => `r${i}`));
      expect(samples[7]).toEqual({ id: 'r7', text: rec(7).text, file: input.path, row: 7, tags: { src: 'a' } });
      expect(batches.map((b) => b.samples.length)).toEqual([256, 256, 256, 232]);
      expect(batches.at(-1)!.bytesRead).toBe(typeof data === 'string' ? Buffer.byteLength(data) : data.length);
    });
  }

  it('records spanning read chunks (1 MiB) and CRLF line ends, no final newline', async () => {
    const big = 'x'.repeat(300_000);
    const body = Array.from({ length: 12 }, (_, i) => JSON.stringify({ text: `${i}${big}` })).join('\r\n');
    const { samples, skipped } = await readAll(write('spanning.jsonl', body));
    expect(skipped).toEqual([]);
    expect(samples.map((s) => s.text.length)).toEqual(Array.from({ length: 12 }, (_, i) => String(i).length + 300_000));
  });

  it('blank lines are not records', async () => {
    const { samples, records } = await readAll(write('blank.jsonl', '\n{"text":"a"}\n\n  \n{"text":"b"}\n\n'));
    expect(records).toBe(2);
    expect(samples.map((s) => [s.row, s.text])).toEqual([[0, 'a'], [1, 'b']]);
  });

  it('default text field: first present of text, content, output, completion, response; default id', async () => {
    const body = [
      { content: 'c', output: 'o' },
      { output: 'o2', completion: 'x' },
      { completion: 'cp' },
      { response: 'r', id: 42 },
      { text: 't', content: 'c', id: 'given' },
    ].map((r) => JSON.stringify(r)).join('\n');
    const input = write('defaults.jsonl', body);
    const { samples } = await readAll(input);
    expect(samples.map((s) => s.text)).toEqual(['c', 'o2', 'cp', 'r', 't']);
    expect(samples.map((s) => s.id)).toEqual([`${input.path}#0`, `${input.path}#1`, `${input.path}#2`, '42', 'given']);
  });

  it('textField choices.0.turns.0 and idField/tag dot paths', async () => {
    const body = lines(3, (i) => ({ question_id: `q${i}`, model_id: 'm', choices: [{ turns: [`answer ${i}`, 'later'] }] }));
    const { samples } = await readAll(write('arena.jsonl', body), {
      textField: 'choices.0.turns.0', idField: 'question_id', tagFields: { model: 'model_id', last: 'choices.0.turns.-1' },
    });
    expect(samples.map((s) => [s.id, s.text, s.tags])).toEqual([
      ['q0', 'answer 0', { model: 'm', last: 'later' }],
      ['q1', 'answer 1', { model: 'm', last: 'later' }],
      ['q2', 'answer 2', { model: 'm', last: 'later' }],
    ]);
  });

  it('works over any ByteSource (in-memory), not only local files', async () => {
    const data = Buffer.from(lines(5, rec));
    const src: ByteSource = { name: 'mem://x', size: async () => data.length, read: async (s, e) => data.subarray(s, Math.min(e, data.length)) };
    const { samples } = await readAll({ path: 'mem://x.jsonl', format: 'jsonl', compression: 'none', size: data.length }, {}, src);
    expect(samples.map((s) => s.file)).toEqual(Array(5).fill('mem://x.jsonl'));
  });
});

describe('JSON arrays (streamed)', () => {
  it('reads an array of records, with escapes, nesting and brackets inside strings', async () => {
    const recs = [
      { id: 1, text: 'plain' },
      { id: 2, text: 'quote \" and backslash \\\\ and \\" tricky ], } , [' },
      { id: 3, text: 'nested', extra: { a: [1, 2, { b: '],' }] } },
      { id: 4, text: 'ends with backslash \\' },
    ];
    const { samples, skipped } = await readAll(write('arr.json', JSON.stringify(recs, null, 2)));
    expect(skipped).toEqual([]);
    expect(samples.map((s) => [s.id, s.text])).toEqual(recs.map((r) => [String(r.id), r.text]));
  });

  it('.json.gz / .json.zst, elements and escapes split across 1 MiB chunks', async () => {
    // strings full of backslashes so escape runs straddle chunk boundaries
    const recs = Array.from({ length: 40 }, (_, i) => ({ text: `${i}:` + '\\"'.repeat(40_000 + i) + '\\\\' }));
    const json = JSON.stringify(recs);
    for (const [ext, data] of [['json', json], ['json.gz', gzipSync(json)], ['json.zst', zstdCompress(Buffer.from(json))]] as const) {
      const { samples, skipped } = await readAll(write(`esc.${ext}`, data));
      expect(skipped).toEqual([]);
      expect(samples.map((s) => s.text)).toEqual(recs.map((r) => r.text));
    }
  });

  it('empty array gives no records; trailing comma tolerated', async () => {
    expect((await readAll(write('empty-arr.json', ' [ ] '))).records).toBe(0);
    const { samples } = await readAll(write('trailing.json', '[{"text":"a"},{"text":"b"},]'));
    expect(samples.map((s) => s.text)).toEqual(['a', 'b']);
  });

  it('malformed element skipped, scanner resynchronizes at the next top-level comma', async () => {
    const input = write('bad-el.json', '[{"text":"a"}, {"text": nope}, 17, {"text":"c"}, {"text":"d" x}, {"text":"e"}]');
    const { samples, skipped } = await readAll(input);
    expect(samples.map((s) => [s.row, s.text])).toEqual([[0, 'a'], [3, 'c'], [5, 'e']]);
    expect(skipped.map((s) => [s.row, s.reason])).toEqual([[1, 'malformed_json'], [2, 'not_an_object'], [4, 'malformed_json']]);
    expect(skipped[0]!.message).toContain(input.path);
    expect(skipped[0]!.message).toMatch(/Unexpected token|not valid JSON/);
  });

  it('a .json file holding JSON Lines is read as JSON Lines', async () => {
    const { samples } = await readAll(write('really-lines.json', lines(3, rec)));
    expect(samples.map((s) => s.id)).toEqual(['r0', 'r1', 'r2']);
  });

  it('truncated array -> truncated_input after the complete elements', async () => {
    const input = write('cut.json', '[{"text":"a"},{"text":"b"},{"text":"c');
    const { samples, skipped } = await readAll(input);
    expect(samples.map((s) => s.text)).toEqual(['a', 'b']);
    expect(skipped).toEqual([expect.objectContaining({ reason: 'truncated_input', row: 2, count: 1 })]);
    expect(skipped[0]!.message).toContain(input.path);
  });

  it('neither array nor object at the top -> corrupt_file', async () => {
    const input = write('scalar.json', '"just a string"');
    const { skipped, records } = await readAll(input);
    expect(records).toBe(0);
    expect(skipped).toEqual([expect.objectContaining({ reason: 'corrupt_file', row: 0, count: 0 })]);
    expect(skipped[0]!.message).toContain(input.path);
  });
});

describe('bad records (each: reason, row, field, message names the file)', () => {
  it('malformed JSON line, with the parser message', async () => {
    const input = write('malformed.jsonl', '{"text":"ok"}\n{"text": "unterminated}\n{"text":"ok2"}\n');
    const { samples, skipped } = await readAll(input);
    expect(samples.map((s) => s.row)).toEqual([0, 2]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ reason: 'malformed_json', row: 1, count: 1, file: input.path });
    expect(skipped[0]!.field).toBeUndefined();
    expect(skipped[0]!.message).toContain(input.path);
    expect(skipped[0]!.message).toMatch(/Unterminated string|JSON/);
  });

  it('record without the text field names the field paths tried', async () => {
    const input = write('missing.jsonl', '{"text":"ok"}\n{"body":"no text here"}\n');
    const { skipped } = await readAll(input);
    expect(skipped).toEqual([expect.objectContaining({ reason: 'missing_text', row: 1, field: 'text|content|output|completion|response' })]);
    expect(skipped[0]!.message).toContain(input.path);
    expect(skipped[0]!.message).toContain("'completion'");
    const explicit = await readAll(input, { textField: 'choices.0.turns.0' });
    expect(explicit.skipped.map((s) => [s.row, s.reason, s.field])).toEqual([
      [0, 'missing_text', 'choices.0.turns.0'],
      [1, 'missing_text', 'choices.0.turns.0'],
    ]);
    expect(explicit.skipped[0]!.message).toContain("'choices.0.turns.0'");
  });

  it('non-string text names the type found', async () => {
    const input = write('nonstring.jsonl', '{"text":["a"]}\n{"text":5}\n{"text":{"x":1}}\n');
    const { skipped } = await readAll(input);
    expect(skipped.map((s) => [s.row, s.reason, s.field])).toEqual([
      [0, 'non_string_text', 'text'],
      [1, 'non_string_text', 'text'],
      [2, 'non_string_text', 'text'],
    ]);
    expect(skipped.map((s) => s.message.match(/is (\w+), expected a string/)![1])).toEqual(['array', 'number', 'object']);
    expect(skipped[0]!.message).toContain(input.path);
  });

  it('empty and whitespace-only text', async () => {
    const input = write('emptytext.jsonl', '{"text":""}\n{"text":" \\n\\t "}\n{"text":"x"}\n');
    const { skipped, samples } = await readAll(input);
    expect(samples).toHaveLength(1);
    expect(skipped.map((s) => [s.row, s.reason, s.field])).toEqual([[0, 'empty_text', 'text'], [1, 'empty_text', 'text']]);
    expect(skipped[0]!.message).toContain(input.path);
  });

  it('top-level value that is not an object', async () => {
    const input = write('notobj.jsonl', '[1,2]\n"s"\nnull\n');
    const { skipped } = await readAll(input);
    expect(skipped.map((s) => [s.row, s.reason])).toEqual([[0, 'not_an_object'], [1, 'not_an_object'], [2, 'not_an_object']]);
  });

  it('invalid UTF-8 in one line; a literal U+FFFD elsewhere is fine', async () => {
    const good = Buffer.from('{"text":"fine \uFFFD replacement char"}\n');
    const bad = Buffer.concat([Buffer.from('{"text":"bad '), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}\n')]);
    const input = write('utf8.jsonl', Buffer.concat([good, bad, good]));
    const { samples, skipped } = await readAll(input);
    expect(samples.map((s) => s.row)).toEqual([0, 2]);
    expect(skipped).toEqual([expect.objectContaining({ reason: 'invalid_utf8', row: 1, count: 1 })]);
    expect(skipped[0]!.field).toBeUndefined();
    expect(skipped[0]!.message).toContain(input.path);
  });

  it('empty file (0 bytes, whitespace only, empty .gz)', async () => {
    for (const [name, data] of [['empty.jsonl', ''], ['ws.jsonl', '\n \n'], ['empty.jsonl.gz', gzipSync('')], ['empty.json', '']] as const) {
      const input = write(name, data);
      const { skipped, records, samples } = await readAll(input);
      expect(samples).toEqual([]);
      expect(records).toBe(0);
      expect(skipped).toEqual([expect.objectContaining({ reason: 'empty_file', row: 0, count: 0, file: input.path })]);
      expect(skipped[0]!.message).toContain(input.path);
    }
  });

  it('truncated .gz: records before the cut are yielded, then truncated_input', async () => {
    const gz = gzipSync(lines(2000, rec));
    const input = write('cut.jsonl.gz', gz.subarray(0, gz.length >> 1));
    const { samples, skipped, records } = await readAll(input);
    expect(samples.length).toBeGreaterThan(100);
    expect(samples.map((s) => s.row)).toEqual([...Array(samples.length).keys()]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ reason: 'truncated_input', row: samples.length, file: input.path });
    expect(skipped[0]!.count).toBeLessThanOrEqual(1);
    expect(skipped[0]!.message).toContain(input.path);
    expect(skipped[0]!.message).toMatch(/gzip/);
    expect(records).toBe(samples.length + skipped[0]!.count);
  });

  it('truncated .zst: records before the cut are yielded, then truncated_input', async () => {
    const zst = zstdCompress(Buffer.from(lines(20000, rec)));
    const input = write('cut.jsonl.zst', zst.subarray(0, zst.length >> 1));
    const { samples, skipped } = await readAll(input);
    expect(samples.length).toBeGreaterThan(100);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ reason: 'truncated_input', row: samples.length, file: input.path });
    expect(skipped[0]!.message).toContain(input.path);
    expect(skipped[0]!.message).toMatch(/zstd/);
  });

  it('garbage .gz -> corrupt_file', async () => {
    const input = write('garbage.jsonl.gz', Buffer.from('definitely not gzip data'.repeat(10)));
    const { skipped, samples } = await readAll(input);
    expect(samples).toEqual([]);
    expect(skipped).toEqual([expect.objectContaining({ reason: 'corrupt_file', row: 0, count: 0 })]);
    expect(skipped[0]!.message).toContain(input.path);
  });

  describe('a 10 MB record', () => {
    let input: InputFile;
    let arrayInput: InputFile;
    const bigText = 'word '.repeat(2 * 1024 * 1024); // 10 MiB
    beforeAll(() => {
      const body = `{"text":"before"}\n${JSON.stringify({ id: 'big', text: bigText })}\n{"text":"after"}\n`;
      input = write('big.jsonl', body);
      arrayInput = write('big.json', `[{"text":"before"},${JSON.stringify({ id: 'big', text: bigText })},{"text":"after"}]`);
    });

    it('is skipped as record_too_large with the default 8 MiB limit, neighbours read', async () => {
      for (const inp of [input, arrayInput]) {
        const { samples, skipped } = await readAll(inp);
        expect(samples.map((s) => [s.row, s.text])).toEqual([[0, 'before'], [2, 'after']]);
        expect(skipped).toEqual([expect.objectContaining({ reason: 'record_too_large', row: 1, count: 1 })]);
        expect(skipped[0]!.message).toContain(inp.path);
        expect(skipped[0]!.message).toMatch(/8388608-byte limit/);
      }
    });

    it('reads fine with maxRecordBytes raised', async () => {
      for (const inp of [input, arrayInput]) {
        const { samples, skipped } = await readAll(inp, { maxRecordBytes: 16 * 1024 * 1024 });
        expect(skipped).toEqual([]);
        expect(samples[1]).toMatchObject({ id: 'big', row: 1 });
        expect(samples[1]!.text.length).toBe(bigText.length);
      }
    });
  });
});

describe('getPath', () => {
  const r = { choices: [{ turns: ['t0', 't1'] }], 'a.b': 1, n: null, o: { x: { y: 'deep' } } };
  it('walks objects and arrays', () => {
    expect(getPath(r, 'choices.0.turns.0')).toBe('t0');
    expect(getPath(r, 'choices.0.turns.-1')).toBe('t1');
    expect(getPath(r, 'o.x.y')).toBe('deep');
  });
  it('missing steps give undefined, never throw', () => {
    expect(getPath(r, 'choices.5.turns.0')).toBeUndefined();
    expect(getPath(r, 'choices.x')).toBeUndefined();
    expect(getPath(r, 'n.x')).toBeUndefined();
    expect(getPath('str', 'length')).toBeUndefined();
    expect(getPath(r, 'toString')).toBeUndefined();
  });
  it('literal keys containing dots', () => {
    expect(getPath(r, 'a.b')).toBe(1);
  });
});
