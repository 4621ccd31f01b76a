/**
 * Registry file format, version 1. All integers little-endian.
 *
 *   bytes 0..7    magic "CSREG\0\0\x01"
 *   bytes 8..11   u32 header length H (bytes of UTF-8 JSON)
 *   bytes 12..15  u32 format version (1)
 *   bytes 16..    header JSON (RegistryHeader), then zero padding to a multiple of 8
 *   data          sections, each starting at a multiple of 8 from the data start; `sections` in the header gives
 *                 name, element type, element offset and length. Typed arrays are stored as their raw bytes.
 *
 * Sections (names), in file order:
 * - loaded into shared memory (everything before ids.off):
 *   post.dir/key/entry/poschan/df (fingerprint postings: key u32 = lane 1's high 16 bits (its low bits implied by
 *   the bucket, see table.ts KeyTable16), then lane 2's low 16 bits ->
 *   entry, token position * 2 + channel, df = distinct entry texts holding the key (u8; weight 1/df); entry
 *   0xffffffff with df 0 marks a common fingerprint that carries no evidence); post.bloom (a blocked Bloom filter of
 *   the keys); lsh.dir/key/entry (band key's high 16 bits and band index -> entry); exact.dir/k1/k2/entry (64-bit xxh64 of the
 *   text -> entry); ent.tokens / ent.ctokens (tokens per channel); ent.wtext/wcode (f32: sum over the entry's
 *   indexed fingerprints of 1/df); ent.level (sampling level: text in bits 0-7, code in 8-15); ent.flags;
 *   ent.tagset; tok.off / ctok.off (where each entry's token hashes start, per channel);
 * - read from the file: ids.off/ids.blob (UTF-8 entry ids, read at load, decoded on demand); tok.h16 / ctok.h16 (15 bits of every
 *   token hash of every entry, per channel, bit 15 set when the token was copied from the entry's prompt; read per
 *   verified candidate for the in-order preserved-token ratio); text.off/text.blob (UTF-8 entry texts, read for
 *   evidence).
 * The content digest is xxh64 over every section's bytes in header order.
 */
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ContamscanError } from '../errors.js';

export const MAGIC = Uint8Array.from([0x43, 0x53, 0x52, 0x45, 0x47, 0, 0, 1]);
export const FORMAT_VERSION = 1;

export type DType = 'u32' | 'i32' | 'u16' | 'u8' | 'f32' | 'f64';
const BYTES: Record<DType, number> = { u32: 4, i32: 4, u16: 2, u8: 1, f32: 4, f64: 8 };

export interface SectionInfo {
  name: string;
  dtype: DType;
  /** Byte offset from the data start. */
  offset: number;
  /** Element count. */
  length: number;
}

export const ENTRY_FLAG = Object.freeze({ SHORT: 1, LOW_VARIETY: 2, COMMON: 4 });

/**
 * Weight of a fingerprint in df entries (post.df): 1/df as float32. The build sums entry totals from this table and
 * the scan weighs hits with it, so both sides use the same values.
 */
export const DF_WEIGHT = Float32Array.from({ length: 256 }, (_, df) => (df ? 1 / df : 0));
export const COMMON_ENTRY = 0xffffffff;
/** First section a scan does not load into shared memory (ids, token hashes and texts follow it on disk). */
export const SHARED_END = 'ids.off';

export interface RegistryHeader {
  format: 'contamscan-registry';
  version: number;
  tool_version: string;
  created_at: string;
  fingerprint_id: string;
  params: Record<string, number>;
  entries: number;
  /** Entries kept but marked as not attributable on their own, by reason. */
  low_evidence: { short: number; low_variety: number; mostly_common: number };
  /** "key=value" -> number of entries carrying it. */
  tag_counts: Record<string, number>;
  /** Dictionary of "key=value" strings; tag sets index into it. */
  tags: string[];
  tag_sets: number[][];
  fingerprints: { postings: number; common: number; lsh: number };
  sources: { files: number; records: number; skipped: number };
  /** Background files and entry prompts whose fingerprints carry no evidence. */
  background: { files: number; prompts: number; fingerprints: number };
  digest: string;
  sections: SectionInfo[];
}

export type TypedArray = Uint32Array | Int32Array | Uint16Array | Uint8Array | Float32Array | Float64Array;

export function dtypeOf(a: TypedArray): DType {
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint16Array) return 'u16';
  if (a instanceof Uint8Array) return 'u8';
  if (a instanceof Float32Array) return 'f32';
  return 'f64';
}

const align8 = (n: number) => (n + 7) & ~7;

/** Lays out sections in order; returns infos with offsets and the total data size. */
export function layoutSections(sections: Array<[string, TypedArray]>): { infos: SectionInfo[]; size: number } {
  let off = 0;
  const infos: SectionInfo[] = [];
  for (const [name, arr] of sections) {
    off = align8(off);
    infos.push({ name, dtype: dtypeOf(arr), offset: off, length: arr.length });
    off += arr.byteLength;
  }
  return { infos, size: align8(off) };
}

export function bytesOf(a: TypedArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export async function writeRegistryFile(path: string, header: RegistryHeader, sections: Array<[string, TypedArray]>): Promise<void> {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const pre = Buffer.alloc(align8(16 + json.length));
  pre.set(MAGIC, 0);
  pre.writeUInt32LE(json.length, 8);
  pre.writeUInt32LE(FORMAT_VERSION, 12);
  json.copy(pre, 16);
  await mkdir(dirname(path), { recursive: true });
  const fh = await open(path, 'w');
  try {
    await fh.write(pre, 0, pre.length, 0);
    const base = pre.length;
    for (let i = 0; i < sections.length; i++) {
      const b = bytesOf(sections[i][1]);
      if (b.length) await fh.write(b, 0, b.length, base + header.sections[i].offset);
    }
  } finally {
    await fh.close();
  }
}

export interface RawRegistry {
  header: RegistryHeader;
  /** File offset of the data start. */
  dataStart: number;
}

/** Reads and validates the preamble and header; errors name the file and what is wrong. */
export async function readRegistryHeader(path: string): Promise<RawRegistry> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new ContamscanError('E_INPUT_MISSING', `registry file ${path} cannot be opened: ${(e as Error).message}`, { file: path });
  }
  try {
    const { size } = await fh.stat();
    const pre = Buffer.alloc(16);
    const { bytesRead } = await fh.read(pre, 0, 16, 0);
    if (bytesRead < 16 || !MAGIC.slice(0, 5).every((b, i) => pre[i] === b))
      throw new ContamscanError('E_REGISTRY_FORMAT', `${path} is not a contamscan registry (bad magic bytes)`, { file: path });
    const version = pre.readUInt32LE(12);
    if (version !== FORMAT_VERSION)
      throw new ContamscanError('E_REGISTRY_FORMAT', `${path} has registry format version ${version}; this tool reads version ${FORMAT_VERSION}`, {
        file: path,
        version,
      });
    const hlen = pre.readUInt32LE(8);
    if (16 + hlen > size)
      throw new ContamscanError('E_REGISTRY_FORMAT', `${path}: header length ${hlen} exceeds file size ${size}`, { file: path });
    const hb = Buffer.alloc(hlen);
    await fh.read(hb, 0, hlen, 16);
    let header: RegistryHeader;
    try {
      header = JSON.parse(hb.toString('utf8')) as RegistryHeader;
    } catch (e) {
      throw new ContamscanError('E_REGISTRY_FORMAT', `${path}: header is not valid JSON (${(e as Error).message})`, { file: path });
    }
    const dataStart = align8(16 + hlen);
    const last = header.sections[header.sections.length - 1];
    const need = last ? dataStart + last.offset + last.length * BYTES[last.dtype] : dataStart;
    if (need > size)
      throw new ContamscanError('E_REGISTRY_FORMAT', `${path} is truncated: sections end at byte ${need}, file has ${size}`, {
        file: path,
        expected: need,
        size,
      });
    return { header, dataStart };
  } finally {
    await fh.close();
  }
}

/** A view of a section's elements over a buffer holding the data part starting at byte `base`. */
export function sectionView(buf: ArrayBufferLike, base: number, s: SectionInfo): TypedArray {
  const off = base + s.offset;
  switch (s.dtype) {
    case 'u32':
      return new Uint32Array(buf, off, s.length);
    case 'i32':
      return new Int32Array(buf, off, s.length);
    case 'u16':
      return new Uint16Array(buf, off, s.length);
    case 'u8':
      return new Uint8Array(buf, off, s.length);
    case 'f32':
      return new Float32Array(buf, off, s.length);
    case 'f64':
      return new Float64Array(buf, off, s.length);
  }
}

export function sectionByteLength(s: SectionInfo): number {
  return s.length * BYTES[s.dtype];
}

export interface RegistrySize {
  /** Bytes of the file (preamble, header, every section). */
  file_bytes: number;
  /** Bytes a scan loads into shared memory: the sections before the ids (texts and token hashes stay on disk). */
  memory_bytes: number;
  per_entry: { file: number; memory: number };
}

/** What a registry costs on disk and in a scan's memory, from its header. */
export function registrySize(header: RegistryHeader, dataStart: number): RegistrySize {
  const last = header.sections[header.sections.length - 1];
  const file = dataStart + (last ? last.offset + sectionByteLength(last) : 0);
  const ids = header.sections.find((s) => s.name === SHARED_END);
  const memory = ids ? ids.offset : file - dataStart;
  const per = (b: number) => (header.entries ? Math.round(b / header.entries) : 0);
  return { file_bytes: file, memory_bytes: memory, per_entry: { file: per(file), memory: per(memory) } };
}

