/**
 * The native kernel against the JS code it replaces, step by step on one shard, in one process, alternating:
 *
 *   npm run bench:kernel [-- --input FILE] [--registry FILE.csreg] [--rounds N]
 *
 * Defaults: the throughput bench's first shard and its 100k registry (`npm run bench` makes them). Steps:
 * - fingerprint: createFingerprinter per sample (tokenize both channels, shingles, MinHash), JS vs native;
 * - match: createMatcher per sample (fingerprint, key search, candidates, verification, markers), JS vs native.
 * Both must give the same results: a digest of every fingerprint and the matches of every sample are compared, and
 * the run fails when they differ. Prints medians (ms) and ratios; nothing is timed across processes.
 *
 * --baseline-addon FILE (another build of contamscan_kernel.node, e.g. copied from a checkout of an earlier commit):
 * also times the two native tokenizers of that build against this one, alternating, on the same samples, and
 * fails when their tokens differ. For changes to src/native/kernel.cc.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { makeConfig } from '../../src/config/index.js';
import { createFingerprinter, type Fingerprints } from '../../src/fingerprint/index.js';
import { kernelName, type NativeKernel } from '../../src/fingerprint/native.js';
import { initNativeKernel, nativeTokenizer, newTokenBuffer, tokenizeCodeNative, tokenizeTextNative, type TokenBuffer } from '../../src/fingerprint/tokenize.js';
import { resolveInputs } from '../../src/io/inputs.js';
import { BUILTIN_RULES } from '../../src/match/markers.js';
import { createMatcher } from '../../src/match/match.js';
import { readFile } from '../../src/readers/index.js';
import { initXXHash } from '../../src/registry/digest.js';
import { loadRegistry } from '../../src/registry/load.js';
import { median } from './fork.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const OUT = join('bench', 'out', 'throughput');
const INPUT = opt('input', join(OUT, 'jsonl', 'shard-0000.jsonl.zst'));
const REGISTRY = opt('registry', join(OUT, 'registry.csreg'));
const ROUNDS = Number(opt('rounds', '5'));
const BASELINE = opt('baseline-addon', '');

function digest(f: Fingerprints, h: number): number {
  const mix = (v: number) => (h = Math.imul(h ^ (v | 0), 0x01000193) ^ (h >>> 15));
  for (const ch of [f.text, f.code]) {
    if (!ch) {
      mix(-1);
      continue;
    }
    mix(ch.tokens.n);
    for (let i = 0; i < ch.tokens.n; i++) mix(ch.tokens.h1[i]! ^ ch.tokens.h2[i]! ^ (ch.tokens.start[i]! * 31) ^ (ch.tokens.end[i]! * 7));
    for (let i = 0; i < ch.shingles.n; i++) mix(ch.shingles.f1[i]! ^ (ch.shingles.f2[i]! * 3));
  }
  for (const v of f.sig) mix(v);
  return h >>> 0;
}

async function main(): Promise<void> {
  if (kernelName() !== 'native') throw new Error('the native kernel is not in use (npm run build:native; CONTAMSCAN_NATIVE unset)');
  for (const p of [INPUT, REGISTRY]) if (!existsSync(p)) throw new Error(`${p} is missing: run npm run bench first, or pass --input / --registry`);
  const { files } = await resolveInputs([INPUT]);
  const texts: string[] = [];
  let bytes = 0;
  for (const f of files)
    for await (const b of readFile(f))
      for (const s of b.samples) {
        texts.push(s.text);
        bytes += Buffer.byteLength(s.text);
      }
  const config = makeConfig();
  await initXXHash();
  const reg = await loadRegistry(REGISTRY, config);
  console.log(`kernel bench: ${texts.length} samples, ${(bytes / 1e6).toFixed(1)} MB of text (${INPUT}); registry ${REGISTRY} (${reg.header.entries.toLocaleString('en')} entries); ${ROUNDS} rounds`);

  const fps = { js: createFingerprinter(config, 'js'), native: createFingerprinter(config) };
  const rules = BUILTIN_RULES;
  const matchers = { js: createMatcher(config, reg.views, rules, true, { kernel: 'js' }), native: createMatcher(config, reg.views, rules, true) };
  const times: Record<string, number[]> = { 'fingerprint js': [], 'fingerprint native': [], 'match js': [], 'match native': [] };
  const digests: Record<string, number> = {};
  const matchJson: Record<string, string[]> = { js: [], native: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const k of r % 2 ? (['native', 'js'] as const) : (['js', 'native'] as const)) {
      const fp = fps[k];
      let h = 0;
      let t0 = performance.now();
      for (const t of texts) h = digest(fp(t), h);
      times[`fingerprint ${k}`]!.push(performance.now() - t0);
      if (r === 0) digests[k] = h;
      else if (digests[k] !== h) throw new Error(`fingerprint digest of the ${k} kernel changed between rounds`);
      const m = matchers[k];
      t0 = performance.now();
      if (r === 0) for (const t of texts) matchJson[k]!.push(JSON.stringify(m(t)));
      else for (const t of texts) m(t);
      times[`match ${k}`]!.push(performance.now() - t0);
    }
  }
  reg.close();
  if (digests.js !== digests.native) throw new Error(`fingerprints differ: js ${digests.js}, native ${digests.native}`);
  const differ = matchJson.js!.findIndex((x, i) => x !== matchJson.native![i]);
  if (differ >= 0) throw new Error(`matches differ at sample ${differ}`);
  console.log('\n| step (per sample, one thread) | JS median ms | native median ms | JS / native | MB/s JS | MB/s native |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const step of ['fingerprint', 'match']) {
    const a = median(times[`${step} js`]!);
    const b = median(times[`${step} native`]!);
    console.log(`| ${step} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(a / b).toFixed(2)}x | ${(bytes / 1e3 / a).toFixed(1)} | ${(bytes / 1e3 / b).toFixed(1)} |`);
  }
  if (BASELINE) compareBuilds(texts, bytes);
  console.log(`\nsame results: fingerprint digest ${digests.js} both; matches of all ${texts.length} samples equal (first round). Runs (ms): ${JSON.stringify(Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.map(Math.round)])))}`);
}

/** The text and code tokenizers of another build of the kernel (--baseline-addon) against this one's. */
function compareBuilds(texts: string[], bytes: number): void {
  const builds: Record<'baseline' | 'this build', NativeKernel> = {
    baseline: initNativeKernel(createRequire(import.meta.url)(BASELINE) as NativeKernel),
    'this build': nativeTokenizer()!,
  };
  const [s1, s2] = [0x1234567, 0x7654321];
  const tb: TokenBuffer = newTokenBuffer(1 << 16);
  const run = (k: NativeKernel, code: boolean): [number, number] => {
    let h = 0;
    let ms = 0;
    for (const t of texts) {
      k.load(t);
      const t0 = performance.now();
      const n = code ? tokenizeCodeNative(k, s1, s2, tb) : tokenizeTextNative(k, s1, s2, tb);
      ms += performance.now() - t0;
      for (let i = 0; i < n; i++) h = (Math.imul(h, 31) + (tb.h1[i]! ^ tb.h2[i]! ^ tb.end[i]!)) | 0;
    }
    return [ms, h];
  };
  console.log(`\n| tokenizer (per sample, one thread; ${ROUNDS} rounds, alternating) | baseline median ms | this build median ms | baseline / this | MB/s this build |`);
  console.log('|---|---:|---:|---:|---:|');
  for (const code of [false, true]) {
    const times: Record<string, number[]> = { baseline: [], 'this build': [] };
    const digest: Record<string, number> = {};
    for (let r = 0; r < ROUNDS; r++)
      for (const b of r % 2 ? (['this build', 'baseline'] as const) : (['baseline', 'this build'] as const)) {
        const [ms, h] = run(builds[b], code);
        times[b]!.push(ms);
        digest[b] = h;
      }
    if (digest.baseline !== digest['this build']) throw new Error(`${code ? 'code' : 'text'} tokens differ between ${BASELINE} and this build`);
    const a = median(times.baseline!);
    const b = median(times['this build']!);
    console.log(`| ${code ? 'code' : 'text'} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(a / b).toFixed(3)}x | ${(bytes / 1e3 / b).toFixed(1)} |`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
