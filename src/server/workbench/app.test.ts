import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDb } from '../../feedback/db.js';
import { createDemoProject } from '../../feedback/importer.js';
import { checkRelativePath, resolveImage } from '../../feedback/paths.js';
import { FeedbackStore, type ItemInput, type Project } from '../../feedback/store.js';
import { AUTH_CACHE_MS, createApp } from './app.js';
import { OraclePolicy } from '../../agents/baselines/oracle.js';
import { tmpDir } from '../../testing/tmp.js';

let dir: string;
let store: FeedbackStore;
let project: Project;
let app: ReturnType<typeof createApp>;
let alice: { id: number; token: string };
let bob: { id: number; token: string };

const call = (path: string, token?: string, init: RequestInit = {}) =>
  app.request(path, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json', ...(init.headers ?? {}) } });

beforeAll(async () => {
  dir = tmpDir('af-app');
  store = await FeedbackStore.open(await openDb());
  ({ project } = await createDemoProject(store, 'sec', join(dir, 'images'), 4, 2));
  alice = await store.addAnnotator('alice');
  bob = await store.addAnnotator('bob');
  app = createApp({ store, playPolicy: async (ep) => new OraclePolicy([ep]), log: () => undefined });
});
afterAll(async () => {
  await store.close();
});

describe('workbench API security', () => {
  it('refuses requests without a valid token', async () => {
    for (const path of ['/api/me', '/api/projects', `/api/projects/${project.id}/next`, '/api/assignments/1/image', '/api/annotations/1']) {
      expect((await call(path)).status).toBe(401);
      expect((await call(path, 'af_not-a-real-token')).status).toBe(401);
    }
    const post = await call('/api/assignments/1/annotation', undefined, { method: 'POST', body: JSON.stringify({ submissionId: 'x'.repeat(10), label: {} }) });
    expect(post.status).toBe(401);
    expect((await call('/api/health')).status).toBe(200);
  });

  it('every /api route but health refuses a missing, malformed or unknown token, and a token in the query string', async () => {
    const routes: [string, string][] = [
      ['GET', '/api/me'], ['GET', '/api/projects'], ['GET', `/api/projects/${project.id}/progress`], ['GET', `/api/projects/${project.id}/next`],
      ['GET', '/api/assignments/1'], ['GET', '/api/assignments/1/image'], ['POST', '/api/assignments/1/annotation'], ['POST', '/api/assignments/1/play'],
      ['POST', '/api/assignments/1/heartbeat'], ['POST', '/api/assignments/1/leave'], ['GET', `/api/annotations?project=${project.id}`], ['GET', '/api/annotations/1'], ['PUT', '/api/annotations/1'],
    ];
    const headers: Record<string, string>[] = [
      {},
      { authorization: '' },
      { authorization: 'Bearer' },
      { authorization: 'Bearer ' },
      { authorization: `Basic ${alice.token}` },
      { authorization: `Token ${alice.token}` },
      { authorization: `Bearer ${alice.token} ${bob.token}` },
      { authorization: `Bearer ${alice.token}x` },
      { authorization: `Bearer ${alice.token.slice(0, -1)}` },
      { authorization: `Bearer ${'a'.repeat(10_000)}` },
    ];
    for (const [method, path] of routes) {
      for (const h of headers) {
        const r = await app.request(path, { method, headers: { ...h, 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
        expect(r.status, `${method} ${path} ${JSON.stringify(h).slice(0, 60)}`).toBe(401);
      }
      const q = await app.request(`${path}${path.includes('?') ? '&' : '?'}token=${alice.token}&access_token=${alice.token}`, { method, body: method === 'GET' ? undefined : '{}' });
      expect(q.status, `${method} ${path} ?token=`).toBe(401);
    }
    expect((await call('/api/me', alice.token)).status).toBe(200);
  });

  it(`a revoked or replaced token is refused (401) at most ${AUTH_CACHE_MS / 1000} s after, though the server had it cached; a new token works at once`, async () => {
    expect(AUTH_CACHE_MS).toBeLessThanOrEqual(5_000); // the bound docs/hardening.md and the CLI state
    const { project: p } = await createDemoProject(store, 'revoked', join(dir, 'revoked'), 1, 1, { types: ['ask'] });
    const dave = await store.addAnnotator('rv-dave');
    const erin = await store.addAnnotator('rv-erin');
    const status = async (token: string, path = '/api/me') => (await call(path, token)).status;
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const t0 = Date.now();
      // dave signs in (cached now) and takes the project's only task
      const held = (await (await call(`/api/projects/${p.id}/next`, dave.token)).json()) as { assignment: { id: number } | null };
      expect(held.assignment).not.toBeNull();
      expect(await status(erin.token)).toBe(200);
      // the CLI, in another process, writes to the database; the server only reads it
      await store.revokeAnnotator('rv-dave');
      const fresh = await store.newToken('rv-erin');
      expect(await status(fresh.token)).toBe(200); // a new token works at once
      vi.setSystemTime(t0 + AUTH_CACHE_MS - 1);
      // inside the bound a cached login may still answer /api/me, but asking for work is refused, not answered "all done"
      // (dave's task went back to the queue), and so is erin's replaced token
      const inside = await call(`/api/projects/${p.id}/next`, dave.token);
      expect(inside.status).toBe(401);
      expect(((await inside.json()) as { error: { message: string } }).error.message).toMatch(/your token was revoked, so it gets no more tasks/);
      const replaced = await call(`/api/projects/${p.id}/next`, erin.token);
      expect(replaced.status).toBe(401);
      expect(((await replaced.json()) as { error: { message: string } }).error.message).toMatch(/your token was replaced by a new one/);
      expect(await store.tasks(p.id).then((ts) => ts[0].assigned)).toBe(0); // neither took the task
      vi.setSystemTime(t0 + AUTH_CACHE_MS);
      expect(await status(dave.token)).toBe(401);
      expect(await status(dave.token, `/api/projects/${p.id}/next`)).toBe(401);
      expect(await status(erin.token)).toBe(401);
      expect(await status(fresh.token)).toBe(200);
      // the released task is erin's to take
      const taken = (await (await call(`/api/projects/${p.id}/next`, fresh.token)).json()) as { assignment: { taskId: number } };
      expect(taken.assignment.taskId).toBe((await store.tasks(p.id))[0].id);
      vi.setSystemTime(t0 + 10 * AUTH_CACHE_MS);
      expect(await status(dave.token)).toBe(401);
    } finally {
      vi.useRealTimers();
    }
  });

  it("one annotator cannot read or change another's labels, assignments or images", async () => {
    const next = (await (await call(`/api/projects/${project.id}/next?type=ask`, alice.token)).json()) as { assignment: { id: number; payload: { numInterventions: number } } };
    const aid = next.assignment.id;
    const sub = await call(`/api/assignments/${aid}/annotation`, alice.token, {
      method: 'POST',
      body: JSON.stringify({ submissionId: 'alice-sub-0001', label: { verdict: 'ask', option: 0 } }),
    });
    expect(sub.status).toBe(201);
    const { annotation } = (await sub.json()) as { annotation: { id: number } };
    // Alice can read and change hers.
    expect((await call(`/api/annotations/${annotation.id}`, alice.token)).status).toBe(200);
    // Bob cannot read, change, or list it, nor see Alice's assignment or its image, nor submit to it.
    expect((await call(`/api/annotations/${annotation.id}`, bob.token)).status).toBe(404);
    const put = await call(`/api/annotations/${annotation.id}`, bob.token, { method: 'PUT', body: JSON.stringify({ label: { verdict: 'answer', option: 3 } }) });
    expect(put.status).toBe(404);
    expect((await call(`/api/assignments/${aid}`, bob.token)).status).toBe(404);
    expect((await call(`/api/assignments/${aid}/image`, bob.token)).status).toBe(404);
    const steal = await call(`/api/assignments/${aid}/annotation`, bob.token, { method: 'POST', body: JSON.stringify({ submissionId: 'bob-sub-00001', label: { verdict: 'ask', option: 0 } }) });
    expect(steal.status).toBe(404);
    const bobs = (await (await call(`/api/annotations?project=${project.id}`, bob.token)).json()) as unknown[];
    expect(bobs).toHaveLength(0);
    const stored = await store.annotation(alice.id, annotation.id);
    expect(stored.label).toEqual({ verdict: 'ask', option: 0 });
    // Alice's image works; the replayed submission returns 200 and the same annotation.
    const img = await call(`/api/assignments/${aid}/image`, alice.token);
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/png');
    // an image may sit in the annotator's own cache for a while (a play page shows each view again); API answers may not
    expect(img.headers.get('cache-control')).toBe('private, max-age=300');
    expect((await call('/api/me', alice.token)).headers.get('cache-control')).toBe('no-store');
    const again = await call(`/api/assignments/${aid}/annotation`, alice.token, { method: 'POST', body: JSON.stringify({ submissionId: 'alice-sub-0001', label: { verdict: 'ask', option: 0 } }) });
    expect(again.status).toBe(200);
  });

  it('rejects bad labels and bad JSON with 400 and a message', async () => {
    const next = (await (await call(`/api/projects/${project.id}/next?type=preference`, bob.token)).json()) as { assignment: { id: number } };
    const r = await call(`/api/assignments/${next.assignment.id}/annotation`, bob.token, { method: 'POST', body: JSON.stringify({ submissionId: 'bob-sub-00002', label: { lessHallucination: 5 } }) });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/invalid preference label/);
    const bad = await call(`/api/assignments/${next.assignment.id}/annotation`, bob.token, { method: 'POST', body: '{not json' });
    expect(bad.status).toBe(400);
  });

  it('a task type that is none is a 400 naming the types, and the one it may have meant', async () => {
    const message = async (type: string) => {
      const r = await call(`/api/projects/${project.id}/next?type=${encodeURIComponent(type)}`, bob.token);
      expect(r.status, type).toBe(400);
      return ((await r.json()) as { error: { message: string } }).error.message;
    };
    expect(await message('preferense')).toBe('type must be one of rationale, ask, preference, play; got "preferense" (Did you mean preference?)');
    expect(await message('Play')).toBe('type must be one of rationale, ask, preference, play; got "Play" (Did you mean play?)');
    expect(await message('labels')).toBe('type must be one of rationale, ask, preference, play; got "labels"'); // nothing close
  });

  it('image paths cannot escape the image folder (.., absolute, symlinks)', async () => {
    for (const p of ['../secret.png', 'a/../../x.png', '/etc/passwd', 'C:\\x.png', '..', '', 'a\0b', './x.png']) {
      expect(() => checkRelativePath(p), p).toThrow(/not a plain relative path/);
    }
    await writeFile(join(dir, 'secret.png'), 'TOP-SECRET-CONTENT');
    await symlink(join(dir, 'secret.png'), join(project.imageDir, 'link.png'));
    await mkdir(join(dir, 'outside'), { recursive: true });
    await symlink(join(dir, 'outside'), join(project.imageDir, 'linkdir'));
    await expect(resolveImage(project.imageDir, 'link.png')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(resolveImage(project.imageDir, 'linkdir/x.png')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await writeFile(join(dir, 'outside', 'x.png'), 'x');
    await expect(resolveImage(project.imageDir, 'linkdir/x.png')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // Through the API: an item whose stored image path escapes is refused with 403.
    const carol = await store.addAnnotator('carol');
    const p2 = await store.createProject('escape', project.imageDir, 1);
    for (const [i, image] of ['../secret.png', 'link.png'].entries()) {
      await store.addItems(p2.id, [{ externalId: `e${i}`, image, question: 'q', tasks: [{ type: 'preference', payload: { replies: ['a', 'b'] } }] }]);
    }
    for (let i = 0; i < 2; i++) {
      const n = (await (await call(`/api/projects/${p2.id}/next`, carol.token)).json()) as { assignment: { id: number } };
      const r = await call(`/api/assignments/${n.assignment.id}/image`, carol.token);
      expect(r.status).toBe(403);
      expect(await r.text()).not.toContain('TOP-SECRET-CONTENT');
      await store.submit(carol.id, n.assignment.id, `carol-sub-${i}-xx`, { lessHallucination: 0, moreHelpful: 0 });
    }
  });

  it('an item whose image path names a folder is a 404 saying so, not a 500 (EISDIR)', async () => {
    await mkdir(join(project.imageDir, 'a-folder'), { recursive: true });
    const gwen = await store.addAnnotator('gwen');
    const p3 = await store.createProject('folder-image', project.imageDir, 1);
    await store.addItems(p3.id, [{ externalId: 'f0', image: 'a-folder', question: 'q', tasks: [{ type: 'preference', payload: { replies: ['a', 'b'] } }] }]);
    const n = (await (await call(`/api/projects/${p3.id}/next`, gwen.token)).json()) as { assignment: { id: number } };
    const r = await call(`/api/assignments/${n.assignment.id}/image`, gwen.token);
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/image a-folder in the project's image folder is not a file/);
  });

  it("a project whose image folder is missing is a 404 saying so, without the folder's path on the server", async () => {
    const gone = join(dir, 'moved-away', 'images');
    const tester = await store.addAnnotator('gone-folder-tester');
    const p4 = await store.createProject('gone-images', gone, 1);
    await store.addItems(p4.id, [{ externalId: 'g0', image: 'a.png', question: 'q', tasks: [{ type: 'preference', payload: { replies: ['a', 'b'] } }] }]);
    const n = (await (await call(`/api/projects/${p4.id}/next`, tester.token)).json()) as { assignment: { id: number } };
    const r = await call(`/api/assignments/${n.assignment.id}/image`, tester.token);
    expect(r.status).toBe(404);
    const text = await r.text();
    expect(text).not.toContain(dir);
    expect(text).not.toContain('moved-away');
    expect((JSON.parse(text) as { error: { message: string } }).error.message).toMatch(/the project's image folder is missing on the server .*askfirst feedback status/);
  });

  it('serves model text as JSON data, never as HTML, with a strict CSP', async () => {
    const r = await call('/api/me', alice.token);
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(r.headers.get('content-type')).toContain('application/json');
  });

  it("one annotator cannot play, keep alive or label another's play task by its id", async () => {
    const [owner, other] = await Promise.all(['play-owner', 'play-other'].map((x) => store.addAnnotator(x)));
    const [t] = await store.tasks(project.id, 'play');
    const it0 = await store.item(t.itemId);
    const p = await store.createProject('idor-play', project.imageDir, 1);
    await store.addItems(p.id, [{ externalId: 'p0', image: it0.image, question: it0.question, tasks: [{ type: 'play', payload: t.payload }] }]);
    const n = (await (await call(`/api/projects/${p.id}/next`, owner.token)).json()) as { assignment: { id: number } };
    const aid = n.assignment.id;
    const post = (path: string, token: string, body: unknown = {}) => call(path, token, { method: 'POST', body: JSON.stringify(body) });
    expect((await post(`/api/assignments/${aid}/play`, other.token, { performed: 0 })).status).toBe(404);
    expect((await post(`/api/assignments/${aid}/heartbeat`, other.token)).status).toBe(404);
    expect((await call(`/api/assignments/${aid}/image?view=0`, other.token)).status).toBe(404);
    // the other annotator's queue has nothing of it: the task's one place is the owner's
    expect(((await (await call(`/api/projects/${p.id}/next`, other.token)).json()) as { assignment: unknown }).assignment).toBeNull();
    // the owner's play goes on untouched
    const s0 = (await (await post(`/api/assignments/${aid}/play`, owner.token, { performed: 0 })).json()) as { turns: unknown[] };
    expect(s0.turns.length).toBeGreaterThan(0);
    expect(await store.keep(aid, owner.id)).toBe('held');
  });

  it('a play step or heartbeat by an annotator revoked inside the login cache is refused (401), not answered as a task gone to others', async () => {
    const [t] = await store.tasks(project.id, 'play');
    const it0 = await store.item(t.itemId);
    const p = await store.createProject('revoked-play', project.imageDir, 1);
    await store.addItems(p.id, [{ externalId: 'p0', image: it0.image, question: it0.question, tasks: [{ type: 'play', payload: t.payload }] }]);
    const who = await store.addAnnotator('rv-player');
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const n = (await (await call(`/api/projects/${p.id}/next`, who.token)).json()) as { assignment: { id: number } };
      const post = (path: string, body: unknown = {}) => call(path, who.token, { method: 'POST', body: JSON.stringify(body) });
      expect((await post(`/api/assignments/${n.assignment.id}/play`, { performed: 0 })).status).toBe(200); // signed in: cached
      await store.revokeAnnotator('rv-player'); // releases the assignment; its task has room again
      const step = await post(`/api/assignments/${n.assignment.id}/play`, { performed: 0 });
      expect(step.status).toBe(401);
      expect(((await step.json()) as { error: { message: string } }).error.message).toMatch(/your token was revoked, so this task is no longer yours .*--new-token/);
      expect((await post(`/api/assignments/${n.assignment.id}/heartbeat`)).status).toBe(401);
      expect((await store.tasks(p.id))[0]).toMatchObject({ assigned: 0 }); // nothing taken back
    } finally {
      vi.useRealTimers();
    }
  });

  it('a label, play step or heartbeat sent with a token replaced inside the login cache is refused (401) saying so; the new token goes on', async () => {
    const [t] = await store.tasks(project.id, 'play');
    const it0 = await store.item(t.itemId);
    const p = await store.createProject('replaced-play', project.imageDir, 1);
    await store.addItems(p.id, [{ externalId: 'p0', image: it0.image, question: it0.question, tasks: [{ type: 'play', payload: t.payload }] }]);
    const who = await store.addAnnotator('rp-player');
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const n = (await (await call(`/api/projects/${p.id}/next`, who.token)).json()) as { assignment: { id: number } };
      const post = (token: string, path: string, body: unknown = {}) => call(path, token, { method: 'POST', body: JSON.stringify(body) });
      expect((await post(who.token, `/api/assignments/${n.assignment.id}/play`, { performed: 0 })).status).toBe(200); // signed in: cached
      const askProject = (await createDemoProject(store, 'replaced-ask', join(dir, 'replaced-ask'), 1, 1, { types: ['ask'] })).project;
      const ask = (await (await call(`/api/projects/${askProject.id}/next`, who.token)).json()) as { assignment: { id: number } };
      const fresh = await store.newToken('rp-player'); // releases nothing
      const step = await post(who.token, `/api/assignments/${n.assignment.id}/play`, { performed: 0 });
      expect(step.status).toBe(401);
      expect(((await step.json()) as { error: { message: string } }).error.message).toMatch(/your token was replaced by a new one, so this task is no longer yours .*sign in with the new token/);
      expect((await post(who.token, `/api/assignments/${n.assignment.id}/heartbeat`)).status).toBe(401);
      const label = await post(who.token, `/api/assignments/${ask.assignment.id}/annotation`, { submissionId: 'rp-player-sub-1', label: { verdict: 'ask', option: 0 } });
      expect(label.status).toBe(401);
      expect(((await label.json()) as { error: { message: string } }).error.message).toMatch(/your token was replaced by a new one, so this label was not saved/);
      expect((await store.tasks(askProject.id))[0]).toMatchObject({ done: 0 });
      expect((await post(fresh.token, `/api/assignments/${n.assignment.id}/heartbeat`)).status).toBe(200);
    } finally {
      vi.useRealTimers();
    }
  });

  it('play: the model asks, the person performs the intervention, the episode continues to the answer', async () => {
    const n = (await (await call(`/api/projects/${project.id}/next?type=play`, alice.token)).json()) as { assignment: { id: number } };
    const step = async (performed: number) =>
      (await (await call(`/api/assignments/${n.assignment.id}/play`, alice.token, { method: 'POST', body: JSON.stringify({ performed }) })).json()) as {
        awaiting: string | null;
        done: boolean;
        success: boolean;
        turns: { performed?: string }[];
      };
    const s0 = await step(0);
    expect(s0.done).toBe(false);
    expect(s0.awaiting).toBeTruthy();
    const s1 = await step(1);
    expect(s1.done).toBe(true);
    expect(s1.success).toBe(true);
    expect(s1.turns[0].performed).toBe(s0.awaiting);
  });

  it('play labels: the transcript and outcome are the server\'s replay; a forged, unfinished or malformed one is a 400', async () => {
    const dave = await store.addAnnotator('dave');
    const n = (await (await call(`/api/projects/${project.id}/next?type=play`, dave.token)).json()) as { assignment: { id: number } };
    const aid = n.assignment.id;
    const step = async (performed: unknown) => call(`/api/assignments/${aid}/play`, dave.token, { method: 'POST', body: JSON.stringify({ performed }) });
    // performed is a JSON integer, nothing that converts to one
    for (const bad of [true, '2', 1.5, -1, 65, null, [1]]) {
      const r = await step(bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/performed must be an integer 0–64/);
    }
    type State = { turns: { view: number; reply: string; performed?: string }[]; outcome: string | null; done: boolean };
    const s0 = (await (await step(0)).json()) as State;
    const s1 = (await (await step(1)).json()) as State;
    expect(s1.done).toBe(true);
    const submit = (label: unknown, sid: string) => call(`/api/assignments/${aid}/annotation`, dave.token, { method: 'POST', body: JSON.stringify({ submissionId: sid, label }) });
    const refused = async (label: unknown, why: RegExp) => {
      const r = await submit(label, `dave-forged-${Math.random().toString(36).slice(2)}`);
      expect(r.status, JSON.stringify(label)).toBe(400);
      expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(why);
    };
    await refused({ transcript: [], outcome: 'correct', rating: 5 }, /the episode as the server plays it with 0 performed interventions is not over/);
    await refused({ transcript: s1.turns, outcome: 'wrong-category', rating: 5 }, /outcome "wrong-category" is not the outcome of the episode as the server plays it with 1 performed intervention \("correct"\)/);
    await refused({ transcript: s1.turns.map((t, i) => (i === 1 ? { ...t, reply: 'a cat' } : t)), outcome: 'correct', rating: 5 }, /turn 2 differs/);
    await refused({ transcript: s0.turns.map((t) => ({ ...t, performed: 'x' })), outcome: 'correct', rating: 5 }, /turn 1 differs/);
    await refused({ transcript: s0.turns, outcome: 'correct', rating: 5 }, /is not over \(the model waits for/);
    await refused({ transcript: s1.turns.slice(0, 1).concat(s1.turns.slice(0, 1), s1.turns.slice(1)), outcome: 'correct', rating: 5 }, /with 2 performed interventions .*\(it has 3 turns, not 2\)|turn 2 differs/);
    await refused({ transcript: s1.turns, outcome: 'correct', rating: 5, extra: 1 }, /invalid play label/);
    expect(await store.labelled(project.id, 'play').then((l) => l.filter((x) => x.annotation.annotatorId === dave.id))).toHaveLength(0);
    // the honest label is stored as the server played it; a replay of it is a replay
    const honest = { transcript: s1.turns, outcome: s1.outcome, rating: 4, comment: 'asked well' };
    const ok = await submit(honest, 'dave-honest-0001');
    expect(ok.status).toBe(201);
    const { annotation } = (await ok.json()) as { annotation: { id: number; label: unknown } };
    expect(annotation.label).toEqual(honest);
    expect((await submit(honest, 'dave-honest-0001')).status).toBe(200);
    // changing the label: the rating may change, the transcript may not be forged
    const put = (label: unknown) => call(`/api/annotations/${annotation.id}`, dave.token, { method: 'PUT', body: JSON.stringify({ label }) });
    expect((await put({ transcript: [], outcome: 'correct', rating: 1 })).status).toBe(400);
    const changed = await put({ ...honest, rating: 2 });
    expect(changed.status).toBe(200);
    expect((await store.annotation(dave.id, annotation.id)).label).toEqual({ ...honest, rating: 2 });
  });

  it('play step: answers as a label would — 404 once its task went to others, 409 once labelled; plays on while a label is still stored', async () => {
    const p = (await createDemoProject(store, 'play-stale', join(dir, 'images-ps'), 2, 1, { types: ['play'] })).project;
    const [gina, hank] = await Promise.all(['gina', 'hank'].map((x) => store.addAnnotator(x)));
    type Err = { error: { code: string; message: string } };
    type State = { turns: unknown[]; outcome: string | null; done: boolean };
    const step = (aid: number, performed: number) => call(`/api/assignments/${aid}/play`, gina.token, { method: 'POST', body: JSON.stringify({ performed }) });
    const idle = async (aid: number) => {
      await store.db.query(`UPDATE assignments SET seen_at = now() - interval '2 hours' WHERE id = $1`, [aid]);
      expect(await store.releaseStale(3600)).toBe(1);
    };
    const first = (await store.next(p.id, gina.id, 'play'))!;
    expect((await step(first.id, 0)).status).toBe(200);
    // 'taken': it expired and hank took its only place — the step is refused as a label would be
    await idle(first.id);
    const hanks = (await store.next(p.id, hank.id, 'play'))!;
    expect(hanks.task.id).toBe(first.task.id);
    const gone = await step(first.id, 1);
    expect(gone.status).toBe(404);
    const goneBody = (await gone.json()) as Err;
    expect(goneBody.error.code).toBe('NOT_FOUND');
    expect(goneBody.error.message).toMatch(/^no assignment \d+ for you any more: it expired .* places have since gone to other annotators, so a label for this play could not be saved; load your current task$/);
    // 'elsewhere': gina took the other task, then hank walked away, so the first has room again — it plays on
    const second = (await store.next(p.id, gina.id))!;
    expect(second.id).not.toBe(first.id);
    await idle(hanks.id);
    let s = (await (await step(first.id, 0)).json()) as State;
    for (let k = 1; !s.done; k++) {
      const r = await step(first.id, k);
      expect(r.status).toBe(200);
      s = (await r.json()) as State;
    }
    const sub = await call(`/api/assignments/${first.id}/annotation`, gina.token, {
      method: 'POST',
      body: JSON.stringify({ submissionId: 'gina-play-0001', label: { transcript: s.turns, outcome: s.outcome, rating: 3 } }),
    });
    expect(sub.status).toBe(201);
    // 'labelled': a step for a labelled play is a 409, as a second label is
    const done = await step(first.id, 0);
    expect(done.status).toBe(409);
    const doneBody = (await done.json()) as Err;
    expect(doneBody.error.code).toBe('CONFLICT');
    expect(doneBody.error.message).toMatch(/^assignment \d+ is already labelled, so a label for this play would not be saved/);
    // 'held': the task gina holds plays as before
    expect((await step(second.id, 0)).status).toBe(200);
  });

  it('heartbeat: keeps the assignment; says when an expired one went to others, or its annotator moved on to another task; next tells the time limit', async () => {
    const ttlApp = createApp({ store, playPolicy: async (ep) => new OraclePolicy([ep]), assignmentTtlSeconds: 120, log: () => undefined });
    const req = (path: string, token: string, method = 'GET', body?: unknown) =>
      ttlApp.request(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const p = await store.createProject('beat', project.imageDir, 1);
    const pref = (id: string): ItemInput => ({ externalId: id, image: 'x.png', question: 'q', tasks: [{ type: 'preference', payload: { replies: ['a', 'b'] } }] });
    await store.addItems(p.id, [pref('b0'), pref('b1')]);
    const [erin, finn] = await Promise.all(['erin', 'finn'].map((x) => store.addAnnotator(x)));
    const next = (await (await req(`/api/projects/${p.id}/next`, erin.token)).json()) as { assignment: { id: number }; ttlSeconds: number };
    expect(next.ttlSeconds).toBe(120);
    const aid = next.assignment.id;
    const beat = async (token: string) => req(`/api/assignments/${aid}/heartbeat`, token, 'POST');
    await store.db.query(`UPDATE assignments SET seen_at = now() - interval '1 hour' WHERE id = $1`, [aid]);
    expect(await (await beat(erin.token)).json()).toEqual({ held: true, elsewhere: false, labelled: false, ttlSeconds: 120 });
    expect(await store.releaseStale(120)).toBe(0);
    expect((await beat(finn.token)).status).toBe(404);
    await store.db.query(`UPDATE assignments SET seen_at = now() - interval '1 hour' WHERE id = $1`, [aid]);
    expect(await store.releaseStale(120)).toBe(1);
    const finnHas = (await store.next(p.id, finn.id))!; // finn takes the only place
    expect(finnHas.id).not.toBe(aid);
    expect(await (await beat(erin.token)).json()).toEqual({ held: false, elsewhere: false, labelled: false, ttlSeconds: 120 });
    // erin opens another tab: it shows the other task; then finn walks away, freeing the first one's place
    const current = (await (await req(`/api/projects/${p.id}/next`, erin.token)).json()) as { assignment: { id: number } };
    expect(current.assignment.id).not.toBe(aid);
    await store.db.query(`UPDATE assignments SET seen_at = now() - interval '1 hour' WHERE id = $1`, [finnHas.id]);
    expect(await store.releaseStale(120)).toBe(1);
    // the first tab is stale: a label from it would be stored, but erin has moved on (the place is not kept for it)
    expect(await (await beat(erin.token)).json()).toEqual({ held: true, elsewhere: true, labelled: false, ttlSeconds: 120 });
    expect((await store.next(p.id, erin.id))!.id).toBe(current.assignment.id);
    // its late label still lands while the place is free
    const late = await req(`/api/assignments/${aid}/annotation`, erin.token, 'POST', { submissionId: 'erin-late-0001', label: { lessHallucination: 0, moreHelpful: 1 } });
    expect(late.status).toBe(201);
    expect(await (await beat(erin.token)).json()).toEqual({ held: true, elsewhere: false, labelled: true, ttlSeconds: 120 });
  });
  it('leave: the place goes back to the queue at once (another annotator gets the task), answered { released }; not for anyone else\'s', async () => {
    const p = await store.createProject('leave', project.imageDir, 1);
    await store.addItems(p.id, [{ externalId: 'l0', image: 'x.png', question: 'q', tasks: [{ type: 'preference', payload: { replies: ['a', 'b'] } }] }]);
    const [gina, hal] = await Promise.all(['leaver-gina', 'leaver-hal'].map((x) => store.addAnnotator(x)));
    const next = async (token: string) => ((await (await call(`/api/projects/${p.id}/next`, token)).json()) as { assignment: { id: number } | null }).assignment;
    const aid = (await next(gina.token))!.id;
    expect(await next(hal.token)).toBeNull();
    expect((await call(`/api/assignments/${aid}/leave`, hal.token, { method: 'POST' })).status).toBe(404);
    const left = await call(`/api/assignments/${aid}/leave`, gina.token, { method: 'POST' });
    expect(left.status).toBe(200);
    expect(await left.json()).toEqual({ released: true });
    expect(await (await call(`/api/assignments/${aid}/leave`, gina.token, { method: 'POST' })).json()).toEqual({ released: false });
    expect(await next(hal.token)).not.toBeNull();
  });
});
