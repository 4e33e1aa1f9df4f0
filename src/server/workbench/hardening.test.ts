/** Workbench hardening (issue 20): U+0000 in a label, a busy port, SIGTERM. */
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../feedback/db.js';
import { createDemoProject } from '../../feedback/importer.js';
import { FeedbackStore, type Project } from '../../feedback/store.js';
import { OraclePolicy } from '../../agents/baselines/oracle.js';
import { exited, expectInterrupted, spawnTsx, stopChild } from '../../testing/child.js';
import { tmpDir } from '../../testing/tmp.js';
import { createApp, findNul } from './app.js';
import { startServer } from './workbench.js';

describe('a label with U+0000', () => {
  let store: FeedbackStore;
  let project: Project;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    store = await FeedbackStore.open(await openDb());
    ({ project } = await createDemoProject(store, 'nul', join(tmpDir('af-nul'), 'images'), 1, 1, { types: ['play'] }));
    app = createApp({ store, playPolicy: async (ep) => new OraclePolicy([ep]), log: () => undefined });
  }, 300_000);
  afterAll(() => store.close());

  it('is refused with 400 naming the field, not a 500', async () => {
    const a = await store.addAnnotator('nul-tester');
    const call = (path: string, init: RequestInit = {}) => app.request(path, { ...init, headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' } });
    const next = (await (await call(`/api/projects/${project.id}/next?type=play`)).json()) as { assignment: { id: number } };
    const r = await call(`/api/assignments/${next.assignment.id}/annotation`, {
      method: 'POST',
      body: JSON.stringify({ submissionId: 'nul-sub-0001', label: { transcript: ['a\u0000b'], outcome: 'correct', rating: 5 } }),
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/body\.label\.transcript\[0\] contains the NUL character \(U\+0000\)/);
    expect(findNul({ ok: 'x', deep: [{ ['k\u0000']: 1 }] }, 'body')).toBe('a key of body.deep[0]');
  });

  it('a body nested thousands of levels deep is a 400 saying so, not a 500 (findNul overflowed its stack)', async () => {
    const a = await store.addAnnotator('deep-tester');
    const call = (path: string, init: RequestInit = {}) => app.request(path, { ...init, headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' } });
    // The body is read before the assignment is looked up, so any id will do.
    const deepArray = `{"submissionId":"deep-sub-0001","label":${'['.repeat(30_000)}${']'.repeat(30_000)}}`; // under the 64 KiB limit
    const deepObject = `{"label":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`;
    expect(deepArray.length).toBeLessThan(64 * 1024);
    expect(deepObject.length).toBeLessThan(64 * 1024);
    for (const [method, path, body] of [
      ['POST', '/api/assignments/1/annotation', deepArray],
      ['POST', '/api/assignments/1/play', deepObject],
      ['PUT', '/api/annotations/1', deepObject],
    ] as const) {
      const r = await call(path, { method, body });
      expect(r.status, `${method} ${path}`).toBe(400);
      expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/request body is nested more than 32 levels deep/);
    }
    // The limit is 32 levels, the body object counted: 31 arrays in it pass the check (whatever follows), 32 do not.
    const nested = (arrays: number) => JSON.stringify({ submissionId: 'deep-sub-0002', label: JSON.parse(`${'['.repeat(arrays)}${']'.repeat(arrays)}`) });
    const within = await call('/api/assignments/1/annotation', { method: 'POST', body: nested(31) });
    expect(((await within.json()) as { error?: { message: string } }).error?.message ?? '').not.toMatch(/nested more than/);
    const beyond = await call('/api/assignments/1/annotation', { method: 'POST', body: nested(32) });
    expect(beyond.status).toBe(400);
    expect(((await beyond.json()) as { error: { message: string } }).error.message).toBe('request body is nested more than 32 levels deep; a label is at most 4 levels deep (body.label.transcript[0].reply)');
    // A label's own depth (body.label.transcript[0].reply) is well within the limit.
    expect(findNul({ label: { transcript: [{ reply: 'x' }] } }, 'body')).toBeNull();
  });

  it('a body over 64 KiB is a 413 TOO_LARGE, as every other size refusal of the workbench (it said BAD_INPUT)', async () => {
    const a = await store.addAnnotator('big-tester');
    const big = JSON.stringify({ submissionId: 'big-sub-0001', label: { accepted: [0], own: 'x'.repeat(64 * 1024) } });
    const r = await app.request('/api/assignments/1/annotation', { method: 'POST', body: big, headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' } });
    expect(r.status).toBe(413);
    expect(await r.json()).toEqual({ error: { code: 'TOO_LARGE', message: 'request body larger than 64 KiB' } });
  });

  it('an id beyond the database integer range is a 400 naming the parameter, not a 500', async () => {
    const a = await store.addAnnotator('big-id-tester');
    const call = (path: string, init: RequestInit = {}) => app.request(path, { ...init, headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' } });
    const big = 2 ** 31; // one past PostgreSQL's integer
    const answers = [
      ['aid', await call(`/api/assignments/${big}`)],
      ['aid', await call(`/api/assignments/${big}/image`)],
      ['aid', await call(`/api/assignments/${big}/annotation`, { method: 'POST', body: JSON.stringify({ submissionId: 'big-sub-0001', label: {} }) })],
      ['id', await call(`/api/annotations/${big}`)],
      ['pid', await call(`/api/projects/${big}/next`)],
      ['project', await call(`/api/annotations?project=${big}`)],
    ] as const;
    for (const [name, r] of answers) {
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(new RegExp(`^${name} must be an integer from 0 to 2147483647`));
    }
    // The largest id there can be is merely not found.
    expect((await call(`/api/assignments/${2 ** 31 - 1}`)).status).toBe(404);
  });
});

describe('feedback serve on a busy port', () => {
  it('is a clear error, and the database is closed with its lock removed', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as AddressInfo).port;
    const dataDir = join(tmpDir('af-busy'), 'db');
    try {
      await expect(startServer({ dataDir, host: '127.0.0.1', port, playPolicy: 'oracle' })).rejects.toThrow(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use.*choose another --port`));
      expect(existsSync(join(dataDir, 'askfirst.lock'))).toBe(false);
      // and the database opens again
      const s = await FeedbackStore.open(await openDb({ dataDir }));
      await s.close();
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  }, 300_000); // PGlite on disk starts slowly on a busy machine
});

describe('feedback serve and SIGTERM', () => {
  it('closes the database cleanly and removes its lock', async () => {
    const dir = tmpDir('af-sigterm');
    const dbDir = join(dir, 'db');
    const script = join(dir, 'serve.mts');
    writeFileSync(script, `import { main } from ${JSON.stringify(resolve(import.meta.dirname, '../../cli/main.ts'))};\nawait main(['node', 'askfirst', 'feedback', 'serve', '--db-dir', ${JSON.stringify(dbDir)}, '--port', '0']);\n`);
    const child = spawnTsx(script, [], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DATABASE_URL: '' } });
    try {
      let out = '';
      child.stdout!.on('data', (d) => (out += String(d)));
      let err = '';
      child.stderr!.on('data', (d) => (err += String(d)));
      const t0 = Date.now();
      while (!out.includes('askfirst workbench on')) {
        if (child.exitCode !== null) throw new Error(`serve exited early: ${err}`);
        if (Date.now() - t0 > 240_000) throw new Error(`serve did not start: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(existsSync(join(dbDir, 'askfirst.lock'))).toBe(true);
      child.kill('SIGTERM');
      expectInterrupted({ code: await exited(child), killedBy: child.signalCode, stderr: err }, 'SIGTERM'); // then by the signal, as every command
      expect(err).toContain('askfirst workbench: stopped by SIGTERM; connections and database closed\n'); // on stderr, as serve and env serve say it
      expect(existsSync(join(dbDir, 'askfirst.lock'))).toBe(false);
      const s = await FeedbackStore.open(await openDb({ dataDir: dbDir }));
      await s.close();
    } finally {
      await stopChild(child);
    }
  }, 300_000);
});
