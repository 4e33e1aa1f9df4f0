/**
 * Diverged runs stop at their first non-finite loss (nn/diverged.ts). Every case is a real run at too high a --lr — none
 * injects a NaN — on models and suites small enough to take seconds.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { newBuiltin, saveBuiltin } from '../agents/builtin/build.js';
import { RunDir } from '../nn/run-dir.js';
import { generateSuite } from '../suite/generate.js';
import { memoryLoader } from '../suite/loader.js';
import { supervisedSuite } from '../suite/splits.js';
import { randomPairs, testGold } from '../testing/preference-pairs.js';
import { tmpDir } from '../testing/tmp.js';
import { InputError } from '../util/errors.js';
import { progress } from '../util/progress.js';
import { trainDPO } from './dpo.js';
import { trainGRPO } from './grpo.js';
import { trainPPO } from './ppo.js';
import { trainPresence } from './presence.js';
import { trainRewardModel } from './reward-model.js';
import { trainSupervised } from './supervised.js';

/** The error a run threw (fails the test when it finished instead). */
async function thrown(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(
    () => null,
    (err: unknown) => err as Error,
  );
  if (!e) throw new Error('the run finished: it did not diverge');
  return e;
}

/**
 * What the test's code writes to stderr from now on (its progress bars, as plain lines: TERM=dumb, so a terminal draws
 * none either), instead of writing it.
 */
function stderrText(): () => string {
  vi.stubEnv('TERM', 'dumb');
  const chunks: string[] = [];
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (chunks.push(String(chunk)), true));
  onTestFinished(() => {
    write.mockRestore();
    vi.unstubAllEnvs();
  });
  return () => chunks.join('');
}

/**
 * A bar of another run going on at the same time (a library user's two trainings at once), opened after `stderrText`:
 * `stillGoing()` says whether the diverged run's error left it going (was: ended as stopped, every open bar was), and ends it.
 */
function otherRun(): { stillGoing: (said: string) => boolean } {
  const other = progress('other run', 10, { unit: 'steps' });
  other.tick();
  return {
    stillGoing: (said) => {
      other.stop();
      return !/^other run: .*stopped after/m.test(said);
    },
  };
}

/** Every weight of every checkpoint of a run directory is finite (read back from model.safetensors as float32). */
function checkpointsFinite(out: string): boolean {
  const run = new RunDir(out);
  return run.completeSteps().every((s) => {
    const buf = readFileSync(join(run.checkpointDir(s), 'model.safetensors'));
    const headerLen = Number(buf.readBigUInt64LE(0));
    const data = buf.subarray(8 + headerLen);
    const f = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength - (data.byteLength % 4)));
    return f.every(Number.isFinite);
  });
}

describe('a diverged supervised run', () => {
  const tiny = { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8 };
  const suite = () => supervisedSuite({ episodes: 3, seed: 1, size: 32 });
  const cfg = (out: string, more: object = {}) => ({ out, steps: 12, warmupSteps: 1, batchSize: 8, checkpointEvery: 3, logEvery: 1, progress: false, reportTo: ['none'] as const, model: tiny, ...more });

  it('stops at its first NaN loss (--lr 1e8) with an InputError naming the step, the loss and what to do; no final/, no checkpoint; its bar says it stopped', async () => {
    const out = join(tmpDir('af-diverged-sup'), 'run');
    const stderr = stderrText();
    const other = otherRun();
    const e = await thrown(trainSupervised(cfg(out, { lr: 1e8, progress: true }), suite()));
    expect(e).toBeInstanceOf(InputError);
    expect(other.stillGoing(stderr())).toBe(true); // its own bar only
    // its bar's last line says where it stopped: it said "supervised: 1/12 steps in 0.3s", as a finished run's does
    expect(stderr()).toMatch(/^supervised: 1\/12 steps, stopped after \d+\.\ds$/m);
    expect(stderr()).not.toMatch(/^supervised: \d+\/12 steps in /m);
    expect(e.message).toMatch(/^supervised: the loss is NaN at step 2: training diverged, and stopped there without applying it\. Lower --lr and run again: no checkpoint was written before it/);
    expect(existsSync(join(out, 'final'))).toBe(false);
    expect(new RunDir(out).completeSteps()).toEqual([]);
    // it trained on no further step: the log ends at the last finite loss
    const losses = readFileSync(join(out, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as Record<string, number>)['train/loss']);
    expect(losses).toHaveLength(1);
    expect(Number.isFinite(losses[0])).toBe(true);
  }, 60_000);

  it('resumed at too high a --lr, keeps its newest checkpoint and names it; resumed again at a sound one, it ends as an uninterrupted run', async () => {
    const dir = tmpDir('af-diverged-sup-resume');
    const whole = join(dir, 'whole');
    await trainSupervised(cfg(whole), suite());
    const out = join(dir, 'run');
    await trainSupervised(cfg(out), suite());
    // as if killed after the checkpoint at step 9
    rmSync(join(out, 'final'), { recursive: true });
    rmSync(new RunDir(out).checkpointDir(12), { recursive: true });
    const at9 = readFileSync(join(new RunDir(out).checkpointDir(9), 'model.safetensors'));
    const e = await thrown(trainSupervised(cfg(out, { lr: 1e8, resume: true }), suite()));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/^supervised: the loss is NaN at step 1[01]: training diverged.* Lower --lr; the newest checkpoint step-0000009 \(.*step-0000009\) is kept and --resume continues from it\.$/);
    expect(existsSync(join(out, 'final'))).toBe(false);
    expect(new RunDir(out).completeSteps()).toEqual([9]);
    expect(readFileSync(join(new RunDir(out).checkpointDir(9), 'model.safetensors')).equals(at9)).toBe(true);
    await trainSupervised(cfg(out, { resume: true }), suite());
    expect(readFileSync(join(out, 'final', 'model.safetensors')).equals(readFileSync(join(whole, 'final', 'model.safetensors')))).toBe(true);
  }, 60_000);
});

describe('diverged RL, DPO and reward-model runs', () => {
  const train = generateSuite({ episodes: 4, seed: 3, size: 32, kinds: ['sketch', 'camera'] });
  const model = { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8, headHidden: 8, projDim: 8 };
  const ctx = () => ({ policy: newBuiltin(train, model), train, val: train.slice(0, 2), loader: memoryLoader });
  const rl = { updates: 6, episodesPerUpdate: 4, checkpointEvery: 2, evalEvery: 1000, progress: false, reportTo: ['none'] as const };

  it('GRPO resumed at --lr 1e20 stops at the update whose loss is NaN, keeps its newest checkpoint and writes no final/', async () => {
    const out = join(tmpDir('af-diverged-grpo'), 'run');
    await trainGRPO({ ...rl, out, updates: 4, groupSize: 2 }, ctx()); // checkpoints at updates 2 and 4
    rmSync(join(out, 'final'), { recursive: true });
    const e = await thrown(trainGRPO({ ...rl, out, groupSize: 2, lr: 1e20, resume: true }, ctx()));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/^grpo: the loss is NaN at update 5: training diverged.* the newest checkpoint step-0000004 .* is kept and --resume continues from it\.$/);
    expect(existsSync(join(out, 'final'))).toBe(false);
    expect(new RunDir(out).completeSteps()).toEqual([2, 4]);
    expect(checkpointsFinite(out)).toBe(true);
  }, 60_000);

  it('PPO at --lr 1e8 stops at its first update (the loss is ∞), before any checkpoint; its bar says it stopped', async () => {
    const out = join(tmpDir('af-diverged-ppo'), 'run');
    const stderr = stderrText();
    const other = otherRun();
    const e = await thrown(trainPPO({ ...rl, out, lr: 1e8, progress: true }, ctx()));
    expect(e).toBeInstanceOf(InputError);
    expect(other.stillGoing(stderr())).toBe(true); // its own bar only (rl/run.ts's)
    // the RL runs' bar (rl/run.ts): it said "PPO: 0/6 updates in 0.4s"
    expect(stderr()).toMatch(/^PPO: 0\/6 updates, stopped after \d+\.\ds$/m);
    expect(stderr()).not.toMatch(/^PPO: \d+\/6 updates in /m);
    expect(e.message).toMatch(/^ppo: the loss \(policy \+ value\) is (Infinity|NaN) at update 1: .*no checkpoint was written before it/);
    expect(existsSync(join(out, 'final'))).toBe(false);
    expect(new RunDir(out).completeSteps()).toEqual([]);
  }, 60_000);

  it('DPO at --lr 1e20 stops at the step whose loss is NaN', async () => {
    const eps = generateSuite({ episodes: 12, seed: 4, kinds: ['sketch', 'camera'], size: 32 });
    const out = join(tmpDir('af-diverged-dpo'), 'run');
    const policy = newBuiltin(eps, { imageSize: 32, channels: [4, 8] });
    const e = await thrown(trainDPO({ out, updates: 6, pairsPerStep: 8, lr: 1e20, evalEvery: 1000, checkpointEvery: 2, progress: false }, { policy, train: eps, val: eps.slice(0, 4), loader: memoryLoader }, randomPairs(eps, 2)));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/^dpo: the loss is NaN at step 2: .*Lower --lr and run again/);
    expect(existsSync(join(out, 'final'))).toBe(false);
  }, 60_000);

  it('the reward model at --lr 1e8 stops at its first NaN loss and writes nothing into --out; its bar says it stopped', async () => {
    const eps = generateSuite({ episodes: 12, seed: 3, kinds: ['sketch', 'camera'], size: 32 });
    const dir = tmpDir('af-diverged-rm');
    const enc = newBuiltin(eps, { imageSize: 32, channels: [4, 8] });
    saveBuiltin(join(dir, 'enc'), enc);
    const ctxRm = { encoder: enc, encoderDir: join(dir, 'enc'), examples: randomPairs(eps, 1), loader: memoryLoader, gold: testGold };
    const stderr = stderrText();
    const other = otherRun();
    const e = await thrown(trainRewardModel({ out: join(dir, 'rm'), variant: 'fact', steps: 20, lr: 1e8, progress: true, heldOut: 0.3 }, ctxRm));
    expect(e).toBeInstanceOf(InputError);
    expect(other.stillGoing(stderr())).toBe(true); // its own bar only
    expect(stderr()).toMatch(/^reward model \(fact\): \d+\/20 steps, stopped after \d+\.\ds$/m); // was "… steps in 0.1s"
    expect(stderr()).not.toMatch(/^reward model \(fact\): \d+\/20 steps in /m);
    expect(e.message).toMatch(/^reward model \(fact\): the loss is NaN at step \d+: training diverged, and stopped there without applying it\. Lower --lr and run again \(this stage keeps no checkpoints\)\.$/);
    expect(existsSync(join(dir, 'rm'))).toBe(false);
  }, 60_000);
});

describe('a diverged presence head', () => {
  it('at --lr 1e8 its loss stays finite (clamped) but its weights reach ∞: it stops at the step that did it (11 of 20), before writing final/', async () => {
    const dir = tmpDir('af-diverged-presence');
    const sup = join(dir, 'sup');
    await trainSupervised({ out: sup, steps: 4, warmupSteps: 1, batchSize: 8, progress: false, reportTo: ['none'], model: { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8 } }, supervisedSuite({ episodes: 3, seed: 1, size: 32 }));
    const stderr = stderrText();
    const other = otherRun();
    const e = await thrown(trainPresence({ out: join(dir, 'pres'), scenes: 16, heldOut: 16, steps: 20, batchSize: 8, size: 48, lr: 1e8, progress: true }, sup));
    expect(e).toBeInstanceOf(InputError);
    expect(stderr()).toMatch(/^presence: 10\/20 steps, stopped after \d+\.\ds$/m);
    expect(other.stillGoing(stderr())).toBe(true); // its own bar only
    expect(e.message).toMatch(/^presence: the weights hold -?Infinity after step 11: training diverged, and stopped there without saving them\. Lower --lr and run again/);
    expect(existsSync(join(dir, 'pres', 'final'))).toBe(false);
  }, 60_000);
});
