/**
 * `askfirst env serve`: askfirst's episodes as an OpenEnv-compatible environment server, plus
 * OpenRLHF's remote reward endpoint (docs/environment-server.md).
 *   WS   /ws          one session per connection: reset / step / state / close / mcp (protocol.ts, mcp.ts)
 *   WS   /mcp         OpenEnv's raw MCP WebSocket: one session per connection, each message a JSON-RPC request (mcp.ts)
 *   GET  /health      {"status": "healthy"}
 *   GET  /schema      {action, observation, state} JSON Schemas
 *   GET  /metadata    OpenEnv's EnvironmentMetadata
 *   GET  /state       the state of a fresh environment (OpenEnv's stateless HTTP path)
 *   POST /reset       stateless: a fresh environment, reset → {observation, reward, done}
 *   POST /step        stateless: a fresh environment replays `episode_id` + `history`, then the action
 *   POST /get_reward  OpenRLHF: {query, prompts, labels} → {rewards, scores, extra_logs}
 *   POST /mcp         OpenEnv's JSON-RPC MCP endpoint: the episode as tools (start_episode, reply, episode_state) on
 *                     sessions from openenv/session/create (mcp.ts)
 *   GET  /openapi.json the routes under OpenEnv's HTTP API version 1.0.0 (what `openenv validate` reads)
 * HTTP routes are hono (as the other servers); WebSockets are `ws`, attached to the same Node
 * server's upgrade event (why not @hono/node-ws: it is a thin wrapper over `ws` whose upgrade
 * helper accepts before our capacity check runs and hides per-socket close codes and
 * `maxPayload`, all of which the session limit and malformed-client handling need).
 * Each session is an `EnvSession` with its own episode state; messages of one socket are handled
 * strictly in order; one socket's bad message is answered on that socket only.
 * Guards (docs/hardening.md, "Every server"): on loopback only its own Host names and --allow-host
 * ones, and no web page of another site (its Origin) (403 otherwise, HTTP and the upgrade: ../host-check.ts); JSON
 * nested at most MAX_JSON_DEPTH deep (../json-depth.ts); HTTP bodies up to `maxBodyBytes`
 * (413), `maxConcurrent` POSTs handled at once (the rest wait, bodies unread), `maxRewardItems` items a /get_reward (413), WebSocket messages up to `maxMessageBytes` (close 1009, its reason naming the flag) and `maxQueuedMessages` of them (or
 * `maxQueuedBytes`) waiting per session (the socket is not read beyond: backpressure), step replies up to `maxReplyBytes`
 * (VALIDATION_ERROR, 422 over HTTP), `maxSessions` sessions
 * (CAPACITY_REACHED), idle ones closed after `sessionTimeout`; slow clients cut by ../timeouts.ts.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { WebSocketServer, type RawData, type ServerOptions, type WebSocket } from 'ws';
import { EnvSession } from '../../environment/session.js';
import type { EpisodePool } from '../../environment/episodes.js';
import type { Rewarder } from '../../environment/rewards.js';
import { rewardBatch } from '../../environment/single-turn.js';
import { AskfirstError, describeError, describeErrorForLog, InputError } from '../../util/errors.js';
import { allowedMethods, rawJsonAnswer, toHttp } from '../errors.js';
import { RefusalLog } from './refusals.js';
import { hostCheck, hostGuard, refusedHost, warnIfPlainHttp, type HostTest } from '../host-check.js';
import { bodySizeLimit } from '../body-limit.js';
import { nestedDeeper, parseJson, TOO_DEEP } from '../json-depth.js';
import { baseUrl, listen, type StartOptions } from '../listen.js';
import { DEFAULT_ENV_MAX_BODY_BYTES, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_QUEUED_BYTES, DEFAULT_MAX_QUEUED_MESSAGES, DEFAULT_MAX_REPLY_BYTES, DEFAULT_MAX_REWARD_ITEMS, DEFAULT_ENV_MAX_CONCURRENT } from './limits.js';
import { Semaphore } from '../../util/semaphore.js';
import { McpEndpoint, RPC, rpcError, type NamedSession } from './mcp.js';
import { pyStrIn } from './py-str.js';
import { errorMessage, isMcpAction, isObject, laxFloat, maxLengthString, validateAction, validateMcpAction, validateMessage, validateReset, ValidationFailure, type FieldError, type JsonRpcResponse, type WSOutgoing } from './protocol.js';
import { ACTION_SCHEMA, OBSERVATION_SCHEMA, STATE_SCHEMA } from './schemas.js';

export interface EnvServerOptions {
  pool: EpisodePool;
  rewarder: Rewarder;
  /** Most sessions at once, /ws ones and HTTP MCP ones (OpenEnv's max_concurrent_envs). */
  maxSessions: number;
  /** Close sessions idle this long, in seconds (OpenEnv's session_timeout); 0 = never. */
  sessionTimeout: number;
  /** Largest incoming WebSocket message, in bytes (default DEFAULT_MAX_MESSAGE_BYTES); a larger one closes the session with 1009 and a reason naming the flag. */
  maxMessageBytes?: number;
  /**
   * Most messages of one session received and not yet answered (default DEFAULT_MAX_QUEUED_MESSAGES,
   * uvicorn's ws_max_queue); at it the socket is not read until one is answered (backpressure).
   */
  maxQueuedMessages?: number;
  /**
   * Most bytes of one session's messages received and not yet answered (default DEFAULT_MAX_QUEUED_BYTES); at it the
   * socket is not read until one is answered, as at maxQueuedMessages (backpressure, nothing refused).
   */
  maxQueuedBytes?: number;
  /** Largest HTTP request body, in bytes (default DEFAULT_ENV_MAX_BODY_BYTES); a larger one is a 413. */
  maxBodyBytes?: number;
  /**
   * Most HTTP POST requests handled at once (default DEFAULT_ENV_MAX_CONCURRENT); more wait for a slot
   * before their body is read (not refused), so at most this many bodies are in memory.
   */
  maxConcurrent?: number;
  /**
   * Largest reply of a step, in UTF-8 bytes (default DEFAULT_MAX_REPLY_BYTES); a longer one is a VALIDATION_ERROR
   * (422 on POST /step) and the session goes on. A session keeps its episode's replies until the next reset.
   */
  maxReplyBytes?: number;
  /** Most items of one POST /get_reward (default DEFAULT_MAX_REWARD_ITEMS); more is a 413 before any is scored. */
  maxRewardItems?: number;
  /**
   * Which Host headers to answer, on HTTP routes and the WebSocket upgrade (../host-check.ts: a
   * loopback server's own names, against DNS rebinding); omitted = any. Another Host is a 403.
   */
  hostAllowed?: HostTest;
  /** Name, description and version for /metadata. */
  name?: string;
  description?: string;
  version?: string;
  log?: (msg: string) => void;
}

/**
 * 2 s: how long a WebSocket the server closes (a stop, an idle session, one at capacity) waits for the client's close
 * frame before its connection is cut (close code 1006 at the client). A client that answers does so in milliseconds.
 */
export const ENV_CLOSE_GRACE_MS = 2000;

interface LiveSession {
  id: string;
  env: EnvSession;
  ws: WebSocket;
  lastActivity: number;
  steps: number;
  queue: Promise<void>;
  /** Messages received and not yet answered, an answer counting until it is out of the send buffer (at maxQueuedMessages the socket is paused). */
  waiting: number;
  /** Their bytes as received (at maxQueuedBytes the socket is paused too). */
  waitingBytes: number;
  /** A message is being handled (its answer not yet out): what a stop waits for (`EnvServer.stop`). */
  busy: boolean;
  /** A /mcp socket: its messages are JSON-RPC requests and every answer a JSON-RPC response (errors too). */
  rawMcp: boolean;
}

/**
 * GET /openapi.json: the routes, under OpenEnv's HTTP API version "1.0.0" (its FastAPI app's; `openenv
 * validate URL` reads info.version and the paths to tell a simulation-mode server: /reset, /step, /state).
 */
function openApi(description?: string) {
  const op = (summary: string) => ({ summary, responses: { '200': { description: 'OK' } } });
  return {
    openapi: '3.1.0',
    info: { title: 'askfirst environment HTTP API (OpenEnv)', version: '1.0.0', ...(description ? { description } : {}) },
    paths: {
      '/reset': { post: op('Reset the environment (stateless): a fresh episode') },
      '/step': { post: op('Execute an action (stateless: episode_id and history replayed)') },
      '/state': { get: op('State of a fresh environment') },
      '/metadata': { get: op('Environment metadata') },
      '/health': { get: op('Health check') },
      '/schema': { get: op('JSON Schemas of action, observation and state') },
      '/mcp': { post: op('MCP JSON-RPC endpoint: tools/list, tools/call (start_episode, reply, episode_state), openenv/session/create and close') },
      '/get_reward': { post: op('OpenRLHF remote reward: {query, prompts, labels} → {rewards, scores, extra_logs}') },
    },
  };
}

/** FastAPI's 422 body: {"detail": [errors]} with locations under "body". */
function unprocessable(c: Context, errors: FieldError[]) {
  return c.json({ detail: errors.map((e) => ({ ...e, loc: ['body', ...e.loc] })) }, 422);
}

export class EnvServer {
  readonly sessions = new Map<string, LiveSession>();
  private readonly wss: WebSocketServer;
  private reaper: NodeJS.Timeout | null = null;
  readonly app: Hono;
  private readonly log: (msg: string) => void;
  /** OpenRLHF never shows an error body: refused /get_reward requests are said in the server log (refusals.ts). */
  private readonly rewardRefusals: RefusalLog;
  counters = { sessionsOpened: 0, sessionsReaped: 0, sessionsRefused: 0, steps: 0, errors: 0 };
  /** Stopping after the current messages (`stop`): no new session, no further message handled. */
  private stopping = false;
  /** POST /mcp, the `mcp` message, the /mcp WebSocket and MCP step actions: the episode as OpenEnv MCP tools, and the HTTP MCP sessions. */
  readonly mcp: McpEndpoint;

  constructor(private readonly o: EnvServerOptions) {
    this.log = o.log ?? ((m) => console.error(m));
    this.rewardRefusals = new RefusalLog(this.log, 'POST /get_reward');
    // closeTimeout (ws ≥ 8.19, not in @types/ws): how long a socket the server closes waits for the client's close frame
    // before it is cut; ws's default, 30 s, held an orderly stop that long for a client that ignores close frames
    const wsOptions: ServerOptions & { closeTimeout: number } = { noServer: true, maxPayload: o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, closeTimeout: ENV_CLOSE_GRACE_MS };
    this.wss = new WebSocketServer(wsOptions);
    this.mcp = new McpEndpoint({
      pool: o.pool,
      rewarder: o.rewarder,
      maxReplyBytes: o.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES,
      maxSessions: o.maxSessions,
      otherSessions: () => this.sessions.size,
      onStep: () => this.counters.steps++,
      socketSession: (id) => this.namedSocket(id),
      log: this.log,
    });
    this.app = this.routes();
  }

  // 1. HTTP routes -------------------------------------------------------------------------
  private routes(): Hono {
    const app = new Hono();
    const o = this.o;
    app.use('*', hostCheck(o.hostAllowed, 'environment server', (c, message) => c.json({ detail: message }, 403), true));
    // FastAPI's answers: a known path with another method is 405 with Allow, anything else 404 (below, notFound). HEAD
    // too: FastAPI's @app.get routes do not answer it (405, `Allow: GET`: fastapi/fastapi#1773), where hono would answer
    // it as the GET without a body.
    const refused = (c: Context) => {
      const allow = allowedMethods(app, c.req.path, false);
      return allow ? c.json({ detail: 'Method Not Allowed' }, 405, { allow }) : c.json({ detail: 'Not Found' }, 404);
    };
    app.use('*', async (c, next) => (c.req.method === 'HEAD' ? refused(c) : next()));
    // Before the body limit: a request waiting for a slot has its body unread (TCP backpressure holds the rest).
    const slots = new Semaphore(o.maxConcurrent ?? DEFAULT_ENV_MAX_CONCURRENT);
    app.use('*', async (c, next) => {
      if (c.req.method !== 'POST') return next();
      await slots.acquire();
      try {
        await next();
      } finally {
        slots.release();
      }
    });
    const maxBody = o.maxBodyBytes ?? DEFAULT_ENV_MAX_BODY_BYTES;
    // FastAPI's error shape ({"detail": message}).
    app.use('*', bodySizeLimit(maxBody, 'askfirst env serve --max-body-bytes', (c, message) => c.json({ detail: message }, 413)));
    app.get('/health', (c) => c.json({ status: 'healthy' }));
    app.get('/metadata', (c) =>
      c.json({
        name: o.name ?? 'askfirst',
        description: o.description ?? 'askfirst episodes: ask for a better view or answer (ProactiveBench multiple-choice protocol)',
        readme_content: null,
        version: o.version ?? null,
        author: null,
        documentation_url: null,
      }),
    );
    app.get('/schema', (c) => c.json({ action: ACTION_SCHEMA, observation: OBSERVATION_SCHEMA, state: STATE_SCHEMA }));
    app.get('/openapi.json', (c) => c.json(openApi(o.description)));
    app.post('/mcp', async (c) => {
      const text = await c.req.text();
      const body = parseBody(text);
      return c.json(await this.mcp.handle(body, undefined, body === INVALID_JSON || (body === TOO_DEEP_JSON && `JSON ${TOO_DEEP}`), { text, path: [] }));
    });
    app.get('/state', (c) => c.json(new EnvSession(o.pool, o.rewarder).state()));
    app.post('/reset', async (c) => {
      const text = await c.req.text();
      const body = parseBody(text);
      if (body === INVALID_JSON || body === TOO_DEEP_JSON) return unprocessable(c, [jsonInvalid(body, text)]);
      if (!isObject(body)) return unprocessable(c, [notAnObject(body)]);
      try {
        const choice = validateReset(body);
        return c.json(await new EnvSession(o.pool, o.rewarder).reset(choice as Parameters<EnvSession['reset']>[0]));
      } catch (e) {
        return this.httpError(c, e);
      }
    });
    const maxReply = o.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
    app.post('/step', async (c) => {
      const text = await c.req.text();
      const body = parseBody(text);
      try {
        if (body === INVALID_JSON || body === TOO_DEEP_JSON) throw new ValidationFailure([jsonInvalid(body, text)]);
        if (!isObject(body)) throw new ValidationFailure([notAnObject(body)]);
        const errs: FieldError[] = [];
        if (!isObject(body.action)) errs.push(body.action === undefined ? { type: 'missing', loc: ['action'], msg: 'Field required', input: body } : { type: 'dict_type', loc: ['action'], msg: 'Input should be a valid dictionary', input: body.action });
        // OpenEnv's StepRequest, read as pydantic reads it ("1.5" and true are timeouts there); a step takes milliseconds, so
        // a valid timeout_s changes nothing here, as OpenEnv passes it only to an environment whose step takes one
        if (body.timeout_s !== undefined && body.timeout_s !== null) {
          const t = laxFloat(body.timeout_s, ['timeout_s']);
          if (typeof t !== 'number') errs.push(t);
          else if (!(t > 0)) errs.push({ type: 'greater_than', loc: ['timeout_s'], msg: 'Input should be greater than 0', input: body.timeout_s, ctx: { gt: 0 } });
        }
        const requestId = body.request_id === undefined || body.request_id === null ? '' : maxLengthString(body.request_id, ['request_id'], 255);
        if (typeof requestId !== 'string') errs.push(requestId);
        // OpenEnv's MCP actions (list_tools, call_tool) run on a fresh environment, as OpenEnv's stateless step runs them
        const mcpAction = isObject(body.action) && isMcpAction(body.action);
        // Our choice where OpenEnv's stateless /step has no session: the episode and the earlier replies travel with the request.
        if (typeof body.episode_id !== 'string' && !(mcpAction && (body.episode_id === undefined || body.episode_id === null))) errs.push({ type: 'missing', loc: ['episode_id'], msg: 'Field required: a stateless step replays the episode, so it needs "episode_id" (and "history", the earlier replies); use the /ws session to avoid resending them', input: body.episode_id ?? null });
        if (body.history !== undefined && !(Array.isArray(body.history) && body.history.every((h) => typeof h === 'string'))) errs.push({ type: 'list_type', loc: ['history'], msg: 'Input should be a valid list of strings', input: body.history });
        if (errs.length) throw new ValidationFailure(errs);
        const action = body.action as Record<string, unknown>;
        const s = new EnvSession(o.pool, o.rewarder);
        if (mcpAction) {
          const a = validateMcpAction(action, ['action']);
          if (typeof body.episode_id === 'string') await replay(s, body);
          return c.json(await this.mcp.step(a, s, STATELESS_STEP_HINT));
        }
        const { reply } = validateAction(action, ['action'], maxReply);
        await replay(s, body);
        return c.json(await s.step(reply));
      } catch (e) {
        return this.httpError(c, e);
      }
    });
    const maxRewardItems = o.maxRewardItems ?? DEFAULT_MAX_REWARD_ITEMS;
    app.post('/get_reward', async (c) => {
      const body = await readBody(c);
      try {
        if (body === INVALID_JSON) throw new InputError('request body is not valid JSON');
        if (body === TOO_DEEP_JSON) throw new InputError(`request body is ${TOO_DEEP}`);
        // Scoring is synchronous on the server's one thread: a huge batch would stall every session meanwhile.
        const items = isObject(body) ? Math.max(...[body.query, body.prompts, body.labels].map((l) => (Array.isArray(l) ? l.length : 0))) : 0;
        if (items > maxRewardItems) throw new AskfirstError('TOO_LARGE', `POST /get_reward: ${items} items, over the limit of ${maxRewardItems} a request (askfirst env serve --max-reward-items); send smaller batches`);
        return c.json(await rewardBatch(o.pool, o.rewarder, body));
      } catch (e) {
        const { status, message } = toHttp(e, this.log);
        if (status < 500) this.rewardRefusals.note(status, message);
        return c.json({ detail: message }, status as 400);
      }
    });
    // A bug outside a route's own catch: FastAPI's shape, logged as every server logs one (hono's own answer was a
    // plain-text "Internal Server Error", its stack on stderr without a word of which server).
    app.onError((e, c) => {
      if (e instanceof HTTPException) return e.getResponse();
      const { status, message } = toHttp(e, this.log);
      return c.json({ detail: message }, status as 500);
    });
    app.notFound(refused);
    return app;
  }

  private httpError(c: Context, e: unknown) {
    if (e instanceof ValidationFailure) return unprocessable(c, e.errors);
    const { status, message } = toHttp(e, this.log);
    return c.json({ detail: message }, status as 400);
  }

  // 2. WebSocket sessions -------------------------------------------------------------------
  /** Attach to a Node HTTP server: /ws and /mcp upgrades become sessions, anything else is refused. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== '/ws' && path !== '/mcp') {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      if (this.stopping) {
        // an upgrade that arrived on a connection open before the stop: no new session
        socket.end(rawJsonAnswer(503, 'Service Unavailable', { detail: 'the environment server is shutting down' }));
        return;
      }
      const refused = refusedHost(this.o.hostAllowed, 'environment server', req.headers.host, req.headers.origin);
      if (refused !== undefined) {
        // Refused before the upgrade, as the HTTP routes refuse it: a page on a rebound name, or any page of another
        // site (a WebSocket is not bound by the same-origin policy), opens no session.
        socket.end(rawJsonAnswer(403, 'Forbidden', { detail: refused }));
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws, path === '/mcp'));
    });
    if (this.o.sessionTimeout > 0 && !this.reaper) {
      const ms = this.o.sessionTimeout * 1000;
      this.reaper = setInterval(() => this.reap(ms), Math.max(ms / 4, 50));
      this.reaper.unref();
    }
  }

  /**
   * Send `m`; resolves once it has left the process's buffers for the socket (or could not be sent), so a session's
   * message counts as waiting until its answer is out: a client that sends and never reads is paused as one that
   * sends faster than the server steps, not answered into an ever-growing send buffer (docs/hardening.md).
   */
  private send(ws: WebSocket, m: WSOutgoing | JsonRpcResponse): Promise<void> {
    if (ws.readyState !== ws.OPEN) return Promise.resolve();
    return new Promise((done) => ws.send(JSON.stringify(m), () => done()));
  }

  /** A session for a new socket: OpenEnv's messages on /ws, raw JSON-RPC on /mcp (`rawMcp`). */
  private open(ws: WebSocket, rawMcp: boolean): void {
    closeOversizeWithReason(ws, this.o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
    if (this.activeSessions() >= this.o.maxSessions) {
      // OpenEnv: accept, answer CAPACITY_REACHED (on /mcp: -32000) with the counts, close.
      this.counters.sessionsRefused++;
      const n = this.activeSessions();
      const message = `Server at capacity: ${n}/${this.o.maxSessions} sessions active. Cannot accept new connections. (askfirst env serve --max-sessions raises the limit; idle sessions are closed after --session-timeout seconds)`;
      const counts = { active_sessions: n, max_sessions: this.o.maxSessions };
      void this.send(ws, rawMcp ? rpcError(RPC.SERVER_ERROR, message, null, counts) : errorMessage('CAPACITY_REACHED', message, counts));
      ws.close(1013, 'server at capacity');
      return;
    }
    const s: LiveSession = { id: randomUUID(), env: new EnvSession(this.o.pool, this.o.rewarder), ws, lastActivity: Date.now(), steps: 0, queue: Promise.resolve(), waiting: 0, waitingBytes: 0, busy: false, rawMcp };
    this.sessions.set(s.id, s);
    this.counters.sessionsOpened++;
    const maxQueued = this.o.maxQueuedMessages ?? DEFAULT_MAX_QUEUED_MESSAGES;
    const maxQueuedBytes = this.o.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    ws.on('message', (raw, isBinary) => {
      s.lastActivity = Date.now();
      const bytes = rawBytes(raw);
      // Backpressure (uvicorn's ws_max_queue, and a bound on their bytes): with maxQueued messages or maxQueuedBytes
      // waiting, stop reading the socket (messages already in the chunk being read still arrive) until one is
      // answered, so a client sending faster than the server steps cannot fill its memory (docs/hardening.md).
      s.waitingBytes += bytes;
      if (++s.waiting >= maxQueued || s.waitingBytes >= maxQueuedBytes) ws.pause();
      // One message at a time per session, in arrival order; once stopping, none begun after the current one, nor once
      // the socket is closing (a close message, a binary frame: none after it is handled, as OpenEnv's loop ends there).
      s.queue = s.queue
        .then(() => {
          if (this.stopping || ws.readyState !== ws.OPEN) return;
          s.busy = true;
          if (isBinary) return this.endOnBinary(s);
          return rawMcp ? this.handleRawMcp(s, raw.toString()) : this.handle(s, raw.toString());
        })
        .catch((e: unknown) => {
          // A bug in handling one message must not stop this session's queue (nor touch any other session).
          this.log(`askfirst env serve: session ${s.id}: ${describeErrorForLog(e)}`);
          const message = 'internal server error (see the server log)';
          return this.send(s.ws, rawMcp ? rpcError(RPC.INTERNAL_ERROR, message) : errorMessage('EXECUTION_ERROR', message));
        })
        .finally(() => {
          s.busy = false;
          s.waitingBytes -= bytes;
          if (--s.waiting < maxQueued && s.waitingBytes < maxQueuedBytes && ws.isPaused && !this.stopping) ws.resume();
        });
    });
    ws.on('close', () => this.sessions.delete(s.id));
    ws.on('error', () => this.sessions.delete(s.id));
  }

  /**
   * A binary frame ends the session, as on OpenEnv's server (its `receive_text()` fails on one: `SESSION_ERROR` "'text'",
   * on /mcp `-32000`, then the socket is closed): a client that sent one would work here and fail there. The message
   * says what to send instead; the close code is 1003 ("unsupported data", RFC 6455), where OpenEnv's is 1000.
   */
  private endOnBinary(s: LiveSession): Promise<void> {
    this.counters.errors++;
    this.sessions.delete(s.id);
    const message = 'a binary WebSocket frame: OpenEnv messages are text frames of JSON (send it as text, e.g. ws.send(JSON.stringify(message))); the session is closed, reconnect to go on';
    const answer = this.send(s.ws, s.rawMcp ? rpcError(RPC.SERVER_ERROR, message) : errorMessage('SESSION_ERROR', message));
    s.ws.close(1003, 'binary frames are not read');
    return answer;
  }

  private async handle(s: LiveSession, text: string): Promise<void> {
    let msg: unknown;
    try {
      msg = parseJson(text);
    } catch (e) {
      this.counters.errors++;
      return this.send(s.ws, errorMessage('INVALID_JSON', `Invalid JSON: ${describeError(e)}`));
    }
    // Our choice: JSON that is not an object is a validation error (OpenEnv's server would end the session on it).
    if (!isObject(msg)) {
      this.counters.errors++;
      return this.send(s.ws, errorMessage('VALIDATION_ERROR', 'Invalid message', { errors: [{ type: 'model_type', loc: [], msg: 'Input should be an object', input: msg }] }));
    }
    // OpenEnv: `message_dict.get("type", "")`, printed with Python's str() of what json.loads made of it (py-str.ts):
    // null is "None", true "True", 1.0 "1.0"
    const type = msg.type === undefined ? '' : msg.type;
    if (type !== 'reset' && type !== 'step' && type !== 'state' && type !== 'close' && type !== 'mcp') {
      this.counters.errors++;
      return this.send(s.ws, errorMessage('UNKNOWN_TYPE', `Unknown message type: ${pyStrIn(type, text, ['type'])}`));
    }
    try {
      const m = validateMessage(msg);
      if (m.type === 'close') {
        this.sessions.delete(s.id);
        s.ws.close(1000, 'closed by client');
        return;
      }
      if (m.type === 'state') return this.send(s.ws, { type: 'state', data: s.env.state() });
      if (m.type === 'mcp') {
        const data = await this.mcp.handle(m.data, { id: s.id, env: s.env }, false, { text, path: ['data'] });
        s.lastActivity = Date.now();
        return this.send(s.ws, { type: 'mcp', data });
      }
      if (m.type === 'reset') {
        const r = await s.env.reset(validateReset(m.data) as Parameters<EnvSession['reset']>[0]);
        s.lastActivity = Date.now();
        return this.send(s.ws, { type: 'observation', data: r });
      }
      if (isMcpAction(m.data)) {
        const r = await this.mcp.step(validateMcpAction(m.data), s.env);
        s.lastActivity = Date.now();
        return this.send(s.ws, { type: 'observation', data: r });
      }
      const { reply } = validateAction(m.data, [], this.o.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES);
      const r = await s.env.step(reply);
      s.steps++;
      this.counters.steps++;
      s.lastActivity = Date.now();
      return this.send(s.ws, { type: 'observation', data: r });
    } catch (e) {
      this.counters.errors++;
      if (e instanceof ValidationFailure) return this.send(s.ws, errorMessage('VALIDATION_ERROR', 'Invalid message', { errors: e.errors }));
      const { message } = toHttp(e, this.log);
      return this.send(s.ws, errorMessage('EXECUTION_ERROR', message));
    }
  }

  /**
   * One message of a /mcp socket (OpenEnv's `mcp_websocket_endpoint`): a JSON-RPC request answered as POST /mcp
   * answers it, on the connection's own session; not JSON is -32700 "Parse error: …", the session goes on.
   */
  private async handleRawMcp(s: LiveSession, text: string): Promise<void> {
    let body: unknown = null;
    let parseError: string | false = false;
    try {
      body = parseJson(text);
    } catch (e) {
      parseError = describeError(e);
    }
    const answer = await this.mcp.handle(body, { id: s.id, env: s.env }, parseError, { text, path: [] });
    if ('error' in answer) this.counters.errors++;
    s.lastActivity = Date.now();
    return this.send(s.ws, answer);
  }

  /**
   * The socket session `id` as a POST /mcp `session_id` (or another socket's session/close) reaches it, OpenEnv having one
   * registry: its calls queue behind the socket's messages, count as its activity; closing it closes the socket (1000).
   * OpenEnv's close leaves the socket open on a closed environment, outside its registry (no longer counted against
   * max_concurrent_envs, never reaped): docs/environment-server.md, "Where askfirst answers otherwise than OpenEnv".
   */
  private namedSocket(id: string): NamedSession | undefined {
    const s = this.sessions.get(id);
    if (!s) return undefined;
    return {
      env: s.env,
      run: <T>(f: () => Promise<T>) => {
        const answer = s.queue.then(f);
        s.queue = answer.then(
          () => undefined,
          () => undefined,
        );
        return answer;
      },
      touch: () => (s.lastActivity = Date.now()),
      close: () => {
        this.sessions.delete(id);
        s.ws.close(1000, 'closed by openenv/session/close');
      },
    };
  }

  /** Sessions open: the socket ones (/ws, /mcp) and those made by openenv/session/create over POST /mcp (--max-sessions counts all). */
  activeSessions(): number {
    return this.sessions.size + this.mcp.sessions.size;
  }

  private reap(timeoutMs: number): void {
    const now = Date.now();
    this.counters.sessionsReaped += this.mcp.reap(timeoutMs, now);
    for (const s of [...this.sessions.values()]) {
      if (now - s.lastActivity <= timeoutMs) continue;
      this.sessions.delete(s.id);
      this.counters.sessionsReaped++;
      const message = `session closed after ${this.o.sessionTimeout} s without a message (askfirst env serve --session-timeout); reconnect and ${s.rawMcp ? 'call start_episode' : 'reset'} to go on`;
      void this.send(s.ws, s.rawMcp ? rpcError(RPC.SERVER_ERROR, message) : errorMessage('SESSION_ERROR', message));
      s.ws.close(1001, 'idle timeout');
    }
  }

  /** Sessions whose current message is being handled: what `stop` waits for. */
  busySessions(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.busy) n++;
    return n;
  }

  /**
   * Stop after the current unit of work (Ctrl-C / SIGTERM; the HTTP side is ../listen.ts `drain`): no new session; each
   * session's message being handled (a step reading its next view) is answered, those received after it are not handled
   * (the socket is not read further), then the session is closed with 1001 "server shutting down". A WebSocket session
   * has no end of its own a client waits for, so the step is its unit: its answer comes before the close frame, and a
   * trainer sees the stop as a closed session (OpenEnv's client: ConnectionClosed), not as a step lost without a word.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.mcp.stop();
    if (this.reaper) clearInterval(this.reaper);
    this.reaper = null;
    await Promise.all(
      [...this.sessions.values()].map(async (s) => {
        s.ws.pause();
        await s.queue;
        this.sessions.delete(s.id);
        s.ws.close(1001, 'server shutting down');
      }),
    );
    await new Promise<void>((r) => this.wss.close(() => r()));
  }

  /** Close every session (1001, "server shutting down") and stop the reaper, at once: a message being handled is cut. */
  async close(): Promise<void> {
    this.stopping = true;
    this.mcp.stop();
    if (this.reaper) clearInterval(this.reaper);
    this.reaper = null;
    for (const s of this.sessions.values()) s.ws.close(1001, 'server shutting down');
    this.sessions.clear();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }
}

/**
 * Give the close for a message over `maxPayload` a reason. `ws` closes it with 1009 and no reason (websocket.js
 * receiverOnError calls `close(1009)` before it emits 'error', so the 'error' event is too late to close with one), and
 * a client (Python's websockets) saw only "1009". The one close with 1009 here is that one; others pass unchanged.
 */
function closeOversizeWithReason(ws: WebSocket, maxBytes: number): void {
  const close = ws.close.bind(ws);
  const reason = `message over ${maxBytes} bytes (askfirst env serve --max-message-bytes)`;
  ws.close = (code?: number, data?: string | Buffer) => close(code, code === 1009 && !data ? reason : data);
}

/** The bytes of a WebSocket message as `ws` hands it over (one Buffer, fragments, or an ArrayBuffer). */
function rawBytes(raw: RawData): number {
  return Array.isArray(raw) ? raw.reduce((n, b) => n + b.length, 0) : raw.byteLength;
}

/** A body that is not JSON (answered 422 `json_invalid`, as FastAPI does). */
const INVALID_JSON = Symbol('invalid-json');
/** A body nested deeper than MAX_JSON_DEPTH (../json-depth.ts): answered as one that is not JSON, saying why. */
const TOO_DEEP_JSON = Symbol('too-deep-json');
/**
 * FastAPI's 422 for a body `text` it cannot decode: `loc` [POS], where the decoder stopped, in code points (Python's
 * json.loads; JSON.parse's is UTF-16), and `ctx.error` why. The reason is JSON.parse's (FastAPI's is json.loads': its
 * words differ, e.g. "Extra data"); where JSON.parse gives no position (an unexpected token) the reason says so and
 * POS is 0. For a body nested too deep, POS is 0 and the reason the nesting.
 */
function jsonInvalid(body: typeof INVALID_JSON | typeof TOO_DEEP_JSON, text: string): FieldError {
  const invalid = (pos: number, error: string): FieldError => ({ type: 'json_invalid', loc: [pos], msg: 'JSON decode error', input: {}, ctx: { error } });
  if (body === TOO_DEEP_JSON) return invalid(0, `JSON ${TOO_DEEP}`);
  try {
    JSON.parse(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const at = parseErrorAt(message);
    if (at) return invalid(codePoints(text.slice(0, at.index)), at.reason);
    if (message === 'Unexpected end of JSON input') return invalid(codePoints(text), message);
    return invalid(0, `${message} (JSON.parse gave no position: loc's 0 is not where)`);
  }
  return invalid(0, 'JSON decode error'); // not reached: parseBody found it not JSON
}

/**
 * The reason and the UTF-16 index JSON.parse's error `message` gives ("Expected property name or '}' in JSON at position 1", Node 20;
 * newer Nodes add " (line 1 column 6)"), or null when it names no position.
 */
export function parseErrorAt(message: string): { reason: string; index: number } | null {
  const at = /^(.*?)(?: in JSON)? at position (\d+)(?: \(line \d+ column \d+\))?$/s.exec(message);
  return at ? { reason: at[1], index: Number(at[2]) } : null;
}

/** The code points in `s` (Python's string length; a surrogate pair is one). */
function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
/** FastAPI's error for a request body that is JSON but no object (/reset, /step). */
const notAnObject = (body: unknown): FieldError => ({ type: 'model_attributes_type', loc: [], msg: 'Input should be a valid dictionary or object to extract fields from', input: body });

/** A stateless POST /step's `episode_id` and `history` (the earlier replies) replayed on a fresh environment. */
async function replay(s: EnvSession, body: Record<string, unknown>): Promise<void> {
  await s.reset({ episode_id: body.episode_id as string, mode: body.mode as never });
  for (const h of (body.history as string[] | undefined) ?? []) {
    if ((await s.step(h)).done) throw new InputError(`history: the episode ends at reply ${JSON.stringify(h)}, before the action`);
  }
}

/** Ends the message of a reply tool called by a stateless POST /step that named no episode. */
const STATELESS_STEP_HINT = ' (a stateless POST /step runs on a fresh environment: send "episode_id" and "history", the earlier replies, beside the action to replay the episode first, or play on a /ws session)';

async function readBody(c: Context): Promise<unknown> {
  return parseBody(await c.req.text());
}

/** A request body's JSON (an empty one is `{}`), INVALID_JSON or TOO_DEEP_JSON. */
function parseBody(text: string): unknown {
  if (!text.trim()) return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return INVALID_JSON;
  }
  return nestedDeeper(body) ? TOO_DEEP_JSON : body;
}

export interface RunningEnvServer {
  /** http://host:port */
  url: string;
  port: number;
  server: EnvServer;
  /** End every session and connection at once, messages and requests being answered included. */
  close(): Promise<void>;
  /** Stop as `askfirst env serve` does at Ctrl-C: no new connection or session, the requests and steps in flight answered, then closed (`EnvServer.stop`, ../listen.ts `drain`). */
  stop(): Promise<void>;
  /** HTTP requests being answered and sessions whose message is being handled. */
  inFlight(): number;
}

/** What a server on a non-loopback host warns about once at start (plain HTTP). */
export const ENV_PLAIN_HTTP = "episodes' images, replies and rewards";

/**
 * Start listening; port 0 picks a free one. On a loopback host only its own names and `allowHosts`
 * are answered (HTTP and the WebSocket upgrade; DNS rebinding); on any other, `warn` says once that
 * it is plain HTTP.
 */
export async function startEnvServer(
  o: EnvServerOptions & StartOptions,
): Promise<RunningEnvServer> {
  const host = o.host ?? '127.0.0.1';
  let boundPort = o.port ?? 0;
  const env = new EnvServer({ ...o, hostAllowed: o.hostAllowed ?? hostGuard(host, () => boundPort, o.allowHosts) });
  // a slow client's 408 in FastAPI's shape, not Node's empty one
  const warn = o.warn ?? ((m: string) => console.error(`askfirst env serve: warning: ${m}`));
  const l = await listen({ fetch: env.app.fetch, host, port: boundPort, slowClients: o.slowClients, warn, clientErrorBody: (message) => ({ detail: message }), setup: (server) => env.attach(server) });
  boundPort = l.port; // before any request can name it
  warnIfPlainHttp(host, ENV_PLAIN_HTTP, warn);
  return {
    url: baseUrl(host, l.port),
    port: l.port,
    server: env,
    close: async () => {
      await env.close();
      await l.close();
    },
    // drain's server.close waits for the upgraded sockets too, which env.stop closes once their current step is answered
    stop: async () => {
      await Promise.all([l.drain(), env.stop()]);
    },
    inFlight: () => l.inFlight() + env.busySessions(),
  };
}
