/** The workbench API client: bearer token from sessionStorage, JSON in and out, errors with the server's message. */

import type {
  ErrorBody,
  HeartbeatResponse,
  Label,
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

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${tokenStore.get() ?? ''}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) {
    let msg = `${res.status} ${res.statusText}`;
    try {
      msg = ((await res.json()) as ErrorBody).error.message;
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, msg);
  }
  return (await res.json()) as T;
}

export const api = {
  me: () => request<Me>('GET', '/api/me'),
  projects: () => request<ProjectInfo[]>('GET', '/api/projects'),
  progress: (pid: number) => request<Progress>('GET', `/api/projects/${pid}/progress`),
  next: (pid: number, type?: TaskType) => request<NextResponse>('GET', `/api/projects/${pid}/next${type ? `?type=${type}` : ''}`),
  submit: (aid: number, submissionId: string, label: Label) =>
    request<SubmitResponse>('POST', `/api/assignments/${aid}/annotation`, { submissionId, label } satisfies SubmitRequest),
  heartbeat: (aid: number) => request<HeartbeatResponse>('POST', `/api/assignments/${aid}/heartbeat`),
  play: (aid: number, performed: number) => request<PlayState>('POST', `/api/assignments/${aid}/play`, { performed } satisfies PlayRequest),
  /** The image of an assignment as an object URL (fetched with the token, so images need auth too). */
  async image(aid: number, view?: number): Promise<string> {
    const res = await fetch(`/api/assignments/${aid}/image${view === undefined ? '' : `?view=${view}`}`, {
      headers: { authorization: `Bearer ${tokenStore.get() ?? ''}` },
    });
    if (!res.ok) throw new ApiError(res.status, `image unavailable (${res.status})`);
    return URL.createObjectURL(await res.blob());
  },
};
