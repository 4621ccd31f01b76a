/**
 * Input resolution: turn the user's paths, directories and globs into a sorted, de-duplicated list of files
 * with their format and compression, before any work starts.
 */
import { readdir, stat, realpath } from 'node:fs/promises';
import { basename, join, normalize, resolve, sep } from 'node:path';
import { ContamscanError } from '../errors.js';

export type InputFormat = 'jsonl' | 'json' | 'parquet';
export type Compression = 'none' | 'gzip' | 'zstd';
export interface InputFile {
  path: string;
  format: InputFormat;
  compression: Compression;
  size: number;
}

const FORMAT_BY_EXT: Record<string, InputFormat> = { jsonl: 'jsonl', ndjson: 'jsonl', json: 'json', parquet: 'parquet' };
const COMPRESSION_BY_EXT: Record<string, Compression> = { gz: 'gzip', zst: 'zstd', zstd: 'zstd' };
export const SUPPORTED_EXTENSIONS =
  '.jsonl, .ndjson, .json (each optionally + .gz or .zst), .parquet';

/** Format and compression from a file name (case-insensitive), or undefined when the extension is not supported. */
export function detectFormat(path: string): { format: InputFormat; compression: Compression } | undefined {
  const name = basename(path).toLowerCase();
  const parts = name.split('.');
  if (parts.length < 2) return undefined;
  let ext = parts[parts.length - 1]!;
  let compression: Compression = 'none';
  if (ext in COMPRESSION_BY_EXT) {
    if (parts.length < 3) return undefined;
    compression = COMPRESSION_BY_EXT[ext]!;
    ext = parts[parts.length - 2]!;
  }
  const format = FORMAT_BY_EXT[ext];
  if (!format) return undefined;
  if (format === 'parquet' && compression !== 'none') return undefined; // parquet compresses its own pages
  return { format, compression };
}

const isGlob = (s: string): boolean => /[*?]/.test(s);

/** Glob pattern -> RegExp over '/'-separated paths. `**` spans directories, `*` and `?` stay within one segment. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        // "**/" matches zero or more directories; a bare "**" matches anything
        if (pattern[i + 2] === '/') {
          re += '(?:.*/)?';
          i += 2;
        } else {
          re += '.*';
          i += 1;
        }
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

interface Found {
  files: Map<string, InputFile>; // by absolute path
  ignored: Set<string>;
}

async function statOrUndefined(p: string) {
  try {
    return await stat(p);
  } catch {
    return undefined;
  }
}

/**
 * Walk a directory recursively (following symlinks, skipping hidden directories such as .git, never visiting
 * the same real directory twice). Calls `onFile` with each regular file's path in sorted order.
 */
async function walk(dir: string, onFile: (path: string, size: number) => void, seen: Set<string>): Promise<void> {
  const real = await realpath(dir);
  if (seen.has(real)) return;
  seen.add(real);
  const entries = (await readdir(dir)).sort();
  for (const name of entries) {
    const p = join(dir, name);
    const st = await statOrUndefined(p);
    if (!st) continue; // dangling symlink
    if (st.isDirectory()) {
      if (name.startsWith('.')) continue;
      await walk(p, onFile, seen);
    } else if (st.isFile()) onFile(p, st.size);
  }
}

function addFile(found: Found, path: string, size: number, explicit: boolean): boolean {
  const det = detectFormat(path);
  if (!det) {
    if (explicit)
      throw new ContamscanError(
        'E_USAGE',
        `unsupported input file extension: ${path} (supported: ${SUPPORTED_EXTENSIONS})`,
        { file: path },
      );
    found.ignored.add(path);
    return false;
  }
  const key = resolve(path);
  if (!found.files.has(key)) found.files.set(key, { path, ...det, size });
  return true;
}

/** Split a glob into its literal directory prefix and the remaining pattern. */
function globBase(pattern: string): string {
  const segs = pattern.split('/');
  const lit: string[] = [];
  for (const s of segs) {
    if (isGlob(s)) break;
    lit.push(s);
  }
  if (lit.length === segs.length) lit.pop();
  if (lit.length === 0) return '.';
  if (lit.length === 1 && lit[0] === '') return '/';
  return lit.join('/');
}

/**
 * Files, directories (walked recursively), globs (*, **, ?). Result sorted by path, de-duplicated, deterministic.
 * A path or glob that matches nothing (or a directory holding no supported file) throws E_INPUT_MISSING naming it,
 * before any work is done. An explicitly named file with an unsupported extension throws E_USAGE; inside walked
 * directories and glob matches unsupported files are returned in `ignored` instead.
 */
export async function resolveInputs(inputs: string[]): Promise<{ files: InputFile[]; ignored: string[] }> {
  if (inputs.length === 0) throw new ContamscanError('E_USAGE', 'no input paths given');
  const found: Found = { files: new Map(), ignored: new Set() };
  for (const raw of inputs) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw))
      throw new ContamscanError('E_USAGE', `unsupported input URL: ${raw} (only local paths are supported here)`, { file: raw });
    const input = raw.length > 1 ? normalize(raw).replace(/\/+$/, '') || '/' : raw;
    let matched = 0;
    if (isGlob(input)) {
      const base = globBase(input);
      const re = globToRegExp(input.startsWith('./') ? input.slice(2) : input);
      const baseSt = await statOrUndefined(base);
      if (baseSt?.isDirectory()) {
        const seen = new Set<string>();
        const candidates: Array<[string, number]> = [];
        await walk(base, (p, size) => candidates.push([p, size]), seen);
        for (const [p, size] of candidates) {
          const rel = p; // join() already normalized the path
          // a glob matches a file directly, or a directory that holds it (e.g. data/* matches data/sub/x.jsonl)
          let hit = re.test(rel.split(sep).join('/'));
          if (!hit) {
            const parts = rel.split(sep);
            for (let k = parts.length - 1; k > 0 && !hit; k--) hit = re.test(parts.slice(0, k).join('/'));
          }
          if (hit && addFile(found, p, size, false)) matched++;
        }
      }
      if (matched === 0)
        throw new ContamscanError('E_INPUT_MISSING', `input glob matches no supported file: ${raw}`, { file: raw });
      continue;
    }
    const st = await statOrUndefined(input);
    if (!st) throw new ContamscanError('E_INPUT_MISSING', `input path does not exist: ${raw}`, { file: raw });
    if (st.isDirectory()) {
      await walk(input, (p, size) => {
        if (addFile(found, p, size, false)) matched++;
      }, new Set());
      if (matched === 0)
        throw new ContamscanError(
          'E_INPUT_MISSING',
          `input directory holds no supported file (${SUPPORTED_EXTENSIONS}): ${raw}`,
          { file: raw },
        );
    } else {
      addFile(found, input, st.size, true);
    }
  }
  const files = [...found.files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const ignored = [...found.ignored].sort();
  return { files, ignored };
}
