/**
 * Types for the `minhash` npm package (0.0.9, plain CommonJS without typings), as far as the throughput peers use
 * it (bench/throughput/peers.ts). Source: node_modules/minhash/src/{minhash,lsh}.js.
 */
declare module 'minhash' {
  export interface MinhashConfig {
    /** Number of permutations (hash values); default 128. */
    numPerm?: number;
    /** Seed of the permutation parameters; default 1. Minhashes compared must share it. */
    seed?: number;
  }
  export class Minhash {
    constructor(config?: MinhashConfig);
    numPerm: number;
    seed: number;
    hashvalues: number[];
    /** Cached by LshIndex.getHashbands. */
    hashbands?: string[];
    /** Adds one set member (a string). */
    update(str: string): void;
    /** Estimated Jaccard similarity: the share of equal hash values. */
    jaccard(other: Minhash): number;
  }
  export interface LshIndexConfig {
    /** Hash values per band; default 4 (so 32 bands for 128 permutations). */
    bandSize?: number;
  }
  export class LshIndex {
    constructor(args?: LshIndexConfig);
    bandSize: number;
    /** band key (hash values joined by '.') -> inserted keys. */
    index: Record<string, string[]>;
    insert(key: string, minhash: Minhash): void;
    /** Keys sharing at least one band. Throws a TypeError when a band of the query is not in the index (0.0.9). */
    query(minhash: Minhash): string[];
    getHashbands(minhash: Minhash): string[];
  }
  const minhash: { Minhash: typeof Minhash; LshIndex: typeof LshIndex };
  export default minhash;
}
