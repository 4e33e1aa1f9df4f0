/**
 * The batcher keeps each request's outcome its own (batcher.ts): one request whose policy call fails does not fail the
 * requests batched with it, and a proxy (`serve --policy openai:…`) neither fails nor halts the other clients' upstream
 * calls when one of them fails for good. A client that leaves stops its request's work; a proxy's 502 keeps the
 * upstream's address to the server's log.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { Observation, Policy, PolicyReply } from '../../agents/policy.js';
import { HttpPolicy } from '../../agents/http/policy.js';
import { formatPrompt } from '../../episode/prompt.js';
import { createImage } from '../../scenes/image.js';
import { pngDataUrl } from '../../scenes/png.js';
import { startFaultServer } from '../../testing/fault-server.js';
import { InputError } from '../../util/errors.js';
import { ClientGone, MicroBatcher } from './batcher.js';
import { startOpenAIServer } from './server.js';

const OPTIONS = ['a', 'b', 'c'];
const obs = (question: string): Observation => ({
  episodeId: question,
  kind: 'unknown',
  turn: 0,
  view: 0,
  question,
  options: OPTIONS,
  numInterventions: 0,
  prompt: formatPrompt(question, OPTIONS),
  history: [],
  image: createImage(4, 4, [1, 2, 3]),
});

/** Refuses the upstream request whose prompt holds BAD, as a server refuses one too long for its context. */
const refuseBad = (body: Record<string, unknown>) =>
  JSON.stringify(body).includes('BAD') ? { status: 400, error: { message: 'too long for the context', type: 'invalid_request_error', param: 'messages', code: null } } : undefined;

/** `serve --policy openai:` in front of a fault server; `ask` posts one question to the proxy, `close` stops all three. */
async function proxyBefore(upstream: Parameters<typeof startFaultServer>[0], client: { retries: number; backoffMs?: number }) {
  const up = await startFaultServer(upstream);
  const http = new HttpPolicy({ baseUrl: up.url, model: 'm', ...client }, {});
  const logged: string[] = [];
  const proxy = await startOpenAIServer({ policy: http, modelName: 'p', log: (m) => logged.push(m) });
  const url = pngDataUrl(createImage(4, 4, [1, 2, 3]));
  const ask = (q: string) =>
    fetch(`${proxy.url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'p', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }, { type: 'text', text: formatPrompt(q, OPTIONS) }] }] }),
    });
  const close = async () => {
    await proxy.close();
    await http.close();
    await up.close();
  };
  return { up, logged, ask, close };
}

describe('MicroBatcher: a request fails alone', () => {
  it('a batched policy: the requests sharing a failed batch get their own replies, the failing one its error', async () => {
    const calls: number[] = [];
    const policy: Policy = {
      name: 'picky',
      async act(batch): Promise<PolicyReply[]> {
        calls.push(batch.length);
        if (batch.some((o) => o.question === 'BAD')) throw new InputError('picky: no episode BAD');
        return batch.map((o) => ({ reply: `${o.question}.` }));
      },
    };
    const b = new MicroBatcher(policy, 64);
    // submitted in one tick: one queue, one batch
    const out = await Promise.allSettled([b.submitAll([obs('Q1')]), b.submitAll([obs('BAD')]), b.submitAll([obs('Q2'), obs('Q3')])]);
    expect(calls[0]).toBe(4); // they did share a batch
    // before: all three were rejected with BAD's error
    expect(out[0]).toEqual({ status: 'fulfilled', value: [{ reply: 'Q1.' }] });
    expect(out[1]).toMatchObject({ status: 'rejected', reason: { message: 'picky: no episode BAD' } });
    expect(out[2]).toEqual({ status: 'fulfilled', value: [{ reply: 'Q2.' }, { reply: 'Q3.' }] });
  });

  it('a pipelined policy (openai:): one upstream failure neither fails nor halts the other requests', async () => {
    const up = await startFaultServer({ refuse: refuseBad });
    const http = new HttpPolicy({ baseUrl: up.url, model: 'm', retries: 0, concurrency: 8 }, {});
    try {
      const b = new MicroBatcher(http, 64);
      const out = await Promise.allSettled([b.submitAll([obs('Q1')]), b.submitAll([obs('BAD')]), b.submitAll([obs('Q2'), obs('Q3')])]);
      // before: batched together, so HttpPolicy.act failed the whole batch with BAD's 400 and halted the calls not yet made
      expect(out.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(String((out[1] as PromiseRejectedResult).reason)).toContain('too long for the context');
      expect(up.stats.answered).toBe(3); // Q1, Q2 and Q3 were each asked upstream once and answered
    } finally {
      await http.close();
      await up.close();
    }
  });
});

describe('serve --policy openai:… (a proxy) when an upstream request fails for good', () => {
  it("the failing client gets the upstream's refusal of its request as a 400 (not a 502 a client retries), not its address; concurrent clients get their replies", async () => {
    const up = await startFaultServer({ refuse: refuseBad, delayMs: 20 });
    const http = new HttpPolicy({ baseUrl: up.url, model: 'm', retries: 0 }, {});
    const logged: string[] = [];
    const proxy = await startOpenAIServer({ policy: http, modelName: 'p', log: (m) => logged.push(m) });
    try {
      const client = new OpenAI({ baseURL: proxy.url, apiKey: 'unused', maxRetries: 0 });
      const url = pngDataUrl(createImage(4, 4, [1, 2, 3]));
      const ask = (q: string) =>
        client.chat.completions.create({ model: 'p', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }, { type: 'text', text: formatPrompt(q, OPTIONS) }] }] });
      const out = await Promise.allSettled(['Q1', 'Q2', 'BAD', 'Q3', 'Q4', 'Q5'].map(ask));
      expect(out.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
      const e = (out[2] as PromiseRejectedResult).reason as InstanceType<typeof OpenAI.APIError>;
      // before: a 502, which askfirst's client (as OpenAI's) retries, to be refused again
      expect(e.status).toBe(400);
      // the upstream's status and words only (before: "http://127.0.0.1:PORT/v1/chat/completions: HTTP 400: {…its whole body…}")
      expect(e.message).toBe('400 the upstream model server refused this request (HTTP 400): too long for the context');
      expect(e.message).not.toContain(new URL(up.url).host);
      // the whole error, address included, is in the server's log
      expect(logged).toEqual([expect.stringContaining(`${up.url}/chat/completions: HTTP 400`)]);
      expect(up.stats.answered).toBe(5);
    } finally {
      await proxy.close();
      await http.close();
      await up.close();
    }
  });
});

describe("a proxy whose upstream refuses it, not the request", () => {
  it("an upstream 401 (this server's key) stays a 502: the client is not told its request is bad", async () => {
    const p = await proxyBefore({ refuse: () => ({ status: 401, error: { message: 'bad key', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }) }, { retries: 0 });
    try {
      const r = await p.ask('Q');
      expect(r.status).toBe(502);
      expect(((await r.json()) as { error: { message: string } }).error.message).toBe('the upstream model server answered HTTP 401: bad key');
    } finally {
      await p.close();
    }
  });
});

describe('a proxy whose upstream fails after its retries', () => {
  it("the client is told the last status and the upstream's words, the server's log the rest", async () => {
    const p = await proxyBefore({ faultRate: 1, faults: ['500'] }, { retries: 1, backoffMs: 1 });
    try {
      const r = await p.ask('Q');
      expect(r.status).toBe(502);
      // before: "http://127.0.0.1:PORT/v1/chat/completions: gave up after 2 attempts (…); check the server, or raise --retries/--timeout"
      expect(((await r.json()) as { error: { message: string } }).error.message).toBe('the upstream model server answered HTTP 500: boom');
      expect(p.logged).toEqual([expect.stringMatching(new RegExp(`^askfirst server: UPSTREAM: ${p.up.url}/chat/completions: gave up after 2 attempts \\(last: HTTP 500: boom\\)`))]);
    } finally {
      await p.close();
    }
  });
});

describe('a client that leaves before its reply', () => {
  it('a proxy cancels its upstream request (it ran on to its end for no one)', async () => {
    // an upstream that never answers: it sees its request received, then closed unanswered
    let received!: () => void;
    let closed!: () => void;
    const got = new Promise<void>((r) => (received = r));
    const cancelled = new Promise<void>((r) => (closed = r));
    const up = createServer((req, res) => {
      req.resume();
      res.on('close', () => closed());
      received();
    });
    await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
    const http = new HttpPolicy({ baseUrl: `http://127.0.0.1:${(up.address() as AddressInfo).port}/v1`, model: 'm', retries: 0, timeoutMs: 600_000 }, {});
    const proxy = await startOpenAIServer({ policy: http, modelName: 'p', log: () => undefined });
    try {
      const url = pngDataUrl(createImage(4, 4, [1, 2, 3]));
      const body = JSON.stringify({ model: 'p', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }, { type: 'text', text: formatPrompt('Q', OPTIONS) }] }] });
      const client = new AbortController();
      const asked = fetch(`${proxy.url}/chat/completions`, { method: 'POST', body, signal: client.signal }).catch((e: unknown) => e);
      await got;
      client.abort();
      expect(await asked).toMatchObject({ name: 'AbortError' });
      await cancelled; // before: only at the upstream's reply or the proxy's --timeout (here 10 minutes: the test times out)
    } finally {
      await proxy.close();
      await http.close();
      up.closeAllConnections();
      await new Promise((r) => up.close(r));
    }
  });

  it('a batched policy: its observations still waiting for a batch leave the queue, never asked', async () => {
    const asked: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const policy: Policy = {
      name: 'slow',
      async act(batch): Promise<PolicyReply[]> {
        asked.push(batch.map((o) => o.question));
        await gate;
        return batch.map((o) => ({ reply: `${o.question}.` }));
      },
    };
    const b = new MicroBatcher(policy, 64);
    const first = b.submitAll([obs('Q1')]);
    await new Promise((r) => setImmediate(r)); // its batch is asked (the batcher pumps on setImmediate), held at the gate
    expect(asked).toEqual([['Q1']]);
    const client = new AbortController();
    const left = b.submitAll([obs('Q2'), obs('Q3')], { signal: client.signal }).then(
      (v) => v,
      (e: unknown) => e,
    );
    client.abort(); // Q2 and Q3 wait behind the held batch
    release();
    expect(await first).toEqual([{ reply: 'Q1.' }]);
    expect(await left).toBeInstanceOf(ClientGone); // before: answered, by a batch asked for no one
    expect(asked).toEqual([['Q1']]);
  });
});

describe('a failed batch, asked again one observation at a time', () => {
  it('skips the observations whose client has gone meanwhile: never asked again, their request ClientGone', async () => {
    const calls: string[][] = [];
    let fail!: () => void;
    const failing = new Promise<void>((r) => (fail = r));
    const policy: Policy = {
      name: 'picky',
      async act(batch): Promise<PolicyReply[]> {
        calls.push(batch.map((o) => o.question));
        if (batch.length > 1) {
          await failing; // the batch is being computed while one of its clients leaves
          throw new InputError('picky: no episode BAD');
        }
        if (batch[0].question === 'BAD') throw new InputError('picky: no episode BAD');
        return [{ reply: `${batch[0].question}.` }];
      },
    };
    const b = new MicroBatcher(policy, 64);
    const client = new AbortController();
    const out = Promise.allSettled([b.submitAll([obs('Q1')]), b.submitAll([obs('GONE1'), obs('GONE2')], { signal: client.signal }), b.submitAll([obs('BAD')])]);
    await new Promise((r) => setImmediate(r)); // its one batch is asked, held until told to fail
    expect(calls).toEqual([['Q1', 'GONE1', 'GONE2', 'BAD']]);
    client.abort(); // its observations are in the batch already: they stay there
    fail();
    const [q1, gone, bad] = await out;
    expect(q1).toEqual({ status: 'fulfilled', value: [{ reply: 'Q1.' }] });
    expect(gone).toMatchObject({ status: 'rejected', reason: expect.any(ClientGone) });
    expect(bad).toMatchObject({ status: 'rejected', reason: { message: 'picky: no episode BAD' } });
    // before: GONE1 and GONE2 were asked again alone too, for no one (6 calls)
    expect(calls).toEqual([['Q1', 'GONE1', 'GONE2', 'BAD'], ['Q1'], ['BAD']]);
  });
});
