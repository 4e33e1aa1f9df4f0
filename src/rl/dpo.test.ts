import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newBuiltin } from '../agents/builtin/build.js';
import { generateSuite } from '../suite/generate.js';
import { memoryLoader } from '../suite/loader.js';
import { tmpDir } from '../testing/tmp.js';
import { trainDPO, replayTurns } from './dpo.js';
import { randomPairs } from '../testing/preference-pairs.js';
import { playEpisode } from '../testing/play-episode.js';

describe('DPO', () => {
  it('raises the preferred plays over the rejected ones relative to the start', async () => {
    const eps = generateSuite({ episodes: 40, seed: 4, kinds: ['sketch', 'camera'], size: 32 });
    // DPO is what is tested: the position-wise encoder and the unbounded option-word score the threshold was set on (the
    // pooled path, default on, left this 4×8-channel model at exactly 0.7; whichBound 2, the default, at 0.69)
    const policy = newBuiltin(eps, { imageSize: 32, channels: [4, 8], pooled: false, whichBound: 0 });
    const examples = randomPairs(eps, 2);
    expect(replayTurns(examples[0].a).length).toBe(examples[0].a.record.turns);
    const r = await trainDPO({ out: join(tmpDir('af-dpo'), 'run'), updates: 40, pairsPerStep: 32, lr: 1e-2, evalEvery: 40, progress: false }, { policy, train: eps, val: eps.slice(0, 10), loader: memoryLoader }, examples);
    const first = r.curve.slice(0, 3).map((c) => c['dpo/loss']);
    const last = r.curve.slice(-5);
    expect(Math.max(...last.map((c) => c['dpo/loss']))).toBeLessThan(Math.min(...first));
    expect(last.reduce((a, c) => a + c['dpo/accuracy'], 0) / last.length).toBeGreaterThan(0.7);
  }, 120_000);

  it('replays a reply the protocol reads as an option but that is not its text ("D.", as an openai: VLM or a letter reply gives)', () => {
    const ep = generateSuite({ episodes: 1, seed: 5, kinds: ['sketch'], size: 32, controlShare: 0 })[0];
    const byText = playEpisode(ep, 'proactive', (t) => t.options[t.numInterventions + 1]);
    const lettered = playEpisode(ep, 'proactive', (t) => `${String.fromCharCode(65 + t.numInterventions + 1)}.`);
    expect(lettered.replies[0]).toMatch(/^[A-Z]\.$/);
    expect(lettered.actions).toEqual(byText.actions); // the protocol read the letter as that option
    const turns = replayTurns({ episode: ep, record: lettered });
    expect(turns.map((t) => t.action)).toEqual(replayTurns({ episode: ep, record: byText }).map((t) => t.action));
    // a reply that names no option is still an error naming it
    const nothing = playEpisode(ep, 'proactive', () => 'no idea');
    expect(() => replayTurns({ episode: ep, record: nothing })).toThrow(/reply "no idea" is not one of the options shown at turn 1/);
  });

  it('leaves out, saying so, the pairs with a play that ends on a reply naming no option; none left is an error', async () => {
    const eps = generateSuite({ episodes: 6, seed: 5, kinds: ['sketch'], size: 32, controlShare: 0 });
    const policy = newBuiltin(eps, { imageSize: 32, channels: [4, 8] });
    const pairs = randomPairs(eps, 3);
    const mumble = (e: (typeof pairs)[number]) => ({ ...e, b: { episode: e.b.episode, record: playEpisode(e.b.episode, 'proactive', () => 'hmm, hard to say') } });
    const logs: string[] = [];
    const ctx = { policy, train: eps, val: eps.slice(0, 2), loader: memoryLoader, log: (m: string) => logs.push(m) };
    const mixed = [mumble(pairs[0]), ...pairs.slice(1)];
    expect(mixed[0].b.record.outcome).toBe('unparseable');
    const r = await trainDPO({ out: join(tmpDir('af-dpo'), 'run'), updates: 2, pairsPerStep: 4, evalEvery: 2, progress: false }, ctx, mixed);
    expect(r.updates).toBe(2);
    expect(logs.filter((m) => /left out/.test(m))).toEqual([`dpo: warning: 1 of ${mixed.length} labelled pairs left out: a play in each ends on a reply that names no option, which the built-in policy gives no probability`]);
    await expect(trainDPO({ out: join(tmpDir('af-dpo'), 'run'), updates: 2, progress: false }, ctx, pairs.slice(0, 2).map(mumble))).rejects.toThrow(/no pair to learn from: in each of the 2 labelled pairs a play ends on a reply that names no option/);
  }, 60_000);

  it('says so when the pairs differ only in the category named (nothing DPO trains)', async () => {
    const eps = generateSuite({ episodes: 12, seed: 5, kinds: ['sketch'], size: 32 });
    const policy = newBuiltin(eps, { imageSize: 32, channels: [4, 8] });
    // both plays answer at once, naming different categories: log P(answer) is in both and cancels
    const examples = eps.map((ep) => ({
      pairId: `${ep.id}#0`,
      a: { episode: ep, record: playEpisode(ep, 'proactive', (t) => t.options[t.numInterventions]) },
      b: { episode: ep, record: playEpisode(ep, 'proactive', (t) => t.options[t.numInterventions + 1]) },
      preferred: 0 as const,
    }));
    const logs: string[] = [];
    const ctx = { policy, train: eps, val: eps.slice(0, 4), loader: memoryLoader, log: (m: string) => logs.push(m) };
    await trainDPO({ out: join(tmpDir('af-dpo'), 'run'), updates: 3, pairsPerStep: 8, evalEvery: 3, progress: false }, ctx, examples);
    expect(logs.filter((m) => /differ only in choices DPO does not train/.test(m))).toHaveLength(1);
    // pairs that differ in asking train, and get no warning
    const logs2: string[] = [];
    await trainDPO({ out: join(tmpDir('af-dpo'), 'run'), updates: 3, pairsPerStep: 8, evalEvery: 3, progress: false }, { ...ctx, log: (m: string) => logs2.push(m) }, randomPairs(eps, 3));
    expect(logs2.filter((m) => /warning/.test(m))).toEqual([]);
  }, 120_000);
});
