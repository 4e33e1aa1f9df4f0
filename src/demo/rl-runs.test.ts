import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newBuiltin, saveBuiltin } from '../agents/builtin/build.js';
import { weightsDigest } from '../nn/index.js';
import { generateSuite } from '../suite/generate.js';
import { tmpDir } from '../testing/tmp.js';
import { keptDemo } from '../testing/demo-stages.js';
import { keepRunSettings } from '../util/run-settings.js';
import { runDemo } from './pipeline.js';
import { DEMO_RL_RUN } from './demo-stage-run.js';
import { startDemoRL } from './rl-runs.js';
import { startDemoSupervised } from './supervised-run.js';

/** A guesser (an untrained built-in model of `seed`) saved as a finished run's final model in `dir`. */
function guesser(dir: string, seed: number): string {
  saveBuiltin(join(dir, 'final'), newBuiltin(generateSuite({ episodes: 1, seed: 0 }), { seed }));
  return dir;
}

/** What an RL run of a demo keeps of the guesser it started from (rl-runs.ts): run.json's `init`, by its weights' SHA-256. */
const startedFrom = (dir: string, from: string, run = DEMO_RL_RUN) => keepRunSettings(dir, { init: { shown: from, id: weightsDigest(from) } }, { run, resuming: false, startOver: '' });

class Stopped extends Error {}

describe('a demo re-run takes up an RL run only when it started from the guesser it has now', () => {
  it('demo --fresh (a new guesser), then a plain re-run: the RL run of the old guesser, finished in --out, is trained again, said in one line', { timeout: 120_000 }, async () => {
    const root = tmpDir('af-demo-guesser');
    const out = join(root, 'demo');
    const old = guesser(join(root, 'old-supervised'), 7); // the guesser the earlier demo's RL started from
    saveBuiltin(join(out, 'rl', 'final'), newBuiltin(generateSuite({ episodes: 1, seed: 0 }), { seed: 7 }));
    startedFrom(join(out, 'rl'), old);
    guesser(join(out, 'supervised'), 0); // the --fresh demo's new guesser, finished
    keptDemo(out); // the run.json that demo wrote before its first stage (a demo takes up no stage without it)
    const lines: string[] = [];
    // stopped as it decides (training the quick RL run would take minutes): it took the old run up, "rl already done", before
    const said = (s: string) => {
      lines.push(s);
      if (/^demo: rl /.test(s)) throw new Stopped(s);
    };
    await expect(runDemo({ quick: true, out, progress: false, baselines: false, reportTo: [] }, said)).rejects.toThrow(
      `demo: rl started from another guesser than ${join(out, 'supervised')} holds now (the SHA-256 of its weights differs); training it again from it`,
    );
    expect(lines.filter((l) => /already done/.test(l))).toEqual([`demo: supervised stage already done (${join(out, 'supervised')}/final)`]);
  });

  it('a finished or resumable run from this guesser is taken up; from another, or with --fresh, started over; one from before the guesser was kept, taken up', () => {
    const root = tmpDir('af-demo-guesser');
    const sup = guesser(join(root, 'supervised'), 0);
    const other = guesser(join(root, 'other'), 1);
    const said: string[] = [];
    const decide = (dir: string, fresh = false) => startDemoRL('rl', dir, sup, fresh, (s) => said.push(s), () => () => {}).start;
    const finished = join(root, 'finished');
    saveBuiltin(join(finished, 'final'), newBuiltin(generateSuite({ episodes: 1, seed: 0 })));
    expect(decide(finished)).toBe('finished'); // no guesser kept (a run from before): taken up as before
    startedFrom(finished, sup, 'rl'); // as kept before the demo's runs were named `demo rl`: the guesser alone
    expect(decide(finished)).toBe('finished');
    startedFrom(finished, sup);
    expect([decide(finished), decide(finished, true)]).toEqual(['finished', 'start']);
    const resumable = join(root, 'resumable');
    mkdirSync(join(resumable, 'checkpoints', 'step-0000005'), { recursive: true });
    writeFileSync(join(resumable, 'checkpoints', 'step-0000005', 'state.json'), '{}');
    startedFrom(resumable, sup);
    expect(decide(resumable)).toBe('resume');
    startedFrom(resumable, other);
    expect(said).toEqual([]);
    expect(decide(resumable)).toBe('start'); // was: resumed from the other guesser's checkpoint
    expect(said).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(resumable, 'run.json'), 'utf8')).settings.init.id).toBe(weightsDigest(sup)); // kept for the next re-run
  });

  it('demo --fresh reads nothing an RL run or the supervised stage kept: a damaged run.json was refused ("… damaged …") where it starts over', () => {
    const root = tmpDir('af-demo-guesser');
    const sup = guesser(join(root, 'supervised'), 0);
    for (const dir of [join(root, 'rl'), join(root, 'sup-stage')]) {
      saveBuiltin(join(dir, 'final'), newBuiltin(generateSuite({ episodes: 1, seed: 0 })));
      writeFileSync(join(dir, 'run.json'), '{"run": "demo rl", "sett');
    }
    const ignore = () => () => {};
    expect(() => startDemoRL('rl', join(root, 'rl'), sup, false, () => {}, ignore)).toThrow(/damaged/); // taken up, it is read
    expect(startDemoRL('rl', join(root, 'rl'), sup, true, () => {}, ignore).start).toBe('start');
    expect(startDemoSupervised(join(root, 'sup-stage'), { seed: 1 }, true, () => {}, ignore).start).toBe('start');
    expect(JSON.parse(readFileSync(join(root, 'rl', 'run.json'), 'utf8')).settings.init.id).toBe(weightsDigest(sup)); // the new run's, kept over it
  });

  it('stopped before the run it starts over writes a checkpoint: the guesser its earlier run started from is put back', () => {
    const root = tmpDir('af-demo-guesser');
    const sup = guesser(join(root, 'supervised'), 0);
    const other = guesser(join(root, 'other'), 1);
    const dir = join(root, 'rl');
    saveBuiltin(join(dir, 'final'), newBuiltin(generateSuite({ episodes: 1, seed: 0 })));
    startedFrom(dir, other);
    const before = readFileSync(join(dir, 'run.json'), 'utf8');
    const undos: (() => void)[] = [];
    expect(startDemoRL('rl', dir, sup, false, () => {}, (u) => (undos.push(u), () => {})).start).toBe('start');
    for (const u of undos) u(); // the demo ended (a signal, an error) before the run wrote anything
    expect(readFileSync(join(dir, 'run.json'), 'utf8')).toBe(before); // its old final model is still the other guesser's
    expect(startDemoRL('rl', dir, sup, false, () => {}, () => () => {}).start).toBe('start');
    // it wrote a checkpoint of its own (newer than the old final model): resumed from it next time
    mkdirSync(join(dir, 'checkpoints', 'step-0000005'), { recursive: true });
    writeFileSync(join(dir, 'checkpoints', 'step-0000005', 'state.json'), '{}');
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'final', 'config.json'), old, old);
    expect(startDemoRL('rl', dir, sup, false, () => {}, () => () => {}).start).toBe('resume');
    expect(existsSync(join(dir, 'final'))).toBe(true);
  });
});
