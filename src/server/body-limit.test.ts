/** The request-body limit of `serve` and `env serve`: by Content-Length when there is one, else counted as it streams. */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { bodySizeLimit } from './body-limit.js';

/** An app with a 10-byte limit that answers the body it read; `looks` counts the reads of the request's `body` before the limit. */
function app() {
  const looks = { body: 0 };
  const a = new Hono();
  a.use('*', async (c, next) => {
    const raw = c.req.raw;
    Object.defineProperty(raw, 'body', {
      get: () => (looks.body++, Reflect.get(Request.prototype, 'body', raw) as unknown),
    });
    await next();
  });
  a.use(
    '*',
    bodySizeLimit(10, 'the test limit', (c, message) => c.json({ detail: message }, 413)),
  );
  a.post('/x', async (c) => c.text(await c.req.text()));
  a.get('/x', (c) => c.text('got'));
  return { a, looks };
}

const stream = (text: string) =>
  new ReadableStream({
    start(c) {
      c.enqueue(new TextEncoder().encode(text));
      c.close();
    },
  });

describe('bodySizeLimit', () => {
  it("judges a body with a Content-Length by the header, leaving the request's body stream alone (@hono/node-server then reads it from Node directly)", async () => {
    const { a, looks } = app();
    const ok = await a.request('/x', {
      method: 'POST',
      body: '0123456789',
      headers: { 'content-length': '10' },
    });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('0123456789');
    // hono's bodyLimit asked for `c.req.raw.body` first, which made @hono/node-server build a full Request and its web stream
    expect(looks.body).toBe(0);
    const over = await a.request('/x', {
      method: 'POST',
      body: '01234567890',
      headers: { 'content-length': '11' },
    });
    expect(over.status).toBe(413);
    expect(await over.json()).toEqual({
      detail: 'POST /x: request body over the limit of 10 bytes (the test limit)',
    });
  });

  it('counts a body without Content-Length as it streams, and refuses it past the limit', async () => {
    const { a } = app();
    const send = (text: string) =>
      a.request('/x', { method: 'POST', body: stream(text), duplex: 'half' } as RequestInit);
    const ok = await send('0123456789');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('0123456789');
    const over = await send('01234567890');
    expect(over.status).toBe(413);
    expect(await over.json()).toEqual({
      detail: 'POST /x: request body over the limit of 10 bytes (the test limit)',
    });
  });

  it('lets a GET through whatever its Content-Length says, as hono does', async () => {
    const { a } = app();
    const r = await a.request('/x', { method: 'GET', headers: { 'content-length': '100' } });
    expect(r.status).toBe(200);
  });
});
