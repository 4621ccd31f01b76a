/** xxh64 digests via xxhash-wasm: whole texts (exact matches) and the registry's content digest. */
import xxhash from 'xxhash-wasm';

type XX = Awaited<ReturnType<typeof xxhash>>;
let instance: XX | null = null;

export async function initXXHash(): Promise<XX> {
  if (!instance) instance = await xxhash();
  return instance;
}

/** Synchronous access once initXXHash() has resolved. */
export function xx(): XX {
  if (!instance) throw new Error('xxhash-wasm used before initXXHash()');
  return instance;
}

/** Text normalization for `exact`: the text without leading/trailing whitespace. */
export function exactKey(text: string, seed: number): [number, number] {
  const h = xx().h64(text.trim(), BigInt(seed));
  return [Number(h & 0xffffffffn) | 0, Number(h >> 32n) | 0];
}
