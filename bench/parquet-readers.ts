/**
 * Parquet reader benchmark (parquetjs-lite 0.8.7 vs hyparquet) and JSONL reader throughput.
 *
 * Generates, in --dir (default /tmp/contamscan-bench, never in the repo), Parquet files of real text from
 * ../shared/data repeated to --mb MB of text (default 80), written by DuckDB in several variants, and a JSONL
 * file of --jsonl-mb MB (default 200) in plain, .gz and .zst. Then times each reader reading the text column,
 * median of --runs (default 3), and prints markdown tables.
 *
 *   mkdir -p /tmp/duck && cd /tmp/duck && npm install --no-save @duckdb/node-api parquet-wasm apache-arrow
 *   cd /work/main && npx tsc -p tsconfig.json   # or any build that emits dist/bench/parquet-readers.js
 *   SCRATCH_MODULES=/tmp/duck/node_modules node dist/bench/parquet-readers.js [--dir D] [--mb 80] [--jsonl-mb 200]
 *
 * DUCKDB_MODULE may point at @duckdb/node-api's entry instead of SCRATCH_MODULES. Without DuckDB, generation is
 * skipped and the Parquet files already in --dir are used. parquet-wasm + apache-arrow (optional) add a variant
 * with real DATA_PAGE_V2 pages written by arrow-rs, the layout pyarrow-era writers produce.
 */
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync, createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { createReadStream } from 'node:fs';
import { createGzip } from 'node:zlib';
import { CompressStream } from 'zstd-napi';
import { parquetMetadataAsync, parquetRead } from 'hyparquet';
import { compressors as stockCompressors } from 'hyparquet-compressors';
import { readFile } from '../src/readers/index.js';
import { resolveInputs } from '../src/io/inputs.js';
import { localSource } from '../src/io/source.js';
import { asyncBufferOf, parquetCompressors } from '../src/readers/parquet.js';
import os from 'node:os';

const require = createRequire(import.meta.url);

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
}
const DIR = arg('dir', '/tmp/contamscan-bench');
const TEXT_MB = Number(arg('mb', '80'));
const JSONL_MB = Number(arg('jsonl-mb', '200'));
const RUNS = Number(arg('runs', '3'));
const DATA = arg('data', join(import.meta.dirname ?? '.', '..', '..', '..', 'shared', 'data'));
const SCRATCH = process.env.SCRATCH_MODULES ?? '/tmp/duck/node_modules';
const MB = 1e6;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** Real texts (model answers, instructions/responses) read with our own readers. */
async function corpus(): Promise<string[]> {
  const dataDir = existsSync(DATA) ? DATA : '/work/shared/data';
  const texts: string[] = [];
  const sets: Array<[string, string | undefined]> = [
    [join(dataDir, 'alpaca_eval_outputs'), 'output'],
    [join(dataDir, 'gpteacher'), 'response'],
    [join(dataDir, 'arena_hard_answers/data/arena-bench-v1/model_answer'), 'choices.0.turns.0'],
  ];
  for (const [p, textField] of sets) {
    if (!existsSync(p)) continue;
    const { files } = await resolveInputs([p]);
    for (const f of files)
      for await (const b of readFile(f, textField ? { textField } : {})) for (const s of b.samples) texts.push(s.text);
  }
  if (texts.length === 0) throw new Error(`no real text found under ${dataDir}; pass --data`);
  return texts;
}

async function writeJsonl(path: string, texts: string[], targetBytes: number, dict = 0): Promise<{ rows: number; textBytes: number }> {
  const out = createWriteStream(path);
  let bytes = 0;
  let rows = 0;
  let textBytes = 0;
  const models = ['gpt-4', 'claude-2', 'gpt-3.5', 'claude-1', 'llama'];
  while (bytes < targetBytes) {
    const text = texts[(dict ? rows % dict : rows) % texts.length]!;
    const line = JSON.stringify({ id: `doc-${rows}`, text, model: models[rows % 5] }) + '\n';
    textBytes += Buffer.byteLength(text);
    bytes += Buffer.byteLength(line);
    rows++;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { rows, textBytes };
}

interface Variant {
  name: string;
  file: string;
  note: string;
}

async function generateParquet(texts: string[]): Promise<Variant[]> {
  const variants: Variant[] = [];
  const duckEntry = process.env.DUCKDB_MODULE ?? join(SCRATCH, '@duckdb/node-api/lib/index.js');
  if (!existsSync(duckEntry)) {
    console.error(`DuckDB not found at ${duckEntry}: using the .parquet files already in ${DIR}`);
    for (const f of readdirSync(DIR).filter((f) => f.endsWith('.parquet')).sort())
      variants.push({ name: f.replace(/\.parquet$/, ''), file: join(DIR, f), note: '' });
    return variants;
  }
  const { DuckDBInstance } = await import(`file://${duckEntry}`);
  const src = join(DIR, 'parquet-source.jsonl');
  const dictSrc = join(DIR, 'parquet-dict-source.jsonl');
  await writeJsonl(src, texts, TEXT_MB * MB * 1.1);
  await writeJsonl(dictSrc, texts, TEXT_MB * MB * 1.1, 500);
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const read = (p: string) => `SELECT * FROM read_json('${p}', format='newline_delimited', columns={id: 'VARCHAR', text: 'VARCHAR', model: 'VARCHAR'}, maximum_object_size=100000000)`;
  const specs: Array<[string, string, string, string]> = [
    ['snappy', src, 'COMPRESSION snappy', 'DuckDB default codec'],
    ['gzip', src, 'COMPRESSION gzip', ''],
    ['zstd', src, 'COMPRESSION zstd', ''],
    ['uncompressed', src, 'COMPRESSION uncompressed', ''],
    ['duckdb-v2-zstd', src, 'COMPRESSION zstd, PARQUET_VERSION V2', 'format v2 encodings (DELTA_*), v1 page headers'],
    ['dictionary-snappy', dictSrc, 'COMPRESSION snappy', '500 distinct texts: dictionary-encoded text column'],
  ];
  for (const [name, from, opts, note] of specs) {
    const file = join(DIR, `${name}.parquet`);
    await con.run(`COPY (${read(from)}) TO '${file}' (FORMAT parquet, ${opts}, ROW_GROUP_SIZE 10000)`);
    variants.push({ name, file, note });
  }
  // arrow-rs (parquet-wasm) with WriterVersion V2: real DATA_PAGE_V2 pages + RLE_DICTIONARY, like pyarrow/HF shards
  try {
    const pw = await import(`file://${SCRATCH}/parquet-wasm/esm/parquet_wasm.js`);
    const arrow = await import(`file://${SCRATCH}/apache-arrow/Arrow.node.mjs`);
    await pw.default({ module_or_path: readFileSync(`${SCRATCH}/parquet-wasm/esm/parquet_wasm_bg.wasm`) });
    const rows = (await con.runAndReadAll(read(src))).getRowObjectsJS() as Array<{ id: string; text: string; model: string }>;
    const { vectorFromArray, makeTable, Utf8, tableToIPC, RecordBatchStreamWriter, Table } = arrow;
    void RecordBatchStreamWriter;
    void Table;
    const t = makeTable({
      id: vectorFromArray(rows.map((r) => r.id), new Utf8()),
      text: vectorFromArray(rows.map((r) => r.text), new Utf8()),
      model: vectorFromArray(rows.map((r) => r.model), new Utf8()),
    });
    const props = new pw.WriterPropertiesBuilder()
      .setCompression(pw.Compression.ZSTD)
      .setWriterVersion(pw.WriterVersion.V2)
      .setMaxRowGroupSize(10000)
      .build();
    const file = join(DIR, 'arrow-rs-v2pages-zstd.parquet');
    writeFileSync(file, pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(t, 'stream')), props));
    variants.push({ name: 'arrow-rs-v2pages-zstd', file, note: 'parquet-wasm 0.8 (arrow-rs): DATA_PAGE_V2 + RLE_DICTIONARY' });
  } catch (e) {
    console.error(`parquet-wasm/apache-arrow not usable under ${SCRATCH}: DATA_PAGE_V2 variant skipped (${(e as Error).message})`);
  }
  return variants;
}

type Reader = (file: string) => Promise<{ rows: number; chars: number }>;

const readers: Record<string, Reader> = {
  'parquetjs-lite 0.8.7': async (file) => {
    const parquet = require('parquetjs-lite');
    const reader = await parquet.ParquetReader.openFile(file);
    try {
      const cursor = reader.getCursor([['text']]);
      let rows = 0;
      let chars = 0;
      for (let r = await cursor.next(); r; r = await cursor.next()) {
        rows++;
        chars += typeof r.text === 'string' ? r.text.length : r.text.toString('utf8').length;
      }
      return { rows, chars };
    } finally {
      await reader.close();
    }
  },
  'hyparquet + hyparquet-compressors (fzstd)': (file) => hyparquetColumn(file, stockCompressors),
  'hyparquet + zstd-napi + node:zlib': (file) => hyparquetColumn(file, parquetCompressors),
  'contamscan readFile (same codecs; text+id columns, Samples built)': async (file) => {
    let rows = 0;
    let chars = 0;
    for await (const b of readFile({ path: file, format: 'parquet', compression: 'none', size: 0 }, { textField: 'text', idField: 'id' })) {
      rows += b.records;
      for (const s of b.samples) chars += s.text.length;
    }
    return { rows, chars };
  },
};

async function hyparquetColumn(file: string, compressors: object): Promise<{ rows: number; chars: number }> {
  const src = localSource(file);
  try {
    const buf = asyncBufferOf(src, await src.size());
    const metadata = await parquetMetadataAsync(buf);
    let rows = 0;
    let chars = 0;
    let start = 0;
    for (const rg of metadata.row_groups) {
      const end = start + Number(rg.num_rows);
      await parquetRead({
        file: buf, metadata, columns: ['text'], rowStart: start, rowEnd: end, compressors,
        onComplete: (data: unknown[][]) => {
          for (const row of data) {
            rows++;
            chars += (row[0] as string).length;
          }
        },
      });
      start = end;
    }
    return { rows, chars };
  } finally {
    await src.close();
  }
}

async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

async function benchParquet(variants: Variant[]): Promise<string> {
  // expected rows/text from the reference reader (hyparquet column read) to check every reader's output
  const lines: string[] = [];
  const names = Object.keys(readers);
  lines.push(`| variant | file MB | text MB | rows | ${names.join(' | ')} |`);
  lines.push(`|---|---:|---:|---:|${names.map(() => '---|').join('')}`);
  for (const v of variants) {
    const ref = await hyparquetColumn(v.file, parquetCompressors);
    // text MB in UTF-8 bytes, from one full read
    let textBytes = 0;
    for await (const b of readFile({ path: v.file, format: 'parquet', compression: 'none', size: 0 }, { textField: 'text' }))
      for (const s of b.samples) textBytes += Buffer.byteLength(s.text);
    const cells: string[] = [];
    for (const name of names) {
      const times: number[] = [];
      let cell = '';
      for (let r = 0; r < RUNS; r++) {
        try {
          const { ms, value } = await time(() => readers[name]!(v.file));
          if (value.rows !== ref.rows || value.chars !== ref.chars)
            throw new Error(`wrong output: ${value.rows} rows / ${value.chars} chars, expected ${ref.rows} / ${ref.chars}`);
          times.push(ms);
        } catch (e) {
          cell = `FAIL: ${String((e as Error).message ?? e).split('\n')[0]!.slice(0, 80)}`;
          break;
        }
      }
      if (!cell) cell = `${(textBytes / MB / (median(times) / 1000)).toFixed(0)} MB/s`;
      cells.push(cell);
      console.error(`${v.name} / ${name}: ${cell}`);
    }
    lines.push(`| ${v.name}${v.note ? ` (${v.note})` : ''} | ${(statSync(v.file).size / MB).toFixed(1)} | ${(textBytes / MB).toFixed(1)} | ${ref.rows} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

async function benchJsonl(texts: string[]): Promise<string> {
  const plain = join(DIR, 'bench.jsonl');
  const { rows } = await writeJsonl(plain, texts, JSONL_MB * MB);
  const size = statSync(plain).size;
  await pipeline(createReadStream(plain), createGzip({ level: 6 }), createWriteStream(`${plain}.gz`));
  await pipeline(createReadStream(plain), new CompressStream({ compressionLevel: 3 }), createWriteStream(`${plain}.zst`));
  const lines = [
    `| input | file MB | records | MB/s (uncompressed JSONL bytes) | runs (s) |`,
    `|---|---:|---:|---:|---|`,
  ];
  for (const path of [plain, `${plain}.gz`, `${plain}.zst`]) {
    const [f] = (await resolveInputs([path])).files;
    const times: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const { ms, value } = await time(async () => {
        let n = 0;
        for await (const b of readFile(f!)) n += b.samples.length;
        return n;
      });
      if (value !== rows) throw new Error(`${path}: read ${value} samples, expected ${rows}`);
      times.push(ms);
    }
    const mbps = size / MB / (median(times) / 1000);
    lines.push(`| ${path.slice(DIR.length + 1)} | ${(f!.size / MB).toFixed(1)} | ${rows} | ${mbps.toFixed(0)} | ${times.map((t) => (t / 1000).toFixed(2)).join(', ')} |`);
    console.error(lines.at(-1));
  }
  return lines.join('\n');
}

mkdirSync(DIR, { recursive: true });
const texts = await corpus();
console.error(`corpus: ${texts.length} real texts`);
const header = `machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), node ${process.version}, ${os.platform()} ${os.release()}; ` +
  `date ${new Date().toISOString().slice(0, 10)}; median of ${RUNS} runs`;
const only = arg('only', 'all');
const out: string[] = [header, ''];
if (only !== 'jsonl') out.push('### Parquet (text column)', '', await benchParquet(await generateParquet(texts)), '');
if (only !== 'parquet') out.push('### JSONL (contamscan readFile, Samples built)', '', await benchJsonl(texts), '');
console.log(out.join('\n'));
