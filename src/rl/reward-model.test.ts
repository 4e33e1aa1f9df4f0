import { join } from 'node:path';
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { newBuiltin, saveBuiltin } from '../agents/builtin/build.js';
import { generateSuite } from '../suite/generate.js';
import { memoryLoader } from '../suite/loader.js';
import { tmpDir } from '../testing/tmp.js';
import { randomPairs, testGold } from '../testing/preference-pairs.js';
import { RewardModel, checkRewardModelConfig, isHeldOut, pairMetrics, rewardSpecDir, rewardSummary, trainRewardModel } from './reward-model.js';

const gold = testGold;

describe('pair metrics', () => {
  it('accuracy, gold accuracy and calibration', () => {
    const m = pairMetrics([
      { ra: 2, rb: 0, preferred: 0, pairId: 'x', ga: 1, gb: 0 },
      { ra: 0, rb: 2, preferred: 0, pairId: 'y', ga: 1, gb: 0 },
      { ra: 0, rb: 0.1, preferred: 1, pairId: 'z', ga: 0, gb: 0 },
    ]);
    expect(m.accuracy).toBeCloseTo(2 / 3);
    expect(m.goldAccuracy).toBe(0.5); // z is a gold tie
    expect(m.goldPairs).toBe(2);
    expect(m.ece).toBeGreaterThan(0);
    expect(m.brier).toBeGreaterThan(0);
  });
  it('every pair of one episode falls on the same side of the split', () => {
    for (let i = 0; i < 50; i++) expect(isHeldOut(`ep-${i}#pair0`, 0.3, 1)).toBe(isHeldOut(`ep-${i}#pair1`, 0.3, 1));
    expect(() => rewardSpecDir('runs/rm')).toThrow(/rm:DIR/);
  });
});

describe('Bradley–Terry reward model', () => {
  it('learns gold-labelled preferences (fact-augmented beats plain), saves and loads with the same scores', async () => {
    const eps = generateSuite({ episodes: 60, seed: 3, kinds: ['sketch', 'camera'], size: 32 });
    const enc = newBuiltin(eps, { imageSize: 32, channels: [4, 8] });
    const dir = tmpDir('af-rm');
    saveBuiltin(join(dir, 'enc'), enc);
    const examples = randomPairs(eps, 1);
    expect(examples.length).toBeGreaterThan(60);
    const ctx = { encoder: enc, encoderDir: join(dir, 'enc'), examples, loader: memoryLoader, gold };
    const fact = await trainRewardModel({ out: join(dir, 'fact'), variant: 'fact', steps: 300, progress: false, heldOut: 0.3 }, ctx);
    const plain = await trainRewardModel({ out: join(dir, 'plain'), variant: 'plain', steps: 300, progress: false, heldOut: 0.3 }, ctx);
    expect(fact.metrics.heldOut.goldAccuracy).toBeGreaterThan(0.9);
    expect(fact.metrics.heldOut.goldAccuracy).toBeGreaterThan(plain.metrics.heldOut.goldAccuracy);
    const back = RewardModel.load(join(dir, 'fact'), memoryLoader);
    const t = examples.slice(0, 5).map((e) => e.a);
    const [s1, s2] = [await fact.model.score(t), await back.score(t)];
    s1.forEach((v, i) => expect(s2[i]).toBeCloseTo(v, 4));
    // Without --out the same model stays in memory and nothing is written (the committee router's members).
    const before = readdirSync(dir).sort();
    const mem = await trainRewardModel({ variant: 'fact', steps: 300, progress: false, heldOut: 0.3 }, ctx);
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(mem.metrics.heldOut).toEqual(fact.metrics.heldOut);
    (await mem.model.score(t)).forEach((v, i) => expect(v).toBeCloseTo(s1[i], 6));
  }, 120_000);
});


describe('a reward model whose config.json was edited', () => {
  it('is refused, saying what changed (it loaded without complaint, reading plays through the encoder the edit named)', async () => {
    const eps = generateSuite({ episodes: 8, seed: 3, kinds: ['sketch'], size: 32 });
    const enc = newBuiltin(eps, { imageSize: 32, channels: [4, 8] });
    const dir = tmpDir('af-rm-config');
    saveBuiltin(join(dir, 'enc'), enc);
    cpSync(join(dir, 'enc'), join(dir, 'other-enc'), { recursive: true }); // the same weights elsewhere: only the config tells
    await trainRewardModel({ out: join(dir, 'rm'), variant: 'fact', steps: 3, progress: false, heldOut: 0 }, { encoder: enc, encoderDir: join(dir, 'enc'), examples: randomPairs(eps, 1), loader: memoryLoader, gold });
    const file = join(dir, 'rm', 'final', 'config.json');
    const saved = readFileSync(file, 'utf8');
    const edit = (f: (c: Record<string, unknown>) => void) => {
      const c = JSON.parse(saved) as Record<string, unknown>;
      f(c);
      writeFileSync(file, JSON.stringify(c, null, 4)); // laid out otherwise too: only what it says counts
    };
    edit(() => undefined);
    expect(() => RewardModel.load(join(dir, 'rm'), memoryLoader)).not.toThrow();
    edit((c) => (c.encoder = join(dir, 'other-enc')));
    for (const load of [() => RewardModel.load(join(dir, 'rm'), memoryLoader), () => checkRewardModelConfig(join(dir, 'rm', 'final'))]) {
      expect(load).toThrow(`the reward model's config.json is not the one saved with its weights (edited, or copied from another model): its encoder was changed from ${join(dir, 'enc')} to ${join(dir, 'other-enc')}, so the plays would be read through other weights than it was trained on. Put back the config.json it was trained with, or train it again`);
    }
    edit((c) => ((c.mean as number[])[0] += 1));
    expect(() => RewardModel.load(join(dir, 'rm'), memoryLoader)).toThrow(/: its variant, features or their standardisation differ from those it was trained with/);
    writeFileSync(file, saved);
    expect(() => RewardModel.load(join(dir, 'rm'), memoryLoader)).not.toThrow();
  }, 60_000);
});

describe('a reward model in one line (train reward\'s closing line)', () => {
  const train = pairMetrics([
    { ra: 1, rb: 0, preferred: 0, pairId: 'p1', ga: 1, gb: 0 },
    { ra: 0, rb: 1, preferred: 0, pairId: 'p2', ga: 0, gb: 1 },
  ]);

  it('says "no held-out pairs" with --held-out 0, never NaN', () => {
    const line = rewardSummary({ variant: 'plain', labels: 2, pairs: 2, train, heldOut: pairMetrics([]), finalLoss: 0.5 }, 'runs/rm');
    expect(line).toMatch(/^reward model \(plain\) from 2 labels on 2 pairs: no held-out pairs \(--held-out 0 or too few pairs\)/);
    expect(line).toMatch(/model: runs\/rm\/final, metrics: runs\/rm\/metrics\.json$/);
    expect(line).not.toMatch(/NaN/);
  });

  it('gives held-out accuracy, gold accuracy (when there are gold pairs), ECE and Brier', () => {
    expect(rewardSummary({ variant: 'fact', labels: 4, pairs: 3, train, heldOut: train, finalLoss: 0.5 }, 'o')).toMatch(
      /: held-out accuracy 50\.0% on 2 labels \(gold 100\.0% of 2 pairs\), ECE \d\.\d{3}, Brier \d\.\d{3}; model: o\/final/,
    );
    // over how many pairs, and how many gold ties it leaves out: it said "(gold 100.0%)" alone
    const tied = pairMetrics([
      { ra: 1, rb: 0, preferred: 0, pairId: 'p1', ga: 1, gb: 0 },
      { ra: 1, rb: 0, preferred: 0, pairId: 'p1', ga: 1, gb: 0 }, // a second label of p1: one pair
      { ra: 0, rb: 1, preferred: 0, pairId: 'p2', ga: 0, gb: 0 },
      { ra: 0, rb: 1, preferred: 1, pairId: 'p3', ga: 0.5, gb: 0.5 },
    ]);
    expect(tied).toMatchObject({ goldPairs: 1, goldTies: 2, goldAccuracy: 1 });
    expect(rewardSummary({ variant: 'fact', labels: 4, pairs: 3, train, heldOut: tied, finalLoss: 0.5 }, 'o')).toMatch(/: held-out accuracy 75\.0% on 4 labels \(gold 100\.0% of 1 pair, 2 gold ties left out\), ECE/);
    const allTied = pairMetrics([{ ra: 0, rb: 1, preferred: 1, pairId: 'p3', ga: 0.5, gb: 0.5 }]);
    expect(rewardSummary({ variant: 'fact', labels: 1, pairs: 1, train, heldOut: allTied, finalLoss: 0.5 }, 'o')).toMatch(/: held-out accuracy 100\.0% on 1 labels \(no gold figure: the held-out pair is a gold tie\), ECE/);
    const noGold = pairMetrics([{ ra: 1, rb: 0, preferred: 0, pairId: 'p1' }]);
    const line = rewardSummary({ variant: 'plain', labels: 1, pairs: 1, train: noGold, heldOut: noGold, finalLoss: 0 }, 'o');
    expect(line).toMatch(/held-out accuracy 100\.0% on 1 labels, ECE/);
    expect(line).not.toMatch(/NaN|gold/);
  });
});
