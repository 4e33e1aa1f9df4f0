/**
 * Stopping a diverged run. Too high a --lr drives a training loss to NaN or ∞, and every step after
 * it trains on garbage: the weights fill with NaN and the run would save them as its checkpoints and
 * `final/`. Every trainer (src/rl/: the supervised stage, the presence head, GRPO, PPO, DPO, the
 * reward model; src/feedback/: ILLUME's rationale head) checks the loss of each optimizer step before
 * it applies it, and the weights before it saves them, and stops at the first non-finite value with
 * an InputError that names the step, the value and what to do, its progress bar ended as stopped. The
 * newest complete checkpoint (from before the divergence) stays, so `--resume` with a lower --lr continues from it. Reading a loss or a
 * weight changes nothing: a run that does not diverge trains exactly as before.
 */
import type { RunDir } from './run-dir.js';
import type { Tensor } from './tensor.js';
import { InputError } from '../util/errors.js';
import { interruptOpenBars, type Progress } from '../util/progress.js';

/** Where a run is: its stage, its unit, the 1-based index of the step at hand, and its run directory (absent: the stage keeps no checkpoints). */
export interface RunPosition {
  /** As the stage's messages name it ("supervised", "rl", "dpo", "reward model (fact)"). */
  stage: string;
  /** The stage's unit: an optimizer step, or an update of RL (several optimizer steps). */
  unit: 'step' | 'update';
  /** The step (or update) at hand, counting from 1. */
  index: number;
  run?: RunDir;
  /** Called before the error is thrown: closes what the run holds open (its log; its progress bar is ended as stopped first). */
  close?: () => void;
  /**
   * The run's progress bar, ended as stopped: only it, so that a divergence in one of two runs at once (a library user's)
   * leaves the other's bar going. Without one, every bar still open is (`interruptOpenBars`).
   */
  bar?: Progress;
}

/**
 * The run stops here: its progress bar says so ("supervised: 5/200 steps, stopped after 3.0s", util/progress.ts
 * `interrupt()`; every open bar when it names none, `interruptOpenBars`), not "5/200 steps in 3.0s" as if it had
 * finished, before what it holds open is closed and the error is said.
 */
function stopped(at: RunPosition): void {
  if (at.bar) at.bar.interrupt();
  else interruptOpenBars();
  at.close?.();
}

/** What the user can do: lower --lr, and resume from the newest complete checkpoint when there is one. */
function whatToDo(at: RunPosition): string {
  if (!at.run) return 'Lower --lr and run again (this stage keeps no checkpoints).';
  const steps = at.run.completeSteps();
  if (!steps.length) return 'Lower --lr and run again: no checkpoint was written before it, so there is nothing to resume from.';
  const dir = at.run.checkpointDir(steps[steps.length - 1]);
  return `Lower --lr; the newest checkpoint ${dir.slice(dir.lastIndexOf('step-'))} (${dir}) is kept and --resume continues from it.`;
}

/**
 * Throw when `loss` (the value about to be back-propagated and applied) is NaN or ±∞: the run diverged here, and the
 * weights have not taken its step. `value` names what was measured ("the loss", "the loss (policy + value)").
 */
export function stopIfDiverged(loss: number, at: RunPosition, value = 'the loss'): void {
  if (Number.isFinite(loss)) return;
  stopped(at);
  throw new InputError(`${at.stage}: ${value} is ${loss} at ${at.unit} ${at.index}: training diverged, and stopped there without applying it. ${whatToDo(at)}`);
}

/**
 * Throw when a weight is NaN or ±∞ (checked before a checkpoint or `final/` is written, so none of either holds them):
 * a step whose loss was finite can still have made them so.
 */
export function stopIfWeightsDiverged(params: readonly Tensor[], at: RunPosition): void {
  for (const p of params) {
    const d = p.data;
    for (let i = 0; i < d.length; i++) {
      if (Number.isFinite(d[i])) continue;
      stopped(at);
      throw new InputError(`${at.stage}: the weights hold ${d[i]} after ${at.unit} ${at.index}: training diverged, and stopped there without saving them. ${whatToDo(at)}`);
    }
  }
}
