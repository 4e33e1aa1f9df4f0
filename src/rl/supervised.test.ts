import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunDir } from '../nn/run-dir.js';
import { describe, expect, it } from 'vitest';
import { headBatch, imageBatch } from '../agents/builtin/features.js';
import { BuiltinPolicy } from '../agents/builtin/policy.js';
import { noGrad, tensor } from '../nn/index.js';
import { generateSuite } from '../suite/generate.js';
import type { SuiteEpisode } from '../suite/types.js';
import { cameraCoverage } from '../suite/kinds/camera.js';
import { supervisedSuite } from '../suite/splits.js';
import { tmpDir } from '../testing/tmp.js';
import { newBuiltin } from '../agents/builtin/build.js';
import { accuracyOn, binaryCrossEntropy, finishedSeconds, rowArgmax, captionIds, captionWords, resolveSupervisedConfig, trainSupervised } from './supervised.js';
import { informativeExamples, referenceExamples, whereTarget } from './supervised-examples.js';
import { outlierPool } from './outlier-shapes.js';
import { LOOKS } from './degradation-captions.js';
import { CATEGORIES } from '../scenes/shapes.js';
import type { RGBImage } from '../scenes/image.js';

describe('binary cross-entropy', () => {
  it('matches the formula, stays finite at 0 and 1, and its gradient is (p − t) / (p (1 − p)) / n', () => {
    const p = tensor(Float32Array.of(0.5, 0.9, 0, 1), [2, 2], true);
    const t = tensor(Float32Array.of(1, 0, 0, 0.5), [2, 2]);
    const l = binaryCrossEntropy(p, t);
    const want = (-Math.log(0.5) - Math.log(0.1) + 0 - 0.5 * Math.log(1e-6)) / 4; // p = 0 and p = 1 are clamped to 1e-6 from the edge
    expect(l.item()).toBeCloseTo(want, 2);
    l.backward();
    expect(p.grad![0]).toBeCloseTo((0.5 - 1) / 0.25 / 4, 4);
    expect(p.grad![1]).toBeCloseTo((0.9 - 0) / (0.9 * 0.1) / 4, 3);
  });
  it('the where target saturates at a sixteenth of a cell', () => {
    expect(Array.from(whereTarget(Float32Array.of(0, 1 / 32, 1 / 16, 0.5)))).toEqual([0, 0.5, 1, 1]);
  });
});

/**
 * On the first views of camera episodes: the where map's binary cross-entropy against its target,
 * and that of the best constant map (every cell the mean target) — the baseline a map that knows
 * nothing of where the object is can reach.
 */
function whereLoss(p: BuiltinPolicy, eps: readonly SuiteEpisode[]): { map: number; constant: number } {
  const s = Math.sqrt(p.model.whereSize);
  const { where } = noGrad(() => p.model.encodeBoth(imageBatch(eps.map((e) => (e.views[e.firstView] as { image: never }).image), p.model.config.imageSize)));
  const T = new Float32Array(eps.length * s * s);
  eps.forEach((e, r) => T.set(whereTarget(cameraCoverage(e, e.firstView, s)!), r * s * s));
  const t = tensor(T, [eps.length, s * s]);
  const m = T.reduce((a, v) => a + v, 0) / T.length;
  return { map: noGrad(() => binaryCrossEntropy(where, t)).item(), constant: noGrad(() => binaryCrossEntropy(tensor(new Float32Array(T.length).fill(m), t.shape), t)).item() };
}

describe('the supervised stage teaches the where map on camera views', () => {
  it('after training with the where loss, the map finds the object’s sliver on unseen first views; without it, it does not', async () => {
    const held = generateSuite({ episodes: 60, seed: 77, size: 32, kinds: ['camera'] }).filter((e) => !e.control);
    const train = supervisedSuite({ episodes: 12, seed: 1, size: 32 });
    const run = (where: number) =>
      trainSupervised({
        out: join(tmpDir('af-sup-where'), 'run'),
        steps: 150,
        warmupSteps: 5,
        batchSize: 16,
        where,
        calibrate: 0.5,
        looks: 0, // the where loss alone (degradation captions share this tiny encoder's 16 features)
        outliers: 0, // nor outlier exposure
        mild: 0, // nor label-preserving degradation (it too shares these features; issue 18, session 11)
        progress: false,
        // nor the encoder's pooled path (it shares this tiny encoder's 16 features; the where map at the demo's scale:
        // docs/transfer.md, session 8)
        model: { imageSize: 32, channels: [8, 16], hidden: 16, embedDim: 8, pooled: false },
      }, train);
    const on = whereLoss((await run(1)).policy, held);
    const off = whereLoss((await run(0)).policy, held);
    expect(on.map).toBeLessThan(0.6 * on.constant); // it knows where the sliver is, beyond how much object there is
    expect(off.map).toBeGreaterThan(off.constant); // the untrained map does not
  }, 120_000);
});

describe('informative views of the training kinds (other than the clearest)', () => {
  it('are every view the oracle calls informative except the reference view, of the given kinds only, with the episode’s category', () => {
    const eps = generateSuite({ episodes: 6, seed: 3, size: 32, kinds: ['camera', 'sketch', 'occlusion'] });
    const ex = informativeExamples(eps, ['camera', 'sketch'], 4);
    const want = eps.filter((e) => e.kind !== 'occlusion').reduce((n, e) => n + e.informative!.filter((ok, v) => ok && v !== e.referenceView).length, 0);
    expect(want).toBeGreaterThan(0);
    expect(ex).toHaveLength(want);
    expect(new Set(ex.map((x) => x.kind))).toEqual(new Set(['camera', 'sketch']));
    expect(ex.every((x) => x.label >= 0 && x.label < CATEGORIES.length)).toBe(true);
    expect(ex.filter((x) => x.kind === 'camera').every((x) => x.where?.length === 16)).toBe(true);
    const refs = new Set(eps.map((e) => e.views[e.referenceView]).map((v) => (v as { image: RGBImage }).image));
    expect(ex.some((x) => refs.has(x.image))).toBe(false);
  });
  it('with calibration and outliers they must leave a tenth of each batch to the clearest views', () => {
    expect(() => resolveSupervisedConfig({ out: 'x', calibrate: 0.5, outliers: 0.3, informative: 0.2 })).toThrow(/less than a tenth/);
  });
});

describe('the supervised stage checks its data up front', () => {
  it('fewer training images than one batch is a clear error, not a crash mid-step', async () => {
    const few = supervisedSuite({ episodes: 1, seed: 1, size: 32 }); // 7 images
    await expect(trainSupervised({ out: join(tmpDir('af-sup-few'), 'run'), batchSize: 16, steps: 5, warmupSteps: 1, progress: false, model: { imageSize: 32, channels: [4], hidden: 8, embedDim: 8 } }, few)).rejects.toThrow(/at least --batch-size \(16\).*7 episodes give 7/);
  });
});

describe('the supervised stage teaches what is wrong with an image (degradation captions)', () => {
  it('with captions on the training kinds only, it turns the image–word term on (captions score differently); without, the term stays off', async () => {
    const train = supervisedSuite({ episodes: 12, seed: 1, size: 32 });
    const run = (looks: number) =>
      trainSupervised({
        out: join(tmpDir('af-sup-looks'), 'run'),
        steps: 60,
        warmupSteps: 5,
        batchSize: 16,
        looks,
        outliers: 0, // the captions alone
        informative: 0,
        progress: false,
        model: { imageSize: 32, channels: [8, 16], hidden: 16, embedDim: 8 },
      }, train);
    const spread = (p: BuiltinPolicy) => {
      const { ids, mask, L } = captionIds(p);
      const image = (train[0].views[train[0].referenceView] as { image: RGBImage }).image;
      const z = Array.from(noGrad(() => p.model.lookLogits(p.model.encode(imageBatch([image], 32)), ids, mask, LOOKS.length, L)).data);
      return Math.max(...z) - Math.min(...z);
    };
    const on = (await run(16)).policy;
    const off = (await run(0)).policy;
    expect(on.model.whichLook.weight.data.some((v) => v !== 0)).toBe(true);
    expect(spread(on)).toBeGreaterThan(0.01);
    expect(off.model.whichLook.weight.data.every((v) => v === 0)).toBe(true);
    expect(spread(off)).toBe(0);
    // the term reads, on every option, the words the captions taught it: the operations' names, known to the vocabulary
    expect(on.model.config.lookWords).toEqual(captionWords(on));
    expect(on.model.config.lookWords).toEqual(expect.arrayContaining(['deblur', 'brightness', 'saturation']));
    expect(on.model.config.lookWords).not.toContain('rewind');
    expect(off.model.config.lookWords).toEqual([]);
    // What the term is for — picking the corruption kind's valid enhancement, a kind RL never trains
    // on — is measured at the demo's scale (docs/transfer.md, session 4). At this test's scale it is
    // not reliable with any caption set tried (0.22–0.39 of the ask mass over configurations and
    // seeds, chance 0.25), so it is not asserted here.
  }, 120_000);
});

/** Mean over images of the classifier's top probability over every category (how sure it is). */
function meanMaxP(p: BuiltinPolicy, images: readonly RGBImage[]): number {
  const cats = [...CATEGORIES];
  const out = noGrad(() => p.model.head(p.model.encode(imageBatch(images, p.model.config.imageSize)), headBatch(images.map(() => ({ question: 'What object is in the image?', options: cats, numInterventions: 0 })), p.vocab)));
  const K = out.logp.shape[1];
  let s = 0;
  for (let r = 0; r < images.length; r++) s += Math.exp(Math.max(...out.logp.data.subarray(r * K, (r + 1) * K)));
  return s / images.length;
}

describe('the supervised stage exposes the classifier to outliers (shapes that are no category)', () => {
  it('with outlier exposure it is unsure on shapes it has no name for and on unseen kinds’ uninformative first views, and still names clear views', async () => {
    const train = supervisedSuite({ episodes: 24, seed: 1, size: 32 });
    const unseen = generateSuite({ episodes: 40, seed: 79, size: 32, kinds: ['late-event', 'viewpoint'] }).filter((e) => !e.control && e.informative?.[e.firstView] === false);
    const firstViews = unseen.map((e) => (e.views[e.firstView] as { image: RGBImage }).image);
    const heldOutliers = outlierPool(64, 32, 12345);
    const clear = referenceExamples(generateSuite({ episodes: 8, seed: 80, size: 32, controlShare: 0 }));
    const run = (outliers: number) =>
      trainSupervised({
        out: join(tmpDir('af-sup-outliers'), 'run'),
        steps: 300,
        calibrate: 0, // outliers alone
        informative: 0,
        warmupSteps: 5,
        batchSize: 32,
        outliers,
        looks: 0,
        mild: 0, // outliers alone: no label-preserving degradation either (issue 18, session 11)
        progress: false,
        // the position-wise encoder these figures were measured on: at this scale the pooled path (default on) reads
        // outlier shapes and clear views alike (clear views 0.61 with outliers vs 0.71 without); at the demo's scale the
        // reference accuracy stays 99 % with both (docs/transfer.md, session 8)
        model: { imageSize: 32, channels: [16, 32], hidden: 64, embedDim: 16, pooled: false },
      }, train);
    const on = (await run(0.25)).policy;
    const off = (await run(0)).policy;
    const m = { on: meanMaxP(on, heldOutliers), off: meanMaxP(off, heldOutliers), onUnseen: meanMaxP(on, firstViews), offUnseen: meanMaxP(off, firstViews), onAcc: await accuracyOn(on, clear), offAcc: await accuracyOn(off, clear) };
    // measured (this model, 300 steps at 32 px): top probability 0.21 vs 0.33 on held-out outliers, 0.19 vs 0.31 on the unseen
    // kinds' uninformative first views; accuracy on clear views 0.66 vs 0.71
    expect(m.on).toBeLessThan(m.off - 0.1);
    expect(m.onUnseen).toBeLessThan(m.offUnseen);
    expect(m.onAcc).toBeGreaterThan(m.offAcc - 0.1);
  }, 180_000);
});

describe('the supervised stage names what the training kinds’ informative views show (not only the clearest one)', () => {
  it('with them, it names those views (camera windows that cut the object or show it near an edge, sketches with fewer strokes); without, it does not', async () => {
    const train = generateSuite({ episodes: 12, seed: 1, size: 32, kinds: ['camera', 'sketch'], controlShare: 0 });
    const views = informativeExamples(train, ['camera', 'sketch']);
    const run = (informative: number) =>
      trainSupervised({
        out: join(tmpDir('af-sup-informative'), 'run'),
        steps: 200,
        warmupSteps: 5,
        batchSize: 16,
        informative,
        calibrate: 0, // the informative views alone, no blur of uniform targets
        augment: 0,
        erase: 0,
        outliers: 0,
        looks: 0,
        progress: false,
        model: { imageSize: 32, channels: [16, 32], hidden: 64, embedDim: 16 },
      }, train);
    const on = (await run(0.5)).policy;
    const off = (await run(0)).policy;
    const m = { onAcc: await accuracyOn(on, views), offAcc: await accuracyOn(off, views), on: meanMaxP(on, views.map((x) => x.image)), off: meanMaxP(off, views.map((x) => x.image)) };
    // measured (this model, 200 steps at 32 px, the training episodes' own views): accuracy 1.00 vs 0.26, top probability 0.99 vs 0.87
    expect(m.onAcc).toBeGreaterThan(m.offAcc + 0.3);
    expect(m.on).toBeGreaterThan(m.off);
  }, 240_000);
});

describe('label-preserving mild degradation (`mild`, issue 18)', () => {
  it('is on by default, changes what the training kinds show the model, and at 0 trains exactly as before', async () => {
    expect(resolveSupervisedConfig({ out: 'x' }).mild).toBe(0.1);
    const train = supervisedSuite({ episodes: 8, seed: 2, size: 32 }).filter((e) => e.kind === 'sketch' || e.kind === 'camera');
    const run = (mild: number) =>
      trainSupervised({ out: join(tmpDir('af-sup-mild'), 'run'), steps: 6, warmupSteps: 1, batchSize: 16, mild, looks: 0, progress: false, model: { imageSize: 32, channels: [4], hidden: 8, embedDim: 8 } }, train);
    const w = async (mild: number) => Array.from((await run(mild)).policy.model.encoderParameters()[0].data);
    const zero = await w(0);
    expect(await w(0)).toEqual(zero);
    expect(await w(1)).not.toEqual(zero);
  }, 120_000);
});

describe('resuming the supervised stage', () => {
  const tiny = { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8 };
  const suite = () => supervisedSuite({ episodes: 3, seed: 1, size: 32 });
  const rows = (out: string) =>
    readFileSync(join(out, 'train.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => {
        const { 'train/seconds': _s, ...r } = JSON.parse(l) as Record<string, number>;
        return r;
      });
  const cfg = (out: string, resume: boolean) => ({ out, steps: 12, warmupSteps: 2, batchSize: 8, checkpointEvery: 3, logEvery: 2, resume, progress: false, reportTo: ['none'] as const, model: tiny });

  it('from a checkpoint inside a log window, logs the rows an uninterrupted run logs (the window’s sums are in the checkpoint)', async () => {
    const out = join(tmpDir('af-sup-window'), 'run');
    await trainSupervised(cfg(out, false), suite());
    const whole = rows(out);
    const model = readFileSync(join(out, 'final', 'model.safetensors'));
    const config = readFileSync(join(out, 'final', 'config.json'), 'utf8');
    // as if killed after the checkpoint at step 9 (inside the window 9–10): its later checkpoint and the final model never written
    rmSync(join(out, 'final'), { recursive: true });
    rmSync(new RunDir(out).checkpointDir(12), { recursive: true });
    await trainSupervised(cfg(out, true), suite());
    expect(rows(out)).toEqual(whole);
    expect(readFileSync(join(out, 'final', 'model.safetensors')).equals(model)).toBe(true);
    expect(readFileSync(join(out, 'final', 'config.json'), 'utf8')).toBe(config); // `resume` is the run's option, not the model's
  }, 30_000);

  it('of a finished run says so and leaves it as it is — also when its last checkpoint is at its last step', async () => {
    const out = join(tmpDir('af-sup-finished'), 'run');
    await trainSupervised({ ...cfg(out, false), reportTo: ['tensorboard', 'csv'] }, suite());
    expect(new RunDir(out).completeSteps()).toContain(12);
    const files = ['final/model.safetensors', 'final/config.json', 'train.jsonl', 'train.csv'].map((f) => readFileSync(join(out, f)));
    const events = readdirSync(join(out, 'tensorboard'));
    const r = await trainSupervised({ ...cfg(out, true), reportTo: ['tensorboard', 'csv'] }, suite());
    expect(r.alreadyFinished).toBe(true);
    expect(r.steps).toBe(0);
    expect(['final/model.safetensors', 'final/config.json', 'train.jsonl', 'train.csv'].map((f) => readFileSync(join(out, f)))).toEqual(files);
    expect(readdirSync(join(out, 'tensorboard'))).toEqual(events); // no event file of a session that trained nothing
  }, 30_000);

  it("records each run's setup with its training, as a demo taking the stage up from its log or checkpoint reads it; the summary's seconds stay the steps'", async () => {
    const out = join(tmpDir('af-sup-setup'), 'run');
    // the setup made at least 1.5 s long: the log line said before the first step (after the training images are drawn) waits
    const slowSetup = (msg: string) => {
      if (!/reference images from/.test(msg)) return;
      const end = performance.now() + 1500;
      while (performance.now() < end);
    };
    const first = await trainSupervised({ ...cfg(out, false), steps: 6, checkpointEvery: 3, logEvery: 3 }, suite(), slowSetup);
    expect(await finishedSeconds(out, 6)).toBeGreaterThanOrEqual(first.seconds + 1.5); // was the steps' alone ("6 steps in N s": first.seconds)
    // as if stopped after the checkpoint at step 3: that checkpoint has the setup, and the re-run adds its own
    expect(new RunDir(out).latestComplete<{ seconds: number }>()!.state.seconds).toBeGreaterThanOrEqual(1.5);
    rmSync(join(out, 'final'), { recursive: true });
    rmSync(new RunDir(out).checkpointDir(6), { recursive: true });
    const resumed = await trainSupervised({ ...cfg(out, true), steps: 6, checkpointEvery: 3, logEvery: 3 }, suite(), slowSetup);
    expect(await finishedSeconds(out, 6)).toBeGreaterThanOrEqual(resumed.seconds + 3); // both runs' setups, each once
  }, 90_000);

  it('hands the event loop a turn between steps, so Ctrl-C’s handler stops a run instead of waiting for its end', async () => {
    const out = join(tmpDir('af-sup-yield'), 'run');
    let finishedWhenTimerRan: boolean | undefined;
    setImmediate(() => (finishedWhenTimerRan = existsSync(join(out, 'final'))));
    await trainSupervised({ ...cfg(out, false), steps: 3 }, suite());
    await new Promise((r) => setImmediate(r));
    expect(finishedWhenTimerRan).toBe(false);
  }, 30_000);
});

describe("the supervised stage's saved config", () => {
  const tiny = { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8 };
  const suite = () => supervisedSuite({ episodes: 3, seed: 1, size: 32 });

  it('holds none of the run options: the same model gets the same config.json from runs into other --out, with other logging and checkpointing', async () => {
    const dir = tmpDir('af-sup-saved');
    const base = { steps: 4, warmupSteps: 1, batchSize: 8, model: tiny };
    await trainSupervised({ ...base, out: join(dir, 'a'), progress: false, reportTo: ['none'], logEvery: 2, checkpointEvery: 2 }, suite());
    await trainSupervised({ ...base, out: join(dir, 'b'), progress: true, reportTo: ['csv'], logEvery: 1, checkpointEvery: 3 }, suite());
    const file = (run: string, sub: string) => readFileSync(join(dir, run, sub, 'config.json'), 'utf8');
    expect(readFileSync(join(dir, 'b', 'final', 'model.safetensors')).equals(readFileSync(join(dir, 'a', 'final', 'model.safetensors')))).toBe(true);
    expect(file('b', 'final')).toBe(file('a', 'final'));
    expect(file('b', 'checkpoints/step-0000003')).not.toBe(''); // checkpoints are saved with the same config …
    const saved = (JSON.parse(file('a', 'final')) as { training: { config: Record<string, unknown> } }).training.config;
    for (const k of ['out', 'resume', 'progress', 'reportTo', 'logEvery', 'checkpointEvery']) expect(saved, k).not.toHaveProperty(k);
    expect(saved).toMatchObject({ steps: 4, warmupSteps: 1, batchSize: 8 }); // … and the model's own settings stay
    const ck = (JSON.parse(file('a', 'checkpoints/step-0000004')) as { training: { config: Record<string, unknown> } }).training.config;
    expect(ck).toEqual(saved);
  }, 60_000);

  it('of a model saved before (run options in training.config) still loads, and a finished run of it is still recognised as finished', async () => {
    const dir = tmpDir('af-sup-oldcfg');
    const out = join(dir, 'run');
    await trainSupervised({ out, steps: 2, warmupSteps: 1, batchSize: 8, model: tiny, progress: false, reportTo: ['none'] }, suite());
    const path = join(out, 'final', 'config.json');
    const cfg = JSON.parse(readFileSync(path, 'utf8')) as { training: { config: Record<string, unknown> } };
    Object.assign(cfg.training.config, { out, resume: true, progress: true, reportTo: ['tensorboard', 'csv'], logEvery: 20, checkpointEvery: 100 });
    writeFileSync(path, `${JSON.stringify(cfg, null, 2)}\n`);
    const p = BuiltinPolicy.load(out);
    expect(p.model.namedParameters().length).toBeGreaterThan(0);
    expect(new RunDir(out).finishedFor(2)).toBe(true);
  }, 60_000);
});

describe('accuracy of a diverged model (NaN scores)', () => {
  it('rowArgmax answers −1 for a row holding a NaN, wherever it is; the first largest otherwise', () => {
    const t = tensor(Float32Array.from([1, NaN, 3, NaN, NaN, NaN, 2, 5, 5, 0, 1, NaN]), [4, 3]);
    expect([0, 1, 2, 3].map((r) => rowArgmax(t, r))).toEqual([-1, -1, 1, -1]);
  });

  it('accuracyOn counts no example of a NaN model correct (it counted every label-0 example, as column 0)', async () => {
    const eps = generateSuite({ episodes: 2, seed: 81, size: 32, controlShare: 0 });
    const p = newBuiltin(eps, { imageSize: 32, channels: [4], hidden: 8 });
    for (const w of p.model.parameters()) w.data.fill(NaN); // what a run diverged by too high a --lr holds
    const data = referenceExamples(eps).map((e) => ({ ...e, label: 0 }));
    expect(data.length).toBeGreaterThan(0);
    expect(await accuracyOn(p, data)).toBe(0);
  });
});

describe('the supervised stage and Ctrl-C', () => {
  it('a step hands the event loop a turn between its forward and backward passes, and the stage one between its last step, final/ and the accuracy (no figure changes: the resume test above compares the bytes)', async () => {
    const out = join(tmpDir('af-sup-turns'), 'run');
    const steps = 6;
    // a chain of immediates runs one link per turn of the event loop, while the stage trains
    let turns = 0;
    let training = true;
    const link = () => training && (turns++, setImmediate(link));
    setImmediate(link);
    const tiny = { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8 };
    await trainSupervised({ out, steps, warmupSteps: 1, batchSize: 8, checkpointEvery: 100, logEvery: 100, progress: false, reportTo: ['none'], model: tiny }, supervisedSuite({ episodes: 3, seed: 1, size: 32 }));
    training = false;
    // one turn before each step and one inside it (a step ran its forward and backward passes in one stretch), two after the last
    expect(turns).toBeGreaterThanOrEqual(2 * steps + 2);
  }, 60_000);

  it('hands the event loop a turn between its batches (the end of the supervised stage ran 1.8 s without one), the same accuracy', async () => {
    const eps = generateSuite({ episodes: 3, seed: 82, size: 32, controlShare: 0 });
    const p = newBuiltin(eps, { imageSize: 32, channels: [4], hidden: 8 });
    const data = referenceExamples(eps);
    const batches = Math.ceil(data.length / 2);
    expect(batches).toBeGreaterThan(3);
    // a chain of immediates runs one link per turn of the event loop, while the accuracy is measured
    let turns = 0;
    let measuring = true;
    const link = () => measuring && (turns++, setImmediate(link));
    setImmediate(link);
    const inBatches = await accuracyOn(p, data, 2);
    measuring = false;
    expect(turns).toBeGreaterThanOrEqual(batches - 1);
    expect(inBatches).toBe(await accuracyOn(p, data));
  });
});
