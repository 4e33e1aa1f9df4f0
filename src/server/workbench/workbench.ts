/**
 * Start the workbench: open the database (PGlite by default, PostgreSQL when a URL is given),
 * apply migrations, build the Hono app and listen with @hono/node-server. Returns the URL, a `stop()` that answers the
 * requests in flight before it closes the database (Ctrl-C) and a `close()` that ends every connection at once.
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Policy } from '../../agents/policy.js';
import type { Episode } from '../../episode/types.js';
import { openDb } from '../../feedback/db.js';
import { FeedbackStore } from '../../feedback/store.js';
import type { SuiteEpisode } from '../../suite/types.js';
import { describeError } from '../../util/errors.js';
import { createApp } from './app.js';
import { findUiDir } from './static.js';
import type { AuthLimitConfig } from '../workbench-config.js';
import { hostGuard, plainHttpNote, warnIfPlainHttp } from '../host-check.js';
import { listen, type Listening } from '../listen.js';
import type { SlowClientLimits } from '../timeouts.js';

export interface ServeOptions {
  /** PostgreSQL URL (DATABASE_URL); omitted = PGlite at `dataDir` (or in memory when that is omitted too). */
  databaseUrl?: string;
  dataDir?: string;
  /** An already opened store (tests); the server then does not close it. */
  store?: FeedbackStore;
  host: string;
  /** 0 = any free port. */
  port: number;
  /** Policy spec for play tasks (see src/agents/registry.ts). */
  playPolicy: string;
  /** Open assignments without activity (taken, resumed, a play step, a heartbeat) for this long go back to the queue (default 1 h). */
  assignmentTtlSeconds?: number;
  /** UI folder; default dist/web. */
  uiDir?: string;
  /** Where warnings (plain HTTP on a non-loopback host) and unexpected errors go; default stderr. */
  log?: (msg: string) => void;
  /** Refused tokens allowed per client address and window (auth-limit.ts defaults when omitted). */
  authLimit?: Partial<AuthLimitConfig>;
  /** On a loopback host: further Host names to answer besides its own (a reverse proxy's; ../host-check.ts). */
  allowHosts?: string[];
  /** Node's limits on slow clients (../timeouts.ts; tests shorten them). */
  slowClients?: Partial<SlowClientLimits>;
  /** The clock of the login cache and the sign-in limit, in ms (app.ts `AppOptions.now`); tests move it past AUTH_CACHE_MS. Default Date.now. */
  now?: () => number;
}

/** What crosses the network unencrypted when the workbench listens on a non-loopback host. */
export const WORKBENCH_PLAIN_HTTP = 'annotator tokens and labels';

/** What a server on a non-loopback host prints once at start, after `--host HOST` (docs/feedback-rlhf.md, "People"). */
export const PLAIN_HTTP_WARNING = plainHttpNote(WORKBENCH_PLAIN_HTTP, 'annotators');

export interface RunningServer {
  url: string;
  store: FeedbackStore;
  /** End every connection at once (a label being sent included), then close the database. */
  close(): Promise<void>;
  /** Stop as `askfirst feedback serve` does at Ctrl-C: no new connection, the requests in flight answered (a label being sent is stored), then the database closed (../listen.ts `drain`). */
  stop(): Promise<void>;
  /** Requests received and not yet answered. */
  inFlight(): number;
}

/**
 * A factory making the play policy for one episode whose views are paths relative to the
 * project's image folder. The oracle needs the episode, so it is made per episode; any other
 * policy (a checkpoint, a remote model) is made once and shared (its `close` is then a no-op
 * per episode).
 */
export function playPolicyFactory(spec: string): (ep: Episode<string>, imageDir?: string) => Promise<Policy> {
  let shared: Promise<Policy> | null = null;
  const make = async (eps: SuiteEpisode[]) => {
    // Loaded lazily: the registry pulls in every backend, which the API itself does not need.
    const { createPolicy } = await import('../../agents/registry.js');
    return createPolicy(spec, { episodes: eps, seed: 0 });
  };
  return async (ep, imageDir) => {
    const suiteEp: SuiteEpisode = { ...ep, views: ep.views.map((v) => ({ path: imageDir ? join(imageDir, v) : v })) };
    if (spec === 'oracle') return make([suiteEp]);
    shared ??= make([]);
    const p = await shared;
    return { name: p.name, act: (b, o) => p.act(b, o) };
  };
}

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const store = o.store ?? (await FeedbackStore.open(await openDb({ url: o.databaseUrl, dataDir: o.dataDir })));
  const ttl = o.assignmentTtlSeconds ?? 3600;
  const log = o.log ?? console.error;
  // Bound to loopback: answer only its own names (DNS rebinding). Else: say once that it is plain HTTP.
  let boundPort = o.port;
  const hostAllowed = hostGuard(o.host, () => boundPort, o.allowHosts);
  const app = createApp({ store, playPolicy: playPolicyFactory(o.playPolicy), assignmentTtlSeconds: ttl, uiDir: o.uiDir ?? findUiDir(), log: o.log, authLimit: o.authLimit, hostAllowed, now: o.now });
  const warn = (m: string) => log(`askfirst workbench: warning: ${m}`);
  let l: Listening;
  try {
    // a slow or malformed request's 408/400/431 in the workbench's error shape (errors.ts), not Node's empty one
    l = await listen({ fetch: app.fetch, host: o.host, port: o.port, slowClients: o.slowClients, warn, clientErrorBody: (message, status) => ({ error: { code: status === 408 ? 'TIMEOUT' : status === 400 ? 'BAD_INPUT' : 'TOO_LARGE', message } }) });
  } catch (e) {
    if (!o.store) await store.close(); // close the database (and remove its lock) before reporting
    throw e;
  }
  boundPort = l.port; // before any request can name it
  // Slots of assignments without activity for longer than `assignmentTtlSeconds` go back to the queue.
  const sweeper = setInterval(() => void store.releaseStale(ttl).catch((e) => (o.log ?? console.error)(`askfirst server: releasing stale assignments failed: ${describeError(e)}`)), Math.min(ttl, 300) * 1000);
  sweeper.unref();
  const addr = l.server.address() as AddressInfo;
  warnIfPlainHttp(o.host, WORKBENCH_PLAIN_HTTP, warn, 'annotators');
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    store,
    close: async () => {
      clearInterval(sweeper);
      await l.close();
      if (!o.store) await store.close();
    },
    // the database is closed only once every request in flight has its answer (closed under one, its label was lost)
    stop: async () => {
      clearInterval(sweeper);
      await l.drain();
      if (!o.store) await store.close();
    },
    inFlight: l.inFlight,
  };
}
