import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newBuiltin } from '../agents/builtin/build.js';
import { resolveModelConfig } from '../agents/builtin/model.js';
import { Rng } from '../util/rng.js';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { indexData } from '../suite/open.js';
import { tmpDir } from '../testing/tmp.js';
import { trainGRPO } from './grpo.js';
import { difficultyRanks } from './curriculum.js';
import { finishedCurve, RLRun } from './run.js';
import { BaseRLConfigSchema } from './configs.js';
import { RunDir } from '../nn/run-dir.js';
import { FeatureCache } from '../agents/builtin/feature-cache.js';

describe('resuming an RL run', () => {
  it('an Rng restored from its state continues the same stream (normals’ spare included)', () => {
    const a = new Rng(5);
    a.normal(); // leaves a spare normal behind
    const b = new Rng(0).restore(JSON.parse(JSON.stringify(a.state())));
    expect([b.normal(), b.next(), b.int(1000)]).toEqual([a.normal(), a.next(), a.int(1000)]);
    expect(() => new Rng(0).restore({ s: [1, 2], spare: null })).toThrow(/four unsigned 32-bit integers/);
  });

  it('stopped at a checkpoint and resumed, it ends with exactly the weights of an uninterrupted run', async () => {
    const dir = tmpDir('af-rl-same');
    const train = generateSuite({ episodes: 4, seed: 3, size: 32, kinds: ['sketch', 'camera'] });
    const model = { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8, headHidden: 8, projDim: 8 };
    const run = async (out: string, updates: number, resume: boolean) => {
      const policy = newBuiltin(train, model);
      const ctx = { policy, train, val: train.slice(0, 2), loader: async (v: { image: never }) => v.image };
      await trainGRPO({ out, updates, episodesPerUpdate: 4, groupSize: 2, checkpointEvery: 3, evalEvery: 1000, resume, progress: false }, ctx as never);
      return policy.model.namedParameters().map(([n, p]) => [n, Array.from(p.data)]);
    };
    const whole = await run(join(dir, 'whole'), 9, false);
    await run(join(dir, 'split'), 6, false); // stops after its checkpoint at update 6
    const resumed = await run(join(dir, 'split'), 9, true);
    expect(resumed).toEqual(whole);
    // and the same saved config: `resume` and --out are options of the run, not of the model
    const file = (name: string) => readFileSync(join(dir, name, 'final', 'config.json'), 'utf8');
    expect(file('split')).toBe(file('whole'));
    const saved = (JSON.parse(file('whole')) as { training: { config: Record<string, unknown> } }).training.config;
    for (const k of ['out', 'resume', 'progress', 'reportTo', 'checkpointEvery']) expect(saved, k).not.toHaveProperty(k);
    expect(saved).toMatchObject({ updates: 9, episodesPerUpdate: 4, groupSize: 2, evalEvery: 1000 });
  }, 60_000);

  it('hands the event loop a turn between updates, so Ctrl-C’s handler stops a run instead of waiting for its end', async () => {
    const train = generateSuite({ episodes: 4, seed: 3, size: 32, kinds: ['sketch', 'camera'] });
    const policy = newBuiltin(train, { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8, headHidden: 8, projDim: 8 });
    const out = join(tmpDir('af-rl-yield'), 'run');
    let finishedWhenTimerRan: boolean | undefined;
    setImmediate(() => (finishedWhenTimerRan = existsSync(join(out, 'final'))));
    await trainGRPO({ out, updates: 3, episodesPerUpdate: 4, groupSize: 2, evalEvery: 1000, progress: false, reportTo: ['none'] }, { policy, train, val: train.slice(0, 2), loader: async (v: { image: never }) => v.image } as never);
    await new Promise((r) => setImmediate(r));
    expect(finishedWhenTimerRan).toBe(false);
  }, 30_000);

  it.each([
    { updates: 4, why: 'its last checkpoint is at its last update' },
    { updates: 5, why: 'its last update came after its last checkpoint (final/config.json records the update it reached)' },
  ])('--resume of a finished run says so and leaves it as it is — $why', async ({ updates }) => {
    const out = join(tmpDir('af-rl-finished'), 'run');
    const train = generateSuite({ episodes: 4, seed: 3, size: 32, kinds: ['sketch', 'camera'] });
    const model = { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8, headHidden: 8, projDim: 8 };
    const run = async (resume: boolean) => {
      const policy = newBuiltin(train, model);
      const ctx = { policy, train, val: train.slice(0, 2), loader: async (v: { image: never }) => v.image };
      const r = await trainGRPO({ out, updates, episodesPerUpdate: 4, groupSize: 2, checkpointEvery: 2, evalEvery: 1000, resume, progress: false, reportTo: ['tensorboard', 'csv'] }, ctx as never);
      return { r, weights: policy.model.namedParameters().map(([n, p]) => [n, Array.from(p.data)]) };
    };
    const files = ['final/model.safetensors', 'final/config.json', 'rl.jsonl', 'rl.csv'];
    const first = await run(false);
    expect(new RunDir(out).completeSteps().at(-1)).toBe(4);
    const before = files.map((f) => readFileSync(join(out, f)));
    const events = readdirSync(join(out, 'tensorboard'));
    const again = await run(true);
    expect(again.r.alreadyFinished).toBe(true);
    expect(again.r.updates).toBe(0);
    expect(again.weights).toEqual(first.weights); // the policy holds the finished model, not its --init
    expect(files.map((f) => readFileSync(join(out, f)))).toEqual(before);
    expect(readdirSync(join(out, 'tensorboard'))).toEqual(events); // no event file of a session that trained nothing
  }, 60_000);

  it('a finished run reads its curve back from its log, as the run returned it (the demo skips finished stages)', async () => {
    const dir = tmpDir('af-rl-curve');
    const train = generateSuite({ episodes: 4, seed: 3, size: 32, kinds: ['sketch', 'camera'] });
    const policy = newBuiltin(train, { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8, headHidden: 8, projDim: 8 });
    const ctx = { policy, train, val: train.slice(0, 2), loader: async (v: { image: never }) => v.image };
    const r = await trainGRPO({ out: join(dir, 'run'), updates: 3, episodesPerUpdate: 4, groupSize: 2, evalEvery: 2, progress: false }, ctx as never);
    const back = await finishedCurve(join(dir, 'run'));
    expect(back.curve).toEqual(JSON.parse(JSON.stringify(r.curve)));
    expect(back.updates).toBe(3);
    expect(back.seconds).toBe(r.curve[2]['time/seconds']);
    expect(await finishedCurve(join(dir, 'none'))).toEqual({ updates: 0, seconds: 0, curve: [] });
  }, 60_000);

  it("records each run's setup (the ask gate opened before its clock) with its training, in the log and checkpoints a demo reads; --max-seconds leaves it out", async () => {
    const dir = tmpDir('af-rl-setup');
    const train = generateSuite({ episodes: 4, seed: 3, size: 32, kinds: ['sketch', 'camera'] });
    const model = { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8, headHidden: 8, projDim: 8 };
    // the setup made at least 2 s long: the line said once the gate is open, before the clock starts, waits
    const log = (msg: string) => {
      if (!/ask gate opened/.test(msg)) return;
      const end = performance.now() + 2000;
      while (performance.now() < end);
    };
    const out = join(dir, 'run');
    const run = (updates: number, resume: boolean, maxSeconds?: number) =>
      trainGRPO({ out, updates, episodesPerUpdate: 4, groupSize: 2, checkpointEvery: 2, evalEvery: 1000, resume, progress: false, reportTo: ['none'], ...(maxSeconds ? { maxSeconds } : {}) }, { policy: newBuiltin(train, model), train, val: train.slice(0, 2), loader: async (v: { image: never }) => v.image, log } as never);
    await run(2, false);
    expect((await finishedCurve(out)).seconds).toBeGreaterThanOrEqual(2); // was the updates' alone (0.4 s here)
    expect(new RunDir(out).latestComplete<{ seconds: number }>()!.state.seconds).toBeGreaterThanOrEqual(2);
    // resumed (as each of the feedback demo's segments is): the gate opened again, its time added; a budget of 2.5 s of
    // training (four updates take about 1 s here) is not spent by the 4 s of setups
    const resumed = await run(4, true, 2.5);
    expect(resumed.updates).toBe(4);
    expect((await finishedCurve(out)).seconds).toBeGreaterThanOrEqual(4);
  }, 60_000);
});

describe('what RL logs', () => {
  it('eval/overAsking only when the validation episodes hold a control (none: undefined, not logged as 0)', async () => {
    const train = generateSuite({ episodes: 6, seed: 3, size: 32, kinds: ['sketch', 'camera'] });
    const ctx = (val: typeof train) => ({ policy: newBuiltin(train, { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8, headHidden: 8, projDim: 8 }), train, val, loader: async (v: { image: never }) => v.image });
    const last = async (val: typeof train, name: string) => (await trainGRPO({ out: join(tmpDir('af-rl-log'), name), updates: 1, episodesPerUpdate: 4, groupSize: 2, evalEvery: 1, progress: false }, ctx(val) as never)).curve.at(-1)!;
    const noControls = train.filter((e) => !e.control).slice(0, 3);
    const withControl = [...noControls.slice(0, 2), train.find((e) => e.control)!];
    expect(noControls.length).toBe(3);
    const a = await last(noControls, 'a');
    expect(a).toHaveProperty('eval/accuracy');
    expect(a).not.toHaveProperty('eval/overAsking');
    expect((await last(withControl, 'b'))['eval/overAsking']).toBeTypeOf('number');
  }, 60_000);
});

describe('what RL trains', () => {
  it('keeps the perception the supervised stage taught (whichLook) and the image encoder frozen', async () => {
    const train = generateSuite({ episodes: 4, seed: 3, size: 32, kinds: ['sketch', 'camera'] });
    const policy = newBuiltin(train, { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8, headHidden: 8, projDim: 8 });
    policy.model.whichLook.weight.data.fill(0.1); // as if taught by degradation captions
    const look = Array.from(policy.model.whichLook.weight.data);
    const ctx = { policy, train, val: train.slice(0, 2), loader: async (v: { image: never }) => v.image };
    await trainGRPO({ out: join(tmpDir('af-rl-frozen'), 'run'), updates: 3, episodesPerUpdate: 4, groupSize: 2, evalEvery: 1000, progress: false }, ctx as never);
    expect(Array.from(policy.model.whichLook.weight.data)).toEqual(look);
    expect(policy.model.gate2.bias!.data[0]).not.toBe(resolveModelConfig({}).askBiasInit); // while the heads did train
  }, 60_000);

  it('keeps ρ, the persistence prior, at its init unless trainRepeat (RL lowered it on every dev seed; issue 18)', async () => {
    const train = generateSuite({ episodes: 4, seed: 3, size: 32, kinds: ['sketch', 'camera'] });
    const rho = async (trainRepeat: boolean | undefined) => {
      const policy = newBuiltin(train, { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8, headHidden: 8, projDim: 8 });
      const ctx = { policy, train, val: train.slice(0, 2), loader: async (v: { image: never }) => v.image };
      await trainGRPO({ out: join(tmpDir('af-rl-rho'), 'run'), updates: 3, episodesPerUpdate: 4, groupSize: 2, evalEvery: 1000, progress: false, ...(trainRepeat === undefined ? {} : { trainRepeat }) }, ctx as never);
      return policy.model.repeatWeight.data[0];
    };
    const init = resolveModelConfig({}).repeatInit;
    expect(await rho(undefined)).toBe(init);
    expect(await rho(true)).not.toBe(init);
  }, 60_000);
});

describe('which episodes an update draws', () => {
  it('uniform by default; with --curriculum oracle, the easiest of each kind first, then every episode', async () => {
    const train = generateSuite({ episodes: 40, seed: 3, size: 32, kinds: ['sketch', 'camera'] });
    const policy = newBuiltin(train, { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8, headHidden: 8, projDim: 8 });
    const ctx = { policy, train, val: train.slice(0, 2), loader: async (v: { image: never }) => v.image };
    const out = join(tmpDir('af-rl-draws'), 'run');
    const draws = async (cfg: object, update: number) => {
      const run = new RLRun(BaseRLConfigSchema.parse({ out, episodesPerUpdate: 16, updates: 100, ...cfg }), ctx as never);
      run.update = update;
      return (await run.nextEpisodes()).map((e) => train.indexOf(e));
    };
    const ranks = difficultyRanks(train);
    const early = await draws({ curriculum: 'oracle', curriculumStart: 0.25 }, 0);
    expect(early).toHaveLength(16);
    expect(early.every((i) => ranks[i] < 0.25)).toBe(true);
    expect(new Set(early.map((i) => train[i].kind))).toEqual(new Set(['sketch', 'camera']));
    const uniform = await draws({}, 0);
    expect(uniform.some((i) => ranks[i] >= 0.25)).toBe(true);
    // after the span, the curriculum draws as the uniform sampler does
    expect(await draws({ curriculum: 'oracle', curriculumSpan: 0.5 }, 60)).toEqual(await draws({}, 60));
  });

  it('draws the same episodes from a source that reads each again (train rl --data) as from the list, keeping those it read last', async () => {
    const train = generateSuite({ episodes: 40, seed: 3, size: 32, kinds: ['sketch', 'camera', 'occlusion'] });
    const policy = newBuiltin(train, { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8, headHidden: 8, projDim: 8 });
    const byId = new Map(train.map((e) => [e.id, e]));
    let reads = 0;
    const source = {
      entries: train.map(({ id, kind }) => ({ id, kind })),
      get: async (id: string) => (reads++, structuredClone(byId.get(id))),
      episodes: async function* () {
        yield* structuredClone(train);
      },
    };
    const out = join(tmpDir('af-rl-draws-source'), 'run');
    const run = (t: unknown, cfg: object) => new RLRun(BaseRLConfigSchema.parse({ out, episodesPerUpdate: 16, updates: 100, ...cfg }), { policy, train: t, val: train.slice(0, 2), loader: async (v: { image: never }) => v.image } as never);
    for (const cfg of [{}, { curriculum: 'oracle', curriculumStart: 0.25 }]) {
      const [fromList, fromSource] = [run(train, cfg), run(source, cfg)];
      for (const update of [0, 1, 60]) {
        fromList.update = fromSource.update = update;
        const [a, b] = [await fromList.nextEpisodes(), await fromSource.nextEpisodes()];
        expect(b).toEqual(a);
        expect(a.every((e) => e.kind !== 'occlusion')).toBe(true); // of --kinds only
      }
    }
    // an episode drawn again is the one read before (the feature cache is keyed by its views), not read again
    reads = 0;
    const again = run(source, {});
    const first = await again.nextEpisodes();
    expect(reads).toBe(16);
    expect(await again.nextEpisodes()).toEqual(first);
    expect((await again.nextEpisodes())[0]).toBe(first[0]);
    expect(reads).toBe(16);
  });

  it('a suite changed since it was indexed (train rl --data) is refused at the next read, not trained on as other episodes', async () => {
    const dir = tmpDir('af-rl-changed');
    const train = await writeSuite(join(dir, 'suite'), generateSuite({ episodes: 12, seed: 3, size: 32, kinds: ['sketch', 'camera'] }));
    const policy = newBuiltin(train, { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8, headHidden: 8, projDim: 8 });
    const data = await indexData(join(dir, 'suite'), { kinds: ['sketch', 'camera'] });
    try {
      const cfg = BaseRLConfigSchema.parse({ out: join(dir, 'run'), episodesPerUpdate: 4, updates: 10, askPrior: 0 });
      const run = new RLRun(cfg, { policy, train: data, val: train.slice(0, 2), loader: data.loader });
      expect((await run.nextEpisodes()).map((e) => e.id)).toEqual((await new RLRun(cfg, { policy, train, val: train.slice(0, 2), loader: data.loader }).nextEpisodes()).map((e) => e.id));
      const file = join(dir, 'suite', 'episodes.jsonl');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/"sketch-00000"/, '"sketch-0000x"'));
      run.update = 1; // episodes not drawn yet
      await expect(run.nextEpisodes()).rejects.toThrow(/episodes\.jsonl: the file was changed since it was read: its episodes may no longer be those read then; run the command again on data no one is writing/);
    } finally {
      await data.close();
    }
  });
});

describe("RL's ask-gate calibration and Ctrl-C", () => {
  it('hands the event loop a turn before and after the head over the first turns, also when the feature cache holds every view (then nothing else did)', async () => {
    const train = generateSuite({ episodes: 6, seed: 3, size: 32, kinds: ['sketch', 'camera'] });
    const policy = newBuiltin(train, { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8, headHidden: 8, projDim: 8 });
    const loader = async (v: { image: never }) => v.image;
    const features = new FeatureCache(policy.model, loader as never);
    await features.get(train.map((e) => ({ episode: e, view: e.firstView })));
    const ctx = { policy, train, val: train.slice(0, 2), loader, features };
    const run = new RLRun(BaseRLConfigSchema.parse({ out: join(tmpDir('af-rl-gate'), 'run'), episodesPerUpdate: 4, updates: 1, askPrior: 0.6, reportTo: ['none'] }), ctx as never);
    // a chain of immediates runs one link per turn of the event loop, while the gate is calibrated
    let turns = 0;
    let calibrating = true;
    const link = () => calibrating && (turns++, setImmediate(link));
    setImmediate(link);
    await run.init();
    calibrating = false;
    expect(turns).toBeGreaterThanOrEqual(2);
    expect(policy.model.gate2.bias!.data[0]).not.toBe(resolveModelConfig({}).askBiasInit);
  }, 60_000);
});
