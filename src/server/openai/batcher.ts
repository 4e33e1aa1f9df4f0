/**
 * How `askfirst serve` hands requests to its policy: concurrent requests are gathered into `act` calls (a batched model is
 * used well under load), and a request's outcome is its own — the replies do not depend on the batch, and one request's
 * failure does not fail the others (a pipelined policy is asked per request; a failed batch is asked again one by one).
 * A request whose client has gone (its `signal`: the connection closed) is not worked on further: a pipelined policy's
 * call is aborted (a proxy's upstream request is cancelled), its observations still waiting for a batch leave the queue,
 * and those of a failed batch are not asked again alone.
 */
import type { ActOptions, Observation, Policy, PolicyReply } from '../../agents/policy.js';
import { AskfirstError } from '../../util/errors.js';

/** What the policy is asked for a way of answering: greedy (nothing), or sampled with the request's temperature and top_p. */
function actOptions(opts: Pick<ActOptions, 'sample' | 'sampling'>): ActOptions {
  return opts.sample ? { sample: true, ...(opts.sampling ? { sampling: opts.sampling } : {}) } : {};
}

/**
 * How a request is submitted: its way of answering, `signal`, aborted once its client has gone (its connection closed),
 * and what its client asked of the replies' end (`limits`) and log-probabilities (`logprobs`), handed to a pipelined
 * policy (a proxy forwards them); a batched one is not asked per request, and its replies are cut by them afterwards (finish.ts).
 */
export type SubmitOptions = Pick<ActOptions, 'sample' | 'sampling' | 'signal' | 'limits' | 'logprobs'>;

/** Why a request was dropped: its client left before the reply (no one reads this; the server counts it and logs nothing). */
export class ClientGone extends AskfirstError {
  constructor() {
    super('TIMEOUT', 'the client closed its connection before the reply');
  }
}

interface Pending {
  /** Its queue (the way of answering). */
  key: string;
  obs: Observation;
  /** Its request's: aborted once the client has gone. */
  signal?: AbortSignal;
  resolve: (r: PolicyReply) => void;
  reject: (e: unknown) => void;
}

/**
 * Gathers concurrent requests into `act` calls of at most `maxBatch`, in arrival order, one call per way of answering:
 * greedy, or sampled at one temperature and top_p (each observation carries its own seed, so the batch a request
 * shares does not change its reply).
 */
export class MicroBatcher {
  /** Pending requests per way of answering, the oldest way first (a Map keeps insertion order). */
  private readonly queues = new Map<string, { opts: ActOptions; items: Pending[] }>();
  private running = false;
  batches = 0;
  observations = 0;
  /** `modelId`: the model as the server serves it (server.ts: servedModelId), named to a client, not the policy's name (a server path). */
  constructor(
    private readonly policy: Policy,
    private readonly maxBatch: number,
    private readonly modelId?: string,
  ) {}

  /**
   * The replies to one request's observations (its n choices). A pipelined policy (`openai:`, ocr-follow: one upstream
   * call per observation, nothing gained from batching) is asked for them alone, at once: batched with other clients'
   * requests, one upstream failure failed every request of its batch with that request's error, and halted their
   * upstream calls. Any other policy gets them through the batches.
   */
  async submitAll(obs: readonly Observation[], opts: SubmitOptions = {}): Promise<PolicyReply[]> {
    const { signal } = opts;
    if (signal?.aborted) throw new ClientGone();
    // the client's leaving aborts the pipelined call (an upstream request on the wire is cancelled, a backoff cut short):
    // before, it ran to its end for no one, holding one of --max-concurrent's places meanwhile
    if (this.policy.pipelined) return this.act(obs, { ...actOptions(opts), ...(signal ? { signal } : {}), ...(opts.limits ? { limits: opts.limits } : {}), ...(opts.logprobs ? { logprobs: opts.logprobs } : {}) });
    const mine: Pending[] = [];
    const replies = Promise.all(obs.map((o) => this.submit(o, opts, mine)));
    // observations still queued are withdrawn (one listener for the request's n): a batch already asked is others' too
    const withdraw = () => {
      for (const p of mine) this.withdraw(p);
    };
    signal?.addEventListener('abort', withdraw, { once: true });
    try {
      return await replies;
    } finally {
      signal?.removeEventListener('abort', withdraw);
    }
  }

  /** Take a pending observation out of its queue, rejected with `ClientGone`; one already in a batch is left to it. */
  private withdraw(p: Pending): void {
    const q = this.queues.get(p.key);
    const at = q ? q.items.indexOf(p) : -1;
    if (at < 0) return;
    q!.items.splice(at, 1);
    if (!q!.items.length) this.queues.delete(p.key);
    p.reject(new ClientGone());
  }

  /** One `act` call, counted for /healthz; a policy that returns another number of replies than asked is an INTERNAL error (naming `modelId`). */
  private async act(obs: readonly Observation[], opts: ActOptions): Promise<PolicyReply[]> {
    const replies = await this.policy.act(obs, opts);
    // said to the client (a 500 keeps an askfirst error's message): the model as served, never policy.name, which for
    // builtin:/srv/… is the server's folder
    if (replies.length !== obs.length) {
      throw new AskfirstError('INTERNAL', `${this.modelId ? `the model ${this.modelId}` : 'the policy'} returned ${replies.length} repl${replies.length === 1 ? 'y' : 'ies'} for ${obs.length} observation${obs.length === 1 ? '' : 's'} (one each is due: a fault of the served policy)`);
    }
    this.batches++;
    this.observations += obs.length;
    return replies;
  }

  /** One observation, through the batches; `mine` collects its pending entry (submitAll withdraws it when the client goes). */
  private submit(obs: Observation, opts: SubmitOptions, mine: Pending[]): Promise<PolicyReply> {
    const key = opts.sample ? JSON.stringify(['sample', opts.sampling?.temperature ?? 1, opts.sampling?.topP ?? 1]) : 'greedy';
    return new Promise((resolve, reject) => {
      let q = this.queues.get(key);
      if (!q) this.queues.set(key, (q = { opts: actOptions(opts), items: [] }));
      const p: Pending = { key, obs, signal: opts.signal, resolve, reject };
      mine.push(p);
      q.items.push(p);
      setImmediate(() => void this.pump());
    });
  }

  private async alone(p: Pending, opts: ActOptions): Promise<void> {
    try {
      p.resolve((await this.act([p.obs], opts))[0]);
    } catch (e) {
      p.reject(e);
    }
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    const next = this.queues.entries().next();
    if (next.done) return;
    const [key, q] = next.value;
    this.running = true;
    const batch = q.items.splice(0, this.maxBatch);
    if (!q.items.length) this.queues.delete(key);
    try {
      const replies = await this.act(
        batch.map((p) => p.obs),
        q.opts,
      );
      batch.forEach((p, i) => p.resolve(replies[i]));
    } catch (e) {
      // Replies do not depend on the batch, so each observation is asked again alone and gets its own outcome: one
      // request's failure (an oracle asked about an episode it was not given) failed every request batched with it.
      // One whose client has gone meanwhile is not asked again: it was, for no one (a policy call each, in turn).
      if (batch.length === 1) batch[0].reject(e);
      else
        for (const p of batch) {
          if (p.signal?.aborted) p.reject(new ClientGone());
          else await this.alone(p, q.opts);
        }
    } finally {
      this.running = false;
      if (this.queues.size) setImmediate(() => void this.pump());
    }
  }
}
