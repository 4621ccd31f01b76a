/**
 * The part every reader shares: record -> Sample (text field, id, tags, limits) or SkippedRecord, and batching.
 * A format reader only finds records and calls {@link BatchBuilder.addValue} / {@link BatchBuilder.skip}.
 */
import { isUtf8 } from 'node:buffer';
import type { Sample, SkippedRecord, SkipReason } from '../types.js';
import { getPath, typeName } from './fields.js';

export const DEFAULT_TEXT_FIELDS: readonly string[] = ['text', 'content', 'output', 'completion', 'response'];
export const DEFAULT_ID_FIELD = 'id';
export const DEFAULT_BATCH_SIZE = 256;
export const DEFAULT_MAX_RECORD_BYTES = 8 * 1024 * 1024;

export interface ReaderOptions {
  /** Dot path of the text. Default: first present of text, content, output, completion, response (per record). */
  textField?: string;
  /** Dot path of the id. Default: "id" when present (string, number or bigint, stringified), else `${file}#${row}`. */
  idField?: string;
  /** tag key -> dot path; value stringified into Sample.tags; missing or null -> tag absent. */
  tagFields?: Record<string, string>;
  /** Dot paths of the prompt (registry build): present non-empty strings are joined into Sample.prompt. */
  promptFields?: readonly string[];
  /** Samples per yielded batch, default 256. */
  batchSize?: number;
  /** Default 8 MiB; larger records are skipped as 'record_too_large' without buffering them whole. */
  maxRecordBytes?: number;
}

export interface ReadBatch {
  samples: Sample[];
  skipped: SkippedRecord[];
  /** Records consumed by this batch = samples.length + sum(skipped[].count). */
  records: number;
  /** Cumulative bytes of the (compressed) input consumed so far, for progress/ETA. */
  bytesRead: number;
}

export interface ResolvedOptions {
  textFields: readonly string[];
  explicitText: boolean;
  idField: string;
  tagEntries: Array<[string, string]>;
  promptFields: readonly string[];
  batchSize: number;
  maxRecordBytes: number;
}

export function resolveOptions(opts: ReaderOptions = {}): ResolvedOptions {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isFinite(maxRecordBytes) || maxRecordBytes < 1)
    throw new RangeError(`maxRecordBytes must be a positive number, got ${maxRecordBytes}`);
  for (const [name, v] of [['textField', opts.textField], ['idField', opts.idField]] as const)
    if (v !== undefined && (typeof v !== 'string' || v === '')) throw new RangeError(`${name} must be a non-empty dot path, got ${JSON.stringify(v)}`);
  return {
    textFields: opts.textField ? [opts.textField] : DEFAULT_TEXT_FIELDS,
    explicitText: !!opts.textField,
    idField: opts.idField ?? DEFAULT_ID_FIELD,
    tagEntries: Object.entries(opts.tagFields ?? {}),
    promptFields: opts.promptFields ?? [],
    batchSize,
    maxRecordBytes,
  };
}

const NON_SPACE = /\S/;

function stringifyScalar(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(v);
    case 'object':
      if (v === null) return undefined;
      return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
    default:
      return undefined;
  }
}

/** Decode UTF-8 bytes; returns undefined when they are not valid UTF-8. Validates only when the fast decode shows U+FFFD. */
export function decodeUtf8(buf: Buffer, start: number, end: number): string | undefined {
  const s = buf.toString('utf8', start, end);
  if (s.indexOf('\uFFFD') !== -1 && !isUtf8(buf.subarray(start, end))) return undefined;
  return s;
}

/** Accumulates samples and skipped records of one file into batches. */
export class BatchBuilder {
  samples: Sample[] = [];
  skipped: SkippedRecord[] = [];
  records = 0;
  bytesRead = 0;
  /** Records seen in the whole file so far (samples + skipped counts). */
  total = 0;
  private readonly textDesc: string;

  constructor(
    readonly file: string,
    readonly o: ResolvedOptions,
    /** Check decoded text against maxRecordBytes (formats that cannot check the raw record first, e.g. Parquet). */
    readonly checkTextSize = false,
  ) {
    this.textDesc = o.textFields.map((f) => `'${f}'`).join(', ');
  }

  get full(): boolean {
    return this.samples.length >= this.o.batchSize || this.skipped.length >= this.o.batchSize;
  }

  get pending(): boolean {
    return this.records > 0 || this.skipped.length > 0;
  }

  take(): ReadBatch {
    const b: ReadBatch = { samples: this.samples, skipped: this.skipped, records: this.records, bytesRead: this.bytesRead };
    this.samples = [];
    this.skipped = [];
    this.records = 0;
    return b;
  }

  skip(row: number, reason: SkipReason, message: string, field?: string, count = 1): void {
    const s: SkippedRecord = { file: this.file, row, reason, message, count };
    if (field !== undefined) s.field = field;
    this.skipped.push(s);
    this.records += count;
    this.total += count;
  }

  /** Skip with the standard message prefix naming the file and row. */
  skipRow(row: number, reason: SkipReason, what: string, field?: string): void {
    this.skip(row, reason, `${this.file} row ${row}: ${what}`, field);
  }

  /** A parsed record (JSON value or Parquet row object). */
  addValue(value: unknown, row: number): void {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.skipRow(row, 'not_an_object', `record is ${typeName(value)}, expected a JSON object`);
      return;
    }
    const o = this.o;
    let text: unknown;
    let field: string | undefined;
    for (const f of o.textFields) {
      const v = getPath(value, f);
      if (v !== undefined && v !== null) {
        text = v;
        field = f;
        break;
      }
    }
    if (field === undefined) {
      const fieldDesc = o.textFields.join('|');
      this.skipRow(
        row,
        'missing_text',
        o.explicitText
          ? `text field '${o.textFields[0]}' is missing or null`
          : `no text field: none of ${this.textDesc} is present (set textField to choose one)`,
        fieldDesc,
      );
      return;
    }
    if (typeof text !== 'string') {
      this.skipRow(row, 'non_string_text', `text field '${field}' is ${typeName(text)}, expected a string`, field);
      return;
    }
    if (!NON_SPACE.test(text)) {
      this.skipRow(row, 'empty_text', `text field '${field}' is ${text.length === 0 ? 'empty' : 'whitespace only'}`, field);
      return;
    }
    if (this.checkTextSize && text.length * 3 > o.maxRecordBytes) {
      const n = Buffer.byteLength(text);
      if (n > o.maxRecordBytes) {
        this.skipRow(row, 'record_too_large', `text field '${field}' is ${n} bytes, over the ${o.maxRecordBytes}-byte limit (maxRecordBytes)`, field);
        return;
      }
    }
    const rawId = getPath(value, o.idField);
    const t = typeof rawId;
    const id = t === 'string' || t === 'number' || t === 'bigint' ? String(rawId) : `${this.file}#${row}`;
    const sample: Sample = { id, text, file: this.file, row };
    if (o.tagEntries.length) {
      const tags: Record<string, string> = {};
      for (const [k, p] of o.tagEntries) {
        const s = stringifyScalar(getPath(value, p));
        if (s !== undefined) tags[k] = s;
      }
      sample.tags = tags;
    }
    if (o.promptFields.length) {
      const parts: string[] = [];
      for (const p of o.promptFields) {
        const v = getPath(value, p);
        if (typeof v === 'string' && NON_SPACE.test(v)) parts.push(v);
      }
      if (parts.length) sample.prompt = parts.join('\n');
    }
    this.samples.push(sample);
    this.records++;
    this.total++;
  }

  /** JSON text of one record (bytes [start, end) of buf): decode, parse, add or skip. */
  addJsonBytes(buf: Buffer, start: number, end: number, row: number): void {
    const s = decodeUtf8(buf, start, end);
    if (s === undefined) {
      this.skipRow(row, 'invalid_utf8', `record is not valid UTF-8 (${end - start} bytes)`);
      return;
    }
    let v: unknown;
    try {
      v = JSON.parse(s);
    } catch (e) {
      this.skipRow(row, 'malformed_json', `malformed JSON: ${(e as Error).message}`);
      return;
    }
    this.addValue(v, row);
  }
}
