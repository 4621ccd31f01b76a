/**
 * A ByteSource wrapper that computes the SHA-256 of the whole source as a side effect of reading it, for the
 * audit trail (a compliance officer can check it with sha256sum). Sequential readers (JSONL, JSON) hash as they
 * go; when the reads did not cover the file in order (Parquet reads its footer first), digest() reads the rest.
 */
import { createHash } from 'node:crypto';
import type { ByteSource } from '../types.js';

export interface ChecksummedSource extends ByteSource {
  /** Hex SHA-256 of bytes [0, size); null when the source cannot be read. */
  digest(): Promise<string | null>;
}

const REST_CHUNK = 4 << 20;

export function checksummed(src: ByteSource): ChecksummedSource {
  const hash = createHash('sha256');
  let next = 0; // bytes [0, next) are in the hash
  let result: Promise<string | null> | undefined;
  return {
    name: src.name,
    size: () => src.size(),
    async read(start: number, end: number): Promise<Uint8Array> {
      const u = await src.read(start, end);
      if (start === next && u.length) {
        hash.update(u);
        next += u.length;
      }
      return u;
    },
    digest(): Promise<string | null> {
      return (result ??= finish());
    },
  };
  async function finish(): Promise<string | null> {
      try {
        const size = await src.size();
        while (next < size) {
          const u = await src.read(next, Math.min(size, next + REST_CHUNK));
          if (!u.length) return null;
          hash.update(u);
          next += u.length;
        }
        return hash.digest('hex');
      } catch {
        return null;
      }
  }
}
