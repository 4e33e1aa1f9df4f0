/**
 * The episode as OpenEnv MCP tools (mcp.ts): a client sending exactly what OpenEnv's MCPToolClient sends in production
 * mode (src/openenv/core/mcp_client.py at 685de411: `_production_mcp_request`, `_ensure_production_session`,
 * `list_tools`, `call_tool`, `close`) plays whole episodes through tools over POST /mcp, over the /ws `mcp` message and
 * over the raw /mcp WebSocket, and gets what /reset + /step give, step for step; errors are JSON-RPC errors with
 * OpenEnv's codes. A port of its default mode (tool calls as /ws step actions) does the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { EpisodePool } from '../../environment/episodes.js';
import { EnvSession } from '../../environment/session.js';
import { resolveRewardConfig, Rewarder } from '../../environment/rewards.js';
import { memoryLoader } from '../../suite/loader.js';
import { chainEpisode } from '../../testing/chain-episode.js';
import { McpEndpoint, type SocketSession } from './mcp.js';
import { startEnvServer, type RunningEnvServer } from './server.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- loose JSON in tests
type Json = any;

/** OpenEnv's MCPToolClient (production mode), its request shapes ported: one id counter, params always an object. */
class OpenEnvMcpClient {
  private id = 0;
  sessionId: string | null = null;
  constructor(private readonly base: string) {}
  /** `_production_mcp_request`: POST {base}/mcp, {"jsonrpc","method","params": params or {},"id"}; raise_for_status. */
  async request(method: string, params?: Record<string, unknown>): Promise<Json> {
    const r = await fetch(`${this.base}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', method, params: params ?? {}, id: ++this.id }) });
    expect(r.status).toBe(200);
    return r.json();
  }
  /** `_ensure_production_session`. */
  async session(): Promise<string> {
    if (this.sessionId) return this.sessionId;
    const data = await this.request('openenv/session/create');
    if ('error' in data) throw new Error(`Failed to create MCP session: ${data.error.message}`);
    this.sessionId = data.result.session_id as string;
    return this.sessionId;
  }
  /** `list_tools`: name, description, input_schema (or inputSchema). */
  async listTools(): Promise<{ name: string; description: string; input_schema: Json }[]> {
    const data = await this.request('tools/list', { session_id: await this.session() });
    return data.result.tools.map((t: Json) => ({ name: t.name ?? '', description: t.description ?? '', input_schema: t.input_schema ?? t.inputSchema ?? {} }));
  }
  /** `call_tool`: the raw answer (the client returns result.data, or raises "Tool 'x' failed: message"). */
  async callRaw(name: string, args: Record<string, unknown>): Promise<Json> {
    return this.request('tools/call', { name, arguments: args, session_id: await this.session() });
  }
  async callTool(name: string, args: Record<string, unknown>): Promise<Json> {
    const data = await this.callRaw(name, args);
    if ('error' in data) throw new Error(`Tool '${name}' failed: ${data.error.message}`);
    const result = data.result;
    return result && typeof result === 'object' && 'data' in result ? result.data : result;
  }
  /** `close`: openenv/session/close, best effort. */
  async close(): Promise<void> {
    if (this.sessionId) await this.request('openenv/session/close', { session_id: this.sessionId });
    this.sessionId = null;
  }
}

/** A /ws socket: send one message, await its answer. */
async function openSocket(url: string): Promise<{ send: (m: unknown) => Promise<Json>; next: () => Promise<Json>; ws: WebSocket }> {
  const ws = new WebSocket(url);
  const inbox: Json[] = [];
  const waiters: ((m: Json) => void)[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    const w = waiters.shift();
    if (w) w(m);
    else inbox.push(m);
  });
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  const next = () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise<Json>((r) => waiters.push(r)));
  return { ws, next, send: (m) => (ws.send(JSON.stringify(m)), next()) };
}

const episodes = [chainEpisode('chain-a', 3), chainEpisode('chain-b', 4, 2, { valid: 1, answer: 0 }), chainEpisode('chain-c', 2)];
/** Per episode, the replies of one play: asks (letter, option text, a thinking reply), then an answer or a bad reply. */
const plays: [string, string[], string][] = [
  ['chain-a', ['A.', 'Move the block to the left.', 'star'], 'correct'],
  ['chain-b', ['<think>the block hides it</think>B.', 'B.', 'E.'], 'wrong-category'],
  ['chain-c', ['I cannot answer this question.'], 'abstain'],
];
let srv: RunningEnvServer;

beforeAll(async () => {
  srv = await startEnvServer({ pool: new EpisodePool(episodes, memoryLoader), rewarder: new Rewarder(resolveRewardConfig({})), maxSessions: 3, sessionTimeout: 0, port: 0 });
});
afterAll(() => srv.close());

/** The same play through OpenEnv's HTTP path: POST /reset, then the stateless POST /step replaying the earlier replies. */
async function playHttp(episodeId: string, replies: string[]): Promise<Json[]> {
  const post = async (path: string, body: unknown) => (await fetch(`${srv.url}${path}`, { method: 'POST', body: JSON.stringify(body) })).json();
  const out = [await post('/reset', { episode_id: episodeId })];
  for (let i = 0; i < replies.length; i++) out.push(await post('/step', { action: { reply: replies[i] }, episode_id: episodeId, history: replies.slice(0, i) }));
  return out;
}

describe('OpenEnv MCP tools over POST /mcp (MCPToolClient production mode)', () => {
  it('lists the tools with JSON Schema inputs, none of OpenEnv\'s reserved names', async () => {
    const c = new OpenEnvMcpClient(srv.url);
    const tools = await c.listTools();
    expect(tools.map((t) => t.name)).toEqual(['start_episode', 'reply', 'episode_state']);
    for (const t of tools) {
      expect(['reset', 'step', 'state', 'close']).not.toContain(t.name); // mcp_types.py RESERVED_TOOL_NAMES
      expect(t.input_schema).toMatchObject({ type: 'object', additionalProperties: false });
      expect(t.description.length).toBeGreaterThan(20);
    }
    expect(tools[1].input_schema).toMatchObject({ required: ['reply'], properties: { reply: { type: 'string' } } });
    // tools/list needs no session (OpenEnv: discovery does not require reset)
    expect((await fetch(`${srv.url}/mcp`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', method: 'tools/list', id: 1 }) }).then((r) => r.json()) as Json).result.tools).toHaveLength(3);
    await c.close();
  });

  it('plays whole episodes through tools with the outcome, rewards and observations of /reset + /step', async () => {
    for (const [id, replies, outcome] of plays) {
      const c = new OpenEnvMcpClient(srv.url);
      const viaTools = [await c.callTool('start_episode', { episode_id: id })];
      for (const reply of replies) viaTools.push(await c.callTool('reply', { reply }));
      expect(viaTools, id).toEqual(await playHttp(id, replies));
      expect(viaTools.at(-1), id).toMatchObject({ done: true, observation: { outcome, turn: replies.length } });
      expect(viaTools.at(-1).reward, id).not.toBe(0);
      const state = await c.callTool('episode_state', {});
      expect(state, id).toMatchObject({ episode_id: id, step_count: replies.length, done: true, outcome: viaTools.at(-1).observation.outcome });
      await c.close();
    }
  });

  it("answers MCP content: the prompt as text and the view as image content, in OpenEnv's CallToolResult dump", async () => {
    const c = new OpenEnvMcpClient(srv.url);
    const started = await c.callRaw('start_episode', { episode_id: 'chain-a' });
    expect(started).toMatchObject({ jsonrpc: '2.0', id: 2 });
    const r = started.result;
    expect(Object.keys(r)).toEqual(['content', 'structured_content', 'meta', 'data', 'is_error']);
    expect(r.is_error).toBe(false);
    expect(r.structured_content).toEqual(r.data);
    expect(r.content).toEqual([
      { type: 'text', text: r.data.observation.prompt, annotations: null, meta: null },
      { type: 'image', data: r.data.observation.image_png_base64, mimeType: 'image/png', annotations: null, meta: null },
    ]);
    expect(Buffer.from(r.content[1].data, 'base64').subarray(1, 4).toString()).toBe('PNG');
    const end = (await c.callRaw('reply', { reply: 'D.' })).result; // a wrong category: over, no view
    expect(end.content).toEqual([{ type: 'text', text: expect.stringMatching(/^reward -?[\d.]+\. Episode chain-a is over: wrong-category after 1 turn/), annotations: null, meta: null }]);
    await c.close();
  });

  it('refuses bad calls with JSON-RPC errors that say what to fix (OpenEnv\'s codes)', async () => {
    const c = new OpenEnvMcpClient(srv.url);
    const err = async (method: string, params: Record<string, unknown>) => (await c.request(method, params)).error;
    const sid = await c.session();
    expect(await err('tools/call', { name: 'dance', session_id: sid })).toEqual({ code: -32602, message: expect.stringMatching(/^Tool not found: dance \(the tools are start_episode, reply, episode_state/), data: null });
    expect(await err('tools/call', { arguments: {}, session_id: sid })).toMatchObject({ code: -32602, message: "Missing 'name' in params" });
    expect(await err('tools/call', { name: 'reply', arguments: 'B.', session_id: sid })).toMatchObject({ code: -32602, message: expect.stringMatching(/"arguments" must be an object/) });
    const missing = await err('tools/call', { name: 'reply', arguments: {}, session_id: sid });
    expect(missing).toMatchObject({ code: -32602, message: 'Invalid params for reply: arguments.reply: Field required', data: { errors: [{ type: 'missing', loc: ['arguments', 'reply'] }] } });
    expect(await err('tools/call', { name: 'reply', arguments: { reply: 'B.', text: 'x' }, session_id: sid })).toMatchObject({ code: -32602, message: expect.stringMatching(/arguments\.text: Extra inputs are not permitted \(reply takes reply\)/) });
    expect(await err('tools/call', { name: 'start_episode', arguments: { seed: -1 }, session_id: sid })).toMatchObject({ code: -32602, message: expect.stringMatching(/arguments\.seed: Input should be greater than or equal to 0/) });
    expect(await err('tools/call', { name: 'start_episode', arguments: { episode_id: 'nope' }, session_id: sid })).toMatchObject({ code: -32602, message: expect.stringMatching(/no episode with id "nope"/) });
    expect(await err('tools/call', { name: 'start_episode', arguments: { mode: 'loud' }, session_id: sid })).toMatchObject({ code: -32602, message: expect.stringMatching(/mode must be one of proactive, hint, reference/) });
    // a reply before any episode: the tool failed (-32603, as OpenEnv answers a tool that raised)
    expect(await err('tools/call', { name: 'reply', arguments: { reply: 'B.' }, session_id: sid })).toMatchObject({ code: -32603, message: expect.stringMatching(/step before reset/) });
    // without session_id, OpenEnv runs the call on a fresh environment dropped after it: a reply says how to keep one
    expect(await err('tools/call', { name: 'reply', arguments: { reply: 'B.' } })).toMatchObject({ code: -32603, message: expect.stringMatching(/no session_id.*openenv\/session\/create/) });
    expect(await err('tools/call', { name: 'reply', arguments: { reply: 'B.' }, session_id: 'gone' })).toMatchObject({ code: -32602, message: expect.stringMatching(/^Unknown session_id: gone \(.*openenv\/session\/create/) });
    expect(await err('openenv/session/close', {})).toMatchObject({ code: -32602, message: "Invalid params - 'session_id' is required" });
    expect((await c.request('openenv/session/close', { session_id: sid })).result).toEqual({ session_id: sid, closed: true });
    expect(await err('openenv/session/close', { session_id: sid })).toMatchObject({ code: -32602, message: expect.stringMatching(/^Unknown session_id/) });
    expect(await err('initialize', {})).toMatchObject({ code: -32601, message: 'Method not found: initialize' });
  });

  it('HTTP MCP sessions count against --max-sessions (-32000 with the counts), and closing one frees its place', async () => {
    const clients = [1, 2, 3].map(() => new OpenEnvMcpClient(srv.url));
    for (const c of clients) await c.session();
    const over = await new OpenEnvMcpClient(srv.url).request('openenv/session/create');
    expect(over.error).toMatchObject({ code: -32000, message: expect.stringMatching(/3\/3 sessions.*--max-sessions/), data: { active_sessions: 3, max_sessions: 3 } });
    const sock = await openSocket(`${srv.url.replace('http', 'ws')}/ws`); // a /ws session counts them too
    expect((await sock.send({ type: 'state' })).data).toMatchObject({ code: 'CAPACITY_REACHED', active_sessions: 3 });
    await clients[0].close();
    expect((await new OpenEnvMcpClient(srv.url).session()).length).toBeGreaterThan(0);
    for (const c of clients.slice(1)) await c.close();
    for (const s of [...srv.server.mcp.sessions.keys()]) await new OpenEnvMcpClient(srv.url).request('openenv/session/close', { session_id: s });
    expect(srv.server.activeSessions()).toBe(0);
  });
});

describe('OpenEnv MCP tools over the /ws "mcp" message', () => {
  it("play on the connection's own session, with the answers of /reset + /step, beside reset/step messages", async () => {
    const sock = await openSocket(`${srv.url.replace('http', 'ws')}/ws`);
    let n = 0;
    const rpc = async (method: string, params: Record<string, unknown> = {}) => (await sock.send({ type: 'mcp', data: { jsonrpc: '2.0', method, params, id: ++n } })) as Json;
    const created = await rpc('openenv/session/create');
    expect(created).toMatchObject({ type: 'mcp', data: { jsonrpc: '2.0', id: 1, result: { session_id: expect.any(String) } } });
    const own = created.data.result.session_id;
    for (const [id, replies] of plays) {
      const viaTools = [(await rpc('tools/call', { name: 'start_episode', arguments: { episode_id: id } })).data.result.data];
      for (const reply of replies) viaTools.push((await rpc('tools/call', { name: 'reply', arguments: { reply }, session_id: 'ignored on a socket' })).data.result.data);
      expect(viaTools, id).toEqual(await playHttp(id, replies));
    }
    // the tools and the OpenEnv messages drive one session
    await rpc('tools/call', { name: 'start_episode', arguments: { episode_id: 'chain-a' } });
    expect((await sock.send({ type: 'step', data: { reply: 'A.' } })).data.observation.turn).toBe(1);
    expect((await rpc('tools/call', { name: 'episode_state', arguments: {} })).data.result.data).toMatchObject({ episode_id: 'chain-a', step_count: 1 });
    expect((await rpc('openenv/session/close', { session_id: own })).data.error).toEqual({ code: -32600, message: 'Cannot close active WebSocket-managed session via MCP method', data: null });
    expect((await sock.send({ type: 'mcp', data: { jsonrpc: '2.0', method: 'tools/call', params: { name: 'reply', arguments: { reply: 3 } }, id: 'x' } })).data).toMatchObject({ id: 'x', error: { code: -32602, message: 'Invalid params for reply: arguments.reply: Input should be a valid string' } });
    sock.ws.close();
  });
});

/**
 * OpenEnv's MCPToolClient in its default mode (use_production_mode False), ported: list_tools and call_tool go as /ws
 * step actions (`_step_payload`: {"type":"list_tools"}, {"type":"call_tool","tool_name","arguments"}), answers are read
 * as `_parse_result` reads them ("tools" → ListToolsObservation, "tool_name" → CallToolObservation), `call_tool` raises
 * on `error` and returns `result.data`; a {"type":"error"} answer raises as `_send_and_receive` does.
 */
class OpenEnvStepClient {
  constructor(private readonly sock: { send: (m: unknown) => Promise<Json> }) {}
  async step(payload: Record<string, unknown>): Promise<Json> {
    const m = await this.sock.send({ type: 'step', data: payload });
    if (m.type === 'error') throw new Error(`Server error: ${m.data.message} (code: ${m.data.code})`);
    return m.data;
  }
  async listTools(): Promise<{ name: string; description: string; input_schema: Json }[]> {
    const r = await this.step({ type: 'list_tools' });
    return 'tools' in r.observation ? r.observation.tools.map((t: Json) => ({ name: t.name ?? '', description: t.description ?? '', input_schema: t.input_schema ?? t.inputSchema ?? {} })) : [];
  }
  async callTool(name: string, args: Record<string, unknown>): Promise<Json> {
    const obs = (await this.step({ type: 'call_tool', tool_name: name, arguments: args })).observation;
    if (obs.error) throw new Error(`Tool '${name}' failed: ${obs.error.message} (type: ${obs.error.error_type})`);
    const result = obs.result;
    return result && typeof result === 'object' && 'data' in result ? result.data : result;
  }
}

describe("OpenEnv's MCP actions as steps (MCPToolClient default mode, MCPEnvironment.step)", () => {
  it('a /ws session plays whole episodes through list_tools / call_tool steps with the answers of /reset + /step', async () => {
    const sock = await openSocket(`${srv.url.replace('http', 'ws')}/ws`);
    const c = new OpenEnvStepClient(sock);
    // ListToolsObservation as serialize_observation sends it: tools (Tool: name, description, input_schema), no metadata
    const listed = await c.step({ type: 'list_tools' });
    expect(Object.keys(listed.observation)).toEqual(['tools']);
    expect(listed).toMatchObject({ reward: null, done: false });
    expect(listed.observation.tools.map((t: Json) => Object.keys(t))).toEqual([0, 1, 2].map(() => ['name', 'description', 'input_schema']));
    expect((await c.listTools()).map((t) => t.name)).toEqual(['start_episode', 'reply', 'episode_state']);
    for (const [id, replies, outcome] of plays) {
      const viaSteps = [await c.callTool('start_episode', { episode_id: id })];
      for (const reply of replies) viaSteps.push(await c.callTool('reply', { reply }));
      expect(viaSteps, id).toEqual(await playHttp(id, replies));
      expect(viaSteps.at(-1), id).toMatchObject({ done: true, observation: { outcome } });
    }
    // CallToolObservation: tool_name, result (tools/call's CallToolResult), error; the step's reward and done beside it
    const started = await c.step({ type: 'call_tool', tool_name: 'start_episode', arguments: { episode_id: 'chain-a' } });
    expect(Object.keys(started.observation)).toEqual(['tool_name', 'result', 'error']);
    expect(started).toMatchObject({ reward: null, done: false, observation: { tool_name: 'start_episode', error: null } });
    expect(Object.keys(started.observation.result)).toEqual(['content', 'structured_content', 'meta', 'data', 'is_error']);
    const ended = await c.step({ type: 'call_tool', tool_name: 'reply', arguments: { reply: 'D.' }, metadata: {} });
    expect({ reward: ended.reward, done: ended.done }).toEqual({ reward: ended.observation.result.data.reward, done: true });
    expect(ended.reward).not.toBe(0);
    // the reply action is unchanged, and drives the same session as the tools
    await c.callTool('start_episode', { episode_id: 'chain-b' });
    expect((await sock.send({ type: 'step', data: { reply: 'B.' } })).data.observation.turn).toBe(1);
    expect(await c.callTool('episode_state', {})).toMatchObject({ episode_id: 'chain-b', step_count: 1 });
    expect((await sock.send({ type: 'step', data: { type: 'reply', reply: 'B.' } })).data).toMatchObject({ code: 'VALIDATION_ERROR', errors: [{ type: 'extra_forbidden', loc: ['type'] }] });
    sock.ws.close();
  });

  it("a failed tool is a CallToolObservation with OpenEnv's ToolError; a malformed MCP action a VALIDATION_ERROR", async () => {
    const sock = await openSocket(`${srv.url.replace('http', 'ws')}/ws`);
    const c = new OpenEnvStepClient(sock);
    const failed = async (tool_name: string, args: Record<string, unknown>) => {
      const r = await c.step({ type: 'call_tool', tool_name, arguments: args });
      expect(r, tool_name).toMatchObject({ reward: null, done: false, observation: { tool_name, result: null } });
      return r.observation.error;
    };
    expect(await failed('dance', {})).toEqual({ error_type: 'tool_not_found', message: expect.stringMatching(/^Tool not found: dance \(the tools are start_episode, reply, episode_state/) });
    expect(await failed('reply', {})).toEqual({ error_type: 'invalid_args', message: 'Invalid params for reply: arguments.reply: Field required' });
    expect(await failed('start_episode', { episode_id: 'nope' })).toMatchObject({ error_type: 'invalid_args', message: expect.stringMatching(/no episode with id "nope"/) });
    expect(await failed('reply', { reply: 'B.' })).toMatchObject({ error_type: 'execution_error', message: expect.stringMatching(/step before reset/) });
    await expect(c.callTool('reply', { reply: 'B.' })).rejects.toThrow(/^Tool 'reply' failed: .*step before reset.*\(type: execution_error\)$/);
    const invalid = async (data: Record<string, unknown>) => (await sock.send({ type: 'step', data })).data;
    expect(await invalid({ type: 'call_tool', arguments: {} })).toMatchObject({ code: 'VALIDATION_ERROR', errors: [{ type: 'missing', loc: ['tool_name'] }] });
    expect(await invalid({ type: 'call_tool', tool_name: 'reply', arguments: 'B.' })).toMatchObject({ code: 'VALIDATION_ERROR', errors: [{ type: 'dict_type', loc: ['arguments'] }] });
    expect(await invalid({ type: 'list_tools', reply: 'B.' })).toMatchObject({ code: 'VALIDATION_ERROR', errors: [{ type: 'extra_forbidden', loc: ['reply'] }] });
    sock.ws.close();
  });

  it('POST /step takes them too: on a fresh environment, or on the episode replayed from episode_id + history', async () => {
    const step = async (body: Record<string, unknown>) => {
      const r = await fetch(`${srv.url}/step`, { method: 'POST', body: JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as Json };
    };
    const listed = await step({ action: { type: 'list_tools' } });
    expect(listed).toMatchObject({ status: 200, body: { reward: null, done: false } });
    expect(listed.body.observation.tools.map((t: Json) => t.name)).toEqual(['start_episode', 'reply', 'episode_state']);
    const [, replies] = plays[1];
    const http = await playHttp('chain-b', replies);
    const started = await step({ action: { type: 'call_tool', tool_name: 'start_episode', arguments: { episode_id: 'chain-b' } } });
    expect(started.body.observation.result.data).toEqual(http[0]);
    for (let i = 0; i < replies.length; i++) {
      const r = await step({ action: { type: 'call_tool', tool_name: 'reply', arguments: { reply: replies[i] } }, episode_id: 'chain-b', history: replies.slice(0, i) });
      expect(r.body.observation.result.data, replies[i]).toEqual(http[i + 1]);
      expect({ reward: r.body.reward, done: r.body.done }).toEqual({ reward: http[i + 1].reward, done: http[i + 1].done });
    }
    const lost = await step({ action: { type: 'call_tool', tool_name: 'reply', arguments: { reply: 'B.' } } });
    expect(lost.body.observation.error).toMatchObject({ error_type: 'execution_error', message: expect.stringMatching(/step before reset.*send "episode_id" and "history"/) });
    const bad = await step({ action: { type: 'call_tool', tool_name: 7 } });
    expect(bad).toMatchObject({ status: 422, body: { detail: [{ type: 'string_type', loc: ['body', 'action', 'tool_name'] }] } });
    // the reply action still needs its episode
    expect((await step({ action: { reply: 'B.' } })).body).toMatchObject({ detail: [{ type: 'missing', loc: ['body', 'episode_id'] }] });
  });
});

describe("OpenEnv's raw MCP WebSocket at /mcp", () => {
  it("plays on the connection's own session: JSON-RPC requests in, responses out, as POST /mcp answers them", async () => {
    const sock = await openSocket(`${srv.url.replace('http', 'ws')}/mcp`);
    let n = 0;
    const rpc = async (method: string, params: Record<string, unknown> = {}) => (await sock.send({ jsonrpc: '2.0', method, params, id: ++n })) as Json;
    expect((await rpc('tools/list')).result.tools.map((t: Json) => t.name)).toEqual(['start_episode', 'reply', 'episode_state']);
    const own = (await rpc('openenv/session/create')).result.session_id;
    expect(srv.server.sessions.has(own)).toBe(true); // a session of its own, counted against --max-sessions
    for (const [id, replies] of plays) {
      const viaTools = [(await rpc('tools/call', { name: 'start_episode', arguments: { episode_id: id } })).result.data];
      for (const reply of replies) viaTools.push((await rpc('tools/call', { name: 'reply', arguments: { reply } })).result.data);
      expect(viaTools, id).toEqual(await playHttp(id, replies));
    }
    expect((await rpc('tools/call', { name: 'episode_state', arguments: {} })).result.data).toMatchObject({ episode_id: 'chain-c', step_count: 1, done: true });
    expect((await rpc('openenv/session/close', { session_id: own })).error).toEqual({ code: -32600, message: 'Cannot close active WebSocket-managed session via MCP method', data: null });
    // errors are JSON-RPC responses and the session goes on
    sock.ws.send('{oops');
    const parse = await sock.send({ jsonrpc: '2.0', method: 'nope', id: 'last' });
    expect(parse).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: expect.stringMatching(/^Parse error: .*JSON/), data: null } });
    expect(await sock.next()).toMatchObject({ id: 'last', error: { code: -32601, message: 'Method not found: nope' } });
    // JSON that is not an object: -32700, as POST /mcp answers it (OpenEnv's socket: -32000, then closed); the session goes on
    for (const v of [[1], 'x', 5, null]) expect(await sock.send(v), JSON.stringify(v)).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error', data: null } });
    expect((await sock.send({ type: 'step', data: { reply: 'B.' } })).error).toMatchObject({ code: -32600, message: expect.stringMatching(/"jsonrpc" must be "2.0".*unexpected field "type"/) });
    sock.ws.close();
  });

  it('over --max-sessions it answers -32000 with the counts, then closes (1013)', async () => {
    const one = await startEnvServer({ pool: new EpisodePool(episodes, memoryLoader), rewarder: new Rewarder(resolveRewardConfig({})), maxSessions: 1, sessionTimeout: 0, port: 0 });
    const first = await openSocket(`${one.url.replace('http', 'ws')}/mcp`);
    const over = new WebSocket(`${one.url.replace('http', 'ws')}/mcp`);
    const [answer, code] = await Promise.all([new Promise<Json>((r) => over.once('message', (d) => r(JSON.parse(d.toString())))), new Promise<number>((r) => over.once('close', (c) => r(c)))]);
    expect(answer).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32000, message: expect.stringMatching(/^Server at capacity: 1\/1 sessions.*--max-sessions/), data: { active_sessions: 1, max_sessions: 1 } } });
    expect(code).toBe(1013);
    first.ws.close();
    await one.close();
  });

  it('an idle one is closed with a JSON-RPC error naming --session-timeout (1001)', async () => {
    const idle = await startEnvServer({ pool: new EpisodePool(episodes, memoryLoader), rewarder: new Rewarder(resolveRewardConfig({})), maxSessions: 1, sessionTimeout: 0.2, port: 0 });
    const sock = await openSocket(`${idle.url.replace('http', 'ws')}/mcp`);
    const closed = new Promise<number>((r) => sock.ws.once('close', (c) => r(c)));
    expect(await sock.next()).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32000, message: expect.stringMatching(/^session closed after 0.2 s without a message \(askfirst env serve --session-timeout\); reconnect and call start_episode/), data: null } });
    expect(await closed).toBe(1001);
    await idle.close();
  });
});

describe('session_id on every method (OpenEnv looks the session up before the method)', () => {
  it('an unknown session_id is -32602 on tools/list, unknown methods and a nameless tools/call; a known one counts as activity; a socket ignores it', async () => {
    const mcp = new McpEndpoint({ pool: new EpisodePool(episodes, memoryLoader), rewarder: new Rewarder(resolveRewardConfig({})), maxReplyBytes: 1024, maxSessions: 4, otherSessions: () => 0, onStep: () => {}, log: () => {} });
    const rpc = (method: string, params: Record<string, unknown> = {}, socket?: SocketSession): Promise<Json> => mcp.handle({ jsonrpc: '2.0', method, params, id: 9 }, socket);
    const unknown = { code: -32602, message: expect.stringMatching(/^Unknown session_id: gone \(.*openenv\/session\/create/), data: null };
    expect((await rpc('tools/list', { session_id: 'gone' })).error).toEqual(unknown);
    expect((await rpc('initialize', { session_id: 'gone' })).error).toEqual(unknown);
    expect((await rpc('tools/call', { session_id: 'gone' })).error).toEqual(unknown);
    expect((await rpc('tools/list', { session_id: 7 })).error).toMatchObject({ code: -32602, message: expect.stringMatching(/^Unknown session_id: 7 /) });
    // no session_id (or an empty one): discovery needs no session
    expect((await rpc('tools/list')).result.tools).toHaveLength(3);
    expect((await rpc('tools/list', { session_id: '' })).result.tools).toHaveLength(3);
    const sid = (await rpc('openenv/session/create')).result.session_id;
    const s = mcp.sessions.get(sid)!;
    s.lastActivity = 0;
    expect((await rpc('tools/list', { session_id: sid })).result.tools).toHaveLength(3);
    expect(s.lastActivity).toBeGreaterThan(0); // OpenEnv's _update_session_activity: listing keeps the session from the reaper
    expect((await rpc('tools/call', { session_id: sid })).error).toMatchObject({ code: -32602, message: "Missing 'name' in params" });
    await rpc('openenv/session/close', { session_id: sid });
    expect((await rpc('tools/list', { session_id: sid })).error).toMatchObject({ code: -32602, message: expect.stringMatching(/^Unknown session_id/) });
    // on a WebSocket the connection's session is used and session_id ignored, as OpenEnv does
    const socket: SocketSession = { id: 'own', env: new EnvSession(new EpisodePool(episodes, memoryLoader), new Rewarder(resolveRewardConfig({}))) };
    expect((await rpc('tools/list', { session_id: 'gone' }, socket)).result.tools).toHaveLength(3);
  });

  it("a falsy session_id (Python's: 0, false, \"\", [], {}) names no session: the call runs stateless, a close is told it is required", async () => {
    const post = async (method: string, params: Record<string, unknown>): Promise<Json> => (await fetch(`${srv.url}/mcp`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }) })).json();
    for (const falsy of [0, false, '', [], {}, null]) {
      // OpenEnv's mcp_handler: `elif requested_session_id:` → else, a fresh environment for the call
      expect((await post('tools/list', { session_id: falsy })).result?.tools, JSON.stringify(falsy)).toHaveLength(3);
      expect((await post('tools/call', { name: 'start_episode', arguments: { episode_id: 'chain-a' }, session_id: falsy })).result?.data.observation.episode_id, JSON.stringify(falsy)).toBe('chain-a');
      // openenv/session/close: `if not target_session_id` → -32602 required
      expect((await post('openenv/session/close', { session_id: falsy })).error, JSON.stringify(falsy)).toEqual({ code: -32602, message: "Invalid params - 'session_id' is required", data: null });
    }
    // a truthy one that is no session's id is unknown, whatever its type
    // printed as OpenEnv's f-string prints it (Python's str(), not JSON): True, [0], {'a': 1}
    const truthy: [unknown, string][] = [[1, '1'], [true, 'True'], ['x', 'x'], [[0], '[0]'], [{ a: 1 }, "{'a': 1}"], [['a', null], "['a', None]"]];
    for (const [v, python] of truthy) {
      for (const method of ['tools/list', 'tools/call', 'openenv/session/close']) expect((await post(method, { session_id: v })).error, `${method} ${JSON.stringify(v)}`).toMatchObject({ code: -32602, message: expect.stringMatching(new RegExp(`^Unknown session_id: ${python.replace(/[[\]{}]/g, '\\$&')} \\(`)) });
    }
    expect(srv.server.activeSessions()).toBe(0);
  });

  it("a tools/call name that is not a string is looked up as OpenEnv's is: 'Tool not found: True', a falsy one missing", async () => {
    const post = async (params: Record<string, unknown>, id: unknown = 1): Promise<Json> => (await fetch(`${srv.url}/mcp`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', method: 'tools/call', params, id }) })).json();
    for (const [v, python] of [[5, '5'], [true, 'True'], [['reply'], "['reply']"]] as const) expect((await post({ name: v })).error, JSON.stringify(v)).toMatchObject({ code: -32602, message: expect.stringMatching(new RegExp(`^Tool not found: ${python.replace(/[[\]]/g, '\\$&')} \\(the tools are`)) });
    for (const v of [0, false, '', [], {}, null]) expect((await post({ name: v })).error, JSON.stringify(v)).toMatchObject({ code: -32602, message: "Missing 'name' in params" });
  });

  it('a number or dict JSON.parse changes (1.0, 1e3, an integer past 2^53, integer-like keys) is echoed as Python prints what json.loads made of it, on POST /mcp, the /mcp socket and a /ws mcp message', async () => {
    // [as the client wrote it, as OpenEnv's f-string prints json.loads's value (CPython: str(json.loads(text)))]
    const written: [string, string][] = [
      ['1.0', '1.0'],
      ['1e3', '1000.0'],
      ['12345678901234567890', '12345678901234567890'],
      ['{"b": 1, "2": 2.0}', "{'b': 1, '2': 2.0}"],
    ];
    const request = (method: string, key: string, v: string) => `{"jsonrpc": "2.0", "method": "${method}", "params": {"${key}": ${v}}, "id": 1}`;
    const sock = await openSocket(`${srv.url.replace('http', 'ws')}/mcp`);
    const ws = await openSocket(`${srv.url.replace('http', 'ws')}/ws`);
    const raw = (s: typeof sock, text: string) => (s.ws.send(text), s.next());
    const post = async (text: string): Promise<Json> => (await fetch(`${srv.url}/mcp`, { method: 'POST', body: text })).json();
    try {
      for (const [v, python] of written) {
        const unknown = `Unknown session_id: ${python} (`;
        for (const method of ['tools/list', 'tools/call', 'openenv/session/close']) expect((await post(request(method, 'session_id', v))).error.message, `POST /mcp ${method} ${v}`).toContain(unknown);
        expect((await raw(sock, request('openenv/session/close', 'session_id', v))).error.message, `/mcp socket ${v}`).toContain(unknown);
        expect((await raw(ws, `{"type": "mcp", "data": ${request('openenv/session/close', 'session_id', v)}}`)).data.error.message, `/ws ${v}`).toContain(unknown);
        const notFound = `Tool not found: ${python} (`;
        expect((await post(request('tools/call', 'name', v))).error.message, `POST /mcp name ${v}`).toContain(notFound);
        expect((await raw(sock, request('tools/call', 'name', v))).error.message, `/mcp socket name ${v}`).toContain(notFound);
        expect((await raw(ws, `{"type": "mcp", "data": ${request('tools/call', 'name', v)}}`)).data.error.message, `/ws name ${v}`).toContain(notFound);
      }
    } finally {
      sock.ws.close();
      ws.ws.close();
    }
  });

  it("a boolean request id is pydantic's lax Union[str, int]: the integer, which the answer carries", async () => {
    const post = async (id: unknown): Promise<Json> => (await fetch(`${srv.url}/mcp`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', method: 'tools/list', id }) })).json();
    expect((await post(true)).id).toBe(1);
    expect((await post(false)).id).toBe(0);
    expect((await post(1.5)).error).toMatchObject({ code: -32600 });
  });

  it('POST /mcp answers tools/list with an unknown session_id -32602', async () => {
    const r: Json = await fetch(`${srv.url}/mcp`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', method: 'tools/list', params: { session_id: 'gone' }, id: 3 }) }).then((x) => x.json());
    expect(r).toEqual({ jsonrpc: '2.0', id: 3, error: { code: -32602, message: expect.stringMatching(/^Unknown session_id: gone/), data: null } });
  });
});

describe("one session registry (OpenEnv's _sessions holds the /ws, /mcp socket and HTTP MCP sessions alike)", () => {
  it("a POST /mcp session_id drives a /ws session's environment, counts as its activity, and session/close ends it (1000)", async () => {
    const sock = await openSocket(`${srv.url.replace('http', 'ws')}/ws`);
    const own = (await sock.send({ type: 'mcp', data: { jsonrpc: '2.0', method: 'openenv/session/create', id: 1 } })).data.result.session_id;
    const http = new OpenEnvMcpClient(srv.url);
    http.sessionId = own;
    // the HTTP call plays on the socket's environment: the socket's next step goes on with that episode
    expect((await http.callTool('start_episode', { episode_id: 'chain-a' })).observation.episode_id).toBe('chain-a');
    expect((await sock.send({ type: 'step', data: { reply: 'A.' } })).data.observation).toMatchObject({ episode_id: 'chain-a', turn: 1 });
    expect((await http.callTool('episode_state', {})).step_count).toBe(1);
    const live = srv.server.sessions.get(own)!;
    live.lastActivity = 0;
    expect((await http.request('tools/list', { session_id: own })).result.tools).toHaveLength(3);
    expect(live.lastActivity).toBeGreaterThan(0);
    const closed = new Promise<number>((r) => sock.ws.once('close', (c) => r(c)));
    expect((await http.request('openenv/session/close', { session_id: own })).result).toEqual({ session_id: own, closed: true });
    expect(await closed).toBe(1000);
    expect((await http.request('tools/list', { session_id: own })).error).toMatchObject({ code: -32602, message: expect.stringMatching(/^Unknown session_id/) });
    expect(srv.server.activeSessions()).toBe(0);
  });

  it("a raw /mcp socket's session too, and one socket may close another's (not its own: -32600)", async () => {
    const a = await openSocket(`${srv.url.replace('http', 'ws')}/mcp`);
    const b = await openSocket(`${srv.url.replace('http', 'ws')}/mcp`);
    const idA = (await a.send({ jsonrpc: '2.0', method: 'openenv/session/create', id: 1 })).result.session_id;
    const idB = (await b.send({ jsonrpc: '2.0', method: 'openenv/session/create', id: 1 })).result.session_id;
    const http = new OpenEnvMcpClient(srv.url);
    http.sessionId = idB;
    await http.callTool('start_episode', { episode_id: 'chain-c' });
    expect((await b.send({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'episode_state', arguments: {} }, id: 2 })).result.data).toMatchObject({ episode_id: 'chain-c', step_count: 0 });
    const closedB = new Promise<number>((r) => b.ws.once('close', (c) => r(c)));
    expect((await a.send({ jsonrpc: '2.0', method: 'openenv/session/close', params: { session_id: idB }, id: 3 })).result).toEqual({ session_id: idB, closed: true });
    expect(await closedB).toBe(1000);
    expect((await a.send({ jsonrpc: '2.0', method: 'openenv/session/close', params: { session_id: idA }, id: 4 })).error).toMatchObject({ code: -32600 });
    a.ws.close();
  });
});

describe('McpEndpoint.reap', () => {
  it('closes HTTP MCP sessions idle over the timeout; their next call is told the id is gone', async () => {
    const mcp = new McpEndpoint({ pool: new EpisodePool(episodes, memoryLoader), rewarder: new Rewarder(resolveRewardConfig({})), maxReplyBytes: 1024, maxSessions: 4, otherSessions: () => 0, onStep: () => {}, log: () => {} });
    const created: Json = await mcp.handle({ jsonrpc: '2.0', method: 'openenv/session/create', id: 1 });
    const sid = created.result.session_id;
    const t0 = mcp.sessions.get(sid)!.lastActivity;
    expect(mcp.reap(1000, t0 + 1000)).toBe(0);
    expect(mcp.reap(1000, t0 + 1001)).toBe(1);
    const after: Json = await mcp.handle({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'episode_state', session_id: sid }, id: 2 });
    expect(after.error).toMatchObject({ code: -32602, message: expect.stringMatching(/idle over --session-timeout .*is gone/) });
  });
});
