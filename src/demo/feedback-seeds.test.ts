import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFeedbackReport, type PolicyResult } from '../report/feedback-section.js';
import { fakeFeedbackResults } from '../testing/report-fixture.js';
import { tmpDir } from '../testing/tmp.js';
import { FeedbackDemoConfigSchema } from './feedback-config.js';
import { aggregateFeedback, type SeedFigure } from './feedback-seeds.js';
import { resolveConfig } from '../util/config.js';

const policy = (name: string, overAsking: number, controlAbstain?: number | null): PolicyResult => ({
  name,
  gapClosed: { train: 0.5, unseen: 0.4, all: 0.45 },
  accuracy: 0.7,
  overAsking,
  ...(controlAbstain === undefined ? {} : { controlAbstain }),
  guessRate: 0.3,
  psRate: 1.2,
  curve: [],
});

const results = (policies: PolicyResult[]) => fakeFeedbackResults(policies);

describe('aggregateFeedback (the feedback demo over seeds)', () => {
  it('folds the controls abstained on beside over-asking, as a mean with its interval; a seed whose feedback.json predates it is missing', async () => {
    const out = tmpDir('askfirst-feedback-seeds');
    const seeds = [0, 1, 2];
    const per = [results([policy('gold', 0.1, 0.02)]), results([policy('gold', 0.08, 0.04)]), results([policy('gold', 0.09)])]; // seed 2: written before controlAbstain
    for (const [i, r] of per.entries()) {
      await mkdir(join(out, `seed-${seeds[i]}`), { recursive: true });
      await writeFile(join(out, `seed-${seeds[i]}`, 'feedback.json'), JSON.stringify(r));
    }
    const agg = (await aggregateFeedback(out, seeds)) as { policies: Record<string, Record<string, SeedFigure>> };
    const ca = agg.policies.gold.controlAbstain;
    expect(ca.perSeed).toEqual([0.02, 0.04, null]);
    expect(ca.stats.n).toBe(2);
    expect(ca.stats.mean).toBeCloseTo(0.03, 12);
    expect(ca.stats.ci95!.halfWidth).toBeCloseTo(12.706204736174705 * 0.01, 12); // sd 0.01·√2, over √2; t(0.975, 1)
    // a rate: its interval, 0.03 ± 0.127, cut at 0 (and said so), not down to −9.7 %
    expect(ca.stats.ci95).toMatchObject({ low: 0, high: expect.closeTo(0.03 + 0.12706, 4), clipped: true });
    expect(agg.policies.gold.overAsking.perSeed).toEqual([0.1, 0.08, 0.09]);
    expect(JSON.parse(await readFile(join(out, 'aggregate.json'), 'utf8')).policies.gold.controlAbstain.perSeed).toEqual([0.02, 0.04, null]);
  });
});

describe('aggregateFeedback: the routing figures', () => {
  it("cut a reward model's accuracy to [0, 1] and the label counts at 0, marked clipped, as the other figures; means unchanged", async () => {
    const out = tmpDir('askfirst-feedback-seeds-routing');
    const point = (goldAccuracy: number, humanLabels: number, aiWrongCaught: number) => ({ strategy: 'margin', budget: 0.2, humanLabels, aiWrongCaught, aiLabelsUsed: 10, goldAccuracy });
    const per = [point(0.9, 0, 0), point(1, 4, 1)]; // two seeds: t(0.975, 1) = 12.71 runs every interval past its range
    for (const [s, p] of per.entries()) {
      const r = results([policy('gold', 0.1)]);
      r.routing.points = [p];
      await mkdir(join(out, `seed-${s}`), { recursive: true });
      await writeFile(join(out, `seed-${s}`, 'feedback.json'), JSON.stringify(r));
    }
    const agg = (await aggregateFeedback(out, [0, 1])) as { routing: Record<string, Record<string, SeedFigure>> };
    const { goldAccuracy, humanLabels, aiWrongCaught } = agg.routing['margin@0.2'];
    const t1 = 12.706204736174705;
    expect(goldAccuracy.stats.mean).toBeCloseTo(0.95, 12);
    expect(goldAccuracy.stats.ci95).toEqual({ low: expect.closeTo(0.95 - t1 * 0.05, 12), high: 1, halfWidth: expect.closeTo(t1 * 0.05, 12), clipped: true });
    expect(humanLabels.stats.mean).toBe(2);
    expect(humanLabels.stats.ci95).toEqual({ low: 0, high: expect.closeTo(2 + t1 * 2, 12), halfWidth: expect.closeTo(t1 * 2, 12), clipped: true });
    expect(aiWrongCaught.stats.ci95).toMatchObject({ low: 0, clipped: true });
    expect(JSON.parse(await readFile(join(out, 'aggregate.json'), 'utf8')).routing['margin@0.2'].goldAccuracy.stats.ci95.clipped).toBe(true);
  });
});

describe('aggregateFeedback: each seed folder holds that seed\'s demo', () => {
  it('refuses a feedback.json of another seed (a demo run without --seed into seed-1/) instead of counting seed 0 twice', async () => {
    const out = tmpDir('askfirst-feedback-seeds-mixed');
    for (const s of [0, 1]) {
      await mkdir(join(out, `seed-${s}`), { recursive: true });
      await writeFile(join(out, `seed-${s}`, 'feedback.json'), JSON.stringify(fakeFeedbackResults([policy('gold', 0.1)], { labels: [100], seed: 0 })));
    }
    const dir = join(out, 'seed-1');
    await expect(aggregateFeedback(out, [0, 1])).rejects.toThrow(
      `${join(dir, 'feedback.json')} is a feedback demo of seed 0 (its config.seed), not of seed 1; move ${dir} aside (a feedback demo run into it again takes up its finished stages), then run: askfirst feedback demo --seed 1 --labels 100 --out ${dir}, or leave 1 out of --seeds`,
    );
    expect(existsSync(join(out, 'aggregate.json'))).toBe(false);
  });
});

describe('aggregateFeedback: the seeds ran under one setting', () => {
  // a feedback.json's config as the demo records it (the resolved config)
  const config = (over: Record<string, unknown>) => resolveConfig(FeedbackDemoConfigSchema, { progress: false, ...over }, 'feedback demo') as unknown as Record<string, unknown>;
  const write = async (out: string, s: number, cfg: Record<string, unknown>) => {
    await mkdir(join(out, `seed-${s}`), { recursive: true });
    await writeFile(join(out, `seed-${s}`, 'feedback.json'), JSON.stringify(fakeFeedbackResults([policy('gold', 0.1)], cfg)));
  };

  it('refuses seeds whose demos ran under other settings in one line, naming each setting and its seeds (they were averaged unsaid)', async () => {
    const out = tmpDir('askfirst-feedback-seeds-settings');
    // seed 1 run by hand with `--labels 40,160 --noise 0.2` into seed-1/; each seed from its own supervised checkpoint (--init differs by design)
    for (const s of [0, 2]) await write(out, s, config({ seed: s, out: join(out, `seed-${s}`), init: `runs/seeds/seed-${s}/supervised` }));
    await write(out, 1, config({ seed: 1, out: join(out, 'seed-1'), init: 'runs/seeds/seed-1/supervised', labels: [40, 160], noise: 0.2, gaoLabelOrder: 'sampled' }));
    await expect(aggregateFeedback(out, [0, 1, 2])).rejects.toThrow(
      "the seeds' feedback demos ran under other settings: --labels 100,300,1000 (seeds 0, 2) vs 40,160 (seed 1); --noise 0.1 (seeds 0, 2) vs 0.2 (seed 1); " +
        "--gao-label-order (none) (seeds 0, 2) vs sampled (seed 1); a mean over seeds is of one setting: move the odd ones' folders aside and run them again with the others' settings, or leave them out of --seeds",
    );
    expect(existsSync(join(out, 'aggregate.json'))).toBe(false);
    expect((await aggregateFeedback(out, [0, 2])).seeds).toEqual([0, 2]);
    // a feedback.json written before a setting existed (no askForeverShare) is not refused for it
    const old = config({ seed: 1, out: join(out, 'seed-1') });
    delete old.askForeverShare;
    await write(out, 1, old);
    expect((await aggregateFeedback(out, [0, 1, 2])).seeds).toEqual([0, 1, 2]);
  });

  it('suggests, for a missing seed, the command with the settings the seeds ran with, shell-quoted: its own run.json\u2019s, else a finished seed\u2019s', async () => {
    const out = join(tmpDir('askfirst-feedback-seeds-rerun'), 'my fb');
    await write(out, 0, config({ seed: 0, out: join(out, 'seed-0'), init: 'runs/seeds/seed-0/supervised', labels: [40, 160], rlUpdates: 2, labelOrder: 'sampled' }));
    const dir = join(out, 'seed-1');
    // was `askfirst feedback demo --seed 1 --out DIR`: the defaults, another experiment (and 40 minutes instead of one)
    await expect(aggregateFeedback(out, [0, 1])).rejects.toThrow(
      `no finished feedback demo for seed 1 (${join(dir, 'feedback.json')}); run: askfirst feedback demo --init runs/seeds/seed-1/supervised --seed 1 --labels 40,160 --label-order sampled --rl-updates 2 --out '${dir}'`,
    );
    // seed 1's demo stopped part-way: its run.json keeps what it started with (--init as given)
    await mkdir(dir, { recursive: true });
    const { out: _out, progress: _progress, ...started } = config({ seed: 1, labels: [40, 160], rlUpdates: 2, labelOrder: 'sampled' });
    const settings = { ...started, init: { shown: "sup's", id: 'abc' } };
    await writeFile(join(dir, 'run.json'), JSON.stringify({ run: 'feedback demo', settings }));
    await expect(aggregateFeedback(out, [0, 1])).rejects.toThrow(`; run: askfirst feedback demo --init 'sup'\\''s' --seed 1 --labels 40,160 --label-order sampled --rl-updates 2 --out '${dir}'`);
    await rm(dir, { recursive: true });
  });

  it('says a damaged feedback.json is damaged (where, what is wrong, what to do), not that the seed has no finished demo', async () => {
    const out = tmpDir('askfirst-feedback-seeds-damaged');
    await write(out, 0, config({ seed: 0, out: join(out, 'seed-0') }));
    await mkdir(join(out, 'seed-1'), { recursive: true });
    const f = join(out, 'seed-1', 'feedback.json');
    await writeFile(f, '{"config": {"seed": 1'); // cut short
    const cut = aggregateFeedback(out, [0, 1]);
    await expect(cut).rejects.toThrow(`${f}: damaged (not JSON: `);
    await expect(cut).rejects.toThrow(/; run: askfirst feedback demo --seed 1 --out \S+ to write it again \(its finished stages are taken up\)$/);
    await writeFile(f, '{"policies": []}');
    await expect(aggregateFeedback(out, [0, 1])).rejects.toThrow(`${f}: damaged (no "config" object: not a feedback demo's results); run: `);
    await rm(f);
    await expect(aggregateFeedback(out, [0, 1])).rejects.toThrow(`no finished feedback demo for seed 1 (${f})`);
  });

  it("refuses a feedback.json a newer askfirst wrote in one line naming it, not read as today's nor called damaged; today's is stamped version 1", async () => {
    const out = tmpDir('askfirst-feedback-seeds-newer');
    await write(out, 0, config({ seed: 0, out: join(out, 'seed-0') }));
    await mkdir(join(out, 'seed-1'), { recursive: true });
    const f = join(out, 'seed-1', 'feedback.json');
    const newer = `${f}: written by a newer askfirst (askfirst-feedback-results version 2; this askfirst reads version 1 and older): upgrade askfirst to read it`;
    // was: averaged as today's, and (its fields renamed) 'damaged …; run: askfirst feedback demo … to write it again'
    const seed1 = fakeFeedbackResults([policy('gold', 0.1)], config({ seed: 1, out: join(out, 'seed-1') }));
    await writeFile(f, JSON.stringify({ format: 'askfirst-feedback-results', version: 2, ...seed1 }));
    await expect(aggregateFeedback(out, [0, 1])).rejects.toThrow(newer);
    await writeFile(f, JSON.stringify({ format: 'askfirst-feedback-results', version: 2, settings: {} }));
    await expect(aggregateFeedback(out, [0, 1])).rejects.toThrow(newer);
    // what the demo writes (writeFeedbackReport) is read: stamped version 1
    await writeFeedbackReport(join(out, 'seed-1'), seed1);
    expect(JSON.parse(await readFile(f, 'utf8'))).toMatchObject({ format: 'askfirst-feedback-results', version: 1 });
    await expect(aggregateFeedback(out, [0, 1])).resolves.toMatchObject({ seeds: [0, 1] });
  });

  it("says the --init moved from a finished seed's path is a guess, unless that checkpoint is there", async () => {
    const out = tmpDir('askfirst-feedback-seeds-init');
    const sup = (s: number) => join(out, 'runs', `seed-${s}`, 'supervised');
    await write(out, 0, config({ seed: 0, out: join(out, 'seed-0'), init: sup(0) }));
    const guessed = aggregateFeedback(out, [0, 1]);
    await expect(guessed).rejects.toThrow(`--init ${sup(1)} --seed 1`);
    await expect(guessed).rejects.toThrow(`(its --init is a guess, seed 0's ${sup(0)} with seed-1 for seed-0, and ${sup(1)} is not there: give seed 1's supervised checkpoint)`);
    await mkdir(sup(1), { recursive: true });
    const known = aggregateFeedback(out, [0, 1]);
    await expect(known).rejects.toThrow(`--init ${sup(1)} --seed 1`);
    await expect(known).rejects.not.toThrow('guess');
  });
});

describe('feedback demo-aggregate in the terminal', () => {
  it("prints the main figures with their intervals as the demo's aggregate does, '(cut to …)' where cut (it printed only the file's path)", async () => {
    const out = tmpDir('askfirst-feedback-seeds-text');
    for (const [s, overAsking] of [[0, 0.1], [1, 0.02]] as const) {
      await mkdir(join(out, `seed-${s}`), { recursive: true });
      await writeFile(join(out, `seed-${s}`, 'feedback.json'), JSON.stringify({ ...results([policy('gold', overAsking)]), config: { ...results([]).config, seed: s } }));
    }
    const { captureConsole } = await import('../testing/console.js');
    const { demoAggregateAction } = await import('../cli/feedback-rlhf.js');
    const said = captureConsole('log');
    await demoAggregateAction({ out, seeds: '0,1' });
    said.restore();
    const text = said.lines.join('\n');
    expect(text).toMatch(/^askfirst feedback demo over 2 seeds \(0, 1\): mean ± 95 % CI half-width/);
    expect(text).toMatch(/gap closed, RL-trained kinds +gap closed, unseen kinds +accuracy +over-asking on controls/);
    // 0.06 ± t(0.975, 1)·0.04 = 50.8 points, cut at 0
    expect(text).toMatch(/gold +50\.0 ± 0\.0 %.* +6\.0 ± 50\.8 % \(cut to 0\.0 % … 56\.8 %\)/);
    expect(text).toContain(`aggregate: ${join(out, 'aggregate.json')}`);
  });
});
