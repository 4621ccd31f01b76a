/** Seeded text transformations that turn a registry entry into a contaminated sample. */
import { Rng, words } from './util.js';

/** Whitespace reflow, markdown added or removed, case changes: 2-3 of them, never a no-op. */
export function reformat(text: string, rng: Rng): { text: string; ops: string[] } {
  const ops = rng.sample(['reflow', 'md_add', 'md_strip', 'case', 'indent_ws'], rng.int(2, 3));
  let t = text;
  for (const op of ops) {
    if (op === 'reflow') {
      // collapse runs of whitespace, then wrap at 50-90 columns (keeps paragraph breaks)
      const width = rng.int(50, 90);
      t = t
        .split(/\n\s*\n/)
        .map((para) => wrap(para.replace(/\s+/g, ' ').trim(), width))
        .join(rng.chance(0.5) ? '\n\n' : '\n');
    } else if (op === 'md_add') {
      const lines = t.split('\n');
      t = lines
        .map((l, i) => {
          if (!l.trim()) return l;
          if (i === 0 && rng.chance(0.6)) return `## ${l}`;
          if (rng.chance(0.25)) return `- ${l}`;
          return l.replace(/\b([A-Za-z]{6,})\b/, (m) => (rng.chance(0.4) ? `**${m}**` : m));
        })
        .join('\n');
    } else if (op === 'md_strip') {
      t = t
        .replace(/\*\*([^*]+)\*\*/g, '$1')
        .replace(/__([^_]+)__/g, '$1')
        .replace(/^#{1,6}\s+/gm, '')
        .replace(/^(\s*)(?:[-*+]|\d+[.)])\s+/gm, '$1')
        .replace(/`/g, '');
    } else if (op === 'case') {
      const m = rng.int(0, 2);
      t = m === 0 ? t.toLowerCase() : m === 1 ? t.toUpperCase() : t.replace(/\b[a-z]/g, (c) => c.toUpperCase());
    } else {
      // tabs <-> spaces and trailing spaces, CRLF line ends
      t = t.replace(/^( {2}|\t)+/gm, (m) => m.replace(/ {2}|\t/g, rng.chance(0.5) ? '\t' : '   ')).replace(/\n/g, rng.chance(0.5) ? ' \r\n' : '\n');
    }
  }
  if (t === text) t = text.toUpperCase() === text ? text.toLowerCase() : text.toUpperCase();
  return { text: t, ops };
}

function wrap(s: string, width: number): string {
  const out: string[] = [];
  let line = '';
  for (const w of s.split(' ')) {
    if (line && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out.join('\n');
}

/**
 * Edit a fraction of the word tokens: each chosen word is substituted (by a word from elsewhere), deleted, or
 * gets a random word inserted after it, in equal proportions. Separators (whitespace, newlines) are kept.
 */
export function editWords(text: string, frac: number, pool: readonly string[], rng: Rng): { text: string; edits: number; words: number } {
  const parts = text.split(/(\s+)/); // even indices: tokens, odd: separators
  const idx: number[] = [];
  for (let i = 0; i < parts.length; i += 2) if (parts[i]) idx.push(i);
  const k = Math.max(1, Math.round(idx.length * frac));
  const chosen = new Set(rng.sample(idx, k));
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (i % 2 === 1 || !chosen.has(i)) {
      out.push(parts[i]);
      continue;
    }
    const op = rng.int(0, 2);
    if (op === 0) out.push(rng.pick(pool));
    else if (op === 1) {
      if (i + 1 < parts.length) i++; // drop the word and its following separator
    } else out.push(parts[i], ' ', rng.pick(pool));
  }
  return { text: out.join(''), edits: k, words: idx.length };
}

/** A contiguous slice of 50-70% of the word tokens, cut at whitespace. */
export function partialSlice(text: string, rng: Rng): { text: string; frac: number } {
  const re = /\S+/g;
  const pos: [number, number][] = [];
  for (let m = re.exec(text); m; m = re.exec(text)) pos.push([m.index, m.index + m[0].length]);
  const frac = 0.5 + rng.next() * 0.2;
  const n = Math.max(1, Math.round(pos.length * frac));
  const start = rng.int(0, pos.length - n);
  return { text: text.slice(pos[start][0], pos[start + n - 1][1]), frac: n / pos.length };
}

/** Does this text look like source code (or hold fenced code)? Decides the host text for embedding. */
export function isCodey(text: string): boolean {
  if (/```/.test(text)) return true;
  const lines = text.split('\n').filter((l) => l.trim());
  if (lines.length < 3) return false;
  const codeLike = lines.filter((l) => /[;{}()=]\s*$|^\s{2,}|^\s*(def|class|import|return|#include|function|const|let|var)\b/.test(l)).length;
  return codeLike / lines.length >= 0.5;
}

/** Fraction of non-blank lines that are code: inside ``` fences, or everything when there is no fence. */
export function codeFraction(text: string): number {
  if (!/```/.test(text)) return isCodey(text) ? 1 : 0;
  let inFence = false;
  let code = 0;
  let all = 0;
  for (const l of text.split('\n')) {
    if (/^\s*```/.test(l)) {
      inFence = !inFence;
      continue;
    }
    if (!l.trim()) continue;
    all++;
    if (inFence) code++;
  }
  return all ? code / all : 0;
}

const KEYWORDS = new Set(
  (
    // JS/TS
    'break case catch class const continue debugger default delete do else export extends finally for function if import in ' +
    'instanceof new return super switch this throw try typeof var void while with yield let static enum await implements package ' +
    'protected interface private public async of get set type declare readonly abstract as from any number string boolean unknown never ' +
    'undefined null true false NaN Infinity console Math JSON Object Array String Number Boolean Promise Error Map Set Date RegExp ' +
    'window document require module exports process Symbol parseInt parseFloat setTimeout fetch ' +
    // Python
    'and assert def del elif except global is lambda nonlocal not or pass raise None True False print len range self cls int float ' +
    'str list dict set tuple open input enumerate zip sorted map filter sum min max abs isinstance super __init__ __name__ __main__ ' +
    // Java / C-family
    'boolean byte char double final float goto long native short strictfp synchronized throws transient volatile void int unsigned ' +
    'signed struct union typedef sizeof extern register auto inline using namespace std cout cin endl include define main System out ' +
    'println printf scanf malloc free nullptr template typename virtual operator friend delete bool size_t vector string List ArrayList ' +
    'HashMap Integer Override println fmt func go chan defer fallthrough range select var package import'
  ).split(/\s+/),
);

const FRESH = ('alpha bravo cargo delta ember fable gamma harbor ion jade kilo lumen mango nectar onyx pivot quill raven sable tango ' +
  'umber vortex willow xenon yarrow zephyr acorn birch cedar dune elm fern grove hazel iris juniper kelp larch maple nettle oak').split(' ');

/**
 * Rename user identifiers consistently (not keywords/builtins, not imported names, not after a '.'), leave strings
 * and comments alone,
 * swap ' <-> " quotes where the literal allows, and re-indent (2 <-> 4 spaces or tabs). What a plagiarist does.
 */
export function renameCode(code: string, rng: Rng): { text: string; renamed: number } {
  const tokenRe = /("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`|\/\/[^\n]*|#[^\n]*|\/\*[\s\S]*?\*\/|[A-Za-z_$][\w$]*|\s+|.)/g;
  const existing = new Set(code.match(/[A-Za-z_$][\w$]*/g) ?? []);
  // names bound by imports are library names (csv, Flask, request, useState): a plagiarist keeps them
  const imported = new Set<string>();
  for (const line of code.split('\n')) {
    if (/^\s*(import|from|#\s*include|using|package)\b|\brequire\s*\(/.test(line)) for (const w of line.match(/[A-Za-z_$][\w$]*/g) ?? []) imported.add(w);
  }
  const names = new Map<string, string>();
  const pool = rng.shuffle(FRESH);
  let counter = 0;
  const fresh = (): string => {
    for (;;) {
      const base = pool[counter % pool.length];
      const name = counter < pool.length ? base : `${base}${Math.floor(counter / pool.length)}`;
      counter++;
      if (!existing.has(name)) return name;
    }
  };
  const swapQuotes = !/'''|"""/.test(code) && rng.chance(0.8);
  let prevSig = '';
  let out = '';
  for (const m of code.matchAll(tokenRe)) {
    const tok = m[0];
    if (/^[A-Za-z_$]/.test(tok)) {
      if (!KEYWORDS.has(tok) && !imported.has(tok) && prevSig !== '.' && tok.length > 1) {
        let n = names.get(tok);
        if (!n) {
          n = fresh();
          names.set(tok, n);
        }
        out += n;
      } else out += tok;
    } else if (swapQuotes && tok.length >= 2 && tok[0] === "'" && !tok.includes('"')) out += `"${tok.slice(1, -1)}"`;
    else if (swapQuotes && tok.length >= 2 && tok[0] === '"' && !tok.slice(1, -1).includes("'")) out += `'${tok.slice(1, -1)}'`;
    else out += tok;
    if (!/^\s+$/.test(tok)) prevSig = tok;
  }
  return { text: reindent(out, rng), renamed: names.size };
}

function reindent(code: string, rng: Rng): string {
  const lines = code.split('\n');
  const widths = lines.map((l) => (l.match(/^ +/)?.[0].length ?? 0)).filter((w) => w > 0);
  const unit = widths.length ? Math.min(...widths) : 4;
  const target = unit === 2 ? rng.pick(['    ', '\t']) : unit >= 4 ? rng.pick(['  ', '\t']) : '    ';
  return lines
    .map((l) => {
      const m = l.match(/^( +|\t+)/);
      if (!m) return l;
      const level = m[0][0] === '\t' ? m[0].length : Math.round(m[0].length / unit);
      return target.repeat(level) + l.slice(m[0].length);
    })
    .join('\n');
}

/** Apply renameCode to fenced blocks only, or to the whole text when it has no fences. */
export function renameCodeIn(text: string, rng: Rng): { text: string; renamed: number } {
  if (!/```/.test(text)) return renameCode(text, rng);
  let renamed = 0;
  const t = text.replace(/(```[^\n]*\n)([\s\S]*?)(```)/g, (_all, open: string, body: string, close: string) => {
    const r = renameCode(body, rng);
    renamed += r.renamed;
    return open + r.text + close;
  });
  return { text: t, renamed };
}

/** Insert `inserts` into a host text at distinct random boundaries ('\n\n' for prose, '\n' for code). */
export function embed(host: string, inserts: string[], code: boolean, rng: Rng): { text: string; spans: [number, number][] } {
  const sep = code ? '\n' : '\n\n';
  const units = host.split(sep);
  const slots = rng.sample(Array.from({ length: units.length + 1 }, (_, i) => i), inserts.length).sort((a, b) => a - b);
  const parts: string[] = [];
  const spans: [number, number][] = [];
  let ins = 0;
  let len = 0;
  for (let i = 0; i <= units.length; i++) {
    while (ins < slots.length && slots[ins] === i) {
      spans.push([len, len + inserts[ins].length]);
      parts.push(inserts[ins]);
      len += inserts[ins].length + sep.length;
      ins++;
    }
    if (i < units.length) {
      parts.push(units[i]);
      len += units[i].length + sep.length;
    }
  }
  return { text: parts.join(sep), spans };
}

/** Fraction of `a`'s distinct word n-grams that occur in `b` (containment of a in b). */
export function ngramContainment(a: string, b: string, n = 5): number {
  const grams = (t: string): Set<string> => {
    const w = words(t);
    const s = new Set<string>();
    for (let i = 0; i + n <= w.length; i++) s.add(w.slice(i, i + n).join(' '));
    return s;
  };
  const ga = grams(a);
  if (ga.size === 0) return 0;
  const gb = grams(b);
  let hit = 0;
  for (const g of ga) if (gb.has(g)) hit++;
  return hit / ga.size;
}
