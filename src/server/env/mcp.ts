/**
 * askfirst's episodes as OpenEnv MCP tools: `POST /mcp`, the WebSocket `{"type":"mcp"}` message and the raw JSON-RPC
 * WebSocket at `/mcp` (each message a request, each answer a response), JSON-RPC 2.0 as
 * meta-pytorch/OpenEnv's server answers them (commit 685de411, May 2026: src/openenv/core/env_server/http_server.py
 * `mcp_handler`, mcp_types.py, mcp_environment.py; its client, src/openenv/core/mcp_client.py; docs/environment-server.md):
 *   tools/list {session_id?}  (a falsy session_id, in Python's sense, is none: pyTruthy)
 *                           → {"tools": [{name, description, inputSchema}]}  (no session needed; a session_id that
 *                             names no session is -32602 "Unknown session_id", as on every method but session/create)
 *   tools/call {name, arguments, session_id?}
 *                           → FastMCP's CallToolResult as OpenEnv serializes it:
 *                             {content, structured_content, meta, data, is_error}; `data` is what OpenEnv's
 *                             MCPToolClient.call_tool returns (here the {observation, reward, done} of /reset, /step)
 *   openenv/session/create  → {"session_id"}: an HTTP MCP session (counts against --max-sessions, reaped when idle);
 *                             on the WebSocket, the connection's own session
 *   openenv/session/close {session_id} → {"session_id", "closed": true}
 * On HTTP a call names its session with `params.session_id` (OpenEnv's MCPToolClient in production mode sends it with
 * every call); without one it runs on a fresh environment that is dropped after the call, as OpenEnv does. On the
 * WebSocket (/ws or /mcp) the connection's session is used and `params.session_id` is ignored, as OpenEnv does.
 * One registry, as OpenEnv's: a session_id may name a WebSocket's session too (NamedSession).
 * `step` answers OpenEnv's MCP actions sent as step actions (its MCPToolClient's default mode).
 * Tool names avoid OpenEnv's reserved ones (reset, step, state, close: mcp_types.py RESERVED_TOOL_NAMES).
 * Error codes are OpenEnv's JsonRpcErrorCode values (-32700, -32600, -32601, -32602, -32603, -32000).
 */
import { randomUUID } from 'node:crypto';
import { EnvSession, type EnvState, type StepResult } from '../../environment/session.js';
import type { EpisodePool } from '../../environment/episodes.js';
import type { Rewarder } from '../../environment/rewards.js';
import { EVAL_MODES } from '../../episode/types.js';
import { toHttp } from '../errors.js';
import { pyStrIn } from './py-str.js';
import { isObject, validateAction, validateReset, ValidationFailure, type FieldError, type JsonRpcResponse, type McpAction } from './protocol.js';

/** OpenEnv's JsonRpcErrorCode (mcp_types.py). */
export const RPC = { PARSE_ERROR: -32700, INVALID_REQUEST: -32600, METHOD_NOT_FOUND: -32601, INVALID_PARAMS: -32602, INTERNAL_ERROR: -32603, SERVER_ERROR: -32000 } as const;

type RpcId = string | number | null;

/**
 * Python's truth of a JSON value, as OpenEnv's handler tests `session_id` (`if not target_session_id`, `elif
 * requested_session_id:`): null, false, 0, "", [] and {} are false (JavaScript's differ on [] and {}).
 */
export const pyTruthy = (v: unknown): boolean => {
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(v).length > 0;
  return v !== undefined && v !== null && v !== false && v !== 0 && v !== '';
};

/** A JSON-RPC error response (OpenEnv's JsonRpcResponse.error_response). */
export const rpcError = (code: number, message: string, id: RpcId = null, data: unknown = null): JsonRpcResponse => ({ jsonrpc: '2.0', id, error: { code, message, data } });
const rpcResult = (result: unknown, id: RpcId): JsonRpcResponse => ({ jsonrpc: '2.0', id, result });

interface JsonRpcRequest {
  method: string;
  params: Record<string, unknown>;
  id: RpcId;
}

/**
 * OpenEnv's JsonRpcRequest (`{"jsonrpc": "2.0", "method": str, "params"?: {}, "id"?: str | int | null}`, extra keys
 * forbidden): the request, or the -32600 answer saying what is wrong with it. JSON that is not an object (`[1]`, `5`,
 * `"x"`, null) is -32700 "Parse error", as OpenEnv's POST /mcp answers it (its `JsonRpcRequest(**body)` raises
 * TypeError, which the endpoint answers as a parse error), though JSON-RPC would say -32600.
 */
export function parseRequest(body: unknown): JsonRpcRequest | JsonRpcResponse {
  if (!isObject(body)) return rpcError(RPC.PARSE_ERROR, 'Parse error');
  const problems: string[] = [];
  if (body.jsonrpc !== '2.0') problems.push('"jsonrpc" must be "2.0"');
  if (typeof body.method !== 'string') problems.push('"method" (a string) is required');
  if (body.params !== undefined && !isObject(body.params)) problems.push('"params" must be an object');
  // pydantic's lax `Optional[Union[str, int]]`: a boolean id is the integer (true → 1), answered as such
  const rawId = typeof body.id === 'boolean' ? Number(body.id) : body.id;
  const idOk = rawId === undefined || rawId === null || typeof rawId === 'string' || Number.isInteger(rawId);
  if (!idOk) problems.push('"id" must be a string, an integer or null');
  for (const k of Object.keys(body)) if (!['jsonrpc', 'method', 'params', 'id'].includes(k)) problems.push(`unexpected field "${k}"`);
  if (problems.length) return rpcError(RPC.INVALID_REQUEST, `Invalid request: ${problems.join('; ')}`);
  return { method: body.method as string, params: (body.params as Record<string, unknown> | undefined) ?? {}, id: (rawId ?? null) as RpcId };
}

/** The tools, in MCP's Tool shape (name, description, inputSchema: a JSON Schema), as tools/list answers them. */
export const MCP_TOOLS = [
  {
    name: 'start_episode',
    description: "Start an episode (OpenEnv's reset) and observe its first turn: the view (an image), the question and lettered options. Without episode_id or seed, the next episode in order.",
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        episode_id: { type: 'string', maxLength: 255, description: 'play this episode' },
        seed: { type: 'integer', minimum: 0, description: 'a seeded pick: the same episode for the same seed and filter' },
        kind: { type: 'string', description: 'only episodes of this scenario kind' },
        kinds: { type: 'array', items: { type: 'string' }, description: 'only episodes of these kinds' },
        mode: { enum: EVAL_MODES, description: 'proactive (default), hint or reference' },
      },
    },
  },
  {
    name: 'reply',
    description: "Answer the current turn (OpenEnv's step): an option letter (\"B.\") or an option's text, matched as `askfirst eval` matches it. An intervention shows the next view; a category or anything else ends the episode.",
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['reply'],
      properties: { reply: { type: 'string', description: 'the reply, e.g. "B."; a leading reasoning block (<think>…</think> and the like) is removed first' } },
    },
  },
  {
    name: 'episode_state',
    description: "The session's state (OpenEnv's state): episode_id, step_count, kind, mode, view, done, outcome, replies, total_reward.",
    inputSchema: { type: 'object', additionalProperties: false, properties: {} },
  },
] as const;

type ToolName = (typeof MCP_TOOLS)[number]['name'];
const TOOL_NAMES: readonly string[] = MCP_TOOLS.map((t) => t.name);

/** MCP content blocks as OpenEnv dumps mcp.types' models (annotations and meta included, null). */
const text = (t: string) => ({ type: 'text', text: t, annotations: null, meta: null });
const image = (base64: string) => ({ type: 'image', data: base64, mimeType: 'image/png', annotations: null, meta: null });

/** What a VLM agent reads of a step: the prompt (question and lettered options) while the episode goes on, else how it ended. */
function describeStep(r: StepResult): string {
  const o = r.observation;
  const reward = r.reward === null ? '' : `reward ${r.reward}. `;
  if (r.done) return `${reward}Episode ${o.episode_id} is over: ${o.outcome} after ${o.turn} turn(s), ${o.interventions} valid intervention(s). Call start_episode for another.`;
  return `${reward}${o.prompt ?? ''}`;
}

/**
 * FastMCP's CallToolResult as OpenEnv's server serializes it (`_make_json_serializable`: the dataclass's fields in
 * order, each content block's model_dump): the text, the view as MCP image content, and the whole result in
 * `structured_content` and `data` (what OpenEnv's client returns). The view is in it five times (the image block, and
 * `image_png_base64` and the `messages` data URL in each of the other two); a FastMCP tool returning the same dict
 * answers it three times (its JSON as the text block, structured_content, data), six views: none of ours is extra.
 */
function toolResult(data: StepResult | EnvState, blocks: Record<string, unknown>[]) {
  return { content: blocks, structured_content: data, meta: null, data, is_error: false };
}

/** A tool's arguments: extra keys refused (each tool's inputSchema says additionalProperties: false). */
function checkArguments(name: ToolName, args: Record<string, unknown>): void {
  const tool = MCP_TOOLS.find((t) => t.name === name)!;
  const allowed = Object.keys(tool.inputSchema.properties);
  const extra = Object.keys(args).filter((k) => !allowed.includes(k));
  if (extra.length) throw new ValidationFailure(extra.map((k) => ({ type: 'extra_forbidden', loc: ['arguments', k], msg: `Extra inputs are not permitted (${name} takes ${allowed.length ? allowed.join(', ') : 'no arguments'})`, input: args[k] })));
}

/** One line naming each bad argument and what it should be. */
const describeFieldErrors = (errors: FieldError[]): string => errors.map((e) => `${e.loc.join('.')}: ${e.msg}`).join('; ');

/** OpenEnv's ToolErrorType values askfirst's tools fail with (mcp_types.py). */
type ToolErrorType = 'tool_not_found' | 'invalid_args' | 'execution_error';

type ToolRun = { result: ReturnType<typeof toolResult>; step: StepResult | null } | { failure: { code: number; type: ToolErrorType; message: string; data: unknown } };

/** What a step with an MCP action answers: OpenEnv's ListToolsObservation or CallToolObservation, serialized. */
export interface McpStepResult {
  observation: { tools: { name: string; description: string; input_schema: unknown }[] } | { tool_name: string; result: unknown; error: { error_type: ToolErrorType; message: string } | null };
  reward: number | null;
  done: boolean;
}

interface McpSession {
  id: string;
  env: EnvSession;
  lastActivity: number;
  /** Calls of one session run one at a time, in arrival order (as a /ws session's messages). */
  queue: Promise<unknown>;
}

/**
 * A session a `session_id` names: an HTTP MCP one or a WebSocket's. OpenEnv keeps both in one registry (`_sessions`:
 * `_create_session` makes the /ws, /mcp socket and openenv/session/create ones alike), so a POST /mcp naming a socket's
 * id (which `openenv/session/create` answers on that socket) drives that socket's environment, and session/close ends it.
 */
export interface NamedSession {
  env: EnvSession;
  /** Run `f` after the session's calls and messages before it, one at a time in arrival order. */
  run<T>(f: () => Promise<T>): Promise<T>;
  /** Note activity (OpenEnv's _update_session_activity): the reaper leaves it alone. */
  touch(): void;
  /** End the session (openenv/session/close). */
  close(): void;
}

export interface McpOptions {
  pool: EpisodePool;
  rewarder: Rewarder;
  maxReplyBytes: number;
  maxSessions: number;
  /** Sessions open besides the HTTP MCP ones (the /ws sessions): the limit counts both. */
  otherSessions: () => number;
  /** A reply tool call played a step (the server's counters). */
  onStep: () => void;
  /** The WebSocket session (/ws or /mcp) with this id, if any: a session_id may name one, as in OpenEnv's one registry. */
  socketSession?: (id: string) => NamedSession | undefined;
  log: (msg: string) => void;
}

/** The WebSocket connection an `{"type":"mcp"}` message came on: its session, already run one message at a time. */
export interface SocketSession {
  id: string;
  env: EnvSession;
}

/**
 * The JSON text a request was read from and where the request is in it (`[]`: the whole text; `["data"]`: a /ws `mcp`
 * message's), so that a value echoed in a message is printed as Python prints what `json.loads` made of it
 * (py-str.ts pyStrIn: `Unknown session_id: 1.0`, where JSON.parse made the 1.0 an integer).
 */
export interface RequestText {
  text: string;
  path: readonly string[];
}

/** OpenEnv's "Unknown session_id: X" (X as Python prints it), saying where sessions come from and how they end. */
const unknownSession = (sid: string) =>
  `Unknown session_id: ${sid} (sessions come from openenv/session/create, over POST /mcp or on a WebSocket; one closed by openenv/session/close, idle over --session-timeout or whose WebSocket closed is gone: create another)`;

export class McpEndpoint {
  /** Sessions made by `openenv/session/create` over HTTP. */
  readonly sessions = new Map<string, McpSession>();
  private stopping = false;

  constructor(private readonly o: McpOptions) {}

  /**
   * Answer one JSON-RPC request (a parsed body; `parseError` for one that is not JSON: true, or what the parser said,
   * which OpenEnv's /mcp WebSocket adds to its "Parse error"), on `socket`'s session if given; `source`, the text it was
   * read from, to echo its values as OpenEnv does.
   */
  async handle(body: unknown, socket?: SocketSession, parseError: boolean | string = false, source?: RequestText): Promise<JsonRpcResponse> {
    if (parseError) return rpcError(RPC.PARSE_ERROR, parseError === true ? 'Parse error' : `Parse error: ${parseError}`);
    const req = parseRequest(body);
    if ('jsonrpc' in req) return req;
    const { method, params, id } = req;
    if (method === 'openenv/session/create') return this.create(id, socket);
    const echo = (key: string) => pyStrIn(params[key], source?.text, [...(source?.path ?? []), 'params', key]);
    if (method === 'openenv/session/close') return this.close(params, id, socket, echo);
    // OpenEnv's mcp_handler looks the named session up before it reads the method: an unknown session_id is -32602
    // whatever the call (tools/list and unknown methods too), and a known one counts as activity. A socket's own
    // session is used on the WebSocket, where session_id is ignored. A falsy one (Python's: 0, false, "", [], {})
    // names no session: `elif requested_session_id:` runs the call stateless.
    const sid = socket ? undefined : params.session_id;
    const named = pyTruthy(sid);
    const s = named && typeof sid === 'string' ? this.named(sid) : undefined;
    if (named && !s) return rpcError(RPC.INVALID_PARAMS, unknownSession(echo('session_id')), id);
    s?.touch();
    if (method === 'tools/list') return rpcResult({ tools: MCP_TOOLS }, id);
    if (method !== 'tools/call') return rpcError(RPC.METHOD_NOT_FOUND, `Method not found: ${method}`, id);
    // OpenEnv: `if not tool_name` → missing; any other value is looked up as it is, so a name that is not a string
    // (5, true) is "Tool not found: 5", Python's str() of it (py-str.ts), as OpenEnv's f-string prints it.
    if (!pyTruthy(params.name)) return rpcError(RPC.INVALID_PARAMS, "Missing 'name' in params", id);
    const name = echo('name');
    const args = params.arguments ?? {};
    if (!isObject(args)) return rpcError(RPC.INVALID_PARAMS, `Invalid params: "arguments" must be an object (${name}'s inputSchema in tools/list)`, id);
    if (socket) return this.call(name, args, socket.env, id);
    if (!s) {
      // OpenEnv's stateless call: a fresh environment, dropped after it (a reply has no episode to go on)
      return this.call(name, args, new EnvSession(this.o.pool, this.o.rewarder), id, ' (this call named no session_id, so it ran on a fresh environment that is dropped after the call: call openenv/session/create and pass its session_id with every tools/call)');
    }
    const r = await s.run(() => this.call(name, args, s.env, id));
    s.touch();
    return r;
  }

  /** The session `sid` names: an HTTP MCP one, else a WebSocket's (OpenEnv's one registry). */
  private named(sid: string): NamedSession | undefined {
    const s = this.sessions.get(sid);
    if (!s) return this.o.socketSession?.(sid);
    return {
      env: s.env,
      run: <T>(f: () => Promise<T>) => {
        const answer = s.queue.then(f);
        s.queue = answer.catch(() => undefined);
        return answer;
      },
      touch: () => (s.lastActivity = Date.now()),
      close: () => this.sessions.delete(sid),
    };
  }

  /** tools/call: one tool run on a session, a failure as a JSON-RPC error. */
  private async call(name: string, args: Record<string, unknown>, env: EnvSession, id: RpcId, hint = ''): Promise<JsonRpcResponse> {
    const r = await this.run(name, args, env, hint);
    return 'failure' in r ? rpcError(r.failure.code, r.failure.message, id, r.failure.data) : rpcResult(r.result, id);
  }

  /**
   * OpenEnv's MCPEnvironment.step for its MCP actions (mcp_environment.py `step_async`), answered as its
   * serialize_observation sends them (metadata left out, reward and done beside the observation):
   *   {"type":"list_tools"}                        → {"observation":{"tools":[{name, description, input_schema}]},"reward":null,"done":false}
   *   {"type":"call_tool","tool_name","arguments"} → {"observation":{"tool_name","result","error"},"reward","done"}
   * `result` is what tools/call answers; a failed call has `result` null and `error` OpenEnv's ToolError
   * ({error_type, message}: tool_not_found, invalid_args, execution_error), as its MCPEnvironment catches what a tool
   * raised. reward and done are those of the step the tool played (start_episode: a reset's; reply: the step's), else
   * OpenEnv's Observation defaults (null, false). `hint` ends the message of a reply with no episode to go on.
   */
  async step(action: McpAction, env: EnvSession, hint = ''): Promise<McpStepResult> {
    if (action.type === 'list_tools') return { observation: { tools: MCP_TOOLS.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema })) }, reward: null, done: false };
    const r = await this.run(action.tool_name, action.arguments, env, hint);
    if ('failure' in r) return { observation: { tool_name: action.tool_name, result: null, error: { error_type: r.failure.type, message: r.failure.message } }, reward: null, done: false };
    return { observation: { tool_name: action.tool_name, result: r.result, error: null }, reward: r.step?.reward ?? null, done: r.step?.done ?? false };
  }

  /**
   * Run one tool on a session: its CallToolResult and the step it played (null for episode_state), or why it failed
   * (an unknown tool, bad arguments or an unknown episode: -32602; a reply at the wrong time or a failure of ours:
   * -32603, as OpenEnv answers a tool that raised).
   */
  private async run(name: string, args: Record<string, unknown>, env: EnvSession, hint: string): Promise<ToolRun> {
    const fail = (code: number, type: ToolErrorType, message: string, data: unknown = null): ToolRun => ({ failure: { code, type, message, data } });
    if (!TOOL_NAMES.includes(name)) return fail(RPC.INVALID_PARAMS, 'tool_not_found', `Tool not found: ${name} (the tools are ${TOOL_NAMES.join(', ')}; tools/list gives their arguments)`);
    try {
      checkArguments(name as ToolName, args);
      if (name === 'episode_state') {
        const st = env.state();
        return { result: toolResult(st, [text(JSON.stringify(st))]), step: null };
      }
      let r: StepResult;
      if (name === 'start_episode') {
        r = await env.reset(validateReset(args, ['arguments']) as Parameters<EnvSession['reset']>[0]);
      } else {
        r = await env.step(validateAction(args, ['arguments'], this.o.maxReplyBytes).reply);
        this.o.onStep();
      }
      const blocks: Record<string, unknown>[] = [text(describeStep(r))];
      if (r.observation.image_png_base64) blocks.push(image(r.observation.image_png_base64));
      return { result: toolResult(r, blocks), step: r };
    } catch (e) {
      if (e instanceof ValidationFailure) return fail(RPC.INVALID_PARAMS, 'invalid_args', `Invalid params for ${name}: ${describeFieldErrors(e.errors)}`, { errors: e.errors });
      const { status, message } = toHttp(e, this.o.log);
      return status === 400 || status === 404 ? fail(RPC.INVALID_PARAMS, 'invalid_args', message) : fail(RPC.INTERNAL_ERROR, 'execution_error', `${message}${status === 409 ? hint : ''}`);
    }
  }

  private create(id: RpcId, socket?: SocketSession): JsonRpcResponse {
    if (socket) return rpcResult({ session_id: socket.id }, id);
    if (this.stopping) return rpcError(RPC.SERVER_ERROR, 'the environment server is shutting down', id);
    const active = this.sessions.size + this.o.otherSessions();
    if (active >= this.o.maxSessions) {
      return rpcError(RPC.SERVER_ERROR, `Server at capacity: ${active}/${this.o.maxSessions} sessions active. (askfirst env serve --max-sessions raises the limit; close sessions with openenv/session/close; idle ones are closed after --session-timeout seconds)`, id, { active_sessions: active, max_sessions: this.o.maxSessions });
    }
    const s: McpSession = { id: randomUUID(), env: new EnvSession(this.o.pool, this.o.rewarder), lastActivity: Date.now(), queue: Promise.resolve() };
    this.sessions.set(s.id, s);
    return rpcResult({ session_id: s.id }, id);
  }

  private close(params: Record<string, unknown>, id: RpcId, socket: SocketSession | undefined, echo: (key: string) => string): JsonRpcResponse {
    const sid = params.session_id;
    if (!pyTruthy(sid)) return rpcError(RPC.INVALID_PARAMS, "Invalid params - 'session_id' is required", id);
    if (socket && sid === socket.id) return rpcError(RPC.INVALID_REQUEST, 'Cannot close active WebSocket-managed session via MCP method', id);
    const s = typeof sid === 'string' ? this.named(sid) : undefined;
    if (!s) return rpcError(RPC.INVALID_PARAMS, unknownSession(echo('session_id')), id);
    s.close();
    return rpcResult({ session_id: sid, closed: true }, id);
  }

  /** Close HTTP MCP sessions idle longer than `timeoutMs` (their next call gets "Unknown session_id"). Returns how many. */
  reap(timeoutMs: number, now = Date.now()): number {
    let n = 0;
    for (const s of [...this.sessions.values()]) {
      if (now - s.lastActivity <= timeoutMs) continue;
      this.sessions.delete(s.id);
      n++;
    }
    return n;
  }

  /** No new session from now on (a stop). */
  stop(): void {
    this.stopping = true;
  }
}
