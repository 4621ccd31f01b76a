/**
 * report.html and report.md against hostile sample text, checked where it matters: report.html in a real browser
 * (headless Chromium through playwright-core) and report.md through markdown-it with raw HTML allowed.
 *
 * Setup: shards whose samples are flagged (each holds the full text of a registry entry) and carry markup, script,
 * Markdown that breaks tables and fences, bidi overrides, control characters, a 2 MB single-line record, hostile
 * sample ids, a hostile directory and file name, and a registry entry whose id and tags are hostile too. The normal
 * fixtures report (fixtures/shards, --fail-over 0.3, compared with a scan of a subset) is checked for its layout:
 * summary, charts, tables and evidence visible, screenshots in fixtures-out/, a PDF print.
 *
 * Browser tests need /usr/bin/chromium. Without it they are skipped with a message, unless CI is set: then they
 * fail, so CI cannot pass without running them. The Markdown tests need no browser and always run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import MarkdownIt, { type Token } from 'markdown-it';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildRegistry } from '../src/registry/build.js';
import { scan } from '../src/pipeline/scan.js';
import { writeReport, type ReportResult } from '../src/report/index.js';
import { FIXTURE_REGISTRY, FIXTURE_SHARDS, FIXTURE_TAG_FIELDS, ROOT, readMatches, tempDir, writeJsonl } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const IN_CI = Boolean(process.env.CI) && !/^(0|false|no)$/i.test(process.env.CI ?? '');
const BROWSER_MODE: 'run' | 'skip' | 'fail' = HAVE_CHROMIUM ? 'run' : IN_CI ? 'fail' : 'skip';
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const BROWSER_TIMEOUT = 60_000;
const VIEWPORT = { width: 1280, height: 900 };
const SHOT_DIR = join(ROOT, 'fixtures-out');

if (BROWSER_MODE === 'skip')
  console.warn(`test/report-browser.test.ts: ${CHROMIUM} not found, the browser tests are SKIPPED (apt-get install chromium to run them; with CI set they fail instead)`);

// ---------------------------------------------------------------------------------------------------------------
// Hostile input

/** Hostile fragments, each expected to show in the report as the literal text. */
const H = {
  script: '<script>window.__pwned=1</script>',
  style: '</style><script>window.__pwned=2</script>',
  img: '<img src=x onerror="window.__pwned=3">',
  comment: '<!-- unterminated comment',
  svg: '<svg onload="window.__pwned=4">',
  pre: '</pre></div></article><plaintext>',
  iframe: "<iframe src=\"javascript:window.__pwned=5\"></iframe><a href='javascript:window.__pwned=6'>click</a>",
  meta: '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=7"><base href="javascript:/">',
  details: '<details open ontoggle="window.__pwned=8">x</details>',
  entity: '&lt;script&gt;window.__pwned=9&lt;/script&gt; &amp; ]]> <![CDATA[ x',
  jslink: '[x](javascript:alert(1)) ![i](javascript:alert(2)) <javascript:alert(3)>',
};
/** Multi-line Markdown breakers: tables, a thematic break / setext underline, fences of 3 and 4 backticks. */
const MD_BREAKERS = '| a | b |\n|---|---|\n| c | d |\n---\n```\nthree\n```\n````js\nfour\n````\n~~~\ntilde';
const BIDI = 'abc\u202Eevil\u202C def \u2066iso\u2069 \u2067rtl\u2069 \u2068fsi\u2069 \u200F\u061C';
const CONTROL = 'nul\u0000bel\u0007esc\u001b[31mred\u001b[0m vt\u000Bff\u000C del\u007F c1\u0085\u009B ls\u2028ps\u2029 bom\uFEFF';
const HOSTILE_IDS = ['<b onmouseover=alert(1)>id</b>', '"><script>window.__pwned=10</script>', "'><img src=x onerror=window.__pwned=11>", 'id\u202Egnp.exe', '| id | x |', 'two\nlines | x |\n---\n# heading\n1. item'];
const HOSTILE_DIR = 'ds<svg onload=window.__pwned=12>';
const HOSTILE_FILE = 'evil"\'<img src=x onerror=window.__pwned=13>.jsonl';
const HOSTILE_TAG_KEY = 'team<script>';
const HOSTILE_ENTRY = {
  id: 'evil-<script>window.__pwned=14</script>',
  vendor: '<img src=x onerror="window.__pwned=15">',
  model: 'model|with|pipes',
  source: '[src](javascript:alert(4))\n| injected | row |\n\n<script>window.__pwned=20</script>',
  team: '<script>window.__pwned=16</script>',
  text:
    'Beekeepers in the valley open their hives only on warm still afternoons, when most foragers are out and the colony is calm. ' +
    '<script>window.__pwned=17</script> They lift each frame slowly, checking for eggs, capped brood, stores of honey and pollen, and any sign of queen ' +
    'cells along the lower edge. A smoker puffing cool white smoke keeps the guards from raising the alarm, and a soft brush moves stray bees ' +
    'without crushing them. In late summer the supers come off, the wax cappings are sliced away with a warm knife, and the frames spin in an ' +
    'extractor until the honey runs clear into the settling tank, where it rests for a week before the jars are filled.',
};
const BIG_LINE_CHARS = 2 * 1024 * 1024;
const BIG_LINE_ID = 'big-line';

interface RegistryRecord {
  id: string;
  text: string;
}
const fixtureEntries = (): RegistryRecord[] =>
  readdirSync(FIXTURE_REGISTRY)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) =>
      readFileSync(join(FIXTURE_REGISTRY, f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as RegistryRecord),
    );

/** The entry's text with `inside` put between two sentences near the middle. */
function split(text: string, inside: string): string {
  const mid = text.indexOf('. ', Math.floor(text.length / 2));
  const at = mid > 0 ? mid + 2 : Math.floor(text.length / 2);
  return `${text.slice(0, at)}${inside} ${text.slice(at)}`;
}

function hostileSamples(entries: RegistryRecord[]): Array<{ id: string; text: string }> {
  const frags = [...Object.values(H), BIDI, CONTROL, MD_BREAKERS];
  const samples: Array<{ id: string; text: string }> = [];
  // every fragment right before, inside and right after a flagged part, so each is in some excerpt
  frags.forEach((f, i) => {
    const e = entries[i % entries.length]!;
    const after = frags[(i + 1) % frags.length]!;
    samples.push({ id: HOSTILE_IDS[i] ?? `hostile-${i}`, text: `${f}\n${split(e.text, f)}\n${after}` });
  });
  // one record of ~2 MB on a single line: an unbreakable run, the entry, hostile text, long words
  const e = entries[0]!;
  const head = 'A'.repeat(BIG_LINE_CHARS / 2);
  const tail = ` ${H.script} ${H.img} ` + 'Z'.repeat(4000) + ' ' + 'word '.repeat(Math.ceil((BIG_LINE_CHARS / 2 - 4200) / 5));
  samples.push({ id: BIG_LINE_ID, text: `${head}${H.svg}${e.text}${tail}` });
  return samples;
}

// ---------------------------------------------------------------------------------------------------------------
// Shared setup: both scans and reports (the Markdown tests need them too)

const tmp = tempDir('report-browser');
let hostile: ReportResult;
let hostileDir: string;
let fixtures: ReportResult;
let fixturesDir: string;

beforeAll(async () => {
  const entries = fixtureEntries();
  expect(entries.length).toBeGreaterThanOrEqual(8);

  // hostile registry: the fixture entries plus one hostile entry, with a hostile tag key as well
  const regIn = join(tmp, 'registry-in');
  mkdirSync(regIn);
  writeJsonl(join(regIn, 'hostile-entry.jsonl'), [HOSTILE_ENTRY]);
  const hostileReg = join(tmp, 'hostile.csreg');
  await buildRegistry({ inputs: [FIXTURE_REGISTRY, regIn], out: hostileReg, tagFields: { ...FIXTURE_TAG_FIELDS, [HOSTILE_TAG_KEY]: 'team' } });

  const shardDir = join(tmp, 'shards', HOSTILE_DIR);
  mkdirSync(shardDir, { recursive: true });
  const samples = hostileSamples(entries);
  samples.push({ id: 'registry-side', text: `${H.comment} ${HOSTILE_ENTRY.text} ${H.details}` });
  const shard = writeJsonl(join(shardDir, HOSTILE_FILE), samples);
  expect(statSync(shard).size).toBeGreaterThan(BIG_LINE_CHARS);
  const hostileScan = join(tmp, 'hostile-scan');
  await scan({ inputs: [shardDir], registry: hostileReg, out: hostileScan, workers: 0, progress: false });
  hostileDir = join(tmp, 'hostile-report');
  hostile = await writeReport({
    dirs: [hostileScan],
    out: hostileDir,
    title: `Report <script>window.__pwned=18</script>`,
    period: '</title><script>window.__pwned=19</script>',
  });

  // the normal fixtures report, compared with a scan of a subset of the fixture files
  const reg = join(tmp, 'fixtures.csreg');
  await buildRegistry({ inputs: [FIXTURE_REGISTRY], out: reg, tagFields: FIXTURE_TAG_FIELDS });
  const prevScan = join(tmp, 'prev-scan');
  await scan({ inputs: [join(FIXTURE_SHARDS, 'chat-dump.jsonl'), join(FIXTURE_SHARDS, 'code-files.json')], registry: reg, out: prevScan, workers: 0, progress: false });
  const fixturesScan = join(tmp, 'fixtures-scan');
  await scan({ inputs: [FIXTURE_SHARDS], registry: reg, out: fixturesScan, workers: 0, progress: false });
  fixturesDir = join(tmp, 'fixtures-report');
  fixtures = await writeReport({ dirs: [fixturesScan], out: fixturesDir, failOver: 0.3, compare: join(prevScan, 'report.json'), period: '2026 Q4' });
}, 120_000);

describe('hostile scan: the setup does what the tests rely on', () => {
  it('every hostile sample is flagged, and the report has evidence for each', () => {
    const matches = readMatches(join(tmp, 'hostile-scan'));
    const flagged = new Set(matches.map((m) => m.sample_id));
    for (const id of [...HOSTILE_IDS, BIG_LINE_ID, 'registry-side']) expect(flagged, id).toContain(id);
    expect(matches.some((m) => m.registry_id === HOSTILE_ENTRY.id)).toBe(true);
    const shown = new Set(hostile.view.evidence.map((e) => e.sample_id));
    for (const id of [...HOSTILE_IDS, BIG_LINE_ID, 'registry-side']) expect(shown, id).toContain(id);
    expect(hostile.view.breakdowns.map((b) => b.key)).toContain(HOSTILE_TAG_KEY);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// report.md through markdown-it with raw HTML allowed

const md = new MarkdownIt({ html: true });

/** A GFM table row split as cmark-gfm does: a backslash escapes the next character, other pipes separate cells. */
function gfmCells(line: string): number {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  let cells = 1;
  let lastSep = -1;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '|') {
      cells++;
      lastSep = i;
    }
  }
  if (lastSep === s.length - 1) cells--; // trailing pipe
  return cells;
}

interface MdCheck {
  src: string;
  html: string;
  tokens: Token[];
}

function renderMd(dir: string): MdCheck {
  const src = readFileSync(join(dir, 'report.md'), 'utf8');
  const tokens = md.parse(src, {});
  return { src, html: md.renderer.render(tokens, md.options, {}), tokens };
}

/** Every start tag in rendered HTML (markdown-it escapes '<' in text, so each literal '<' opens a real tag). */
const startTags = (html: string) => html.match(/<[a-zA-Z][^>]*>/g) ?? [];

function checkMarkdownSafe(c: MdCheck): void {
  expect(c.html).not.toMatch(/<script/i);
  expect(c.html).not.toMatch(/<img/i);
  expect(c.html).not.toMatch(/<(iframe|svg|object|embed|style|meta|base|details|plaintext|a)\b/i);
  for (const tag of startTags(c.html)) {
    expect(tag, tag).not.toMatch(/\son\w+\s*=/i);
    expect(tag, tag).not.toMatch(/javascript:/i);
  }
  // the report writes no raw HTML: with html enabled, any html token came from the data
  const inline = c.tokens.flatMap((t) => t.children ?? []);
  expect(c.tokens.filter((t) => t.type === 'html_block').map((t) => t.content)).toEqual([]);
  expect(inline.filter((t) => t.type === 'html_inline').map((t) => t.content)).toEqual([]);
  // ... and no link or image at all (the data cannot open one; markdown-it would also drop javascript: hrefs)
  expect(inline.filter((t) => t.type === 'link_open' || t.type === 'image').map((t) => t.attrGet('href') ?? t.attrGet('src'))).toEqual([]);
}

function checkTables(c: MdCheck): number {
  const lines = c.src.split('\n');
  const covered = new Set<number>();
  let tables = 0;
  let header = -1;
  let inHead = false;
  let cells = 0;
  for (const t of c.tokens) {
    if ((t.type === 'table_open' || t.type === 'fence' || t.type === 'code_block') && t.map) for (let l = t.map[0]; l < t.map[1]; l++) covered.add(l);
    if (t.type === 'table_open') {
      tables++;
      header = -1;
    }
    if (t.type === 'thead_open') inHead = true;
    if (t.type === 'thead_close') inHead = false;
    if (t.type === 'tr_open') cells = 0;
    if (t.type === 'th_open' || t.type === 'td_open') cells++;
    if (t.type === 'tr_close') {
      if (inHead) header = cells;
      else expect(cells, `table ${tables}`).toBe(header);
    }
    // markdown-it pads or cuts rows to the header's width, so also split each source row as GFM does
    if (t.type === 'tr_open' && t.map) {
      const line = lines[t.map[0]]!;
      const n = gfmCells(line);
      if (header >= 0) expect(n, `line ${t.map[0] + 1}: ${line.slice(0, 200)}`).toBe(header);
    }
  }
  // every line that looks like a table row is part of a table (none broke out of one), outside code blocks
  const stray = lines.map((l, i) => [i, l] as const).filter(([i, l]) => l.startsWith('|') && !covered.has(i));
  expect(stray.map(([i, l]) => `${i + 1}: ${l.slice(0, 120)}`)).toEqual([]);
  return tables;
}

describe('report.md rendered by markdown-it { html: true }', () => {
  it('hostile report: no script, image, event handler, javascript: link or raw HTML in the rendered HTML', () => {
    checkMarkdownSafe(renderMd(hostileDir));
  });

  it('hostile report: every table row has as many cells as its header; no row escapes its table', () => {
    const c = renderMd(hostileDir);
    expect(checkTables(c)).toBeGreaterThanOrEqual(10);
  });

  it('hostile report: the document structure survives (headings, one fence pair per excerpt)', () => {
    const c = renderMd(hostileDir);
    const headings = (tag: string) => c.tokens.flatMap((t, i) => (t.type === 'heading_open' && t.tag === tag ? [c.tokens[i + 1]!.content] : []));
    expect(headings('h1')).toHaveLength(1);
    expect(headings('h2')).toEqual(['Summary', 'Breakdowns', 'Evidence', 'Method and audit trail']);
    const evidence = hostile.view.evidence;
    expect(headings('h3').filter((h) => /^#\d+ · /.test(h))).toHaveLength(evidence.length);
    const fences = c.tokens.filter((t) => t.type === 'fence');
    expect(fences).toHaveLength(evidence.length + evidence.filter((e) => e.entry).length);
    for (const f of fences) expect(f.info).toBe('text');
    expect(c.tokens.filter((t) => t.type === 'hr')).toHaveLength(0);
  });

  it('hostile report: the hostile strings appear escaped, bidi and control characters as visible markers', () => {
    const { html, src } = renderMd(hostileDir);
    expect(html).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(html).toContain('&lt;/style&gt;&lt;script&gt;window.__pwned=2&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=&quot;window.__pwned=3&quot;&gt;');
    expect(html).toContain('&lt;svg onload=&quot;window.__pwned=4&quot;&gt;');
    expect(html).toContain('&lt;!-- unterminated comment');
    expect(html).toContain('&amp;lt;script&amp;gt;window.__pwned=9');
    expect(html).toContain('[x](javascript:alert(1))');
    expect(html).toContain('````js');
    // hostile ids, registry id, tag key and tag value (table cells and lists: escaped Markdown, shown as text)
    expect(html).toContain('&lt;b onmouseover=alert(1)&gt;id&lt;/b&gt;');
    expect(html).toContain('evil-&lt;script&gt;window.__pwned=14&lt;/script&gt;');
    expect(html).toContain('&lt;script&gt;window.__pwned=16&lt;/script&gt;');
    expect(html).toContain('By team&lt;script&gt;');
    expect(html).toContain('model|with|pipes');
    expect(html).toContain('⟦U+202E⟧');
    for (const c of ['\u202E', '\u202C', '\u2066', '\u2067', '\u2068', '\u2069', '\u200F', '\u061C', '\u0000', '\u0007', '\u001b', '\u007F', '\u0085', '\u2028', '\u2029', '\uFEFF'])
      expect(src.includes(c), `U+${c.charCodeAt(0).toString(16)} in report.md`).toBe(false);
    for (const m of ['⟦U+2066⟧', '⟦U+2069⟧', '⟦U+0000⟧', '⟦U+001B⟧', '⟦U+2028⟧']) expect(html).toContain(m);
  });

  it('hostile report: the 2 MB line does not make report.md large', () => {
    const { src } = renderMd(hostileDir);
    expect(src.length).toBeLessThan(400_000);
    expect(src).toContain(BIG_LINE_ID);
  });

  it('fixtures report: safe, and tables well formed', () => {
    const c = renderMd(fixturesDir);
    checkMarkdownSafe(c);
    expect(checkTables(c)).toBeGreaterThanOrEqual(10);
    expect(c.html).toContain('<h2>Evidence</h2>');
  });

  it('fixtures report: escapes never show as backslashes in table cells (e.g. a parameter of 0.3 reads "0.3")', () => {
    const c = renderMd(fixturesDir);
    expect(c.html).toContain('<td>minEntryVariety</td>\n<td style="text-align:right">0.3</td>');
    let inCell = false;
    const shown: string[] = [];
    for (const t of c.tokens) {
      if (t.type === 'td_open' || t.type === 'th_open') inCell = true;
      if (t.type === 'td_close' || t.type === 'th_close') inCell = false;
      if (inCell && t.type === 'inline') shown.push((t.children ?? []).map((x) => x.content).join(''));
    }
    expect(shown.length).toBeGreaterThan(100);
    expect(shown.filter((x) => x.includes('\\'))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// report.html in headless Chromium

interface Opened {
  page: Page;
  /** console messages, dialogs, page errors and requests other than the report itself */
  events: string[];
}

let browser: Browser | undefined;
const contexts: BrowserContext[] = [];

async function open(file: string, viewport = VIEWPORT): Promise<Opened> {
  const context = await browser!.newContext({ viewport, javaScriptEnabled: true });
  contexts.push(context);
  const page = await context.newPage();
  const url = pathToFileURL(file).href;
  const events: string[] = [];
  page.on('console', (m) => events.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => events.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    events.push(`dialog ${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => {});
  });
  page.on('request', (r) => {
    if (r.url() !== url) events.push(`request: ${r.url()}`);
  });
  page.on('popup', (p) => events.push(`popup: ${p.url()}`));
  page.setDefaultTimeout(10_000);
  await page.goto(url, { waitUntil: 'load' });
  // event handlers (onerror, onload, ontoggle) and meta refreshes fire after load: give them time
  await page.waitForTimeout(300);
  return { page, events };
}

/** What ran or got created in the page, as data (the test compiles without the DOM lib, hence the casts). */
async function inspect(page: Page) {
  return page.evaluate(() => {
    const g = globalThis as any;
    const doc = g.document;
    const all: any[] = [...doc.querySelectorAll('*')];
    const urlAttrs = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcset', 'poster'];
    return {
      url: String(g.location.href),
      pwned: g.__pwned === undefined ? 'undefined' : String(g.__pwned),
      scripts: doc.querySelectorAll('script').length,
      onAttrs: all.flatMap((el) => [...el.attributes].filter((a: any) => /^on/i.test(a.name)).map((a: any) => `<${el.localName} ${a.name}>`)),
      imgs: doc.querySelectorAll('img, image').length,
      active: all.filter((el) => /^(iframe|frame|object|embed|link|base|form|input|button|textarea|select|plaintext|xmp|noscript|template|audio|video|source|foreignobject|details|dialog|animate|set|use)$/i.test(el.localName)).map((el) => el.localName),
      metas: [...doc.querySelectorAll('meta')].map((m: any) => m.getAttribute('http-equiv') ?? m.getAttribute('name') ?? m.getAttribute('charset')),
      urls: all.flatMap((el) => urlAttrs.filter((n) => el.hasAttribute(n)).map((n) => `${el.localName} ${n}=${el.getAttribute(n)}`)),
      svgOutsideCharts: [...doc.querySelectorAll('svg')].filter((s: any) => !s.classList.contains('chart') || s.parentElement.closest('svg')).length,
      svgChildTags: [...new Set([...doc.querySelectorAll('svg.chart *')].map((el: any) => el.localName))].sort(),
      styles: doc.querySelectorAll('style').length,
      articles: doc.querySelectorAll('article.ev').length,
      sections: [...doc.querySelectorAll('body > section')].map((s: any) => s.id),
      textLength: doc.body.innerText.length as number,
      textContent: doc.documentElement.textContent as string,
      bodyScrollWidth: doc.body.scrollWidth as number,
      docScrollWidth: doc.documentElement.scrollWidth as number,
      innerWidth: g.innerWidth as number,
      preRights: [...doc.querySelectorAll('pre')].map((p: any) => p.getBoundingClientRect().right as number),
      preWidths: [...doc.querySelectorAll('pre')].map((p: any) => p.scrollWidth - p.clientWidth),
    };
  });
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
function pngSize(file: string): { width: number; height: number; bytes: number } {
  const b = readFileSync(file);
  expect(b.subarray(0, 8).equals(PNG_SIGNATURE), `${file} is a PNG`).toBe(true);
  expect(b.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), bytes: b.length };
}

describe.skipIf(BROWSER_MODE === 'skip')(
  `report.html in headless Chromium${BROWSER_MODE === 'skip' ? ` (SKIPPED: ${CHROMIUM} not found)` : ''}`,
  { timeout: BROWSER_TIMEOUT },
  () => {
    beforeAll(async () => {
      if (BROWSER_MODE === 'fail')
        throw new Error(`CI is set but ${CHROMIUM} does not exist: install Debian's chromium (apt-get install -y --no-install-recommends chromium); the browser tests must run in CI`);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS, timeout: BROWSER_TIMEOUT });
    }, BROWSER_TIMEOUT);

    afterAll(async () => {
      for (const c of contexts) await c.close().catch(() => {});
      await browser?.close();
    }, BROWSER_TIMEOUT);

    describe('hostile report', () => {
      let o: Opened;
      let d: Awaited<ReturnType<typeof inspect>>;
      beforeAll(async () => {
        o = await open(join(hostileDir, 'report.html'));
        d = await inspect(o.page);
      }, BROWSER_TIMEOUT);

      it('no script ran: window.__pwned undefined; no console message, dialog, page error, popup or request', () => {
        expect(d.url).toBe(pathToFileURL(join(hostileDir, 'report.html')).href);
        expect(d.pwned).toBe('undefined');
        expect(o.events).toEqual([]);
      });

      it('the DOM holds no script, event-handler attribute, image, embedded or active element, or foreign URL', () => {
        expect(d.scripts).toBe(0);
        expect(d.onAttrs).toEqual([]);
        expect(d.imgs).toBe(0);
        expect(d.active).toEqual([]);
        expect(d.metas).toEqual(['utf-8', 'Content-Security-Policy', 'viewport', 'generator']);
        expect(d.styles).toBe(1);
        // the only links are the evidence page navigation; SVG only as the report's own charts
        for (const u of d.urls) expect(u).toMatch(/^a href=#evidence-page-\d+$/);
        expect(d.svgOutsideCharts).toBe(0);
        for (const t of d.svgChildTags) expect(['line', 'rect', 'text', 'title']).toContain(t);
        expect(d.sections).toEqual(['summary', 'breakdowns', 'evidence', 'method']);
        expect(d.articles).toBe(hostile.view.evidence.length);
      });

      it('hostile strings are shown as literal text in the evidence', async () => {
        const evidence = await o.page.locator('#evidence').innerText();
        expect(evidence).toContain('<script>window.__pwned=1</script>');
        expect(evidence).toContain('</style><script>window.__pwned=2</script>');
        expect(evidence).toContain('<img src=x onerror="window.__pwned=3">');
        expect(evidence).toContain('<!-- unterminated comment');
        expect(evidence).toContain('<svg onload="window.__pwned=4">');
        expect(evidence).toContain('</pre></div></article><plaintext>');
        expect(evidence).toContain(H.iframe);
        expect(evidence).toContain(H.meta);
        expect(evidence).toContain(H.details);
        expect(evidence).toContain(H.entity);
        expect(evidence).toContain(H.jslink);
        expect(evidence).toContain('````js\nfour\n````');
        expect(evidence).toContain('| a | b |\n|---|---|');
        // sample ids, the registry entry's id, tags and text
        expect(evidence).toContain('<b onmouseover=alert(1)>id</b>');
        expect(evidence).toContain('"><script>window.__pwned=10</script>');
        expect(evidence).toContain("'><img src=x onerror=window.__pwned=11>");
        expect(evidence).toContain(HOSTILE_ENTRY.id);
        expect(evidence).toContain(`vendor=${HOSTILE_ENTRY.vendor}`);
        expect(evidence).toContain(`${HOSTILE_TAG_KEY}=${HOSTILE_ENTRY.team}`);
        expect(evidence).toContain('<script>window.__pwned=17</script>');
        // the hostile file and directory names
        expect(evidence).toContain(`${HOSTILE_DIR}/${HOSTILE_FILE}`);
        // every evidence item highlights its match
        const items = o.page.locator('#evidence article.ev');
        const n = await items.count();
        for (let i = 0; i < n; i++) expect(await items.nth(i).locator('mark').count(), `article ${i + 1}`).toBeGreaterThan(0);
      });

      it('hostile title, period, dataset, tag key and tag values are text in the header, charts and tables', async () => {
        expect(await o.page.title()).toBe('Report <script>window.__pwned=18</script> · </title><script>window.__pwned=19</script>');
        expect(await o.page.locator('h1').innerText()).toBe('Report <script>window.__pwned=18</script>');
        const breakdowns = await o.page.locator('#breakdowns').innerText();
        expect(breakdowns).toContain(`By ${HOSTILE_TAG_KEY}`);
        expect(breakdowns).toContain(HOSTILE_ENTRY.team);
        expect(breakdowns).toContain(HOSTILE_ENTRY.vendor);
        expect(breakdowns).toContain(HOSTILE_DIR);
        expect(breakdowns).toContain(HOSTILE_ENTRY.id);
        expect(await o.page.locator('#method').innerText()).toContain(HOSTILE_FILE);
        // chart labels (SVG <text>) hold the hostile text as text too
        const labels = await o.page.locator('svg.chart text').allTextContents();
        expect(labels.some((l) => l.startsWith('<img src=x'))).toBe(true);
      });

      it('bidi and control characters are shown as visible markers, never applied', () => {
        for (const c of ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C'])
          expect(d.textContent.includes(c), `U+${c.charCodeAt(0).toString(16)} in the document`).toBe(false);
        for (const c of ['\u0000', '\u0007', '\u001b', '\u000B', '\u000C', '\u007F', '\u0085', '\u009B', '\u2028', '\u2029', '\uFEFF'])
          expect(d.textContent.includes(c), `U+${c.charCodeAt(0).toString(16)} in the document`).toBe(false);
        for (const m of ['⟦U+202E⟧', '⟦U+202C⟧', '⟦U+2066⟧', '⟦U+2067⟧', '⟦U+2068⟧', '⟦U+2069⟧', '⟦U+200F⟧', '⟦U+061C⟧', '⟦U+0000⟧', '⟦U+0007⟧', '⟦U+001B⟧', '⟦U+007F⟧', '⟦U+2028⟧'])
          expect(d.textContent, m).toContain(m);
        expect(d.textContent).toContain('id⟦U+202E⟧gnp.exe');
      });

      it('the 2 MB line keeps the page small and within the viewport width', async () => {
        expect(statSync(join(hostileDir, 'report.html')).size).toBeLessThan(500_000);
        expect(d.textLength).toBeLessThan(300_000);
        expect(d.textContent.length).toBeLessThan(400_000);
        expect(d.bodyScrollWidth).toBeLessThanOrEqual(d.innerWidth + 2);
        expect(d.docScrollWidth).toBeLessThanOrEqual(d.innerWidth + 2);
        for (const r of d.preRights) expect(r).toBeLessThanOrEqual(d.innerWidth + 2);
        for (const w of d.preWidths) expect(w, 'no horizontal scrolling inside an excerpt').toBeLessThanOrEqual(1);
        const big = o.page.locator('article.ev', { hasText: BIG_LINE_ID }).first();
        expect(await big.count()).toBe(1);
        const text = await big.innerText();
        expect(text).toMatch(/characters before/);
        expect(text).toMatch(/characters after/);
        expect(text.length).toBeLessThan(10_000);
      });

      it('on a phone-sized viewport the page fits its width: header and evidence wrap, wide tables scroll in their own box', async () => {
        const narrow = await open(join(hostileDir, 'report.html'), { width: 390, height: 844 });
        const n = await inspect(narrow.page);
        const rights = await narrow.page.locator('header, #evidence article.ev, #evidence pre, #evidence .wrap, #evidence .tags').evaluateAll((els: any[]) =>
          els.map((el) => Math.round(el.getBoundingClientRect().right as number)),
        );
        expect(rights.length).toBeGreaterThan(hostile.view.evidence.length * 3);
        for (const r of rights) expect(r).toBeLessThanOrEqual(n.innerWidth + 2);
        for (const w of n.preWidths) expect(w).toBeLessThanOrEqual(1);
        expect(n.docScrollWidth).toBeLessThanOrEqual(n.innerWidth + 2);
        expect(narrow.events).toEqual([]);
      });

      it('without its Content-Security-Policy (a viewer that drops it), still nothing runs: the escaping alone holds', async () => {
        const html = readFileSync(join(hostileDir, 'report.html'), 'utf8');
        const stripped = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>\n?/, '');
        expect(stripped.length).toBeLessThan(html.length);
        const file = join(tmp, 'report-without-csp.html');
        writeFileSync(file, stripped);
        const bare = await open(file);
        const b = await inspect(bare.page);
        expect(b.pwned).toBe('undefined');
        expect(b.scripts).toBe(0);
        expect(b.onAttrs).toEqual([]);
        expect(b.imgs).toBe(0);
        expect(bare.events).toEqual([]);
      });
    });

    describe('fixtures report (--fail-over 0.3, compared with a previous scan)', () => {
      let o: Opened;
      beforeAll(async () => {
        o = await open(join(fixturesDir, 'report.html'));
      }, BROWSER_TIMEOUT);

      it('summary and verdict are visible; the verdict agrees with the policy', async () => {
        expect(o.events).toEqual([]);
        expect(await o.page.locator('#summary').isVisible()).toBe(true);
        const verdict = o.page.locator('#verdict');
        expect(await verdict.isVisible()).toBe(true);
        const text = await verdict.innerText();
        expect(fixtures.view.policy.threshold).toBe(0.3);
        expect(text).toMatch(fixtures.view.policy.pass ? /^PASS: flagged [\d.]+% of samples; threshold 30\.000%$/ : /^FAIL: flagged [\d.]+% of samples; threshold 30\.000%$/);
        const summary = await o.page.locator('#summary').innerText();
        expect(summary).toContain('Flagged samples');
        expect(summary).toContain('since last report');
        expect(summary).toContain('Compared with');
        expect(await o.page.locator('#summary .tile').count()).toBe(fixtures.view.headline.length);
      });

      it('every breakdown has a visible chart with a non-zero box, plus the threshold gauge', async () => {
        const charts = o.page.locator('svg.chart');
        const n = await charts.count();
        const sections = ['summary', 'by-vendor', 'by-model', 'by-source', 'by-kind', 'by-dataset', 'by-shard', 'scores'];
        expect(n).toBeGreaterThanOrEqual(sections.length);
        for (const id of sections) expect(await o.page.locator(`#${id} svg.chart`).count(), id).toBeGreaterThanOrEqual(1);
        for (let i = 0; i < n; i++) {
          const c = charts.nth(i);
          expect(await c.isVisible(), `chart ${i}`).toBe(true);
          const box = await c.boundingBox();
          expect(box, `chart ${i}`).not.toBeNull();
          expect(box!.width, `chart ${i}`).toBeGreaterThan(100);
          expect(box!.height, `chart ${i}`).toBeGreaterThan(20);
          expect(await c.locator('rect').count(), `chart ${i} draws bars`).toBeGreaterThan(0);
        }
        // the compare run draws last period's bars and a legend
        expect(await o.page.locator('#breakdowns .legend').isVisible()).toBe(true);
        expect(await o.page.locator('#by-vendor svg.chart rect[fill="#a0aec0"]').count()).toBeGreaterThan(0);
      });

      it('the top entries table and the evidence section are present and visible', async () => {
        const top = o.page.locator('#top-entries table');
        expect(await top.isVisible()).toBe(true);
        expect(await top.locator('tr').count()).toBe(fixtures.view.top_entries.length + 1);
        expect(fixtures.view.top_entries.length).toBeGreaterThan(0);
        expect(await o.page.locator('#evidence').isVisible()).toBe(true);
        const items = o.page.locator('#evidence article.ev');
        const n = await items.count();
        expect(n).toBe(fixtures.view.evidence.length);
        expect(n).toBeGreaterThanOrEqual(1);
        for (let i = 0; i < n; i++) {
          const item = items.nth(i);
          expect(await item.isVisible(), `evidence ${i + 1}`).toBe(true);
          const mark = item.locator('mark');
          expect(await mark.count(), `evidence ${i + 1} has a <mark>`).toBeGreaterThan(0);
          expect(await mark.first().isVisible(), `evidence ${i + 1}`).toBe(true);
        }
        const d = await inspect(o.page);
        expect(d.pwned).toBe('undefined');
        expect(d.scripts).toBe(0);
        expect(d.imgs).toBe(0);
        expect(d.bodyScrollWidth).toBeLessThanOrEqual(d.innerWidth + 2);
      });

      it('screenshots: full page and the summary in the viewport, as non-empty PNGs in fixtures-out/', async () => {
        mkdirSync(SHOT_DIR, { recursive: true });
        const full = join(SHOT_DIR, 'report-screenshot.png');
        await o.page.screenshot({ path: full, fullPage: true });
        const f = pngSize(full);
        expect(f.bytes).toBeGreaterThan(10_000);
        expect(f.width).toBe(VIEWPORT.width);
        expect(f.height).toBeGreaterThan(VIEWPORT.height);

        const summary = join(SHOT_DIR, 'report-summary.png');
        await o.page.locator('#summary').evaluate((el: any) => el.scrollIntoView({ block: 'start' }));
        await o.page.screenshot({ path: summary });
        const s = pngSize(summary);
        expect(s.bytes).toBeGreaterThan(5_000);
        expect(s).toMatchObject({ width: VIEWPORT.width, height: VIEWPORT.height });
      });

      it('prints to PDF', async () => {
        // headless Chromium prints (page.pdf is Chromium-only and works with the Debian build used here)
        const pdf = await o.page.pdf({ format: 'A4', printBackground: true });
        expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
        expect(pdf.length).toBeGreaterThan(20_000);
        expect(pdf.subarray(-1024).toString('latin1')).toContain('%%EOF');
      });
    });
  },
);
