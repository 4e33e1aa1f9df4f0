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

export interface SlowClientLimits {
  /** Most ms from a connection's request start to the end of its headers. */
  headersTimeout: number;
  /** Most ms from a request's start to the end of its body. */
  requestTimeout: number;
  /** How often (ms) Node checks the two above: a slow request is cut at most this much later. */
  connectionsCheckingInterval: number;
}

/** 20 s for the headers, 120 s for the whole request (an 8 MiB image body needs about 0.6 Mbit/s), checked every 5 s. */
export const SLOW_CLIENT_LIMITS: SlowClientLimits = { headersTimeout: 20_000, requestTimeout: 120_000, connectionsCheckingInterval: 5_000 };

/** `http.createServer` options with these limits (`over`: tests shorten them). */
export function slowClientOptions(over: Partial<SlowClientLimits> = {}): ServerOptions {
  return { ...SLOW_CLIENT_LIMITS, ...over };
}

/** What each server command's --help says about these limits. */
export const SLOW_CLIENT_HELP = `Slow clients: a request's headers must arrive within ${SLOW_CLIENT_LIMITS.headersTimeout / 1000} s and the whole request within ${SLOW_CLIENT_LIMITS.requestTimeout / 1000} s (408 beyond; answering time does not count). See docs/hardening.md, "Every server".`;
