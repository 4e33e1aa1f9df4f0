/**
 * The one place where errors become HTTP statuses (DESIGN.md §6.6). Handlers throw askfirst
 * errors; this maps their `code` to a status and a JSON body `{error: {code, message}}`.
 * Unknown errors are 500 with a generic message (details go to the server log, not the client).
 */
import { isAskfirstError, type ErrorCode } from '../util/errors.js';

export const STATUS: Record<ErrorCode, number> = {
  BAD_INPUT: 400,
  BAD_CONFIG: 400,
  BAD_DATA: 422,
  NOT_FOUND: 404,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  CONFLICT: 409,
  UPSTREAM: 502,
  TIMEOUT: 504,
  INTERNAL: 500,
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** Status and body for any thrown value. */
export function errorResponse(e: unknown, log: (msg: string) => void = console.error): { status: number; body: ErrorBody } {
  if (isAskfirstError(e)) {
    const status = STATUS[e.code] ?? 500;
    if (status >= 500) log(`askfirst server: ${e.code}: ${e.message}`);
    return { status, body: { error: { code: e.code, message: e.message } } };
  }
  if (e instanceof SyntaxError) return { status: 400, body: { error: { code: 'BAD_INPUT', message: 'request body is not valid JSON' } } };
  log(`askfirst server: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal server error (see the server log)' } } };
}
