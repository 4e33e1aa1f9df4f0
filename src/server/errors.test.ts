/**
 * One error→status map for both servers: every error code has a status, and the OpenAI-compatible
 * policy server and the feedback workbench answer the same status for the same error (each in its
 * own body shape), checked through each server's real Hono app.
 */
import { writeFile } from 'node:fs/promises';
import { tmpDir } from '../testing/tmp.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../agents/policy.js';
import { pngDataUrl } from '../scenes/png.js';
import { formatPrompt } from '../episode/prompt.js';
import { dbError, openDb } from '../feedback/db.js';
import { createDemoProject } from '../feedback/importer.js';
import { FeedbackStore, type Project } from '../feedback/store.js';
import type { PlayPayload } from '../feedback/tasks.js';
import { createImage } from '../scenes/image.js';
import { createViewLoader } from '../suite/loader.js';
import { AskfirstError, DataError, ERROR_CODES, InputError, NotFoundError, UpstreamError } from '../util/errors.js';
import { STATUS, errorResponse, openaiErrorResponse, toHttp } from './errors.js';
import { createOpenAIApp } from './openai/server.js';
import { createApp } from './workbench/app.js';

describe('STATUS', () => {
  it('maps every error code (ERROR_CODES) to an HTTP error status, and lists no other code', () => {
    expect(Object.keys(STATUS).sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      expect(Number.isInteger(STATUS[code]), code).toBe(true);
      expect(STATUS[code], code).toBeGreaterThanOrEqual(400);
      expect(STATUS[code], code).toBeLessThan(600);
    }
  });

  it('says 400 for a malformed request and for malformed data', () => {
    expect(STATUS.BAD_INPUT).toBe(400);
    expect(STATUS.BAD_DATA).toBe(400);
  });
});

describe('toHttp', () => {
  it('keeps an askfirst message, hides anything else behind a generic one, and logs every 5xx', () => {
    const logs: string[] = [];
    const log = (m: string) => logs.push(m);
    expect(toHttp(new NotFoundError('no such item 7'), log)).toEqual({ status: 404, code: 'NOT_FOUND', message: 'no such item 7' });
    expect(toHttp(new SyntaxError('Unexpected token'), log)).toMatchObject({ status: 400, code: 'BAD_INPUT' });
    expect(logs).toEqual([]);
    const secret = toHttp(new Error('password=hunter2'), log);
    expect(secret).toMatchObject({ status: 500, code: 'INTERNAL' });
    expect(secret.message).not.toContain('hunter2');
    expect(toHttp(new UpstreamError('upstream down'), log).status).toBe(502);
    expect(logs).toHaveLength(2);
    expect(logs[0]).toContain('hunter2');
    expect(toHttp(new DataError('bad png', { file: 'x.png' }), () => undefined).status).toBe(400);
    expect(toHttp('a string', () => undefined).status).toBe(500);
  });

  it("says 500 for a file of the server's own that is missing or damaged, logged whole, the client told it without the server's folders", async () => {
    // a suite env serve serves, one of its views gone since it started (the loader's own error)
    const dir = tmpDir('askfirst-errors');
    const view = join(dir, 'images', 'occlusion-00000_v3.png');
    const err = await createViewLoader(dir)({ path: 'images/occlusion-00000_v3.png' }, 'occlusion-00000').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toContain(view); // it was sent as it is: a 400, the path twice
    const logs: string[] = [];
    const answer = toHttp(err, (m) => logs.push(m));
    expect(answer).toEqual({
      status: 500,
      code: 'INTERNAL',
      message: "occlusion-00000_v3.png: episode occlusion-00000: cannot load view: image file not found: occlusion-00000_v3.png (a file of the server's; its log names it in full)",
    });
    expect(logs).toEqual([`askfirst server: BAD_DATA: ${(err as Error).message}`]);
    // a request's own image (no path of the server's) stays the client's 400
    expect(toHttp(new DataError('cannot decode image', { file: 'request image' }), () => undefined)).toEqual({ status: 400, code: 'BAD_DATA', message: 'request image: cannot decode image' });
  });

  it("says 507 for a full disk (the feedback database could not grow): the server's fault, not the request's, logged", () => {
    const logs: string[] = [];
    const full = toHttp(dbError(Object.assign(new Error('could not extend file "base/5/16432": No space left on device'), { code: '53100' }), 'the feedback database /srv/db'), (m) => logs.push(m));
    expect(full).toEqual({ status: 507, code: 'INTERNAL', message: "not stored: the server's disk is full (the feedback database /srv/db); try again once space is freed" });
    expect(logs).toEqual(['askfirst server: cannot write the feedback database /srv/db: no space left on the device (or quota exceeded); free some space or choose another disk']);
  });

  it('logs a thrown value that is not an Error as it is (String() said "[object Object]", and threw on one without a prototype)', () => {
    const logs: string[] = [];
    expect(toHttp({ status: 500, detail: 'pool exhausted' }, (m) => logs.push(m))).toMatchObject({ status: 500, code: 'INTERNAL', message: 'internal server error (see the server log)' });
    expect(toHttp(Object.assign(Object.create(null), { why: 'no prototype' }), (m) => logs.push(m)).status).toBe(500);
    expect(logs).toEqual(["askfirst server: unexpected error: { status: 500, detail: 'pool exhausted' }", "askfirst server: unexpected error: [Object: null prototype] { why: 'no prototype' }"]);
  });

  it('builds both body shapes with the same status', () => {
    const e = new InputError('say what to fix');
    expect(errorResponse(e)).toEqual({ status: 400, body: { error: { code: 'BAD_INPUT', message: 'say what to fix' } } });
    expect(openaiErrorResponse(e)).toEqual({ status: 400, body: { error: { message: 'say what to fix', type: 'invalid_request_error', param: null, code: 'BAD_INPUT' } } });
    expect(openaiErrorResponse(new AskfirstError('TIMEOUT', 'slow'), () => undefined).body.error.type).toBe('server_error');
  });
});

describe('both servers answer the same status for the same error', () => {
  let dir: string;
  let store: FeedbackStore;
  let project: Project;
  let alice: { id: number; token: string };
  let playId: number;
  /** What the policy behind either server throws next. */
  let thrown: unknown = null;
  const thrower: Policy = {
    name: 'thrower',
    act: async () => {
      throw thrown;
    },
  };
  const quiet = () => undefined;
  const openai = createOpenAIApp({ policy: thrower, log: quiet });
  let workbench: ReturnType<typeof createApp>;

  const img = pngDataUrl(createImage(4, 4, [1, 2, 3]));
  const chat = (text: string, imageUrl = img) =>
    openai.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'thrower', messages: [{ role: 'user', content: [{ type: 'text', text }, { type: 'image_url', image_url: { url: imageUrl } }] }] }),
    });
  const mcqa = formatPrompt('What is hidden?', ['Move the block.', 'circle', 'square']);
  const play = (body: string) =>
    workbench.request(`/api/assignments/${playId}/play`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' }, body });

  beforeAll(async () => {
    dir = tmpDir('af-errors');
    store = await FeedbackStore.open(await openDb());
    ({ project } = await createDemoProject(store, 'errors', join(dir, 'images'), 2, 1, { types: ['play'] }));
    alice = await store.addAnnotator('alice');
    workbench = createApp({ store, playPolicy: async () => thrower, log: quiet });
    const a = await store.next(project.id, alice.id, 'play');
    playId = a!.id;
  });
  afterAll(async () => {
    await store.close();
  });

  it('every error code thrown by the policy: the status of the one map, in each server’s body shape', async () => {
    for (const code of ERROR_CODES) {
      thrown = new AskfirstError(code, `failed with ${code}`);
      const o = await chat(mcqa);
      const w = await play('{"performed":0}');
      expect([o.status, w.status], code).toEqual([STATUS[code], STATUS[code]]);
      expect(await o.json(), code).toEqual({ error: { message: `failed with ${code}`, type: STATUS[code] < 500 ? 'invalid_request_error' : 'server_error', param: null, code } });
      expect(await w.json(), code).toEqual({ error: { code, message: `failed with ${code}` } });
    }
  });

  it('an unexpected error is 500 on both, and its message stays in the server log', async () => {
    thrown = new Error('secret detail');
    const o = await chat(mcqa);
    const w = await play('{"performed":0}');
    expect([o.status, w.status]).toEqual([500, 500]);
    expect(await o.text()).not.toContain('secret detail');
    expect(await w.text()).not.toContain('secret detail');
  });

  it('a request that is not valid (BAD_INPUT): 400 on both', async () => {
    const o = await chat('What is this?'); // not a multiple-choice prompt
    const w = await play('{"performed":-1}');
    expect([o.status, w.status]).toEqual([400, 400]);
    const oe = ((await o.json()) as { error: { code: string; message: string } }).error;
    expect(oe.code).toBe('BAD_INPUT');
    // the whole template, so a client can build it: marker, lettered lines, their newlines, the optional closing line
    expect(oe.message).toContain('"QUESTION Choose from the following options. Options:\\nA. OPTION\\nB. OPTION\\n"');
    expect(oe.message).toContain('"Please only return one of the options without any other words."');
    expect(((await w.json()) as { error: { code: string } }).error.code).toBe('BAD_INPUT');
    const badJson = await openai.request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect([badJson.status, (await play('{nope')).status]).toEqual([400, 400]);
  });

  it("an image that does not decode: the request's is a 400 (BAD_DATA), a file of the server's a 500 without its folders", async () => {
    const o = await chat(mcqa, `data:image/png;base64,${Buffer.from('not an image').toString('base64')}`);
    // The workbench decodes the play episode's view from the project folder: break that file. Not the annotator's
    // doing, and their answer had named the server's folder (a 400, BAD_DATA).
    const a = await store.assignment(playId, alice.id);
    const ep = (a.task.payload as PlayPayload).episode;
    await writeFile(join(project.imageDir, ep.views[ep.firstView]), 'not an image');
    const w = await play('{"performed":0}');
    expect([o.status, w.status]).toEqual([400, 500]);
    expect(((await o.json()) as { error: { code: string } }).error.code).toBe('BAD_DATA');
    const we = ((await w.json()) as { error: { code: string; message: string } }).error;
    expect(we.code).toBe('INTERNAL');
    expect(we.message).toMatch(/^[^/]+\.png: not a PNG or JPEG file \(a file of the server's; its log names it in full\)$/);
  });

  it('an unknown route: 404 on both', async () => {
    const o = await openai.request('/v1/nope');
    const w = await workbench.request('/api/nope', { headers: { authorization: `Bearer ${alice.token}` } });
    expect([o.status, w.status]).toEqual([404, 404]);
    expect(await o.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'NOT_FOUND' } });
    expect(await w.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});
