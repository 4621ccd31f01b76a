/**
 * Parquet via hyparquet: footer metadata first, then one row group at a time, reading only the top-level
 * columns the text/id/tag paths need. Codecs from hyparquet-compressors, with zstd-napi for ZSTD (native, faster
 * than fzstd). Nested columns come back as arrays/objects, so dot paths such as `turns.0` work unchanged.
 */
import { parquetMetadataAsync, parquetReadObjects, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { compressors as baseCompressors } from 'hyparquet-compressors';
import { gunzipSync } from 'node:zlib';
import { Decompressor } from 'zstd-napi';
import type { ByteSource } from '../types.js';
import { topLevelKey } from './fields.js';
import type { BatchBuilder, ReadBatch } from './records.js';

let zstd: Decompressor | undefined;
/** hyparquet codecs with native zstd (zstd-napi) and gzip (node:zlib): both several times faster than the JS ones. */
export const parquetCompressors = {
  ...baseCompressors,
  GZIP: (input: Uint8Array, _outputLength: number): Uint8Array => gunzipSync(input),
  ZSTD: (input: Uint8Array, _outputLength: number): Uint8Array => (zstd ??= new Decompressor()).decompress(input),
};

function toArrayBuffer(u: Uint8Array): ArrayBuffer {
  if (u.byteOffset === 0 && u.byteLength === u.buffer.byteLength && u.buffer instanceof ArrayBuffer) return u.buffer;
  return u.slice().buffer as ArrayBuffer;
}

/** An hyparquet AsyncBuffer over a ByteSource, counting the bytes fetched. */
export function asyncBufferOf(source: ByteSource, size: number): AsyncBuffer & { fetched: number } {
  const ab = {
    byteLength: size,
    fetched: 0,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const u = await source.read(start, end ?? size);
      ab.fetched += u.byteLength;
      return toArrayBuffer(u);
    },
  };
  return ab;
}

const MAGIC = 0x31524150; // "PAR1" little-endian

async function diagnose(source: ByteSource, size: number): Promise<{ truncated: boolean; what: string }> {
  try {
    const head = await source.read(0, 4);
    const tail = await source.read(Math.max(0, size - 4), size);
    const le = (u: Uint8Array) => (u.length === 4 ? new DataView(u.buffer, u.byteOffset, 4).getUint32(0, true) : -1);
    const headOk = le(head) === MAGIC;
    const tailOk = le(tail) === MAGIC;
    if (headOk && !tailOk) return { truncated: true, what: 'starts with the PAR1 magic but has no footer (file truncated?)' };
    if (!headOk) return { truncated: false, what: 'does not start with the PAR1 magic (not a Parquet file?)' };
    return { truncated: false, what: 'has an unreadable footer' };
  } catch {
    return { truncated: false, what: 'could not be read' };
  }
}

export async function* readParquet(source: ByteSource, size: number, b: BatchBuilder): AsyncGenerator<ReadBatch> {
  const file = b.file;
  const buf = asyncBufferOf(source, size);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(buf);
  } catch (e) {
    const d = await diagnose(source, size);
    b.skip(0, d.truncated ? 'truncated_input' : 'corrupt_file',
      `${file}: Parquet file ${d.what}: ${(e as Error).message}; no rows read (row count unknown)`, undefined, 0);
    b.bytesRead = buf.fetched;
    yield b.take();
    return;
  }
  const total = Number(metadata.num_rows);
  const names = new Set(parquetSchema(metadata).children.map((c) => c.element.name));
  const textCols = b.o.textFields.map(topLevelKey).filter((n) => names.has(n));
  if (total === 0) {
    b.skip(0, 'empty_file', `${file}: Parquet file has 0 rows`, undefined, 0);
    b.bytesRead = buf.fetched;
    yield b.take();
    return;
  }
  if (textCols.length === 0) {
    // one entry for the whole file instead of one per row
    b.skip(0, 'missing_text',
      `${file}: no text column: none of ${b.o.textFields.map((f) => `'${topLevelKey(f)}'`).join(', ')} is a column of this file ` +
        `(columns: ${[...names].join(', ')}); all ${total} rows skipped`,
      b.o.textFields.join('|'), total);
    b.bytesRead = size;
    yield b.take();
    return;
  }
  const wanted = new Set<string>(textCols);
  const idCol = topLevelKey(b.o.idField);
  if (names.has(idCol)) wanted.add(idCol);
  for (const [, p] of b.o.tagEntries) if (names.has(topLevelKey(p))) wanted.add(topLevelKey(p));
  for (const p of b.o.promptFields) if (names.has(topLevelKey(p))) wanted.add(topLevelKey(p));
  const columns = [...wanted];

  let rowStart = 0;
  for (let g = 0; g < metadata.row_groups.length; g++) {
    const rows = Number(metadata.row_groups[g]!.num_rows);
    const rowEnd = rowStart + rows;
    let objects: Record<string, unknown>[];
    try {
      objects = await parquetReadObjects({ file: buf, metadata, columns, rowStart, rowEnd, compressors: parquetCompressors });
      if (objects.length !== rows) throw new Error(`row group ${g} decoded ${objects.length} rows, metadata says ${rows}`);
    } catch (e) {
      const lost = total - rowStart;
      b.skip(rowStart, 'corrupt_file',
        `${file}: Parquet row group ${g} of ${metadata.row_groups.length} (rows ${rowStart}-${rowEnd - 1}) could not be read: ` +
          `${(e as Error).message}; ${lost} rows from row ${rowStart} on not read`,
        undefined, lost);
      b.bytesRead = buf.fetched;
      yield b.take();
      return;
    }
    b.bytesRead = buf.fetched;
    for (let k = 0; k < objects.length; k++) {
      b.addValue(objects[k], rowStart + k);
      if (b.full) yield b.take();
    }
    objects = [];
    rowStart = rowEnd;
  }
  if (b.pending) yield b.take();
}
