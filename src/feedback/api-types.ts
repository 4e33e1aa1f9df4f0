/**
 * The feedback workbench's HTTP API contract, in one place: the types the server
 * (src/server/workbench/app.ts, backed by store.ts, tasks.ts and play.ts) sends and receives, and
 * the web client (web/src/api.ts) reads and sends. Types only and no imports: the web bundle's type
 * check (web/tsconfig.json: DOM, no Node types) compiles this file as well, and the bundle itself
 * never loads it (`import type` is erased).
 *
 * Routes (every /api route but /api/health needs `Authorization: Bearer <annotator token>`):
 *   GET  /api/me                          → Me
 *   GET  /api/projects                    → ProjectInfo[]
 *   GET  /api/projects/:pid/progress      → Progress
 *   GET  /api/projects/:pid/next?type=T   → NextResponse
 *   GET  /api/assignments/:aid            → AssignmentInfo
 *   GET  /api/assignments/:aid/image      → image/png or image/jpeg (?view=N for play tasks and trajectory pairs)
 *   POST /api/assignments/:aid/annotation   SubmitRequest → SubmitResponse (201 new, 200 replayed)
 *   POST /api/assignments/:aid/play         PlayRequest → PlayState
 *   POST /api/assignments/:aid/heartbeat    → HeartbeatResponse (the annotator is at work on it)
 *   POST /api/assignments/:aid/leave        → LeaveResponse (the annotator left it: page closed, signed out)
 *   GET  /api/annotations?project=P       → MyAnnotation[]
 *   GET  /api/annotations/:id             → Annotation
 *   PUT  /api/annotations/:id               UpdateRequest → Annotation
 * Errors: ErrorBody with the status of src/server/errors.ts.
 */

/** The four task types (tasks.ts holds the list `TASK_TYPES`). */
export type TaskType = 'rationale' | 'ask' | 'preference' | 'play';

/** The signed-in annotator. */
export interface Me {
  id: number;
  name: string;
}

export interface Progress {
  tasks: number;
  completedTasks: number;
  labels: number;
  needed: number;
  /** Labels by the asking annotator. */
  mine: number;
  byType: Record<string, { tasks: number; completed: number; labels: number }>;
}

export interface ProjectInfo {
  id: number;
  name: string;
  labelsPerItem: number;
  progress: Progress;
}

// ── what each task shows ───────────────────────────────────────────────────────────────────────

export interface RationalePayload {
  /** The answer the rationales explain (an intervention request or a category). */
  answer: string;
  /** The k candidate rationale sentences, in display order. */
  rationales: string[];
}

export interface AskPayload {
  /** The options shown at this turn, interventions first. */
  options: string[];
  /** How many of `options` are interventions. */
  numInterventions: number;
  /** The model's reply at this turn. */
  reply: string;
}

export interface PreferencePayload {
  /** Reply A and reply B. */
  replies: [string, string];
  /** The image the replies describe, relative to the image folder (default: the item's image). */
  image?: string;
  /** The true facts of that image, shown beside the replies (default: the item's true facts). */
  facts?: string[];
  /**
   * Trajectory pairs (pairs.ts: two plays of one episode by a policy): every view either play
   * saw, relative to the image folder (GET …/image?view=N serves views[N]) …
   */
  views?: string[];
  /** … and per reply (A, B) its turns in order: the view shown (an index into `views`) and the reply given. */
  turns?: [PairTurn[], PairTurn[]];
}

/** One turn of a trajectory shown in a preference task. */
export interface PairTurn {
  view: number;
  reply: string;
}

/** What the client sees of a play task: not the episode (it holds the answer), only its size. */
export interface PlayInfo {
  /** Number of views (images) in the episode. */
  views: number;
  categories: string[];
}

/** The payload each task type shows the client. */
export interface PublicPayloads {
  rationale: RationalePayload;
  ask: AskPayload;
  preference: PreferencePayload;
  play: PlayInfo;
}

/** An assignment as the client sees it; `type` tells which payload it carries. */
export type AssignmentInfo<T extends TaskType = TaskType> = {
  [K in T]: {
    id: number;
    taskId: number;
    type: K;
    payload: PublicPayloads[K];
    item: {
      id: number;
      externalId: string;
      question: string;
      modelOutput: string;
      /** The scene's true facts, for preference tasks only (empty otherwise). */
      facts: string[];
    };
  };
}[T];

export interface NextResponse {
  /** null when the annotator has nothing left to do in the project. */
  assignment: AssignmentInfo | null;
  /** Seconds without activity after which an open assignment goes back to the queue (the page sends heartbeats well within it). */
  ttlSeconds: number;
}

// ── labels (tasks.ts validates them with zod schemas that must match these types) ──────────────

export interface RationaleLabel {
  /** Indices of the acceptable rationales. */
  accepted: number[];
  /** The annotator's own rationale. */
  own?: string;
}

export interface AskLabel {
  verdict: 'ask' | 'answer';
  /** The option the model should have chosen. */
  option: number;
}

export interface PreferenceLabel {
  /** 0 = reply A, 1 = reply B. */
  lessHallucination: 0 | 1;
  moreHelpful: 0 | 1;
}

/**
 * A play label. The server replays the episode with as many performed interventions as the
 * transcript marks and refuses (400) a transcript or outcome other than that replay's, or an
 * episode not over: send them as POST …/play answered them.
 */
export interface PlayLabel {
  transcript: PlayTurn[];
  outcome: string;
  /** 1 (poor) to 5 (excellent). */
  rating: number;
  comment?: string;
}

export type Label = RationaleLabel | AskLabel | PreferenceLabel | PlayLabel;

export interface Annotation {
  id: number;
  assignmentId: number;
  taskId: number;
  annotatorId: number;
  submissionId: string;
  label: Label;
  createdAt: string;
  updatedAt: string;
}

/** One of GET /api/annotations. */
export type MyAnnotation = Annotation & { type: TaskType; externalId: string };

export interface SubmitRequest {
  /** Chosen by the client (a UUID); a resubmission with the same id and label is a replay, not a second label (with another label: 409). */
  submissionId: string;
  label: Label;
}

export interface SubmitResponse {
  annotation: Annotation;
  replayed: boolean;
}

/**
 * The answer to a heartbeat. An assignment without activity (taking or resuming it, a play step,
 * a heartbeat) for `ttlSeconds` goes back to the queue; a label for it is still stored later while
 * its task has a free slot, and the heartbeat takes a released one back when it can.
 */
export interface HeartbeatResponse {
  /**
   * Whether a label for the assignment would be stored now (false: it expired and every slot of its task went to
   * others). True reserves the slot unless the annotator has since taken another task (another tab, another project):
   * then the assignment stays released, and a label sent later is stored only if a slot is still free (store.ts `keep`).
   */
  held: boolean;
  /**
   * The assignment was released (it expired, or the annotator asked for work in another project) and the annotator
   * has since taken another task (in another tab, this page reloaded, another project), so it stays released: `held`
   * is true (its task has a free slot), but nothing keeps that slot for it. The page is stale: it says so and offers
   * to load the current task (GET …/next resumes it).
   */
  elsewhere: boolean;
  /** Whether it is labelled already (in another tab, say: the page is stale). */
  labelled: boolean;
  /** The server's time limit without activity, in seconds. */
  ttlSeconds: number;
}

/**
 * The answer to POST /api/assignments/:aid/leave, which the page sends when it is closed or its annotator signs out
 * (unless another tab of theirs shows the same task): the task's slot goes back to the queue at once (store.ts
 * `leave`). A label sent for it later is still stored while its task has a free slot.
 */
export interface LeaveResponse {
  /** False when there was nothing to give back: it was labelled or released already. */
  released: boolean;
}

export interface UpdateRequest {
  label: Label;
}

// ── play ───────────────────────────────────────────────────────────────────────────────────────

/**
 * One play step: the server replays the episode until the model pauses. It is activity (the
 * assignment's time limit starts again) and is refused as a label would be: 404 once every place
 * of its task went to others, 409 once it is labelled.
 */
export interface PlayRequest {
  /** How many of the model's intervention requests the person has performed so far (0–64). */
  performed: number;
}

export interface PlayTurn {
  view: number;
  /** The model's reply at this turn. */
  reply: string;
  /** The intervention the person performed after this reply, if any. */
  performed?: string;
}

export interface PlayState {
  turns: PlayTurn[];
  /** The view shown now (the last turn's view while awaiting). */
  view: number;
  /** Set while the model waits for the person to perform this intervention. */
  awaiting: string | null;
  done: boolean;
  outcome: string | null;
  success: boolean | null;
  /** The category options, for showing what the model chose between. */
  options: string[];
}

// ── errors ─────────────────────────────────────────────────────────────────────────────────────

/** Every error answer; `code` is an askfirst error code (src/util/errors.ts). */
export interface ErrorBody {
  error: { code: string; message: string };
}
