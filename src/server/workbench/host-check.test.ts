/** A loopback workbench answers only its own Host names (DNS rebinding: ../host-check.ts); another host is warned about plain HTTP once; slow clients are cut. */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../feedback/db.js';
import { FeedbackStore } from '../../feedback/store.js';
import { PLAIN_HTTP_WARNING, startServer } from './workbench.js';
import { CUT_WITHIN_MS, slowClient } from '../../testing/slow-client.js';

/** Status and body of GET `path` on `url` with this Host header (fetch would send the URL's own). */
const get = (url: string, path: string, host: string | null, token?: string) =>
  new Promise<{ status: number; body: string }>((res, rej) => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    const req = httpRequest(`${url}${path}`, { headers, setHost: host === null ? true : false }, (r) => {
      let body = '';
      r.setEncoding('utf8').on('data', (d: string) => (body += d));
      r.on('end', () => res({ status: r.statusCode!, body }));
    });
    if (host !== null) req.setHeader('host', host);
    req.on('error', rej).end();
  });

describe('the workbench server', () => {
  let store: FeedbackStore;
  beforeAll(async () => {
    store = await FeedbackStore.open(await openDb());
  });
  afterAll(() => store.close());

  it('on loopback refuses another Host (DNS rebinding) with a 403 naming the --allow-host to pass, and answers its own names (any port: a forward) and --allow-host ones', async () => {
    const who = await store.addAnnotator('host-tester');
    const logged: string[] = [];
    const s = await startServer({ store, host: '127.0.0.1', port: 0, playPolicy: 'oracle', allowHosts: ['annotate.example.org'], log: (m) => logged.push(m) });
    try {
      const port = new URL(s.url).port;
      for (const [host, name] of [['evil.example', 'evil.example'], [`evil.example:${port}`, 'evil.example'], [`127.0.0.2:${port}`, '127.0.0.2']]) {
        for (const path of ['/api/health', '/api/me', '/']) {
          const r = await get(s.url, path, host, who.token);
          expect(r.status, `${host} ${path}`).toBe(403);
          expect(JSON.parse(r.body).error.message).toMatch(/answers only its own address .* not Host ".*": a guard against DNS rebinding.*start the server with --allow-host (\S+)$/);
          expect(JSON.parse(r.body).error.message.endsWith(`--allow-host ${name}`), `${host} ${path}`).toBe(true);
        }
      }
      // ssh -L 9000:localhost:PORT (the way docs/feedback-rlhf.md suggests to reach it) sends Host localhost:9000
      for (const host of [null, `localhost:${port}`, `[::1]:${port}`, `127.0.0.1:${Number(port) + 1}`, 'localhost:9000', 'localhost', 'annotate.example.org']) {
        expect((await get(s.url, '/api/me', host, who.token)).status, String(host)).toBe(200);
      }
      expect(logged).toEqual([]); // no plain-HTTP warning on loopback
    } finally {
      await s.close();
    }
  });

  it('on a non-loopback host warns once that it serves plain HTTP and needs a TLS-terminating proxy, and answers any Host', async () => {
    const logged: string[] = [];
    const s = await startServer({ store, host: '0.0.0.0', port: 0, playPolicy: 'oracle', log: (m) => logged.push(m) });
    try {
      const url = `http://127.0.0.1:${new URL(s.url).port}`;
      expect((await get(url, '/api/health', 'annotate.example.org')).status).toBe(200);
      expect((await get(url, '/api/health', null)).status).toBe(200);
    } finally {
      await s.close();
    }
    expect(logged).toEqual([`askfirst workbench: warning: --host 0.0.0.0 ${PLAIN_HTTP_WARNING}`]);
    expect(PLAIN_HTTP_WARNING).toMatch(/plain HTTP.*TLS-terminating reverse proxy/);
  });

  it('cuts a client that sends its headers slowly (408, connection closed: ../timeouts.ts)', async () => {
    const s = await startServer({ store, host: '127.0.0.1', port: 0, playPolicy: 'oracle', slowClients: { headersTimeout: 300, requestTimeout: 600, connectionsCheckingInterval: 50 } });
    try {
      const { got, ms } = await slowClient(Number(new URL(s.url).port), 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'X-a: b\r\n');
      expect(ms).toBeLessThan(CUT_WITHIN_MS);
      expect(got).toMatch(/^HTTP\/1\.1 408/);
      // the workbench's error shape, as every other answer (Node's own 408 has no body)
      expect(JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'TIMEOUT', message: expect.stringMatching(/^the request did not arrive in time/) } });
    } finally {
      await s.close();
    }
  });
});
