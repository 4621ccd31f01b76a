/** contamscan public API: re-exports only. */
export { buildRegistry, type BuildRegistryOptions, type BuildRegistryResult } from './registry/build.js';
export { loadRegistry, verifyRegistry, type LoadedRegistry } from './registry/load.js';
export { readRegistryHeader, registrySize, type RegistryHeader, type RegistrySize } from './registry/format.js';
export { scan, type ScanOptions } from './pipeline/scan.js';
export { makeConfig, PARAMS, type Config, type ConfigInput } from './config/index.js';
export { ContamscanError, EXIT, exitCodeOf, type ErrorCode } from './errors.js';
export { BUILTIN_RULES, type MarkerRule } from './match/markers.js';
export type { ScanReport, FileReport, EntryRecord } from './report/model.js';
export { writeReport, type ReportOptions, type ReportResult, type ReportFormat } from './report/index.js';
export { mergeScans, mergeReports, readScanDir, type MergeOptions, type ScanDir } from './report/merge.js';
export type { Excerpt, Match, MatchKind, Sample, SkippedRecord, SkipReason, ByteSource } from './types.js';
export { TOOL_VERSION } from './version.js';
