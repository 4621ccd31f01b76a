/**
 * Sequential byte chunks of a ByteSource, raw or decompressed (gzip via node:zlib, zstd via zstd-napi),
 * with a running count of source bytes consumed for progress.
 */
import { Readable, pipeline } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { DecompressStream } from 'zstd-napi';
import type { Compression } from '../io/inputs.js';
import type { ByteSource } from '../types.js';

export const READ_CHUNK = 1 << 20;

export interface ChunkStream {
  chunks: AsyncIterable<Buffer>;
  /** Source (compressed) bytes consumed so far. */
  consumed(): number;
  /** Stop early and release the decompressor. */
  close(): void;
}

const asBuffer = (u: Uint8Array): Buffer =>
  Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** A decompression failure, classified: truncated input vs corrupt data. */
export class DecodeFailure extends Error {
  constructor(
    readonly truncated: boolean,
    message: string,
  ) {
    super(message);
  }
}

/** The byte source itself failed (I/O error, network), as opposed to its content being bad. */
export class ReadFailure extends Error {}

export function openChunks(source: ByteSource, size: number, compression: Compression, chunkSize = READ_CHUNK): ChunkStream {
  let consumed = 0;
  async function* raw(): AsyncGenerator<Buffer> {
    for (let pos = 0; pos < size; ) {
      let u: Uint8Array;
      try {
        u = await source.read(pos, Math.min(size, pos + chunkSize));
      } catch (e) {
        throw new ReadFailure(`read of bytes ${pos}-${Math.min(size, pos + chunkSize)} failed: ${(e as Error).message ?? e}`, { cause: e });
      }
      if (u.length === 0) break;
      pos += u.length;
      consumed = pos;
      yield asBuffer(u);
    }
  }
  if (compression === 'none') {
    const it = raw();
    return { chunks: it, consumed: () => consumed, close: () => void it.return(undefined) };
  }
  // gzip inflates on the libuv threadpool: a deep output buffer lets it run ahead while the main thread parses.
  // zstd-napi decompresses synchronously in _transform, so there is nothing to overlap there.
  const dec =
    compression === 'gzip'
      ? createGunzip({ chunkSize: 256 * 1024, readableHighWaterMark: 8 * 1024 * 1024 } as ZlibOptions)
      : new DecompressStream();
  const input = Readable.from(raw(), { objectMode: false, highWaterMark: 2 });
  const out = pipeline(input, dec, () => {
    /* errors surface through iteration of `out` */
  });
  async function* decoded(): AsyncGenerator<Buffer> {
    try {
      for await (const c of out) yield c as Buffer;
    } catch (e) {
      if (e instanceof ReadFailure) throw e;
      const msg = (e as Error).message ?? String(e);
      const truncated =
        compression === 'gzip'
          ? (e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' || /unexpected end/i.test(msg)
          : /ended in (the )?middle|premature|truncat/i.test(msg);
      throw new DecodeFailure(truncated, `${compression} decompression failed: ${msg}`);
    }
  }
  return {
    chunks: decoded(),
    consumed: () => consumed,
    close: () => {
      input.destroy();
      dec.destroy();
    },
  };
}
