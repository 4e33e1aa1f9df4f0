/** The workbench API client: bearer token from sessionStorage, JSON in and out, errors with the server's message. */

export interface Me { id: number; name: string }
export interface Progress {
  tasks: number;
  completedTasks: number;
  labels: number;
  needed: number;
  mine: number;
  byType: Record<string, { tasks: number; completed: number; labels: number }>;
}
export interface ProjectInfo { id: number; name: string; labelsPerItem: number; progress: Progress }
export type TaskType = 'rationale' | 'ask' | 'preference' | 'play';
export interface AssignmentInfo {
  id: number;
  taskId: number;
  type: TaskType;
  payload: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  item: { id: number; externalId: string; question: string; modelOutput: string; facts: string[] };
}
export interface PlayState {
  turns: { view: number; reply: string; performed?: string }[];
  view: number;
  awaiting: string | null;
  done: boolean;
  outcome: string | null;
  success: boolean | null;
}

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
      msg = ((await res.json()) as { error: { message: string } }).error.message;
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
  next: (pid: number, type?: TaskType) => request<{ assignment: AssignmentInfo | null }>('GET', `/api/projects/${pid}/next${type ? `?type=${type}` : ''}`),
  submit: (aid: number, submissionId: string, label: unknown) => request<{ replayed: boolean }>('POST', `/api/assignments/${aid}/annotation`, { submissionId, label }),
  play: (aid: number, performed: number) => request<PlayState>('POST', `/api/assignments/${aid}/play`, { performed }),
  /** The image of an assignment as an object URL (fetched with the token, so images need auth too). */
  async image(aid: number, view?: number): Promise<string> {
    const res = await fetch(`/api/assignments/${aid}/image${view === undefined ? '' : `?view=${view}`}`, {
      headers: { authorization: `Bearer ${tokenStore.get() ?? ''}` },
    });
    if (!res.ok) throw new ApiError(res.status, `image unavailable (${res.status})`);
    return URL.createObjectURL(await res.blob());
  },
};
