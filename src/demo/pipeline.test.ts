/**
 * `askfirst demo` re-run over stages a newer askfirst wrote: refused before any suite is drawn (pipeline.ts checkDemoTakeUp);
 * re-run over its finished stages: their times are the run's that trained them (stages.ts carryTakenUp); over a stage
 * killed mid-way: its time is the run before's (its checkpoint's) and the re-run's together (stages.ts carryResumed).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { resolveConfig } from '../util/config.js';
import { DemoConfigSchema } from './config.js';
import { checkDemoTakeUp, runDemo } from './pipeline.js';
import { newBuiltin, saveBuiltin } from '../agents/builtin/build.js';
import { generateSuite } from '../suite/generate.js';
import { weightsDigest } from '../nn/run-dir.js';
import { writeResults } from '../report/results-io.js';
import type { Results } from '../report/results.js';
import { fakeResults } from '../testing/report-fixture.js';
import { finishedDemoStages, keptDemo } from '../testing/demo-stages.js';
import { killCliAt } from '../testing/cli-kill.js';
import { checkpointSeconds } from './stages.js';
import { aggregateSeeds } from './seeds.js';
import { seedDir } from './seed-dirs.js';

/** Write `value` as JSON at `file`, its folders made. */
function writeJson(file: string, value: unknown): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, JSON.stringify(value));
}

const newer = (file: string, format: string, version: number) => `${file}: written by a newer askfirst (${format} version ${version}; this askfirst reads version 1 and older)`;

describe('demo re-run over a stage a newer askfirst wrote', () => {
  it('is refused in one line naming the file before any suite is drawn: a checkpoint state.json, a run.json, a final config.json', async () => {
    const out = join(tmpDir('askfirst-demo-newer-stage'), 'demo');
    const said: string[] = [];
    const run = () => runDemo({ out, quick: true, progress: false, reportTo: [] }, (s) => void said.push(s));
    keptDemo(out, { quick: true });
    // the supervised stage's newest checkpoint (resumed from)
    const state = join(out, 'supervised', 'checkpoints', 'step-0000002', 'state.json');
    writeJson(state, { format: 'askfirst-checkpoint-state', version: 2, step: 2 });
    await expect(run()).rejects.toThrow(newer(state, 'askfirst-checkpoint-state', 2));
    expect(said).toEqual([]); // was: 'demo: 320 RL training episodes …' (every suite drawn), then the refusal
    // an RL run's run.json, and the final model of a baseline (taken up as finished): read at their stage, after the supervised one
    writeJson(state, { step: 2 });
    const kept = join(out, 'rl', 'run.json');
    writeJson(kept, { format: 'askfirst-run', version: 3, run: 'demo rl', settings: {} });
    writeJson(join(out, 'rl', 'checkpoints', 'step-0000001', 'state.json'), { step: 1 });
    await expect(run()).rejects.toThrow(newer(kept, 'askfirst-run', 3));
    writeJson(kept, { format: 'askfirst-run', version: 1, run: 'demo rl', settings: {} });
    const final = join(out, 'baseline-rp1.0', 'final', 'config.json');
    writeJson(final, { format: 'askfirst-checkpoint', version: 2 });
    await expect(run()).rejects.toThrow(newer(final, 'askfirst-checkpoint', 2));
    expect(said).toEqual([]);
    // without the baselines (--no-baselines) theirs is not taken up, nor read; with --fresh none is
    expect(() => checkDemoTakeUp(resolveConfig(DemoConfigSchema, { out, quick: true, fresh: false, baselines: false }, 'demo'))).not.toThrow();
    writeJson(state, { format: 'askfirst-checkpoint-state', version: 2, step: 2 });
    expect(() => checkDemoTakeUp(resolveConfig(DemoConfigSchema, { out, quick: true, fresh: true, baselines: true }, 'demo'))).not.toThrow();
  });

  it('is refused in one line naming its results.json, before any work and with --fresh too, leaving the file as it was', async () => {
    const out = join(tmpDir('askfirst-demo-newer-results'), 'demo');
    const file = join(out, 'results.json');
    writeJson(file, { version: 2, wallSeconds: 690 });
    const bytes = readFileSync(file, 'utf8');
    const refused = `${newer(file, 'results', 2)}: upgrade askfirst to read it, or give the demo another --out`;
    // was: read as none (earlierResults), and written over once the whole demo had run
    for (const fresh of [false, true]) expect(() => checkDemoTakeUp(resolveConfig(DemoConfigSchema, { out, quick: true, fresh }, 'demo'))).toThrow(refused);
    const said: string[] = [];
    await expect(runDemo({ out, quick: true, fresh: true, progress: false, reportTo: [] }, (s) => void said.push(s))).rejects.toThrow(refused);
    expect(said).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe(bytes);
    // a damaged one is not refused: the demo writes it again
    writeFileSync(file, '{"version": 1, "acc');
    expect(() => checkDemoTakeUp(resolveConfig(DemoConfigSchema, { out, quick: true, fresh: false }, 'demo'))).not.toThrow();
  });

  it("is refused before any work over a stage without the demo's run.json, as `demo --seeds` refuses a seed's folder (was: taken up, nothing compared)", async () => {
    const out = join(tmpDir('askfirst-demo-no-run-json'), 'demo');
    writeJson(join(out, 'supervised', 'final', 'config.json'), {}); // a quick demo's supervised stage copied in, without run.json
    const refused = `${out} holds supervised/ of a demo but not its run.json (the settings the demo started with), so askfirst cannot tell whether this demo under these settings may take it up; remove ${out} (or move it away) to run the demo anew, add --fresh to start it over, or use another --out`;
    const said: string[] = [];
    await expect(runDemo({ out, progress: false, reportTo: [] }, (s) => void said.push(s))).rejects.toThrow(refused);
    expect(said).toEqual([]);
    expect(readdirSync(out)).toEqual(['supervised']);
    expect(() => checkDemoTakeUp(resolveConfig(DemoConfigSchema, { out, fresh: true }, 'demo'))).not.toThrow();
    // with the demo's run.json its stage is taken up
    keptDemo(out, {});
    expect(() => checkDemoTakeUp(resolveConfig(DemoConfigSchema, { out, fresh: false }, 'demo'))).not.toThrow();
  });

  it('is not refused over an RL run the re-run trains again, kept from another guesser than its finished supervised stage', () => {
    const out = join(tmpDir('askfirst-demo-newer-retrained'), 'demo');
    keptDemo(out, {});
    const sup = join(out, 'supervised');
    saveBuiltin(join(sup, 'final'), newBuiltin(generateSuite({ episodes: 1, kinds: ['camera'] })));
    writeJson(join(sup, 'run.json'), { format: 'askfirst-run', version: 1, run: 'demo supervised', settings: {} });
    const state = join(out, 'rl', 'checkpoints', 'step-0000001', 'state.json');
    writeJson(state, { format: 'askfirst-checkpoint-state', version: 2, update: 1 });
    const kept = (id: string) => writeJson(join(out, 'rl', 'run.json'), { format: 'askfirst-run', version: 1, run: 'demo rl', settings: { init: { shown: sup, id } } });
    // started from another guesser: rl-runs.ts trains it again, reading none of its files (was: refused, naming the state.json)
    kept('sha256:another');
    expect(() => checkDemoTakeUp(resolveConfig(DemoConfigSchema, { out, fresh: false, baselines: false }, 'demo'))).not.toThrow();
    // from this guesser it is taken up: its newer state.json is refused, as before
    kept(weightsDigest(sup));
    expect(() => checkDemoTakeUp(resolveConfig(DemoConfigSchema, { out, fresh: false, baselines: false }, 'demo'))).toThrow(newer(state, 'askfirst-checkpoint-state', 2));
  });
});

describe('demo re-run over its finished stages', () => {
  it("keeps the times the earlier run recorded for the training stages it takes up, marked so, in its wall time and the baselines'", { timeout: 300_000 }, async () => {
    const out = join(tmpDir('askfirst-demo-rerun-times'), 'demo');
    finishedDemoStages(out); // untrained models: the demo only loads and evaluates them
    // the results.json of the run that trained them: 690 s, of which supervised 300 s and RL 360 s
    const earlier = fakeResults(3);
    earlier.quick = true;
    earlier.wallSeconds = 690;
    earlier.timings = [
      { stage: 'generate', seconds: 5 },
      { stage: 'supervised', seconds: 300 },
      { stage: 'rl', seconds: 360, parts: [{ name: 'rollouts', seconds: 200 }] },
      { stage: 'baseline-rp0.5', seconds: 10 },
      { stage: 'baseline-rp1.0', seconds: 10 },
    ];
    for (const b of earlier.baselines) b.wallSeconds = b.rp === 0.5 ? 11 : 12;
    const file = await writeResults(out, earlier);
    const later = new Date(Date.now() + 1000); // written after the stages' final models, as a finished demo's is
    utimesSync(file, later, later);
    await runDemo({ out, quick: true, progress: false, reportTo: [] }, () => {});
    const r = JSON.parse(readFileSync(file, 'utf8')) as Results;
    const timing = (stage: string) => r.timings.find((t) => t.stage === stage);
    expect(timing('supervised')).toEqual({ stage: 'supervised', seconds: 300, takenUp: true }); // was: a moment's loading
    expect(timing('rl')).toEqual({ stage: 'rl', seconds: 360, parts: [{ name: 'rollouts', seconds: 200 }], takenUp: true });
    expect(timing('baseline-rp1.0')).toEqual({ stage: 'baseline-rp1.0', seconds: 10, takenUp: true });
    expect(timing('generate')!.takenUp).toBeUndefined(); // drawn again: this run's time
    expect(r.wallSeconds).toBeGreaterThan(680); // was: the re-run's own few seconds (an aggregate read 14.6 s for 690 s)
    expect(r.baselines.map((b) => b.wallSeconds)).toEqual([11, 12]);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('taken up finished by this re-run: the time of the run that trained it');
  });

  it('stopped after its stages finished, before it wrote results.json: keeps the times their own logs record', { timeout: 300_000 }, async () => {
    const out = join(tmpDir('askfirst-demo-resume-times'), 'demo');
    finishedDemoStages(out); // untrained models: the demo only loads and evaluates them
    // what the stages logged as they trained (no results.json: the demo was stopped, say, in the evaluation after RL)
    const jsonl = (file: string, rows: object[]) => writeFileSync(file, rows.map((r) => JSON.stringify(r) + '\n').join(''));
    jsonl(join(out, 'supervised', 'train.jsonl'), [{ step: 140, 'train/seconds': 280 }, { step: 150, 'train/seconds': 300 }]); // the quick demo's 150 steps
    const rl = (seconds: number) => [1, 2].map((update) => ({ update, 'time/seconds': (seconds * update) / 2, 'time/rollout': seconds / 4, 'time/optimise': seconds / 8, 'time/eval': 0 }));
    jsonl(join(out, 'rl', 'rl.jsonl'), rl(360));
    jsonl(join(out, 'baseline-rp0.5', 'rl.jsonl'), rl(40));
    jsonl(join(out, 'baseline-rp1.0', 'rl.jsonl'), rl(80));
    await runDemo({ out, quick: true, progress: false, reportTo: [] }, () => {});
    const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
    const timing = (stage: string) => r.timings.find((t) => t.stage === stage);
    expect(timing('supervised')).toEqual({ stage: 'supervised', seconds: 300, takenUp: true }); // was: a moment's loading
    const parts = [{ name: 'rollouts', seconds: 180 }, { name: 'optimisation (forward + backward)', seconds: 90 }, { name: 'evaluation', seconds: 0 }];
    expect(timing('rl')).toEqual({ stage: 'rl', seconds: 360, parts, takenUp: true });
    expect(timing('baseline-rp1.0')).toEqual({ stage: 'baseline-rp1.0', seconds: 80, takenUp: true });
    expect(timing('generate')!.takenUp).toBeUndefined(); // drawn again: this run's time
    expect(r.wallSeconds).toBeGreaterThan(300 + 360 + 40 + 80);
    // a baseline's: its training as logged and this run's evaluation of it
    const [b05, b10] = r.baselines.map((b) => b.wallSeconds);
    expect(b05).toBeGreaterThan(40);
    expect(b05).toBeLessThan(r.wallSeconds - 300 - 360 - 80);
    expect(b10).toBeGreaterThan(80);
  });
});

describe('demo re-run over a training stage killed mid-way', () => {
  it('times the stage it resumes from a checkpoint as the run before it and this one together, marked so, in its wall time too', { timeout: 600_000 }, async () => {
    const dir = tmpDir('askfirst-demo-resumed-time');
    const out = join(dir, 'demo');
    finishedDemoStages(out, []); // an untrained guesser, taken up: only RL trains
    // `askfirst demo --quick` (the build in dist/) killed as RL writes its final model: its checkpoint at update 25 of 40 is kept
    const args = ['demo', '--quick', '--no-baselines', '--no-progress', '--out', out];
    await killCliAt(args, dir, { op: 'write', path: `${sep}rl${sep}final${sep}` });
    const before = checkpointSeconds(join(out, 'rl'));
    expect(before).toBeGreaterThan(0);
    const t = performance.now();
    await runDemo({ out, quick: true, baselines: false, progress: false, reportTo: [] }, () => {});
    const now = (performance.now() - t) / 1000; // this run's time, its resumed RL's part among it
    const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
    const rl = r.timings.find((x) => x.stage === 'rl')!;
    expect(rl.resumed).toBe(true); // was: absent, and the seconds of the last 15 updates only
    expect(rl.takenUp).toBeUndefined();
    expect(rl.seconds - before!).toBeGreaterThan(0);
    expect(rl.seconds - before!).toBeLessThanOrEqual(now);
    expect(r.wallSeconds - before!).toBeGreaterThan(0);
    expect(r.wallSeconds - before!).toBeLessThanOrEqual(now);
    expect(r.timings.filter((x) => x.resumed).map((x) => x.stage)).toEqual(['rl']);
  });
});

/** An earlier quick demo of seed 0 finished in `out` (results.json, report.html, MODEL_CARD.md), beside what an earlier --fresh demo set aside. */
async function writeEarlierDemo(out: string): Promise<void> {
  const earlier = fakeResults(11);
  earlier.data.seed = 0;
  earlier.quick = true;
  await writeResults(out, earlier);
  writeFileSync(join(out, 'report.html'), '<p>the earlier demo</p>');
  writeFileSync(join(out, 'MODEL_CARD.md'), '# the earlier demo\n');
  writeFileSync(join(out, 'results.replaced.json'), '{"an older": "one"}');
}

describe('demo --fresh over an earlier demo', () => {
  it("moves the earlier demo's results.json, report.html and MODEL_CARD.md aside as it starts, and back if stopped before it wrote anything", async () => {
    const root = tmpDir('askfirst-demo-fresh-summary');
    const out = seedDir(root, 0);
    await writeEarlierDemo(out);
    const bytes = readFileSync(join(out, 'results.json'), 'utf8');
    expect((await aggregateSeeds(root, [0])).aggregate.runs).toHaveLength(1); // the earlier demo's figures, finished
    const said: string[] = [];
    const undos: (() => void)[] = [];
    const stop = new Error('stopped');
    // the demo stopped at its first line after starting (as Ctrl-C does), its undo run by the command's guard (cli/run-guard.ts)
    const log = (s: string) => {
      said.push(s);
      if (said.length > 1) throw stop;
    };
    await expect(runDemo({ out, quick: true, fresh: true, progress: false, reportTo: [] }, log, (undo) => (undos.push(undo), () => {}))).rejects.toBe(stop);
    expect(said[0]).toBe(
      `demo: --fresh: the earlier demo's results.json, report.html, MODEL_CARD.md in ${out} moved to results.replaced.json, report.replaced.html, MODEL_CARD.replaced.md, replacing the results.replaced.json an earlier --fresh demo set aside (their figures are not this demo's)`,
    );
    // while the new demo runs, no earlier figures read as its own: --aggregate-only counts the seed as missing (it read the earlier results.json)
    expect(existsSync(join(out, 'results.json'))).toBe(false);
    expect(readFileSync(join(out, 'results.replaced.json'), 'utf8')).toBe(bytes);
    expect(readFileSync(join(out, 'report.replaced.html'), 'utf8')).toBe('<p>the earlier demo</p>');
    await expect(aggregateSeeds(root, [0])).rejects.toThrow(`no finished demo run for seed 0 (no results.json in ${out})`);
    // stopped before it wrote a checkpoint: the earlier demo is whole again
    for (const undo of undos) undo();
    expect(readFileSync(join(out, 'results.json'), 'utf8')).toBe(bytes);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toBe('<p>the earlier demo</p>');
    expect(readFileSync(join(out, 'MODEL_CARD.md'), 'utf8')).toBe('# the earlier demo\n');
    // and so is what an earlier --fresh demo had set aside (was: renamed over as this one started, lost)
    expect(readdirSync(out).filter((f) => f.includes('.replaced.'))).toEqual(['results.replaced.json']);
    expect(readFileSync(join(out, 'results.replaced.json'), 'utf8')).toBe('{"an older": "one"}');
  });

  it('called as a library (no unlessDone) and failing before it wrote anything: the folder is as it was (was: its summary left set aside)', async () => {
    const out = tmpDir('askfirst-demo-fresh-library');
    await writeEarlierDemo(out);
    const folder = () => Object.fromEntries(readdirSync(out).filter((f) => f !== 'supervised').map((f) => [f, readFileSync(join(out, f), 'utf8')]));
    const before = folder();
    const said: string[] = [];
    const broke = new Error('broke');
    // the demo fails at its first line after setting the summary aside (a library caller's run: no command's guard)
    const log = (s: string) => {
      said.push(s);
      if (said.length > 1) throw broke;
    };
    await expect(runDemo({ out, quick: true, fresh: true, progress: false, reportTo: [] }, log)).rejects.toBe(broke);
    expect(said[0]).toMatch(/^demo: --fresh: the earlier demo's results.json, report.html, MODEL_CARD.md in .* moved to/);
    expect(folder()).toEqual(before); // its summary back, the older copy too, and no run.json of the demo that failed
    expect(existsSync(join(out, 'supervised'))).toBe(false); // nor the stage it began: its settings put back, the folder made for them gone (was: an empty supervised/)
  });

  it('a summary that cannot be set aside (a folder in the way) is refused before any work, leaving the earlier demo as it was: summary and run.json', async () => {
    const out = tmpDir('askfirst-demo-fresh-blocked');
    writeFileSync(join(out, 'run.json'), `${JSON.stringify({ run: 'demo', settings: { quick: false, seed: 4 } })}\n`);
    for (const f of ['results.json', 'report.html', 'MODEL_CARD.md']) writeFileSync(join(out, f), `the earlier ${f}`);
    mkdirSync(join(out, 'report.replaced.html', 'mine'), { recursive: true });
    const before = Object.fromEntries(readdirSync(out).map((f) => [f, f.includes('.replaced.') ? '/' : readFileSync(join(out, f), 'utf8')]));
    const undos: (() => void)[] = [];
    const wentOn = (s: string) => {
      throw new Error(`went on: ${s}`); // the demo's first line (so a regression fails at once, not after a whole demo)
    };
    await expect(runDemo({ out, quick: true, fresh: true, progress: false, reportTo: [] }, wentOn, (undo) => (undos.push(undo), () => {}))).rejects.toThrow(
      `${join(out, 'report.replaced.html')} is in the way of setting the earlier demo's results.json, report.html, MODEL_CARD.md aside`,
    );
    expect(undos).toEqual([]); // refused before the demo's guard was set: nothing left for it to undo
    // was: results.json moved aside (report.html's move failed after it), and run.json saying the new demo's settings
    expect(Object.fromEntries(readdirSync(out).map((f) => [f, f.includes('.replaced.') ? '/' : readFileSync(join(out, f), 'utf8')]))).toEqual(before);
  });
});

describe('demo: the reference accuracy at its end', () => {
  it('shows a progress bar while it measures the guesser on the test episodes\' clearest views, and none with --no-progress', { timeout: 600_000 }, async () => {
    const out = join(tmpDir('askfirst-demo-reference-bar'), 'demo');
    finishedDemoStages(out, ['rl']); // untrained models, taken up: the demo only loads and evaluates them
    const said: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: unknown) => (said.push(String(s)), true));
    const results = () => JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
    try {
      await runDemo({ out, quick: true, baselines: false, progress: true, reportTo: [] }, () => {});
      const withBar = results().config.heldOutReferenceAccuracyAllCategories;
      // before, nothing: the accuracy ran after the examples' bar-less stage with no line of its own
      expect(said.filter((l) => /^measuring reference accuracy: 280\/280 images in \d/.test(l))).toHaveLength(1); // 40 test episodes of each of 7 kinds
      said.length = 0;
      await runDemo({ out, quick: true, baselines: false, progress: false, reportTo: [] }, () => {});
      expect(said.filter((l) => /^measuring reference accuracy/.test(l))).toEqual([]);
      expect(results().config.heldOutReferenceAccuracyAllCategories).toBe(withBar); // the bar changes no figure
    } finally {
      spy.mockRestore();
    }
  });
});
