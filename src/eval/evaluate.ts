/**
 * Evaluate one policy on a set of episodes in one or more modes, writing per-mode results
 * (resumable: re-running the same command continues) and `summary.json` (every rate with its
 * 95 % interval, overall and per kind, plus whatever provenance the caller adds). Used by
 * `askfirst eval`.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { summarize, type Summary } from '../episode/metrics.js';
import type { EpisodeRecord, EpisodeRecordCore, EvalMode } from '../episode/types.js';
import type { Policy } from '../agents/policy.js';
import type { ViewLoader } from '../suite/types.js';
import type { Episodes } from '../suite/episode-stream.js';
import { writeJson } from '../util/fsx.js';
import { playMode } from './play.js';
import { intervalSummary, type IntervalSummary } from './intervals.js';
import { formatFields } from '../util/file-format.js';
import { EVAL_SUMMARY_FORMAT } from './formats.js';

export interface EvaluateOptions {
  /** A list, or a stream read again for each mode (suite/episode-stream.ts: `askfirst eval` holds no suite whole). */
  episodes: Episodes;
  loader: ViewLoader;
  policy: Policy;
  modes: readonly EvalMode[];
  /** Output directory; omit to keep everything in memory. */
  out?: string;
  /** What identifies this run (policy, data, …): a re-run with the same description resumes. */
  run?: Record<string, unknown>;
  overwrite?: boolean;
  /** Earlier forms of run.dataFingerprint for the same data: an earlier run.json holding one resumes (store.ts openResults). */
  earlierDataFingerprints?: readonly string[];
  batchSize?: number;
  sample?: boolean;
  showProgress?: boolean;
  signal?: AbortSignal;
  /** Extra fields for summary.json (provenance, the full config, the data fingerprint). */
  summaryExtra?: Record<string, unknown>;
}

/** `R`: what is kept of each record (evaluate's `keep`; the whole record unless said). */
export interface EvaluateResult<R extends EpisodeRecordCore = EpisodeRecord> {
  summaries: Partial<Record<EvalMode, Summary>>;
  /** 95 % intervals of every rate, per mode (overall and per kind). */
  intervals: Partial<Record<EvalMode, IntervalSummary>>;
  records: Partial<Record<EvalMode, R[]>>;
  /** Episodes finished in earlier runs and skipped now, per mode. */
  resumed: Partial<Record<EvalMode, number>>;
  wallSeconds: number;
}

/**
 * `keep`: what to keep of each record, handed every record of a mode in input order once the mode is played (`askfirst
 * eval`: compactRecord, what the summary reads; a large run's records are read back from its results.jsonl, not held
 * while it plays). Without it, the whole records.
 */
export function evaluate(o: EvaluateOptions): Promise<EvaluateResult>;
export function evaluate<R extends EpisodeRecordCore>(o: EvaluateOptions, keep: (r: EpisodeRecord, mode: EvalMode) => R): Promise<EvaluateResult<R>>;
export async function evaluate<R extends EpisodeRecordCore>(o: EvaluateOptions, keep: (r: EpisodeRecord, mode: EvalMode) => R = (r) => r as unknown as R): Promise<EvaluateResult<R>> {
  const t0 = performance.now();
  const res: EvaluateResult<R> = { summaries: {}, intervals: {}, records: {}, resumed: {}, wallSeconds: 0 };
  // --overwrite discards the records the summary describes: the summary goes with them, before any is played, so a run
  // stopped before it finishes (Ctrl-C, a server that gave up) leaves no summary of the discarded run (its episodes,
  // settings, data fingerprint and figures) beside the records of this one; it is written again once this one finishes
  if (o.out && o.overwrite) await rm(join(o.out, 'summary.json'), { force: true });
  for (const mode of o.modes) {
    const { records, resumed } = await playMode({ ...o, mode, dir: o.out ? join(o.out, mode) : undefined, run: { ...(o.run ?? {}), mode }, label: `eval ${mode}` }, (r) => keep(r, mode));
    res.records[mode] = records;
    res.summaries[mode] = summarize(records);
    res.intervals[mode] = intervalSummary(records);
    res.resumed[mode] = resumed;
  }
  res.wallSeconds = (performance.now() - t0) / 1000;
  if (o.out) {
    await writeJson(join(o.out, 'summary.json'), {
      ...formatFields(EVAL_SUMMARY_FORMAT),
      policy: o.policy.name,
      ...o.run,
      ...o.summaryExtra,
      modes: res.summaries,
      intervals: res.intervals,
      wallSeconds: res.wallSeconds,
    });
  }
  return res;
}
