/**
 * Byte sources: the one interface readers use to get bytes ({@link ByteSource}: size + read(start, end)).
 * Local files here; buckets implement the same interface elsewhere.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { ByteSource } from '../types.js';

/**
 * A ByteSource over a local file. The file is opened lazily on the first call and kept open until
 * {@link LocalSource.close} (or process exit); size comes from fstat of that handle, so a file replaced while
 * it is being read keeps answering for the version that was opened.
 *
 * read(start, end) returns a fresh, exactly-sized buffer (its `.buffer` is not shared with other reads), so callers
 * may hand `.buffer` on without copying. `end` is clamped to the size; start >= end gives an empty array.
 */
export interface LocalSource extends ByteSource {
  close(): Promise<void>;
}

export function localSource(path: string): LocalSource {
  let handle: Promise<FileHandle> | undefined;
  let sizeP: Promise<number> | undefined;
  const fh = (): Promise<FileHandle> => (handle ??= open(path, 'r'));
  const size = (): Promise<number> => (sizeP ??= fh().then(async (h) => Number((await h.stat()).size)));
  return {
    name: path,
    size,
    async read(start: number, end: number): Promise<Uint8Array> {
      if (!Number.isInteger(start) || start < 0) throw new RangeError(`read(${start}, ${end}) on ${path}: start must be a non-negative integer`);
      const total = await size();
      const stop = Math.min(end, total);
      if (stop <= start) return new Uint8Array(0);
      const len = stop - start;
      // allocUnsafeSlow: not from the shared pool, so buf.buffer is exactly this read.
      const buf = Buffer.allocUnsafeSlow(len);
      const h = await fh();
      let got = 0;
      while (got < len) {
        const { bytesRead } = await h.read(buf, got, len - got, start + got);
        if (bytesRead === 0) break; // file shrank under us
        got += bytesRead;
      }
      return got === len ? buf : buf.subarray(0, got);
    },
    async close(): Promise<void> {
      const h = handle;
      handle = undefined;
      sizeP = undefined;
      if (h) await (await h).close();
    },
  };
}
