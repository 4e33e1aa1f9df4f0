/**
 * The request-body limit of `serve` and `env serve` (docs/hardening.md, "Every server"): hono's
 * `bodyLimit`, counted as the body streams (content-length or not), and a larger body refused with
 * a 413 in the server's own error shape (`refuse(c, message)`), the message naming the request, the
 * limit and what sets it (`setBy`). The workbench keeps its own fixed 64 KiB one (workbench/app.ts).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

export function bodySizeLimit(maxBytes: number, setBy: string, refuse: (c: Context, message: string) => Response): MiddlewareHandler {
  return bodyLimit({ maxSize: maxBytes, onError: (c) => refuse(c, `${c.req.method} ${c.req.path}: request body over the limit of ${maxBytes} bytes (${setBy})`) });
}
