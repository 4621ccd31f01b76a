/** Dot paths into records: "text", "choices.0.turns.0", "messages.-1.content" (negative index counts from the end). */

const cache = new Map<string, string[]>();

function segments(path: string): string[] {
  let s = cache.get(path);
  if (!s) {
    s = path.split('.');
    if (cache.size > 1000) cache.clear();
    cache.set(path, s);
  }
  return s;
}

function step(value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    const c = key.charCodeAt(0);
    if (!((c >= 48 && c <= 57) || c === 45) || !/^-?\d+$/.test(key)) return undefined;
    const i = Number(key);
    return value[i < 0 ? value.length + i : i];
  }
  return Object.prototype.hasOwnProperty.call(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * Value at a dot path, or undefined when any step is missing. Array steps take a decimal index (negative counts
 * from the end). A key that itself contains dots is found when the split path finds nothing.
 */
export function getPath(record: unknown, path: string): unknown {
  if (path.indexOf('.') === -1) return step(record, path);
  let v: unknown = record;
  for (const key of segments(path)) {
    v = step(v, key);
    if (v === undefined) return step(record, path);
  }
  return v;
}

/** The top-level key a path starts with (the Parquet column to read for it). */
export function topLevelKey(path: string): string {
  const i = path.indexOf('.');
  return i === -1 ? path : path.slice(0, i);
}

/** Name of a value's type for messages: "number", "array", "object", "null", ... */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Uint8Array) return 'bytes';
  return typeof v;
}
