/** Reads real shards from ../shared/data (see its README). Skipped, with a message, when the folder is absent. */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readFile, type ReaderOptions } from '../src/readers/index.js';
import { resolveInputs, type InputFile } from '../src/io/inputs.js';

const DATA = process.env.CONTAMSCAN_DATA ?? join(import.meta.dirname, '..', '..', 'shared', 'data');
const present = existsSync(DATA);
if (!present) console.warn(`readers-real-data: ${DATA} not found; real-data tests skipped (set CONTAMSCAN_DATA to point at it)`);

async function count(input: InputFile, opts?: ReaderOptions) {
  let samples = 0;
  let skipped = 0;
  let records = 0;
  const reasons: Record<string, number> = {};
  for await (const b of readFile(input, opts)) {
    samples += b.samples.length;
    for (const s of b.skipped) {
      skipped += s.count;
      reasons[s.reason] = (reasons[s.reason] ?? 0) + s.count;
    }
    records += b.records;
  }
  expect(samples + skipped).toBe(records);
  return { samples, skipped, records, reasons };
}

/** Independent count: non-blank lines, or JSON.parse of the whole array. */
function reference(path: string): number {
  const text = readFileSync(path, 'utf8');
  return path.endsWith('.json') ? (JSON.parse(text) as unknown[]).length : text.split('\n').filter((l) => l.trim()).length;
}

describe('real shards from shared/data', () => {
  const arena = join(DATA, 'arena_hard_answers');
  it.skipIf(!existsSync(arena))('arena-hard answers: every JSONL record, text at choices.0.turns.0(.content)', async () => {
    const { files } = await resolveInputs([join(arena, 'data', '**', 'model_answer', '*.jsonl')]);
    expect(files.length).toBeGreaterThan(5);
    let total = 0;
    for (const f of files) {
      // arena-bench-v1 stores the answer string in turns[0]; arena-hard-v0.1 stores {content} objects there
      const v01 = f.path.includes('arena-hard-v0.1');
      const textField = v01 ? 'choices.0.turns.0.content' : 'choices.0.turns.0';
      if (v01) {
        const wrong = await count(f, { textField: 'choices.0.turns.0' });
        expect(wrong.reasons).toEqual({ non_string_text: wrong.records });
      }
      const r = await count(f, { textField, idField: 'question_id', tagFields: { model: 'model_id' } });
      expect(r.records).toBe(reference(f.path));
      expect(r.samples).toBe(r.records - (r.reasons.empty_text ?? 0));
      total += r.records;
    }
    expect(total).toBe(4501); // README: 4,501 answers
  });

  const gpteacher = join(DATA, 'gpteacher');
  it.skipIf(!existsSync(gpteacher))('GPTeacher JSON arrays stream to the same counts as JSON.parse (14,131 records)', async () => {
    const { files } = await resolveInputs([gpteacher]);
    let total = 0;
    for (const f of files) {
      expect(f.format).toBe('json');
      const r = await count(f, { textField: 'response' });
      expect(r.records).toBe(reference(f.path));
      total += r.records;
    }
    expect(total).toBe(14131);
  });

  const alpaca = join(DATA, 'alpaca_5000', 'alpaca_5000.json');
  it.skipIf(!existsSync(alpaca))('alpaca_5000.json: 5,000 records, default text field (output)', async () => {
    const [f] = (await resolveInputs([alpaca])).files;
    const r = await count(f!);
    expect(r.records).toBe(5000);
    expect(r.samples + (r.reasons.empty_text ?? 0)).toBe(5000);
  });

  const humaneval = join(DATA, 'humaneval');
  it.skipIf(!existsSync(join(humaneval, 'HumanEval.jsonl.gz')))('HumanEval .jsonl and .jsonl.gz agree (164 problems)', async () => {
    const plain = (await resolveInputs([join(humaneval, 'HumanEval.jsonl')])).files[0]!;
    const gz = (await resolveInputs([join(humaneval, 'HumanEval.jsonl.gz')])).files[0]!;
    const a = await count(plain, { textField: 'prompt', idField: 'task_id' });
    const b = await count(gz, { textField: 'prompt', idField: 'task_id' });
    expect(a).toEqual(b);
    expect(a.records).toBe(164);
  });

  it.skipIf(present)('shared data absent: nothing to check', () => {
    expect(readdirSync(import.meta.dirname).length).toBeGreaterThan(0);
  });
});
