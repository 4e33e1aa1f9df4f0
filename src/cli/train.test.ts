/** `askfirst train supervised|rl`: per-stage options and defaults in --help, `train --stage X` still works, --no-X flags say what they do. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Command } from 'commander';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildProgram } from './main.js';
import { refuseToReplaceRun, supervisedSummary } from './train.js';
import { tmpDir } from '../testing/tmp.js';
import { captureConsole } from '../testing/console.js';
import { newBuiltin, saveBuiltin } from '../agents/builtin/build.js';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { dataFingerprints } from '../suite/fingerprint.js';
import { loadData } from '../suite/open.js';
import { filterIds } from '../suite/proactivebench/filter.js';
import { quickDrawEntry, writeProactiveBench } from '../testing/proactivebench-fixture.js';
import { startDemoRL } from '../demo/rl-runs.js';
import { startDemoSupervised } from '../demo/supervised-run.js';
import { DEMO_SUPERVISED_RUN } from '../demo/demo-stage-run.js';
import { keepRunSettings, readRunSettings } from '../util/run-settings.js';
import { RewardModel, RewardNet, type RewardModelFile } from '../rl/reward-model.js';
import { featureNames } from '../rl/trajectory-features.js';
import { BuiltinPolicy } from '../agents/builtin/policy.js';
import { memoryLoader } from '../suite/loader.js';
import { RunDir, weightsDigest } from '../nn/run-dir.js';

async function help(path: string[]): Promise<string> {
  const program = await buildProgram();
  let cmd: Command = program;
  for (const p of path) cmd = cmd.commands.find((c) => c.name() === p)!;
  return cmd.helpInformation().replace(/\s+/g, ' ');
}

async function run(args: string[]): Promise<unknown> {
  const program = await buildProgram();
  program.exitOverride();
  program.commands.forEach((c) => c.exitOverride());
  return program.parseAsync(['node', 'askfirst', ...args]);
}

/**
 * console.log and console.error caught for the rest of the test (every spy is put back after each one): each line handed
 * to `log` / `err`, or dropped where none is given. Returns the spies, for a test that reads their calls.
 */
function catchConsole(log: (line: string) => unknown = () => undefined, err: (line: string) => unknown = () => undefined) {
  return { logSpy: captureConsole('log', (s) => void log(s)).spy, errSpy: captureConsole('error', (s) => void err(s)).spy };
}

afterEach(() => vi.restoreAllMocks());

describe('train subcommands', () => {
  it('each stage shows its own defaults', async () => {
    const sup = await help(['train', 'supervised']);
    expect(sup).toMatch(/--episodes <n>\s+episodes per kind of the generated training suite \(default: 500; whole, at least 1\)/);
    expect(sup).not.toMatch(/--init/);
    expect(sup).toMatch(/--out <value>[^-]*\(required\)/); // no default: --help says it must be given
    expect(sup).not.toMatch(/--steps <n>[^-]*\(required\)/);
    const rl = await help(['train', 'rl']);
    expect(rl).toMatch(/--episodes <n>[^\n]*\(default: 300; whole, at least 1\)/);
    expect(rl).toMatch(/--epochs <n>[^\n]*default: grpo 2, ppo 4/);
    expect(rl).toMatch(/--group-size <n>[^\n]*grpo only; default 8/);
    expect(rl).toMatch(/--lr <n>[^\n]*\(default: 0\.003; above 0\)/);
    // each number's range, which no line said (`--augment 2` was refused as "must be at most 1", `--size 20` as "at least 32")
    expect(sup).toContain('(0 = none) (default: 0.5; 0 to 1)');
    expect(sup).toMatch(/--size <n>[^-]*\(default: 64; whole, 32 to 256\)/);
    expect(sup).toMatch(/--seed <n>[^-]*\(default: 1; whole, 0 to 4294967295\)/);
    expect(sup).toContain('its load; default: none) (above 0)'); // --max-seconds
    expect(rl).toMatch(/--clip-eps <n>[^-]*\(default: 0\.2; above 0 and at most 1\)/);
    expect(rl).toMatch(/--epochs <n>[^-]*\(default: grpo 2, ppo 4\) \(whole, at least 1\)/);
    expect(rl).not.toMatch(/--size/);
  });
  it('only a stage with --resume says a killed run continues with it', async () => {
    const program = await buildProgram();
    const train = program.commands.find((c) => c.name() === 'train')!;
    for (const stage of ['supervised', 'rl', 'presence', 'reward', 'dpo']) {
      const cmd = train.commands.find((c) => c.name() === stage)!;
      let out = '';
      cmd.configureOutput({ writeOut: (t) => (out += t) });
      cmd.outputHelp();
      const hasOption = cmd.options.some((o) => o.long === '--resume');
      expect(out.includes('add --resume to the same command'), stage).toBe(hasOption);
    }
  });
  it("the --resume note names only the stage's own flags that may change (it named --log-every to train rl and dpo, which have none)", async () => {
    const program = await buildProgram();
    const train = program.commands.find((c) => c.name() === 'train')!;
    for (const stage of ['rl', 'dpo', 'supervised']) {
      const cmd = train.commands.find((c) => c.name() === stage)!;
      let out = '';
      cmd.configureOutput({ writeOut: (t) => (out += t) });
      cmd.outputHelp();
      const note = out.slice(out.indexOf('add --resume to the same command')).replace(/\s+/g, ' ');
      const named = [...note.matchAll(/--[a-z-]+/g)].map((m) => m[0]).filter((f) => f !== '--resume');
      expect(named.length, stage).toBeGreaterThan(3);
      for (const f of named) expect(cmd.options.map((o) => o.long), `${stage}: ${f}`).toContain(f);
      expect(note, stage).toContain(`a larger ${stage === 'supervised' ? '--steps' : '--updates'}`);
    }
  });
  it('a resumed supervised run whose --max-seconds was spent before its first step says so, not "final loss NaN"', () => {
    const line = supervisedSummary({ steps: 5, seconds: 4, finalLoss: NaN, trainAccuracy: 0.129, trainAccuracyImages: 70, alreadyFinished: false }, 'runs/sup');
    expect(line).not.toContain('NaN');
    expect(line).toBe('supervised: 5 steps in 4 s, no step in this run (its time budget, --max-seconds, was already spent), accuracy on 70 training images 12.9%');
    expect(supervisedSummary({ steps: 20, seconds: 25, finalLoss: 2.58, trainAccuracy: 0.486, trainAccuracyImages: 70, alreadyFinished: false }, 'runs/sup')).toBe('supervised: 20 steps in 25 s, final loss 2.580, accuracy on 70 training images 48.6%');
  });
  it('train dpo lists only the settings DPO reads', async () => {
    const dpo = await help(['train', 'dpo']);
    for (const f of ['--beta', '--pairs-per-step', '--lr', '--ask-prior', '--updates', '--init', '--project']) expect(dpo).toContain(f);
    for (const f of ['--episodes-per-update', '--kl-coef', '--clip-eps', '--epochs', '--minibatch', '--entropy-coef', '--which-coef', '--curriculum']) expect(dpo).not.toContain(f);
  });
  it('train dpo --help says --kinds picks the validation suite, not the pairs it trains on (it said "scenario kinds to train on")', async () => {
    const dpo = (await help(['train', 'dpo'])).replace(/\s+/g, ' ');
    expect(dpo).toContain('--kinds <a,b,…> scenario kinds of the validation suite its eval/* figures are measured on');
    expect(dpo).toContain('DPO trains on every labelled pair of --project, whatever its kind (default: sketch,camera)');
    expect(dpo).not.toContain('kinds to train on');
    expect((await help(['train', 'rl'])).replace(/\s+/g, ' ')).toContain('--kinds <a,b,…> scenario kinds to train on'); // RL's stays
  });
  it('train dpo --help counts in steps, as its progress bar and messages do (it said "policy updates")', async () => {
    const dpo = (await help(['train', 'dpo'])).replace(/\s+/g, ' ');
    expect(dpo).toContain('--updates <n> gradient steps, each on --pairs-per-step labelled pairs (default: 150; whole, at least 1)');
    expect(dpo.replace(/--updates\b/g, '')).not.toMatch(/\bupdates?\b/); // the flag's name only
  });
  it('--no-X flags are described by what they do', async () => {
    for (const path of [['train', 'supervised'], ['train', 'rl'], ['demo'], ['eval']]) {
      const h = await help(path);
      const flags = [...h.matchAll(/ (--no-\S+) (\S+ \S+ \S+ \S+)/g)];
      expect(flags.length).toBeGreaterThan(0);
      // a progress setting reads "do not show …" (options.ts offFlagDescription); any other says what the flag does
      for (const [, f, d] of flags) expect(d).toMatch(f === '--no-progress' ? /^do not show (a|progress)$/ : /^(openai: )?(do not|skip|re-encode) /);
    }
    expect(await help(['demo'])).toMatch(/--no-baselines\s+skip the baselines: do not run/);
  });
  it('`train --stage X` runs the same subcommand as `train X`', async () => {
    await expect(run(['train', '--stage', 'rl', '--out', 'x'])).rejects.toThrow(/init/);
    await expect(run(['train', '--stage', 'rl', '--init', 'x', '--out', 'o', '--algorithm', 'ppo', '--group-size', '4'])).rejects.toThrow('--group-size does not apply to --algorithm ppo: it is read by --algorithm grpo only; leave it out, or use --algorithm grpo');
    await expect(run(['train', 'rl', '--init', 'x', '--out', 'o', '--algorithm', 'ppo', '--group-size', '4'])).rejects.toThrow('--group-size does not apply to --algorithm ppo: it is read by --algorithm grpo only; leave it out, or use --algorithm grpo');
    await expect(run(['train', '--stage', 'nope'])).rejects.toThrow(/unknown training stage "nope"; use one of: supervised, rl/);
    await expect(run(['train', 'superviesd', '--out', 'x'])).rejects.toThrow(/unknown training stage "superviesd" \(Did you mean supervised\?\); use one of: supervised, rl/);
  });
  it('a stage never replaces a run in --out unless told: --resume continues it, --overwrite starts over', async () => {
    const out = tmpDir('askfirst-train-out');
    await expect(run(['train', 'supervised', '--out', out, '--resume', '--overwrite'])).rejects.toThrow(/--resume and --overwrite contradict/);
    mkdirSync(join(out, 'checkpoints', 'step-0000040'), { recursive: true });
    expect(() => refuseToReplaceRun('supervised', { out, resume: false }, false, true)).not.toThrow(); // an incomplete checkpoint is no run
    writeFileSync(join(out, 'checkpoints', 'step-0000040', 'state.json'), '{}');
    await expect(run(['train', 'supervised', '--out', out, '--steps', '1'])).rejects.toThrow(/already holds a supervised run \(checkpoints up to step 40\)\. Add --resume to continue it, add --overwrite/);
    mkdirSync(join(out, 'final'));
    // the run is named as what it is (was "already holds a presence run", the stage asked for), and the sentence starts with a capital (was "add --overwrite")
    await expect(run(['train', 'presence', '--init', 'x', '--out', out])).rejects.toThrow(/already holds a presence run \(a final model \(final\/\) and checkpoints up to step 40\)\. Add --overwrite to start over/); // nothing says what it is: the stage's
    writeFileSync(join(out, 'checkpoints', 'step-0000040', 'config.json'), JSON.stringify({ training: { stage: 'supervised', step: 40 } }));
    await expect(run(['train', 'presence', '--init', 'x', '--out', out])).rejects.toThrow(`${out} already holds a supervised run (a final model (final/) and checkpoints up to step 40), not a presence run. Add --overwrite to replace it, or use another --out`);
    await expect(run(['train', 'rl', '--init', 'x', '--out', out])).rejects.toThrow(/already holds a supervised run \(.*\), not an rl run\. Add --overwrite to replace it/);
    // a newer askfirst's checkpoint: refused in one line naming the file, not read as if it were today's
    const newer = join(out, 'checkpoints', 'step-0000040', 'config.json');
    writeFileSync(newer, JSON.stringify({ format: 'askfirst-checkpoint', version: 99, training: { stage: 'supervised', step: 40 } }));
    await expect(run(['train', 'presence', '--init', 'x', '--out', out])).rejects.toThrow(`--out ${out} holds a run made by a newer askfirst (askfirst-checkpoint version 99) (${newer}); askfirst train presence would write into it: upgrade askfirst to use it, or choose another --out`);
    writeFileSync(newer, JSON.stringify({ training: { stage: 'supervised', step: 40 } }));
    expect(readdirSync(join(out, 'checkpoints'))).toEqual(['step-0000040']); // nothing was deleted
    expect(() => refuseToReplaceRun('supervised', { out, resume: true }, false, true)).not.toThrow();
    expect(() => refuseToReplaceRun('supervised', { out, resume: false }, true, true)).not.toThrow();
    expect(() => refuseToReplaceRun('supervised', { out: join(out, 'new'), resume: false }, false, true)).not.toThrow();
  });
  it("train rl, reward and dpo refuse an --init another stage wrote (an RL run's model was trained on from without a word), naming the run it started from", async () => {
    const dir = tmpDir('askfirst-train-init-kind');
    const p = newBuiltin(generateSuite({ episodes: 1, kinds: ['camera'] }));
    saveBuiltin(join(dir, 'sup', 'final'), p, { stage: 'supervised', step: 1 });
    saveBuiltin(join(dir, 'ppo', 'final'), p, { stage: 'rl', algorithm: 'ppo', update: 1 });
    keepRunSettings(join(dir, 'ppo'), { init: { shown: join(dir, 'sup'), id: 'x' } }, { run: 'rl', resuming: false, startOver: '' });
    saveBuiltin(join(dir, 'presence'), p, { stage: 'presence', init: join(dir, 'sup') });
    saveBuiltin(join(dir, 'old'), p); // a checkpoint that records no stage (an older layout): taken as before
    const said: string[] = [];
    catchConsole(undefined, (s) => said.push(s));
    const rl = (init: string) => run(['train', 'rl', '--init', init, '--out', join(dir, 'out'), '--episodes', '1', '--kinds', 'camera', '--updates', '1', '--episodes-per-update', '2', '--group-size', '2', '--report-to', 'none', '--no-progress']);
    for (const init of [join(dir, 'ppo'), join(dir, 'ppo', 'final')]) {
      await expect(rl(init)).rejects.toThrow(`--init ${init} holds an rl run's model (ppo), not a supervised checkpoint: train rl starts from the guesser; give the supervised checkpoint it started from (${join(dir, 'sup')}) as --init`);
    }
    await expect(rl(join(dir, 'presence'))).rejects.toThrow(`holds a presence run's model, not a supervised checkpoint: train rl starts from the guesser; give the supervised checkpoint it started from (${join(dir, 'sup')})`);
    await expect(run(['train', 'dpo', '--init', join(dir, 'ppo'), '--project', 'p', '--out', join(dir, 'dpo')])).rejects.toThrow(/holds an rl run's model \(ppo\), not a supervised checkpoint: train dpo starts/);
    await expect(run(['train', 'reward', '--init', join(dir, 'ppo'), '--project', 'p', '--out', join(dir, 'rm')])).rejects.toThrow(/holds an rl run's model \(ppo\), not a supervised checkpoint: train reward starts/);
    expect(said.join('\n')).not.toMatch(/generating/); // refused before any work
    expect(readdirSync(dir).sort()).toEqual(['old', 'ppo', 'presence', 'sup']); // and before any --out was made
    await rl(join(dir, 'sup'));
    await run(['train', 'rl', '--init', join(dir, 'old'), '--out', join(dir, 'out'), '--overwrite', '--episodes', '1', '--kinds', 'camera', '--updates', '1', '--episodes-per-update', '2', '--group-size', '2', '--report-to', 'none', '--no-progress']);
  });
  it('train rl with an rm:DIR that holds no reward model fails before generating its training suite', async () => {
    const dir = tmpDir('askfirst-train-rm');
    saveBuiltin(join(dir, 'sup'), newBuiltin(generateSuite({ episodes: 1, kinds: ['camera'] })));
    const said: string[] = [];
    catchConsole(undefined, (s) => said.push(s));
    await expect(run(['train', 'rl', '--init', join(dir, 'sup'), '--out', join(dir, 'rl'), '--reward', `rm:${join(dir, 'nope')}`])).rejects.toThrow(/nope/);
    expect(said.join('\n')).not.toMatch(/generating/);
  });
  it('train rl shows a progress bar while it generates its training and validation suites', async () => {
    const dir = tmpDir('askfirst-train-rl-generating');
    saveBuiltin(join(dir, 'sup'), newBuiltin(generateSuite({ episodes: 1, kinds: ['camera'] })));
    const said: string[] = [];
    catchConsole(undefined, (s) => said.push(s));
    vi.spyOn(process.stderr, 'write').mockImplementation((s: unknown) => (said.push(String(s)), true));
    await run(['train', 'rl', '--init', join(dir, 'sup'), '--out', join(dir, 'rl'), '--episodes', '2', '--kinds', 'camera', '--updates', '1', '--episodes-per-update', '2', '--group-size', '2', '--report-to', 'none']);
    // with the default 300 episodes per kind, about 12 s of silence on a busy machine between this line and the next (the demo shows a bar for the same suites)
    const from = said.indexOf('rl: generating 2 episodes per kind of camera, and 20 per kind to validate on'); // the bar's 22 explained: it said 2, then counted to 22
    expect(from).toBeGreaterThanOrEqual(0);
    expect(said.slice(from + 1).filter((l) => /^generating\b.*\b22\/22 episodes/.test(l))).not.toEqual([]); // 2 training + 20 validation episodes of one kind
  }, 120_000);
  it('train supervised shows a progress bar while it prepares its training images and while it measures its accuracy, and none with --no-progress', async () => {
    const dir = tmpDir('askfirst-train-sup-preparing');
    const said: string[] = [];
    catchConsole(() => {}, (s) => said.push(s));
    vi.spyOn(process.stderr, 'write').mockImplementation((s: unknown) => (said.push(String(s)), true));
    const args = (out: string) => ['train', 'supervised', '--out', join(dir, out), '--steps', '2', '--warmup-steps', '1', '--episodes', '3', '--batch-size', '16', '--size', '32', '--report-to', 'none'];
    await run(args('bar'));
    // the degraded and outlier images drawn once per run: 1.3 s of silence at the default 500 episodes per kind (2.6 s on a busy machine)
    const from = said.indexOf('supervised: preparing the training images of 21 episodes');
    const to = said.findIndex((l) => /^supervised: \d+ reference images/.test(l));
    expect(from).toBeGreaterThanOrEqual(0);
    expect(said.slice(from + 1, to).filter((l) => /^preparing images: 1792\/1792 images in \d/.test(l))).toHaveLength(1); // 768 degraded + 1024 outliers
    // after the last step, the accuracy on up to 512 training images: 2.1 s of silence before the summary (4.7 s on a busy machine)
    const stepsDone = said.findIndex((l) => /^supervised: 2\/2 steps in \d/.test(l));
    const measured = said.findIndex((l) => /^measuring accuracy: 21\/21 images in \d/.test(l)); // 3 episodes of each of 7 kinds: 21 clearest views
    expect(stepsDone).toBeGreaterThan(to);
    expect(measured).toBeGreaterThan(stepsDone);
    said.length = 0;
    await run([...args('none'), '--no-progress']);
    expect(said.filter((l) => /^(preparing images|measuring accuracy)/.test(l))).toEqual([]);
    expect(said).toContain('supervised: preparing the training images of 21 episodes');
  }, 120_000);
  it('train supervised says how many images its accuracy is on, and a --resume of a finished run says it had nothing to do', async () => {
    const out = join(tmpDir('askfirst-train-sup-done'), 'sup');
    const args = ['train', 'supervised', '--out', out, '--steps', '2', '--warmup-steps', '1', '--episodes', '3', '--batch-size', '16', '--size', '32', '--no-progress', '--report-to', 'none'];
    const said: string[] = [];
    const progress: string[] = [];
    catchConsole((s) => said.push(s), (s) => progress.push(s));
    await run(args);
    await run([...args, '--resume']);
    // what takes the time before the first step is said as it starts: with the default 500 episodes per kind, generating
    // the suite takes 22 s of CPU and preparing its images 1-2 s, which were 97 s of silence (--no-progress) before the first
    // step on a busy 2-core machine (load 15: 87.5 s generating, 4.8 s preparing the images)
    expect(progress.slice(0, 3)).toEqual(['supervised: generating 3 episodes per kind of 7 kinds', 'supervised: preparing the training images of 21 episodes', 'supervised: 21 reference images from 7 kinds']);
    expect(said).toHaveLength(2);
    expect(said[0]).toMatch(/^supervised: 2 steps in \d+ s, final loss \d+\.\d{3}, accuracy on \d+ training images \d+\.\d%$/); // the count, not "512 … (all of them if fewer)"
    expect(said[0]).not.toMatch(/512/);
    expect(said[1]).toBe(`supervised: ${out} was already finished, nothing to train; the model is ${out}/final (--overwrite starts over)`); // was "0 steps in 0 s, final loss NaN, … NaN%"
  }, 120_000);
  it("train --resume of a run whose newest checkpoint's state.json a newer askfirst wrote is refused in one line before any work", async () => {
    const out = join(tmpDir('askfirst-train-newer-state'), 'sup');
    const file = join(out, 'checkpoints', 'step-0000002', 'state.json');
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, JSON.stringify({ format: 'askfirst-checkpoint-state', version: 2, step: 2 }));
    const progress: string[] = [];
    catchConsole(undefined, (s) => progress.push(s));
    await expect(run(['train', 'supervised', '--out', out, '--resume', '--steps', '4', '--warmup-steps', '1', '--episodes', '3', '--batch-size', '16', '--size', '32', '--no-progress', '--report-to', 'none'])).rejects.toThrow(
      `--out ${out} holds a run made by a newer askfirst (askfirst-checkpoint-state version 2) (${file}); askfirst train supervised would write into it: upgrade askfirst to use it, or choose another --out`,
    );
    expect(progress).toEqual([]); // was: 'supervised: generating 3 episodes per kind of 7 kinds', the images prepared, then the refusal
  });

  it('train supervised --size below the suite\'s 32 px is refused before any work (it was taken, the suite drawn, then refused by suite generation)', async () => {
    const out = join(tmpDir('askfirst-train-size'), 'sup');
    const said: string[] = [];
    catchConsole(undefined, (s) => said.push(s));
    await expect(run(['train', 'supervised', '--out', out, '--steps', '2', '--warmup-steps', '1', '--episodes', '3', '--size', '16', '--no-progress'])).rejects.toThrow(/size.*must be at least 32 \(got 16\)/);
    expect(said).toEqual([]);
  });
  it('--resume refuses a run started with other settings, naming each (old → new), before any work; what may change on a resume is allowed', async () => {
    const out = join(tmpDir('askfirst-train-settings'), 'sup');
    const sup = (...more: string[]) => ['train', 'supervised', '--out', out, '--warmup-steps', '1', '--episodes', '3', '--batch-size', '16', '--no-progress', '--report-to', 'none', '--checkpoint-every', '1', ...more];
    const said: string[] = [];
    catchConsole((s) => said.push(s), (s) => said.push(s));
    await run(sup('--steps', '2', '--size', '32'));
    const ckpts = readdirSync(join(out, 'checkpoints'));
    said.length = 0;
    // a different --seed failed late ('checkpoint does not match the model: words.weight: …'), a different --size too, or resumed silently
    await expect(run(sup('--steps', '2', '--size', '48', '--seed', '5', '--resume'))).rejects.toThrow(
      `${out} holds a supervised run started with other settings: --seed 1 → 5, --size 32 → 48; resuming would go on under settings it did not start with. Resume with its settings (--seed 1, --size 32, as kept in ${join(out, 'run.json')}), add --overwrite (instead of --resume) to start over with these, or use another --out`,
    );
    expect(said).toEqual([]); // before any work: no suite generated
    expect(readdirSync(join(out, 'checkpoints'))).toEqual(ckpts);
    // what may change: the budget upwards, the clock limit, logging, checkpointing, progress
    await run(sup('--steps', '3', '--size', '32', '--resume', '--max-seconds', '600', '--log-every', '1', '--checkpoint-every', '2', '--report-to', 'csv'));
    expect(said.at(-1)).toMatch(/^supervised: 3 steps in/);
    await expect(run(sup('--steps', '2', '--size', '32', '--resume'))).rejects.toThrow(/started with other settings: --steps 3 → 2 \(it may grow, not shrink\);/);
    // a run.json edited as damage or a newer askfirst would leave it: said so, naming the file (a string "3" was '--steps 3 → 3 (it may grow, not shrink)')
    const file = join(out, 'run.json');
    const kept = JSON.parse(readFileSync(file, 'utf8')) as { settings: Record<string, unknown> };
    const edited = (settings: Record<string, unknown>) => writeFileSync(file, JSON.stringify({ ...kept, settings }));
    edited({ ...kept.settings, steps: '3' });
    await expect(run(sup('--steps', '3', '--size', '32', '--resume'))).rejects.toThrow(`${file}: "steps" is "3", not a number (--steps): the file is damaged;`);
    edited({ ...kept.settings, sharpen: 0.3 });
    await expect(run(sup('--steps', '3', '--size', '32', '--resume'))).rejects.toThrow(`${file}: the run started with a setting this askfirst does not know (--sharpen 0.3): it was made by a newer askfirst;`);
    const { mild: _mild, ...withoutMild } = kept.settings;
    edited(withoutMild);
    await expect(run(sup('--steps', '3', '--size', '32', '--resume'))).rejects.toThrow(`${file}: it holds no --mild, which every askfirst that keeps run.json writes for this run: the file is damaged;`);
  }, 120_000);
  it('--resume of a run from before run.json was kept compares the settings its checkpoints record, naming each that differs and the file', async () => {
    const dir = tmpDir('askfirst-train-older-run');
    const out = join(dir, 'sup');
    const sup = (...more: string[]) => ['train', 'supervised', '--out', out, '--warmup-steps', '1', '--episodes', '3', '--batch-size', '16', '--no-progress', '--report-to', 'none', '--checkpoint-every', '1', '--size', '32', ...more];
    catchConsole();
    await run(sup('--steps', '2'));
    // the older layout, made by hand: no run.json, a final model and checkpoints whose config.json records the trainer's
    // config (with the run options an askfirst before 59469d2 kept in it too)
    rmSync(join(out, 'run.json'));
    for (const d of [...readdirSync(join(out, 'checkpoints')).map((c) => join(out, 'checkpoints', c)), join(out, 'final')]) {
      const file = join(d, 'config.json');
      const c = JSON.parse(readFileSync(file, 'utf8')) as { training: { config: Record<string, unknown> } };
      writeFileSync(file, JSON.stringify({ ...c, training: { ...c.training, config: { ...c.training.config, out, resume: false, progress: true } } }));
    }
    const ckpt = readdirSync(join(out, 'checkpoints')).at(-1)!;
    // was: resumed (here: trained on to step 3) under another --seed, comparing nothing
    await expect(run(sup('--steps', '3', '--seed', '5', '--resume'))).rejects.toThrow(
      `${out} holds a supervised run started with other settings: --seed 1 → 5; resuming would go on under settings it did not start with. Resume with its settings (--seed 1, as kept in ${join(out, 'final', 'config.json')}), add --overwrite (instead of --resume) to start over with these, or use another --out`,
    );
    await expect(run(sup('--steps', '3', '--lr', '0.5', '--resume'))).rejects.toThrow(/started with other settings: --lr 0\.002 → 0\.5;/);
    expect(readdirSync(join(out, 'checkpoints')).at(-1)).toBe(ckpt);
    // another stage's run is refused as one, as with run.json
    await expect(run(['train', 'rl', '--init', out, '--out', out, '--resume', '--episodes', '2', '--kinds', 'camera', '--no-progress', '--report-to', 'none'])).rejects.toThrow(`${out} holds a supervised run, not an rl run`);
    // the same settings (what may change, changed) resume: a larger budget continues it
    await run(sup('--steps', '3', '--resume', '--log-every', '2'));
    expect(readdirSync(join(out, 'checkpoints')).at(-1)).toBe('step-0000003');
  }, 120_000);
  it('--resume of an unfinished rl run from before run.json was kept says that its checkpoints record none of its settings, which go on unchecked', async () => {
    const dir = tmpDir('askfirst-train-older-rl');
    const eps = generateSuite({ episodes: 1, kinds: ['camera'] });
    saveBuiltin(join(dir, 'sup'), newBuiltin(eps));
    const out = join(dir, 'rl');
    const rl = (...more: string[]) => ['train', 'rl', '--init', join(dir, 'sup'), '--out', out, '--episodes', '2', '--kinds', 'camera', '--episodes-per-update', '2', '--group-size', '2', '--report-to', 'none', '--no-progress', '--checkpoint-every', '1', ...more];
    const { errSpy } = catchConsole();
    await run(rl('--updates', '1'));
    // the older layout, unfinished: no run.json, no final model; its checkpoint's config.json records only `training.stage`
    rmSync(join(out, 'run.json'));
    rmSync(join(out, 'final'), { recursive: true });
    const ckpt = join(out, 'checkpoints', 'step-0000001', 'config.json');
    expect(JSON.parse(readFileSync(ckpt, 'utf8')).training).toEqual({ stage: 'rl', update: 1 });
    errSpy.mockClear();
    // was: resumed under another --seed and --lr without a word
    await run(rl('--updates', '2', '--seed', '5', '--lr', '0.5', '--resume'));
    expect(errSpy.mock.calls.map((c) => String(c[0]))).toContain(
      `train rl: ${out} holds an rl run from before run.json was kept, whose ${ckpt} records only its stage, none of the settings it started with: they are not compared; it resumes under the settings given now (if they are not those it started with, add --overwrite (instead of --resume) to start over)`,
    );
    expect(readRunSettings(out)?.settings.seed).toBe(5); // kept from now on: the next --resume compares them
    errSpy.mockClear();
    await run(rl('--updates', '3', '--seed', '5', '--lr', '0.5', '--resume'));
    expect(errSpy.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('before run.json was kept'))).toEqual([]);
  }, 120_000);
  it('train rl --resume compares --init by its weights and --data by what it holds, and refuses another stage\'s run', async () => {
    const dir = tmpDir('askfirst-train-rl-settings');
    const eps = generateSuite({ episodes: 1, kinds: ['camera'] });
    saveBuiltin(join(dir, 'sup'), newBuiltin(eps));
    saveBuiltin(join(dir, 'other'), newBuiltin(eps, { seed: 9 }));
    const out = join(dir, 'rl');
    const rl = (...more: string[]) => ['train', 'rl', '--out', out, '--episodes', '2', '--kinds', 'camera', '--updates', '1', '--episodes-per-update', '2', '--group-size', '2', '--report-to', 'none', '--no-progress', '--checkpoint-every', '1', ...more];
    catchConsole();
    await run(rl('--init', join(dir, 'sup')));
    // the same weights named another way resume (here: a finished run, so nothing to do)
    await run(rl('--init', `${join(dir, 'sup')}/`, '--resume'));
    await expect(run(rl('--init', join(dir, 'other'), '--resume'))).rejects.toThrow(`started with other settings: --init ${join(dir, 'sup')}/ → ${join(dir, 'other')};`);
    await expect(run(rl('--init', join(dir, 'sup'), '--resume', '--lr', '0.1', '--episodes', '3', '--reward-weights', 'guessed=-1', '--algorithm', 'ppo', '--group-size', '2'))).rejects.toThrow(/--group-size does not apply to --algorithm ppo/);
    await expect(run(rl('--init', join(dir, 'sup'), '--resume', '--lr', '0.1', '--episodes', '3', '--reward-weights', 'guessed=-1'))).rejects.toThrow(
      /started with other settings: --episodes 2 → 3, --reward-weights \(defaults\) → guessed=-1, --lr 0\.003 → 0\.1;/,
    );
    await expect(run(['train', 'supervised', '--out', out, '--resume'])).rejects.toThrow(`${out} holds an rl run, not a supervised run: it cannot be resumed as one. Use another --out, or add --overwrite (instead of --resume) to replace it`);
    await expect(run(rl('--init', join(dir, 'sup'), '--resume', '--updates', '2'))).resolves.toBeDefined(); // a larger budget continues the run
    // an --overwrite that fails before it trains leaves the run it was to replace with the settings it was trained under
    await expect(run(rl('--init', join(dir, 'nope'), '--overwrite', '--lr', '0.2'))).rejects.toThrow(/no model checkpoint in/);
    await expect(run(rl('--init', join(dir, 'sup'), '--resume', '--updates', '2', '--lr', '0.2'))).rejects.toThrow(/started with other settings: --lr 0\.003 → 0\.2;/);
    // --data: the same folder spelled another way resumes, another folder is refused
    await writeSuite(join(dir, 'suite'), generateSuite({ episodes: 2, seed: 1, kinds: ['camera'] }));
    await writeSuite(join(dir, 'suite2'), generateSuite({ episodes: 2, seed: 2, kinds: ['camera'] }));
    const onData = (data: string, ...more: string[]) => rl('--init', join(dir, 'sup'), '--out', join(dir, 'rl-data'), '--data', data, ...more).filter((a, i, all) => a !== '--episodes' && all[i - 1] !== '--episodes');
    await run(onData(`suite:${join(dir, 'suite')}`));
    await run(onData(`${join(dir, 'suite')}/`, '--resume'));
    await expect(run(onData(join(dir, 'suite2'), '--resume'))).rejects.toThrow(`started with other settings: --data ${join(dir, 'suite')} → ${join(dir, 'suite2')};`);
  }, 120_000);
  it('train rl --resume compares --reward by the reward model and the encoder its config.json names: another encoder at that path is refused', async () => {
    const dir = tmpDir('askfirst-train-rl-reward');
    const eps = generateSuite({ episodes: 1, kinds: ['camera'] });
    const [sup, enc] = [join(dir, 'sup'), join(dir, 'encoder')];
    saveBuiltin(sup, newBuiltin(eps));
    saveBuiltin(enc, newBuiltin(eps));
    const names = featureNames('plain');
    const file: RewardModelFile = { kind: 'askfirst-reward-model', variant: 'plain', features: names, mean: names.map(() => 0), std: names.map(() => 1), hidden: 4, encoder: enc };
    new RewardModel(new RewardNet(names.length, 4, 1), file, BuiltinPolicy.load(enc), memoryLoader).save(join(dir, 'rm', 'final'));
    const out = join(dir, 'rl');
    const rl = (...more: string[]) =>
      run(['train', 'rl', '--init', sup, '--out', out, '--reward', `rm:${join(dir, 'rm')}`, '--episodes', '2', '--kinds', 'camera', '--updates', '1', '--episodes-per-update', '2', '--group-size', '2', '--report-to', 'none', '--no-progress', '--checkpoint-every', '1', ...more]);
    catchConsole();
    await rl();
    await rl('--resume'); // the same reward: finished, nothing to do
    saveBuiltin(enc, newBuiltin(eps, { seed: 9 })); // another encoder where the reward model's config.json points: another reward
    // was: resumed (here: finished, nothing to do), the reward model's own weights being the same
    await expect(rl('--resume', '--updates', '2')).rejects.toThrow(`started with other settings: --reward rm:${join(dir, 'rm')} (another model, or another encoder at the path its config.json names, now);`);
    // a run.json an askfirst before this kept (the reward model's weights alone) is of the same reward model
    const kept = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { settings: { reward: { id: string } } };
    kept.settings.reward.id = weightsDigest(join(dir, 'rm'));
    writeFileSync(join(out, 'run.json'), JSON.stringify(kept));
    await rl('--resume');
  }, 120_000);
  it('train rl --resume on a suite regenerated into the same --data folder is refused; the same suite, however spelled, resumes', async () => {
    const dir = tmpDir('askfirst-train-rl-data');
    saveBuiltin(join(dir, 'sup'), newBuiltin(generateSuite({ episodes: 1, kinds: ['camera'] })));
    const [suite, out] = [join(dir, 'suite'), join(dir, 'rl')];
    const rl = (data: string, updates: number, ...more: string[]) =>
      run(['train', 'rl', '--init', join(dir, 'sup'), '--out', out, '--data', data, '--kinds', 'camera', '--updates', String(updates), '--episodes-per-update', '2', '--group-size', '2', '--report-to', 'none', '--no-progress', '--checkpoint-every', '1', ...more]);
    const said: string[] = [];
    catchConsole((s) => said.push(s));
    await writeSuite(suite, generateSuite({ episodes: 2, seed: 1, kinds: ['camera'] }));
    await rl(suite, 1);
    // spelled as a shell completes it, with ./, with its format: the same data, so the run goes on (one more update each)
    for (const [i, spelling] of [`${suite}/`, `${dir}/./suite`, `suite:${suite}`].entries()) {
      await rl(spelling, i + 2, '--resume');
      expect(said.at(-1)).toMatch(new RegExp(`^rl \\(grpo\\): ${i + 2} updates in`));
    }
    // regenerated into the same folder with another seed: it resumed on the other episodes, unnoticed
    await writeSuite(suite, generateSuite({ episodes: 2, seed: 2, kinds: ['camera'] }));
    const ckpts = readdirSync(join(out, 'checkpoints'));
    said.length = 0;
    await expect(rl(suite, 5, '--resume')).rejects.toThrow(
      `${out} holds an rl run started with other settings: --data ${suite} (other episodes or images in it now); resuming would go on under settings it did not start with. Resume with its settings (${join(out, 'run.json')}), add --overwrite (instead of --resume) to start over with these, or use another --out`,
    );
    expect([said, readdirSync(join(out, 'checkpoints'))]).toEqual([[], ckpts]); // before any training
    await rl(suite, 1, '--overwrite'); // starting over on the new suite is allowed
    await rl(suite, 2, '--resume'); // and resumes on it
    expect(said.at(-1)).toMatch(/^rl \(grpo\): 2 updates in/);
    // a run.json of an askfirst before ebdcedd kept --data by its folder: it said '--data suite → /abs/suite … Resume with its settings', which cannot work
    const file = join(out, 'run.json');
    const kept = JSON.parse(readFileSync(file, 'utf8')) as { settings: Record<string, unknown> };
    writeFileSync(file, JSON.stringify({ ...kept, settings: { ...kept.settings, data: { shown: 'suite', id: `suite:${suite}` } } }));
    await expect(rl(suite, 3, '--resume')).rejects.toThrow(
      `${out} holds an rl run made by an older askfirst, which kept --data by its folder, not by the episodes and images in it: this askfirst cannot tell whether it is the same; add --overwrite (instead of --resume) to start over with this askfirst, or use another --out`,
    );
  }, 120_000);
  it('train rl --data changed after a checkpoint: the error says --resume (on the data as it was) or --overwrite, not "run the command again", which is refused', async () => {
    const dir = tmpDir('askfirst-train-rl-changed');
    saveBuiltin(join(dir, 'sup'), newBuiltin(generateSuite({ episodes: 1, kinds: ['camera'] })));
    const [suite, out] = [join(dir, 'suite'), join(dir, 'rl')];
    await writeSuite(suite, generateSuite({ episodes: 12, seed: 1, kinds: ['camera'] }));
    const rl = (...more: string[]) =>
      run(['train', 'rl', '--init', join(dir, 'sup'), '--out', out, '--data', suite, '--kinds', 'camera', '--updates', '6', '--episodes-per-update', '2', '--group-size', '2', '--report-to', 'none', '--no-progress', '--checkpoint-every', '1', '--ask-prior', '0', ...more]);
    catchConsole();
    const file = join(suite, 'episodes.jsonl');
    const original = readFileSync(file, 'utf8');
    const save = RunDir.prototype.saveCheckpoint;
    // the data is written to once the first checkpoint is (the episodes drawn later are read then)
    vi.spyOn(RunDir.prototype, 'saveCheckpoint').mockImplementation(function (this: RunDir, ...a: Parameters<RunDir['saveCheckpoint']>) {
      const dir = save.apply(this, a);
      if (a[0] === 1) writeFileSync(file, `${original}\n`);
      return dir;
    });
    await expect(rl()).rejects.toThrow(/episodes\.jsonl: the file was changed since it was read: its episodes may no longer be those read then; the run's checkpoints up to step \d+ in .* are kept: put --data back as it was and add --resume to continue from them, or add --overwrite to start over on the data as it is now$/);
    vi.restoreAllMocks();
    catchConsole();
    await expect(rl()).rejects.toThrow(/already holds an rl run .*Add --resume to continue it, add --overwrite to start over/); // what "run the command again" led to
    writeFileSync(file, original); // the data as it was: --resume goes on
    await rl('--resume');
    expect(new RunDir(out).isFinished()).toBe(true);
  }, 120_000);
  it('train rl --resume on ProactiveBench data that moved resumes, as does a run.json an older askfirst kept of it where it was', async () => {
    const dir = tmpDir('askfirst-train-rl-pb');
    const ids = [...filterIds('QuickDraw')!].slice(0, 2);
    const pb = await writeProactiveBench('askfirst-train-rl-pb-data', { 'QuickDraw_preprocessed.jsonl': ids.map((id) => JSON.stringify(quickDrawEntry(id))) }, ['QD/0000.png', 'QD/0001.png']);
    const moved = join(dir, 'moved');
    cpSync(pb, moved, { recursive: true });
    const data = await loadData(`proactivebench:${pb}`);
    saveBuiltin(join(dir, 'sup'), newBuiltin(data.episodes));
    const out = join(dir, 'rl');
    const rl = (d: string, updates: number, ...more: string[]) =>
      run(['train', 'rl', '--init', join(dir, 'sup'), '--out', out, '--data', `proactivebench:${d}`, '--kinds', 'sketch', '--updates', String(updates), '--episodes-per-update', '2', '--group-size', '2', '--report-to', 'none', '--no-progress', '--checkpoint-every', '1', ...more]);
    const said: string[] = [];
    catchConsole((s) => said.push(s));
    await rl(pb, 1);
    await rl(moved, 2, '--resume'); // was: "--data … → … (other episodes or images in it now)"
    expect(said.at(-1)).toMatch(/^rl \(grpo\): 2 updates in/);
    // the run.json of an askfirst that hashed each entry's file by its path, on the data where it was
    const file = join(out, 'run.json');
    const kept = JSON.parse(readFileSync(file, 'utf8')) as { settings: { data: { id: string } } };
    const { earlier } = await dataFingerprints(data.episodes, data.dir);
    writeFileSync(file, JSON.stringify({ ...kept, settings: { ...kept.settings, data: { ...kept.settings.data, id: earlier[0] } } }));
    await rl(pb, 3, '--resume');
    expect(said.at(-1)).toMatch(/^rl \(grpo\): 3 updates in/);
    expect(JSON.parse(readFileSync(file, 'utf8')).settings.data.id).toBe(kept.settings.data.id);
  }, 120_000);
  it("a demo's RL run is a stage of the demo: train rl --resume into it is refused, saying what it is; --overwrite replaces it, and the demo then trains its stage again", async () => {
    const demo = join(tmpDir('askfirst-train-demo-rl'), 'demo');
    const [sup, out] = [join(demo, 'supervised'), join(demo, 'rl')];
    saveBuiltin(join(sup, 'final'), newBuiltin(generateSuite({ episodes: 1, kinds: ['camera'] })));
    const said: string[] = [];
    const decide = () => startDemoRL('rl', out, sup, false, (s) => said.push(s), () => () => {}).start;
    expect(decide()).toBe('start'); // the demo keeps the guesser its RL stage starts from, then trains it
    saveBuiltin(join(out, 'final'), newBuiltin(generateSuite({ episodes: 1, kinds: ['camera'] })));
    expect(decide()).toBe('finished');
    const rl = (...more: string[]) => run(['train', 'rl', '--init', sup, '--out', out, '--episodes', '2', '--kinds', 'camera', '--updates', '1', '--episodes-per-update', '2', '--group-size', '2', '--report-to', 'none', '--no-progress', ...more]);
    const refusal = `${out} is the rl stage of the demo in ${demo}, trained under that demo's settings, not a train rl run: train cannot resume it. Run that demo again to continue it (askfirst demo --out ${demo}, with the settings it started with), add --overwrite to replace it with a train rl run (the demo then trains its stage again), or use another --out`;
    // it listed every setting of train rl as changed ('--algorithm (none) → grpo, …'): its run.json holds the guesser alone
    await expect(rl('--resume')).rejects.toThrow(refusal);
    await expect(rl()).rejects.toThrow(refusal);
    catchConsole();
    await rl('--overwrite');
    await rl('--resume', '--updates', '2'); // now a train rl run: it resumes as one
    expect(said).toEqual([]);
    expect(decide()).toBe('start'); // was: taken up by the demo as its finished stage (same guesser, run 'rl')
    expect(said).toEqual([`demo: ${out} holds a train rl run, not the demo's rl stage; training the stage again from ${sup}`]);
  }, 120_000);
  it("a demo's supervised stage is a stage of the demo: train supervised --resume into it is refused (one kept before it was named so too); --overwrite replaces it, and the demo then trains its stage again", async () => {
    const demo = join(tmpDir('askfirst-train-demo-sup'), 'demo');
    const out = join(demo, 'supervised');
    keepRunSettings(demo, {}, { run: 'demo', resuming: false, startOver: 'add --fresh' }); // what a demo writes first
    saveBuiltin(join(out, 'final'), newBuiltin(generateSuite({ episodes: 1, kinds: ['camera'] })));
    const sup = (...more: string[]) => run(['train', 'supervised', '--out', out, '--steps', '2', '--warmup-steps', '1', '--episodes', '2', '--batch-size', '8', '--size', '32', '--report-to', 'none', '--no-progress', ...more]);
    const refusal = `${out} is the supervised stage of the demo in ${demo}, trained under that demo's settings, not a train supervised run: train cannot resume it. Run that demo again to continue it (askfirst demo --out ${demo}, with the settings it started with), add --overwrite to replace it with a train supervised run (the demo then trains its stage again), or use another --out`;
    // a demo's supervised stage from before it kept a run.json: known by its place (it resumed, comparing no settings)
    await expect(sup('--resume')).rejects.toThrow(refusal);
    const said: string[] = [];
    const decide = () => startDemoSupervised(out, { steps: 2 }, false, (s) => said.push(s), () => () => {}).start;
    expect(decide()).toBe('finished'); // taken up as before
    rmSync(join(out, 'final'), { recursive: true });
    expect(decide()).toBe('start'); // the demo keeps its stage's settings, then trains it
    expect(readRunSettings(out)).toEqual({ run: DEMO_SUPERVISED_RUN, settings: { steps: 2 } });
    saveBuiltin(join(out, 'final'), newBuiltin(generateSuite({ episodes: 1, kinds: ['camera'] })));
    rmSync(join(demo, 'run.json')); // known by its own run.json now, wherever it is
    await expect(sup('--resume')).rejects.toThrow(refusal);
    await expect(sup()).rejects.toThrow(refusal);
    expect(decide()).toBe('finished');
    catchConsole();
    await sup('--overwrite');
    await sup('--resume', '--steps', '3'); // now a train supervised run: it resumes as one
    expect(said).toEqual([]);
    expect(decide()).toBe('start'); // was: taken up by the demo as its finished guesser
    expect(said).toEqual([`demo: ${out} holds a train supervised run, not the demo's supervised stage; training the stage again`]);
  }, 120_000);
  it('train rl refuses the options it would not read, before any work', async () => {
    const out = join(tmpDir('askfirst-train-rl-unread'), 'rl');
    const rl = (...more: string[]) => run(['train', 'rl', '--init', 'nowhere', '--out', out, ...more]); // refused before --init is read
    // with --data it trained 150 updates on the data, the generated suite's --episodes and --control-share ignored
    await expect(rl('--data', 'suite', '--episodes', '10')).rejects.toThrow('--episodes does not apply with --data: it is read without --data only (they shape the training suite generated then); leave it out');
    await expect(rl('--data', 'suite', '--episodes', '10', '--control-share', '0.3')).rejects.toThrow(/^--episodes, --control-share do not apply with --data:/);
    await expect(rl('--rp', '1')).rejects.toThrow('--rp does not apply with --objective multi-turn (the default): it is read by --objective single-turn only (multi-turn episodes are rewarded by --reward-weights); leave it out, or add --objective single-turn');
    await expect(rl('--objective', 'single-turn', '--reward-weights', 'guessed=-1')).rejects.toThrow(/^--reward-weights does not apply with --objective single-turn: it is read by --objective multi-turn only/);
    await expect(rl('--curriculum-start', '0.5')).rejects.toThrow('--curriculum-start does not apply with --curriculum none (the default): it is read by --curriculum oracle only; leave it out, or add --curriculum oracle');
    // read: no refusal (the missing --init is what fails)
    for (const args of [['--objective', 'single-turn', '--rp', '1'], ['--curriculum', 'oracle', '--curriculum-start', '0.5'], ['--episodes', '10', '--control-share', '0.3']]) await expect(rl(...args)).rejects.toThrow(/no model checkpoint in nowhere/);
  });
  it('--report-to none with another target is refused', async () => {
    await expect(run(['train', 'supervised', '--out', join(tmpDir('askfirst-train-report-to'), 'sup'), '--report-to', 'none,csv', '--episodes', '1', '--steps', '2', '--warmup-steps', '1', '--batch-size', '2', '--no-progress'])).rejects.toThrow(/report-to: none means the JSONL log alone: give none by itself, or the targets without it/); // main.ts names it --report-to
  });
  it('--reward-weights is in --help with the defaults, and a bad weight fails before any work', async () => {
    for (const path of [['train', 'rl'], ['demo']]) expect(await help(path)).not.toMatch(/\(default: \)/); // an empty list default is not shown as "(default: )"
    for (const path of [['train', 'rl'], ['demo']]) expect(await help(path)).toMatch(/--reward-weights <a,b,…>\s+change reward weights[^(]*\(the rest keep their defaults: correct 1, wrong -0\.5,[^)]*needlessAsks -0\.3/);
    await expect(run(['train', 'rl', '--init', 'x', '--out', 'o', '--reward-weights', 'needlesAsks=-1'])).rejects.toThrow(/"needlesAsks" is not a reward \(Did you mean needlessAsks\?\); use one of correct, wrong/);
    await expect(run(['demo', '--out', 'o', '--reward-weights', 'guessed=lots'])).rejects.toThrow(/"lots" \(guessed\) is not a number/);
  });
});
