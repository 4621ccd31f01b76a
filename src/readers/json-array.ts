/**
 * Streaming reader for a file holding one top-level JSON array of records. A byte-level scanner tracks
 * depth, strings and escapes, cuts the top-level elements and JSON.parses each one on its own, so memory stays
 * bounded by the largest element. A malformed element is skipped and the scanner carries on at the next
 * top-level comma. Strings are skipped with Buffer.indexOf('"'), so the per-byte loop only sees structure.
 */
import type { BatchBuilder, ReadBatch } from './records.js';

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;

const isWs = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9;

const enum Mode {
  /** Before the opening '[' */
  Start,
  /** Inside the array, waiting for an element (or ']') */
  Expect,
  /** Inside an element */
  Element,
  /** After the closing ']' */
  Done,
}

export class JsonArrayScanner {
  mode = Mode.Start;
  row = 0;
  /** Depth inside the current element (0 = at the element's own level). */
  private depth = 0;
  private inString = false;
  /** Backslashes immediately before the current scan position inside a string, carried across chunks. */
  private bsRun = 0;
  private pieces: Buffer[] = [];
  private len = 0;
  private oversized = false;
  /** The element held an unbalanced closing bracket: it is malformed whatever JSON.parse says. */
  private unbalanced = false;
  /** First non-whitespace byte of the file (undefined until seen). */
  firstByte: number | undefined;
  trailingGarbage = false;

  constructor(private readonly b: BatchBuilder) {}

  get done(): boolean {
    return this.mode === Mode.Done;
  }

  /** A partial element is pending (used at EOF to report truncation). */
  get partial(): boolean {
    return this.mode === Mode.Element;
  }

  get insideArray(): boolean {
    return this.mode === Mode.Expect || this.mode === Mode.Element;
  }

  private endElement(buf: Buffer, start: number, end: number): void {
    const b = this.b;
    const row = this.row++;
    if (this.oversized) {
      b.skipRow(row, 'record_too_large', `record is ${this.len + (end - start)} bytes, over the ${b.o.maxRecordBytes}-byte limit (maxRecordBytes); skipped without reading it whole`);
    } else if (this.unbalanced) {
      b.skipRow(row, 'malformed_json', 'malformed JSON: unbalanced closing bracket in array element');
    } else if (this.pieces.length === 0) {
      b.addJsonBytes(buf, start, end, row);
    } else {
      this.pieces.push(buf.subarray(start, end));
      const all = Buffer.concat(this.pieces, this.len + (end - start));
      b.addJsonBytes(all, 0, all.length, row);
    }
    this.pieces = [];
    this.len = 0;
    this.oversized = false;
    this.unbalanced = false;
    this.depth = 0;
    this.inString = false;
    this.bsRun = 0;
  }

  /** Keep bytes [start, end) of the current element, or drop them once the element is over the limit. */
  private keep(buf: Buffer, start: number, end: number): void {
    if (end <= start) return;
    if (!this.oversized && this.len + (end - start) > this.b.o.maxRecordBytes) {
      this.oversized = true;
      this.pieces = [];
    }
    if (!this.oversized) this.pieces.push(buf.subarray(start, end));
    this.len += end - start;
  }

  *feed(buf: Buffer): Generator<ReadBatch> {
    const n = buf.length;
    const b = this.b;
    let i = 0;
    let elStart = this.mode === Mode.Element ? 0 : -1;
    while (i < n) {
      switch (this.mode) {
        case Mode.Start: {
          // (a UTF-8 BOM is stripped by the caller before the first chunk gets here)
          const c = buf[i]!;
          if (isWs(c)) {
            i++;
            continue;
          }
          this.firstByte = c;
          if (c !== LBRACKET) return; // caller decides (JSON Lines fallback or corrupt_file)
          this.mode = Mode.Expect;
          i++;
          continue;
        }
        case Mode.Expect: {
          const c = buf[i]!;
          if (isWs(c)) {
            i++;
            continue;
          }
          if (c === RBRACKET) {
            // "[]" or a trailing comma "[a, b,]" (tolerated)
            this.mode = Mode.Done;
            i++;
            continue;
          }
          if (c === COMMA) {
            b.skipRow(this.row++, 'malformed_json', 'malformed JSON: empty array element (two commas in a row)');
            i++;
            if (b.full) yield b.take();
            continue;
          }
          this.mode = Mode.Element;
          elStart = i;
          this.depth = 0;
          continue;
        }
        case Mode.Element: {
          if (this.inString) {
            // find the closing quote, skipping escaped ones
            let q = buf.indexOf(QUOTE, i);
            let segStart = i;
            for (;;) {
              if (q === -1) {
                let run = 0;
                for (let k = n - 1; k >= segStart && buf[k] === BACKSLASH; k--) run++;
                this.bsRun = run === n - segStart ? this.bsRun + run : run;
                i = n;
                break;
              }
              let run = 0;
              for (let k = q - 1; k >= segStart && buf[k] === BACKSLASH; k--) run++;
              if (run === q - segStart) run += this.bsRun;
              if ((run & 1) === 0) {
                this.inString = false;
                this.bsRun = 0;
                i = q + 1;
                break;
              }
              this.bsRun = 0;
              segStart = q + 1;
              q = buf.indexOf(QUOTE, q + 1);
            }
            continue;
          }
          // structural scan until a quote or the element's end
          for (; i < n; i++) {
            const c = buf[i]!;
            if (c === QUOTE) {
              this.inString = true;
              this.bsRun = 0;
              i++;
              break;
            }
            if (c === LBRACE || c === LBRACKET) this.depth++;
            else if (c === RBRACE) {
              if (this.depth === 0) this.unbalanced = true;
              else this.depth--;
            } else if (c === RBRACKET) {
              if (this.depth === 0) {
                this.endElement(buf, elStart, i);
                this.mode = Mode.Done;
                i++;
                break;
              }
              this.depth--;
            } else if (c === COMMA && this.depth === 0) {
              this.endElement(buf, elStart, i);
              this.mode = Mode.Expect;
              i++;
              break;
            }
          }
          if (this.mode !== Mode.Element) {
            elStart = -1;
            if (b.full) yield b.take();
          }
          continue;
        }
        case Mode.Done: {
          for (; i < n; i++) if (!isWs(buf[i]!)) this.trailingGarbage = true;
          continue;
        }
      }
    }
    if (this.mode === Mode.Element && elStart >= 0) this.keep(buf, elStart, n);
  }
}
