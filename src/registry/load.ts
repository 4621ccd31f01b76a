/**
 * Loading a registry: the index sections are read once into one SharedArrayBuffer that every worker views
 * (workers get the buffer, not a copy); ids are decoded on the main thread when asked for. Two parts stay on disk: the entries'
 * token hashes, read for each candidate that reaches verification (through one file descriptor that every thread
 * of the process uses: the OS page cache is the shared copy), and the entry texts, read for evidence.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { assertSameFingerprint, type Config } from '../config/index.js';
import { ContamscanError, usageError } from '../errors.js';
import { loadNativeKernel } from '../fingerprint/native.js';
import { initXXHash, xx } from './digest.js';
import { readRegistryHeader, SHARED_END, sectionByteLength, sectionView, type RegistryHeader, type SectionInfo } from './format.js';
import type { KeyTable, KeyTable16 } from './table.js';

export interface RegistryShared {
  header: RegistryHeader;
  /** Sections from the data start up to (excluding) the ids, in place. */
  buffer: SharedArrayBuffer;
  /** The registry file for on-disk sections: fd open for the load's lifetime (fds are per process, so workers use it too). */
  file: { path: string; fd: number; dataStart: number };
  /**
   * The longest entry text in UTF-8 bytes. A sample whose trimmed text has more UTF-16 units cannot be an exact copy
   * (a unit takes at least one byte), so the matcher skips its exact-text hash (~2% of a worker's time on the bench's
   * 12 KB documents).
   */
  maxTextBytes: number;
}

/** Token hashes of one channel: entry e has off[e + 1] - off[e] of them; `of(e)` reads them from the file. */
export interface TokenStore {
  off: Float64Array;
  /** Low 15 bits of each token hash, bit 15 = copied from the entry's prompt. Valid until the next call. */
  of(e: number): Uint16Array;
}

export interface RegistryViews {
  /** df: distinct entry texts holding the row's key (0 on a common key's sentinel row); weight = DF_WEIGHT[df]. */
  post: { t: KeyTable16; entry: Uint32Array; poschan: Uint32Array; df: Uint8Array; bloom: Uint32Array };
  lsh: { t: KeyTable16; entry: Uint32Array };
  exact: { t: KeyTable; entry: Uint32Array };
  tokens: Uint32Array;
  /** Code-channel tokens (0 when the entry is not code-like). */
  ctokens: Uint32Array;
  /** Sum of 1/df over the entry's indexed fingerprints, per channel. */
  wtext: Float32Array;
  wcode: Float32Array;
  /** Sampling level: text channel in bits 0-7, code channel in bits 8-15. */
  level: Uint32Array;
  flags: Uint32Array;
  tagset: Uint32Array;
  /** Token hashes per channel (text, code), read from the file per verified candidate. */
  tok: [TokenStore, TokenStore];
  /** RegistryShared.maxTextBytes. */
  maxTextBytes: number;
}

export interface LoadedRegistry {
  path: string;
  header: RegistryHeader;
  shared: RegistryShared;
  views: RegistryViews;
  /** Entry e's id, decoded when asked for (a scan decodes only the ids it reports). */
  idOf(entry: number): string;
  /** Every id, in entry order (decodes all of them on first access). */
  readonly ids: string[];
  tagsOf(entry: number): Record<string, string>;
  /** The entry's text, read from the file. */
  textOf(entry: number): Promise<string>;
  /** The texts of many entries, in the order given, through one open file handle. */
  textsOf(entries: Iterable<number>): AsyncGenerator<[number, string]>;
  /** Closes the file descriptor that token hashes and texts are read through (after the last match and text). */
  close(): void;
}

function section(h: RegistryHeader, name: string): SectionInfo {
  const s = h.sections.find((x) => x.name === name);
  if (!s)
    throw new ContamscanError(
      'E_REGISTRY_FORMAT',
      `registry has no section "${name}": it was written by another build of contamscan (tool ${h.tool_version}); rebuild it with this one`,
      { section: name },
    );
  return s;
}

/** Typed-array views over a shared registry buffer (main thread and workers alike). */
export function attachRegistry(shared: RegistryShared): RegistryViews {
  const h = shared.header;
  const v = (name: string) => sectionView(shared.buffer, 0, section(h, name));
  const table = (p: string): KeyTable => {
    const dir = v(`${p}.dir`) as Uint32Array;
    return { mask: dir.length - 2, dir, k1: v(`${p}.k1`) as Int32Array, k2: v(`${p}.k2`) as Int32Array };
  };
  const table16 = (p: string): KeyTable16 => {
    const dir = v(`${p}.dir`) as Uint32Array;
    return { mask: dir.length - 2, dir, key: v(`${p}.key`) as Uint32Array };
  };
  return {
    post: { t: table16('post'), entry: v('post.entry') as Uint32Array, poschan: v('post.poschan') as Uint32Array, df: v('post.df') as Uint8Array, bloom: v('post.bloom') as Uint32Array },
    lsh: { t: table16('lsh'), entry: v('lsh.entry') as Uint32Array },
    exact: { t: table('exact'), entry: v('exact.entry') as Uint32Array },
    tokens: v('ent.tokens') as Uint32Array,
    ctokens: v('ent.ctokens') as Uint32Array,
    wtext: v('ent.wtext') as Float32Array,
    wcode: v('ent.wcode') as Float32Array,
    level: v('ent.level') as Uint32Array,
    flags: v('ent.flags') as Uint32Array,
    tagset: v('ent.tagset') as Uint32Array,
    tok: [tokenStore(shared, v('tok.off') as Float64Array, section(h, 'tok.h16')), tokenStore(shared, v('ctok.off') as Float64Array, section(h, 'ctok.h16'))],
    maxTextBytes: shared.maxTextBytes,
  };
}

/** Reads an entry's token hashes with one pread into a per-thread buffer (one call per verified candidate). */
function tokenStore(shared: RegistryShared, off: Float64Array, s: SectionInfo): TokenStore {
  const { fd, dataStart, path } = shared.file;
  const base = dataStart + s.offset;
  let buf = new Uint16Array(1024);
  let bytes = new Uint8Array(buf.buffer);
  return {
    off,
    of(e: number): Uint16Array {
      const from = off[e];
      const n = off[e + 1] - from;
      if (buf.length < n) {
        buf = new Uint16Array(Math.max(n, 2 * buf.length));
        bytes = new Uint8Array(buf.buffer);
      }
      for (let got = 0; got < 2 * n; ) {
        const r = readSync(fd, bytes, got, 2 * n - got, base + 2 * from + got);
        if (r === 0)
          throw new ContamscanError('E_REGISTRY_FORMAT', `registry ${path} ended at byte ${base + 2 * from + got} while reading entry ${e}'s tokens: was it rewritten during the scan?`, {
            file: path,
          });
        got += r;
      }
      return buf.subarray(0, n);
    },
  };
}

export interface LoadOptions {
  /**
   * Ask for transparent huge pages for the index (native kernel only; CONTAMSCAN_HUGEPAGES=0 never does): faster
   * random access into a large index, but the OS may first compact memory (1.2-1.7 s measured for the 1M-entry
   * index). Default false.
   */
  hugePages?: boolean;
  /** Bytes per read of the index (default 16 MiB). */
  chunkBytes?: number;
  /** Reads of the index in flight at once (default 4, the threads of libuv's pool). */
  reads?: number;
}

/**
 * Loading the 100k-entry bench registry (145 MB index) from the page cache: 140 ms with one read at a time, 85 ms with
 * 4; the 1M-entry one (946 MB) 704 -> 437 ms (`npm run bench:load`, bench/README.md "Workers start while the index
 * is read").
 */
const FILL_READS = 4;
const FILL_CHUNK = 16 << 20;

/** A registry whose index is being read into its shared buffer: `loaded` settles when it is all there. */
export interface OpeningRegistry {
  registry: LoadedRegistry;
  /**
   * Resolves when the shared buffer holds the whole index; rejects with E_REGISTRY_FORMAT when the file ends early.
   * Before, only the header, `idOf`/`ids` and the entry texts are usable: `views` and `tagsOf` read the index, and so
   * does matching (creating workers that attach to the buffer is fine: attaching reads no data).
   */
  loaded: Promise<void>;
}

/** Loads the index for scanning with `config`; a registry built with other fingerprint parameters is an error. */
export async function loadRegistry(path: string, config?: Config, options: LoadOptions = {}): Promise<LoadedRegistry> {
  const { registry, loaded } = await openRegistry(path, config, options);
  try {
    await loaded;
  } catch (e) {
    registry.close();
    throw e;
  }
  return registry;
}

/**
 * loadRegistry in two steps, so that a scan can start its workers while the index is read: returns once the header,
 * ids and text offsets are read and the shared buffer is allocated; `loaded` says when the index is in it.
 */
export async function openRegistry(path: string, config?: Config, options: LoadOptions = {}): Promise<OpeningRegistry> {
  const { header, dataStart } = await readRegistryHeader(path);
  if (config) assertSameFingerprint(config, header.params, path);
  const chunk = options.chunkBytes ?? FILL_CHUNK;
  const reads = options.reads ?? FILL_READS;
  for (const [field, v] of [['chunkBytes', chunk], ['reads', reads]] as const)
    if (!(Number.isInteger(v) && v > 0 && v <= 0x7fffffff)) throw usageError(`${field} must be an integer in [1, 2^31 - 1], got ${v}`, { field });
  const idsOff = section(header, SHARED_END);
  const textOffInfo = section(header, 'text.off');
  const fh = await open(path, 'r');
  let idBlob: Buffer;
  let idOffs: Float64Array;
  let buffer: SharedArrayBuffer;
  let maxTextBytes = 0;
  let shared: RegistryShared;
  let views: RegistryViews;
  let textBlobInfo: SectionInfo;
  let tagCache: Array<Readonly<Record<string, string>>>;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    await fh.close();
    throw e;
  }
  try {
    const blobInfo = section(header, 'ids.blob');
    const offBuf = Buffer.alloc(sectionByteLength(idsOff));
    await fh.read(offBuf, 0, offBuf.length, dataStart + idsOff.offset);
    idOffs = new Float64Array(offBuf.buffer, offBuf.byteOffset, idsOff.length);
    idBlob = Buffer.alloc(sectionByteLength(blobInfo));
    await fh.read(idBlob, 0, idBlob.length, dataStart + blobInfo.offset);
    const tb = Buffer.alloc(sectionByteLength(textOffInfo));
    await fh.read(tb, 0, tb.length, dataStart + textOffInfo.offset);
    const to = new Float64Array(tb.buffer, tb.byteOffset, textOffInfo.length);
    for (let e = 0; e + 1 < to.length; e++) maxTextBytes = Math.max(maxTextBytes, to[e + 1] - to[e]);
    buffer = new SharedArrayBuffer(idsOff.offset);
    // Transparent huge pages for the index (advice, before its pages are touched): every Bloom probe and key search
    // is a random access into hundreds of MB, a TLB miss per access with 4 KiB pages. Native kernel only.
    if (options.hugePages && process.env.CONTAMSCAN_HUGEPAGES !== '0') loadNativeKernel()?.hugePages(new Uint8Array(buffer));
    shared = { header, buffer, file: { path, fd, dataStart }, maxTextBytes };
    views = attachRegistry(shared); // views only: the index is read below
    textBlobInfo = section(header, 'text.blob');
    tagCache = header.tag_sets.map((set) => {
      const o: Record<string, string> = {};
      for (const t of set) {
        const p = header.tags[t];
        if (typeof p !== 'string')
          throw new ContamscanError('E_REGISTRY_FORMAT', `${path}: a tag set names tag ${t}, which the header does not hold; rebuild the registry`, { file: path });
        const eq = p.indexOf('=');
        o[p.slice(0, eq)] = p.slice(eq + 1);
      }
      return Object.freeze(o);
    });
  } catch (e) {
    closeSync(fd);
    await fh.close();
    throw e;
  }
  const loaded = fillShared(fh, path, dataStart, new Uint8Array(buffer), chunk, reads);
  loaded.catch(() => undefined); // a caller that stops before awaiting it leaves no unhandled rejection
  let closed = false;
  const checkEntry = (e: number): void => {
    if (!(Number.isInteger(e) && e >= 0 && e < header.entries)) throw new RangeError(`entry ${e} out of range [0, ${header.entries})`);
  };
  // Synchronous reads through the registry's fd: two small preads per entry from the page cache cost ~5 us each,
  // against ~40 us through the libuv pool; this runs after the scan (entries.jsonl) or for a handful of entries.
  async function* readTexts(entries: Iterable<number>): AsyncGenerator<[number, string]> {
    const ob = Buffer.alloc(16);
    for (const e of entries) {
      checkEntry(e);
      if (closed) throw new ContamscanError('E_INTERNAL', `registry ${path} was closed before its entry texts were read`, { file: path });
      readSync(fd, ob, 0, 16, dataStart + textOffInfo.offset + e * 8);
      const a = ob.readDoubleLE(0);
      const b = ob.readDoubleLE(8);
      const tb = Buffer.alloc(b - a);
      readSync(fd, tb, 0, tb.length, dataStart + textBlobInfo.offset + a);
      yield [e, tb.toString('utf8')];
    }
  }
  // Ids are decoded when asked for: decoding 1M of them at load took ~0.45 s; a scan reports a few thousand.
  const decodeId = (e: number): string => idBlob.toString('utf8', idOffs[e], idOffs[e + 1]);
  let allIds: string[] | null = null;
  const registry: LoadedRegistry = {
    path,
    header,
    shared,
    views,
    idOf: (e) => {
      checkEntry(e);
      return decodeId(e);
    },
    get ids() {
      if (!allIds) allIds = Array.from({ length: header.entries }, (_, e) => decodeId(e));
      return allIds;
    },
    tagsOf: (e) => tagCache[views.tagset[e]],
    textOf: async (e) => {
      for await (const [, text] of readTexts([e])) return text;
      throw new RangeError(`entry ${e} not found`);
    },
    textsOf: readTexts,
    close: () => {
      if (!closed) closeSync(fd);
      closed = true;
    },
  };
  return { registry, loaded };
}

/**
 * Reads the index into the shared buffer (exported for tests), `reads` reads of `chunk` bytes in flight. The first failure stops every
 * reader; fh is closed once none is reading, then the failure is thrown.
 */
export async function fillShared(fh: FileHandle, path: string, dataStart: number, view: Uint8Array, chunk: number, reads: number): Promise<void> {
  let next = 0;
  let failed = false;
  let failure: unknown;
  const reader = async (): Promise<void> => {
    try {
      while (!failed && next < view.length) {
        let off = next;
        const end = Math.min(view.length, off + chunk);
        next = end;
        while (!failed && off < end) {
          const { bytesRead } = await fh.read(view, off, end - off, dataStart + off);
          if (bytesRead === 0) {
            const size = (await fh.stat()).size;
            throw new ContamscanError('E_REGISTRY_FORMAT', `${path} is truncated: it ends at byte ${size}, its index at byte ${dataStart + view.length}`, { file: path });
          }
          off += bytesRead;
        }
      }
    } catch (e) {
      if (!failed) failure = e;
      failed = true;
    }
  };
  await Promise.all(Array.from({ length: reads }, reader));
  await fh.close();
  if (failed) throw failure;
}

/** Recomputes the content digest; returns it with whether it equals the header's. */
export async function verifyRegistry(path: string): Promise<{ digest: string; ok: boolean }> {
  const { header, dataStart } = await readRegistryHeader(path);
  await initXXHash();
  const hasher = xx().create64(BigInt(header.params.seed));
  const fh = await open(path, 'r');
  try {
    for (const s of header.sections) {
      const len = sectionByteLength(s);
      for (let off = 0; off < len; ) {
        const n = Math.min(1 << 24, len - off);
        const b = Buffer.alloc(n);
        await fh.read(b, 0, n, dataStart + s.offset + off);
        hasher.update(b);
        off += n;
      }
    }
  } finally {
    await fh.close();
  }
  const digest = hasher.digest().toString(16).padStart(16, '0');
  return { digest, ok: digest === header.digest };
}
