/**
 * A minimal Parquet writer for the benchmark only (no new dependency: hyparquet-writer is not installed).
 * Writes REQUIRED UTF8 string columns, PLAIN encoding, one v1 DATA_PAGE per column chunk, ZSTD pages via zstd-napi,
 * format version 1. Spec: apache/parquet-format parquet.thrift (FileMetaData, RowGroup, ColumnChunk,
 * ColumnMetaData, PageHeader, DataPageHeader, SchemaElement) and the Thrift compact protocol spec.
 * Required top-level columns have max definition and repetition level 0, so a page holds only the values.
 */
import { writeFileSync } from 'node:fs';
import { compress } from 'zstd-napi';

const T = { TRUE: 1, I32: 5, I64: 6, BINARY: 8, LIST: 9, STRUCT: 12 } as const;

/** Thrift compact protocol encoder (only what Parquet metadata needs). */
class Compact {
  private bytes: number[] = [];
  private last: number[] = [0];
  varint(n: number): void {
    // n is a non-negative integer < 2^53
    while (n >= 0x80) {
      this.bytes.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.bytes.push(n);
  }
  private zigzag(n: number): void {
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }
  private header(id: number, type: number): void {
    const delta = id - this.last[this.last.length - 1]!;
    if (delta > 0 && delta <= 15) this.bytes.push((delta << 4) | type);
    else {
      this.bytes.push(type);
      this.zigzag(id);
    }
    this.last[this.last.length - 1] = id;
  }
  i32(id: number, v: number): this {
    this.header(id, T.I32);
    this.zigzag(v);
    return this;
  }
  i64(id: number, v: number): this {
    this.header(id, T.I64);
    this.zigzag(v);
    return this;
  }
  string(id: number, s: string): this {
    this.header(id, T.BINARY);
    const b = Buffer.from(s, 'utf8');
    this.varint(b.length);
    for (const x of b) this.bytes.push(x);
    return this;
  }
  struct(id: number, body: (c: this) => void): this {
    this.header(id, T.STRUCT);
    this.structBody(body);
    return this;
  }
  private structBody(body: (c: this) => void): void {
    this.last.push(0);
    body(this);
    this.bytes.push(0); // stop
    this.last.pop();
  }
  private listHeader(id: number, elem: number, n: number): void {
    this.header(id, T.LIST);
    if (n < 15) this.bytes.push((n << 4) | elem);
    else {
      this.bytes.push(0xf0 | elem);
      this.varint(n);
    }
  }
  listStruct<X>(id: number, xs: X[], body: (c: this, x: X) => void): this {
    this.listHeader(id, T.STRUCT, xs.length);
    for (const x of xs) this.structBody((c) => body(c, x));
    return this;
  }
  listI32(id: number, xs: number[]): this {
    this.listHeader(id, T.I32, xs.length);
    for (const x of xs) this.zigzag(x);
    return this;
  }
  listString(id: number, xs: string[]): this {
    this.listHeader(id, T.BINARY, xs.length);
    for (const s of xs) {
      const b = Buffer.from(s, 'utf8');
      this.varint(b.length);
      for (const x of b) this.bytes.push(x);
    }
    return this;
  }
  buffer(): Buffer {
    return Buffer.from(this.bytes);
  }
  static struct(body: (c: Compact) => void): Buffer {
    const c = new Compact();
    c.last = [0];
    body(c);
    c.bytes.push(0);
    return c.buffer();
  }
}

const BYTE_ARRAY = 6;
const REQUIRED = 0;
const UTF8 = 0;
const PLAIN = 0;
const RLE = 3;
const ZSTD = 6;

function plainPage(values: string[]): Buffer {
  const bufs = values.map((v) => Buffer.from(v, 'utf8'));
  const out = Buffer.allocUnsafe(bufs.reduce((a, b) => a + 4 + b.length, 0));
  let o = 0;
  for (const b of bufs) {
    out.writeUInt32LE(b.length, o);
    b.copy(out, o + 4);
    o += 4 + b.length;
  }
  return out;
}

/** Writes string columns (all the same length) to path; returns the file size. */
export function writeParquet(path: string, columns: Record<string, string[]>, rowsPerGroup: number): number {
  const names = Object.keys(columns);
  const rows = columns[names[0]!]!.length;
  const parts: Buffer[] = [Buffer.from('PAR1')];
  let offset = 4;
  const groups: Array<{ rows: number; bytes: number; chunks: Array<{ name: string; offset: number; raw: number; comp: number }> }> = [];
  for (let start = 0; start < rows; start += rowsPerGroup) {
    const end = Math.min(rows, start + rowsPerGroup);
    const g = { rows: end - start, bytes: 0, chunks: [] as Array<{ name: string; offset: number; raw: number; comp: number }> };
    for (const name of names) {
      const raw = plainPage(columns[name]!.slice(start, end));
      const z = compress(raw, { compressionLevel: 3 });
      const header = Compact.struct((c) => {
        c.i32(1, 0) // DATA_PAGE
          .i32(2, raw.length)
          .i32(3, z.length)
          .struct(5, (d) => d.i32(1, end - start).i32(2, PLAIN).i32(3, RLE).i32(4, RLE));
      });
      g.chunks.push({ name, offset, raw: header.length + raw.length, comp: header.length + z.length });
      g.bytes += header.length + raw.length;
      parts.push(header, z);
      offset += header.length + z.length;
    }
    groups.push(g);
  }
  const footer = Compact.struct((c) => {
    c.i32(1, 1)
      .listStruct(2, [{ name: 'schema', root: true }, ...names.map((n) => ({ name: n, root: false }))], (s, e) => {
        if (e.root) s.string(4, e.name).i32(5, names.length);
        else s.i32(1, BYTE_ARRAY).i32(3, REQUIRED).string(4, e.name).i32(6, UTF8);
      })
      .i64(3, rows)
      .listStruct(4, groups, (rg, g) => {
        rg.listStruct(1, g.chunks, (cc, ch) => {
          cc.i64(2, ch.offset).struct(3, (md) => {
            md.i32(1, BYTE_ARRAY)
              .listI32(2, [PLAIN, RLE])
              .listString(3, [ch.name])
              .i32(4, ZSTD)
              .i64(5, g.rows)
              .i64(6, ch.raw)
              .i64(7, ch.comp)
              .i64(9, ch.offset);
          });
        })
          .i64(2, g.bytes)
          .i64(3, g.rows);
      })
      .string(6, 'contamscan bench parquet-writer');
  });
  const len = Buffer.alloc(4);
  len.writeUInt32LE(footer.length);
  parts.push(footer, len, Buffer.from('PAR1'));
  const file = Buffer.concat(parts);
  writeFileSync(path, file);
  return file.length;
}
