/**
 * Evaluate one policy on a set of episodes in one or more modes, writing per-mode results
 * (resumable: re-running the same command continues) and `summary.json` (every rate with its
 * 95 % interval, overall and per kind, plus whatever provenance the caller adds; a mode an earlier run into the same
 * folder finished and this one does not play keeps its figures there: earlierModes; the data fingerprint, when the caller
 * records none: dataInfoUnlessGiven). Used by `askfirst eval` and the library (api/evaluate.ts).
 */
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { summarize, type Summary } from '../episode/metrics.js';
import { EVAL_MODES, type EpisodeRecord, type EpisodeRecordCore, type EvalMode } from '../episode/types.js';
import { recordProblem } from '../episode/validate.js';
import type { Policy } from '../agents/policy.js';
import type { ViewLoader } from '../suite/types.js';
import type { Episodes } from '../suite/episode-stream.js';
import { writeJson } from '../util/fsx.js';
import { DataError } from '../util/errors.js';
import { noteLine } from '../util/progress.js';
import { streamJsonl } from '../util/jsonl.js';
import { episodeStream } from '../suite/episode-stream.js';
import { dataFingerprints } from '../suite/fingerprint.js';
import { playMode } from './play.js';
import { lockDir } from './lock.js';
import { runDifferences } from './store.js';
import { intervalSummary, type IntervalSummary } from './intervals.js';
import { checkFileFormat, formatFields, withoutFormat } from '../util/file-format.js';
import { EVAL_SUMMARY_FORMAT, RESULTS_RUN_FORMAT } from './formats.js';

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
  /** Where a line for the user goes (an earlier mode's figures not kept in summary.json, and why); stderr (noteLine) unless said. */
  notice?: (line: string) => void;
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
    // the modes an earlier command played into this folder, finished, of this run (policy, data, settings), and not played
    // now: their figures stay in summary.json (`--mode proactive` after `--mode proactive,reference` dropped reference's
    // while reference/results.jsonl stayed, which `askfirst report` and `compare --baseline` read)
    // the ids of the episodes: those of a mode played now (every episode, in input order), so the episodes are not read again
    const played = o.modes.length ? res.records[o.modes[0]] : undefined;
    const kept = await earlierModes(o, o.out, keep, played && new Set(played.map((r) => r.id)));
    const modes = { ...res.summaries };
    const intervals = { ...res.intervals };
    for (const mode of EVAL_MODES) {
      const recs = kept[mode];
      if (!recs) continue;
      modes[mode] = summarize(recs);
      intervals[mode] = intervalSummary(recs);
    }
    await writeJson(join(o.out, 'summary.json'), {
      ...formatFields(EVAL_SUMMARY_FORMAT),
      policy: o.policy.name,
      ...o.run,
      ...o.summaryExtra,
      ...(await dataInfoUnlessGiven(o)),
      modes,
      intervals,
      ...(Object.keys(kept).length ? { keptModes: EVAL_MODES.filter((m) => kept[m]) } : {}),
      wallSeconds: res.wallSeconds,
    });
  }
  return res;
}

/**
 * `dataInfo` with the episodes' fingerprint (suite/fingerprint.ts) for summary.json, when the caller records none
 * (`run.dataFingerprint` or `summaryExtra.dataInfo.fingerprint`; `askfirst eval` gives both): the library's evaluate()
 * given no `run` wrote a summary.json with no fingerprint, and `askfirst report` and `compare` could then not tell
 * whether its data was another run's. Views held in memory are hashed by their pixels, file views by their path as given
 * (the loader's folder is not known here), added to a `summaryExtra.dataInfo` without one. Nothing when the caller records one.
 */
async function dataInfoUnlessGiven(o: EvaluateOptions): Promise<{ dataInfo?: Record<string, unknown> }> {
  const given = o.summaryExtra?.dataInfo;
  if (typeof o.run?.dataFingerprint === 'string' || (given && typeof given === 'object' && typeof (given as Record<string, unknown>).fingerprint === 'string')) return {};
  const stream = episodeStream(o.episodes);
  const { fingerprint, earlier } = await dataFingerprints(stream.episodes());
  const kept = given && typeof given === 'object' && !Array.isArray(given) ? given : {};
  return { dataInfo: { episodes: stream.count, ...kept, fingerprint, ...(earlier.length ? { earlierFingerprints: earlier } : {}) } };
}

/**
 * The records (as `keep` makes them) of each mode not in `o.modes` whose folder in `out` holds a finished run of this one
 * (its run.json describes `o.run` in that mode, as a resumed run's must: store.ts runDifferences) with one sound record of
 * every episode of `o.episodes` (`episodeIds`: their ids where the caller has them; else the episodes are read for them).
 * A mode of another run (other data, policy or settings) or one stopped part-way is left out; so is one another process is
 * playing (locked) or one whose files do not read, each with a line to the user (`o.notice`) saying why its figures are gone.
 */
async function earlierModes<R>(o: EvaluateOptions, out: string, keep: (r: EpisodeRecord, mode: EvalMode) => R, episodeIds?: Set<string>): Promise<Partial<Record<EvalMode, R[]>>> {
  const kept: Partial<Record<EvalMode, R[]>> = {};
  const notice = o.notice ?? ((line: string) => noteLine(line));
  const notKept = (mode: EvalMode, why: string) => notice(`${mode}'s figures not kept in ${join(out, 'summary.json')}: ${why}`);
  let ids = episodeIds;
  for (const mode of EVAL_MODES.filter((m) => !o.modes.includes(m))) {
    const dir = join(out, mode);
    const [runPath, results] = [join(dir, 'run.json'), join(dir, 'results.jsonl')];
    if (!existsSync(runPath) || !existsSync(results)) continue;
    let lock: ReturnType<typeof lockDir>;
    try {
      lock = lockDir(dir);
    } catch (e) {
      notKept(mode, e instanceof Error ? e.message : String(e)); // being played by another process (lockDir says which)
      continue;
    }
    try {
      let prev: unknown;
      try {
        prev = JSON.parse(await readFile(runPath, 'utf8')) as unknown;
      } catch (e) {
        throw e instanceof SyntaxError ? new DataError('does not parse as JSON (damaged?)', { file: runPath }) : e;
      }
      checkFileFormat(prev, runPath, RESULTS_RUN_FORMAT);
      if (!prev || typeof prev !== 'object' || Array.isArray(prev)) continue;
      if (runDifferences(withoutFormat(prev as Record<string, unknown>), { ...(o.run ?? {}), mode }, o.earlierDataFingerprints).length) continue;
      if (!ids) {
        ids = new Set();
        for await (const e of episodeStream(o.episodes).episodes()) ids.add(e.id);
      }
      const seen = new Set<string>();
      const recs: R[] = [];
      let sound = true;
      for await (const { line, value } of streamJsonl<EpisodeRecord>(results, { tolerateTruncatedTail: true })) {
        const problem = recordProblem(value);
        if (problem) throw new DataError(`${problem} (damaged?)`, { file: results, line });
        if (!ids.has(value.id) || seen.has(value.id)) {
          sound = false;
          break;
        }
        seen.add(value.id);
        recs.push(keep(value, mode));
      }
      if (sound && seen.size === ids.size) kept[mode] = recs;
    } catch (e) {
      // a run.json or results.jsonl that does not read (damaged, a newer askfirst's): its figures are not kept, and the user is told
      notKept(mode, `${e instanceof Error ? e.message : String(e)} (its files are left as they are)`);
    } finally {
      lock.release();
    }
  }
  return kept;
}
