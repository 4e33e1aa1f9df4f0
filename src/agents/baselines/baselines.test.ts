import { describe, expect, it } from 'vitest';
import { playEpisode } from '../../testing/play-episode.js';
import { summarize } from '../../episode/metrics.js';
import { runEpisodes } from '../runner.js';
import type { SuiteEpisode } from '../../suite/types.js';
import { distancesToTarget, randomSuccessProbability } from './graph.js';
import { OraclePolicy } from './oracle.js';
import { RandomPolicy } from './random.js';
import { ScriptedPolicy } from './scripted.js';
import { familyReplies } from '../../testing/reasoning-replies.js';
import { chainEpisode } from '../../testing/chain-episode.js';
import { createImage } from '../../scenes/image.js';
import { CANNOT } from '../../testing/proactivebench-fixture.js';
import { buildNativeEpisode } from '../../suite/proactivebench/build.js';
import { checkEntry, type PBDataset } from '../../suite/proactivebench/datasets.js';

const loader = async (ref: SuiteEpisode['views'][number]) => {
  if ('image' in ref) return ref.image;
  throw new Error('no path refs in this test');
};

describe('graph facts', () => {
  it('distances follow valid moves to the nearest informative view', () => {
    expect(distancesToTarget(chainEpisode('a', 4, 2))).toEqual([2, 1, 0, 0]);
  });
  it('random success probability matches a hand computation', () => {
    // 2 views, 7 options each; turn 0: 1/7 correct + 1/7 * (move) * turn 1: 1/7 correct (last turn).
    expect(randomSuccessProbability(chainEpisode('a', 2, 1))).toBeCloseTo(1 / 7 + (1 / 7) * (1 / 7));
    expect(randomSuccessProbability(chainEpisode('a', 2, 1), 'reference')).toBeCloseTo(1 / 4);
  });
});

describe('oracle', () => {
  it('asks exactly the minimum, then answers correctly', async () => {
    const eps = [chainEpisode('a', 4, 3), chainEpisode('b', 3, 1), chainEpisode('c', 3, 0)];
    const recs = await runEpisodes(eps, new OraclePolicy(eps), { mode: 'proactive', loader });
    expect(recs.map((r) => [r.success, r.interventions, r.minInterventions])).toEqual([
      [true, 3, 3],
      [true, 1, 1],
      [true, 0, 0],
    ]);
    const s = summarize(recs);
    expect(s.psRate).toBeCloseTo(s.oraclePsRate);
    expect(s.guessRate).toBe(0);
  });

  it('on ProactiveBench entries whose reference image is never shown in play, asks the minimum the reader measured', async () => {
    // coco2014's reference is the uncropped photo (no crop is ever it); this MVP-N entry's reference is not its last view.
    const pb = (ds: PBDataset, e: Record<string, unknown>) => buildNativeEpisode(ds, checkEntry(e, ds, 'x.jsonl', 1), `${ds}-${e.id}`, { file: 'x.jsonl', line: 1 });
    const common = { prompt: 'What is it?', categories: ['kite', 'bird'], answer: 'kite' };
    const eps = [
      pb('coco2014', { id: 0, image_template: 'c.png', first_image: 0, num_images: 1, reference_image: 0, options: ['Move the camera up.', CANNOT], direction: 'up', granularity: 3, horizontal_step: 0, vertical_step: 4, crop: { top: 10, left: 2, height: 20, width: 14 }, ...common }),
      pb('MVP-N', { id: 5, image_template: 'M/{informative}/{image}.png', first_image: 10, num_images: 3, reference_image: 99, valid_images: [10, 11, 12], options: ['Rotate the object.', CANNOT], ...common }),
    ];
    expect(eps.map((e) => [e.minInterventions, e.views[e.referenceView] === e.views.at(-1)])).toEqual([[2, true], [2, true]]);
    const recs = await runEpisodes(eps, new OraclePolicy(eps), { mode: 'proactive', loader: async () => createImage(1, 1) });
    expect(recs.map((r) => [r.success, r.interventions, r.minInterventions])).toEqual([
      [true, 2, 2],
      [true, 2, 2],
    ]);
  });
});

describe('random', () => {
  it('is near its analytic expectation', async () => {
    const eps = Array.from({ length: 3000 }, (_, i) => chainEpisode(`e${i}`, 3, 2));
    const recs = await runEpisodes(eps, new RandomPolicy(7), { mode: 'proactive', loader, batchSize: 256 });
    const acc = summarize(recs).accuracy;
    const expected = randomSuccessProbability(eps[0]);
    const sd = Math.sqrt((expected * (1 - expected)) / eps.length);
    expect(Math.abs(acc - expected)).toBeLessThan(4 * sd);
  });
  it('replies by (seed, episode, turn): playing only the episodes a killed run left gives the records an uninterrupted run gave', async () => {
    const eps = Array.from({ length: 40 }, (_, i) => chainEpisode(`e${i}`, 3, i % 3));
    const all = await runEpisodes(eps, new RandomPolicy(7), { mode: 'proactive', loader, batchSize: 8 });
    const skip = new Set(eps.filter((_, i) => i % 3 === 0).map((e) => e.id)); // done before the kill
    const rest = await runEpisodes(eps, new RandomPolicy(7), { mode: 'proactive', loader, batchSize: 8, skip });
    expect(rest).toEqual(all.filter((r) => !skip.has(r.id)));
    expect(new Set(all.map((r) => r.replies.join())).size).toBeGreaterThan(5); // still random
    const other = await runEpisodes(eps, new RandomPolicy(8), { mode: 'proactive', loader, batchSize: 8 });
    expect(other).not.toEqual(all); // and the seed counts
  });
});

describe('scripted', () => {
  it('replays replies by episode and turn, counting what is missing', async () => {
    const eps = [chainEpisode('a', 3, 2), chainEpisode('b', 3, 2)];
    const p = ScriptedPolicy.fromMap({ a: ['A.', ' a ', 'E. Star'] });
    const recs = await runEpisodes(eps, p, { mode: 'proactive', loader });
    expect(recs[0]).toMatchObject({ success: true, interventions: 2 });
    expect(recs[1]).toMatchObject({ success: false, outcome: 'unparseable' });
    expect(p.missing).toEqual([{ episodeId: 'b', turn: 0 }]);
  });
  it("reads a thinking model's replies as the HTTP policy reads them (and env serve's /step): reasoning block removed, GLM's wrappers off", async () => {
    // eval --policy scripted: matched the reasoning too (every family's reply unparseable) where env serve read past it
    const eps = [chainEpisode('a', 3, 2)];
    const plain = (await runEpisodes(eps, ScriptedPolicy.fromMap({ a: ['A.', 'a', 'E. Star'] }), { mode: 'proactive', loader }))[0];
    expect(plain).toMatchObject({ success: true, interventions: 2 });
    const families = Object.keys(familyReplies('x'));
    for (const f of families) {
      const script = ['A.', 'a', 'E. Star'].map((answer) => familyReplies(answer)[f]);
      const rec = (await runEpisodes(eps, ScriptedPolicy.fromMap({ a: script }), { mode: 'proactive', loader }))[0];
      expect(rec, f).toEqual(plain); // the replies kept are the answers, as the HTTP policy and the env session keep them
    }
  });
  it('same outcome as playing directly', () => {
    const ep = chainEpisode('a', 3, 2);
    expect(playEpisode(ep, 'proactive', () => 'B').outcome).toBe('invalid-intervention');
  });
});
