/**
 * Matching, end to end through buildRegistry + scan (workers: 0, main thread) on small JSONL written here.
 * Kinds and registry ids are asserted; exact scores only where they are defined (exact = 1, marker = confidence),
 * so that threshold tuning does not break these tests but a lost or invented match does.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRegistry } from '../src/registry/build.js';
import { scan, type ScanOptions } from '../src/pipeline/scan.js';
import type { ScanReport } from '../src/report/model.js';
import type { Match } from '../src/types.js';
import { ENTRIES, HUMAN, LICENCE, entryRecords, expectContamscanError, readMatches, tempDir, wordCount, writeJsonl } from './helpers.js';
import { makeConfig } from '../src/config/index.js';
import { decide } from '../src/match/decide.js';
import { createMatcher } from '../src/match/match.js';
import { initXXHash } from '../src/registry/digest.js';
import { attachRegistry, loadRegistry } from '../src/registry/load.js';

const tmp = tempDir('match');
const regPath = join(tmp, 'entries.csreg');
let run = 0;

beforeAll(async () => {
  writeJsonl(join(tmp, 'entries.jsonl'), entryRecords());
  await buildRegistry({ inputs: [join(tmp, 'entries.jsonl')], out: regPath, tagFields: { vendor: 'vendor' } });
});

/** Scans the given samples (one JSONL file) on the main thread; returns the report and the matches by sample id. */
async function scanTexts(samples: Array<{ id: string; text: string }>, opts: Partial<ScanOptions> = {}) {
  const dir = join(tmp, `run-${++run}`);
  mkdirSync(dir);
  const input = writeJsonl(join(dir, 'samples.jsonl'), samples);
  const out = join(dir, 'out');
  const report: ScanReport = await scan({ inputs: [input], registry: regPath, out, workers: 0, progress: false, ...opts });
  const matches = readMatches(out);
  const by = (id: string): Match[] => matches.filter((m) => m.sample_id === id);
  return { report, matches, by };
}

describe('test texts', () => {
  it('entries are 80-200 words and distinct', () => {
    for (const [id, t] of Object.entries(ENTRIES)) {
      expect(wordCount(t), id).toBeGreaterThanOrEqual(80);
      expect(wordCount(t), id).toBeLessThanOrEqual(200);
    }
    for (const t of HUMAN) expect(wordCount(t)).toBeGreaterThanOrEqual(80);
  });
});

describe('match kinds', () => {
  it('verbatim copy -> exact, score 1, span over the whole text, entry tags', async () => {
    const text = ENTRIES.compost;
    const { by, report } = await scanTexts([{ id: 's', text: `\n  ${text}\n` }]);
    const m = by('s');
    expect(m.map((x) => [x.registry_id, x.kind, x.score])).toEqual([['compost', 'exact', 1]]);
    expect(m[0].spans).toEqual([[3, 3 + text.length]]);
    expect(m[0].tags).toEqual({ vendor: 'bolt-labs' });
    expect(m[0].file).toMatch(/samples\.jsonl$/);
    expect(m[0].row).toBe(0);
    expect(report.totals).toMatchObject({ samples: 1, flagged: 1, matches: 1 });
    expect(report.by_kind.exact).toEqual({ samples: 1, matches: 1 });
    expect(report.by_tag.vendor['bolt-labs']).toEqual({ samples: 1, matches: 1 });
  });

  it('the exact-text hash is skipped only when the trimmed sample is longer than every entry (maxTextBytes)', async () => {
    const reg = await loadRegistry(regPath);
    try {
      expect(reg.shared.maxTextBytes).toBe(Math.max(...Object.values(ENTRIES).map((t) => Buffer.byteLength(t, 'utf8'))));
    } finally {
      reg.close();
    }
    const text = ENTRIES.compost;
    const pad = ' \n\t'.repeat(4000); // 12,000 characters of whitespace: the sample is far longer than any entry
    const longer = `${text} ${ENTRIES.lighthouse} ${ENTRIES.bisect}`; // longer than every entry, not a copy of one
    const { by } = await scanTexts([
      { id: 'padded', text: pad + text + pad },
      { id: 'longer', text: longer },
    ]);
    expect(by('padded').map((x) => [x.registry_id, x.kind])).toEqual([['compost', 'exact']]);
    expect(by('padded')[0].spans).toEqual([[pad.length, pad.length + text.length]]);
    expect(by('longer').map((x) => x.kind)).not.toContain('exact');
    expect(by('longer').map((x) => x.registry_id).sort()).toEqual(['bisect', 'compost', 'lighthouse']);
  });

  it('whitespace / case / markdown reformatting -> near_duplicate or contains on the right entry', async () => {
    const src = ENTRIES.lighthouse;
    const reformatted =
      '## Keeping the light\n\n' +
      src
        .split('. ')
        .map((s, i) => (i % 2 ? `**${s.toUpperCase()}**` : `-   ${s.replace(/ /g, '  ')}`))
        .join('.\n\n');
    const lower = src.toLowerCase().replace(/ /g, '\n');
    const { by } = await scanTexts([
      { id: 'md', text: reformatted },
      { id: 'lower', text: lower },
    ]);
    for (const id of ['md', 'lower']) {
      const m = by(id);
      expect(m, id).toHaveLength(1);
      expect(m[0].registry_id).toBe('lighthouse');
      expect(['near_duplicate', 'contains']).toContain(m[0].kind);
      expect(m[0].score).toBeGreaterThan(0);
      expect(m[0].score).toBeLessThanOrEqual(1);
    }
  });

  it('an entry inside 5x longer unrelated prose -> contains, with spans inside the inserted region', async () => {
    const before = `${HUMAN[0]} ${HUMAN[1]}\n\n${HUMAN[2]}\n\n`;
    const entry = ENTRIES.bisect;
    const after = `\n\n${HUMAN[3]} ${HUMAN[4]}`;
    const text = before + entry + after;
    expect(wordCount(before + after)).toBeGreaterThanOrEqual(4 * wordCount(entry));
    const lo = before.length;
    const hi = lo + entry.length;
    const { by } = await scanTexts([{ id: 'doc', text }]);
    const m = by('doc');
    expect(m.map((x) => [x.registry_id, x.kind])).toEqual([['bisect', 'contains']]);
    expect(m[0].spans.length).toBeGreaterThan(0);
    let covered = 0;
    for (const [s, e] of m[0].spans) {
      expect(s).toBeGreaterThanOrEqual(lo);
      expect(e).toBeLessThanOrEqual(hi);
      expect(e).toBeGreaterThan(s);
      covered += e - s;
    }
    expect(covered).toBeGreaterThanOrEqual(entry.length / 2);
  });

  it('an isolated in-order hit far before the copy is dropped from the evidence, not fatal to the match', async () => {
    // The entry's first 4 words (one shingle) stand alone early in the document; the entry from its 10th word on
    // follows much later, so that lone shingle extends the in-order chain and must be dropped as isolated.
    const words = ENTRIES.bisect.split(/\s+/);
    const before = `${words.slice(0, 4).join(' ')}. ${HUMAN[0]} ${HUMAN[1]}\n\n`;
    const text = before + words.slice(9).join(' ') + `\n\n${HUMAN[2]}`;
    const { by } = await scanTexts([{ id: 'doc', text }]);
    const m = by('doc');
    expect(m.map((x) => [x.registry_id, x.kind])).toEqual([['bisect', 'contains']]);
    for (const [s] of m[0].spans) expect(s).toBeGreaterThanOrEqual(before.length);
  });

  it('a cut-down copy (the middle 60% of an entry) inside longer prose -> contains, score about the share kept', async () => {
    const [id, entry] = Object.entries(ENTRIES).sort((a, b) => wordCount(b[1]) - wordCount(a[1]))[0];
    const words = entry.split(/\s+/);
    const cut = words.slice(Math.floor(words.length * 0.2), Math.floor(words.length * 0.8)).join(' ');
    expect(wordCount(cut)).toBeGreaterThanOrEqual(48);
    const text = `${HUMAN[0]} ${HUMAN[1]}\n\n${cut}\n\n${HUMAN[2]} ${HUMAN[3]}`;
    const { by } = await scanTexts([{ id: 'doc', text }]);
    const m = by('doc');
    expect(m.map((x) => [x.registry_id, x.kind])).toEqual([[id, 'contains']]);
    expect(m[0].score).toBeGreaterThan(0.45);
    expect(m[0].score).toBeLessThan(0.75); // below the whole-entry threshold: found as a passage
  });

  it('two different entries pasted into one document -> both reported', async () => {
    const text = `${HUMAN[5]}\n\n${ENTRIES.violin}\n\n${HUMAN[1]}\n\n${ENTRIES.tyre}\n\n${HUMAN[2]}`;
    const { by, report } = await scanTexts([{ id: 'two', text }]);
    const m = by('two');
    expect(m.map((x) => x.registry_id).sort()).toEqual(['tyre', 'violin']);
    for (const x of m) expect(x.kind).toBe('contains');
    const tyreStart = text.indexOf(ENTRIES.tyre);
    const tyre = m.find((x) => x.registry_id === 'tyre')!;
    for (const [s, e] of tyre.spans) {
      expect(s).toBeGreaterThanOrEqual(tyreStart);
      expect(e).toBeLessThanOrEqual(tyreStart + ENTRIES.tyre.length);
    }
    expect(report.totals).toMatchObject({ flagged: 1, matches: 2, capped_matches: 0 });
  });

  it('unrelated human texts -> no match', async () => {
    const { matches, report } = await scanTexts(HUMAN.map((text, i) => ({ id: `h${i}`, text })));
    expect(matches).toEqual([]);
    expect(report.totals).toMatchObject({ samples: HUMAN.length, flagged: 0, matches: 0 });
    expect(report.by_kind).toEqual({});
  });

  it('maxMatchesPerSample=1 with a two-entry document -> 1 match, capped_matches 1', async () => {
    const text = `${HUMAN[0]}\n\n${ENTRIES.tea}\n\n${HUMAN[3]}\n\n${ENTRIES.compost}`;
    const { matches, report } = await scanTexts([{ id: 'capped', text }], { config: { maxMatchesPerSample: 1 } });
    expect(matches).toHaveLength(1);
    expect(['tea', 'compost']).toContain(matches[0].registry_id);
    expect(report.totals.matches).toBe(1);
    expect(report.totals.capped_matches).toBe(1);
    // control: without the cap both are reported
    const all = await scanTexts([{ id: 'capped', text }]);
    expect(all.matches.map((x) => x.registry_id).sort()).toEqual(['compost', 'tea']);
    expect(all.report.totals.capped_matches).toBe(0);
  });
});

describe('background corpus', () => {
  it('a text that is only background boilerplate does not match an entry of that boilerplate plus little else', async () => {
    const dir = tempDir('match-bg');
    const entries = writeJsonl(join(dir, 'entries.jsonl'), [
      { id: 'licensed', text: `${LICENCE}\n\nThis small helper prints the date.` },
      { id: 'tea', text: ENTRIES.tea },
    ]);
    const bg = writeJsonl(join(dir, 'background.jsonl'), [{ text: LICENCE }]);
    const samples = writeJsonl(join(dir, 'samples.jsonl'), [
      { id: 'licence-only', text: LICENCE },
      { id: 'tea-copy', text: ENTRIES.tea },
    ]);
    const scanWith = async (name: string, background?: string[]) => {
      const reg = join(dir, `${name}.csreg`);
      const res = await buildRegistry({ inputs: [entries], out: reg, background });
      const out = join(dir, `out-${name}`);
      await scan({ inputs: [samples], registry: reg, out, workers: 0, progress: false });
      return { header: res.header, matches: readMatches(out) };
    };
    // control: without the background, the licence text is attributed to the entry
    const plain = await scanWith('plain');
    expect(plain.matches.filter((m) => m.sample_id === 'licence-only').map((m) => m.registry_id)).toEqual(['licensed']);
    const withBg = await scanWith('bg', [bg]);
    expect(withBg.header.background.files).toBe(1);
    expect(withBg.header.background.fingerprints).toBeGreaterThan(0);
    expect(withBg.header.fingerprints.common).toBeGreaterThan(0);
    expect(withBg.matches.filter((m) => m.sample_id === 'licence-only')).toEqual([]);
    // the background does not blind the scan to other entries
    expect(withBg.matches.filter((m) => m.sample_id === 'tea-copy').map((m) => [m.registry_id, m.kind])).toEqual([['tea', 'exact']]);
  });
});

describe('markers', () => {
  const footer = 'Retry uploads on 503\n\nThe uploader now retries three times.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n';
  const aider = 'fix: handle empty config files\n\nCo-authored-by: aider (gpt-4o) <noreply@aider.chat>\n';
  const prose =
    'In our study we compared Claude Code and Copilot on refactoring tasks. The report notes which patches were generated with Claude Code and which were co-authored by people.';

  it('a Claude Code footer and an aider trailer match; a prose mention does not', async () => {
    const { by } = await scanTexts([
      { id: 'footer', text: footer },
      { id: 'aider', text: aider },
      { id: 'prose', text: prose },
    ]);
    const f = by('footer');
    expect(f.map((m) => [m.registry_id, m.kind])).toEqual([['marker:claude-code-footer', 'marker']]);
    expect(f[0].tags).toMatchObject({ vendor: 'anthropic', agent: 'claude-code' });
    expect(f[0].score).toBeGreaterThan(0.9);
    const [s, e] = f[0].spans[0];
    expect(footer.slice(s, e)).toContain('Generated with [Claude Code]');
    const a = by('aider');
    expect(a.map((m) => m.registry_id)).toEqual(['marker:aider-coauthor']);
    expect(a[0].tags).toEqual({ agent: 'aider', model: 'gpt-4o' });
    expect(aider.slice(a[0].spans[0][0], a[0].spans[0][1])).toContain('Co-authored-by: aider (gpt-4o)');
    expect(by('prose')).toEqual([]);
  });

  it('a --rules file adds a custom rule (named group model becomes a tag)', async () => {
    const dir = tempDir('match-rules');
    const rules = join(dir, 'rules.json');
    writeFileSync(rules, JSON.stringify([{ id: 'acmebot-sig', pattern: String.raw`^-- sent by AcmeBot v(?<model>\d+)$`, tags: { vendor: 'acme-ai' }, confidence: 0.7 }]));
    const text = 'Hello team,\nthe build is green again.\n-- sent by AcmeBot v3\n';
    const { by, report } = await scanTexts(
      [
        { id: 'sig', text },
        { id: 'mention', text: 'We should stop saying sent by AcmeBot v3 in every email.' },
        { id: 'footer', text: footer },
      ],
      { rules },
    );
    const m = by('sig');
    expect(m.map((x) => [x.registry_id, x.kind, x.score])).toEqual([['marker:acmebot-sig', 'marker', 0.7]]);
    expect(m[0].tags).toEqual({ vendor: 'acme-ai', model: '3' });
    expect(text.slice(m[0].spans[0][0], m[0].spans[0][1])).toBe('-- sent by AcmeBot v3');
    expect(by('mention')).toEqual([]);
    // the builtins stay on when a rules file is an array
    expect(by('footer').map((x) => x.registry_id)).toEqual(['marker:claude-code-footer']);
    expect(report.rules).toContain('acmebot-sig');
    expect(report.rules).toContain('claude-code-footer');
  });

  it('{"rules": [...], "builtin": false} drops the builtin rules', async () => {
    const dir = tempDir('match-rules-own');
    const rules = join(dir, 'rules.json');
    writeFileSync(rules, JSON.stringify({ builtin: false, rules: [{ id: 'only', pattern: '^OWN MARKER$', tags: {}, confidence: 0.5 }] }));
    const { by } = await scanTexts(
      [
        { id: 'own', text: 'x\nown marker\ny' },
        { id: 'footer', text: footer },
      ],
      { rules },
    );
    expect(by('own').map((x) => x.registry_id)).toEqual(['marker:only']);
    expect(by('footer')).toEqual([]);
  });

  const invalid: Array<[string, unknown, string]> = [
    ['confidence out of range', [{ id: 'x', pattern: 'abc', tags: {}, confidence: 5 }], 'confidence'],
    ['missing pattern', [{ id: 'x', tags: {}, confidence: 0.5 }], 'pattern'],
    ['pattern that is not a regular expression', [{ id: 'x', pattern: '(unclosed', tags: {}, confidence: 0.5 }], 'pattern'],
    ['non-string tag value', [{ id: 'x', pattern: 'abc', tags: { vendor: 1 }, confidence: 0.5 }], 'tags'],
    ['missing id', [{ pattern: 'abc', tags: {}, confidence: 0.5 }], 'id'],
  ];
  for (const [what, body, field] of invalid) {
    it(`an invalid rules file (${what}) -> E_CONFIG naming field "${field}", nothing written`, async () => {
      const dir = tempDir('match-bad-rules');
      const rules = join(dir, 'rules.json');
      writeFileSync(rules, JSON.stringify(body));
      const input = writeJsonl(join(dir, 's.jsonl'), [{ id: 'a', text: ENTRIES.tea }]);
      const out = join(dir, 'out');
      const err = await expectContamscanError(scan({ inputs: [input], registry: regPath, out, workers: 0, rules, progress: false }), 'E_CONFIG');
      expect(err.context.field).toBe(field);
      expect(err.message).toContain(field);
      expect(err.message).toContain(rules);
      expect(err.exitCode).toBe(2);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('a rules file that is not JSON -> E_CONFIG naming the file', async () => {
    const dir = tempDir('match-bad-json');
    const rules = join(dir, 'rules.json');
    writeFileSync(rules, '[{ not json');
    const input = writeJsonl(join(dir, 's.jsonl'), [{ id: 'a', text: 'x' }]);
    const err = await expectContamscanError(scan({ inputs: [input], registry: regPath, workers: 0, rules, progress: false }), 'E_CONFIG');
    expect(err.message).toContain(rules);
  });
});

describe('moved and edited code (codeChain)', () => {
  // Seeded random TypeScript: varied statements, so 12-token code shingles are distinct (no real code needed).
  function codeGen(seed: number) {
    let s = seed >>> 0;
    const r = (n: number) => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % n);
    const v = () => ['a', 'b', 'c', 'item', 'total', 'node', 'key', 'acc', 'list', 'map'][r(10)]!;
    const op = () => ['+', '-', '*', '<', '>', '===', '&&', '||', '%', '>='][r(10)]!;
    const lit = () => (r(3) === 0 ? `'k${r(100000)}'` : String(r(100000))); // literals keep their value on the code channel
    const expr = (): string => (r(3) === 0 ? `${v()}(${v()}, ${lit()})` : r(2) ? `${v()} ${op()} ${lit()}` : `${v()}.${v()}[${lit()}]`);
    const stmt = (): string =>
      [
        () => `if (${expr()}) { ${v()} = ${expr()}; }`,
        () => `for (let i = 0; i < ${expr()}; i++) ${v()}.push(${expr()});`,
        () => `const ${v()}${r(9)} = ${expr()} ${op()} ${expr()};`,
        () => `while (${expr()}) { ${v()}--; }`,
        () => `return ${expr()};`,
        () => `${v()}.${v()}(${expr()}, ${expr()}, ${lit()});`,
        () => `try { ${v()}(${lit()}); } catch (e) { ${v()} = ${lit()}; }`,
      ][r(7)]!();
    const fn = (i: number) => [`export function f${i}(${v()}: number, ${v()}: string[]) {`, ...Array.from({ length: 8 }, () => '  ' + stmt()), '}'];
    return { fn, stmt };
  }
  const entryGen = codeGen(1234);
  const fns = Array.from({ length: 40 }, (_, i) => entryGen.fn(i));
  const entry = fns.flat().join('\n');
  // the copy: every other function of 10-29 moved into another file, identifiers renamed (so the word channel
  // loses them), new code around them: no dense passage of the entry, no large share of it
  const other = codeGen(98765);
  const renames: Record<string, string> = { a: 'first', b: 'second', c: 'third', item: 'entry', total: 'sum', node: 'vertex', key: 'name', acc: 'result', list: 'values', map: 'index' };
  const rename = (line: string) => line.replace(/\b(a|b|c|item|total|node|key|acc|list|map)\b/g, (w) => renames[w]!).replace(/\bf(\d+)\b/g, 'helper$1');
  const moved = [
    ...Array.from({ length: 4 }, (_, i) => other.fn(900 + i)).flat(),
    ...fns.slice(10, 30).filter((_, i) => i % 2 === 0).flatMap((f) => f.map(rename)),
    ...Array.from({ length: 4 }, (_, i) => other.fn(950 + i)).flat(),
  ].join('\n');
  const fresh = Array.from({ length: 20 }, (_, i) => other.fn(1000 + i)).flat().join('\n');
  const codeReg = join(tmp, 'code.csreg');

  beforeAll(async () => {
    writeJsonl(join(tmp, 'code-entries.jsonl'), [{ id: 'big-code', vendor: 'acme', text: entry }, ...entryRecords()]);
    await buildRegistry({ inputs: [join(tmp, 'code-entries.jsonl')], out: codeReg, tagFields: { vendor: 'vendor' } });
  });

  it('10 of 40 functions moved into another file and renamed -> contains on the code channel, only by the chain rule', async () => {
    const samples = [
      { id: 'moved', text: moved },
      { id: 'fresh', text: fresh },
    ];
    const on = await scanTexts(samples, { registry: codeReg });
    const m = on.by('moved');
    expect(m.map((x) => [x.registry_id, x.kind])).toEqual([['big-code', 'contains']]);
    const ev = m[0]!.evidence!;
    expect(ev.channel).toBe('code');
    expect(ev.chain as number).toBeGreaterThanOrEqual(40);
    expect(ev.passage_kept).toBeUndefined(); // not a cut-down copy: the passage's numbers come with that rule only
    expect(m[0]!.score).toBeLessThan(0.5); // score = share of the whole entry preserved
    expect(on.by('fresh')).toEqual([]);
    const off = await scanTexts(samples, { registry: codeReg, config: { codeChain: 1e6 } });
    expect(off.by('moved')).toEqual([]);
  });
});

describe('an edited copy of an entry the registry holds in many versions (mutual rule)', () => {
  // 13 versions of one short answer (as a registry holding several models' or snapshots' near-identical answers
  // does): every shingle of it is in ~13 entries, so it weighs ~1/13 and an edited copy never reaches the minWeight
  // floor. What identifies the copy is the alignment both ways: most of the entry is kept in order, and the sample
  // is mostly the entry.
  const base =
    'To revive a sourdough starter that has sat in the fridge for weeks, pour off the grey liquid on top, keep two ' +
    'spoonfuls of the old starter and feed it equal weights of flour and lukewarm water. Leave it somewhere warm, feed ' +
    'it again every twelve hours, and bake only once it doubles within six hours of a feed.';
  const words = base.split(' ');
  const versions = Array.from({ length: 12 }, (_, v) => {
    const w = words.slice();
    for (const j of [0, 1, 2]) w[(v * 4 + 1 + j * 18) % w.length] = `variant${v}x${j}`;
    return w.join(' ');
  });
  // every 6th word replaced: ~83% of the entry kept in order, ~83% of the sample is the entry
  const edited = words.map((w, i) => (i % 6 === 3 ? `edit${i}` : w)).join(' ');
  const reg = join(tmp, 'versions.csreg');

  beforeAll(async () => {
    writeJsonl(join(tmp, 'versions.jsonl'), [
      { id: 'starter', vendor: 'acme', text: base },
      ...versions.map((text, v) => ({ id: `starter-v${v}`, vendor: 'acme', text })),
      ...entryRecords(),
    ]);
    await buildRegistry({ inputs: [join(tmp, 'versions.jsonl')], out: reg, tagFields: { vendor: 'vendor' } });
  });

  it('is found as contains on that cluster although its df-weighted evidence is under the floor; off without the rule', async () => {
    expect(wordCount(base)).toBeGreaterThanOrEqual(50);
    const samples = [
      { id: 'edited', text: edited },
      { id: 'human', text: HUMAN[0]! },
    ];
    const on = await scanTexts(samples, { registry: reg });
    const m = on.by('edited');
    expect(m.length).toBeGreaterThan(0);
    for (const x of m) {
      expect(x.registry_id).toMatch(/^starter(-v\d+)?$/);
      expect(x.kind).toBe('contains');
      const ev = x.evidence!;
      expect(ev.matched_weight as number).toBeLessThan(6); // the minWeight floor alone would drop it
      expect(ev.entry_kept as number).toBeGreaterThanOrEqual(0.75);
      expect(ev.sample_kept as number).toBeGreaterThanOrEqual(0.8);
    }
    expect(m.map((x) => x.registry_id)).toContain('starter');
    expect(on.by('human')).toEqual([]);
    const off = await scanTexts(samples, { registry: reg, config: { mutualKept: 1 } });
    expect(off.by('edited')).toEqual([]);
  });

  it('a cut of 20+ of its words is found as contained_in under the weight floor; a 12-word cut is not; off without the rule', async () => {
    const samples = [
      { id: 'cut', text: words.slice(8, 40).join(' ') }, // 32 words, about 60% of the answer
      { id: 'tiny', text: words.slice(8, 20).join(' ') }, // 12 words: under ownFragmentTokens
    ];
    const on = await scanTexts(samples, { registry: reg });
    const m = on.by('cut');
    expect(m.map((x) => x.registry_id)).toContain('starter');
    for (const x of m) {
      expect(x.kind).toBe('contained_in');
      const ev = x.evidence!;
      expect(ev.channel).toBe('text');
      expect(ev.matched_weight as number).toBeLessThan(6); // the contained_in rule's minWeight floor alone would drop it
      expect(ev.sample_kept as number).toBeGreaterThanOrEqual(0.95);
    }
    expect(on.by('tiny')).toEqual([]);
    const off = await scanTexts(samples, { registry: reg, config: { ownFragmentTokens: 1e6 } });
    expect(off.by('cut')).toEqual([]);
  });
});

describe('layout: another answer that shares phrases with an entry stretches it (maxStretch / stretchKept / stretchWeight)', () => {
  const words = ENTRIES.lighthouse.split(' ');
  const asides = ['as the records show', 'which mattered a lot', 'according to old logs', 'in most of the cases'];
  /** Runs of `run` entry words, the next entry word dropped when `drop`; with `aside`, 4 words of its own after each run. */
  const rebuilt = (run: number, aside: boolean, drop: boolean): string => {
    const out: string[] = [];
    for (let i = 0, k = 0; i < words.length; i += run + 1, k++) {
      out.push(...words.slice(i, i + run));
      if (!drop) out.push(...words.slice(i + run, i + run + 1));
      if (aside) out.push(asides[k % asides.length]!);
    }
    return out.join(' ');
  };
  const samples = [
    { id: 'stretched', text: rebuilt(4, true, true) }, // 4/5 of the entry in order, 8 words for every 5 of the entry
    { id: 'edited', text: rebuilt(4, false, true) }, // the same 4/5, in the entry's layout
    { id: 'verbatim-stretched', text: rebuilt(4, true, false) }, // the whole entry in order, with the same asides
    { id: 'stretched-strong', text: rebuilt(8, true, true) }, // 8/9 kept in runs of 8: much rare evidence
  ];
  const pairs = (m: Match[]) => m.map((x) => [x.registry_id, x.kind]);

  it('is not a contains match; the same edits in the entry\'s layout, the whole entry with asides, and long kept runs are', async () => {
    expect(wordCount(samples[0]!.text) / words.length).toBeGreaterThan(1.4);
    const on = await scanTexts(samples);
    expect(on.by('stretched')).toEqual([]);
    for (const id of ['edited', 'verbatim-stretched', 'stretched-strong']) expect(pairs(on.by(id))).toEqual([['lighthouse', 'contains']]);
    expect(on.by('verbatim-stretched')[0]!.score).toBe(1);
    const strong = on.by('stretched-strong')[0]!.evidence!;
    expect(strong.entry_kept as number).toBeLessThan(0.9);
    expect(strong.matched_weight as number).toBeGreaterThanOrEqual(30);
    expect(strong.stretch as number).toBeGreaterThan(1.2);

    const off = await scanTexts(samples, { config: { maxStretch: 1e6 } });
    const m = off.by('stretched');
    expect(pairs(m)).toEqual([['lighthouse', 'contains']]);
    const ev = m[0]!.evidence!;
    expect(ev.entry_kept as number).toBeGreaterThanOrEqual(0.75);
    expect(ev.entry_kept as number).toBeLessThan(0.9);
    expect(ev.matched_weight as number).toBeLessThan(30);
    expect(ev.stretch as number).toBeGreaterThan(1.2);

    const noWaiver = await scanTexts(samples, { config: { stretchWeight: 1e6 } });
    expect(noWaiver.by('stretched-strong')).toEqual([]);
  });
});

describe('decide() replays verification (the accuracy benchmark tunes thresholds on dumped evidence)', () => {
  it('evidence collected with minEvidence 1 and minShare 0, decided with a config, gives what the matcher with that config reports', async () => {
    await initXXHash();
    const words = (t: string) => t.split(' ');
    const edit = (t: string, every: number) => words(t).map((w, i) => (i % every === 2 ? `zq${i}` : w)).join(' ');
    const texts = [
      ENTRIES.compost,
      edit(ENTRIES.lighthouse, 5),
      edit(ENTRIES.violin, 3),
      `${HUMAN[0]} ${HUMAN[1]}\n\n${ENTRIES.bisect}\n\n${HUMAN[2]}`,
      `${HUMAN[3]}\n\n${words(ENTRIES.tyre).slice(10, 60).join(' ')}\n\n${HUMAN[4]}`,
      words(ENTRIES.tea).slice(5, 40).join(' '),
      HUMAN[5]!,
      LICENCE,
    ];
    const dumpConfig = makeConfig({ minEvidence: 1, minShare: 0 });
    const reg = await loadRegistry(regPath, dumpConfig);
    try {
      const views = attachRegistry(reg.shared);
      const collect = createMatcher(dumpConfig, views, [], true, { collectEvidence: true });
      const settings = [{}, { containment: 0.9 }, { mutualKept: 1, minWeight: 20 }, { fragment: 0.5, minEvidence: 3 }, { jaccard: 0.3 }];
      let decided = 0;
      for (const input of settings) {
        const config = makeConfig(input);
        const scan = createMatcher(config, views, [], true);
        for (const t of texts) {
          const want = scan(t)
            .matches.filter((m) => m.kind !== 'exact' && m.kind !== 'marker')
            .map((m) => `${m.entry}:${m.kind}:${m.score}`)
            .sort();
          const best = new Map<number, { kind: string; score: number }>();
          const rank: Record<string, number> = { near_duplicate: 3, contains: 2, contained_in: 1 };
          const exact = new Set(scan(t).matches.filter((m) => m.kind === 'exact').map((m) => m.entry));
          for (const c of collect(t).candidates ?? []) {
            if (exact.has(c.entry)) continue;
            const d = decide(c.evidence, config);
            if (!d) continue;
            decided++;
            const score = Math.round(d.score * 10000) / 10000;
            const prev = best.get(c.entry);
            if (!prev || rank[d.kind]! > rank[prev.kind]! || (d.kind === prev.kind && score > prev.score)) best.set(c.entry, { kind: d.kind, score });
          }
          const got = [...best].map(([e, d]) => `${e}:${d.kind}:${d.score}`).sort();
          expect(got, `${JSON.stringify(input)} on "${t.slice(0, 40)}"`).toEqual(want);
        }
      }
      expect(decided).toBeGreaterThan(10); // the settings do decide things
    } finally {
      reg.close();
    }
  });
});

describe('attribution needs an attributable channel and a dense passage (minEntryTokens on the text channel; passageTokens)', () => {
  const dir = tempDir('match-rules');
  const reg = join(dir, 'rules.csreg');
  // 110 words: every shingle is indexed (sampling starts at 128 tokens), so a run of 32 words carries weight >= 20.
  const long = `${ENTRIES.compost} ${ENTRIES.lighthouse}`.split(' ').slice(0, 110);
  // Unfenced (a fence opens a string literal on the code channel): the drawing is the code channel, the sentence
  // (16 words) all of the text channel.
  const train = [
    '     ____      ____      ____',
    '    [____]====[____]====[____]==<>',
    '    (*)(*)    (*)(*)    (*)(*)',
    '  ==============================',
    '    {__}  {__}  {__}  {__}',
    '   <<<<<<<<  [::]  >>>>>>>>',
    '   (==)(==)(==)(==)(==)',
  ].join('\n');
  const tree = ['      /\\', '     /  \\', '    /    \\', '   /______\\', '      ||', '      ||'].join('\n');
  const sentence = 'Yes, I can draw that for you. Here is a small train drawn with keyboard characters:';
  beforeAll(async () => {
    writeJsonl(join(dir, 'entries.jsonl'), [
      { id: 'long', text: long.join(' ') },
      { id: 'drawing', text: `${sentence}\n\n${train}` },
    ]);
    await buildRegistry({ inputs: [join(dir, 'entries.jsonl')], out: reg });
  });
  const scanHere = async (samples: Array<{ id: string; text: string }>) => {
    const out = join(dir, `out-${++run}`);
    const input = writeJsonl(join(dir, `samples-${run}.jsonl`), samples);
    await scan({ inputs: [input], registry: reg, out, workers: 0, progress: false });
    const matches = readMatches(out);
    return (id: string): Match[] => matches.filter((m) => m.sample_id === id);
  };

  it('a run of 32 words with scattered words of the entry after it is no cut-down copy; a run of 50 is', async () => {
    /** `run` words verbatim, then the rest of the entry with every other word replaced (no shingle survives there). */
    const sparse = (run: number): string =>
      [HUMAN[0], ...long.slice(0, run), ...long.slice(run).map((w, i) => (i % 2 ? `zq${i}` : w)), HUMAN[1]].join(' ');
    const by = await scanHere([
      { id: 'run32', text: sparse(32) },
      { id: 'run50', text: sparse(50) },
    ]);
    // Before the passage was measured between its own ends, the scattered words counted: 32 + 39 preserved tokens
    // over a 32-token passage read as a dense passage of 71.
    expect(by('run32')).toEqual([]);
    const m = by('run50');
    expect(m.map((x) => [x.registry_id, x.kind])).toEqual([['long', 'contains']]);
    const ev = m[0]!.evidence!;
    expect(ev.entry_kept as number).toBeLessThan(0.75); // not the whole entry: the passage rule found it
    expect(ev.passage_tokens as number).toBeGreaterThanOrEqual(40);
    expect(ev.passage_tokens as number).toBeLessThan(ev.preserved_tokens as number);
    expect(ev.passage_kept as number).toBeGreaterThanOrEqual(0.9);
  });

  it('the sentence above a drawing is not attributed on its own; the drawing is', async () => {
    const by = await scanHere([
      { id: 'other-drawing', text: `${sentence}\n\n${tree}\n\nThis drawing shows a pine tree with a short trunk.` },
      { id: 'same-drawing', text: `Here you go.\n\n${sentence}\n\n${train}\n\nEnjoy the train.` },
    ]);
    expect(by('other-drawing')).toEqual([]);
    const m = by('same-drawing');
    expect(m.map((x) => x.registry_id)).toEqual(['drawing']);
    expect(m[0]!.evidence!.channel).toBe('code');
  });
});
