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
  /**
   * Keep JSON records (JSONL lines, JSON array elements) as their bytes in ReadBatch.raw instead of decoding and
   * parsing them here; {@link parseRawRecords} turns them into samples and skips later, where they are matched (a
   * scan worker), with the same results. Parquet rows are always parsed by the reader.
   */
  deferParse?: boolean;
}

/** JSON records kept as bytes (ReaderOptions.deferParse): record i is bytes[ends[i - 1] (or 0), ends[i]), at rows[i]. */
export interface RawRecords {
  bytes: Uint8Array;
  ends: Int32Array;
  rows: Int32Array;
  n: number;
}

export interface ReadBatch {
  samples: Sample[];
  skipped: SkippedRecord[];
  /** Records consumed by this batch = samples.length + sum(skipped[].count) + (raw?.n ?? 0). */
  records: number;
  /** Records not parsed yet (ReaderOptions.deferParse); their samples and skips come from parseRawRecords. */
  raw?: RawRecords;
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
  deferParse: boolean;
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
    deferParse: opts.deferParse ?? false,
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
  // deferParse: the batch's records as bytes
  private rawBytes: Buffer = Buffer.alloc(0);
  private rawLen = 0;
  private rawEnds = new Int32Array(0);
  private rawRows = new Int32Array(0);
  private rawN = 0;

  constructor(
    readonly file: string,
    readonly o: ResolvedOptions,
    /** Check decoded text against maxRecordBytes (formats that cannot check the raw record first, e.g. Parquet). */
    readonly checkTextSize = false,
  ) {
    this.textDesc = o.textFields.map((f) => `'${f}'`).join(', ');
  }

  get full(): boolean {
    return this.samples.length + this.rawN >= this.o.batchSize || this.skipped.length >= this.o.batchSize;
  }

  get pending(): boolean {
    return this.records > 0 || this.skipped.length > 0;
  }

  take(): ReadBatch {
    const b: ReadBatch = { samples: this.samples, skipped: this.skipped, records: this.records, bytesRead: this.bytesRead };
    if (this.rawN > 0) {
      // the batch's own buffers (transferable): the next batch starts new ones
      b.raw = { bytes: this.rawBytes.subarray(0, this.rawLen), ends: this.rawEnds.slice(0, this.rawN), rows: this.rawRows.slice(0, this.rawN), n: this.rawN };
      this.rawBytes = Buffer.allocUnsafeSlow(Math.max(1 << 16, this.rawLen)); // about one batch
      this.rawLen = 0;
      this.rawN = 0;
    }
    this.samples = [];
    this.skipped = [];
    this.records = 0;
    return b;
  }

  /** deferParse: keeps the record's bytes for parseRawRecords. */
  private addRaw(buf: Buffer, start: number, end: number, row: number): void {
    const len = end - start;
    if (this.rawLen + len > this.rawBytes.length) {
      const next = Buffer.allocUnsafeSlow(Math.max(2 * this.rawBytes.length, this.rawLen + len, 1 << 16));
      this.rawBytes.copy(next, 0, 0, this.rawLen);
      this.rawBytes = next;
    }
    if (this.rawN === this.rawEnds.length) {
      const cap = Math.max(2 * this.rawN, this.o.batchSize, 16);
      const ends = new Int32Array(cap);
      ends.set(this.rawEnds);
      this.rawEnds = ends;
      const rows = new Int32Array(cap);
      rows.set(this.rawRows);
      this.rawRows = rows;
    }
    buf.copy(this.rawBytes, this.rawLen, start, end);
    this.rawLen += len;
    this.rawEnds[this.rawN] = this.rawLen;
    this.rawRows[this.rawN++] = row;
    this.records++;
    this.total++;
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

  /** JSON text of one record (bytes [start, end) of buf): decode, parse, add or skip (or keep it: deferParse). */
  addJsonBytes(buf: Buffer, start: number, end: number, row: number): void {
    if (this.o.deferParse) {
      this.addRaw(buf, start, end, row);
      return;
    }
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

/**
 * The samples and skipped records of raw records (ReaderOptions.deferParse), exactly as the reader would have made
 * them: the same decoding, parsing, field rules and messages, in row order.
 */
export function parseRawRecords(file: string, o: ResolvedOptions, raw: RawRecords): { samples: Sample[]; skipped: SkippedRecord[] } {
  const b = new BatchBuilder(file, { ...o, deferParse: false, batchSize: Number.MAX_SAFE_INTEGER });
  const buf = Buffer.from(raw.bytes.buffer, raw.bytes.byteOffset, raw.bytes.byteLength);
  let start = 0;
  for (let i = 0; i < raw.n; i++) {
    const end = raw.ends[i];
    b.addJsonBytes(buf, start, end, raw.rows[i]);
    start = end;
  }
  return { samples: b.samples, skipped: b.skipped };
}
