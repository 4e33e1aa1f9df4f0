/**
 * What a web page of another site can make a loopback workbench do (docs/hardening.md, "Every server"): a browser lets
 * any page send "simple" requests (GET, POST/PUT text/plain, a form) with no custom header, and open WebSockets, to
 * 127.0.0.1 with the right Host; it adds the page's Origin. The workbench does not check that Origin (../host-check.ts
 * `hostCheck`): every route that acts or tells anything needs `Authorization`, which such a page cannot send. This pins
 * that down route by route, on a real server.
 */
import { request as httpRequest } from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../feedback/db.js';
import { createDemoProject } from '../../feedback/importer.js';
import { FeedbackStore, type Project } from '../../feedback/store.js';
import { tmpDir } from '../../testing/tmp.js';
import { startServer, type RunningServer } from './workbench.js';

const EVIL = 'https://evil.example';
const PAGE = '<!doctype html><div id="root"></div>';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request as a browser sends it for a page of another site: its Origin, the server's own Host, no Authorization. */
const send = (url: string, method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
  new Promise<Answer>((res, rej) => {
    const req = httpRequest(`${url}${path}`, { method, headers: { origin: EVIL, ...headers } }, (r) => {
      let text = '';
      r.setEncoding('utf8').on('data', (d: string) => (text += d));
      r.on('end', () => res({ status: r.statusCode!, headers: r.headers, body: text }));
    });
    // a WebSocket upgrade the server accepted (101): what must not happen
    req.on('upgrade', (r, socket) => {
      socket.destroy();
      res({ status: r.statusCode!, headers: r.headers, body: '' });
    });
    req.on('error', rej).end(body);
  });

describe('a web page of another site, against a loopback workbench', () => {
  let store: FeedbackStore;
  let project: Project;
  let s: RunningServer;
  beforeAll(async () => {
    const dir = tmpDir('af-cross-site');
    await mkdir(join(dir, 'ui'), { recursive: true });
    await writeFile(join(dir, 'ui', 'index.html'), PAGE);
    store = await FeedbackStore.open(await openDb());
    ({ project } = await createDemoProject(store, 'cross', join(dir, 'images'), 2, 1, { types: ['ask', 'play'] }));
    s = await startServer({ store, host: '127.0.0.1', port: 0, playPolicy: 'oracle', uiDir: join(dir, 'ui'), authLimit: { authFailures: 3 }, log: () => undefined });
  }, 300_000);
  afterAll(async () => {
    await s?.close();
    await store?.close();
  });

  it('acts on nothing and reads nothing: every /api route but health is a 401, no CORS grant, no WebSocket, and the sign-in limit is not spent', async () => {
    const annotator = await store.addAnnotator('cross-site-target');
    const routes: [string, string][] = [
      ['GET', '/api/me'], ['GET', '/api/projects'], ['GET', `/api/projects/${project.id}/progress`], ['GET', `/api/projects/${project.id}/next`],
      ['GET', '/api/assignments/1'], ['GET', '/api/assignments/1/image'], ['POST', '/api/assignments/1/annotation'], ['POST', '/api/assignments/1/play'],
      ['POST', '/api/assignments/1/heartbeat'], ['POST', '/api/assignments/1/leave'], ['GET', `/api/annotations?project=${project.id}`], ['GET', '/api/annotations/1'], ['PUT', '/api/annotations/1'],
    ];
    // a simple request's bodies: JSON sent as text/plain, a form, a multipart form (none needs a preflight)
    const label = JSON.stringify({ submissionId: 'cross-site-0001', label: { answer: 'A' }, performed: 1 });
    const bodies: [Record<string, string>, string][] = [
      [{ 'content-type': 'text/plain' }, label],
      [{ 'content-type': 'application/x-www-form-urlencoded' }, 'submissionId=cross-site-0002&label=x'],
      [{ 'content-type': 'multipart/form-data; boundary=b' }, '--b\r\nContent-Disposition: form-data; name="label"\r\n\r\nx\r\n--b--\r\n'],
    ];
    for (const [method, path] of routes) {
      for (const [headers, body] of method === 'GET' ? [[{}, undefined] as const] : bodies) {
        const r = await send(s.url, method, path, headers, body);
        expect(r.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(r.headers['access-control-allow-origin'], `${method} ${path}`).toBeUndefined();
      }
      // the preflight a page needs before it may add Authorization: no grant
      const pre = await send(s.url, 'OPTIONS', path, { 'access-control-request-method': method, 'access-control-request-headers': 'authorization' });
      expect(pre.headers['access-control-allow-origin'], `OPTIONS ${path}`).toBeUndefined();
      expect(pre.headers['access-control-allow-headers'], `OPTIONS ${path}`).toBeUndefined();
    }
    // the open routes answer what any visitor may see, and give no other origin leave to read it
    for (const path of ['/api/health', '/', '/index.html', '/annotate']) {
      const r = await send(s.url, 'GET', path);
      expect(r.status, path).toBe(200);
      expect(r.headers['access-control-allow-origin'], path).toBeUndefined();
    }
    // a WebSocket is not bound by the same-origin policy: the workbench has none to open
    for (const path of ['/', '/api/me', '/ws', '/api/ws']) {
      const r = await send(s.url, 'GET', path, { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' });
      expect(r.status, `upgrade ${path}`).not.toBe(101);
    }
    // nothing was taken, labelled or released
    for (const t of await store.tasks(project.id)) expect(t.assigned, `task ${t.id}`).toBe(0);
    // far more requests than authFailures (3) from this address, yet a token never seen before signs in: a request
    // without a token is no refused token, so a page cannot lock annotators sharing the address out
    const me = await send(s.url, 'GET', '/api/me', { authorization: `Bearer ${annotator.token}` });
    expect(me.status).toBe(200);
  });
});
