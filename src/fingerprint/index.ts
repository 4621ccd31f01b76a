/**
 * One call fingerprints one text on both channels, in buffers reused across calls (no per-token allocation).
 */
import type { Config } from '../config/index.js';
import { laneSeeds } from './hash.js';
import { minhash } from './minhash.js';
import { newShingleBuffer, shingle, shingleNative, type ShingleBuffer } from './shingle.js';
import {
  codeCharCount,
  nativeTokenizer,
  newTokenBuffer,
  tokenizeCode,
  tokenizeCodeNative,
  tokenizeText,
  tokenizeTextNative,
  type TokenBuffer,
} from './tokenize.js';

export const CHANNEL_TEXT = 0;
export const CHANNEL_CODE = 1;

export interface ChannelFingerprints {
  channel: number;
  k: number;
  tokens: TokenBuffer;
  shingles: ShingleBuffer;
}

export interface Fingerprints {
  text: ChannelFingerprints;
  /** Null when the text does not look like code (see codeGate). */
  code: ChannelFingerprints | null;
  /** MinHash signature over the text channel's shingles. */
  sig: Uint32Array;
}

/** The code channel is computed when a text has at least this many code characters, at this density. */
export const CODE_GATE = Object.freeze({ minChars: 12, minDensity: 0.008 });

export function looksLikeCode(text: string, codeChars = codeCharCount(text)): boolean {
  return codeChars >= CODE_GATE.minChars && codeChars >= text.length * CODE_GATE.minDensity;
}

function newChannel(channel: number, k: number): ChannelFingerprints {
  return { channel, k, tokens: newTokenBuffer(), shingles: newShingleBuffer() };
}

/**
 * Sampling step of a registry entry with n shingles: the largest power of two <= maxMod that still leaves
 * about minFingerprints indexed shingles (short entries index every shingle). Returns log2 of the step.
 */
export function densityLevel(n: number, maxMod: number, minFingerprints: number): number {
  let lvl = 0;
  while (1 << (lvl + 1) <= maxMod && n >> (lvl + 1) >= minFingerprints) lvl++;
  return lvl;
}

/**
 * The registry's attributability rule on token counts: an entry with fewer than minEntryTokens word tokens is too
 * short to attribute (flagged SHORT, never reported) unless its code channel holds at least 1.5 times as many code
 * tokens (codeTokens: 0 when the text has no code channel).
 */
export function tooShortToAttribute(textTokens: number, codeTokens: number, minEntryTokens: number): boolean {
  return textTokens < minEntryTokens && codeTokens < minCodeTokens(minEntryTokens);
}

/** Code tokens an entry's code channel needs to be indexed (and to attribute a short entry on its own). */
export const minCodeTokens = (minEntryTokens: number): number => 1.5 * minEntryTokens;

/** Is the shingle with lane-2 fingerprint f2 indexed at sampling level lvl (step 2^lvl)? */
export function selectedAt(f2: number, lvl: number): boolean {
  return (f2 & ((1 << lvl) - 1)) === 0;
}

export type Fingerprinter = (text: string, forceCode?: boolean) => Fingerprints;

/**
 * Fingerprints text on both channels into buffers reused by every call. `kernel` 'js' forces the JS functions (the
 * native kernel, when built, gives the same results: test/native.test.ts). With `signature: false` the MinHash
 * signature is not computed and `sig` stays all zeros (registry build: an entry's prompt needs only its shingles).
 */
export function createFingerprinter(config: Config, kernel: 'auto' | 'js' = 'auto', opts: { signature?: boolean } = {}): Fingerprinter {
  const withSig = opts.signature ?? true;
  const [t1, t2] = laneSeeds(config.seed);
  const [c1, c2] = laneSeeds(config.seed ^ 0xc0de);
  const text = newChannel(CHANNEL_TEXT, config.textShingle);
  const code = newChannel(CHANNEL_CODE, config.codeShingle);
  const sig = new Uint32Array(config.permutations);
  const result: Fingerprints = { text, code: null, sig };
  const kn = kernel === 'js' ? null : nativeTokenizer();
  // one step at a time, by the kernel when there is one (the same results either way)
  const channel = (input: string, ch: ChannelFingerprints, s1: number, s2: number, isCode: boolean): void => {
    if (kn) {
      if (isCode) tokenizeCodeNative(kn, s1, s2, ch.tokens);
      else tokenizeTextNative(kn, s1, s2, ch.tokens);
      shingleNative(kn, ch.tokens, ch.k, ch.shingles);
    } else {
      if (isCode) tokenizeCode(input, s1, s2, ch.tokens);
      else tokenizeText(input, s1, s2, ch.tokens);
      shingle(ch.tokens, ch.k, ch.shingles);
    }
  };
  return (input: string, forceCode = false) => {
    kn?.load(input);
    channel(input, text, t1, t2, false);
    if (withSig) {
      if (kn) kn.minhash(text.shingles.f1, text.shingles.f2, text.shingles.n, config.permutations, config.seed, sig);
      else minhash(text.shingles, config.permutations, config.seed, sig);
    }
    if (forceCode || looksLikeCode(input, text.tokens.codeChars)) {
      channel(input, code, c1, c2, true);
      result.code = code;
    } else {
      result.code = null;
    }
    return result;
  };
}
