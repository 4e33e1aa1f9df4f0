/**
 * Playing probe items through a Policy, the way `askfirst eval` plays episodes: the episode
 * runner (agents/runner.ts, batched or pipelined for `openai:` with its concurrency, cache and
 * retries), a resumable results directory per part (eval/store.ts: `results.jsonl` appended as
 * items finish, `run.json`; a re-run of the same command continues), and a progress bar.
 */
import { join } from 'node:path';
import type { EpisodeRecord, EvalMode } from '../episode/types.js';
import type { Policy } from '../agents/policy.js';
import { runEpisodes } from '../agents/runner.js';
import { openResults } from '../eval/store.js';
import type { SuiteEpisode } from '../suite/types.js';
import { memoryLoader } from '../suite/loader.js';
import { progress } from '../util/progress.js';

/** What every probe run is given (besides its items). */
export interface ProbeRunOptions {
  policy: Policy;
  /** Output directory (omit: in memory only). */
  out?: string;
  /** What identifies the run: a re-run with the same description resumes. */
  run: Record<string, unknown>;
  overwrite?: boolean;
  batchSize?: number;
  showProgress?: boolean;
  signal?: AbortSignal;
}

export interface PlayOptions {
  policy: Policy;
  episodes: readonly SuiteEpisode[];
  /** Results directory of this part (omit: in memory only). */
  dir?: string;
  /** What identifies the run: a re-run with the same description resumes. */
  run: Record<string, unknown>;
  overwrite?: boolean;
  batchSize?: number;
  mode?: EvalMode;
  label: string;
  showProgress?: boolean;
  signal?: AbortSignal;
}

/** Play every item (skipping those done in an earlier run); records in input order, and how many were resumed. */
export async function playItems(o: PlayOptions): Promise<{ records: EpisodeRecord[]; resumed: number }> {
  const store = o.dir ? await openResults(o.dir, o.run, { overwrite: o.overwrite }) : null;
  const order = new Map(o.episodes.map((e, i) => [e.id, i]));
  const known = store ? store.done.filter((r) => order.has(r.id)) : [];
  const bar = progress(o.label, o.episodes.length, { enabled: o.showProgress ?? false, unit: 'items' });
  bar.tick(known.length);
  let last = known.length;
  try {
    const fresh = await runEpisodes(o.episodes, o.policy, {
      mode: o.mode ?? 'proactive',
      loader: memoryLoader,
      batchSize: o.batchSize,
      skip: store?.doneIds,
      signal: o.signal,
      onRecord: (r) => store?.append(r),
      onProgress: (n) => {
        bar.tick(n + known.length - last);
        last = n + known.length;
      },
    });
    const records = [...known, ...fresh].sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    return { records, resumed: known.length };
  } finally {
    bar.stop();
    store?.close();
  }
}

/** Join a results directory under `out` (undefined out → in memory). */
export const partDir = (out: string | undefined, part: string) => (out ? join(out, part) : undefined);
