/** `serve` safe to expose (issue 20): API key, body-size limit, concurrency limit, image-size limit, non-loopback warning. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Observation, Policy, PolicyReply } from '../../agents/policy.js';
import { RandomPolicy } from '../../agents/baselines/random.js';
import { formatPrompt } from '../../episode/prompt.js';
import { createImage } from '../../scenes/image.js';
import { DEFAULT_MAX_IMAGE_PIXELS, setImageLimits } from '../../scenes/image-limits.js';
import { pngDataUrl } from '../../scenes/png.js';
import { hostilePNG } from '../../testing/hostile.js';
import { requestWithHost } from '../../testing/host-request.js';
import { startOpenAIServer, type RunningServer } from './server.js';
import { MAX_JSON_DEPTH } from '../json-depth.js';
import { hostRefusal, originRefusal } from '../host-check.js';
import { CUT_WITHIN_MS, slowClient } from '../../testing/slow-client.js';
import { stalledReader, within } from '../../testing/stalled-reader.js';

type ErrorBody = { error: { message: string; code: string } };
const quiet = () => undefined;
const servers: RunningServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  setImageLimits({ maxPixels: DEFAULT_MAX_IMAGE_PIXELS });
});
async function start(o: Partial<Parameters<typeof startOpenAIServer>[0]> = {}): Promise<RunningServer> {
  const s = await startOpenAIServer({ policy: new RandomPolicy(1), modelName: 'm', log: quiet, ...o });
  servers.push(s);
  return s;
}
const body = (url = pngDataUrl(createImage(4, 4, [1, 2, 3])), pad = '') =>
  JSON.stringify({ model: 'm', pad, messages: [{ role: 'user', content: [{ type: 'text', text: formatPrompt('Q?', ['a', 'b']) }, { type: 'image_url', image_url: { url } }] }] });
const chat = (s: RunningServer, b: string | ReadableStream, headers: Record<string, string> = {}) =>
  fetch(`${s.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: b, ...(typeof b === 'string' ? {} : { duplex: 'half' }) } as RequestInit);

describe('serve --api-key', () => {
  it('protects every route but /healthz and /health (vLLM\'s name for it, open as vLLM\'s is)', async () => {
    const s = await start({ apiKey: 'sekret' });
    for (const path of ['/healthz', '/health']) {
      const health = await fetch(s.url.replace('/v1', path));
      expect(health.status, path).toBe(200);
      expect(await health.json(), path).toMatchObject({ ok: true, model: 'm' });
    }
    for (const [method, path] of [['GET', '/models'], ['POST', '/chat/completions'], ['GET', '/nope']]) {
      const r = await fetch(`${s.url}${path}`, { method, ...(method === 'POST' ? { body: body() } : {}) });
      expect(r.status, path).toBe(401);
      expect(((await r.json()) as ErrorBody).error.message).toMatch(/missing or wrong API key/);
      const wrong = await fetch(`${s.url}${path}`, { method, headers: { authorization: 'Bearer nope' } });
      expect(wrong.status, path).toBe(401);
    }
    expect((await fetch(`${s.url}/models`, { headers: { authorization: 'Bearer sekret' } })).status).toBe(200);
    expect((await chat(s, body(), { authorization: 'Bearer sekret' })).status).toBe(200);
  });

  it('without a key, everything is open (loopback default)', async () => {
    const s = await start();
    expect((await fetch(`${s.url}/models`)).status).toBe(200);
  });
});

describe('serve on loopback (DNS rebinding)', () => {
  it('refuses another Host on every route with a 403 in OpenAI\'s error shape, and answers its own names and --allow-host ones', async () => {
    const s = await start({ allowHosts: ['proxy.example.org'] });
    const root = s.url.replace('/v1', '');
    for (const host of ['evil.example', `evil.example:${s.port}`, `127.0.0.2:${s.port}`]) {
      for (const [method, path] of [['GET', '/healthz'], ['GET', '/v1/models'], ['POST', '/v1/chat/completions']]) {
        const r = await requestWithHost(`${root}${path}`, host, { method, headers: { 'content-type': 'application/json' }, ...(method === 'POST' ? { body: body() } : {}) });
        expect(r.status, `${host} ${path}`).toBe(403);
        expect(JSON.parse(r.body)).toEqual({ error: { message: hostRefusal('server', host), type: 'invalid_request_error', param: null, code: 'FORBIDDEN' } });
      }
    }
    // its own names with another port too: a forward to it (ssh -L 9000:localhost:PORT sends Host localhost:9000)
    for (const host of [null, `localhost:${s.port}`, `[::1]:${s.port}`, `127.0.0.1:${s.port + 1}`, 'localhost:9000', 'proxy.example.org']) expect((await requestWithHost(`${root}/v1/models`, host)).status, String(host)).toBe(200);
  });

  it('refuses a web page of another site (its Origin) with a 403, so a page a browser shows cannot make it answer (and spend a proxied upstream); answers its own pages, --allow-host ones and clients with no Origin', async () => {
    const asked: string[] = [];
    const counting: Policy = { name: 'counting', act: async (batch) => batch.map((o) => (asked.push(o.question), { reply: o.options[0] })) };
    const s = await start({ policy: counting, allowHosts: ['proxy.example.org'] });
    const root = s.url.replace('/v1', '');
    // a "simple" POST (text/plain, no CORS preflight) was answered: the page cannot read the reply, but the policy ran
    for (const origin of ['http://evil.example', `http://localhost:${s.port + 1}`, 'null']) {
      const r = await requestWithHost(`${root}/v1/chat/completions`, null, { method: 'POST', headers: { 'content-type': 'text/plain', origin }, body: body() });
      expect(r.status, origin).toBe(403);
      expect(JSON.parse(r.body), origin).toEqual({ error: { message: originRefusal('server', origin), type: 'invalid_request_error', param: null, code: 'FORBIDDEN' } });
    }
    expect(asked).toEqual([]);
    for (const origin of [undefined, `http://127.0.0.1:${s.port}`, `http://[::1]:${s.port}`, 'https://proxy.example.org']) {
      const r = await requestWithHost(`${root}/v1/chat/completions`, null, { method: 'POST', headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) }, body: body() });
      expect(r.status, String(origin)).toBe(200);
    }
    expect(asked).toHaveLength(4);
  });

  it('on another address answers any Host and any Origin', async () => {
    const s = await start({ host: '0.0.0.0', warn: quiet });
    expect((await requestWithHost(`http://127.0.0.1:${s.port}/v1/models`, 'anything.example')).status).toBe(200);
    expect((await requestWithHost(`http://127.0.0.1:${s.port}/v1/models`, null, { headers: { origin: 'http://evil.example' } })).status).toBe(200);
  });
});

describe('serve limits', () => {
  it('refuses a body over the limit with 413 naming the request (with and without content-length)', async () => {
    const s = await start({ maxBodyBytes: 64 * 1024 });
    const big = body(undefined, 'x'.repeat(200 * 1024));
    const r = await chat(s, big);
    expect(r.status).toBe(413);
    expect(((await r.json()) as ErrorBody).error.message).toMatch(/POST \/v1\/chat\/completions: request body over the limit of 65536 bytes/);
    // chunked, no content-length: counted as it streams
    const bytes = new TextEncoder().encode(big);
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < bytes.length; i += 8192) c.enqueue(bytes.subarray(i, i + 8192));
        c.close();
      },
    });
    const r2 = await chat(s, stream);
    expect(r2.status).toBe(413);
    expect((await chat(s, body())).status).toBe(200);
  });

  it('refuses requests beyond the concurrency limit at once with 429 and Retry-After', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: Policy = {
      name: 'slow',
      async act(batch: readonly Observation[]): Promise<PolicyReply[]> {
        await gate;
        return batch.map((o) => ({ reply: o.options[0] }));
      },
    };
    // The third request goes once both first ones hold their slots, not after a fixed wait (on a loaded
    // machine they had not always arrived by then). The policy cannot tell (its calls run one at a time,
    // so the second waits behind the first); the Host check, the step just before the limit, can.
    let arrived = 0;
    let bothArrived!: () => void;
    const both = new Promise<void>((r) => (bothArrived = r));
    const s = await start({ policy: slow, maxConcurrent: 2, hostAllowed: () => (++arrived === 2 && bothArrived(), true) });
    const first = [chat(s, body()), chat(s, body())];
    await both;
    await new Promise((r) => setImmediate(r)); // past the limit's count, taken in the same turn as the check
    const third = await chat(s, body());
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(((await third.json()) as ErrorBody).error.message).toMatch(/handling 2 requests already/);
    release();
    expect((await Promise.all(first)).map((r) => r.status)).toEqual([200, 200]);
    expect((await chat(s, body())).status).toBe(200); // the slots are freed
  });

  it('a request image claiming 30000×30000 is refused in milliseconds with 400 naming the request image', async () => {
    const s = await start();
    const url = `data:image/png;base64,${hostilePNG(30000, 30000).toString('base64')}`;
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 10; i++) {
      const r = await chat(s, body(url));
      expect(r.status).toBe(400);
      expect(((await r.json()) as ErrorBody).error.message).toMatch(/request image: image declares 30000×30000 = 900000000 pixels, over the limit/);
    }
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 2 ** 20);
  });
});

describe('serve and deeply nested JSON', () => {
  it('refuses a body nested deeper than MAX_JSON_DEPTH with a 400 saying so, in any field (it was a 500 and a stack overflow in the log)', async () => {
    const logged: string[] = [];
    const s = await start({ log: (m) => logged.push(m) });
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const ok = JSON.parse(body()) as Record<string, unknown>;
    // each of these fields was echoed in an error message (JSON.stringify): a RangeError
    for (const field of ['stop', 'response_format', 'seed', 'n', 'temperature', 'max_tokens', 'user', 'metadata']) {
      const r = await chat(s, `${JSON.stringify(ok).slice(0, -1)},"${field}":${deep}}`);
      expect(r.status, field).toBe(400);
      expect(((await r.json()) as ErrorBody).error, field).toEqual({ message: `request body is nested more than ${MAX_JSON_DEPTH} levels deep (arrays and objects), deeper than any request here needs: send a flatter one`, type: 'invalid_request_error', param: null, code: 'BAD_INPUT' });
    }
    expect(logged).toEqual([]);
    expect((await chat(s, body())).status).toBe(200);
  });
});

describe('serve --max-messages', () => {
  it('refuses more messages than the limit with a 400 naming "messages", before reading them', async () => {
    const s = await start({ maxMessages: 8 });
    const one = JSON.parse(body()) as { model: string; messages: unknown[] };
    const many = { ...one, messages: [...Array.from({ length: 8 }, () => ({ role: 'user', content: 'hi' })), ...one.messages] };
    const r = await chat(s, JSON.stringify(many));
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ error: { message: expect.stringMatching(/^"messages" holds 9 messages, over the limit of 8 \(the server's --max-messages\)/), type: 'invalid_request_error', param: 'messages', code: 'BAD_INPUT' } });
    expect((await chat(s, JSON.stringify({ ...one, messages: many.messages.slice(1) }))).status).toBe(200);
  });
});

describe('serve and slow clients', () => {
  const slow = { headersTimeout: 300, requestTimeout: 600, connectionsCheckingInterval: 50 };

  it('cuts a client that sends its body slowly (408, connection closed)', async () => {
    const s = await start({ slowClients: slow });
    const { got, ms } = await slowClient(s.port, `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`, ' ');
    expect(ms).toBeLessThan(CUT_WITHIN_MS);
    expect(got).toMatch(/^HTTP\/1\.1 408/);
    // OpenAI's error shape, as every other answer of serve (Node's own 408 has no body)
    expect(JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4))).toEqual({
      error: { message: expect.stringMatching(/^the request did not arrive in time \(headers within 0\.3 s, the whole request within 0\.6 s\)/), type: 'invalid_request_error', param: null, code: null },
    });
  });

  it('does not cut an answer that takes longer to compute than the request limit', async () => {
    const slowPolicy: Policy = {
      name: 'slow',
      async act(batch: readonly Observation[]): Promise<PolicyReply[]> {
        await new Promise((r) => setTimeout(r, 1200)); // twice the request limit
        return batch.map((o) => ({ reply: o.options[0] }));
      },
    };
    const s = await start({ policy: slowPolicy, slowClients: slow });
    expect((await chat(s, body())).status).toBe(200);
  });

  it('disconnects a client that stops reading a streamed answer (n choices of long replies) and lets go of it', async () => {
    // replies as long as a proxy's upstream may send: 32 choices of 200 KB, one 6 MiB event stream
    const long: Policy = { name: 'long', act: async (batch: readonly Observation[]): Promise<PolicyReply[]> => batch.map(() => ({ reply: 'x'.repeat(200_000) })) };
    const said: string[] = [];
    const s = await start({ policy: long, warn: (m) => said.push(m), slowClients: { ...slow, writeStallTimeout: 300 } });
    const b = JSON.stringify({ ...JSON.parse(body()), n: 32, temperature: 1, stream: true });
    const client = await stalledReader(s.port, `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(b)}\r\n\r\n${b}`);
    try {
      expect(await within(CUT_WITHIN_MS, () => said.length > 0)).toBe(true); // before: held (18 MiB) for as long as the client liked
      expect(said).toEqual([expect.stringMatching(/^a client took no byte of its answer for 0\.3 s \(POST \/v1\/chat\/completions, \d+ bytes waiting\): its connection was closed$/)]);
      expect(await within(CUT_WITHIN_MS, () => s.inFlight() === 0)).toBe(true);
    } finally {
      client.end();
    }
  });
});
