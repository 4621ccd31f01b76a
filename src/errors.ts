/**
 * Typed errors. Every error the tool raises on purpose is a ContamscanError with a stable code, a context object
 * naming the file/row/field/value involved, and an exit code from the single table below.
 */

/** Documented process exit codes (README.md "Exit codes"). */
export const EXIT = Object.freeze({
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  FAIL_OVER: 3,
  INPUT: 4,
  REGISTRY: 5,
  /** A scan output given to report/merge is unreadable, or the scans cannot be merged. */
  SCAN_OUTPUT: 6,
});

export type ErrorCode =
  | 'E_USAGE'
  | 'E_CONFIG'
  | 'E_INPUT_MISSING'
  | 'E_INPUT'
  | 'E_INPUT_FORMAT'
  | 'E_REGISTRY_FORMAT'
  | 'E_REGISTRY_PARAMS'
  | 'E_SCAN_OUTPUT'
  | 'E_MERGE_MISMATCH'
  | 'E_INTERNAL';

const EXIT_BY_CODE: Record<ErrorCode, number> = {
  E_USAGE: EXIT.USAGE,
  E_CONFIG: EXIT.USAGE,
  E_INPUT_MISSING: EXIT.USAGE,
  E_INPUT: EXIT.INPUT,
  E_INPUT_FORMAT: EXIT.INPUT,
  E_REGISTRY_FORMAT: EXIT.REGISTRY,
  E_REGISTRY_PARAMS: EXIT.REGISTRY,
  E_SCAN_OUTPUT: EXIT.SCAN_OUTPUT,
  E_MERGE_MISMATCH: EXIT.SCAN_OUTPUT,
  E_INTERNAL: EXIT.INTERNAL,
};

export interface ErrorContext {
  file?: string;
  row?: number;
  field?: string;
  [key: string]: unknown;
}

export class ContamscanError extends Error {
  readonly code: ErrorCode;
  readonly context: ErrorContext;
  constructor(code: ErrorCode, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ContamscanError';
    this.code = code;
    this.context = context;
  }
  get exitCode(): number {
    return EXIT_BY_CODE[this.code];
  }
}

export const usageError = (message: string, context: ErrorContext = {}) => new ContamscanError('E_USAGE', message, context);

/** Exit code for anything thrown: ContamscanError maps through the table, everything else is internal. */
export function exitCodeOf(err: unknown): number {
  return err instanceof ContamscanError ? err.exitCode : EXIT.INTERNAL;
}

/** Plain-data form for crossing worker boundaries (classes do not survive structured clone). */
export interface SerializedError {
  code: ErrorCode;
  message: string;
  context: ErrorContext;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof ContamscanError) return { code: err.code, message: err.message, context: err.context };
  const e = err as Error;
  return { code: 'E_INTERNAL', message: e?.stack ?? String(err), context: {} };
}

export function reviveError(s: SerializedError): ContamscanError {
  return new ContamscanError(s.code, s.message, s.context);
}
