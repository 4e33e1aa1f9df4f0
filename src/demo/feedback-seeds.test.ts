import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PolicyResult } from '../report/feedback-section.js';
import { fakeFeedbackResults } from '../testing/report-fixture.js';
import { tmpDir } from '../testing/tmp.js';
import { aggregateFeedback, type SeedFigure } from './feedback-seeds.js';

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
    expect(ca.stats.ci95!.halfWidth).toBeCloseTo(12.706 * 0.01, 3); // sd 0.01·√2, over √2;
    expect(agg.policies.gold.overAsking.perSeed).toEqual([0.1, 0.08, 0.09]);
    expect(JSON.parse(await readFile(join(out, 'aggregate.json'), 'utf8')).policies.gold.controlAbstain.perSeed).toEqual([0.02, 0.04, null]);
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
      `${join(dir, 'feedback.json')} is a feedback demo of seed 0 (its config.seed), not of seed 1; move ${dir} aside (a feedback demo run into it again takes up its finished stages), then run: askfirst feedback demo --seed 1 --out ${dir}, or leave 1 out of --seeds`,
    );
    expect(existsSync(join(out, 'aggregate.json'))).toBe(false);
  });
});
