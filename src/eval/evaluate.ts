/**
 * Evaluate one policy on a set of episodes in one or more modes, writing per-mode results
 * (resumable: re-running the same command continues) and `summary.json`. Used by
 * `askfirst eval` and by the demo.
 */
import { join } from 'node:path';
import { summarize, type Summary } from '../episode/metrics.js';
import type { EpisodeRecord, EvalMode } from '../episode/types.js';
import type { Policy } from '../agents/policy.js';
import type { SuiteEpisode, ViewLoader } from '../suite/types.js';
import { writeJson } from '../util/fsx.js';
import { progress } from '../util/progress.js';
import { runEpisodes } from '../agents/runner.js';
import { openResults } from './store.js';

export interface EvaluateOptions {
  episodes: readonly SuiteEpisode[];
  loader: ViewLoader;
  policy: Policy;
  modes: readonly EvalMode[];
  /** Output directory; omit to keep everything in memory. */
  out?: string;
  /** What identifies this run (policy, data, …): a re-run with the same description resumes. */
  run?: Record<string, unknown>;
  overwrite?: boolean;
  batchSize?: number;
  sample?: boolean;
  showProgress?: boolean;
  signal?: AbortSignal;
  /** More fields for summary.json (e.g. the entries of --data that were skipped). */
  summaryExtra?: Record<string, unknown>;
}

export interface EvaluateResult {
  summaries: Partial<Record<EvalMode, Summary>>;
  records: Partial<Record<EvalMode, EpisodeRecord[]>>;
  /** Episodes finished in earlier runs and skipped now, per mode. */
  resumed: Partial<Record<EvalMode, number>>;
  wallSeconds: number;
}

export async function evaluate(o: EvaluateOptions): Promise<EvaluateResult> {
  const t0 = performance.now();
  const res: EvaluateResult = { summaries: {}, records: {}, resumed: {}, wallSeconds: 0 };
  const order = new Map(o.episodes.map((e, i) => [e.id, i]));
  for (const mode of o.modes) {
    const store = o.out ? await openResults(join(o.out, mode), { ...(o.run ?? {}), mode }, { overwrite: o.overwrite }) : null;
    const known = store ? store.done.filter((r) => order.has(r.id)) : [];
    const bar = progress(`eval ${mode}`, o.episodes.length, { enabled: o.showProgress ?? false, unit: 'episodes' });
    bar.tick(known.length);
    let last = known.length;
    try {
      const fresh = await runEpisodes(o.episodes, o.policy, {
        mode,
        loader: o.loader,
        batchSize: o.batchSize,
        skip: store?.doneIds,
        sample: o.sample,
        signal: o.signal,
        onRecord: (r) => store?.append(r),
        onProgress: (n) => {
          bar.tick(n + known.length - last);
          last = n + known.length;
        },
      });
      const all = [...known, ...fresh].sort((a, b) => order.get(a.id)! - order.get(b.id)!);
      res.records[mode] = all;
      res.summaries[mode] = summarize(all);
      res.resumed[mode] = known.length;
    } finally {
      bar.stop();
      store?.close();
    }
  }
  res.wallSeconds = (performance.now() - t0) / 1000;
  if (o.out) await writeJson(join(o.out, 'summary.json'), { policy: o.policy.name, ...o.run, modes: res.summaries, ...o.summaryExtra, wallSeconds: res.wallSeconds });
  return res;
}
