/**
 * Play episodes in one mode through a Policy into a resumable results directory: the episode
 * runner (agents/runner.ts — batched, or pipelined for `openai:` with its concurrency, cache and
 * retries), `results.jsonl` appended as episodes finish (eval/store.ts; a re-run of the same
 * description skips what is done), and a progress bar. `askfirst eval` (eval/evaluate.ts) plays
 * each mode with it; the probes (probes/run.ts) play their items with it.
 */
import { join } from 'node:path';
import type { EpisodeRecord, EvalMode } from '../episode/types.js';
import { recordProblem } from '../episode/validate.js';
import type { Policy } from '../agents/policy.js';
import { playEpisodes } from '../agents/runner.js';
import type { ViewLoader } from '../suite/types.js';
import { episodeStream, type Episodes } from '../suite/episode-stream.js';
import { DataError, UpstreamError } from '../util/errors.js';
import { progress } from '../util/progress.js';
import { openResults } from './store.js';

export interface PlayModeOptions {
  /** A list, or a stream read a line at a time (suite/episode-stream.ts): a pass plays them, none held but its batch. */
  episodes: Episodes;
  loader: ViewLoader;
  policy: Policy;
  mode: EvalMode;
  /** Results directory (omit: in memory only). */
  dir?: string;
  /** What identifies the run: a re-run with the same description resumes. */
  run: Record<string, unknown>;
  overwrite?: boolean;
  /** Earlier forms of run.dataFingerprint for the same data: an earlier run.json holding one resumes (store.ts openResults). */
  earlierDataFingerprints?: readonly string[];
  batchSize?: number;
  sample?: boolean;
  /** Progress bar label. */
  label: string;
  /** Progress bar unit (default: episodes). */
  unit?: string;
  showProgress?: boolean;
  signal?: AbortSignal;
}

/**
 * A server failed (the model's, or open mode's judge: gone, overloaded past --retries, or refusing) with `kept` records
 * in `file`: they are kept, and the same command resumes from them once it answers (the key is not part of the run's
 * description: a fixed key resumes too; a change of model or generation settings is other settings, which --overwrite
 * starts afresh). `e` with that said.
 */
export function serverFailed(e: UpstreamError, file: string, kept: number): UpstreamError {
  return new UpstreamError(
    kept === 0
      ? `${e.message}. No episode finished, so ${file} is empty: once the server answers (or what it refused is fixed), run the same command again`
      : `${e.message}. The ${kept} episode${kept === 1 ? '' : 's'} played so far ${kept === 1 ? 'is' : 'are'} kept in ${file}: once the server answers (or what it refused is fixed), run the same command again, and it resumes from ${kept === 1 ? 'it' : 'them'} (another model or other generation settings need --overwrite)`,
    { cause: e, status: e.status, param: e.param },
  );
}

/** What playMode returns: the mode's records in input order (as `keep` makes them), and how many were resumed. */
export interface Played<R> {
  records: R[];
  resumed: number;
}

/**
 * Play every episode (skipping those done in an earlier run); records in input order, and how many were resumed. With a
 * results directory, the records are read back from its results.jsonl once all are played (ResultsStore.finish) and
 * each is kept as `keep` makes it: `askfirst eval` keeps what its summary reads (compactRecord), not 100,000 records'
 * per-turn text.
 */
export function playMode(o: PlayModeOptions): Promise<Played<EpisodeRecord>>;
export function playMode<R>(o: PlayModeOptions, keep: (r: EpisodeRecord) => R): Promise<Played<R>>;
export async function playMode<R>(o: PlayModeOptions, keep: (r: EpisodeRecord) => R = (r) => r as R): Promise<Played<R>> {
  const store = o.dir ? await openResults(o.dir, o.run, { overwrite: o.overwrite, check: recordProblem, earlierDataFingerprints: o.earlierDataFingerprints }) : null; // a damaged record is named, not counted as it is
  const episodes = episodeStream(o.episodes);
  const order = new Map<string, number>(); // each episode's place, as the runner takes them
  const bar = progress(o.label, episodes.count, {
    enabled: o.showProgress ?? false,
    unit: o.unit ?? 'episodes',
  });
  let resumed = 0; // the episodes taken that an earlier run played
  let ticked = 0;
  const taken = async function* () {
    let place = 0;
    for await (const e of episodes.episodes()) {
      order.set(e.id, place++);
      if (store?.doneIds.has(e.id)) {
        resumed++;
        bar.tick(1);
      }
      yield e;
    }
  };
  let kept = store?.doneIds.size ?? 0;
  const fresh: EpisodeRecord[] = []; // without a results directory: the records, held
  try {
    await playEpisodes(taken(), o.policy, {
      mode: o.mode,
      loader: o.loader,
      batchSize: o.batchSize,
      skip: store?.doneIds,
      sample: o.sample,
      signal: o.signal,
      onRecord: (r) => {
        if (store) store.append(r);
        else fresh.push(r);
        kept++;
      },
      onProgress: (n) => {
        bar.tick(n - ticked);
        ticked = n;
      },
    });
    const records: R[] = [];
    // the file in input order: a resumed run's bytes are an uninterrupted one's
    if (store) await store.finish(order, (r) => records.push(keep(r)));
    else for (const r of fresh.sort((a, b) => order.get(a.id)! - order.get(b.id)!)) records.push(keep(r));
    return { records, resumed };
  } catch (e) {
    // Ended by a signal (Ctrl-C) or an error: the bar says where it stopped or failed, not "N/M episodes in Xs" as if done
    if (o.signal?.aborted) bar.interrupt();
    else bar.fail();
    // A view that cannot be read stops the run with its results kept. Say what a re-run does: the data fingerprint
    // (suite/fingerprint.ts) covers every image, so the fixed image is other data: with records kept only --overwrite
    // starts again; with none (eval/store.ts: nothing to lose) the same command does.
    if (store && e instanceof DataError) {
      const file = join(store.dir, 'results.jsonl');
      throw new DataError(
        kept === 0
          ? `${e.message}. No episode finished, so ${file} is empty: once the file is fixed (or removed from the data), run the same command again; it starts this mode afresh`
          : `${e.message}. The ${kept} episode${kept === 1 ? '' : 's'} played so far ${kept === 1 ? 'is' : 'are'} kept in ${file}, but the data fingerprint covers every image: once the file is fixed (or removed from the data) this run cannot resume on it; run the same command with --overwrite to play this mode afresh`,
        { cause: e },
      );
    }
    if (store && e instanceof UpstreamError) throw serverFailed(e, join(store.dir, 'results.jsonl'), kept);
    throw e;
  } finally {
    bar.stop();
    store?.close();
  }
}
