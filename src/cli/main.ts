#!/usr/bin/env node
/**
 * The contamscan CLI: a thin commander layer over the library API. Every command parses options into the typed
 * options of a library function, calls it, prints the result; one top-level catch maps errors to exit codes.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { PARAMS, type ConfigInput } from '../config/index.js';
import { ContamscanError, EXIT, exitCodeOf } from '../errors.js';
import { scan } from '../pipeline/scan.js';
import { buildRegistry } from '../registry/build.js';
import { readRegistryHeader, registrySize } from '../registry/format.js';
import { verifyRegistry } from '../registry/load.js';
import { parseFormats, writeReport, type ReportFormat } from '../report/index.js';
import { mergeScans } from '../report/merge.js';
import type { ScanReport } from '../report/model.js';
import { TOOL_VERSION } from '../version.js';

const collect = (v: string, prev: string[]) => [...prev, v];

function keyValue(flag: string) {
  return (v: string, prev: Record<string, string>) => {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`${flag} expects KEY=VALUE, got "${v}"`);
    return { ...prev, [v.slice(0, eq)]: v.slice(eq + 1) };
  };
}

function number(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} expects a number, got "${v}"`);
    return n;
  };
}

function params(raw: Record<string, string>, extra: ConfigInput = {}): ConfigInput {
  const out: ConfigInput = { ...extra };
  for (const [k, v] of Object.entries(raw)) {
    if (!(k in PARAMS)) throw new ContamscanError('E_USAGE', `unknown --param "${k}"; known: ${Object.keys(PARAMS).join(', ')}`, { field: k });
    const n = Number(v);
    if (!Number.isFinite(n)) throw new ContamscanError('E_USAGE', `--param ${k} expects a number, got "${v}"`, { field: k });
    (out as Record<string, number>)[k] = n;
  }
  return out;
}

export function summaryText(r: ScanReport): string {
  const t = r.totals;
  const lines = [
    `contamscan ${r.tool.version}  config ${r.config.id}`,
    `registry ${r.registry.path}  entries ${r.registry.entries}  digest ${r.registry.digest}`,
    `files ${t.files} (${t.failed_files} failed)  records ${t.records}  samples ${t.samples}  skipped ${t.skipped}`,
    `flagged ${t.flagged} (${(100 * t.flagged_fraction).toFixed(2)}%)  matches ${t.matches}${t.capped_matches ? ` (+${t.capped_matches} over the per-sample cap)` : ''}`,
  ];
  const kinds = Object.entries(r.by_kind).map(([k, c]) => `${k} ${c!.samples}`);
  if (kinds.length) lines.push(`by kind (samples): ${kinds.join(', ')}`);
  for (const key of ['vendor', 'model', 'source', 'agent']) {
    const vals = r.by_tag[key];
    if (vals) lines.push(`by ${key} (samples): ${Object.entries(vals).sort((a, b) => b[1].samples - a[1].samples).map(([v, c]) => `${v} ${c.samples}`).join(', ')}`);
  }
  for (const g of r.skipped) lines.push(`skipped ${g.reason}: ${g.count}  e.g. ${g.examples[0] ? `${g.examples[0].file}:${g.examples[0].row} ${g.examples[0].message}` : ''}`);
  if (r.policy.fail_over !== null)
    lines.push(`policy: flagged fraction ${(100 * t.flagged_fraction).toFixed(3)}% ${r.policy.exceeded ? 'EXCEEDS' : 'within'} --fail-over ${(100 * r.policy.fail_over).toFixed(3)}%`);
  lines.push(`throughput ${r.throughput.mb_per_s.toFixed(1)} MB/s of input, ${r.throughput.samples_per_s.toFixed(0)} samples/s, ${r.duration_s.toFixed(2)} s, ${r.workers} workers`);
  return lines.join('\n');
}

export function program(): Command {
  const prog = new Command('contamscan')
    .description('Find known rival-model outputs and leaked benchmark items in training shards')
    .version(TOOL_VERSION)
    .exitOverride();

  const registry = prog.command('registry').description('build and inspect registry index files');
  registry
    .command('build')
    .description('fingerprint registry sources (JSONL/JSON/Parquet files, directories, globs) into one index file')
    .argument('<inputs...>', 'files, directories or globs')
    .requiredOption('--out <file>', 'registry file to write')
    .option('--text-field <path>', 'dot path of the text (default: text, content, output, completion, response)')
    .option('--id-field <path>', 'dot path of the entry id (default: id, else file#row)')
    .option('--tag <key=value>', 'provenance tag for every entry (repeatable)', keyValue('--tag'), {})
    .option('--tag-field <key=path>', 'provenance tag read per record from a dot path (repeatable)', keyValue('--tag-field'), {})
    .option('--prompt-field <path>', 'dot path of the prompt the entry answers (repeatable; default: prompt, instruction, input, question when present)', collect, [])
    .option('--no-prompt', 'do not read prompts')
    .option('--background <path>', 'ordinary human text whose shingles carry no evidence (repeatable)', collect, [])
    .option('--param <name=value>', 'fingerprint parameter (repeatable; see README)', keyValue('--param'), {})
    .option('--max-record-bytes <n>', 'skip records larger than this', number('--max-record-bytes'))
    .option('--strict', 'stop at the first bad record')
    .addOption(new Option('--workers <n>', 'worker threads that fingerprint entries (default: available cores; 0 = main thread, the default below 16 MiB of input)').argParser(number('--workers')))
    .option('--json', 'print the registry header as JSON')
    .option('--no-progress', 'no progress line on stderr')
    .action(async (inputs: string[], o) => {
      const res = await buildRegistry({
        workers: o.workers,
        progress: o.progress === false ? false : undefined,
        inputs,
        out: o.out,
        textField: o.textField,
        idField: o.idField,
        tags: o.tag,
        tagFields: o.tagField,
        background: o.background,
        promptFields: o.prompt === false ? [] : o.promptField.length ? o.promptField : undefined,
        config: params(o.param),
        maxRecordBytes: o.maxRecordBytes,
        strict: o.strict,
      });
      const h = res.header;
      if (o.json) process.stdout.write(JSON.stringify({ ...h, sections: undefined }, null, 2) + '\n');
      else
        process.stdout.write(
          `wrote ${res.path}: ${h.entries} entries (low evidence: ${h.low_evidence.short} short, ${h.low_evidence.low_variety} low variety, ${h.low_evidence.mostly_common} mostly common), ` +
            `${h.sources.records} records read, ${h.sources.skipped} skipped, digest ${h.digest}\n`,
        );
      for (const s of res.skipped.slice(0, 5)) process.stderr.write(`skipped ${s.file}:${s.row}: ${s.message}\n`);
    });

  registry
    .command('info')
    .description('print a registry header: version, parameters and id, entries, tag counts, digest')
    .argument('<file>')
    .option('--json', 'as JSON')
    .option('--verify', 'recompute the content digest')
    .action(async (file: string, o) => {
      const { header: h, dataStart } = await readRegistryHeader(file);
      const verified = o.verify ? await verifyRegistry(file) : undefined;
      const size = registrySize(h, dataStart);
      if (o.json) {
        process.stdout.write(JSON.stringify({ ...h, sections: undefined, size, ...(verified ? { digest_ok: verified.ok } : {}) }, null, 2) + '\n');
      } else {
        const lines = [
          `file            ${file}`,
          `format          ${h.format} v${h.version} (tool ${h.tool_version}, built ${h.created_at})`,
          `fingerprint id  ${h.fingerprint_id}`,
          `params          ${Object.entries(h.params).map(([k, v]) => `${k}=${v}`).join(' ')}`,
          `entries         ${h.entries}`,
          `low evidence    short ${h.low_evidence.short}, low variety ${h.low_evidence.low_variety}, mostly common ${h.low_evidence.mostly_common}`,
          `fingerprints    ${h.fingerprints.postings} postings, ${h.fingerprints.common} common keys, ${h.fingerprints.lsh} LSH band keys`,
          `background      ${h.background.files} files, ${h.background.prompts} prompts, ${h.background.fingerprints} fingerprints`,
          `sources         ${h.sources.files} files, ${h.sources.records} records, ${h.sources.skipped} skipped`,
          `size            ${(size.file_bytes / 1e6).toFixed(1)} MB on disk (${size.per_entry.file} B/entry); ` +
            `${(size.memory_bytes / 1e6).toFixed(1)} MB loaded into memory by a scan, shared by its workers (${size.per_entry.memory} B/entry)`,
          `digest          ${h.digest}${verified ? (verified.ok ? ' (verified)' : ` (MISMATCH: content hashes to ${verified.digest})`) : ''}`,
          `tags`,
          ...Object.entries(h.tag_counts).sort().map(([k, v]) => `  ${k}  ${v}`),
        ];
        process.stdout.write(lines.join('\n') + '\n');
      }
      if (verified && !verified.ok) throw new ContamscanError('E_REGISTRY_FORMAT', `${file}: content digest mismatch`, { file });
    });

  prog
    .command('scan')
    .description('scan training shards against a registry; writes matches.jsonl and report.json')
    .argument('<inputs...>', 'files, directories or globs')
    .requiredOption('--registry <file>', 'registry index file')
    .requiredOption('--out <dir>', 'output directory')
    .option('--text-field <path>', 'dot path of the text (default: text, content, output, completion, response)')
    .option('--id-field <path>', 'dot path of the sample id (default: id, else file#row)')
    .addOption(new Option('--workers <n>', 'worker threads (default: available cores; 0 = main thread)').argParser(number('--workers')))
    .option('--jaccard <x>', `near_duplicate threshold (default ${PARAMS.jaccard.default})`, number('--jaccard'))
    .option('--containment <x>', `contains threshold (default ${PARAMS.containment.default})`, number('--containment'))
    .option('--param <name=value>', 'any parameter (repeatable; see README)', keyValue('--param'), {})
    .option('--rules <file>', 'JSON file of extra marker rules')
    .option('--fail-over <rate>', 'exit 3 when the flagged fraction of samples exceeds RATE', number('--fail-over'))
    .option('--strict', 'stop at the first bad record or file (exit 4)')
    .option('--max-record-bytes <n>', 'skip records larger than this (default 8 MiB)', number('--max-record-bytes'))
    .option('--no-progress', 'no progress line on stderr')
    .option('--dataset <name>', "dataset label for this scan's files in reports (default: each file's parent directory name)")
    .option('--report <formats>', 'also write the compliance report: html, md or html,md', parseFormats)
    .option('--json', 'print the summary as JSON on stdout')
    .action(async (inputs: string[], o) => {
      const report = await scan({
        dataset: o.dataset,
        inputs,
        registry: o.registry,
        out: o.out,
        textField: o.textField,
        idField: o.idField,
        workers: o.workers,
        config: params(o.param, { jaccard: o.jaccard, containment: o.containment }),
        rules: o.rules,
        failOver: o.failOver,
        strict: o.strict,
        maxRecordBytes: o.maxRecordBytes,
        progress: o.progress === false ? false : undefined,
      });
      const formats = (o.report ?? []) as ReportFormat[];
      const written = formats.length ? (await writeReport({ dirs: [o.out], out: o.out, formats })).files : [];
      if (o.json) process.stdout.write(JSON.stringify({ totals: report.totals, by_kind: report.by_kind, by_tag: report.by_tag, policy: report.policy, out: o.out }, null, 2) + '\n');
      else process.stdout.write(summaryText(report) + `\nwrote ${[`${o.out}/matches.jsonl`, `${o.out}/report.json`, ...written].join(', ')}\n`);
      if (report.policy.exceeded) process.exitCode = EXIT.FAIL_OVER;
    });

  prog
    .command('report')
    .description('write the compliance report (report.html, report.md) from one or more scan outputs; several are merged first')
    .argument('<scan-dirs...>', 'scan output directories')
    .requiredOption('--out <dir>', 'output directory')
    .option('--format <formats>', 'html, md or html,md (default both)', parseFormats)
    .option('--compare <report.json>', 'previous report.json: show the change of every figure and breakdown')
    .option('--fail-over <rate>', 'policy threshold on the flagged fraction (default: the scans\' --fail-over)', number('--fail-over'))
    .option('--period <label>', 'reporting period shown, e.g. "2026 Q4" (default: the scan dates)')
    .option('--title <text>', 'report title')
    .option('--evidence <n>', 'strongest matches shown with their text (default 100)', number('--evidence'))
    .option('--action <text>', 'what was done about the findings, shown in the summary (repeatable)', collect, [])
    .action(async (dirs: string[], o) => {
      const { view, files } = await writeReport({
        dirs,
        out: o.out,
        formats: o.format,
        compare: o.compare,
        failOver: o.failOver,
        period: o.period,
        title: o.title,
        evidence: o.evidence,
        actions: o.action,
      });
      process.stdout.write(summaryText(view.report) + `\nwrote ${files.join(', ')}\n`);
      if (view.report.policy.exceeded) process.exitCode = EXIT.FAIL_OVER;
    });

  prog
    .command('merge')
    .description('merge scan outputs (partitions or datasets) into one: report.json, matches.jsonl, entries.jsonl')
    .argument('<scan-dirs...>', 'scan output directories')
    .requiredOption('--out <dir>', 'output directory')
    .option('--fail-over <rate>', 'policy threshold on the flagged fraction (default: the scans\' common --fail-over)', number('--fail-over'))
    .option('--json', 'print the summary as JSON on stdout')
    .action(async (dirs: string[], o) => {
      const report = await mergeScans({ dirs, out: o.out, failOver: o.failOver });
      if (o.json) process.stdout.write(JSON.stringify({ totals: report.totals, by_kind: report.by_kind, by_tag: report.by_tag, policy: report.policy, out: o.out }, null, 2) + '\n');
      else process.stdout.write(summaryText(report) + `\nwrote ${o.out}/report.json, ${o.out}/matches.jsonl, ${o.out}/entries.jsonl\n`);
      if (report.policy.exceeded) process.exitCode = EXIT.FAIL_OVER;
    });
  return prog;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.OK;
      return EXIT.USAGE;
    }
    if (e instanceof ContamscanError) {
      const ctx = Object.entries(e.context)
        .filter(([, v]) => v !== undefined && typeof v !== 'object')
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      process.stderr.write(`contamscan: error ${e.code}: ${e.message}${ctx ? ` [${ctx}]` : ''}\n`);
    } else process.stderr.write(`contamscan: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return exitCodeOf(e);
  }
}

function invokedDirectly(): boolean {
  try {
    return Boolean(process.argv[1]) && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}
if (invokedDirectly()) {
  main(process.argv).then((code) => process.exit(code));
}
