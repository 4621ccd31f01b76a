/**
 * JSON Lines: split decompressed chunks on '\n' bytes ourselves (readline is ~2.5x slower), decode each line
 * once, JSON.parse it. Lines longer than maxRecordBytes are skipped while streaming past them, never buffered.
 * Blank (whitespace-only) lines are not records; `row` counts records, not lines.
 */
import type { BatchBuilder, ReadBatch } from './records.js';

const LF = 10;

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c !== 32 && c !== 9 && c !== 13 && c !== LF) return false;
  }
  return true;
}

export interface LineState {
  /** Next record index. */
  row: number;
  /** Bytes of a partial line carried between chunks (empty when none). */
  carry: Buffer[];
  carryLen: number;
  /** The current partial line exceeded the limit: drop bytes until the next newline. */
  oversized: boolean;
  /** Any non-whitespace byte seen. */
  content: boolean;
}

export const newLineState = (): LineState => ({ row: 0, carry: [], carryLen: 0, oversized: false, content: false });

/** True when a partial record is pending (bytes after the last newline). */
export const hasPartial = (st: LineState): boolean => st.oversized || (st.carryLen > 0 && !isBlankParts(st.carry));

function isBlankParts(parts: Buffer[]): boolean {
  return parts.every((p) => isBlank(p, 0, p.length));
}

function emitLine(b: BatchBuilder, st: LineState, buf: Buffer, start: number, end: number): void {
  if (end > start && buf[end - 1] === 13) end--; // CRLF
  if (isBlankFast(buf, start, end)) return;
  st.content = true;
  b.addJsonBytes(buf, start, end, st.row++);
}

/** Blank check that exits at the first byte of a normal line ('{'). */
function isBlankFast(buf: Buffer, start: number, end: number): boolean {
  if (start >= end) return true;
  const c = buf[start]!;
  if (c !== 32 && c !== 9 && c !== 13) return false;
  return isBlank(buf, start, end);
}

function tooLarge(b: BatchBuilder, st: LineState, seen: number): void {
  st.content = true;
  const row = st.row++;
  b.skipRow(
    row,
    'record_too_large',
    `record is ${seen} bytes, over the ${b.o.maxRecordBytes}-byte limit (maxRecordBytes); skipped without reading it whole`,
  );
}

/**
 * Feed one chunk; yields a batch whenever the builder is full. `oversizeSeen` tracks the bytes of an oversized
 * line so its message can give the size.
 */
export function* feedLines(b: BatchBuilder, st: LineState & { oversizeSeen?: number }, buf: Buffer): Generator<ReadBatch> {
  const max = b.o.maxRecordBytes;
  const n = buf.length;
  let pos = 0;
  while (pos < n) {
    const nl = buf.indexOf(LF, pos);
    if (nl === -1) {
      // partial line: keep it (or keep skipping it)
      if (st.oversized) st.oversizeSeen = (st.oversizeSeen ?? 0) + (n - pos);
      else if (st.carryLen + (n - pos) > max) {
        st.oversized = true;
        st.oversizeSeen = st.carryLen + (n - pos);
        st.carry = [];
        st.carryLen = 0;
      } else {
        st.carry.push(buf.subarray(pos, n));
        st.carryLen += n - pos;
      }
      break;
    }
    if (st.oversized) {
      tooLarge(b, st, (st.oversizeSeen ?? 0) + (nl - pos));
      st.oversized = false;
      st.oversizeSeen = 0;
    } else if (st.carryLen > 0) {
      const lineLen = st.carryLen + (nl - pos);
      if (lineLen > max) tooLarge(b, st, lineLen);
      else {
        st.carry.push(buf.subarray(pos, nl));
        const line = Buffer.concat(st.carry, lineLen);
        emitLine(b, st, line, 0, line.length);
      }
      st.carry = [];
      st.carryLen = 0;
    } else if (nl - pos > max) {
      tooLarge(b, st, nl - pos);
    } else {
      emitLine(b, st, buf, pos, nl);
    }
    pos = nl + 1;
    if (b.full) yield b.take();
  }
}

/** End of input: the last line may lack its newline. */
export function finishLines(b: BatchBuilder, st: LineState & { oversizeSeen?: number }): void {
  if (st.oversized) {
    tooLarge(b, st, st.oversizeSeen ?? 0);
    st.oversized = false;
  } else if (st.carryLen > 0) {
    const line = Buffer.concat(st.carry, st.carryLen);
    st.carry = [];
    st.carryLen = 0;
    emitLine(b, st, line, 0, line.length);
  }
}
