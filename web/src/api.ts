/** The workbench API client: bearer token from sessionStorage, JSON in and out, errors with the server's message. */

import type {
  ErrorBody,
  HeartbeatResponse,
  Label,
  LeaveResponse,
  Me,
  NextResponse,
  PlayRequest,
  PlayState,
  ProjectInfo,
  Progress,
  SubmitRequest,
  SubmitResponse,
  TaskType,
} from '../../src/feedback/api-types.js';

// The API's types are the server's own (src/feedback/api-types.ts, types only: nothing of it is bundled).
export type * from '../../src/feedback/api-types.js';

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const KEY = 'askfirst.token';
export const tokenStore = {
  get: () => sessionStorage.getItem(KEY),
  set: (t: string) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

/**
 * The project this tab works in, kept with the token for the tab's life: a reload comes back to it (and to the task
 * held there), not to the first project, whose request for work would give that task back to the queue.
 */
const PROJECT_KEY = 'askfirst.project';
export const projectStore = {
  get: (): number | null => {
    const v = Number(sessionStorage.getItem(PROJECT_KEY) ?? NaN);
    return Number.isInteger(v) ? v : null;
  },
  set: (id: number) => sessionStorage.setItem(PROJECT_KEY, String(id)),
  clear: () => sessionStorage.removeItem(PROJECT_KEY),
};

/**
 * Thrown when no answer came from the workbench server (offline, server down), or only a reverse proxy's 502, 503 or
 * 504 page in its place (`proxyStatus`: the proxy is up, the server behind it is not): its message is plain words,
 * never the browser's "Failed to fetch" or a bare "502 Bad Gateway".
 */
export class Unreachable extends Error {
  constructor(cause: unknown, readonly proxyStatus?: number) {
    super(`the workbench server could not be reached${proxyStatus ? ` (the proxy in front of it answered ${proxyStatus})` : ''}: check your connection, then try again`, { cause });
  }
}

/** What a proxy answers for a server behind it that is down or too slow (Bad Gateway, Service Unavailable, Gateway Timeout). */
const PROXY_DOWN = new Set([502, 503, 504]);

/** `fetch`, with a network failure as `Unreachable`. */
async function send(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, init);
  } catch (e) {
    throw new Unreachable(e);
  }
}

/**
 * The error for a refused request: the server's own message (plain words saying what to do); a 502, 503 or 504 that
 * is not the server's (a proxy's HTML page: the server behind it is down) as `Unreachable`, as if no answer came; or,
 * from something in between that answered no JSON otherwise, a plain sentence — never a bare "502 Bad Gateway".
 */
async function refused(res: Response): Promise<Error> {
  try {
    const msg = ((await res.json()) as ErrorBody).error.message;
    if (typeof msg === 'string' && msg) return new ApiError(res.status, msg);
  } catch {
    /* not JSON */
  }
  if (PROXY_DOWN.has(res.status)) return new Unreachable(new Error(`HTTP ${res.status}`), res.status);
  return new ApiError(res.status, `the workbench server answered with an error (HTTP ${res.status}); try again in a moment, or tell the project owner if it keeps happening`);
}

/** `keepalive`: the request outlives the page (sent as it is closed). */
async function request<T>(method: string, path: string, body?: unknown, keepalive = false): Promise<T> {
  const res = await send(path, {
    method,
    keepalive,
    headers: { authorization: `Bearer ${tokenStore.get() ?? ''}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw await refused(res);
  try {
    return (await res.json()) as T;
  } catch (e) {
    // A cut-off answer: as if none came.
    throw new Unreachable(e);
  }
}

/** What went wrong, in words for the page: the server's message, or that it could not be reached (never a stack or a raw status). */
export function whyFailed(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  const proxy = e instanceof Unreachable ? e.proxyStatus : undefined;
  return `the workbench server could not be reached${proxy ? ` (the proxy in front of it answered ${proxy})` : ''}`;
}

/** A 401: the token is not (or no longer) one the server accepts. */
export const isTokenRefused = (e: unknown): boolean => e instanceof ApiError && e.status === 401;

export const api = {
  me: () => request<Me>('GET', '/api/me'),
  projects: () => request<ProjectInfo[]>('GET', '/api/projects'),
  progress: (pid: number) => request<Progress>('GET', `/api/projects/${pid}/progress`),
  next: (pid: number, type?: TaskType) => request<NextResponse>('GET', `/api/projects/${pid}/next${type ? `?type=${type}` : ''}`),
  submit: (aid: number, submissionId: string, label: Label) =>
    request<SubmitResponse>('POST', `/api/assignments/${aid}/annotation`, { submissionId, label } satisfies SubmitRequest),
  heartbeat: (aid: number) => request<HeartbeatResponse>('POST', `/api/assignments/${aid}/heartbeat`),
  /** The annotator left the task (the page is being closed, they sign out): its place goes back to the queue now. */
  leave: (aid: number) => request<LeaveResponse>('POST', `/api/assignments/${aid}/leave`, undefined, true),
  play: (aid: number, performed: number) => request<PlayState>('POST', `/api/assignments/${aid}/play`, { performed } satisfies PlayRequest),
  /** The image of an assignment as an object URL (fetched with the token, so images need auth too). */
  async image(aid: number, view?: number): Promise<string> {
    const res = await send(`/api/assignments/${aid}/image${view === undefined ? '' : `?view=${view}`}`, {
      headers: { authorization: `Bearer ${tokenStore.get() ?? ''}` },
    });
    if (!res.ok) throw await refused(res);
    try {
      return URL.createObjectURL(await res.blob());
    } catch (e) {
      throw new Unreachable(e);
    }
  },
};
