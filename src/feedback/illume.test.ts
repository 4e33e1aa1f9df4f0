import { describe, expect, it } from 'vitest';
import { newBuiltin } from '../agents/builtin/build.js';
import { builtinEncoder } from './builtin-encoder.js';
import { demoEpisodes } from './demo-scenes.js';
import { autoCritic, episodeRationaleItems, rationaleAccuracy, runIllume, sentenceVocabulary, type RoundReport } from './illume.js';
import { turnsBetweenSteps } from '../testing/turns.js';
import { InputError } from '../util/errors.js';
import { DESCRIBE_BATCH, describeItems, RationaleScorer, type RationaleItem } from './rationale-scorer.js';

async function items(n: number, seed: number): Promise<RationaleItem[]> {
  const out: RationaleItem[] = [];
  for (const ep of demoEpisodes(n, seed)) out.push(...episodeRationaleItems(ep, async (v) => v));
  return out;
}

describe('ILLUME loop with the automatic critic', () => {
  it('builds ask and answer items whose supporting rationales are the true condition / shape / colour facts', async () => {
    const [ask, answer] = await items(1, 3);
    expect(ask.answerKind).toBe('ask');
    expect(ask.candidates.filter((c) => c.supports).map((c) => c.family)).toEqual(['condition']);
    expect(answer.answerKind).toBe('answer');
    expect(answer.candidates.filter((c) => c.supports).map((c) => c.family).sort()).toEqual(['colour', 'shape']);
  });

  it('coverage rises over rounds and held-out rationale accuracy improves', async () => {
    const train = await items(60, 11);
    const heldOut = await items(30, 12);
    const res = await runIllume(train, heldOut, autoCritic, { rounds: 4, k: 3, seed: 1 });
    const curve = res.rounds.map((r) => `${r.round}: coverage ${r.coverage.toFixed(2)} held-out ${r.heldOutAccuracy.toFixed(2)}`);
    console.log(`[illume] initial held-out ${res.initialAccuracy.toFixed(2)}\n${curve.join('\n')}`);
    const first = res.rounds[0];
    const last = res.rounds[res.rounds.length - 1];
    expect(res.rounds).toHaveLength(4);
    expect(last.coverage).toBeGreaterThan(first.coverage + 0.5);
    for (let i = 1; i < res.rounds.length; i++) expect(res.rounds[i].coverage).toBeGreaterThan(res.rounds[i - 1].coverage);
    expect(last.heldOutAccuracy).toBeGreaterThan(res.initialAccuracy + 0.5);
    expect(last.heldOutAccuracy).toBeGreaterThan(first.heldOutAccuracy);
    expect(last.cumulativeCoverage).toBeGreaterThanOrEqual(last.coverage);
    expect(rationaleAccuracy(res.scorer, heldOut)).toBe(last.heldOutAccuracy);
  });

  it('hands the event loop a turn after each round (Ctrl-C is heard between rounds, not once all are done), with the same rounds', async () => {
    const train = await items(20, 11);
    const heldOut = await items(10, 12);
    const cfg = { rounds: 4, k: 3, seed: 1, epochs: 2 };
    const plain = await runIllume(train, heldOut, autoCritic, cfg);
    let turned: RoundReport[] = [];
    expect(await turnsBetweenSteps(async (onRound) => (turned = (await runIllume(train, heldOut, autoCritic, cfg, onRound)).rounds))).toEqual([true, true, true]);
    const noTime = (rs: RoundReport[]) => rs.map(({ seconds, ...r }) => (void seconds, r));
    expect(noTime(turned)).toEqual(noTime(plain.rounds));
  });

  it('the rationale head can sit on the built-in model\'s frozen CNN encoder', async () => {
    const eps = demoEpisodes(40, 21);
    const policy = newBuiltin(eps.map((e) => ({ ...e, views: e.views.map((image) => ({ image })) })));
    const encoder = builtinEncoder(policy);
    expect(encoder.size).toBeGreaterThan(0);
    const all: RationaleItem[] = [];
    for (const ep of eps) all.push(...episodeRationaleItems(ep, async (v) => v));
    const res = await runIllume(all.slice(0, 56), all.slice(56), autoCritic, { rounds: 3, seed: 2, encoder });
    expect(res.rounds[2].coverage).toBeGreaterThan(res.rounds[0].coverage);
    expect(res.rounds[2].heldOutAccuracy).toBeGreaterThan(res.initialAccuracy);
  });
});

describe('rationale accuracy of a diverged scorer (NaN scores)', () => {
  it('counts an item whose scores hold a NaN wrong, whichever candidate supports the answer', async () => {
    const all = await items(10, 5);
    class Diverged extends RationaleScorer {
      override scores(xs: readonly RationaleItem[]): number[][] {
        return xs.map((it) => it.candidates.map(() => NaN));
      }
    }
    const scorer = new Diverged(sentenceVocabulary(['circle', 'square']), ['circle', 'square']);
    // items whose first candidate supports the answer: the one a NaN-skipping argmax picked (counted right, before)
    const firstSupports = all.filter((it) => it.candidates[0].supports);
    expect(firstSupports.length).toBeGreaterThan(0);
    expect(scorer.best(firstSupports).every((b) => b === -1)).toBe(true);
    expect(rationaleAccuracy(scorer, firstSupports)).toBe(0);
    expect(rationaleAccuracy(scorer, all)).toBe(0);
  });
});

describe('a diverged ILLUME fine-tune (too high a --lr)', () => {
  it('stops at the first NaN loss with an InputError naming the round and the step, instead of reporting "loss NaN" (null in JSON)', async () => {
    const train = await items(20, 11);
    const heldOut = await items(10, 12);
    const rounds: RoundReport[] = [];
    const e = await runIllume(train, heldOut, autoCritic, { rounds: 3, k: 3, seed: 1, lr: 1e8 }, (r) => rounds.push(r)).then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(e).toBeInstanceOf(InputError);
    expect(e!.message).toMatch(/^illume round \d+: the loss is NaN at step \d+: training diverged, and stopped there without applying it\. Lower --lr and run again \(this stage keeps no checkpoints\)\.$/);
    // every round it reported had a finite loss (or none yet)
    for (const r of rounds) expect(r.loss === null || Number.isFinite(r.loss)).toBe(true);
  });
});

describe('rationale items hold no pixels: an image is decoded when it is described', () => {
  it('makes no image while items are built, then decodes each once, a batch at a time, keeping only descriptors (every image was decoded as its episode was read, and held)', async () => {
    const eps = demoEpisodes(90, 4);
    let asked = 0;
    let describedAtAsk: number[] = [];
    let all: RationaleItem[] = [];
    const view = async (v: (typeof eps)[number]['views'][number]) => {
      asked++;
      describedAtAsk.push(all.filter((it) => it.features).length);
      return v;
    };
    all = eps.flatMap((ep) => episodeRationaleItems(ep, view));
    expect(asked).toBe(0); // building the items of 90 episodes decoded none (it decoded 2 an episode, or 1 for a control)
    expect(all.length).toBeGreaterThan(2 * DESCRIBE_BATCH);
    describedAtAsk = [];
    await describeItems(all);
    expect(asked).toBe(all.length); // each image once
    // the j-th image is asked for once the batches before it are described: at most DESCRIBE_BATCH decoded at a time
    expect(describedAtAsk).toEqual(all.map((_, j) => j - (j % DESCRIBE_BATCH)));
    // what an item keeps is its descriptors: no pixels (an RGBImage's data) among its fields
    for (const it of all) {
      expect(it.features).toBeInstanceOf(Float32Array);
      expect(Object.values(it).some((v) => typeof v === 'object' && v !== null && 'data' in v)).toBe(false);
    }
    await describeItems(all);
    expect(asked).toBe(all.length); // described items are not decoded again
  });

  it('gives the same descriptors, encoder features and rounds described all at once or a batch at a time', async () => {
    const eps = demoEpisodes(40, 21);
    const policy = newBuiltin(eps.map((e) => ({ ...e, views: e.views.map((image) => ({ image })) })));
    const encoder = builtinEncoder(policy);
    const make = () => eps.flatMap((ep) => episodeRationaleItems(ep, async (v) => v));
    const a = make();
    const b = make();
    await describeItems(b.slice(0, 7), encoder); // another grouping of the same images
    await describeItems(b, encoder);
    const cfg = { rounds: 2, seed: 2, epochs: 2, encoder };
    const ra = await runIllume(a.slice(0, 56), a.slice(56), autoCritic, cfg);
    const rb = await runIllume(b.slice(0, 56), b.slice(56), autoCritic, cfg);
    expect(b.map((it) => [...it.features!])).toEqual(a.map((it) => [...it.features!]));
    const noTime = (rs: RoundReport[]) => rs.map(({ seconds, ...r }) => (void seconds, r));
    expect(noTime(rb.rounds)).toEqual(noTime(ra.rounds));
  });
});
