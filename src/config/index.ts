/**
 * One frozen, validated configuration. Fingerprint parameters (those that change what goes into an index) form
 * the config id, stamped into every registry file and report; loading a registry built with other fingerprint
 * parameters is an error naming the parameter.
 */
import { ContamscanError } from '../errors.js';

export interface ParamSpec {
  default: number;
  min: number;
  max: number;
  integer: boolean;
  /** Part of the fingerprint id: changing it changes what a registry stores. */
  fingerprint: boolean;
  description: string;
}

export const PARAMS = {
  seed: { default: 0x5eed, min: 0, max: 0xffffffff, integer: true, fingerprint: true, description: 'Seed of every hash function.' },
  textShingle: { default: 4, min: 2, max: 32, integer: true, fingerprint: true, description: 'Word tokens per text shingle.' },
  codeShingle: { default: 12, min: 4, max: 64, integer: true, fingerprint: true, description: 'Code tokens per code shingle (identifiers abstracted, punctuation kept).' },
  sampleMod: { default: 4, min: 1, max: 64, integer: true, fingerprint: true, description: 'Long entries index one shingle in up to sampleMod (a power of two, chosen by hash so both sides agree); 1 indexes all.' },
  minFingerprints: { default: 64, min: 1, max: 100000, integer: true, fingerprint: true, description: 'Entries are sampled no sparser than this many indexed shingles per channel.' },
  permutations: { default: 128, min: 16, max: 512, integer: true, fingerprint: true, description: 'MinHash signature length (one-permutation hashing, densified).' },
  bands: { default: 16, min: 1, max: 512, integer: true, fingerprint: true, description: 'LSH bands; rows per band = permutations / bands.' },
  minEntryTokens: { default: 30, min: 1, max: 100000, integer: true, fingerprint: true, description: 'Entries with fewer word tokens (and, for code, fewer than 1.5 times as many code tokens) are kept but marked low-evidence and never reported.' },
  minEntryVariety: { default: 0.3, min: 0, max: 1, integer: false, fingerprint: true, description: 'Entries whose distinct/total shingle ratio is below this are marked low-evidence.' },
  commonDf: { default: 16, min: 2, max: 255, integer: true, fingerprint: true, description: 'A fingerprint in more registry entries than this (or in the background corpus) carries no evidence (at most 255: df is stored as a byte).' },
  jaccard: { default: 0.8, min: 0.05, max: 1, integer: false, fingerprint: false, description: 'Verified shingle Jaccard for near_duplicate.' },
  containment: { default: 0.75, min: 0.01, max: 1, integer: false, fingerprint: false, description: "contains: share of the entry's own tokens (not copied from its prompt) that the sample preserves in order." },
  codeContainment: { default: 0.9, min: 0.01, max: 1, integer: false, fingerprint: false, description: 'The same on the code channel (identifiers abstracted, so renamed copies keep ~1.0).' },
  fragment: { default: 0.9, min: 0.01, max: 1, integer: false, fingerprint: false, description: "contained_in: share of the sample's tokens found in order inside a longer entry." },
  ownFragmentKept: { default: 0.95, min: 0.01, max: 1, integer: false, fingerprint: false, description: "contained_in also holds without the minWeight floor, on the text channel, for a fragment this much found in order inside a longer entry (a cut of an answer the registry holds in several versions) ..." },
  ownFragmentTokens: { default: 20, min: 1, max: 1e6, integer: true, fingerprint: false, description: '... of at least this many tokens ...' },
  ownFragmentShare: { default: 0.8, min: 0, max: 1, integer: false, fingerprint: false, description: "... and at least this share of them the entry's own tokens (not copied from its prompt)." },
  minShare: { default: 0.1, min: 0, max: 1, integer: false, fingerprint: false, description: 'Floor on the df-weighted share of matched fingerprints, for contains and contained_in.' },
  strongKept: { default: 0.85, min: 0.01, max: 1, integer: false, fingerprint: false, description: 'contains without the minWeight floor when this share of the entry is preserved in order ...' },
  strongShare: { default: 0.4, min: 0, max: 1, integer: false, fingerprint: false, description: '... and this df-weighted share matched (copies of entries the registry holds in several versions).' },
  mutualKept: { default: 0.78, min: 0.01, max: 1, integer: false, fingerprint: false, description: "contains also holds without the minWeight floor when the sample is itself mostly the entry: this share of the sample's tokens found in order in it (a whole edited copy of an entry whose shingles the registry holds in many entries) ..." },
  mutualOwn: { default: 30, min: 1, max: 1e6, integer: true, fingerprint: false, description: '... and the entry has at least this many own tokens (not copied from its prompt).' },
  passageTokens: { default: 40, min: 1, max: 1e6, integer: true, fingerprint: false, description: 'contains also holds for a cut-down copy: a passage of at least this many of the entry\'s own tokens ...' },
  passageKept: { default: 0.9, min: 0.01, max: 1, integer: false, fingerprint: false, description: '... preserved in order at this share of the passage ...' },
  passageWeight: { default: 20, min: 0, max: 1e6, integer: false, fingerprint: false, description: '... with at least this df-weighted matched evidence.' },
  maxStretch: { default: 1.2, min: 1, max: 1e6, integer: false, fingerprint: false, description: "contains (all but the code-chain rule) does not hold when the sample's stretch between the first and last kept matches is more than this many times the entry's ..." },
  stretchKept: { default: 0.9, min: 0.01, max: 1.01, integer: false, fingerprint: false, description: "... unless this share of the entry's own tokens is preserved in order ..." },
  stretchWeight: { default: 30, min: 0, max: 1e6, integer: false, fingerprint: false, description: "... or this much df-weighted evidence matched (a copy keeps the entry's layout; an answer that puts its own words between shared phrases stretches it; code edited in place over a long file keeps much rare evidence)." },
  codeChain: { default: 40, min: 1, max: 1e6, integer: false, fingerprint: false, description: 'contains also holds on the code channel for an ordered chain of at least this many kept matches carrying at least this much df-weighted evidence (code moved into another file and edited).' },
  chainGap: { default: 12, min: 1, max: 10000, integer: true, fingerprint: false, description: 'A chain member counts only with a neighbour within chainGap tokens (times the entry sampling step) on both sides.' },
  minWeight: { default: 6, min: 0, max: 1e6, integer: false, fingerprint: false, description: 'Floor on the df-weighted matched fingerprints (a fingerprint in n entries weighs 1/n) for contains and contained_in.' },
  minEvidence: { default: 6, min: 1, max: 10000, integer: true, fingerprint: false, description: 'Minimum in-order matched shingles (chain members next to another) for any fingerprint match.' },
  maxMatchesPerSample: { default: 100, min: 1, max: 10000, integer: true, fingerprint: false, description: 'Matches reported per sample; the rest are counted as capped.' },
} as const satisfies Record<string, ParamSpec>;

/**
 * Version of the fingerprint algorithms (tokenizers, hashing, shingling, selection). Bumped whenever a change makes
 * old registries' fingerprints incomparable with new scans even at equal parameters; part of every id.
 * 3: posting and LSH keys keep 16 bits of lane 2 (and lane 1's high 16 bits beside the bucket), df stored as a
 *    byte (commonDf <= 255).
 */
export const FINGERPRINT_ALGORITHM = 3;

export type ParamName = keyof typeof PARAMS;
export type Config = Readonly<{ [K in ParamName]: number }> & { readonly id: string; readonly fingerprintId: string };
export type ConfigInput = Partial<{ [K in ParamName]: number }>;

const NAMES = Object.keys(PARAMS) as ParamName[];

function validate(name: string, value: unknown): number {
  const spec = (PARAMS as Record<string, ParamSpec>)[name];
  if (!spec) throw new ContamscanError('E_CONFIG', `unknown parameter "${name}"; known: ${NAMES.join(', ')}`, { field: name });
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new ContamscanError('E_CONFIG', `parameter "${name}" must be a finite number, got ${JSON.stringify(value)}`, { field: name, value });
  if (spec.integer && !Number.isInteger(value))
    throw new ContamscanError('E_CONFIG', `parameter "${name}" must be an integer, got ${value}`, { field: name, value });
  if (value < spec.min || value > spec.max)
    throw new ContamscanError('E_CONFIG', `parameter "${name}" must be in [${spec.min}, ${spec.max}], got ${value}`, { field: name, value });
  return value;
}

function idOf(values: Record<ParamName, number>, names: ParamName[]): string {
  return `cs${FINGERPRINT_ALGORITHM}-` + names.map((n) => `${n}=${values[n]}`).join(',');
}

/** Validate user values over the defaults; returns a frozen config with its canonical id strings. */
export function makeConfig(input: ConfigInput = {}): Config {
  const values = {} as Record<ParamName, number>;
  for (const n of NAMES) values[n] = PARAMS[n].default;
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined) continue;
    values[k as ParamName] = validate(k, v);
  }
  if ((values.sampleMod & (values.sampleMod - 1)) !== 0)
    throw new ContamscanError('E_CONFIG', `parameter "sampleMod" must be a power of two, got ${values.sampleMod}`, { field: 'sampleMod' });
  if (values.permutations % values.bands !== 0)
    throw new ContamscanError('E_CONFIG', `permutations (${values.permutations}) must be a multiple of bands (${values.bands})`, {
      field: 'bands',
    });
  const fpNames = NAMES.filter((n) => PARAMS[n].fingerprint);
  return Object.freeze({ ...values, id: idOf(values, NAMES), fingerprintId: idOf(values, fpNames) }) as Config;
}

/** The fingerprint parameters of a config, as stored in a registry header. */
export function fingerprintParams(c: Config): Record<string, number> {
  const out: Record<string, number> = { algorithm: FINGERPRINT_ALGORITHM };
  for (const n of NAMES) if (PARAMS[n].fingerprint) out[n] = c[n];
  return out;
}

/** Throws E_REGISTRY_PARAMS naming every fingerprint parameter that differs. */
export function assertSameFingerprint(c: Config, stored: Record<string, number>, file: string): void {
  const diffs: string[] = [];
  if (stored.algorithm !== FINGERPRINT_ALGORITHM)
    diffs.push(`fingerprint algorithm: registry ${stored.algorithm ?? 'unversioned'}, scan ${FINGERPRINT_ALGORITHM} (rebuild the registry)`);
  for (const n of NAMES) {
    if (!PARAMS[n].fingerprint) continue;
    if (stored[n] !== c[n]) diffs.push(`${n}: registry ${stored[n]}, scan ${c[n]}`);
  }
  if (diffs.length)
    throw new ContamscanError('E_REGISTRY_PARAMS', `registry ${file} was built with other fingerprint parameters (${diffs.join('; ')})`, {
      file,
      differences: diffs,
    });
}
