/**
 * The evaluation runner: plays many episodes against one Policy, stepping a pool of active
 * episodes together so a batched policy (the built-in model, an HTTP client with concurrency)
 * sees whole batches. Finished episodes are handed to `onRecord` as they end, so a caller can
 * append them to disk and a re-run can skip them.
 */
import { EpisodeState } from '../episode/state.js';
import type { EpisodeRecord, EvalMode } from '../episode/types.js';
import type { ActOptions, Observation, Policy } from './policy.js';
import type { SuiteEpisode, ViewLoader } from '../suite/types.js';
import { AskfirstError } from '../util/errors.js';

export interface RunOptions {
  mode: EvalMode;
  loader: ViewLoader;
  /** Episodes stepped together (the policy's batch size; for a pipelined policy, episodes in play at once). */
  batchSize?: number;
  /** Step each episode as soon as its reply arrives (default: `policy.pipelined`). */
  pipeline?: boolean;
  /** Ids to skip (already done in an earlier run). */
  skip?: ReadonlySet<string>;
  /** Called once per finished episode, in completion order. */
  onRecord?: (r: EpisodeRecord, ep: SuiteEpisode) => void | Promise<void>;
  /** Called after every policy call with the number of episodes finished so far. */
  onProgress?: (finished: number) => void;
  /** Sample replies instead of greedy ones. */
  sample?: boolean;
  signal?: AbortSignal;
}

export class RunAborted extends AskfirstError {
  constructor(message = 'run interrupted; finished episodes are saved — re-run the same command to resume') {
    super('TIMEOUT', message);
  }
}

/**
 * A policy whose `act` returned another number of replies than it was given observations: the policy's fault, not
 * askfirst's (a user's own `Policy`, a plugin's), so BAD_INPUT with what is due, as serve's batcher says it
 * (server/openai/batcher.ts), not INTERNAL ("a bug: please report").
 */
function wrongReplyCount(policy: Policy, got: number, due: number): AskfirstError {
  const n = (k: number, one: string, many: string) => `${k} ${k === 1 ? one : many}`;
  return new AskfirstError(
    'BAD_INPUT',
    `policy ${policy.name} returned ${n(got, 'reply', 'replies')} for ${n(due, 'observation', 'observations')}: its act() must return one reply per observation, in their order (a fault of the policy, not of askfirst)`,
  );
}

/** Play every episode (minus `skip`) to the end; returns the records in input order. */
export async function runEpisodes(
  episodes: readonly SuiteEpisode[],
  policy: Policy,
  opts: RunOptions,
): Promise<EpisodeRecord[]> {
  const order = new Map(episodes.map((e, i) => [e.id, i]));
  const out: EpisodeRecord[] = [];
  await playEpisodes(episodes, policy, {
    ...opts,
    onRecord: async (r, ep) => {
      out.push(r);
      await opts.onRecord?.(r, ep);
    },
  });
  return out.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}

/**
 * Play every episode of `episodes` (minus `skip`) to the end, taking each from it only when a place in the batch is free
 * (a stream read a line at a time holds no more than the batch: suite/episode-stream.ts), and handing each record to
 * `onRecord` as its episode ends; it keeps none. Returns how many were played. The same batches, in the same order, as
 * from a list: the replies are the same.
 */
export async function playEpisodes(
  episodes: Iterable<SuiteEpisode> | AsyncIterable<SuiteEpisode>,
  policy: Policy,
  opts: RunOptions,
): Promise<number> {
  const todo = toPlay(episodes, opts.skip);
  const batchSize = Math.max(1, opts.batchSize ?? 64);
  const actOpts: ActOptions = { sample: opts.sample, signal: opts.signal };
  const counted = { finished: 0 };
  if (opts.pipeline ?? policy.pipelined === true) {
    await runPipelined(todo, policy, opts, batchSize, actOpts, counted);
    return counted.finished;
  }
  const active: EpisodeState<SuiteEpisode['views'][number]>[] = [];
  let more = true;
  for (;;) {
    while (more && active.length < batchSize) {
      const next = await todo.next();
      if (next.done) more = false;
      else active.push(new EpisodeState(next.value, opts.mode));
    }
    if (!active.length) break;
    if (opts.signal?.aborted) throw new RunAborted();
    const views = active.map((s) => s.observe());
    const obs: Observation[] = await Promise.all(
      views.map(async (v) => {
        const { viewRef, ...rest } = v;
        return { ...rest, image: await opts.loader(viewRef, v.episodeId) };
      }),
    );
    const replies = await policy.act(obs, actOpts);
    if (replies.length !== active.length) {
      throw wrongReplyCount(policy, replies.length, active.length);
    }
    const still: typeof active = [];
    for (let i = 0; i < active.length; i++) {
      const s = active[i];
      s.step(replies[i].reply, replies[i].cause);
      if (s.done) {
        counted.finished++;
        await opts.onRecord?.(s.record(), s.episode as SuiteEpisode);
      } else still.push(s);
    }
    active.length = 0;
    active.push(...still);
    opts.onProgress?.(counted.finished);
  }
  return counted.finished;
}

/** The episodes of `episodes` not in `skip`, one at a time (concurrent takers get one each, in order). */
function toPlay(episodes: Iterable<SuiteEpisode> | AsyncIterable<SuiteEpisode>, skip: ReadonlySet<string> | undefined): AsyncGenerator<SuiteEpisode> {
  return (async function* () {
    for await (const e of episodes) if (!skip?.has(e.id)) yield e;
  })();
}

/**
 * Pipelined play: `batchSize` workers each play one episode at a time, one observation per
 * policy call, so a concurrent backend keeps its requests in flight instead of waiting at
 * every turn for the slowest reply of a batch. Workers stop at the first error or abort: the
 * policy is told to halt (`ActOptions.halt`: no new request or retry, a backoff wait cut), a reply
 * already on the wire is awaited, and an episode it ends is recorded (its replies were paid for; a
 * re-run would ask again), an episode it does not end is left for a re-run. All are settled
 * before returning, so no record is written after the run has ended; the first failure is thrown
 * (not one a halted request ended with), a signal's RunAborted only when nothing else failed.
 */
async function runPipelined(
  todo: AsyncGenerator<SuiteEpisode>,
  policy: Policy,
  opts: RunOptions,
  batchSize: number,
  actOpts: ActOptions,
  counted: { finished: number },
): Promise<void> {
  let stop = false;
  const halt = new AbortController();
  const act: ActOptions = { ...actOpts, halt: halt.signal };
  const worker = async () => {
    while (!stop) {
      const next = await todo.next();
      if (next.done || stop) return; // another worker failed (or a signal came) while this one waited for its episode
      const s = new EpisodeState(next.value, opts.mode);
      while (!s.done) {
        if (stop || opts.signal?.aborted) throw new RunAborted();
        const { viewRef, ...rest } = s.observe();
        const obs: Observation = { ...rest, image: await opts.loader(viewRef, rest.episodeId) };
        const replies = await policy.act([obs], act);
        if (replies.length !== 1) throw wrongReplyCount(policy, replies.length, 1);
        s.step(replies[0].reply, replies[0].cause);
      }
      counted.finished++;
      await opts.onRecord?.(s.record(), s.episode as SuiteEpisode);
      opts.onProgress?.(counted.finished);
    }
  };
  const errors: unknown[] = []; // in the order they came
  await Promise.all(
    Array.from({ length: batchSize }, () =>
      worker().catch((e: unknown) => {
        stop = true;
        halt.abort();
        errors.push(e);
      }),
    ),
  );
  if (errors.length) throw errors.find((e) => !(e instanceof RunAborted)) ?? errors[0];
}
