/**
 * Listening, for every server (`serve`, `env serve`, `feedback serve`; docs/hardening.md, "Every
 * server"): @hono/node-server on `host` and `port` (0: any free one) with Node's slow-client limits
 * (timeouts.ts), whose 408 (400, 431) carries the server's error shape instead of Node's empty
 * answer; a failure to listen said in the server's terms (errors.ts `listenError`); an error of
 * the listening server said once per kind (`acceptError`), the server going on; a client that stops reading
 * an answer disconnected after `writeStallTimeout` (write-stall.ts, one line to `warn`); a `close` that
 * ends every open connection, keep-alive ones included, so that it returns at once; and a `drain` for a
 * server stopped by a signal, which first answers the requests in flight (docs/hardening.md, "Every server").
 *
 * Once listening, Node's server emits 'error' for a connection it could not accept (net.js
 * `onconnection`: EMFILE/ENFILE when the process is out of file descriptors; libuv has already
 * closed that connection and keeps accepting). Left to the listen-time handler, such an error was
 * a rejection of the already-settled promise: nothing said, the dropped clients unexplained; with no
 * handler at all it would end the process. Malformed or slow requests are 'clientError', not
 * 'error' (timeouts.ts).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { listenError } from './errors.js';
import { jsonClientErrors, SLOW_CLIENT_LIMITS, slowClientOptions, type SlowClientLimits } from './timeouts.js';
import { cutStalledReaders } from './write-stall.js';

export interface ListenOptions {
  fetch: (request: Request) => Response | Promise<Response>;
  host: string;
  port: number;
  /** The body of a slow or malformed request's answer, in the server's error shape (timeouts.ts `jsonClientErrors`). */
  clientErrorBody: (message: string, status: number) => unknown;
  /** Node's limits on slow clients (tests shorten them). */
  slowClients?: Partial<SlowClientLimits>;
  /** Called with the server before it listens (env serve attaches its WebSocket upgrade here). */
  setup?: (server: Server) => void;
  /** Where an error of the listening server is said (`acceptError`), once per kind. */
  warn: (msg: string) => void;
}

/** What starting `serve` or `env serve` takes besides its app's options (the workbench has its own ServeOptions). */
export interface StartOptions {
  /** 0 (the default) picks a free one. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** On a loopback host: further Host names to answer besides its own (host-check.ts). */
  allowHosts?: readonly string[];
  /** Where the plain-HTTP warning of a non-loopback host goes (default stderr). */
  warn?: (msg: string) => void;
  slowClients?: Partial<SlowClientLimits>;
}

/** http://host:port for a listen host as given (an IPv6 one in brackets). */
export function baseUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export interface Listening {
  server: Server;
  /** The port bound (the one asked for, or the free one port 0 got). */
  port: number;
  /** Stop listening and end every connection. */
  close(): Promise<void>;
  /** Requests received and not yet answered. */
  inFlight(): number;
  /**
   * Stop after the current unit of work: accept no more connections, close the idle ones and those that never
   * sent a byte, answer the requests in flight and any whose arrival had begun (within the slow-client limits,
   * still checked), an answer being sent sent in full (each connection closed after its answer, so none takes
   * another); resolves once no connection is left. `close` during it ends every connection at once.
   */
  drain(): Promise<void>;
}

/**
 * Listen; resolves once listening, rejects with `listenError`. A caller whose Host check reads the
 * port (host-check.ts `hostGuard`) sets it from `port` right after the await: that runs before the
 * first request can arrive.
 */
export async function listen(o: ListenOptions): Promise<Listening> {
  const { serve } = await import('@hono/node-server'); // loaded only when a server starts
  let draining = false;
  const answering = new Set<ServerResponse>();
  /** The answers not yet sent of each connection, let go when it closes. */
  const queuedOn = new WeakMap<Socket, Set<ServerResponse>>();
  return new Promise((resolve, reject) => {
    const failedToListen = (e: Error) => reject(listenError(e, o.host, o.port));
    const server = serve({ fetch: o.fetch, port: o.port, hostname: o.host, serverOptions: slowClientOptions(o.slowClients) }, (info) => {
      // listening: later errors are the running server's, said (once per kind), not a rejection of this settled promise
      server.off('error', failedToListen);
      const said = new Set<string>();
      server.on('error', (e: NodeJS.ErrnoException) => {
        const kind = e.code ?? e.message;
        if (said.has(kind)) return;
        said.add(kind);
        o.warn(acceptError(e));
      });
      resolve({
        server,
        port: info.port,
        close: () =>
          new Promise<void>((res) => {
            server.closeAllConnections();
            server.close(() => res());
          }),
        inFlight: () => answering.size,
        drain: () =>
          new Promise<void>((res) => {
            draining = true;
            // an answer not yet begun says Connection: close, so its connection ends once it is written
            for (const r of answering) if (!r.headersSent) r.shouldKeepAlive = false;
            // Not listening any more; done when the last connection ends. net.Server's close, not http.Server's: the
            // latter also closes the idle connections at once (`closeIdleConnections`), and to Node a connection whose
            // answer has been ended is idle even with most of it still to send (a client reading an 8 MiB answer at
            // about 6 MB/s, drained 0.3 s in, got 5.6 MiB: listen.test.ts); it also stops Node's check of the
            // headers and request limits, which here go on applying to the requests still arriving. The idle
            // connections are closed by `sweep`, once no answer is ended but unsent.
            NetServer.prototype.close.call(server, () => res());
            // A connection that never sent a byte has no request in flight, and Node's sweep does not count it idle:
            // it held the drain until its client went (listen.test.ts). Closed once the next loop turn has read what its
            // client sent before the stop: one accepted in the turn of the stop is read only on the next (libuv watches a
            // new socket from the next poll), so its request, already sent in full, was cut unanswered (listen.test.ts).
            const silent = [...connections].filter((socket) => socket.bytesRead === 0);
            setImmediate(() => setImmediate(() => {
              for (const socket of silent) if (socket.bytesRead === 0) socket.destroy();
            }));
            sweep();
          }),
      });
    }) as Server;
    /** Answers whose last byte the system has taken ('finish'): an answer ended and not in here is still being sent. */
    const sent = new WeakSet<ServerResponse>();
    let sweepQueued = false;
    /**
     * While draining: close the idle connections (Node's sweep: no request arriving, no answer pending) once no answer
     * is ended but unsent, and again as each answer is sent (its connection, kept alive, is then idle) or cut. An
     * answer that is never taken is bounded by the write-stall limit (write-stall.ts), an idle connection meanwhile
     * by Node's keep-alive timeout.
     */
    const sweep = () => {
      if (!draining || sweepQueued) return;
      sweepQueued = true;
      setImmediate(() => {
        sweepQueued = false; // after Node's own 'finish' handling: the sent answer's connection is idle by now
        for (const r of answering) if (r.writableEnded && !sent.has(r)) return; // swept again once it is sent
        server.closeIdleConnections();
      });
    };
    /** The open connections, for the drain to close those that never sent a byte. */
    const connections = new Set<Socket>();
    server.on('connection', (socket: Socket) => {
      connections.add(socket);
      socket.once('close', () => connections.delete(socket));
    });
    // Before @hono/node-server's own listener (added by `serve`): that one writes a Response its fetch returns at
    // once in the same turn, which said Connection: keep-alive during a drain when this came after it.
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      if (draining) res.shouldKeepAlive = false;
      answering.add(res);
      res.on('finish', () => {
        sent.add(res);
        sweep();
      });
      res.on('close', () => {
        answering.delete(res);
        sweep();
      });
      // An answer queued behind another on its connection (HTTP/1.1 pipelining) has no socket yet, and Node emits no
      // 'close' for it when the connection ends: without this it stayed counted, its body held, for good.
      const socket = req.socket;
      let onSocket = queuedOn.get(socket);
      if (!onSocket) {
        const answers = new Set<ServerResponse>();
        queuedOn.set(socket, (onSocket = answers));
        socket.once('close', () => {
          for (const r of answers) answering.delete(r);
          sweep();
          queuedOn.delete(socket);
        });
      }
      const mine = onSocket;
      mine.add(res);
      res.on('close', () => mine.delete(res));
    });
    server.on('error', failedToListen);
    const limits = { ...SLOW_CLIENT_LIMITS, ...o.slowClients };
    const stopWatching = cutStalledReaders(answering, limits.writeStallTimeout, limits.connectionsCheckingInterval, o.warn);
    server.on('close', stopWatching);
    try {
      o.setup?.(server);
      jsonClientErrors(server, o.clientErrorBody, o.slowClients);
    } catch (e) {
      // serve() has begun listening: a server whose setup failed must not be left holding the port
      server.off('error', failedToListen);
      stopWatching();
      server.close();
      reject(e);
    }
  });
}

/** One line for an error of a listening server (a connection it could not accept), with what to do. */
export function acceptError(e: NodeJS.ErrnoException): string {
  if (e.syscall !== 'accept') return `the server had an error (${e.message}) and goes on (said once)`;
  const out = e.code === 'EMFILE' || e.code === 'ENFILE';
  const what = out ? `out of file descriptors (${e.code})` : e.message;
  const fix = out ? '; raise the open-file limit (ulimit -n) or send fewer connections at once' : '';
  return `a connection could not be accepted, ${what}: it was closed and the server goes on${fix} (said once)`;
}
