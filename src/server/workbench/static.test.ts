/** The built UI's files (static.ts): nothing outside the UI folder, no 500 for a folder, the security headers on the page. */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OraclePolicy } from '../../agents/baselines/oracle.js';
import { openDb } from '../../feedback/db.js';
import { FeedbackStore } from '../../feedback/store.js';
import { tmpDir } from '../../testing/tmp.js';
import { createApp } from './app.js';

let store: FeedbackStore;
let app: ReturnType<typeof createApp>;
const logged: string[] = [];
const PAGE = '<!doctype html><div id="root"></div>';

beforeAll(async () => {
  const dir = tmpDir('af-static');
  const ui = join(dir, 'ui');
  await mkdir(join(ui, 'assets', 'nested'), { recursive: true });
  await writeFile(join(ui, 'index.html'), PAGE);
  await writeFile(join(ui, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(join(dir, 'secret.txt'), 'TOP-SECRET');
  await symlink(join(dir, 'secret.txt'), join(ui, 'assets', 'leak.js'));
  store = await FeedbackStore.open(await openDb());
  app = createApp({ store, playPolicy: async (ep) => new OraclePolicy([ep]), uiDir: ui, log: (m) => logged.push(m) });
});
afterAll(() => store.close());

describe('the workbench UI files', () => {
  it('a folder of the UI (GET /assets) is the page, not a 500 with EISDIR in the log', async () => {
    logged.length = 0;
    for (const path of ['/assets', '/assets/', '/assets/nested']) {
      const r = await app.request(path);
      expect(r.status, path).toBe(200);
      expect(await r.text()).toBe(PAGE);
    }
    expect(logged).toEqual([]);
  });

  it('serves nothing outside the UI folder, however the path is spelled', async () => {
    logged.length = 0;
    expect(await (await app.request('/assets/app.js')).text()).toBe('console.log(1)');
    for (const path of ['/..%2fsecret.txt', '/%2e%2e/secret.txt', '/%252e%252e%252fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/%2fetc%2fpasswd', '/assets/leak.js', '/%E0%A4%A']) {
      const r = await app.request(path);
      expect(r.status, path).toBe(200);
      expect(await r.text(), path).toBe(PAGE); // the one-page app's fallback
    }
    expect(logged).toEqual([]);
  });

  it('the page carries CSP, nosniff and no framing; no CORS header lets another origin read the API', async () => {
    const page = await app.request('/', { headers: { origin: 'https://evil.example' } });
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy')!;
    for (const d of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"]) expect(csp).toContain(d);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
    // A page on another origin: its preflight for an Authorization header is refused, with no CORS grant.
    const pre = await app.request('/api/me', { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    expect(pre.status).toBe(401);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.headers.get('access-control-allow-headers')).toBeNull();
  });
});
