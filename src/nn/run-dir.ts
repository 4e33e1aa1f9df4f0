/**
 * The run directory of a training stage — the one module that knows its layout:
 *
 *   <out>/checkpoints/step-0000100/   model.safetensors, config.json, then state.json (last)
 *   <out>/checkpoints/step-0000200/   …the newest `keep` complete checkpoints are kept
 *   <out>/final/                      model.safetensors, then config.json (last): the finished model
 *   <out>/<log>.jsonl                 the stage's metrics, one line per logged step
 *
 * A checkpoint is complete once its `state.json` exists (written atomically after the weights),
 * so a kill -9 in the middle of writing one leaves an incomplete directory that is never resumed
 * from. A run is finished once `final/config.json` exists (`saveCheckpoint` writes it last) and is this run's: final/run-id
 * and the checkpoints' state.json name the run that wrote them (RunDir.runId). state.json carries a format version
 * (util/file-format.ts, STATE_FORMAT): one without it (written before) is version 1, a newer one is refused on resume.
 * "step" is the stage's own unit: an optimizer step of the supervised stage, an update of RL.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, NotFoundError } from '../util/errors.js';
import { writeFileAtomicSync } from '../util/fsx.js';
import { checkFileFormat, formatFields, newerVersion, withoutFormat, type FileFormat } from '../util/file-format.js';
import { linkTrouble } from '../util/fs-errors.js';
import { CHECKPOINT_FORMAT, CONFIG_FILE, readCheckpointConfig, WEIGHTS_FILE } from './checkpoint-config.js';

export const CHECKPOINTS_DIR = 'checkpoints';
export const FINAL_DIR = 'final';
/** Written last into a checkpoint directory: its presence marks the checkpoint complete. */
export const STATE_FILE = 'state.json';
/** state.json's version (util/file-format.ts): one without it, as askfirst wrote before, is version 1. */
export const STATE_FORMAT: FileFormat = { name: 'askfirst-checkpoint-state', version: 1 };
/** Written into final/ after its model: the id of the run that wrote it, as its checkpoints' state.json records it (`runId`). */
export const RUN_ID_FILE = 'run-id';

const STEP_DIR = /^step-(\d+)$/;

/** A complete checkpoint: its directory and the trainer state saved with it. */
export interface CompleteCheckpoint<S> {
  dir: string;
  step: number;
  state: S;
}

/** What a run directory holds (`RunDir.contents`): each complete checkpoint's step and final model, by when it was completed. */
export interface RunContents {
  steps: [step: number, completed: number | null][];
  final: number | null;
}

export class RunDir {
  private id: string | undefined;

  constructor(readonly root: string) {}

  /**
   * The id of the run training here, recorded in each checkpoint it writes (state.json's `runId`) and beside its final model
   * (final/run-id): the id of the newest complete checkpoint's run when there is one (a resumed run goes on as that run),
   * else a new one (a run started afresh: `reset` removed the checkpoints). It tells an earlier run's final model from this
   * run's exactly (finalIsEarlier), where modification times do not survive a copy (`cp -r` without `-p`).
   */
  runId(): string {
    if (this.id) return this.id;
    const steps = this.completeSteps();
    return (this.id = (steps.length ? this.checkpointRunId(steps[steps.length - 1]) : undefined) ?? randomUUID());
  }

  /**
   * The run id the checkpoint at `step` records, or undefined (a checkpoint from before ids were kept, unreadable, or a
   * newer askfirst's, whose fields may mean something else: resuming it is refused, latestComplete).
   */
  private checkpointRunId(step: number): string | undefined {
    try {
      const file = join(this.checkpointDir(step), STATE_FILE);
      const state: unknown = JSON.parse(readFileSync(file, 'utf8'));
      checkFileFormat(state, file, STATE_FORMAT);
      const id = (state as { runId?: unknown }).runId;
      return typeof id === 'string' && id ? id : undefined;
    } catch {
      return undefined;
    }
  }

  /** The run id final/ records, or undefined (a final model from before ids were kept, or one whose id was not written yet). */
  private finalRunId(): string | undefined {
    try {
      return readFileSync(join(this.finalDir, RUN_ID_FILE), 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  }

  get checkpoints(): string {
    return join(this.root, CHECKPOINTS_DIR);
  }

  get finalDir(): string {
    return join(this.root, FINAL_DIR);
  }

  /** The directory of the checkpoint at `step` (zero-padded to 7 digits; prune and completeSteps order by the number). */
  checkpointDir(step: number): string {
    return join(this.checkpoints, `step-${String(step).padStart(7, '0')}`);
  }

  /** Steps of the complete checkpoints, oldest first. */
  completeSteps(): number[] {
    if (!existsSync(this.checkpoints)) return [];
    return readdirSync(this.checkpoints)
      .flatMap((n) => {
        const m = STEP_DIR.exec(n);
        return m && existsSync(join(this.checkpoints, n, STATE_FILE)) ? [Number(m[1])] : [];
      })
      .sort((a, b) => a - b);
  }

  /**
   * The newest complete checkpoint with its saved state (without its format version), or null when there is none. A
   * state.json of a newer askfirst (STATE_FORMAT) is refused in one line naming it: its fields may mean something else.
   */
  latestComplete<S>(): CompleteCheckpoint<S> | null {
    const steps = this.completeSteps();
    if (!steps.length) return null;
    const step = steps[steps.length - 1];
    const dir = this.checkpointDir(step);
    const file = join(dir, STATE_FILE);
    let state: unknown;
    try {
      state = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new DataError('the checkpoint state does not parse as JSON; delete that checkpoint directory to resume from the one before', { file, cause: e });
    }
    checkFileFormat(state, file, STATE_FORMAT, 'use another --out');
    const fields = state && typeof state === 'object' && !Array.isArray(state) ? withoutFormat(state as Record<string, unknown>) : state;
    return { dir, step, state: fields as S };
  }

  /**
   * Refuse now what going on from this run would refuse later, reading the files it reads then: final/config.json when the
   * run is finished (its model is loaded), else the newest complete checkpoint's state.json and config.json (resumed from;
   * an unparseable state.json too, as latestComplete says). A newer askfirst's is refused in one line naming the file. For a
   * caller that takes the run up only after minutes of other work (the demos draw their suites first). A missing or
   * unparseable config.json is left to the reader then.
   */
  checkFormats(): void {
    if (this.isFinished()) {
      readCheckpointConfig(this.finalDir, { ifReadable: true });
      return;
    }
    const newest = this.latestComplete();
    if (newest) readCheckpointConfig(newest.dir, { ifReadable: true });
  }

  /**
   * The first file of this run a newer askfirst wrote (util/file-format.ts): final/config.json, then each checkpoint's
   * config.json and state.json, complete or not; undefined when there is none (a file missing or not JSON is not one). For
   * a command about to replace the run (`train --overwrite`, `demo --fresh`: outputs/out-owner.ts), which refuses it
   * rather than delete a newer askfirst's model it cannot read; nothing else of the run is read.
   */
  newerFile(): { file: string; format: FileFormat; version: number } | undefined {
    const steps = existsSync(this.checkpoints) ? readdirSync(this.checkpoints).filter((n) => STEP_DIR.test(n)) : [];
    const files: [string, FileFormat][] = [
      [join(this.finalDir, CONFIG_FILE), CHECKPOINT_FORMAT],
      ...steps.sort().flatMap((n): [string, FileFormat][] => [
        [join(this.checkpoints, n, CONFIG_FILE), CHECKPOINT_FORMAT],
        [join(this.checkpoints, n, STATE_FILE), STATE_FORMAT],
      ]),
    ];
    for (const [file, format] of files) {
      let value: unknown;
      try {
        value = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        continue;
      }
      const version = newerVersion(value, format);
      if (version !== undefined) return { file, format, version };
    }
    return undefined;
  }

  /**
   * Write the checkpoint at `step`: `writeWeights(dir)` first, then `state` as `state.json`, stamped with STATE_FORMAT first
   * (atomically: the checkpoint is complete from that moment), then prune to the newest `keep`.
   */
  saveCheckpoint(step: number, writeWeights: (dir: string) => void, state: unknown, keep = 2): string {
    const dir = this.checkpointDir(step);
    mkdirSync(dir, { recursive: true });
    writeWeights(dir);
    writeFileAtomicSync(join(dir, STATE_FILE), JSON.stringify({ ...formatFields(STATE_FORMAT), ...(state as object), runId: this.runId() }));
    this.prune(keep);
    return dir;
  }

  /**
   * Write the final model: `writeWeights(dir)` into final/ (its config.json last: finished from then), then this run's id
   * (runId) beside it. Stopped between the two, final/ holds the model with the id of the run it replaced, or none: an
   * earlier run's by the id, by modification time without one, so the run resumes from its checkpoint and writes it again.
   */
  saveFinal(writeWeights: (dir: string) => void): string {
    const id = this.runId();
    writeWeights(this.finalDir);
    writeFileAtomicSync(join(this.finalDir, RUN_ID_FILE), `${id}\n`);
    return this.finalDir;
  }

  /** Delete all checkpoint directories but the newest `keep` (incomplete ones count as old). */
  prune(keep: number): void {
    if (!existsSync(this.checkpoints)) return;
    // by step, not by name: past 9,999,999 steps the names grow a digit and sort before the older ones as text
    const all = readdirSync(this.checkpoints)
      .filter((n) => STEP_DIR.test(n))
      .sort((a, b) => Number(STEP_DIR.exec(a)![1]) - Number(STEP_DIR.exec(b)![1]));
    for (const n of all.slice(0, Math.max(0, all.length - keep))) rmSync(join(this.checkpoints, n), { recursive: true, force: true });
  }

  /** True when a run has started here: a complete checkpoint or a final model (what `--resume` continues or finds done). */
  hasRun(): boolean {
    return this.completeSteps().length > 0 || this.isFinished();
  }

  /** What the run holds now: its complete checkpoints and final model, each by when it was completed (`wroteSince`). */
  contents(): RunContents {
    const mtime = (f: string) => (existsSync(f) ? statSync(f).mtimeMs : null);
    return { steps: this.completeSteps().map((s) => [s, mtime(join(this.checkpointDir(s), STATE_FILE))]), final: mtime(join(this.finalDir, CONFIG_FILE)) };
  }

  /**
   * True when a checkpoint or a final model was completed here since `before` (`contents()` then). Removing only (a run
   * started over: `reset`) is not writing: what is left is what was there.
   */
  wroteSince(before: RunContents): boolean {
    const now = this.contents();
    const had = new Set(before.steps.map((s) => JSON.stringify(s)));
    return now.steps.some((s) => !had.has(JSON.stringify(s))) || (now.final !== null && now.final !== before.final);
  }

  /**
   * True once the stage wrote its final model — this run's: a final model older than the newest complete checkpoint is
   * an earlier run's, kept while a run started over in the folder (`train --overwrite`, `demo --fresh`) trains, and
   * replaced when it ends; stopped before that, the run is not finished: it resumes from its checkpoint (its final model
   * was taken for the new run's, and `--resume` said "already finished" over the earlier run's model).
   */
  isFinished(): boolean {
    return this.finalIsEarlier() === false;
  }

  /**
   * Whether final/ holds an earlier run's model (true, see isFinished), this run's (false), or none (null): by the run id
   * final/ and the newest complete checkpoint record (runId), else — one of them from before ids were kept — by
   * modification time, older than that checkpoint being an earlier run's (written in that order by one run, a final model
   * is never older than its checkpoints; but a run folder copied without its times, `cp -r`, can look so: 5 of 5 copies of
   * a demo's rl/ read as not finished here).
   */
  finalIsEarlier(): boolean | null {
    const final = join(this.finalDir, CONFIG_FILE);
    if (!existsSync(final)) return null;
    const steps = this.completeSteps();
    if (!steps.length) return false;
    const newest = steps[steps.length - 1];
    const [ran, finalRan] = [this.checkpointRunId(newest), this.finalRunId()];
    if (ran && finalRan) return ran !== finalRan;
    return statSync(join(this.checkpointDir(newest), STATE_FILE)).mtimeMs > statSync(final).mtimeMs;
  }

  /**
   * True when `--resume` of a run of `total` steps has nothing left to do: its final model is written and either its config
   * records that it reached `total` (`training.step` or `training.update`), or no complete checkpoint stops short of `total`
   * (the usual case is one at the last step; with none, the run ended without one). A run that stopped short of `total`
   * (more steps asked for than it had, or a time limit) is continued from its newest checkpoint.
   */
  finishedFor(total: number): boolean {
    if (!this.isFinished()) return false;
    const steps = this.completeSteps();
    if (!steps.length || steps[steps.length - 1] >= total) return true;
    // unreadable: resume from the checkpoint, as before; a newer askfirst's is refused (readCheckpointConfig)
    const config = readCheckpointConfig(this.finalDir, { ifReadable: true }) as { training?: { step?: unknown; update?: unknown } } | undefined;
    if (!config) return false;
    const reached = config.training?.step ?? config.training?.update;
    return typeof reached === 'number' && reached >= total;
  }

  /**
   * After a resume from `step`: keep only the lines of the JSONL log `name` whose `key` is at
   * most `step` (the lines logged after that checkpoint are logged again), rewritten atomically.
   */
  truncateLog(name: string, key: string, step: number): void {
    const path = join(this.root, name);
    if (!existsSync(path)) return;
    const keep = readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => {
        if (!l.trim()) return false;
        try {
          return (JSON.parse(l) as Record<string, unknown>)[key] as number <= step;
        } catch {
          return false; // a line cut short by a kill
        }
      });
    writeFileAtomicSync(path, keep.map((l) => l + '\n').join(''));
  }

  /** Start over: remove the checkpoints and the named log files (the final model is overwritten when the run ends). */
  reset(...logs: string[]): void {
    this.id = undefined; // a new run
    rmSync(this.checkpoints, { recursive: true, force: true });
    for (const l of logs) rmSync(join(this.root, l), { force: true });
  }
}

/**
 * Options of a run, not properties of the model it trains: where it writes (`out`), whether it continued from a
 * checkpoint (`resume`), what it shows and logs (`progress`, `reportTo`, `logEvery`) and how often it saves
 * (`checkpointEvery`). None changes a weight, so a model's config.json leaves them out (savedConfig).
 */
export const RUN_OPTIONS = ['out', 'resume', 'progress', 'reportTo', 'logEvery', 'checkpointEvery'] as const;
export type RunOption = (typeof RUN_OPTIONS)[number];

/**
 * A stage's config as its saved models record it (config.json's `training.config`): without the run's options
 * (RUN_OPTIONS) — so the same model has the same config.json whether it was trained in one go or resumed, into
 * whichever --out, with or without a progress bar or TensorBoard files. A resume is recorded where the run's history
 * is: the TensorBoard file it adds (opening with a SessionLog START) and its "resumed from … at step N" line. Models
 * saved before carry some of these keys in `training.config`; nothing reads them back, so they load as before.
 */
export function savedConfig<T extends object>(cfg: T): Omit<T, RunOption> {
  const rest = { ...cfg } as Record<string, unknown>;
  for (const k of RUN_OPTIONS) delete rest[k];
  return rest as Omit<T, RunOption>;
}

/**
 * The checkpoint to load for `dir`: `dir` itself when it holds a model (`config.json`), else
 * the finished model of the run directory `dir` (`dir/final`).
 */
export function resolveCheckpointDir(dir: string): string {
  if (existsSync(join(dir, CONFIG_FILE))) return dir;
  if (existsSync(join(dir, FINAL_DIR, CONFIG_FILE))) return join(dir, FINAL_DIR);
  // Say which of the three it is: a path that is not there, a run stopped before its end (only checkpoints/: the
  // training that wrote it finishes it with --resume), or a folder of something else.
  if (!existsSync(dir)) throw new NotFoundError(`no model checkpoint in ${dir}: ${linkTrouble(dir) ?? 'it does not exist'}; give a model folder (holding ${CONFIG_FILE}) or a finished run's folder (holding ${FINAL_DIR}/)`);
  if (existsSync(join(dir, CHECKPOINTS_DIR))) {
    throw new NotFoundError(`no model checkpoint in ${dir}: it is a run that has not finished (${CHECKPOINTS_DIR}/ but no ${FINAL_DIR}/); finish it by running the training that wrote it again with --resume, or give a finished run`);
  }
  throw new NotFoundError(`no model checkpoint in ${dir} (expected ${dir}/${CONFIG_FILE} or ${dir}/${FINAL_DIR}/${CONFIG_FILE})`);
}

/**
 * What the model at `dir` (resolveCheckpointDir) is, whatever path names it: `sha256:` of its weights file. A run resumed
 * from another --init compares by this, so `runs/sup`, `runs/sup/` and `runs/sup/final` are the same start.
 */
export function weightsDigest(dir: string): string {
  return `sha256:${createHash('sha256').update(readFileSync(join(resolveCheckpointDir(dir), WEIGHTS_FILE))).digest('hex')}`;
}

/** weightsDigest, or '' when `dir` holds no model: a setting not to compare (run-settings.ts), the run failing on it in its own words and order. */
export function weightsDigestIfAny(dir: string): string {
  try {
    return weightsDigest(dir);
  } catch (e) {
    if (e instanceof NotFoundError || (e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
}
