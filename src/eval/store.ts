/**
 * A resumable results directory for one evaluation: `results.jsonl` (one EpisodeRecord a line,
 * appended as each episode ends, put in the episodes' order once all are played) and `run.json` (what was run). Re-opening the same directory
 * with the same run description continues where it stopped, skipping finished episodes; a
 * line cut short by a crash is dropped and its episode re-run; a different run description is
 * refused so two runs never mix in one file (unless the earlier run finished no episode: then
 * there is nothing to lose and the new run starts afresh). The directory is locked while open (lock.ts), so
 * two processes on the same `--out` cannot both append.
 */
import { existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EpisodeRecord } from '../episode/types.js';
import { samePolicySpec } from '../agents/registry.js';
import { ConfigError, DataError } from '../util/errors.js';
import { lockDir } from './lock.js';
import { JsonlAppender, writeFileAtomic, writeJson, writeJsonlAtomic } from '../util/fsx.js';
import { jsonlHasContent, readJsonlLineAt, reopenJsonl, streamJsonl } from '../util/jsonl.js';
import { checkFileFormat, formatFields, withoutFormat } from '../util/file-format.js';
import { RESULTS_RUN_FORMAT } from './formats.js';

export interface ResultsStore {
  dir: string;
  /** The episodes whose records are already present (from earlier runs); the records are not held (finish reads them). */
  doneIds: Set<string>;
  /** Whether results.jsonl was repaired on open (a cut-short tail line dropped, a repeated id, a missing final newline). */
  repairedTail: boolean;
  append(r: EpisodeRecord): void;
  /**
   * Once every episode is played: rewrite results.jsonl (atomically) with its records in the run's input order (`order`:
   * each episode's place), when its lines are in another, and hand `each` the records of `order`'s episodes in that order.
   * Records are appended as episodes end, and which end first depends on the episodes left to play (the runner refills
   * its batch as episodes finish), so an uninterrupted and a resumed run would otherwise hold the same lines in different
   * orders. Records in the file of no episode of `order` stay, after them. The file is read a line at a time and each
   * record read again where it is (util/jsonl.ts readJsonlLineAt) as it is written: none is held. Closes the file.
   */
  finish(order: ReadonlyMap<string, number>, each?: (r: EpisodeRecord) => void): Promise<void>;
  close(): void;
}

/** A value for the refusal message, cut to 80 characters. */
function short(v: unknown): string {
  const s = v === undefined ? '(absent)' : JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

/**
 * `check`: what is wrong with a record read back, in one line, or null (`recordProblem` for episode records, which
 * every metric reads; open mode's records have fields of their own); without it, any object with an id is kept.
 */
export interface OpenResultsOptions {
  overwrite?: boolean;
  check?: (value: unknown) => string | null;
  /**
   * Earlier forms of `run.dataFingerprint` for the same data (suite/fingerprint.ts dataFingerprints): a run.json holding
   * one is of this data, and resumes (its run.json then gets today's form).
   */
  earlierDataFingerprints?: readonly string[];
}

/**
 * The keys on which the run.json `prev` (its format fields taken off) describes another run than `run`: a resumed run's
 * must have none (openResults), as must an earlier mode's whose figures eval's summary.json keeps (evaluate.ts).
 */
export function runDifferences(prev: Record<string, unknown> | null, run: Record<string, unknown>, earlierDataFingerprints?: readonly string[]): string[] {
  // the data as spelled (`suite`, `suite/`, `./suite`, `suite:suite`, or from another working directory) is the same
  // data when its fingerprint is: only the fingerprint counts then (`--data suite/`, as a shell completes it, was refused)
  // (or an earlier form of it: an older askfirst's fingerprint of the same data)
  const sameData =
    typeof run.dataFingerprint === 'string' &&
    (prev?.dataFingerprint === run.dataFingerprint || (typeof prev?.dataFingerprint === 'string' && !!earlierDataFingerprints?.includes(prev.dataFingerprint)));
  // so is a policy whose argument is a path (`builtin:runs/rl/` after `builtin:runs/rl`): the path decides, not its spelling
  const samePolicy = typeof prev?.policy === 'string' && typeof run.policy === 'string' && samePolicySpec(prev.policy, run.policy);
  const unread = (k: string) => k in run && run[k] === undefined;
  // a setting not written (an older askfirst's run.json, before the setting was kept) and one written as null are both "not set"
  const value = (v: unknown) => JSON.stringify(v ?? null);
  const differs = (k: string) => !(sameData && (k === 'data' || k === 'dataFingerprint')) && !(samePolicy && k === 'policy') && !unread(k) && value(prev?.[k]) !== value(run[k]);
  return [...new Set([...Object.keys(prev ?? {}), ...Object.keys(run)])].filter(differs);
}

/**
 * Open the results in `dir` of the run `run` describes, resuming them when its run.json describes the same run. A key of
 * `run` given as `undefined` names a setting this run does not read (eval's `--seed` for an oracle policy): it is
 * neither written nor compared, whatever an earlier run.json holds for it.
 */
export async function openResults(dir: string, run: Record<string, unknown>, opts: OpenResultsOptions = {}): Promise<ResultsStore> {
  const lock = lockDir(dir);
  try {
    const store = await openLocked(dir, run, opts);
    return {
      ...store,
      finish: (order, each) => store.finish(order, each),
      close: () => {
        store.close();
        lock.release();
      },
    };
  } catch (e) {
    lock.release();
    throw e;
  }
}

async function openLocked(dir: string, run: Record<string, unknown>, opts: OpenResultsOptions): Promise<ResultsStore> {
  const resultsPath = join(dir, 'results.jsonl');
  const runPath = join(dir, 'run.json');
  let doneIds: Set<string>;
  let repairedTail = false;
  // An earlier run that stopped before its first episode (e.g. on a view that did not load) left
  // nothing to lose: whatever its run.json says, this run simply starts afresh there.
  // (the file is read a line at a time, here and below: one of over 512 MB, some 600,000 records, is more than a string holds)
  const resume = !opts.overwrite && existsSync(runPath) && existsSync(resultsPath) && (await jsonlHasContent(resultsPath));
  if (resume) {
    let prev: Record<string, unknown> | null;
    try {
      prev = JSON.parse(await readFile(runPath, 'utf8'));
    } catch (e) {
      throw new DataError('run.json does not parse as JSON (damaged?); use --overwrite to start this directory afresh, or another --out', { file: runPath, cause: e });
    }
    checkFileFormat(prev, runPath, RESULTS_RUN_FORMAT, 'add --overwrite to start this directory afresh, or use another --out');
    if (prev && typeof prev === 'object' && !Array.isArray(prev)) prev = withoutFormat(prev);
    const keys = runDifferences(prev, run, opts.earlierDataFingerprints);
    if (keys.length) {
      const what = keys.map((k) => `${k}: ${short(prev?.[k])} before, ${short(run[k])} now`).join('; ');
      throw new ConfigError(
        `${dir} holds results of a different run (${runPath}) — ${what}; resuming would mix two runs in one file. Use another --out, run with the earlier settings and data, or add --overwrite to start afresh`,
      );
    }
    // The first record per id (a crash between append and exit cannot duplicate, but be safe); a cut-short last line
    // dropped, and the file rewritten whole when the next append would join a line (reopenJsonl).
    const reopened = await reopenJsonl<EpisodeRecord>(resultsPath, (value, line) => {
      const problem = !value || typeof value !== 'object' || typeof value.id !== 'string' ? `not an episode record (${JSON.stringify(value)?.slice(0, 40)})` : opts.check?.(value);
      if (problem) throw new DataError(`${problem}; delete that line to re-run its episode, or use --overwrite`, { file: resultsPath, line });
      return value.id;
    });
    doneIds = reopened.keys;
    repairedTail = reopened.repaired;
  } else {
    doneIds = new Set();
    await writeFileAtomic(resultsPath, '');
  }
  await writeJson(runPath, { ...formatFields(RESULTS_RUN_FORMAT), ...run });
  const appender = new JsonlAppender(resultsPath);
  return {
    dir,
    doneIds,
    repairedTail,
    append: (r) => appender.append(r),
    finish: async (order, each) => {
      appender.close();
      await putInOrder(resultsPath, order, each);
    },
    close: () => appender.close(),
  };
}

/** ResultsStore.finish's work on the file `path`: its records in `order`, the others after them in file order. */
async function putInOrder(path: string, order: ReadonlyMap<string, number>, each?: (r: EpisodeRecord) => void): Promise<void> {
  // where each record's line is, its bytes' check (a line rewritten in place meanwhile is refused, not written as
  // another record), and its episode's place (-1: no episode of `order`)
  const lines: { place: number; line: number; offset: number; bytes: number; check: number }[] = [];
  for await (const { value, line, offset, bytes, check } of streamJsonl<EpisodeRecord>(path, { check: true })) lines.push({ place: order.get(value.id) ?? -1, line, offset, bytes, check });
  const ordered = [...lines.filter((l) => l.place >= 0).sort((a, b) => a.place - b.place), ...lines.filter((l) => l.place < 0)];
  if (ordered.every((l, i) => l === lines[i])) {
    if (each) for await (const { value } of streamJsonl<EpisodeRecord>(path)) if (order.has(value.id)) each(value);
    return;
  }
  const fh = await open(path, 'r');
  try {
    const records = async function* () {
      for (const l of ordered) {
        const r = await readJsonlLineAt<EpisodeRecord>(fh, path, l);
        if (l.place >= 0) each?.(r);
        yield r;
      }
    };
    await writeJsonlAtomic(path, records()); // the file read (fh) stays the one replaced until it is closed
  } finally {
    await fh.close();
  }
}
