/**
 * Slow clients, for every server (`serve`, `env serve`, `feedback serve`; docs/hardening.md, "Every
 * server"): Node's own limits on how long a request may take to *arrive*, tighter than Node's
 * defaults (60 s for the headers, 300 s for the whole request, checked every 30 s), so a client that
 * sends its headers or body a byte at a time (slowloris) cannot hold a connection for minutes. Node
 * answers such a request 408 and closes the connection. Answers that take long to compute (a
 * batched policy) and WebSocket sessions are not affected: the clock stops once the request has
 * arrived, and an upgraded connection is no longer Node's HTTP.
 */
import type { ServerOptions } from 'node:http';
import { rawJsonAnswer } from './errors.js';

export interface SlowClientLimits {
  /** Most ms from a connection's request start to the end of its headers. */
  headersTimeout: number;
  /** Most ms from a request's start to the end of its body. */
  requestTimeout: number;
  /** How often (ms) Node checks the two above, and listen.ts the one below: a slow client is cut at most this much later. */
  connectionsCheckingInterval: number;
  /** Most ms a client may take no byte of an answer being sent before its connection is closed (write-stall.ts). */
  writeStallTimeout: number;
}

/**
 * 20 s for the headers, 120 s for the whole request (an 8 MiB image body needs about 0.6 Mbit/s), checked every 5 s;
 * 60 s without a byte of an answer taken (write-stall.ts).
 */
export const SLOW_CLIENT_LIMITS: SlowClientLimits = { headersTimeout: 20_000, requestTimeout: 120_000, connectionsCheckingInterval: 5_000, writeStallTimeout: 60_000 };

/** `http.createServer` options with these limits (`over`: tests shorten them); the write-stall limit is listen.ts's own. */
export function slowClientOptions(over: Partial<SlowClientLimits> = {}): ServerOptions {
  const { headersTimeout, requestTimeout, connectionsCheckingInterval } = { ...SLOW_CLIENT_LIMITS, ...over };
  return { headersTimeout, requestTimeout, connectionsCheckingInterval };
}

/** What each server command's --help says about these limits. */
export const SLOW_CLIENT_HELP = `Slow clients: a request's headers must arrive within ${SLOW_CLIENT_LIMITS.headersTimeout / 1000} s and the whole request within ${SLOW_CLIENT_LIMITS.requestTimeout / 1000} s (408 beyond; answering time does not count); a client seen to take no byte of an answer for ${SLOW_CLIENT_LIMITS.writeStallTimeout / 1000} s is disconnected (the system shows reading in steps, about 1.4 MiB over TCP on loopback: a reader of a large answer must take about 24 KiB/s). See docs/hardening.md, "Every server".`;

/** The status Node gives a client error (its own defaults, `_http_server.js` socketOnError), and what it means. */
function clientErrorStatus(code: string | undefined, limits: SlowClientLimits): [number, string, string] {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'Request Timeout', `the request did not arrive in time (headers within ${limits.headersTimeout / 1000} s, the whole request within ${limits.requestTimeout / 1000} s); send it again, faster`];
  if (code === 'HPE_HEADER_OVERFLOW') return [431, 'Request Header Fields Too Large', 'the request headers are too large'];
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return [413, 'Payload Too Large', 'the chunk extensions are too large'];
  return [400, 'Bad Request', 'the request is not valid HTTP'];
}

/**
 * Answer what Node answers itself before any route sees a request (408 for a slow client, 400 for
 * malformed HTTP, 431 for oversized headers) with the status Node would use and a JSON body of the
 * server's error shape (`body(message)`), where Node sends none (`over`: the limits the server was
 * started with, named in the 408's message). As Node does: only when the socket
 * is writable and no answer was started on it, then the connection is closed.
 */
export function jsonClientErrors(server: import('node:http').Server, body: (message: string, status: number) => unknown, over: Partial<SlowClientLimits> = {}): void {
  const limits = { ...SLOW_CLIENT_LIMITS, ...over };
  server.on('clientError', (err: NodeJS.ErrnoException, socket: import('node:stream').Duplex) => {
    const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (err.code !== 'ECONNRESET' && socket.writable && !inFlight?.headersSent) {
      const [status, text, message] = clientErrorStatus(err.code, limits);
      socket.write(rawJsonAnswer(status, text, body(message, status)));
    }
    socket.destroy(err);
  });
}
