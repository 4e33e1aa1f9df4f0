import { describe, expect, it } from 'vitest';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { playEpisode } from '../testing/play-episode.js';
import type { Episode, EpisodeRecord } from '../episode/types.js';
import { createApp } from '../server/workbench/app.js';
import { chainEpisode } from '../testing/chain-episode.js';
import { Rng } from '../util/rng.js';
import { compareText } from '../util/text-order.js';
import { openDb } from './db.js';
import { labelsPerPair, pairToItem, readLabelledPairs, type TrajectoryPair } from './pairs.js';
import { simulateAnnotators, simulatedChoice } from './simulate.js';
import { FeedbackStore } from './store.js';

const ep = (id: string): Episode<string> => ({ ...chainEpisode(id, 3, 2), views: ['v0.png', 'v1.png', 'v2.png'] });
const ask = (e: Episode<string>) => playEpisode(e, 'proactive', (t) => (t.view === 2 ? e.categories[e.answer] : t.options[0]));
const guess = (e: Episode<string>) => playEpisode(e, 'proactive', () => e.categories[0]);
const utility = (r: EpisodeRecord) => (r.success ? 1 : -0.5);

describe('simulated choice', () => {
  const e = ep('a');
  const pair = { a: guess(e), b: ask(e) };
  const share = (cfg: Parameters<typeof simulatedChoice>[2]) => {
    const rng = new Rng(1);
    let b = 0;
    for (let i = 0; i < 4000; i++) b += simulatedChoice(pair, utility, cfg, rng);
    return b / 4000;
  };
  it('prefers the higher gold reward, flipped at the noise rate', () => {
    expect(share({ noise: 0, bias: 'none', biasRate: 1 })).toBe(1);
    expect(share({ noise: 0.1, bias: 'none', biasRate: 1 })).toBeCloseTo(0.9, 1);
  });
  it('the confident bias prefers the play that answers at once over the one that asks', () => {
    expect(share({ noise: 0, bias: 'confident', biasRate: 1 })).toBe(0);
    expect(share({ noise: 0, bias: 'confident', biasRate: 0.5 })).toBeCloseTo(0.5, 1);
  });
});

describe('simulated annotators over HTTP', () => {
  it('N annotators with tokens label every pair through the API; the rows are the labels they chose', async () => {
    const store = await FeedbackStore.open(await openDb());
    const app = createApp({ store, playPolicy: async () => ({ name: 'none', act: async () => [] }) });
    const server = await new Promise<ReturnType<typeof serve>>((res) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => res(s));
    });
    try {
      const project = await store.createProject('sim', '/tmp', 2);
      const pairs: TrajectoryPair[] = ['a', 'b', 'c'].map((id) => ({ id: `${id}#pair0`, episode: ep(id), a: guess(ep(id)), b: ask(ep(id)) }));
      await store.addItems(project.id, pairs.map(pairToItem));
      const people = [await store.addAnnotator('s1'), await store.addAnnotator('s2')];
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const r = await simulateAnnotators(url, project.id, people, new Map(pairs.map((p) => [p.id, p])), utility, { noise: 0 });
      expect(r.labels).toBe(6);
      expect(r.byAnnotator).toEqual({ s1: 3, s2: 3 });
      const ls = await readLabelledPairs(store, project);
      expect(ls.map((l) => l.preferred)).toEqual([1, 1, 1, 1, 1, 1]); // the asker (B) wins every time without noise
      await expect(simulateAnnotators(url, project.id, [{ name: 'x', token: 'af_nope' }], new Map(), utility)).rejects.toThrow(/401/);
    } finally {
      await new Promise((res) => server.close(res));
      await store.close();
    }
  });
});

describe('the labels a pair gets do not depend on who takes it or on an interruption', () => {
  const pairs: TrajectoryPair[] = Array.from({ length: 16 }, (_, i) => ({ id: `e${i}#pair0`, episode: ep(`e${i}`), a: guess(ep(`e${i}`)), b: ask(ep(`e${i}`)) }));
  const byId = new Map(pairs.map((p) => [p.id, p]));
  /** Label the pairs in `runs` sittings (each of `perRun[i]` labels at most, new annotators each time); the labels by pair. */
  const label = async (labelsPerItem: number, annotators: number, perRun: (number | undefined)[]) => {
    const store = await FeedbackStore.open(await openDb());
    const app = createApp({ store, playPolicy: async () => ({ name: 'none', act: async () => [] }) });
    const server = await new Promise<ReturnType<typeof serve>>((res) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => res(s));
    });
    try {
      const project = await store.createProject('sim', '/tmp', labelsPerItem);
      await store.addItems(project.id, pairs.map(pairToItem));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const [r, maxLabels] of perRun.entries()) {
        const people = [];
        for (let k = 0; k < annotators; k++) people.push(await store.addAnnotator(`run${r}-${k}`));
        await simulateAnnotators(url, project.id, people, byId, utility, { noise: 0.5, seed: 3, maxLabels }, { held: await labelsPerPair(store, project.id) });
      }
      const got = new Map<string, number[]>();
      for (const l of await readLabelledPairs(store, project)) got.set(l.pair.id, [...(got.get(l.pair.id) ?? []), l.preferred].sort());
      return [...got.entries()].sort(([a], [b]) => compareText(a, b));
    } finally {
      await new Promise((res) => server.close(res));
      await store.close();
    }
  };
  it('one label per pair: one annotator, three, and a run stopped twice and resumed give the same labels', async () => {
    const one = await label(1, 1, [undefined]);
    expect(one).toHaveLength(16);
    expect(new Set(one.map(([, l]) => l[0])).size).toBe(2); // the noise decides some (the test can tell streams apart)
    expect(await label(1, 3, [undefined])).toEqual(one);
    expect(await label(1, 1, [5, 4, undefined])).toEqual(one);
  });
  it('two labels per pair: the pair holds the same two labels whoever gave them', async () => {
    const two = await label(2, 2, [undefined]);
    expect(two.every(([, l]) => l.length === 2)).toBe(true);
    expect(await label(2, 3, [undefined])).toEqual(two);
    expect(await label(2, 2, [7, undefined])).toEqual(two);
  });
});
