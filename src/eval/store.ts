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
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EpisodeRecord } from '../episode/types.js';
import { samePolicySpec } from '../agents/registry.js';
import { ConfigError, DataError } from '../util/errors.js';
import { lockDir } from './lock.js';
import { JsonlAppender, writeFileAtomic, writeJson, writeJsonlAtomic } from '../util/fsx.js';
import { jsonlHasContent, reopenJsonl } from '../util/jsonl.js';
import { checkFileFormat, formatFields, withoutFormat } from '../util/file-format.js';
import { RESULTS_RUN_FORMAT } from './formats.js';

export interface ResultsStore {
  dir: string;
  /** Records already present (from earlier runs), in file order. */
  done: EpisodeRecord[];
  doneIds: Set<string>;
  /** Whether results.jsonl was repaired on open (a cut-short tail line dropped, a repeated id, a missing final newline). */
  repairedTail: boolean;
  append(r: EpisodeRecord): void;
  /**
   * Once every episode is played: rewrite results.jsonl (atomically) with `records` in the run's input order, when its
   * lines are in another. Records are appended as episodes end, and which end first depends on the episodes left to
   * play (the runner refills its batch as episodes finish), so an uninterrupted and a resumed run would otherwise hold
   * the same lines in different orders. Records in the file that `records` lacks stay, after them. Closes the file.
   */
  finish(records: readonly EpisodeRecord[]): Promise<void>;
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
      finish: (records) => store.finish(records),
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
  let done: EpisodeRecord[];
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
    // the data as spelled (`suite`, `suite/`, `./suite`, `suite:suite`, or from another working directory) is the same
    // data when its fingerprint is: only the fingerprint counts then (`--data suite/`, as a shell completes it, was refused)
    const sameData = typeof run.dataFingerprint === 'string' && prev?.dataFingerprint === run.dataFingerprint;
    // so is a policy whose argument is a path (`builtin:runs/rl/` after `builtin:runs/rl`): the path decides, not its spelling
    const samePolicy = typeof prev?.policy === 'string' && typeof run.policy === 'string' && samePolicySpec(prev.policy, run.policy);
    const unread = (k: string) => k in run && run[k] === undefined;
    // a setting not written (an older askfirst's run.json, before the setting was kept) and one written as null are both "not set"
    const value = (v: unknown) => JSON.stringify(v ?? null);
    const differs = (k: string) => !(sameData && k === 'data') && !(samePolicy && k === 'policy') && !unread(k) && value(prev?.[k]) !== value(run[k]);
    const keys = [...new Set([...Object.keys(prev ?? {}), ...Object.keys(run)])].filter(differs);
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
    done = reopened.records;
    repairedTail = reopened.repaired;
  } else {
    done = [];
    await writeFileAtomic(resultsPath, '');
  }
  await writeJson(runPath, { ...formatFields(RESULTS_RUN_FORMAT), ...run });
  const appender = new JsonlAppender(resultsPath);
  const inFile = done.map((r) => r.id); // the file's order
  return {
    dir,
    done,
    doneIds: new Set(inFile),
    repairedTail,
    append: (r) => {
      appender.append(r);
      inFile.push(r.id);
    },
    finish: async (records) => {
      appender.close();
      const ids = new Set(records.map((r) => r.id));
      const ordered = [...records, ...done.filter((r) => !ids.has(r.id))];
      if (ordered.length === inFile.length && ordered.every((r, i) => r.id === inFile[i])) return;
      await writeJsonlAtomic(resultsPath, ordered);
    },
    close: () => appender.close(),
  };
}
