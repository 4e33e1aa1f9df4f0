/**
 * The one place where errors become HTTP statuses (docs/architecture.md §6.6), for all three servers: the
 * OpenAI-compatible policy server (openai/server.ts, `askfirst serve`), the environment server
 * (env/server.ts, `askfirst env serve`) and the feedback workbench (workbench/app.ts). Handlers throw
 * askfirst errors; `toHttp` maps their `code` to a status through `STATUS`. Each server keeps its own
 * body shape, from the same `toHttp`:
 *   workbench  {error: {code, message}}                          (`errorResponse`)
 *   OpenAI     {error: {message, type, param, code}}, as OpenAI answers  (`openaiErrorResponse`)
 *   env serve  {detail: message}, as OpenEnv's FastAPI server answers   (built in env/server.ts)
 * Unknown errors are 500 with a generic message (details go to the server log, not the client); a full disk is 507;
 * an error in a file of the server's own (a DataError naming its absolute path) is a 500 without the server's folders.
 *
 * BAD_DATA is 400, not 422. The policy server is OpenAI-compatible: OpenAI answers an image that
 * does not decode (the usual BAD_DATA there: a data URL that is not a PNG or JPEG) with 400
 * `invalid_request_error`, and OpenAI clients turn 400 into their "bad request" error. 422 would
 * say nothing more to either server's clients: the workbench UI acts on 401, 404 and 409 only, and
 * askfirst's HTTP client treats 400 and 422 alike (not retried). So both servers say 400.
 */
import type { Hono } from 'hono';
import { basename, dirname, isAbsolute } from 'node:path';
import type { ErrorBody as WorkbenchErrorBody } from '../feedback/api-types.js';
import { AskfirstError, DataError, describeErrorForLog, InputError, isAskfirstError, type ErrorCode } from '../util/errors.js';
import { DiskFullError } from '../util/fs-errors.js';

export const STATUS: Record<ErrorCode, number> = {
  BAD_INPUT: 400,
  BAD_CONFIG: 400,
  BAD_DATA: 400,
  NOT_FOUND: 404,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  CONFLICT: 409,
  TOO_LARGE: 413,
  BUSY: 429,
  UPSTREAM: 502,
  TIMEOUT: 504,
  INTERNAL: 500,
};

/** What a client is told about a thrown value: status, code and a message safe to show. */
export interface HttpError {
  status: number;
  code: ErrorCode;
  message: string;
}

/**
 * Status, code and message for any thrown value. Askfirst errors keep their message (it says what
 * to fix); a SyntaxError (a body that is not JSON) is BAD_INPUT; anything else is INTERNAL with a
 * generic message. Every 5xx is logged with its details.
 */
export function toHttp(e: unknown, log: (msg: string) => void = console.error): HttpError {
  // the server's disk is full (a label not stored: the feedback database could not grow): not the client's request at
  // fault, as its BAD_CONFIG would say to a command line, but the server's — 507 Insufficient Storage, logged
  if (e instanceof DiskFullError) {
    log(`askfirst server: ${e.message}`);
    return { status: 507, code: 'INTERNAL', message: `not stored: the server's disk is full (${e.where ?? 'no space left on the device'}); try again once space is freed` };
  }
  // A file of the server's own, named by its absolute path (a view of the suite `env serve` serves, missing or damaged;
  // a play task's view on the workbench): not the client's request at fault but the server's data, so a 500, logged
  // whole; the client learns what failed without the server's folders. It was a 404 or 400 telling every client the
  // path (`{"detail": "/home/…/suite/images/occlusion-00000_v3.png: episode occlusion-00000: cannot load view: image
  // file not found: /home/…"}`) and the server's log nothing.
  if (e instanceof DataError && e.file !== undefined && isAbsolute(e.file)) {
    log(`askfirst server: ${e.code}: ${e.message}`);
    const message = e.message.split(e.file).join(basename(e.file)).split(`${dirname(e.file)}/`).join('');
    return { status: STATUS.INTERNAL, code: 'INTERNAL', message: `${message} (a file of the server's; its log names it in full)` };
  }
  if (isAskfirstError(e)) {
    const status = STATUS[e.code] ?? 500;
    if (status >= 500) log(`askfirst server: ${e.code}: ${e.message}`);
    return { status, code: e.code, message: e.message };
  }
  if (e instanceof SyntaxError) return { status: STATUS.BAD_INPUT, code: 'BAD_INPUT', message: 'request body is not valid JSON' };
  log(`askfirst server: unexpected error: ${describeErrorForLog(e)}`);
  return { status: STATUS.INTERNAL, code: 'INTERNAL', message: 'internal server error (see the server log)' };
}

/** The workbench's error body (the web client reads it as api-types.ts ErrorBody). */
export interface ErrorBody extends WorkbenchErrorBody {
  error: { code: ErrorCode; message: string };
}

/** Status and workbench body for any thrown value. */
export function errorResponse(e: unknown, log?: (msg: string) => void): { status: number; body: ErrorBody } {
  const { status, code, message } = toHttp(e, log);
  return { status, body: { error: { code, message } } };
}

/**
 * An error about one request field (OpenAI's `param`: "model", "n", "temperature", "messages" …);
 * the status still comes from `code` through STATUS.
 */
export class ParamError extends AskfirstError {
  constructor(
    code: ErrorCode,
    readonly param: string,
    message: string,
  ) {
    super(code, message);
  }
}

/**
 * OpenAI's error body (https://platform.openai.com/docs/guides/error-codes): `param` is the request
 * field at fault or null, as OpenAI always sends it; `code` is askfirst's machine-readable code.
 */
export interface OpenAIErrorBody {
  error: { message: string; type: 'invalid_request_error' | 'server_error'; param: string | null; code: ErrorCode | null };
}

/** Status and OpenAI-shaped body for any thrown value: the same status as the workbench would answer. */
export function openaiErrorResponse(e: unknown, log?: (msg: string) => void): { status: number; body: OpenAIErrorBody } {
  const { status, code, message } = toHttp(e, log);
  const param = e instanceof ParamError ? e.param : null;
  return { status, body: { error: { message, type: status < 500 ? 'invalid_request_error' : 'server_error', param, code } } };
}

/**
 * A listen failure as an askfirst error that says what to do (a busy port is not a bug), for
 * every server the CLI starts (serve, env serve, feedback serve); other errors pass through.
 */
export function listenError(e: unknown, host: string, port: number): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new AskfirstError('CONFLICT', `port ${port} on ${host} is already in use (another workbench or server?); stop it or choose another --port`, { cause: e });
  if (code === 'EACCES') return new InputError(`not allowed to listen on ${host}:${port} (ports below 1024 need privileges); choose another --port`, { cause: e });
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new InputError(`cannot listen on ${host}: not an address of this machine; check --host`, { cause: e });
  return e;
}

/**
 * An answer written straight to a socket where no response object exists (a slow or malformed
 * request before any route: timeouts.ts; a refused WebSocket upgrade: env/server.ts): `status`
 * with its reason phrase `text` and `body` as JSON, and the connection closed after it.
 */
export function rawJsonAnswer(status: number, text: string, body: unknown): string {
  const json = JSON.stringify(body);
  return `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`;
}

/**
 * The `Allow` of a 405: the methods `app`'s own routes (not its middleware) answer on `path`, GET
 * bringing HEAD (`headWithGet`: Hono answers HEAD where GET is routed, as HTTP asks; `askfirst serve`
 * keeps that). `env serve` answers as FastAPI, whose `@app.get` routes refuse HEAD with 405 and
 * `Allow: GET` (fastapi/fastapi#1773; Starlette's own Route would add HEAD): it passes false and
 * refuses HEAD itself. Undefined when no route has that path (a 404). Read from the app's routes, so
 * a route added is never missing here.
 */
export function allowedMethods(app: Hono, path: string, headWithGet = true): string | undefined {
  const methods = new Set<string>();
  for (const r of app.routes) {
    if (r.method === 'ALL') continue;
    // a route path's segments: literal, `:name` (one segment) or `:name{regex}`
    const source = r.path
      .split('/')
      .map((seg) => (seg.startsWith(':') ? (/\{(.+)\}$/.exec(seg)?.[1] ?? '[^/]+') : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    if (!new RegExp(`^${source}$`).test(path)) continue;
    methods.add(r.method);
    if (r.method === 'GET' && headWithGet) methods.add('HEAD');
  }
  return methods.size ? [...methods].join(', ') : undefined;
}
