/**
 * A local OpenAI-compatible test server for the HTTP client's tests and benchmark: answers
 * after a fixed delay, and injects faults at a seeded rate — 429 with Retry-After, 500, a hang
 * past the client's timeout, a malformed body. The reply is a pure function of the request's
 * last user message (a hash of its text and image picks an option letter, or a supplied function decides), so outcomes
 * do not depend on which attempts failed. Loopback only; plain node:http to keep its own
 * overhead out of the measurements.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { optionLetter } from '../episode/parse.js';
import { SceneRng } from '../util/rng.js';

export type Fault = '429' | '500' | 'hang' | 'malformed';

export interface FaultServerOptions {
  /** Delay before every answer (ms). */
  delayMs?: number;
  /** Share of requests that get a fault (0–1). */
  faultRate?: number;
  /** Which faults to draw from (uniformly). */
  faults?: Fault[];
  seed?: number;
  /** Retry-After value sent with 429s (seconds). */
  retryAfterSec?: number;
  /** Reply text for a request (default: a hash of the last user text picks an option letter). */
  answer?: (lastUserText: string, body: Record<string, unknown>, headers: IncomingMessage['headers']) => string;
  /** Include first-token logprobs over option letters when asked. */
  logprobs?: boolean;
  /**
   * Refuse a request as a real endpoint does (e.g. a reasoning model rejecting `max_tokens`):
   * return the HTTP status and the `error` object of the reply, or undefined to answer it.
   */
  refuse?: (body: Record<string, unknown>) => { status: number; error: Record<string, unknown> } | undefined;
  /** The finish_reason for a reply, and the content actually sent (e.g. cut at the token limit); default "stop" and the whole reply. */
  finish?: (content: string, body: Record<string, unknown>) => { content: string; finishReason: string };
}

/** What the server did with a request: a fault, an answer (`answered`), or nothing yet (`unread`: its body had not all arrived). */
export type Outcome = Fault | 'answered' | 'unread';

export interface FaultServer {
  url: string;
  /**
   * Counters: requests received, faults injected by kind, answers given, and `abandoned`: requests whose connection the
   * client closed before it was done with them, by what the server had done with each — a hang it gave up on, a reply it
   * gave up reading (its own timer fired first on a loaded machine), a request cut before it had all arrived. A client
   * only closes a connection mid-request (a finished reply leaves it open for the next request), so these are the
   * attempts it abandoned; the other replies it read. Closes by the server itself (an idle connection's keep-alive
   * timeout, `close()`) are not counted.
   */
  stats: { requests: number; answered: number; faults: Record<Fault, number>; abandoned: Record<Outcome, number> };
  /** Every request's headers and body (for the secrets test); off unless `keepLog` is set. */
  log: { headers: IncomingMessage['headers']; body: string }[];
  keepLog: boolean;
  close(): Promise<void>;
}

function lastUser(body: Record<string, unknown>): { text: string; image: string } {
  const msgs = (body.messages ?? []) as { role: string; content: unknown }[];
  for (let i = msgs.length - 1; i >= 0; i--) {
    if (msgs[i].role !== 'user') continue;
    const c = msgs[i].content;
    if (typeof c === 'string') return { text: c, image: '' };
    if (Array.isArray(c)) {
      return {
        text: c.filter((p) => p?.type === 'text').map((p) => p.text).join('\n'),
        image: c.filter((p) => p?.type === 'image_url').map((p) => p.image_url?.url ?? '').join(''),
      };
    }
  }
  return { text: '', image: '' };
}

/** How many "X. " option lines a prompt has. */
function countOptions(text: string): number {
  let n = 0;
  while (text.includes(`\n${optionLetter(n)}. `)) n++;
  return n;
}

/** The default answer: an option letter chosen by a hash of the text and image ("A." when there are no options). */
export function hashAnswer(text: string, image = ''): string {
  const n = Math.max(1, countOptions(text));
  const h = createHash('sha256').update(text).update(image).digest().readUInt32BE(0);
  return `${optionLetter(h % n)}.`;
}

export async function startFaultServer(o: FaultServerOptions & { port?: number } = {}): Promise<FaultServer> {
  const rng = SceneRng.fromState(o.seed ?? 0);
  const rand = () => rng.next();
  const faults = o.faults ?? ['429', '500', 'hang', 'malformed'];
  const hanging = new Set<ServerResponse>();
  const fs: FaultServer = {
    url: '',
    stats: {
      requests: 0,
      answered: 0,
      faults: { '429': 0, '500': 0, hang: 0, malformed: 0 },
      abandoned: { '429': 0, '500': 0, hang: 0, malformed: 0, answered: 0, unread: 0 },
    },
    log: [],
    keepLog: false,
    close: async () => {},
  };
  // Per connection, the request last received on it and what became of it; a connection the client closes while it is
  // set was abandoned (`FaultServer.stats.abandoned`). A finished reply keeps it set: the client may still give up reading it.
  const current = new WeakMap<Socket, { outcome: Outcome }>();
  const byServer = new WeakSet<Socket>();
  let closing = false;
  const server = createServer((req, res) => {
    const attempt: { outcome: Outcome } = { outcome: 'unread' };
    current.set(req.socket, attempt);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      if (fs.keepLog) fs.log.push({ headers: req.headers, body: raw });
      if (req.method === 'GET' && req.url?.endsWith('/models')) {
        attempt.outcome = 'answered';
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'fault', object: 'model' }] }));
        return;
      }
      fs.stats.requests++;
      const fault = (o.faultRate ?? 0) > 0 && rand() < o.faultRate! ? faults[Math.floor(rand() * faults.length)] : null;
      const respond = () => {
        if (fault) fs.stats.faults[fault]++;
        attempt.outcome = fault ?? 'answered';
        if (fault === '429') {
          res.writeHead(429, { 'retry-after': String(o.retryAfterSec ?? 1), 'content-type': 'application/json' }).end('{"error":{"message":"slow down"}}');
        } else if (fault === '500') {
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"boom"}}');
        } else if (fault === 'hang') {
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
        } else if (fault === 'malformed') {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"x","choices":[{"message":{"content":');
        } else {
          let body: Record<string, unknown>;
          try {
            body = JSON.parse(raw);
          } catch {
            res.writeHead(400).end('{"error":{"message":"bad json"}}');
            return;
          }
          const refused = o.refuse?.(body);
          if (refused) {
            res.writeHead(refused.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: refused.error }));
            return;
          }
          const { text, image } = lastUser(body);
          const full = o.answer ? o.answer(text, body, req.headers) : hashAnswer(text, image);
          const { content, finishReason } = o.finish ? o.finish(full, body) : { content: full, finishReason: 'stop' };
          let logprobs = null;
          if (o.logprobs && body.logprobs === true) {
            const n = Math.max(1, countOptions(text));
            const chosen = content.trim().split(/[\s.]/)[0];
            const alts = Array.from({ length: n }, (_, i) => ({ token: optionLetter(i), logprob: optionLetter(i) === chosen ? Math.log(0.7) : Math.log(0.3 / n) }));
            logprobs = { content: [{ token: chosen, logprob: Math.log(0.7), top_logprobs: alts }] };
          }
          fs.stats.answered++;
          res.writeHead(200, { 'content-type': 'application/json' }).end(
            JSON.stringify({ id: 'c', object: 'chat.completion', model: body.model, choices: [{ index: 0, message: { role: 'assistant', content }, logprobs, finish_reason: finishReason }] }),
          );
        }
      };
      if (o.delayMs) setTimeout(respond, o.delayMs);
      else respond();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket: Socket) => {
    socket.on('timeout', () => byServer.add(socket)); // the keep-alive timeout: the server closes an idle connection
    socket.on('close', () => {
      const attempt = current.get(socket);
      if (attempt && !closing && !byServer.has(socket)) fs.stats.abandoned[attempt.outcome]++;
    });
  });
  await new Promise<void>((r) => server.listen(o.port ?? 0, '127.0.0.1', () => r()));
  fs.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  fs.close = () =>
    new Promise<void>((r) => {
      closing = true;
      for (const h of hanging) h.destroy();
      server.closeAllConnections();
      server.close(() => r());
    });
  return fs;
}
