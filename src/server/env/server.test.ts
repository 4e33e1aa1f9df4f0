/**
 * The environment server's OpenEnv protocol: HTTP endpoints and their shapes, WebSocket sessions
 * (isolated, ordered, reaped when idle, limited with CAPACITY_REACHED), and malformed messages
 * answered with OpenEnv's error responses without harming the session or any other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { EpisodePool } from '../../environment/episodes.js';
import { resolveRewardConfig, Rewarder } from '../../environment/rewards.js';
import { generateSuite } from '../../suite/generate.js';
import { memoryLoader } from '../../suite/loader.js';
import type { ViewLoader } from '../../suite/types.js';
import type { SuiteEpisode } from '../../suite/types.js';
import { familyReplies } from '../../testing/reasoning-replies.js';
import { parseErrorAt, startEnvServer, type RunningEnvServer } from './server.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- loose JSON in tests
type Json = any;
let episodes: SuiteEpisode[];
let srv: RunningEnvServer;
let wsUrl: string;

/** A test client: send text, await the next message. */
class Client {
  private readonly inbox: unknown[] = [];
  private waiters: ((m: unknown) => void)[] = [];
  closed: { code: number; reason: string } | null = null;
  private closeWaiters: (() => void)[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      const w = this.waiters.shift();
      if (w) w(m);
      else this.inbox.push(m);
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.closeWaiters.forEach((f) => f());
    });
  }
  static async open(url = wsUrl): Promise<Client> {
    const ws = new WebSocket(url);
    const c = new Client(ws);
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    return c;
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test messages are loose JSON
  next(): Promise<any> {
    if (this.inbox.length) return Promise.resolve(this.inbox.shift());
    return new Promise((r) => this.waiters.push(r));
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test messages are loose JSON
  async send(m: unknown): Promise<any> {
    this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
    return this.next();
  }
  waitClosed(): Promise<void> {
    return this.closed ? Promise.resolve() : new Promise((r) => this.closeWaiters.push(r));
  }
}

beforeAll(async () => {
  episodes = generateSuite({ episodes: 3, seed: 3, size: 32 });
  srv = await startEnvServer({ pool: new EpisodePool(episodes, memoryLoader), rewarder: new Rewarder(resolveRewardConfig({})), maxSessions: 4, sessionTimeout: 0, port: 0 });
  wsUrl = `${srv.url.replace('http', 'ws')}/ws`;
});
afterAll(() => srv.close());

describe('HTTP endpoints (OpenEnv shapes)', () => {
  it('GET /health, /metadata, /schema, /state', async () => {
    expect(await (await fetch(`${srv.url}/health`)).json()).toEqual({ status: 'healthy' });
    const md: Json = await (await fetch(`${srv.url}/metadata`)).json();
    expect(Object.keys(md).sort()).toEqual(['author', 'description', 'documentation_url', 'name', 'readme_content', 'version']);
    const sc: Json = await (await fetch(`${srv.url}/schema`)).json();
    expect(Object.keys(sc).sort()).toEqual(['action', 'observation', 'state']);
    expect(sc.action.required).toEqual(['reply']);
    // OpenEnv's /schema is action_cls.model_json_schema(): one model, no union even for an MCPEnvironment (echo_env
    // gives CallToolAction's); the MCP step actions are named in the description, where pydantic puts a docstring
    expect(sc.action).toMatchObject({ type: 'object', properties: { reply: { type: 'string' } } });
    expect(sc.action).not.toHaveProperty('anyOf');
    expect(sc.action.description).toMatch(/"type":"list_tools".*"type":"call_tool"/);
    expect(await (await fetch(`${srv.url}/state`)).json()).toEqual({ episode_id: null, step_count: 0 });
  });

  it('passes what `openenv validate URL` checks: /openapi.json (version 1.x, simulation-mode paths) and POST /mcp answering JSON-RPC', async () => {
    const api: Json = await (await fetch(`${srv.url}/openapi.json`)).json();
    expect(api.info.version).toMatch(/^1\./);
    for (const p of ['/reset', '/step', '/state', '/health', '/metadata', '/schema', '/mcp']) expect(api.paths, p).toHaveProperty([p]);
    const mcp = async (body: string) => {
      const r = await fetch(`${srv.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(r.status).toBe(200);
      return (await r.json()) as Json;
    };
    expect(await mcp('{}')).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
    expect(await mcp('{oops')).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error', data: null } });
    // JSON that is not an object: OpenEnv's JsonRpcRequest(**body) raises TypeError, answered -32700 too (it was -32600 here)
    for (const body of ['[1]', '5', '"x"', 'null', '[]']) expect(await mcp(body), body).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error', data: null } });
    expect(await mcp(JSON.stringify({ jsonrpc: '2.0', method: 'tools/list', id: 7 }))).toMatchObject({ jsonrpc: '2.0', id: 7, result: { tools: expect.any(Array) } }); // the tools: mcp.test.ts
    expect(await mcp(JSON.stringify({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'x' }, id: 'a' }))).toMatchObject({ id: 'a', error: { code: -32602, message: expect.stringMatching(/^Tool not found: x/) } });
    expect(await mcp(JSON.stringify({ jsonrpc: '2.0', method: 'nope', id: 1 }))).toMatchObject({ id: 1, error: { code: -32601, message: 'Method not found: nope' } });
    expect(await mcp(JSON.stringify({ jsonrpc: '1.0', method: 'tools/list', extra: 1 }))).toMatchObject({ error: { code: -32600, message: expect.stringMatching(/"jsonrpc" must be "2.0".*unexpected field "extra"/) } });
  });

  it('a route asked with another method is FastAPI\'s 405 with Allow (HEAD on a GET route too, Allow naming GET alone: fastapi#1773); an unknown path 404', async () => {
    for (const [method, path, allow] of [['GET', '/reset', 'POST'], ['GET', '/step', 'POST'], ['GET', '/get_reward', 'POST'], ['POST', '/health', 'GET'], ['POST', '/state', 'GET'], ['DELETE', '/schema', 'GET'], ['HEAD', '/health', 'GET'], ['HEAD', '/metadata', 'GET'], ['HEAD', '/mcp', 'POST']]) {
      const r = await fetch(`${srv.url}${path}`, { method });
      expect(r.status, `${method} ${path}`).toBe(405);
      expect(r.headers.get('allow')).toBe(allow);
      if (method !== 'HEAD') expect(await r.json()).toEqual({ detail: 'Method Not Allowed' }); // a HEAD answer has no body
    }
    const none = await fetch(`${srv.url}/nope`);
    expect(none.status).toBe(404);
    expect((await fetch(`${srv.url}/nope`, { method: 'HEAD' })).status).toBe(404);
    expect(await none.json()).toEqual({ detail: 'Not Found' });
  });

  it('POST /reset and the stateless POST /step (episode_id + history replayed)', async () => {
    const id = episodes[0].id;
    const r: Json = await (await fetch(`${srv.url}/reset`, { method: 'POST', body: JSON.stringify({ episode_id: id }) })).json();
    expect(Object.keys(r).sort()).toEqual(['done', 'observation', 'reward']);
    expect(r).toMatchObject({ reward: null, done: false, observation: { episode_id: id, turn: 0 } });
    expect(r.observation.messages[0].content[0].image_url.url).toBe(`data:image/png;base64,${r.observation.image_png_base64}`);
    const s: Json = await (await fetch(`${srv.url}/step`, { method: 'POST', body: JSON.stringify({ action: { reply: 'garbage' }, episode_id: id }) })).json();
    expect(s).toMatchObject({ done: true, observation: { outcome: 'unparseable', last_reply: 'garbage' } });
    expect(s.reward).toBeCloseTo(-0.5, 12);
    const bad = await fetch(`${srv.url}/reset`, { method: 'POST', body: JSON.stringify({ seed: -1 }) });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as Json).detail[0]).toMatchObject({ type: 'greater_than_equal', loc: ['body', 'seed'] });
    const notJson = await fetch(`${srv.url}/reset`, { method: 'POST', body: '{oops' });
    expect(notJson.status).toBe(422);
    expect(((await notJson.json()) as Json).detail[0].type).toBe('json_invalid');
    // FastAPI's json_invalid: loc ["body", POS], POS in code points (as Python's json.loads; JSON.parse's is UTF-16), ctx.error why
    for (const [path, text, pos, why] of [
      ['/reset', '{"é😀": 1} 2', 10, 'Unexpected non-whitespace character after JSON'], // Python: "Extra data", 10
      ['/step', '{"a" 1}', 5, "Expected ':' after property name"], // Python: "Expecting ':' delimiter", 5
      ['/step', '{"😀":', 5, 'Unexpected end of JSON input'], // Python: "Expecting value", 5
      ['/reset', '{"a": x}', 0, `Unexpected token 'x', "{"a": x}" is not valid JSON (JSON.parse gave no position: loc's 0 is not where)`],
    ] as const) {
      const r = await fetch(`${srv.url}${path}`, { method: 'POST', body: text });
      expect(r.status, text).toBe(422);
      expect(await r.json(), text).toEqual({ detail: [{ type: 'json_invalid', loc: ['body', pos], msg: 'JSON decode error', input: {}, ctx: { error: why } }] });
    }
    const noAction = await fetch(`${srv.url}/step`, { method: 'POST', body: JSON.stringify({ episode_id: id }) });
    expect(noAction.status).toBe(422);
    for (const [path, body] of [['/reset', [1]], ['/step', 'x']] as const) {
      const notObject = await fetch(`${srv.url}${path}`, { method: 'POST', body: JSON.stringify(body) }); // JSON, but no object: FastAPI's model_attributes_type
      expect(notObject.status, path).toBe(422);
      expect(await notObject.json(), path).toEqual({ detail: [{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: body }] });
    }
    // OpenEnv's ResetRequest and StepRequest fields as pydantic reads them (lax): each 422 with pydantic's type and words,
    // what it takes taken (CPython + pydantic 2.13: ResetRequest(seed="5").seed == 5, StepRequest(timeout_s=True) is 1.0)
    const post = (path: string, body: unknown) => fetch(`${srv.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    const seeded = (await (await post('/reset', { seed: 2 })).json()) as Json;
    for (const seed of ['2', ' 2 ']) expect(((await (await post('/reset', { seed })).json()) as Json).observation.episode_id, JSON.stringify(seed)).toBe(seeded.observation.episode_id);
    expect((await post('/reset', { seed: true })).status).toBe(200);
    // ResetRequest is extra="allow" and OpenEnv drops the kwargs reset() does not take: extra fields change nothing
    expect(((await (await post('/reset', { seed: 2, render: true, options: { x: 1 } })).json()) as Json).observation.episode_id).toBe(seeded.observation.episode_id);
    const step = { action: { reply: 'A.' }, episode_id: id };
    for (const timeout_s of [1.5, '1.5', true, ' 2e1 ']) expect((await post('/step', { ...step, timeout_s })).status, JSON.stringify(timeout_s)).toBe(200);
    const refused: [string, Json, Json][] = [
      ['/reset', { seed: 5.5 }, { type: 'int_from_float', loc: ['body', 'seed'], msg: 'Input should be a valid integer, got a number with a fractional part', input: 5.5 }],
      ['/reset', { seed: 'x' }, { type: 'int_parsing', loc: ['body', 'seed'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'x' }],
      ['/reset', { seed: [1] }, { type: 'int_type', loc: ['body', 'seed'], msg: 'Input should be a valid integer', input: [1] }],
      ['/reset', { episode_id: 'e'.repeat(256) }, { type: 'string_too_long', loc: ['body', 'episode_id'], msg: 'String should have at most 255 characters', input: 'e'.repeat(256), ctx: { max_length: 255 } }],
      ['/step', { ...step, timeout_s: 0 }, { type: 'greater_than', loc: ['body', 'timeout_s'], msg: 'Input should be greater than 0', input: 0, ctx: { gt: 0 } }],
      ['/step', { ...step, timeout_s: false }, { type: 'greater_than', loc: ['body', 'timeout_s'], msg: 'Input should be greater than 0', input: false, ctx: { gt: 0 } }],
      ['/step', { ...step, timeout_s: 'x' }, { type: 'float_parsing', loc: ['body', 'timeout_s'], msg: 'Input should be a valid number, unable to parse string as a number', input: 'x' }],
      ['/step', { ...step, timeout_s: [1] }, { type: 'float_type', loc: ['body', 'timeout_s'], msg: 'Input should be a valid number', input: [1] }],
      ['/step', { ...step, request_id: 5 }, { type: 'string_type', loc: ['body', 'request_id'], msg: 'Input should be a valid string', input: 5 }],
      ['/step', { ...step, request_id: 'r'.repeat(256) }, { type: 'string_too_long', loc: ['body', 'request_id'], msg: 'String should have at most 255 characters', input: 'r'.repeat(256), ctx: { max_length: 255 } }],
    ];
    for (const [path, body, error] of refused) {
      const r = await post(path, body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      expect(await r.json(), JSON.stringify(body).slice(0, 80)).toEqual({ detail: [error] });
    }
    expect((await post('/step', { ...step, request_id: 'r'.repeat(255) })).status).toBe(200);
    const unknown = await fetch(`${srv.url}/reset`, { method: 'POST', body: JSON.stringify({ episode_id: 'nope' }) });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as Json).detail).toMatch(/no episode with id "nope"/);
  });
  it("reads a thinking reply of every VLM family as its answer, in the step and in the history (the trainers send the model's text)", async () => {
    // verl's interaction, OpenRLHF's agent and TRL send the generated text: a leading reasoning block other than
    // <think> (Gemma 4's <|channel>thought, Kimi-VL's ◁think▷, a Qwen3.5 block opened in the prompt) was unparseable.
    const ep = episodes.find((e) => e.steps[e.firstView].offered.some((i) => e.steps[e.firstView].next[i] !== undefined))!;
    const first: Json = await (await fetch(`${srv.url}/reset`, { method: 'POST', body: JSON.stringify({ episode_id: ep.id }) })).json();
    const ask = first.observation.options.find((_: Json, i: number) => ep.steps[ep.firstView].next[ep.steps[ep.firstView].offered[i]] !== undefined).letter + '.';
    const plain: Json = await (await fetch(`${srv.url}/step`, { method: 'POST', body: JSON.stringify({ action: { reply: ask }, episode_id: ep.id }) })).json();
    expect(plain.observation.last_action).toMatchObject({ type: 'intervention', valid: true });
    for (const [family, reply] of Object.entries(familyReplies(ask))) {
      const s: Json = await (await fetch(`${srv.url}/step`, { method: 'POST', body: JSON.stringify({ action: { reply }, episode_id: ep.id }) })).json();
      expect({ reward: s.reward, done: s.done, view: s.observation.view, last_reply: s.observation.last_reply }, family).toEqual({ reward: plain.reward, done: plain.done, view: plain.observation.view, last_reply: ask });
      const after: Json = await (await fetch(`${srv.url}/step`, { method: 'POST', body: JSON.stringify({ action: { reply: 'garbage' }, episode_id: ep.id, history: [reply] }) })).json();
      expect(after.observation.turn, family).toBe(2); // the history's thinking reply moved the episode on
    }
  });
});

describe('WebSocket sessions', () => {
  it('reset / step / state / close in OpenEnv message shapes', async () => {
    const c = await Client.open();
    const r = await c.send({ type: 'reset', data: { episode_id: episodes[1].id } });
    expect(r.type).toBe('observation');
    expect(Object.keys(r.data).sort()).toEqual(['done', 'observation', 'reward']);
    const o = r.data.observation;
    expect(o.options[0].letter).toBe('A');
    expect(o.prompt).toContain('Choose from the following options.');
    const st = await c.send({ type: 'state' });
    expect(st).toMatchObject({ type: 'state', data: { episode_id: episodes[1].id, step_count: 0 } });
    const answer = o.options[o.num_interventions + episodes[1].answer].letter;
    const s = await c.send({ type: 'step', data: { reply: `${answer}.` } });
    expect(s.data.done).toBe(true);
    expect(s.data.observation.outcome).toBe('correct');
    const errors = srv.server.counters.errors;
    c.ws.send(JSON.stringify({ type: 'close' }));
    c.ws.send('{oops'); // after the close: neither handled nor answered, as OpenEnv's loop has ended
    const unanswered = Promise.race([c.next(), new Promise((r) => setTimeout(() => r('none'), 100))]);
    await c.waitClosed();
    expect(c.closed!.code).toBe(1000);
    expect(await unanswered).toBe('none');
    expect(srv.server.counters.errors).toBe(errors);
  });

  it('malformed messages get OpenEnv error responses and the session goes on', async () => {
    const c = await Client.open();
    expect((await c.send('{not json')).data.code).toBe('INVALID_JSON');
    // OpenEnv's JsonRpcRequest: params a dict (default {}), so null or a list is -32600 in the mcp answer
    for (const params of [null, []]) expect((await c.send({ type: 'mcp', data: { jsonrpc: '2.0', method: 'tools/list', params, id: 1 } })).data, JSON.stringify(params)).toMatchObject({ id: null, error: { code: -32600, message: expect.stringMatching(/"params" must be an object/) } });
    // Python's json.loads reads NaN and Infinity (OpenEnv reads on); not JSON here (docs/environment-server.md's differences)
    expect((await c.send('{"type": "step", "data": {"reply": "B.", "metadata": {"p": NaN}}}')).data).toMatchObject({ code: 'INVALID_JSON', message: expect.stringMatching(/^Invalid JSON: /) });
    expect(await c.send({ type: 'dance' })).toEqual({ type: 'error', data: { message: 'Unknown message type: dance', code: 'UNKNOWN_TYPE' } });
    // OpenEnv's f-string prints message_dict.get("type", "") with Python's str(): None, True, ['a'], not JSON
    for (const [type, python] of [[null, 'None'], [true, 'True'], [['a'], "['a']"], [{ k: 1.5 }, "{'k': 1.5}"]] as const) expect(await c.send({ type }), JSON.stringify(type)).toEqual({ type: 'error', data: { message: `Unknown message type: ${python}`, code: 'UNKNOWN_TYPE' } });
    expect(await c.send({ data: {} })).toEqual({ type: 'error', data: { message: 'Unknown message type: ', code: 'UNKNOWN_TYPE' } });
    // as json.loads read the text, where JSON.parse lost it: a float 1.0, an integer past 2^53, a dict's key order
    for (const [text, python] of [['{"type": 1.0}', '1.0'], ['{"type": 12345678901234567890}', '12345678901234567890'], ['{"type": {"b": [2e0], "2": 1}}', "{'b': [2.0], '2': 1}"]] as const) expect(await c.send(text), text).toEqual({ type: 'error', data: { message: `Unknown message type: ${python}`, code: 'UNKNOWN_TYPE' } });
    expect((await c.send([1, 2])).data.code).toBe('VALIDATION_ERROR');
    const v = await c.send({ type: 'step', data: { reply: 3 } });
    expect(v.data).toMatchObject({ message: 'Invalid message', code: 'VALIDATION_ERROR', errors: [{ type: 'string_type', loc: ['reply'] }] });
    expect((await c.send({ type: 'state', extra: 1 })).data.errors[0].type).toBe('extra_forbidden');
    // OpenEnv's MCP message: a JSON-RPC answer in an "mcp" message (the tools: mcp.test.ts)
    expect(await c.send({ type: 'mcp', data: { jsonrpc: '2.0', method: 'nope', id: 3 } })).toEqual({ type: 'mcp', data: { jsonrpc: '2.0', id: 3, error: { code: -32601, message: 'Method not found: nope', data: null } } });
    expect((await c.send({ type: 'mcp' })).data).toMatchObject({ code: 'VALIDATION_ERROR', errors: [{ type: 'missing', loc: ['data'] }] });
    expect((await c.send({ type: 'step', data: { reply: 'A.' } })).data).toMatchObject({ code: 'EXECUTION_ERROR', message: expect.stringMatching(/step before reset/) });
    expect((await c.send({ type: 'reset', data: { kind: 'nope' } })).data.code).toBe('EXECUTION_ERROR');
    const ok = await c.send({ type: 'reset', data: { episode_id: episodes[2].id } });
    expect(ok.type).toBe('observation');
    c.ws.close();
  });

  it("a binary frame ends the session as on OpenEnv's server (SESSION_ERROR, on /mcp -32000; it was read as UTF-8 text), none after it handled", async () => {
    const c = await Client.open();
    expect((await c.send({ type: 'reset', data: {} })).type).toBe('observation');
    c.ws.send(Buffer.from(JSON.stringify({ type: 'state' })), { binary: true });
    c.ws.send(JSON.stringify({ type: 'state' })); // after the binary frame: not answered
    expect(await c.next()).toEqual({ type: 'error', data: { code: 'SESSION_ERROR', message: expect.stringMatching(/^a binary WebSocket frame: OpenEnv messages are text frames of JSON .*reconnect/) } });
    await c.waitClosed();
    expect(c.closed).toEqual({ code: 1003, reason: 'binary frames are not read' });
    const m = await Client.open(`${srv.url.replace('http', 'ws')}/mcp`);
    m.ws.send(Buffer.from(JSON.stringify({ jsonrpc: '2.0', method: 'tools/list', id: 1 })), { binary: true });
    expect(await m.next()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32000, message: expect.stringMatching(/^a binary WebSocket frame/) } });
    await m.waitClosed();
    expect(m.closed!.code).toBe(1003);
    expect(srv.server.sessions.size).toBe(0);
  });

  it('an unexpected error that is not an Error is logged as it is (it was "[object Object]"), and the session goes on', async () => {
    // A loader throwing a library's bare error object (toHttp logs it), and a log sink that fails once with another
    // (the session's own catch logs that): both named in the log, the client told only EXECUTION_ERROR.
    const logs: string[] = [];
    let sinkFails = true;
    const log = (m: string): void => {
      logs.push(m);
      if (sinkFails) {
        sinkFails = false;
        throw { sink: 'closed', fd: 2 }; // what a library may throw
      }
    };
    const bare: ViewLoader = async () => {
      throw { errno: 5, reason: 'disk gone' }; // what a library may throw
    };
    const own = await startEnvServer({ pool: new EpisodePool(episodes, bare), rewarder: new Rewarder(resolveRewardConfig({})), maxSessions: 1, sessionTimeout: 0, port: 0, log });
    try {
      const c = await Client.open(`${own.url.replace('http', 'ws')}/ws`);
      expect((await c.send({ type: 'reset', data: { episode_id: episodes[0].id } })).data).toEqual({ code: 'EXECUTION_ERROR', message: 'internal server error (see the server log)' });
      expect(logs).toEqual([
        "askfirst server: unexpected error: { errno: 5, reason: 'disk gone' }",
        expect.stringMatching(/^askfirst env serve: session [\w-]+: \{ sink: 'closed', fd: 2 \}$/),
      ]);
      expect((await c.send({ type: 'reset', data: { episode_id: episodes[0].id } })).data.code).toBe('EXECUTION_ERROR');
      expect(logs[2]).toBe("askfirst server: unexpected error: { errno: 5, reason: 'disk gone' }");
      c.ws.close();
    } finally {
      await own.close();
    }
  });

  it('sessions are isolated: interleaved steps on two sockets never mix', async () => {
    const [a, b] = await Promise.all([Client.open(), Client.open()]);
    const ra = await a.send({ type: 'reset', data: { episode_id: episodes[3].id } });
    const rb = await b.send({ type: 'reset', data: { episode_id: episodes[4].id } });
    expect(ra.data.observation.episode_id).toBe(episodes[3].id);
    expect(rb.data.observation.episode_id).toBe(episodes[4].id);
    const [sa, sb] = await Promise.all([a.send({ type: 'step', data: { reply: 'zzz' } }), b.send({ type: 'state' })]);
    expect(sa.data.observation).toMatchObject({ episode_id: episodes[3].id, outcome: 'unparseable' });
    expect(sb.data).toMatchObject({ episode_id: episodes[4].id, step_count: 0, done: false });
    a.ws.close();
    b.ws.close();
  });

  it('a session limit answers CAPACITY_REACHED with the counts and closes', async () => {
    const open = await Promise.all([1, 2, 3, 4].map(() => Client.open()));
    await open[3].send({ type: 'state' }); // all four registered
    const extra = await Client.open();
    const m = await extra.next();
    expect(m).toMatchObject({ type: 'error', data: { code: 'CAPACITY_REACHED', active_sessions: 4, max_sessions: 4 } });
    expect(m.data.message).toMatch(/--max-sessions/);
    await extra.waitClosed();
    expect(extra.closed!.code).toBe(1013);
    open.forEach((c) => c.ws.close());
    await Promise.all(open.map((c) => c.waitClosed()));
  });

  it("any message a session receives is activity (a state, a malformed one), where OpenEnv's reaper counts only reset, step and MCP calls", async () => {
    const others = new Set(srv.server.sessions.keys());
    const c = await Client.open();
    try {
      const [s] = [...srv.server.sessions.values()].filter((x) => !others.has(x.id));
      for (const m of [{ type: 'state' }, '{oops', { type: 'dance' }]) {
        const before = s.lastActivity;
        await new Promise((r) => setTimeout(r, 15));
        await c.send(m);
        expect(s.lastActivity, JSON.stringify(m)).toBeGreaterThan(before);
      }
    } finally {
      c.ws.close();
      await c.waitClosed();
    }
  });

  it('idle sessions are reaped with a clear error', async () => {
    const s2 = await startEnvServer({ pool: new EpisodePool(episodes, memoryLoader), rewarder: new Rewarder(resolveRewardConfig({})), maxSessions: 2, sessionTimeout: 0.2, port: 0 });
    try {
      const c = await Client.open(`${s2.url.replace('http', 'ws')}/ws`);
      await c.send({ type: 'reset', data: {} });
      const m = await c.next();
      expect(m.data.code).toBe('SESSION_ERROR');
      expect(m.data.message).toMatch(/--session-timeout/);
      await c.waitClosed();
      expect(s2.server.sessions.size).toBe(0);
      expect(s2.server.counters.sessionsReaped).toBe(1);
    } finally {
      await s2.close();
    }
  });
});

describe("JSON.parse's error position (parseErrorAt)", () => {
  it("reads Node 20's message and a newer Node's, which adds the line and column (was: no position read there, loc 0)", () => {
    expect(parseErrorAt('Unexpected non-whitespace character after JSON at position 10')).toEqual({ reason: 'Unexpected non-whitespace character after JSON', index: 10 });
    expect(parseErrorAt("Expected ',' or '}' after property value in JSON at position 7 (line 1 column 8)")).toEqual({ reason: "Expected ',' or '}' after property value", index: 7 });
    expect(parseErrorAt('Unexpected token a, "{a:1}" is not valid JSON')).toBeNull();
  });
});
