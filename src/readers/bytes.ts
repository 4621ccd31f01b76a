/**
 * Sequential byte chunks of a ByteSource, raw or decompressed (gzip via node:zlib, zstd via zstd-napi),
 * with a running count of source bytes consumed for progress.
 */
import type { Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
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
  // gzip inflates on the libuv threadpool: the feeder below lets it run ahead (up to DECODED_AHEAD bytes of output)
  // while the main thread parses. zstd-napi decompresses synchronously in _transform.
  const dec: Transform = compression === 'gzip' ? createGunzip({ chunkSize: 256 * 1024 }) : new DecompressStream();
  const input = raw();
  async function* decoded(): AsyncGenerator<Buffer> {
    try {
      yield* drainThrough(input, dec);
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
      dec.destroy();
      void input.return(undefined);
    },
  };
}

/** Decoded bytes allowed to wait for the reader before the decompressor gets no more input. */
const DECODED_AHEAD = 8 * 1024 * 1024;
/**
 * Compressed bytes handed to the decompressor at a time. What one step adds to memory is bounded by this times the
 * compression ratio (at deflate's ~1000:1 limit, ~260 MB); each step is one round trip to zlib's thread pool, and 64 KB
 * steps made gzip reading 20% slower.
 */
const FEED_SLICE = 256 * 1024;

/**
 * The output of `dec` fed with `input`. Output is taken as it comes ('data' events) and handed out in order; input is
 * fed a slice at a time while less than DECODED_AHEAD bytes of output wait, so memory stays bounded. When the input
 * or the decompressor fails, everything decoded before the failure is handed out first, then the error is thrown.
 * (Iterating the stream itself drops the output it has buffered when it fails: the records of a cut gzip file before
 * the cut were lost, more of them the further the decompressor had run ahead of the reader.)
 */
async function* drainThrough(input: AsyncGenerator<Buffer>, dec: Transform): AsyncGenerator<Buffer> {
  // at most ~DECODED_AHEAD / chunk size (a few dozen) chunks wait, so shift() is cheap
  const queue: Buffer[] = [];
  let queued = 0;
  let failure: { error: unknown } | null = null;
  let ended = false;
  let stopped = false;
  let reader: (() => void) | null = null;
  let feeder: (() => void) | null = null;
  const wakeReader = () => {
    const w = reader;
    reader = null;
    w?.();
  };
  const wakeFeeder = () => {
    const w = feeder;
    feeder = null;
    w?.();
  };
  const fail = (error: unknown) => {
    failure ??= { error };
    wakeReader();
    wakeFeeder();
  };
  dec.on('data', (c: Buffer) => {
    queue.push(c);
    queued += c.length;
    wakeReader();
  });
  dec.on('end', () => {
    ended = true;
    wakeReader();
  });
  dec.on('error', fail);
  const feeding = (async () => {
    try {
      for await (const chunk of input) {
        for (let o = 0; o < chunk.length; o += FEED_SLICE) {
          while (queued >= DECODED_AHEAD && !failure && !stopped) await new Promise<void>((r) => (feeder = r));
          if (failure || stopped) return;
          // the callback runs once the slice is decompressed (its output emitted); a failure may never call it, so
          // fail() and the reader's finally wake the feeder too
          await new Promise<void>((r) => {
            feeder = r;
            dec.write(chunk.subarray(o, o + FEED_SLICE), () => {
              if (feeder === r) feeder = null;
              r();
            });
          });
        }
      }
      if (!failure && !stopped) dec.end();
    } catch (e) {
      fail(e);
    }
  })();
  try {
    for (;;) {
      const c = queue.shift();
      if (c) {
        queued -= c.length;
        if (queued < DECODED_AHEAD) wakeFeeder();
        yield c;
        continue;
      }
      if (failure) throw (failure as { error: unknown }).error;
      if (ended) return;
      await new Promise<void>((r) => (reader = r));
    }
  } finally {
    stopped = true;
    wakeFeeder();
    dec.destroy();
    await feeding;
    await input.return(undefined);
  }
}
