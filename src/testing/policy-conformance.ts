/**
 * The shared `Policy` conformance suite (docs/architecture.md §6.5): every backend — baselines, the HTTP
 * client, `serve`, the built-in model — runs the same vitest checks:
 *   - one reply string per observation, in order, for batch sizes 0, 1 and many;
 *   - for a policy that should answer, every reply parses under the episode protocol;
 *   - a deterministic policy answers the same whether an observation comes alone or in a batch;
 *   - `optionLogProbs`, when present, has one finite value per option, ≤ 0, summing to ≤ 1 + ε;
 *   - observations (pixels included) are not mutated;
 *   - `close()` may be called twice.
 * Call `policyConformance(name, make)` inside a test file; `make` gets the episodes the
 * observations come from (the oracle needs them) and returns the policy (plus optional cleanup).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EpisodeState } from '../episode/state.js';
import type { EvalMode } from '../episode/types.js';
import { createImage } from '../scenes/image.js';
import type { SuiteEpisode } from '../suite/types.js';
import type { Observation, Policy } from '../agents/policy.js';
import { chainEpisode } from './chain-episode.js';

export interface ConformanceOptions {
  /** The policy is expected to answer with a parseable reply (false for e.g. a free-text model). */
  answers?: boolean;
  /** Same observation → same reply regardless of batch composition (greedy backends). */
  deterministic?: boolean;
  /** Episodes to draw observations from (default: a small varied fixture). */
  episodes?: SuiteEpisode[];
}

export type ConformanceSubject = Policy | { policy: Policy; cleanup?: () => Promise<void> };

/**
 * A varied fixture: chain episodes (chain-episode.ts) with 2–4 views, informative only at the
 * last, different answers and valid moves, 3–5 categories, noisy pixels of varying sizes.
 */
export function conformanceEpisodes(n = 12): SuiteEpisode[] {
  return Array.from({ length: n }, (_, k) => {
    const views = 2 + (k % 3);
    const categories = ['circle', 'square', 'star', 'heart', 'moon'].slice(0, 3 + (k % 3));
    const image = (v: number) => {
      const im = createImage(8 + k, 6 + v, [(k * 40) % 256, (v * 90) % 256, 128]);
      for (let i = 0; i < im.data.length; i += 7) im.data[i] = (i * 31 + k) % 256;
      return im;
    };
    return chainEpisode(`conf-${k}`, views, views - 1, {
      kind: ['occlusion', 'sketch', 'camera'][k % 3],
      question: 'What shape is it?',
      categories,
      answer: k % categories.length,
      valid: k % 2,
      image,
    });
  });
}

/** Observations at turn 0 of every episode in `mode`, plus turn-1 observations after one valid move. */
export function conformanceObservations(episodes: readonly SuiteEpisode[], mode: EvalMode = 'proactive'): { obs: Observation[]; states: EpisodeState<SuiteEpisode['views'][number]>[] } {
  const obs: Observation[] = [];
  const states: EpisodeState<SuiteEpisode['views'][number]>[] = [];
  const add = (s: EpisodeState<SuiteEpisode['views'][number]>) => {
    const { viewRef, ...rest } = s.observe();
    if (!('image' in viewRef)) throw new Error('conformance episodes must hold in-memory images');
    obs.push({ ...rest, image: viewRef.image });
    states.push(s);
  };
  for (const ep of episodes) add(new EpisodeState(ep, mode));
  if (mode !== 'reference') {
    for (const ep of episodes) {
      const s = new EpisodeState(ep, mode);
      const valid = Object.keys(ep.steps[ep.firstView].next).map(Number)[0];
      if (valid === undefined) continue;
      s.step(ep.interventions[valid]);
      if (!s.done) add(s);
    }
  }
  return { obs, states };
}

function snapshot(o: Observation) {
  return { ...structuredClone({ ...o, image: undefined }), pixels: Buffer.from(o.image.data).toString('base64'), w: o.image.width, h: o.image.height };
}

export function policyConformance(name: string, make: (episodes: SuiteEpisode[]) => Promise<ConformanceSubject>, opts: ConformanceOptions = {}): void {
  const answers = opts.answers ?? true;
  describe(`Policy conformance: ${name}`, () => {
    const episodes = opts.episodes ?? conformanceEpisodes();
    let policy: Policy;
    let cleanup: (() => Promise<void>) | undefined;
    const { obs, states } = conformanceObservations(episodes, 'proactive');
    const ref = conformanceObservations(episodes, 'reference');

    beforeAll(async () => {
      const s = await make(episodes);
      if ('act' in s) policy = s;
      else {
        policy = s.policy;
        cleanup = s.cleanup;
      }
    });
    afterAll(async () => {
      await policy?.close?.();
      await cleanup?.();
    });

    it('has a name', () => {
      expect(typeof policy.name).toBe('string');
      expect(policy.name.length).toBeGreaterThan(0);
    });

    it('returns [] for an empty batch', async () => {
      expect(await policy.act([])).toEqual([]);
    });

    it('returns one reply string per observation, for batch sizes 1 and many', async () => {
      const one = await policy.act([obs[0]]);
      expect(one).toHaveLength(1);
      expect(typeof one[0].reply).toBe('string');
      const many = await policy.act(obs);
      expect(many).toHaveLength(obs.length);
      for (const r of many) expect(typeof r.reply).toBe('string');
    });

    if (answers) {
      it('replies parse under the episode protocol (proactive and reference modes)', async () => {
        const rs = await policy.act(obs);
        rs.forEach((r, i) => {
          const a = states[i].step(r.reply);
          expect(a.type, `reply ${JSON.stringify(r.reply)} to ${obs[i].episodeId} turn ${obs[i].turn}`).not.toBe('unparseable');
        });
        const rr = await policy.act(ref.obs);
        rr.forEach((r, i) => expect(ref.states[i].step(r.reply).type).toBe('category'));
      });
    }

    if (opts.deterministic) {
      it('answers in order: a batch gives the same replies as one-by-one calls', async () => {
        const batch = await policy.act(obs);
        const singles: string[] = [];
        for (const o of obs) singles.push((await policy.act([o]))[0].reply);
        expect(batch.map((r) => r.reply)).toEqual(singles);
        const rev = await policy.act([...obs].reverse());
        expect(rev.map((r) => r.reply).reverse()).toEqual(singles);
      });
    }

    it('optionLogProbs, when present, are finite, ≤ 0, one per option, summing to ≤ 1 + ε', async () => {
      const rs = await policy.act(obs);
      rs.forEach((r, i) => {
        if (r.optionLogProbs === undefined) return;
        expect(r.optionLogProbs).toHaveLength(obs[i].options.length);
        for (const lp of r.optionLogProbs) {
          expect(Number.isFinite(lp)).toBe(true);
          expect(lp).toBeLessThanOrEqual(1e-9);
        }
        expect(r.optionLogProbs.reduce((s, x) => s + Math.exp(x), 0)).toBeLessThanOrEqual(1 + 1e-6);
      });
    });

    it('does not mutate observations', async () => {
      const before = obs.map(snapshot);
      await policy.act(obs);
      await policy.act(obs, { sample: true });
      expect(obs.map(snapshot)).toEqual(before);
    });

    it('close() can be called twice', async () => {
      const extra = await make(episodes);
      const p = 'act' in extra ? extra : extra.policy;
      await p.close?.();
      await p.close?.();
      if (!('act' in extra)) await extra.cleanup?.();
    });
  });
}
