/**
 * readFile: stream one input file as batches of Samples and SkippedRecords. Format readers (jsonl.ts,
 * json-array.ts, parquet.ts) find records; records.ts turns them into samples, counts bad ones and batches.
 *
 * Never throws for bad records or a bad file: a file-level failure ends the stream with one SkippedRecord
 * ('truncated_input' | 'corrupt_file' | 'empty_file' | 'read_error') whose count is the number of records
 * known lost (0 when unknown). Invariant per file: samples + skipped counts == records read.
 * Invalid options throw ContamscanError('E_USAGE').
 */
import { ContamscanError } from '../errors.js';
import type { InputFile } from '../io/inputs.js';
import { localSource } from '../io/source.js';
import type { ByteSource } from '../types.js';
import { DecodeFailure, openChunks, ReadFailure } from './bytes.js';
import { JsonArrayScanner } from './json-array.js';
import { feedLines, finishLines, hasPartial, newLineState } from './jsonl.js';
import { readParquet } from './parquet.js';
import { BatchBuilder, resolveOptions, type ReadBatch, type ReaderOptions, type ResolvedOptions } from './records.js';

export type { ReadBatch, ReaderOptions } from './records.js';
export { DEFAULT_TEXT_FIELDS, DEFAULT_BATCH_SIZE, DEFAULT_MAX_RECORD_BYTES } from './records.js';
export { getPath } from './fields.js';

/** Reader options resolved, or E_USAGE naming what is wrong (scan() resolves them once for its workers too). */
export function optionsOrThrow(opts: ReaderOptions | undefined): ResolvedOptions {
  try {
    return resolveOptions(opts);
  } catch (e) {
    throw new ContamscanError('E_USAGE', `invalid reader options: ${(e as Error).message}`);
  }
}

export async function* readFile(input: InputFile, opts?: ReaderOptions, source?: ByteSource): AsyncGenerator<ReadBatch> {
  const o = optionsOrThrow(opts);
  const b = new BatchBuilder(input.path, o, input.format === 'parquet');
  const own = source ? undefined : localSource(input.path);
  const src = source ?? own!;
  try {
    let size: number;
    try {
      size = await src.size();
    } catch (e) {
      b.skip(0, 'read_error', `${input.path}: cannot open: ${(e as Error).message}`, undefined, 0);
      yield b.take();
      return;
    }
    if (size === 0) {
      b.skip(0, 'empty_file', `${input.path}: file is empty (0 bytes)`, undefined, 0);
      yield b.take();
      return;
    }
    if (input.format === 'parquet') yield* readParquet(src, size, b);
    else yield* readText(input, src, size, b);
  } finally {
    await own?.close().catch(() => undefined);
  }
}

/** JSON Lines, or a JSON array (a .json file whose first byte is '{' is read as JSON Lines: many .json shards are). */
async function* readText(input: InputFile, src: ByteSource, size: number, b: BatchBuilder): AsyncGenerator<ReadBatch> {
  const file = input.path;
  const cs = openChunks(src, size, input.compression);
  const lines = newLineState();
  const scanner = input.format === 'json' ? new JsonArrayScanner(b) : undefined;
  let mode: 'lines' | 'array' | 'bad' = scanner ? 'array' : 'lines';
  let first = true;
  let failed = false;
  const row = () => (mode === 'array' ? scanner!.row : lines.row);
  try {
    try {
      for await (let chunk of cs.chunks) {
        b.bytesRead = cs.consumed();
        if (first) {
          first = chunk.length === 0;
          if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3); // BOM
        }
        if (mode === 'array') {
          yield* scanner!.feed(chunk);
          if (scanner!.firstByte !== undefined && scanner!.firstByte !== 0x5b /* [ */ && !scanner!.insideArray && !scanner!.done) {
            if (scanner!.firstByte === 0x7b /* { */) {
              mode = 'lines';
              // the chunk that held the first '{' is fed whole: the leading whitespace is a blank line
              yield* feedLines(b, lines, chunk);
            } else {
              mode = 'bad';
              b.skip(0, 'corrupt_file',
                `${file}: expected a JSON array ('[') or JSON Lines ('{') at the start, found '${String.fromCharCode(scanner!.firstByte)}'`,
                undefined, 0);
              break;
            }
          }
        } else if (mode === 'lines') yield* feedLines(b, lines, chunk);
      }
    } catch (e) {
      failed = true;
      const partial = mode === 'array' ? scanner!.partial : hasPartial(lines);
      const r = row();
      if (e instanceof DecodeFailure) {
        b.skip(r, e.truncated ? 'truncated_input' : 'corrupt_file',
          `${file}: ${e.message}${e.truncated ? ' (input truncated?)' : ''}; stopped after ${b.total} records` +
            (partial ? `, the partial record at row ${r} is lost` : ''),
          undefined, partial ? 1 : 0);
      } else if (e instanceof ReadFailure) {
        b.skip(r, 'read_error', `${file}: ${e.message}; stopped after ${b.total} records`, undefined, partial ? 1 : 0);
      } else throw e;
    }
  } finally {
    cs.close();
  }
  b.bytesRead = cs.consumed();
  if (!failed && mode !== 'bad') {
    if (mode === 'lines') finishLines(b, lines);
    else if (scanner!.insideArray) {
      const partial = scanner!.partial;
      b.skip(scanner!.row, 'truncated_input',
        `${file}: input ended inside the JSON array (no closing ']'; file truncated?) after ${b.total} records` +
          (partial ? `, the partial record at row ${scanner!.row} is lost` : ''),
        undefined, partial ? 1 : 0);
    } else if (scanner!.trailingGarbage)
      b.skip(scanner!.row, 'corrupt_file', `${file}: data after the closing ']' of the JSON array ignored`, undefined, 0);
    const sawContent = mode === 'lines' ? lines.content || b.total > 0 : scanner!.firstByte !== undefined;
    if (!sawContent) b.skip(0, 'empty_file', `${file}: file holds no records (${size} bytes, whitespace only)`, undefined, 0);
  }
  if (b.pending) yield b.take();
}
