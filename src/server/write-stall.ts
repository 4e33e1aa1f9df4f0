/**
 * Clients that stop reading, for every server (`serve`, `env serve`, `feedback serve`; docs/hardening.md,
 * "Every server"): a connection whose answer is being sent and whose client has taken no byte of it for
 * `writeStallTimeout` ms is closed, with one line in the server's log. Node's own per-connection timeout is off
 * (`server.timeout` 0), so such a client kept the connection, and every answer queued on it, for as long as it
 * liked (measured before: `serve` held an 18 MiB streamed answer, `env serve` 349 pipelined answers, open past
 * 20 s and on).
 *
 * Only connections with bytes waiting to be sent are watched: an idle keep-alive connection is left to Node's
 * keep-alive timeout as before, an answer still being computed is not cut (nothing is waiting to be sent), and a
 * WebSocket session, which is no longer an HTTP request once upgraded, is left to its own idle rule. "Taken" is
 * measured on the socket: a write Node handed to the system that completed, or libuv's queue of a write in
 * progress shrinking (a client reading a large answer slowly is making progress, and is not cut) — as finely as the
 * kernel wakes the writer: over TCP on loopback every 1.1–1.6 MiB read, so a steady reader of a large answer must take
 * about 24 KiB/s (1.4 MiB a minute) not to be cut at the 60 s default, about 1.4 MiB / limit in general
 * (docs/hardening.md, "Every server", has the figures).
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { libuvWriteQueue } from '../util/libuv-queue.js';

/** What was sent on a connection when its client last took bytes, and when. */
interface Progress {
  /** Bytes of completed writes (`bytesWritten` less what is still waiting). */
  done: number;
  /** libuv's queue of the write in progress, the lowest seen since `since`. */
  queued: number;
  since: number;
}


/** The request a stalled answer was for, as the log names it: method and path (no query), cut to 80 characters. */
function named(res: ServerResponse): string {
  const req = res.req;
  return `${req.method ?? '?'} ${(req.url ?? '').split('?')[0].slice(0, 80)}`;
}

/**
 * Check the connections of `answering` (the answers not yet sent in full) every `every` ms; close any whose
 * client has taken no byte for `limit` ms while bytes wait to be sent, saying so through `warn`. Returns `stop`.
 */
export function cutStalledReaders(answering: ReadonlySet<ServerResponse>, limit: number, every: number, warn: (msg: string) => void, now: () => number = Date.now): () => void {
  const seen = new WeakMap<Socket, Progress>();
  const check = () => {
    const t = now();
    const sockets = new Map<Socket, ServerResponse>();
    for (const res of answering) {
      const s = res.req?.socket;
      if (s && !s.destroyed && !sockets.has(s)) sockets.set(s, res);
    }
    for (const [s, res] of sockets) {
      const waiting = s.writableLength;
      const queued = libuvWriteQueue(s);
      if (waiting === 0 && queued === 0) {
        seen.delete(s); // nothing to send: an answer being computed, or all of it taken
        continue;
      }
      const done = (s.bytesWritten ?? 0) - waiting;
      const p = seen.get(s);
      if (!p || done > p.done || queued < p.queued) {
        seen.set(s, { done, queued, since: t });
      } else if (t - p.since >= limit) {
        seen.delete(s);
        warn(`a client took no byte of its answer for ${limit / 1000} s (${named(res)}, ${waiting} bytes waiting): its connection was closed`);
        s.destroy();
      } else {
        p.queued = queued; // a new write queued meanwhile: a later shrink of it is progress
      }
    }
  };
  const timer = setInterval(check, Math.max(1, Math.min(every, limit)));
  timer.unref(); // never what keeps a process alive
  return () => clearInterval(timer);
}
