/**
 * When and how long the chat client waits before it tries a request again: the statuses it
 * retries (as the OpenAI SDK decides), the server's `retry-after-ms` / `Retry-After`, and
 * exponential backoff with jitter.
 */
import { AskfirstError } from '../../util/errors.js';

/** Longest Retry-After honoured (a server asking for more is waited on for this long, then retried). */
export const MAX_RETRY_AFTER_MS = 600_000;

export type RetryReason = 'retry429' | 'retry5xx' | 'retryTimeout' | 'retryNetwork' | 'retryMalformed' | 'retryOther';

/**
 * A failed attempt worth another, with why (the counter it adds to), how long the server asked to wait and, for an HTTP
 * answer, its status and its own words (`UpstreamError.status`/`said` if it is the last).
 */
export class Retryable extends Error {
  constructor(
    readonly reason: RetryReason,
    message: string,
    readonly retryAfterMs?: number,
    readonly answered?: { status: number; said?: string },
  ) {
    super(message);
  }
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent/unusable. */
export function parseRetryAfter(v: string | null, now = Date.now()): number | undefined {
  if (!v) return undefined;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const t = Date.parse(s);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

/**
 * How long the server asks to wait, in milliseconds: `retry-after-ms` (OpenAI's and Azure's, sent
 * beside `retry-after` with more precision) when it parses, else `Retry-After`.
 */
export function retryAfterOf(headers: Record<string, string | string[] | undefined>, now = Date.now()): number | undefined {
  const ms = headerValue(headers['retry-after-ms'])?.trim();
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Math.round(Number(ms));
  return parseRetryAfter(headerValue(headers['retry-after']), now);
}

/**
 * Whether a status is retried, as the OpenAI SDK decides: the server's `x-should-retry` header
 * when it says true or false, else 408, 409, 429 and 5xx.
 */
export function shouldRetry(status: number, xShouldRetry: string | undefined): boolean {
  if (xShouldRetry === 'true') return true;
  if (xShouldRetry === 'false') return false;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Exponential backoff with "equal jitter": half fixed, half random, capped. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, rand = Math.random): number {
  const d = Math.min(maxMs, baseMs * 2 ** attempt);
  return d / 2 + rand() * (d / 2);
}

/** Waits `ms`, or rejects as soon as one of the signals (the run's interrupt, its halt) aborts. */
export function sleep(ms: number, ...signals: (AbortSignal | undefined)[]): Promise<void> {
  const on = signals.filter((s): s is AbortSignal => s !== undefined);
  return new Promise((resolve, reject) => {
    if (on.some((s) => s.aborted)) return reject(abortError());
    const done = () => on.forEach((s) => s.removeEventListener('abort', onAbort));
    const t = setTimeout(() => {
      done();
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      done();
      reject(abortError());
    };
    on.forEach((s) => s.addEventListener('abort', onAbort, { once: true }));
  });
}

/** A request stopped because the run was interrupted (its own class: a command stopped by Ctrl-C tells it from a failure). */
export class RequestAborted extends AskfirstError {
  constructor() {
    super('TIMEOUT', 'request aborted (run interrupted)');
  }
}

/**
 * A request not sent, or not retried, because its run had already failed on another request (`ActOptions.halt`): the
 * runner reports that first failure, not this.
 */
export class RequestHalted extends AskfirstError {
  constructor() {
    super('UPSTREAM', 'request not sent: the run had already failed on another request');
  }
}

/** The error of a request stopped because the run was interrupted. */
export function abortError(): AskfirstError {
  return new RequestAborted();
}

/** A header's value (its first, when sent more than once), or null. */
export function headerValue(v: string | string[] | undefined): string | null {
  return v === undefined ? null : Array.isArray(v) ? (v[0] ?? null) : v;
}
