/**
 * The request-body limit of `serve` and `env serve` (docs/hardening.md, "Every server"): hono's
 * `bodyLimit`, counted as the body streams (content-length or not), and a larger body refused with
 * a 413 in the server's own error shape (`refuse(c, message)`), the message naming the request, the
 * limit and what sets it (`setBy`). The workbench keeps its own fixed 64 KiB one (workbench/app.ts).
 *
 * A request with a Content-Length and no Transfer-Encoding is judged by that header alone, as hono's bodyLimit judges
 * it (Node's parser reads no more than the length says), without asking for `c.req.raw.body`: hono's first look at the
 * body turned @hono/node-server's light request into a full WHATWG Request, its body a web stream over the socket, for
 * every POST, so `c.req.text()` then read through that stream instead of Node's own reader (measured on `env serve`'s
 * POST /mcp: bench/env.ts, docs/environment-server.md). Any other request (chunked, no length) goes to hono's bodyLimit.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

export function bodySizeLimit(maxBytes: number, setBy: string, refuse: (c: Context, message: string) => Response): MiddlewareHandler {
  const onError = (c: Context) => refuse(c, `${c.req.method} ${c.req.path}: request body over the limit of ${maxBytes} bytes (${setBy})`);
  const streamed = bodyLimit({ maxSize: maxBytes, onError });
  return async (c, next) => {
    const length = c.req.header('content-length');
    // GET and HEAD have no body to hono's bodyLimit (it lets them through): the same here
    if (length === undefined || c.req.header('transfer-encoding') !== undefined || c.req.method === 'GET' || c.req.method === 'HEAD') return streamed(c, next);
    return parseInt(length, 10) > maxBytes ? onError(c) : next();
  };
}
