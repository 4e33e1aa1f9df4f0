/**
 * `askfirst env serve`'s guards (docs/hardening.md, "Every server"): on loopback only its own Host
 * names (HTTP and the WebSocket upgrade, against DNS rebinding), a body limit (413 in FastAPI's
 * shape), the WebSocket message limit (close 1009), backpressure on a session's waiting messages, the plain-HTTP warning elsewhere, and slow
 * clients cut by Node's timeouts.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { EpisodePool } from '../../environment/episodes.js';
import { EnvSession } from '../../environment/session.js';
import { resolveRewardConfig, Rewarder } from '../../environment/rewards.js';
import { generateSuite } from '../../suite/generate.js';
import { memoryLoader } from '../../suite/loader.js';
import { requestWithHost } from '../../testing/host-request.js';
import { ENV_CLOSE_GRACE_MS, startEnvServer, type RunningEnvServer } from './server.js';
import { MAX_JSON_DEPTH } from '../json-depth.js';
import { hostRefusal, originRefusal } from '../host-check.js';
import { CUT_WITHIN_MS, slowClient } from '../../testing/slow-client.js';

const episodes = generateSuite({ episodes: 1, seed: 3, size: 32 });
const servers: RunningEnvServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
async function start(o: Partial<Parameters<typeof startEnvServer>[0]> = {}): Promise<RunningEnvServer> {
  const s = await startEnvServer({ pool: new EpisodePool(episodes, memoryLoader), rewarder: new Rewarder(resolveRewardConfig({})), maxSessions: 4, sessionTimeout: 0, port: 0, ...o });
  servers.push(s);
  return s;
}

/** Open a WebSocket with this Host header (and Origin, as a browser sends): 'open', or the status of a refused upgrade. */
function upgrade(url: string, host?: string, origin?: string): Promise<{ ws?: WebSocket; status?: number; body?: string }> {
  return new Promise((res, rej) => {
    const ws = new WebSocket(url, { ...(host ? { headers: { host } } : {}), ...(origin ? { origin } : {}) });
    ws.once('open', () => res({ ws }));
    ws.once('unexpected-response', (_req, r) => {
      let body = '';
      r.setEncoding('utf8').on('data', (d: string) => (body += d));
      r.on('end', () => res({ status: r.statusCode, body }));
    });
    ws.once('error', rej);
  });
}

describe('env serve on loopback (DNS rebinding)', () => {
  it('refuses another Host with a 403 {detail} on HTTP routes and on the WebSocket upgrade; answers its own names and --allow-host ones', async () => {
    const s = await start({ allowHosts: ['proxy.example.org'] });
    for (const host of ['evil.example', `evil.example:${s.port}`, `127.0.0.2:${s.port}`]) {
      for (const [method, path] of [['GET', '/health'], ['POST', '/reset'], ['POST', '/get_reward']]) {
        const r = await requestWithHost(`${s.url}${path}`, host, { method, headers: { 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{}' } : {}) });
        expect(r.status, `${host} ${path}`).toBe(403);
        expect(JSON.parse(r.body).detail).toBe(hostRefusal('environment server', host));
      }
      const u = await upgrade(`${s.url.replace('http', 'ws')}/ws`, host);
      expect(u.status, `ws ${host}`).toBe(403);
      expect(JSON.parse(u.body!).detail).toMatch(/DNS rebinding/);
    }
    expect(s.server.sessions.size).toBe(0);
    // its own names with another port: a forward to it (ssh -L 9000:localhost:PORT sends Host localhost:9000)
    for (const host of [undefined, `localhost:${s.port}`, `127.0.0.1:${s.port + 1}`, 'localhost:9000', 'proxy.example.org']) {
      expect((await requestWithHost(`${s.url}/health`, host ?? null)).status, String(host)).toBe(200);
      const u = await upgrade(`${s.url.replace('http', 'ws')}/ws`, host);
      expect(u.ws, `ws ${host}`).toBeDefined();
      u.ws!.close();
    }
  });

  it('refuses a web page of another site (its Origin), on HTTP routes and the WebSocket upgrade, so no page a browser shows opens a session; answers its own pages, --allow-host ones and clients with no Origin', async () => {
    const s = await start({ allowHosts: ['proxy.example.org'], maxSessions: 16 });
    const create = JSON.stringify({ jsonrpc: '2.0', method: 'openenv/session/create', id: 1 });
    // what a page could do before: a "simple" POST (text/plain, no preflight) made an MCP session, and a WebSocket
    // (not bound by the same-origin policy) played episodes and read their answers
    for (const origin of ['http://evil.example', `http://evil.example:${s.port}`, `http://127.0.0.1:${s.port + 1}`, 'null', 'not a url']) {
      for (const [method, path, b] of [['POST', '/mcp', create], ['POST', '/reset', '{}'], ['GET', '/health', undefined]] as const) {
        const r = await requestWithHost(`${s.url}${path}`, null, { method, headers: { 'content-type': 'text/plain', origin }, body: b });
        expect(r.status, `${origin} ${path}`).toBe(403);
        expect(JSON.parse(r.body), `${origin} ${path}`).toEqual({ detail: originRefusal('environment server', origin) });
      }
      for (const path of ['/ws', '/mcp']) {
        const u = await upgrade(`${s.url.replace('http', 'ws')}${path}`, undefined, origin);
        expect(u.status, `${origin} ${path}`).toBe(403);
        expect(JSON.parse(u.body!).detail).toMatch(/^this environment server listens on loopback and answers no web page of another site \(Origin ".*"\): .*Clients outside a browser send no Origin.*--allow-host/);
      }
    }
    expect(s.server.activeSessions()).toBe(0);
    for (const origin of [undefined, `http://127.0.0.1:${s.port}`, `http://localhost:${s.port}`, 'https://proxy.example.org']) {
      const r = await requestWithHost(`${s.url}/mcp`, null, { method: 'POST', headers: origin ? { origin } : {}, body: create });
      expect(JSON.parse(r.body).result, String(origin)).toEqual({ session_id: expect.any(String) });
      const u = await upgrade(`${s.url.replace('http', 'ws')}/ws`, undefined, origin);
      expect(u.ws, `ws ${origin}`).toBeDefined();
      u.ws!.close();
    }
  });

  it('on another address answers any Host and any Origin, and warns once that it is plain HTTP', async () => {
    const warned: string[] = [];
    const s = await start({ host: '0.0.0.0', warn: (m) => warned.push(m) });
    expect((await requestWithHost(`http://127.0.0.1:${s.port}/health`, 'anything.example')).status).toBe(200);
    expect((await requestWithHost(`http://127.0.0.1:${s.port}/health`, null, { headers: { origin: 'http://evil.example' } })).status).toBe(200);
    expect(warned).toEqual([expect.stringMatching(/^--host 0\.0\.0\.0 serves plain HTTP: .* cross the network unencrypted\. Put a TLS-terminating reverse proxy/)]);
    const quiet: string[] = [];
    await start({ warn: (m) => quiet.push(m) });
    expect(quiet).toEqual([]);
  });
});

describe('env serve limits', () => {
  it('refuses an HTTP body over --max-body-bytes with 413 {detail}, with and without content-length', async () => {
    const s = await start({ maxBodyBytes: 4096 });
    const big = JSON.stringify({ query: ['x'.repeat(10_000)], prompts: ['p'], labels: ['l'] });
    for (const path of ['/get_reward', '/reset', '/step', '/mcp']) {
      const r = await fetch(`${s.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
      expect(r.status, path).toBe(413);
      expect(await r.json()).toEqual({ detail: `POST ${path}: request body over the limit of 4096 bytes (askfirst env serve --max-body-bytes)` });
    }
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const chunked = await fetch(`${s.url}/get_reward`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await fetch(`${s.url}/reset`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(200);
  });

  it('refuses JSON nested deeper than MAX_JSON_DEPTH in its own shape on every route and socket, the session going on (it was a plain-text 500 or an internal error, and a stack overflow in the log)', async () => {
    const logged: string[] = [];
    const s = await start({ log: (m) => logged.push(m) });
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const why = `JSON nested more than ${MAX_JSON_DEPTH} levels deep (arrays and objects), deeper than any request here needs: send a flatter one`;
    const post = async (path: string, b: string) => {
      const r = await fetch(`${s.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: b });
      return { status: r.status, body: (await r.json()) as unknown };
    };
    const json422 = { status: 422, body: { detail: [{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {}, ctx: { error: why } }] } };
    // each was echoed in an error (a 422's input, a JSON-RPC answer): JSON.stringify overflowed the stack
    expect(await post('/reset', `{"episode_id":${deep}}`)).toEqual(json422);
    expect(await post('/step', `{"action":${deep}}`)).toEqual(json422);
    expect(await post('/get_reward', `{"query":${deep}}`)).toEqual({ status: 400, body: { detail: `request body is ${why.slice(5)}` } });
    const parseError = { jsonrpc: '2.0', id: null, error: { code: -32700, message: `Parse error: ${why}`, data: null } };
    expect(await post('/mcp', `{"jsonrpc":"2.0","method":"tools/call","id":1,"params":{"name":"start_episode","arguments":{"episode_id":${deep}}}}`)).toEqual({ status: 200, body: parseError });
    // the WebSocket sessions: answered, and the session goes on
    for (const [path, message, answer] of [
      ['/ws', `{"type":"reset","data":{"episode_id":${deep}}}`, { type: 'error', data: { message: `Invalid JSON: ${why}`, code: 'INVALID_JSON' } }],
      ['/mcp', `{"jsonrpc":"2.0","method":${deep}}`, parseError],
    ] as const) {
      const ws = (await upgrade(`${s.url.replace('http', 'ws')}${path}`)).ws!;
      const answers: unknown[] = [];
      const two = new Promise<void>((r) => ws.on('message', (d) => answers.push(JSON.parse(d.toString())) === 2 && r()));
      ws.send(message);
      ws.send(path === '/ws' ? '{"type":"reset","data":{}}' : '{"jsonrpc":"2.0","method":"tools/list","id":2}');
      await two;
      expect(answers[0], path).toEqual(answer);
      expect(answers[1], path).toMatchObject(path === '/ws' ? { type: 'observation' } : { id: 2, result: { tools: expect.any(Array) } });
      ws.close();
    }
    expect(logged.filter((m) => !m.startsWith('askfirst env serve: refused POST /get_reward'))).toEqual([]);
  });

  it('answers a bug outside a route\'s own error handling with a 500 {detail} and logs it with its stack (hono answered a plain-text "Internal Server Error")', async () => {
    const logged: string[] = [];
    const s = await start({ log: (m) => logged.push(m) });
    const bug = vi.spyOn(EnvSession.prototype, 'state').mockImplementation(() => {
      throw new Error('a bug');
    });
    const r = await fetch(`${s.url}/state`);
    bug.mockRestore();
    expect(r.status).toBe(500);
    expect(await r.json()).toEqual({ detail: 'internal server error (see the server log)' });
    expect(logged).toEqual([expect.stringMatching(/^askfirst server: unexpected error: Error: a bug\n {4}at /)]);
  });

  it('closes a session whose WebSocket message is over --max-message-bytes with 1009 (message too big) and a reason naming the flag, on /ws and /mcp; others go on', async () => {
    const s = await start({ maxMessageBytes: 2048 });
    const reason = 'message over 2048 bytes (askfirst env serve --max-message-bytes)';
    for (const path of ['/ws', '/mcp']) {
      const url = `${s.url.replace('http', 'ws')}${path}`;
      const a = (await upgrade(url)).ws!;
      const b = (await upgrade(url)).ws!;
      // ws's maxPayload closes with 1009 and no reason: a client (Python's websockets) saw only the code
      const closed = new Promise<[number, string]>((r) => a.once('close', (code, why) => r([code, why.toString()])));
      a.send(JSON.stringify({ type: 'reset', data: { pad: 'x'.repeat(4096) } }));
      expect(await closed).toEqual([1009, reason]);
      const answer = new Promise<string>((r) => b.once('message', (d) => r(d.toString())));
      b.send(JSON.stringify(path === '/ws' ? { type: 'reset', data: {} } : { jsonrpc: '2.0', id: 1, method: 'tools/list' }));
      expect(JSON.parse(await answer)).toMatchObject(path === '/ws' ? { type: 'observation' } : { id: 1, result: { tools: expect.any(Array) } });
      b.close();
    }
  });

  it('refuses a step reply over --max-reply-bytes (a session keeps its replies) with VALIDATION_ERROR naming the flag, 422 on POST /step; the session goes on', async () => {
    const s = await start({ maxReplyBytes: 2048 });
    const ws = (await upgrade(`${s.url.replace('http', 'ws')}/ws`)).ws!;
    const next = () => new Promise<{ type: string; data: Record<string, unknown> }>((r) => ws.once('message', (d) => r(JSON.parse(d.toString()))));
    let answer = next();
    ws.send(JSON.stringify({ type: 'reset', data: {} }));
    expect((await answer).type).toBe('observation');
    answer = next();
    ws.send(JSON.stringify({ type: 'step', data: { reply: `A. ${'é'.repeat(1024)}` } })); // 2051 bytes, 1027 characters
    const refused = await answer;
    expect(refused).toMatchObject({ type: 'error', data: { code: 'VALIDATION_ERROR' } });
    const [err] = (refused.data as { errors: { type: string; loc: unknown[]; msg: string; input: string }[] }).errors;
    expect(err).toMatchObject({ type: 'string_too_long', loc: ['reply'] });
    expect(err.msg).toBe("reply of 2051 bytes, over the limit of 2048 (askfirst env serve --max-reply-bytes): a session keeps its episode's replies until the next reset; send the model's answer, not more");
    expect(err.input.length).toBeLessThan(100); // not echoed whole
    answer = next();
    ws.send(JSON.stringify({ type: 'state' }));
    expect((await answer).data).toMatchObject({ step_count: 0 }); // nothing kept, the episode not moved
    answer = next();
    ws.send(JSON.stringify({ type: 'step', data: { reply: 'A.' } }));
    expect((await answer).type).toBe('observation');
    ws.close();
    const [episode] = episodes;
    const r = await fetch(`${s.url}/step`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ episode_id: episode.id, action: { reply: 'x'.repeat(2049) } }) });
    expect(r.status).toBe(422);
    expect(((await r.json()) as { detail: { loc: unknown[]; msg: string }[] }).detail[0]).toMatchObject({ loc: ['body', 'action', 'reply'], msg: expect.stringMatching(/--max-reply-bytes/) });
  });

  it('reads no more of a session\'s socket while --max-queued-messages wait to be answered (backpressure); all are answered once stepping goes on', async () => {
    // Every view load waits until released: the server cannot answer, so messages pile up.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slowLoader: typeof memoryLoader = async (ref, id) => {
      await gate;
      return memoryLoader(ref, id);
    };
    const s = await startEnvServer({ pool: new EpisodePool(episodes, slowLoader), rewarder: new Rewarder(resolveRewardConfig({})), maxSessions: 4, sessionTimeout: 0, port: 0, maxQueuedMessages: 4 });
    servers.push(s);
    const ws = (await upgrade(`${s.url.replace('http', 'ws')}/ws`)).ws!;
    const answers: string[] = [];
    ws.on('message', (d) => answers.push(JSON.parse(d.toString()).type as string));
    const pad = 'x'.repeat(16 * 1024); // 16 KiB a message: a few per socket read
    for (let i = 0; i < 200; i++) ws.send(JSON.stringify({ type: 'reset', data: { seed: i, pad } }));
    await expect.poll(() => [...s.server.sessions.values()][0]?.ws.isPaused).toBe(true); // not a fixed wait: a loaded machine is slower
    await new Promise((r) => setTimeout(r, 500)); // time for more to be read, were the socket not paused
    const session = [...s.server.sessions.values()][0]!;
    // Without backpressure all 200 (3.2 MiB) would be waiting in the server by now.
    expect(session.waiting).toBeLessThanOrEqual(4 + 8);
    expect(session.ws.isPaused).toBe(true);
    release();
    await vi.waitFor(() => expect(answers.length).toBe(200), { timeout: 10_000 });
    expect(new Set(answers)).toEqual(new Set(['observation']));
    expect(session.waiting).toBe(0);
    ws.close();
  });

  it('reads no more of a session\'s socket while --max-queued-bytes of messages wait to be answered, however few they are; all are answered once stepping goes on', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slowLoader: typeof memoryLoader = async (ref, id) => {
      await gate;
      return memoryLoader(ref, id);
    };
    // the count would let 1,000 wait: the bytes (64 KiB, four messages) are the bound here
    const s = await startEnvServer({ pool: new EpisodePool(episodes, slowLoader), rewarder: new Rewarder(resolveRewardConfig({})), maxSessions: 4, sessionTimeout: 0, port: 0, maxQueuedMessages: 1000, maxQueuedBytes: 64 * 1024 });
    servers.push(s);
    const ws = (await upgrade(`${s.url.replace('http', 'ws')}/ws`)).ws!;
    const answers: string[] = [];
    ws.on('message', (d) => answers.push(JSON.parse(d.toString()).type as string));
    const pad = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 200; i++) ws.send(JSON.stringify({ type: 'reset', data: { seed: i, pad } }));
    await expect.poll(() => [...s.server.sessions.values()][0]?.ws.isPaused).toBe(true);
    await new Promise((r) => setTimeout(r, 500)); // time for more to be read, were the socket not paused
    const session = [...s.server.sessions.values()][0]!;
    // Without the byte bound all 200 (3.2 MiB) would be waiting by now: the count (1,000) does not pause the socket.
    expect(session.waiting).toBeLessThanOrEqual(4 + 8);
    expect(session.waitingBytes).toBeLessThanOrEqual(12 * (16 * 1024 + 100));
    release();
    await vi.waitFor(() => expect(answers.length).toBe(200), { timeout: 10_000 });
    expect(new Set(answers)).toEqual(new Set(['observation']));
    expect([session.waiting, session.waitingBytes]).toEqual([0, 0]);
    ws.close();
  });

  it('counts a message as waiting until its answer has left the send buffer: a client that sends and never reads is paused too', async () => {
    const s = await start({ maxQueuedMessages: 4 });
    const ws = (await upgrade(`${s.url.replace('http', 'ws')}/ws`)).ws!;
    const answers: string[] = [];
    ws.on('message', (d) => answers.push(JSON.parse(d.toString()).type as string));
    // a 1 MiB reply (unparseable: the episode ends) that every state answer echoes
    ws.send(JSON.stringify({ type: 'reset', data: {} }));
    ws.send(JSON.stringify({ type: 'step', data: { reply: 'x'.repeat(1 << 20) } }));
    await vi.waitFor(() => expect(answers).toEqual(['observation', 'observation']), { timeout: 10_000 }); // a 1 MiB reply: vi.waitFor's default 1 s was missed under load
    const raw = (ws as unknown as { _socket: import('node:net').Socket })._socket;
    raw.pause(); // read nothing more
    for (let i = 0; i < 60; i++) ws.send(JSON.stringify({ type: 'state' }));
    await new Promise((r) => setTimeout(r, 1000));
    const session = [...s.server.sessions.values()][0]!;
    // Without it every answer (60 MiB) was written into the server's send buffer at once.
    expect(session.ws.isPaused).toBe(true);
    expect(session.ws.bufferedAmount).toBeLessThan(8 << 20);
    raw.resume();
    await vi.waitFor(() => expect(answers.length).toBe(62), { timeout: 20_000 });
    expect(new Set(answers.slice(2))).toEqual(new Set(['state']));
    ws.close();
  });

  it('an orderly stop ends a session whose client never answers the close frame after a short grace (it waited for ws\'s 30 s close timeout)', async () => {
    const s = await start();
    const ws = (await upgrade(`${s.url.replace('http', 'ws')}/ws`)).ws!;
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    // a client that ignores close frames: it reads nothing more, so it never sees the server's close frame nor answers it
    const raw = (ws as unknown as { _socket: import('node:net').Socket })._socket;
    raw.pause();
    await vi.waitFor(() => expect(s.server.sessions.size).toBe(1), { timeout: 10_000 });
    const t0 = performance.now();
    await s.stop();
    const took = performance.now() - t0;
    servers.splice(servers.indexOf(s), 1);
    expect(took).toBeGreaterThanOrEqual(ENV_CLOSE_GRACE_MS - 100); // the client was given its grace…
    expect(took).toBeLessThan(ENV_CLOSE_GRACE_MS + 8_000); // …and no more: ws's own close timeout is 30 s
    raw.resume(); // reading again, it finds the close frame the server sent before it cut the connection
    expect(await closed).toBe(1001);
  });

  it('handles at most --max-concurrent HTTP POSTs at once; the others wait for a slot and are all answered', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inside = 0;
    let most = 0;
    const slowLoader: typeof memoryLoader = async (ref, id) => {
      most = Math.max(most, ++inside);
      await gate;
      inside--;
      return memoryLoader(ref, id);
    };
    const s = await startEnvServer({ pool: new EpisodePool(episodes, slowLoader), rewarder: new Rewarder(resolveRewardConfig({})), maxSessions: 4, sessionTimeout: 0, port: 0, maxConcurrent: 2 });
    servers.push(s);
    const answers = Array.from({ length: 6 }, (_, i) => fetch(`${s.url}/reset`, { method: 'POST', body: JSON.stringify({ seed: i }) }));
    await expect.poll(() => inside).toBe(2); // a loaded machine may take longer than a fixed wait to get two in
    await new Promise((r) => setTimeout(r, 300)); // time for a third to get in, were the limit not kept
    expect(inside).toBe(2);
    // GET routes are not held up by the POSTs waiting.
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    release();
    expect((await Promise.all(answers)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(most).toBe(2);
  });

  it('cuts a client that sends its headers slowly (408, connection closed)', async () => {
    const s = await start({ slowClients: { headersTimeout: 300, requestTimeout: 600, connectionsCheckingInterval: 50 } });
    const { got, ms } = await slowClient(s.port, 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'X-a: b\r\n');
    expect(ms).toBeLessThan(CUT_WITHIN_MS);
    expect(got).toMatch(/^HTTP\/1\.1 408/);
    // FastAPI's shape, as every other answer of the server (Node's own 408 has no body).
    expect(got).toMatch(/\r\ncontent-type: application\/json\r\n/i);
    expect(JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4))).toEqual({ detail: expect.stringMatching(/^the request did not arrive in time \(headers within 0\.3 s, the whole request within 0\.6 s\)/) });
  });

  it('answers malformed HTTP 400 {detail} as Node would, with a body', async () => {
    const s = await start();
    const sock = connect(s.port, '127.0.0.1');
    let got = '';
    sock.setEncoding('utf8').on('data', (d: string) => (got += d));
    await new Promise((r) => sock.once('connect', r));
    sock.write('NOT HTTP AT ALL\r\n\r\n');
    await new Promise((r) => sock.once('close', r));
    expect(got).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4))).toEqual({ detail: 'the request is not valid HTTP' });
  });

  it('leaves a WebSocket session open past the request and write-stall limits (its own idle rule is the one there)', async () => {
    const s = await start({ slowClients: { headersTimeout: 300, requestTimeout: 600, connectionsCheckingInterval: 50, writeStallTimeout: 300 } });
    const ws = (await upgrade(`${s.url.replace('http', 'ws')}/ws`)).ws!;
    let closed = false;
    ws.once('close', () => (closed = true));
    // the client reads nothing for over three times the write-stall limit, with an answer sent to it meanwhile
    const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
    socket.pause();
    const answer = new Promise<string>((r) => ws.once('message', (d) => r(d.toString())));
    ws.send(JSON.stringify({ type: 'reset', data: {} }));
    await new Promise((r) => setTimeout(r, 1000));
    socket.resume();
    expect(JSON.parse(await answer).type).toBe('observation');
    expect(closed).toBe(false);
    ws.close();
  });
});
