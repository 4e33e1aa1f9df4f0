/**
 * The feedback workbench HTTP API (Hono) and UI assets. Every /api route except /api/health
 * needs `Authorization: Bearer <annotator token>`; an annotator only ever sees their own
 * assignments, images of items assigned to them, and their own annotations (anyone else's
 * ids answer 404). Errors map to statuses in ../errors.ts only (the map the OpenAI server uses
 * too). Responses carry a strict Content Security Policy, so even a bug that put model text into
 * HTML could not run a script.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { readFile } from 'node:fs/promises';
import type { Policy } from '../../agents/policy.js';
import { checkPlayLabel, playUntilPause } from '../../feedback/play.js';
import { resolveImage } from '../../feedback/paths.js';
import { hashToken, type Annotator, type Assignment, type FeedbackStore } from '../../feedback/store.js';
import type { AssignmentInfo, HeartbeatResponse, LeaveResponse, NextResponse, PlayInfo, ProjectInfo } from '../../feedback/api-types.js';
import { isTaskType, TASK_TYPES, type PlayPayload, type PreferencePayload } from '../../feedback/tasks.js';
import type { Episode } from '../../episode/types.js';
import { AskfirstError, InputError, NotFoundError } from '../../util/errors.js';
import { didYouMean } from '../../util/did-you-mean.js';
import { errorResponse } from '../errors.js';
import { hostCheck, type HostTest } from '../host-check.js';
import { nestedDeeper } from '../json-depth.js';
import { serveUi } from './static.js';
import { getConnInfo } from '@hono/node-server/conninfo';
import { FailedAuthLimiter } from './auth-limit.js';
import type { AuthLimitConfig } from '../workbench-config.js';

export interface AppOptions {
  store: FeedbackStore;
  /** Makes the model that plays in play tasks, for one episode (views as absolute paths). */
  playPolicy: (episode: Episode<string>) => Promise<Policy>;
  /**
   * Seconds without activity after which an open assignment goes back to the queue (the server's
   * sweeper does that; here it only tells the page how often to send heartbeats). Default 3600.
   */
  assignmentTtlSeconds?: number;
  /** Built UI folder (index.html + assets); omitted = API only. */
  uiDir?: string;
  /** Where unexpected errors are logged. */
  log?: (msg: string) => void;
  /** Refused tokens allowed per client address and window (auth-limit.ts; its schema's defaults when omitted). */
  authLimit?: Partial<AuthLimitConfig>;
  /** The clock of the login cache and the sign-in limit, in ms (tests pass their own). */
  now?: () => number;
  /** The client's address (the sign-in limit's key); default the TCP peer's. Without one (a request made in-process) nothing is limited. */
  clientAddress?: (c: Context) => string | undefined;
  /**
   * Which Host headers to answer (../host-check.ts; a loopback server's own names, against DNS
   * rebinding); omitted = any. Another Host is a 403 saying so.
   */
  hostAllowed?: HostTest;
}

/** The TCP peer's address as @hono/node-server tells it; undefined when there is none (a request made in-process, `app.request`). */
function peerAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

// tokenHash: the hash of the token the request came with; the store refuses a label, play step or
// heartbeat once it was replaced (store.ts `tokenGoneSql`), though the login cache still let it in.
type Env = { Variables: { annotator: Annotator; tokenHash: string } };

// No 'unsafe-inline' for styles either: the UI's one style (the progress bar's width) is set through
// the DOM, which a CSP does not restrict; an injected <style> or style="" attribute would not apply.
const CSP = "default-src 'self'; img-src 'self' blob: data:; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/**
 * How long a checked token is taken on trust (ms): a revoked or replaced token is refused (401) at
 * most this long after the revocation (docs/hardening.md, "Workbench and the command line").
 */
export const AUTH_CACHE_MS = 5_000;

/** The largest id the database holds (its ids are `serial`, PostgreSQL's 32-bit integer). */
const MAX_ID = 2 ** 31 - 1;

function intParam(c: Context, name: string): number {
  const v = c.req.param(name) ?? c.req.query(name);
  const n = Number(v);
  // Any larger number reached the database, which refused it as out of range: a 500 instead of a 400.
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_ID) throw new InputError(`${name} must be an integer from 0 to ${MAX_ID}, got ${JSON.stringify(v)}`);
  return n;
}

/**
 * How deep a request body may nest (../json-depth.ts `nestedDeeper`, with this limit rather than serve's 64: a label is
 * at most four levels deep, body.label.transcript[0].reply). A 64 KiB body of 30 000 brackets had overflowed
 * `findNul`'s stack: a 500 and a stack trace in the log.
 */
export const MAX_BODY_DEPTH = 32;

/**
 * The path of the first string (value or key) holding U+0000 in a parsed JSON value, or null.
 * PostgreSQL text cannot store it. Recursive: for a value no deeper than MAX_BODY_DEPTH (`jsonBody` checks first).
 */
export function findNul(v: unknown, path: string): string | null {
  if (typeof v === 'string') return v.includes('\u0000') ? path : null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = findNul(v[i], `${path}[${i}]`);
      if (p) return p;
    }
    return null;
  }
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k.includes('\u0000')) return `a key of ${path}`;
      const p = findNul(x, `${path}.${k}`);
      if (p) return p;
    }
  }
  return null;
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const body = await c.req.json();
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new InputError('request body must be a JSON object');
  if (nestedDeeper(body, MAX_BODY_DEPTH)) {
    throw new InputError(`request body is nested more than ${MAX_BODY_DEPTH} levels deep; a label is at most 4 levels deep (body.label.transcript[0].reply)`);
  }
  const nul = findNul(body, 'body');
  if (nul) throw new InputError(`${nul} contains the NUL character (U+0000), which text fields cannot store; remove it`);
  return body as Record<string, unknown>;
}

/** What the client sees of an assignment: no hidden truth (answers, false facts) except where the task shows it. */
export function publicAssignment(a: Assignment): AssignmentInfo {
  const { task, item } = a;
  let payload = task.payload as AssignmentInfo['payload'];
  if (task.type === 'play') {
    const ep = (task.payload as PlayPayload).episode;
    payload = { views: ep.views.length, categories: ep.categories } satisfies PlayInfo;
  }
  return {
    id: a.id,
    taskId: task.id,
    type: task.type,
    payload,
    item: {
      id: item.id,
      externalId: item.externalId,
      question: item.question,
      modelOutput: item.modelOutput,
      // Factually Augmented RLHF: the scene's true facts are shown beside pairwise preferences only.
      facts: task.type === 'preference' ? ((task.payload as PreferencePayload).facts ?? item.facts.filter((f) => f.holds).map((f) => f.text)) : [],
    },
  } as AssignmentInfo; // type and payload agree by construction (the task's type picks its payload)
}

export function createApp(o: AppOptions): Hono<Env> {
  const { store } = o;
  const ttlSeconds = o.assignmentTtlSeconds ?? 3600;
  const app = new Hono<Env>();

  app.onError((e, c) => {
    if (e instanceof HTTPException) return e.getResponse();
    const { status, body } = errorResponse(e, o.log);
    return c.json(body, status as 400);
  });
  app.notFound((c) => {
    const { status, body } = errorResponse(new NotFoundError(`no route ${c.req.method} ${c.req.path}`));
    return c.json(body, status as 404);
  });

  app.use('*', async (c, next) => {
    await next();
    c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
  });

  // a refused Host goes to onError: the workbench's error shape
  app.use(
    '*',
    hostCheck(o.hostAllowed, 'workbench', (_c, message) => {
      throw new AskfirstError('FORBIDDEN', message);
    }),
  );

  // Token → annotator, cached for AUTH_CACHE_MS, so a page's requests cost no extra query each. A token
  // revoked or replaced (`askfirst feedback annotator NAME --revoke | --new-token`, perhaps from another
  // process: the database says so) is asked about again at most that long after it was last checked.
  // An entry outlives its AUTH_CACHE_MS as a token known to have worked: the sign-in limit never
  // holds it back (the database still decides), so annotators are not slowed by others' bad tokens.
  const now = o.now ?? (() => Date.now()); // read per call: tests fake Date
  const clientAddress = o.clientAddress ?? peerAddress;
  const limiter = new FailedAuthLimiter(o.authLimit, now);
  const authCache = new Map<string, { who: Annotator; until: number }>();
  const authenticate = async (c: Context, token: string): Promise<Annotator | null> => {
    const hit = authCache.get(token);
    if (hit && hit.until > now()) return hit.who;
    const address = clientAddress(c);
    if (!hit && address !== undefined) {
      const wait = limiter.retryAfter(address);
      if (wait > 0) {
        c.header('Retry-After', String(wait));
        throw new AskfirstError('BUSY', `too many refused tokens from your address: try again in ${wait} s, with the token the project owner gave you`);
      }
    }
    const who = await store.authenticate(token);
    if (who) {
      if (authCache.size >= 1000) authCache.clear();
      authCache.set(token, { who, until: now() + AUTH_CACHE_MS });
    } else {
      authCache.delete(token);
      if (address !== undefined) limiter.fail(address);
    }
    return who;
  };

  app.get('/api/health', (c) => c.json({ ok: true, engine: store.db.engine }));

  // 413 TOO_LARGE, as the workbench's other size refusals (431 headers: workbench.ts) and the other servers' body limits.
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: 64 * 1024,
      onError: (c) => {
        const { status, body } = errorResponse(new AskfirstError('TOO_LARGE', 'request body larger than 64 KiB'));
        return c.json(body, status as 413);
      },
    }),
  );
  app.use('/api/*', async (c, next) => {
    const h = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    const token = m?.[1];
    const who = token ? await authenticate(c, token) : null;
    if (!who || !token) throw new AskfirstError('UNAUTHORIZED', 'missing or invalid token: send "Authorization: Bearer <your annotator token>"');
    c.set('annotator', who);
    c.set('tokenHash', hashToken(token));
    await next();
    // API answers are not cached; a route that says how its answer may be (an image) keeps its own
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  });

  app.get('/api/me', (c) => c.json(c.get('annotator')));

  app.get('/api/projects', async (c) => {
    const me = c.get('annotator');
    const out: ProjectInfo[] = [];
    for (const p of await store.projects()) out.push({ id: p.id, name: p.name, labelsPerItem: p.labelsPerItem, progress: await store.progress(p.id, me.id) });
    return c.json(out);
  });

  app.get('/api/projects/:pid/progress', async (c) => {
    const p = await store.project(intParam(c, 'pid'));
    return c.json(await store.progress(p.id, c.get('annotator').id));
  });

  app.get('/api/projects/:pid/next', async (c) => {
    const p = await store.project(intParam(c, 'pid'));
    const type = c.req.query('type');
    if (type !== undefined && !isTaskType(type)) throw new InputError(`type must be one of ${TASK_TYPES.join(', ')}; got ${JSON.stringify(type)}${didYouMean(type, TASK_TYPES)}`);
    const a = await store.next(p.id, c.get('annotator').id, type, c.get('tokenHash'));
    return c.json({ assignment: a ? publicAssignment(a) : null, ttlSeconds } satisfies NextResponse);
  });

  app.get('/api/assignments/:aid', async (c) => c.json(publicAssignment(await store.assignment(intParam(c, 'aid'), c.get('annotator').id))));

  app.get('/api/assignments/:aid/image', async (c) => {
    const a = await store.assignment(intParam(c, 'aid'), c.get('annotator').id);
    const project = await store.project(a.item.projectId);
    let rel = a.item.image;
    if (a.task.type === 'preference' && (a.task.payload as PreferencePayload).image) rel = (a.task.payload as PreferencePayload).image!;
    const view = c.req.query('view');
    if (view !== undefined) {
      const pairViews = a.task.type === 'preference' ? (a.task.payload as PreferencePayload).views : undefined;
      if (a.task.type !== 'play' && !pairViews) throw new InputError('only play tasks and trajectory pairs have views');
      const views = pairViews ?? (a.task.payload as PlayPayload).episode.views;
      const v = intParam(c, 'view');
      if (v >= views.length) throw new InputError(`view must be below ${views.length}`);
      rel = views[v];
    }
    const file = await resolveImage(project.imageDir, rel);
    const buf = await readFile(file);
    const type = buf[0] === 0xff && buf[1] === 0xd8 ? 'image/jpeg' : 'image/png';
    return c.body(new Uint8Array(buf), 200, { 'Content-Type': type, 'Cache-Control': 'private, max-age=300' });
  });

  /** Replay a play task's episode on the server (a fresh policy each time, closed after). */
  const withPlay = async <T>(a: Assignment, fn: (ep: Episode<string>, policy: Policy, imageDir: string) => Promise<T>): Promise<T> => {
    const project = await store.project(a.item.projectId);
    const ep = (a.task.payload as PlayPayload).episode;
    const policy = await o.playPolicy(ep);
    try {
      return await fn(ep, policy, project.imageDir);
    } finally {
      await policy.close?.();
    }
  };
  /** The label to store: a play label's transcript and outcome are the server's replay, never the client's word. */
  const labelToStore = (a: Assignment, label: unknown): Promise<unknown> =>
    a.task.type === 'play' ? withPlay(a, (ep, policy, dir) => checkPlayLabel(ep, policy, dir, label)) : Promise.resolve(label);

  app.post('/api/assignments/:aid/annotation', async (c) => {
    const body = await jsonBody(c);
    if (typeof body.submissionId !== 'string') throw new InputError('submissionId (a client-generated UUID) is required');
    const me = c.get('annotator').id;
    const aid = intParam(c, 'aid');
    const a = await store.assignment(aid, me);
    const r = await store.submit(me, aid, body.submissionId, await labelToStore(a, body.label), c.get('tokenHash'));
    return c.json(r, r.replayed ? 200 : 201);
  });

  // The page is in use: the assignment's time limit starts again (a released one is taken back
  // while its task has a free slot). `held: false` says a label for it could no longer be stored;
  // `elsewhere`, that the annotator has since moved on to another task (api-types.ts).
  app.post('/api/assignments/:aid/heartbeat', async (c) => {
    const state = await store.keep(intParam(c, 'aid'), c.get('annotator').id, c.get('tokenHash'));
    return c.json({ held: state !== 'taken', elsewhere: state === 'elsewhere', labelled: state === 'labelled', ttlSeconds } satisfies HeartbeatResponse);
  });

  // The annotator left the task (the page was closed, they signed out): its slot goes back to the queue now, not
  // when its time limit runs out (store.ts `leave`). Asking for work in another project does the same for this one.
  app.post('/api/assignments/:aid/leave', async (c) => {
    const released = await store.leave(intParam(c, 'aid'), c.get('annotator').id, c.get('tokenHash'));
    return c.json({ released } satisfies LeaveResponse);
  });

  app.post('/api/assignments/:aid/play', async (c) => {
    const body = await jsonBody(c);
    const performed = body.performed === undefined ? 0 : body.performed;
    // Only a JSON integer: Number() took true as 1 and "2" as 2.
    if (typeof performed !== 'number' || !Number.isInteger(performed) || performed < 0 || performed > 64) {
      throw new InputError(`performed must be an integer 0–64, got ${JSON.stringify(performed)}`);
    }
    const me = c.get('annotator').id;
    const a = await store.assignment(intParam(c, 'aid'), me);
    if (a.task.type !== 'play') throw new InputError(`assignment ${a.id} is a ${a.task.type} task, not play`);
    // A play step is activity, and answers as a label would (the submit route): the model plays on
    // only while a label for this play can still be stored — 'held', or 'elsewhere' (stored while its
    // task has room). Else the page learns now, not only when it submits. An annotator revoked inside
    // the login cache, or with a token replaced inside it, is refused here (401) as their label would be.
    const state = await store.keep(a.id, me, c.get('tokenHash'));
    if (state === 'taken') {
      throw new NotFoundError(
        `no assignment ${a.id} for you any more: it expired (no activity for longer than the time limit) and the task's places have since gone to other annotators, so a label for this play could not be saved; load your current task`,
      );
    }
    if (state === 'labelled') {
      throw new AskfirstError('CONFLICT', `assignment ${a.id} is already labelled, so a label for this play would not be saved; change the label with PUT /api/annotations/<id>`);
    }
    return c.json(await withPlay(a, (ep, policy, dir) => playUntilPause(ep, policy, dir, performed)));
  });

  app.get('/api/annotations', async (c) => {
    const p = await store.project(intParam(c, 'project'));
    const limit = c.req.query('limit') ? intParam(c, 'limit') : 100;
    return c.json(await store.myAnnotations(c.get('annotator').id, p.id, limit));
  });

  app.get('/api/annotations/:id', async (c) => c.json(await store.annotation(c.get('annotator').id, intParam(c, 'id'))));

  app.put('/api/annotations/:id', async (c) => {
    const body = await jsonBody(c);
    const me = c.get('annotator').id;
    const n = await store.annotation(me, intParam(c, 'id'));
    const label = await labelToStore(await store.assignment(n.assignmentId, me), body.label);
    return c.json(await store.update(me, n.id, label, c.get('tokenHash')));
  });

  if (o.uiDir) serveUi(app, o.uiDir);
  return app;
}
