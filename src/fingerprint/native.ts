/**
 * The optional native kernel (src/native/kernel.cc, built by `npm run build:native` from the install script): the
 * tokenizers, shingle, minhash and the registry key search (probe, postings), over a whole sample per call and
 * bit-for-bit the JS functions (test/native.test.ts).
 * When the addon is not built (no compiler at install) or CONTAMSCAN_NATIVE=0, the JS functions run: same results,
 * slower. `kernelName()` says which is in use (the benchmarks print it).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeKernel {
  init(textChar: Uint16Array, codeClass: Uint8Array, identPart: Uint8Array, codeChar: Uint8Array): void;
  /** Copies the sample's UTF-16 code units for the text()/code() calls that follow; returns its length. */
  load(text: string): number;
  /** Token count, or minus the count when the arrays are too short. info[0] = code characters seen. */
  text(seed1: number, seed2: number, h1: Int32Array, h2: Int32Array, start: Int32Array, end: Int32Array, info: Int32Array): number;
  code(
    seed1: number,
    seed2: number,
    kwSlots: Int32Array,
    kwZero: number,
    baker: Int32Array,
    h1: Int32Array,
    h2: Int32Array,
    start: Int32Array,
    end: Int32Array,
  ): number;
  shingle(t1: Int32Array, t2: Int32Array, nt: number, k: number, f1: Int32Array, f2: Int32Array): number;
  /** minhash() of minhash.ts over n shingles into out (length k). */
  minhash(f1: Int32Array, f2: Int32Array, n: number, k: number, seed: number, out: Uint32Array): void;
  /**
   * match.ts lookup's key search over a channel's n shingles: Bloom filter, then KeyTable16 bucket walk. Writes
   * (shingle index, first row, end row) per shingle found into out (3 n values) and returns how many; adds each
   * shingle's count at its sampling level to levels[0..7].
   */
  probe(
    f1: Int32Array,
    f2: Int32Array,
    n: number,
    bloom: Uint32Array,
    dir: Uint32Array,
    key: Uint32Array,
    mask: number,
    payload: readonly [Uint32Array, Uint32Array, Uint8Array],
    out: Int32Array,
    levels: Float64Array,
  ): number;
  /**
   * match.ts postings() for the nf triples probe() wrote: hits appended at counters[0], new (entry, channel) keys
   * appended to touched at counters[1], both counters advanced. hits and touched must have room for every row.
   */
  postings(
    found: Int32Array,
    nf: number,
    c: number,
    f2: Int32Array,
    payload: readonly [Uint32Array, Uint32Array, Uint8Array],
    dfWeight: Float32Array,
    levelW: Float64Array,
    hits: [Int32Array, Int32Array, Int32Array, Float32Array, Uint8Array],
    cnt: Int32Array,
    wsum: Float32Array,
    touched: Int32Array,
    counters: Int32Array,
  ): void;
  /** madvise(MADV_HUGEPAGE) over the 2 MiB-aligned interior of a typed array; returns the bytes advised (0: refused). */
  hugePages(view: Uint8Array): number;
}

const ADDON = join('src', 'native', 'build', 'Release', 'contamscan_kernel.node');

/** The addon's path from this module (dist/src/fingerprint or src/fingerprint), or null when it is not built. */
export function nativeKernelPath(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++) {
    const p = join(dir, ADDON);
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  return null;
}

let loaded: NativeKernel | null | undefined;
let loadError: string | null = null;

/**
 * The kernel, loaded once per thread, or null (not built, failed to load, or CONTAMSCAN_NATIVE=0). The caller
 * calls init() with its tables before use.
 */
export function loadNativeKernel(): NativeKernel | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.env.CONTAMSCAN_NATIVE === '0') return loaded;
  const p = nativeKernelPath();
  if (!p) return loaded;
  try {
    loaded = createRequire(import.meta.url)(p) as NativeKernel;
  } catch (e) {
    loadError = `${p}: ${(e as Error).message}`;
    loaded = null;
  }
  return loaded;
}

/** 'native' or 'js': which fingerprint kernel this thread uses (the same for every thread of a process). */
export function kernelName(): 'native' | 'js' {
  return loadNativeKernel() ? 'native' : 'js';
}

/** Why the addon exists but did not load (null when it loaded or is absent). */
export function nativeLoadError(): string | null {
  loadNativeKernel();
  return loadError;
}
