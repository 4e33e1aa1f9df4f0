/** The limit on refused tokens per client address (auth-limit.ts), alone and in the workbench API. */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDb } from '../../feedback/db.js';
import { FeedbackStore } from '../../feedback/store.js';
import { OraclePolicy } from '../../agents/baselines/oracle.js';
import { AuthLimitSchema } from '../workbench-config.js';
import { FailedAuthLimiter } from './auth-limit.js';
import { AUTH_CACHE_MS, createApp } from './app.js';
import { startServer } from './workbench.js';

describe('FailedAuthLimiter', () => {
  it('holds an address back after K failures until the window that began with its first one ends; others are untouched', () => {
    let t = 1_000_000;
    const l = new FailedAuthLimiter({ authFailures: 3, authWindow: 10 }, () => t);
    for (let i = 0; i < 3; i++) {
      expect(l.retryAfter('1.2.3.4')).toBe(0);
      l.fail('1.2.3.4');
      t += 1000;
    }
    expect(l.retryAfter('1.2.3.4')).toBe(7); // first failure at t0, window 10 s, now t0 + 3 s
    expect(l.retryAfter('5.6.7.8')).toBe(0);
    t += 6_500;
    expect(l.retryAfter('1.2.3.4')).toBe(1);
    t += 500;
    expect(l.retryAfter('1.2.3.4')).toBe(0); // the window is over: a fresh count
    l.fail('1.2.3.4');
    expect(l.retryAfter('1.2.3.4')).toBe(0);
  });

  it('has its defaults in the schema, and refuses nonsense', () => {
    expect(AuthLimitSchema.parse({})).toEqual({ authFailures: 20, authWindow: 60 });
    expect(() => new FailedAuthLimiter({ authFailures: 0 })).toThrow();
  });
});

describe('the workbench API under a flood of bad tokens', () => {
  let store: FeedbackStore;
  let good: { token: string };
  beforeAll(async () => {
    store = await FeedbackStore.open(await openDb());
    good = await store.addAnnotator('limit-good');
  });
  afterAll(() => store.close());

  it('answers 429 with Retry-After and no database query after K refused tokens from an address; a token that has worked passes', async () => {
    let t = 5_000_000;
    let address = '203.0.113.7';
    const app = createApp({
      store,
      playPolicy: async (ep) => new OraclePolicy([ep]),
      log: () => undefined,
      authLimit: { authFailures: 5, authWindow: 60 },
      now: () => t,
      clientAddress: () => address,
    });
    const me = (token: string) => app.request('/api/me', { headers: { authorization: `Bearer ${token}` } });
    expect((await me(good.token)).status).toBe(200); // signs in before the flood
    const asked = vi.spyOn(store, 'authenticate');
    for (let i = 0; i < 5; i++) expect((await me(`af_bad-${i}`)).status).toBe(401);
    expect(asked).toHaveBeenCalledTimes(5);
    asked.mockClear();
    for (let i = 0; i < 100; i++) {
      const r = await me(`af_bad-more-${i}`);
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('60');
      if (i === 0) expect(((await r.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'BUSY', message: expect.stringMatching(/too many refused tokens from your address: try again in 60 s/) });
    }
    expect(asked).not.toHaveBeenCalled(); // the flood cost no query
    // the annotator at the same address is not slowed: cached, and past the cache still asked about (and let in)
    expect((await me(good.token)).status).toBe(200);
    t += AUTH_CACHE_MS + 1;
    expect((await me(good.token)).status).toBe(200);
    expect(asked).toHaveBeenCalledTimes(1);
    // another address is not held back
    address = '198.51.100.1';
    expect((await me('af_bad-elsewhere')).status).toBe(401);
    // the held-back address may try again once its window is over
    address = '203.0.113.7';
    t += 30_000;
    expect((await me('af_bad-late')).headers.get('retry-after')).toBe(String(Math.ceil((60_000 - AUTH_CACHE_MS - 1 - 30_000) / 1000)));
    t += 60_000;
    expect((await me('af_bad-after')).status).toBe(401);
    asked.mockRestore();
  });

  it('keys on the TCP peer address behind a real listener', async () => {
    const s = await startServer({ store, host: '127.0.0.1', port: 0, playPolicy: 'oracle', authLimit: { authFailures: 2, authWindow: 600 }, log: () => undefined });
    try {
      const status = (token: string) =>
        new Promise<number>((res, rej) => {
          const req = httpRequest(`${s.url}/api/me`, { headers: { authorization: `Bearer ${token}` } }, (r) => {
            r.resume();
            res(r.statusCode!);
          });
          req.on('error', rej).end();
        });
      expect(await status(good.token)).toBe(200);
      expect([await status('af_x1'), await status('af_x2'), await status('af_x3')]).toEqual([401, 401, 429]);
      expect(await status(good.token)).toBe(200); // signed in before: never held back
    } finally {
      await s.close();
    }
  });
});
