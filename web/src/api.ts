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

/** Thrown when no answer came (offline, server down): its message is plain words, never the browser's "Failed to fetch". */
export class Unreachable extends Error {
  constructor(cause: unknown) {
    super('the workbench server could not be reached: check your connection, then try again', { cause });
  }
}

/** `fetch`, with a network failure as `Unreachable`. */
async function send(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, init);
  } catch (e) {
    throw new Unreachable(e);
  }
}

/**
 * The error for a refused request: the server's own message (plain words saying what to do), or,
 * from something in between that answered no JSON (a proxy's 502 page), a plain sentence — never
 * a bare "502 Bad Gateway".
 */
async function refused(res: Response): Promise<ApiError> {
  try {
    const msg = ((await res.json()) as ErrorBody).error.message;
    if (typeof msg === 'string' && msg) return new ApiError(res.status, msg);
  } catch {
    /* not JSON */
  }
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
  return e instanceof ApiError ? e.message : 'the workbench server could not be reached';
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
