import { describe, expect, it } from 'vitest';
import { playEpisode } from '../../episode/state.js';
import { summarize } from '../../episode/metrics.js';
import { runEpisodes } from '../runner.js';
import type { SuiteEpisode } from '../../suite/types.js';
import { distancesToTarget, randomSuccessProbability } from './graph.js';
import { OraclePolicy } from './oracle.js';
import { RandomPolicy } from './random.js';
import { ScriptedPolicy } from './scripted.js';
import { chainEpisode } from '../../testing/chain-episode.js';

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
  it('same outcome as playing directly', () => {
    const ep = chainEpisode('a', 3, 2);
    expect(playEpisode(ep, 'proactive', () => 'B').outcome).toBe('invalid-intervention');
  });
});
