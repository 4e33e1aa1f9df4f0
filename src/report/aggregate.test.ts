import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarize } from '../episode/metrics.js';
import { playEpisode } from '../testing/play-episode.js';
import { chainEpisode } from '../testing/chain-episode.js';
import { fakeResults } from '../testing/report-fixture.js';
import { headlineFigures } from './data.js';
import { tmpDir } from '../testing/tmp.js';
import { AGGREGATE_FILE, aggregateSchema, buildAggregate, parseAggregate, seedStat, writeAggregate, type SeedRun } from './aggregate.js';
import { aggregateText, fmtStat, renderAggregatePage } from './aggregate-page.js';
import type { Results } from './results.js';

/** fakeResults with the seed recorded and the headline figures we check set to known values. */
function run(seed: number, gapUnseen: number | null, accAfter: number, blAccAfter: number): SeedRun {
  const r: Results = fakeResults(seed + 1);
  r.data.seed = seed;
  r.gapClosed.unseen = gapUnseen;
  r.accuracy.after.overall = accAfter;
  r.baselines[0].accuracy.after.overall = blAccAfter;
  r.baselines[0].gapClosed.unseen = 0.2;
  return { seed, dir: `seed-${seed}`, results: r };
}

describe('multi-seed aggregate', () => {
  it('seedStat keeps nulls in the values and leaves them out of the statistics', () => {
    const s = seedStat([0.9, null, 0.8, 0.7]);
    expect(s.values).toEqual([0.9, null, 0.8, 0.7]);
    expect(s.n).toBe(3);
    expect(s.mean).toBeCloseTo(0.8, 12);
    expect(s.ci95!.halfWidth).toBeCloseTo((4.302652729749464 * 0.1) / Math.sqrt(3), 12); // t(0.975, 2)
    expect(seedStat([null, Number.NaN])).toEqual({ values: [null, null], n: 0, mean: null, sd: null, ci95: null });
  });

  it('aggregates every headline figure per seed, sorted by seed, with mean, CI and n', () => {
    const agg = buildAggregate([run(2, 0.7, 0.8, 0.6), run(0, 0.9, 0.9, 0.7), run(1, 0.8, 0.7, 0.6)], '2026-01-01T00:00:00Z');
    expect(agg.seeds).toEqual([0, 1, 2]);
    expect(agg.runs.map((r) => r.dir)).toEqual(['seed-0', 'seed-1', 'seed-2']);
    const g = agg.ours.gapClosed.unseen;
    expect(g.values).toEqual([0.9, 0.8, 0.7]);
    expect(g.n).toBe(3);
    expect(g.mean).toBeCloseTo(0.8, 12);
    expect(g.sd).toBeCloseTo(0.1, 12);
    expect(g.ci95!.low).toBeCloseTo(0.8 - 0.24844, 4);
    // Each figure is read from the right place of each results.json.
    const runs = [run(0, 0.9, 0.9, 0.7), run(1, 0.8, 0.7, 0.6), run(2, 0.7, 0.8, 0.6)].map((x) => x.results);
    expect(agg.ours.overAsking.values).toEqual(runs.map((r) => r.overAsking));
    expect(agg.ours.psRateOverOracle.values).toEqual(runs.map((r) => r.psRate / r.oraclePsRate));
    expect(agg.ours.accuracy.reference.byKind.camera.values).toEqual(runs.map((r) => r.accuracy.reference.byKind.camera));
    expect(agg.ours.accuracy.before.overall.values).toEqual(runs.map((r) => r.accuracy.before.overall));
    expect(Object.keys(agg.ours.accuracy.after.byKind)).toHaveLength(7);
    expect(agg.baselines.map((b) => b.name)).toEqual(['proactivebench-rp0.5', 'proactivebench-rp1']);
    expect(agg.baselines[1].figures.gapClosed.all.values).toEqual(runs.map((r) => r.baselines[1].gapClosed.all));
    expect(() => aggregateSchema.parse(agg)).not.toThrow();
  });

  it('over-asking of a seed whose test suite has no control episode is null there and left out of the mean (not averaged as 0)', () => {
    const play = (id: string, control: boolean, reply: string) => playEpisode(chainEpisode(id, 3, control ? 0 : 2, { kind: 'camera' }), 'proactive', () => reply);
    const overAsking = (...recs: ReturnType<typeof play>[]) => {
      const s = summarize(recs);
      return headlineFigures(s, s, s, ['camera']).overAsking;
    };
    const runs = [run(0, 0.9, 0.9, 0.7), run(1, 0.8, 0.7, 0.6), run(2, 0.7, 0.8, 0.6)];
    runs[0].results.overAsking = overAsking(play('a', false, 'A'), play('c1', true, 'A'), play('c2', true, 'F')); // 1 of 2 controls asked
    runs[1].results.overAsking = overAsking(play('a', false, 'A'), play('b', false, 'F')); // no control episode
    runs[2].results.overAsking = overAsking(play('c1', true, 'F'), play('c2', true, 'F')); // 0 of 2 asked
    const o = buildAggregate(runs).ours.overAsking;
    expect(o.values).toEqual([0.5, null, 0]);
    expect(o.n).toBe(2);
    expect(o.mean).toBeCloseTo(0.25, 12); // (0.5 + 0) / 2; averaging the empty seed as 0 % gave 1/6
    expect(fmtStat(o, 'pct')).toMatch(/^25\.0 ± /);
  });

  it('every table of aggregate.html scrolls in its own box, so the page fits a 320 px phone (the demo report, in Chromium: report.browser.test.ts)', () => {
    const html = renderAggregatePage(buildAggregate([run(0, 0.9, 0.9, 0.7), run(1, 0.8, 0.7, 0.6)]));
    const tables = html.match(/<table\b/g) ?? [];
    expect(tables.length).toBeGreaterThan(2);
    expect(html.match(/<div class="scroll-x" tabindex="0"><table\b/g)?.length).toBe(tables.length);
  });

  it('aggregates the controls abstained on (controlAbstain) beside over-asking, for ours and each baseline, a seed without it missing', () => {
    const runs = [run(0, 0.9, 0.9, 0.7), run(1, 0.8, 0.7, 0.6), run(2, 0.7, 0.8, 0.6)];
    [0.1, 0.2, 0.3].forEach((v, i) => (runs[i].results.summaries.after.controlAbstain = v));
    [0.05, null, 0.15].forEach((v, i) => (runs[i].results.baselines[0].summary.controlAbstain = v)); // seed 1: written before it was recorded
    const agg = buildAggregate(runs);
    expect(agg.ours.controlAbstain!.values).toEqual([0.1, 0.2, 0.3]);
    expect(agg.ours.controlAbstain!.mean).toBeCloseTo(0.2, 12);
    expect(agg.ours.controlAbstain!.ci95!.halfWidth).toBeCloseTo((4.302652729749464 * 0.1) / Math.sqrt(3), 12);
    expect(agg.baselines[0].figures.controlAbstain).toMatchObject({ values: [0.05, null, 0.15], n: 2 });
    expect(aggregateText(agg)).toMatch(/over-asking on controls[^\n]*\n\s*abstained on controls\s+20\.0 ± 24\.8 % \(cut to 0\.0 % … 44\.8 %\)\s+10\.0 ± \d+\.\d % \(cut to [^)]*\) \[n = 2\]/);
    const html = renderAggregatePage(agg);
    expect(html).toContain('data-key="ours.controlAbstain.mean" data-value="0.2');
    expect(html).toContain('data-key="proactivebench-rp0.5.controlAbstain.seed1" data-value=""');
    // an aggregate.json written before the figure existed still loads, and shows it as missing
    const old = JSON.parse(JSON.stringify(agg)) as { ours: Record<string, unknown>; baselines: { figures: Record<string, unknown> }[] };
    delete old.ours.controlAbstain;
    for (const b of old.baselines) delete b.figures.controlAbstain;
    const back = parseAggregate(old);
    expect(back.ours.controlAbstain).toBeUndefined();
    expect(aggregateText(back)).toMatch(/abstained on controls\s+– \[n = 0\]/);
    expect(renderAggregatePage(back)).toContain('data-key="ours.controlAbstain.mean" data-value="">–</td>');
  });

  it("a rate's interval is cut to [0, 100 %] and a ps-rate's at 0, and says so in aggregate.json and the text", () => {
    // two seeds: 0.9 and 1.0 give 0.95 ± t(0.975, 1)·0.0707/√2 = ± 0.635, an interval up to 158.5 %
    const runs = [run(0, 0.9, 0.9, 0.7), run(1, 0.8, 1.0, 0.6)];
    runs[0].results.psRate = 0.1;
    runs[1].results.psRate = 1.1;
    const agg = buildAggregate(runs);
    const acc = agg.ours.accuracy.after.overall;
    expect(acc.mean).toBeCloseTo(0.95, 12);
    expect(acc.ci95).toEqual({ low: expect.closeTo(0.95 - 0.6353, 4), high: 1, halfWidth: expect.closeTo(0.6353, 4), clipped: true });
    expect(agg.ours.psRate.ci95).toMatchObject({ low: 0, clipped: true });
    expect(agg.ours.psRate.ci95!.high).toBeCloseTo(0.6 + 6.353, 3);
    // gap closed is no rate (it passes 100 % when RL beats the reference): its interval is not cut
    expect(agg.ours.gapClosed.unseen.ci95!.high).toBeCloseTo(0.85 + 0.6353, 3); // 148.5 %
    expect(agg.ours.gapClosed.unseen.ci95!.clipped).toBeUndefined();
    expect(agg.method).toContain('cut to [0, 1]');
    expect(() => parseAggregate(JSON.parse(JSON.stringify(agg)))).not.toThrow();
    expect(aggregateText(agg)).toMatch(/accuracy, after RL\s+95\.0 ± 63\.5 % \(cut to 31\.5 % … 100\.0 %\)/);
    expect(renderAggregatePage(agg)).toContain('31.5 % … 100.0 % (cut to the range)');
  });

  it('aggregates accuracy per variant when the runs have it, a seed without one counting as missing', () => {
    const runs = [run(0, 0.9, 0.9, 0.7), run(1, 0.8, 0.7, 0.6), run(2, 0.7, 0.8, 0.6)];
    expect(buildAggregate(runs).ours.accuracy.after.byVariant).toBeUndefined();
    runs[0].results.accuracy.after.byVariant = { 'corruption/saturation': 0, 'corruption/blur': 1 };
    runs[1].results.accuracy.after.byVariant = { 'corruption/saturation': 0.1 };
    runs[2].results.accuracy.after.byVariant = { 'corruption/saturation': 0.2, 'corruption/blur': 0.5 };
    runs[1].results.baselines[1].accuracy.after.byVariant = { 'corruption/saturation': 0.3 };
    const agg = buildAggregate(runs);
    const v = agg.ours.accuracy.after.byVariant!;
    expect(Object.keys(v)).toEqual(['corruption/blur', 'corruption/saturation']);
    expect(v['corruption/saturation'].values).toEqual([0, 0.1, 0.2]);
    expect(v['corruption/saturation'].mean).toBeCloseTo(0.1, 12);
    expect(v['corruption/blur']).toMatchObject({ values: [1, null, 0.5], n: 2 });
    expect(agg.baselines[1].figures.accuracy.after.byVariant!['corruption/saturation'].values).toEqual([null, 0.3, null]);
    expect(() => aggregateSchema.parse(agg)).not.toThrow();
    const html = renderAggregatePage(agg);
    expect(html).toContain('id="per-variant"');
    expect(html).toContain('data-key="ours.accuracy.after.corruption/saturation.mean" data-value="0.1');
    expect(html).toContain('data-key="proactivebench-rp1.accuracy.after.corruption/saturation.seed1" data-value="0.3');
    expect(renderAggregatePage(buildAggregate([run(0, 0.9, 0.9, 0.7)]))).not.toContain('id="per-variant"');
    // below the guesser: colour loss falls on the seeds where the guesser was above it, and only there
    runs.forEach((r, i) => (r.results.accuracy.before.byVariant = { 'corruption/saturation': [0.4, 0.05, 0.3][i] }));
    const items = [...renderAggregatePage(buildAggregate(runs)).matchAll(/<li>([\s\S]*?)<\/li>/g)].map((x) => x[1]);
    expect(items[0]).toContain('<b>corruption/saturation</b> on 2 of 3 seeds (mean 25.0 % → 10.0 %)');
    expect(items).toHaveLength(3); // ours and the two baselines
    expect(items[2]).not.toContain('corruption/saturation'); // r_p = 1: 0.3 at its one seed with the variant, above the guesser's 0.05
    expect(aggregateText(buildAggregate(runs))).toContain('below the guesser, ours: corruption/saturation on 2 of 3 seeds (mean 25.0 % → 10.0 %)');
  });

  it('paired differences are ours − baseline per seed, with their own interval', () => {
    const agg = buildAggregate([run(0, 0.9, 0.9, 0.7), run(1, 0.8, 0.7, 0.6), run(2, 0.7, 0.8, 0.6)]);
    const p = agg.baselines[0].paired;
    expect(p['accuracy.after'].values.map((v) => Number(v!.toFixed(10)))).toEqual([0.2, 0.1, 0.2]);
    expect(p['accuracy.after'].mean).toBeCloseTo(0.5 / 3, 12);
    expect(p['accuracy.after'].ci95!.halfWidth).toBeCloseTo((4.302652729749464 * Math.sqrt(1 / 300)) / Math.sqrt(3), 10);
    expect(p['gapClosed.unseen'].values.map((v) => Number(v!.toFixed(10)))).toEqual([0.7, 0.6, 0.5]);
  });

  it('an undefined figure is null for that seed and lowers n; one value has no interval', () => {
    const agg = buildAggregate([run(0, 0.9, 0.9, 0.7), run(1, null, 0.7, 0.6)]);
    expect(agg.ours.gapClosed.unseen).toEqual({ values: [0.9, null], n: 1, mean: 0.9, sd: null, ci95: null });
    expect(agg.baselines[0].paired['gapClosed.unseen'].n).toBe(1);
    expect(fmtStat(agg.ours.gapClosed.unseen, 'pct')).toBe('90.0 % (n = 1, no CI)');
    expect(aggregateText(agg)).toMatch(/90\.0 % \(n = 1, no CI\) \[n = 1\]/);
  });

  it('a single seed aggregates, with no intervals anywhere, and says so', () => {
    const agg = buildAggregate([run(5, 0.9, 0.9, 0.7)]);
    expect(agg.ours.accuracy.after.overall.ci95).toBeNull();
    expect(aggregateText(agg)).toMatch(/one seed: no interval/);
    expect(renderAggregatePage(agg)).toMatch(/no confidence interval/);
    expect(renderAggregatePage(agg)).toContain('<title>askfirst demo over 1 seed</title>'); // was: over 1 seeds
    // each seed's cell keyed by its seed, as its column is headed
    expect(renderAggregatePage(agg)).toContain('<th class="num">seed 5</th>');
    expect(renderAggregatePage(agg)).toContain('data-key="ours.gapClosed.unseen.seed5" data-value="0.9"'); // was: .seed0
  });

  it('a baseline missing from one seed counts as missing there', () => {
    const a = run(0, 0.9, 0.9, 0.7);
    const b = run(1, 0.8, 0.7, 0.6);
    b.results.baselines = b.results.baselines.slice(0, 1);
    const agg = buildAggregate([a, b]);
    expect(agg.baselines[1].figures.overAsking.values[1]).toBeNull();
    expect(agg.baselines[1].paired['accuracy.after'].n).toBe(1);
  });

  it('refuses runs that are not comparable', () => {
    expect(() => buildAggregate([])).toThrow(/no seed runs/);
    expect(() => buildAggregate([run(0, 0.9, 0.9, 0.7), run(0, 0.8, 0.7, 0.6)])).toThrow(/twice/);
    const q = run(1, 0.8, 0.7, 0.6);
    q.results.quick = true;
    expect(() => buildAggregate([run(0, 0.9, 0.9, 0.7), q])).toThrow(/quick and full runs are mixed/);
  });

  it('refuses seeds trained under other settings (--algorithm, --reward-weights, --rl-control-share), naming each and its seeds', () => {
    // seed 1 ran `demo --seed 1 --algorithm ppo --reward-weights abstain=-1 --rl-control-share 0.3` into seed-1/: before, averaged with the others unsaid
    const runs = [run(0, 0.9, 0.9, 0.7), run(1, 0.8, 0.7, 0.6), run(2, 0.7, 0.8, 0.6)];
    for (const r of runs) r.results.config.demo = { rlControlShare: 0.15 };
    const odd = runs[1].results;
    odd.training.algorithm = 'ppo';
    odd.training.rewards = odd.training.rewards.map((w) => (w.name === 'abstain' ? { ...w, weight: -1 } : w));
    odd.config.demo = { rlControlShare: 0.3 };
    expect(() => buildAggregate(runs)).toThrow(
      "the seeds' runs were trained under other settings: --algorithm grpo (seeds 0, 2) vs ppo (seed 1); " +
        '--reward-weights correct=1,wrong=-1,intervention-cost=-0.05,invalid=-1,abstain=-0.5 (seeds 0, 2) vs correct=1,wrong=-1,intervention-cost=-0.05,invalid=-1,abstain=-1 (seed 1); ' +
        '--rl-control-share 0.15 (seeds 0, 2) vs 0.3 (seed 1); a mean over seeds is of one setting: re-run the odd ones with the others\' settings (and --fresh), or leave them out of --seeds',
    );
    expect(buildAggregate([runs[0], runs[2]]).seeds).toEqual([0, 2]);
    // a results.json that does not record --rl-control-share is not refused for it
    delete runs[1].results.config.demo;
    runs[1].results.training = runs[0].results.training;
    expect(buildAggregate(runs).seeds).toEqual([0, 1, 2]);
  });

  it('is validated when written and read back', async () => {
    const dir = tmpDir('askfirst-aggregate');
    const agg = buildAggregate([run(0, 0.9, 0.9, 0.7), run(1, 0.8, 0.7, 0.6)]);
    const file = await writeAggregate(dir, agg);
    expect(file).toBe(join(dir, AGGREGATE_FILE));
    expect(parseAggregate(JSON.parse(await readFile(file, 'utf8')))).toEqual(agg);
    await expect(writeAggregate(dir, { ...agg, seeds: [] })).rejects.toThrow(/seeds/);
  });

  it('the text table and the page show mean ± half-width and every seed, escaped', () => {
    const runs = [run(0, 0.9, 0.9, 0.7), run(1, 0.8, 0.7, 0.6), run(2, 0.7, 0.8, 0.6)];
    runs[0].results.baselines[0].label = 'r_p <b>0.5</b>';
    const agg = buildAggregate(runs);
    const text = aggregateText(agg);
    expect(text).toMatch(/gap closed, unseen kinds\s+80\.0 ± 24\.8 %/);
    expect(text).toMatch(/r_p = 0\.5/);
    expect(text).toMatch(/accuracy after RL \+16\.7 ± \d+\.\d pts/);
    const html = renderAggregatePage(agg);
    expect(html).toContain('data-key="ours.gapClosed.unseen.mean" data-value="0.8');
    expect(html).toContain('seed 2');
    expect(html).toContain('href="seed-1/report.html"');
    expect(html).toContain('&lt;b&gt;');
    expect(html).not.toContain('<b>0.5');
  });

  it("keeps each seed's evaluation interval of ours − baseline beside the paired difference, and says nothing when runs have none", () => {
    const runs = [run(0, 0.9, 0.9, 0.7), run(1, 0.8, 0.7, 0.6)];
    runs[1].results.baselines[0].oursMinus = { gapClosed: { train: 0, unseen: 0.6, all: 0.2 }, ci95: { train: null, unseen: { low: 0.5, high: 0.71 }, all: { low: 0.1, high: 0.3 } } };
    const agg = buildAggregate(runs);
    expect(agg.baselines[0].evaluationCi95).toEqual({ 'gapClosed.unseen': [null, { low: 0.5, high: 0.71 }], 'gapClosed.all': [null, { low: 0.1, high: 0.3 }] });
    expect(aggregateText(agg)).toContain('per seed, unseen kinds, with the interval over its test episodes: seed 0 +70.0 (no interval recorded), seed 1 +60.0 [50.0, 71.0]');
    expect(renderAggregatePage(agg)).toContain('<ul id="paired-evaluation"><li>ours − ProactiveBench reward, r_p = 0.5: seed 0 +70.0 (no interval recorded), seed 1 +60.0 [50.0, 71.0]</li>');
    expect(agg.baselines[0]).not.toHaveProperty('evaluationNoGap'); // nothing withheld: aggregate.json as before
    // seed 0's interval withheld: too many resamples without a gap (gap-intervals.ts), said where the interval would be
    runs[0].results.baselines[0].gapClosedNoGap = { train: 0, unseen: 0.31, all: 0.02 };
    const withheld = buildAggregate(runs);
    expect(withheld.baselines[0].evaluationNoGap).toEqual({ 'gapClosed.unseen': [0.31, null], 'gapClosed.all': [0.02, null] });
    expect(aggregateText(withheld)).toContain('seed 0 +70.0 [no interval: no gap in 31.0 % of resamples], seed 1 +60.0 [50.0, 71.0]');
    const none = buildAggregate([run(0, 0.9, 0.9, 0.7), run(1, 0.8, 0.7, 0.6)]);
    expect(aggregateText(none)).not.toContain('per seed, unseen kinds');
    expect(renderAggregatePage(none)).not.toContain('paired-evaluation');
  });
});
