/**
 * The askfirst error hierarchy (docs/architecture.md §6.6): every error a user can cause carries a
 * machine-readable `code`, a message that says what to fix, and an optional `cause`.
 * The HTTP layer maps `code` to a status in one place (src/server/errors.ts); the CLI prints `message` and exits 1
 * (`cliExitCode`: an error's own `exitCode` instead, a run stopped by Ctrl-C's 130 — the status a shell sees; it ends
 * by the signal itself, cli/signals.ts `endBySignal`).
 */
import { inspect } from 'node:util';

export const ERROR_CODES = [
  'BAD_INPUT', // a value the user gave is malformed or out of range
  'BAD_CONFIG', // a config combination is rejected up front
  'BAD_DATA', // a data file (JSONL, PNG, checkpoint) is malformed
  'NOT_FOUND', // a file, episode, checkpoint or record does not exist
  'UNAUTHORIZED', // missing or invalid credentials
  'FORBIDDEN', // authenticated but not allowed
  'CONFLICT', // a write conflicts with existing state
  'TOO_LARGE', // a request or file is over a configured size limit
  'BUSY', // too many requests at once: retry later
  'UPSTREAM', // a remote service failed (after retries)
  'TIMEOUT', // an operation took longer than allowed
  'INTERNAL', // a bug: please report
] as const;
/** One of ERROR_CODES (a list at run time too, so tests can check every code is handled). */
export type ErrorCode = (typeof ERROR_CODES)[number];

export class AskfirstError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad user input: an argument, option or request body. */
export class InputError extends AskfirstError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BAD_INPUT', message, options);
  }
}

/** A rejected configuration (see the resolve…Config functions). */
export class ConfigError extends AskfirstError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BAD_CONFIG', message, options);
  }
}

/** A malformed data file; the message names the file and, where it applies, the line. */
export class DataError extends AskfirstError {
  readonly file?: string;
  readonly line?: number;
  constructor(message: string, where?: { file?: string; line?: number; cause?: unknown }) {
    const loc = where?.file ? `${where.file}${where.line ? `:${where.line}` : ''}: ` : '';
    super('BAD_DATA', `${loc}${message}`, { cause: where?.cause });
    this.file = where?.file;
    this.line = where?.line;
  }
}

/** What to do about data that changed while askfirst read it, for most commands: run it again on data left alone. */
export const RUN_AGAIN_ON_UNCHANGED_DATA = 'run the command again on data no one is writing';

/**
 * Data that changed on disk after askfirst read it (its episodes may no longer be those read then): `what` happened, then
 * `fix`, RUN_AGAIN_ON_UNCHANGED_DATA unless a command knows better (`train` whose --out holds checkpoints: cli/train.ts).
 */
export class DataChangedError extends DataError {
  readonly what: string;
  constructor(what: string, where?: { file?: string; line?: number }, fix = RUN_AGAIN_ON_UNCHANGED_DATA) {
    super(`${what}; ${fix}`, where);
    this.what = what;
  }

  /** The same error saying `fix` instead. */
  withFix(fix: string): DataChangedError {
    return new DataChangedError(this.what, { file: this.file, line: this.line }, fix);
  }
}

export class NotFoundError extends AskfirstError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NOT_FOUND', message, options);
  }
}

export class UpstreamError extends AskfirstError {
  readonly status?: number;
  /** The request field the server rejected, when its reply names one. */
  readonly param?: string;
  /**
   * The server's own words about its refusal (its JSON error's message, or the start of a body that is not JSON), without
   * its address or askfirst's advice: what a proxy (`askfirst serve --policy openai:…`) tells its client.
   */
  readonly said?: string;
  constructor(message: string, options?: { cause?: unknown; status?: number; param?: string; said?: string }) {
    super('UPSTREAM', message, options);
    this.status = options?.status;
    this.param = options?.param;
    this.said = options?.said;
  }
}

export function isAskfirstError(e: unknown): e is AskfirstError {
  return e instanceof AskfirstError;
}

/** The exit code the CLI ends with after `e`: 1, or an askfirst error's own numeric `exitCode` (a run stopped by Ctrl-C: 130, by SIGTERM: 143). */
export function cliExitCode(e: unknown): number {
  const c = isAskfirstError(e) ? (e as { exitCode?: unknown }).exitCode : undefined;
  return typeof c === 'number' && Number.isInteger(c) && c > 0 ? c : 1;
}

/** How long `describeError` lets a thrown value that is not an Error run (a library's bare object can be large). */
const DESCRIBED_MAX = 300;

/**
 * A one-line description of any thrown value, for logs and CLI output: an Error's message, a string as it is, anything
 * else as `util.inspect` shows it on one line, cut to 300 characters (`String()` said "[object Object]" for a library's
 * bare error object, and threw for one without a prototype).
 */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  const s = inspect(e, { breakLength: Infinity, depth: 2, maxArrayLength: 10, maxStringLength: DESCRIBED_MAX });
  return s.length > DESCRIBED_MAX ? `${s.slice(0, DESCRIBED_MAX - 1)}…` : s;
}

/**
 * `describeError` for a server log, where a bug is looked for: an Error's stack (its message when it has none), anything
 * else as `describeError` shows it (the servers' unexpected errors: src/server/errors.ts `toHttp`, env serve's sessions).
 */
export function describeErrorForLog(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : describeError(e);
}
