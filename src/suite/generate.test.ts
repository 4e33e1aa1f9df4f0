import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { playEpisode } from '../testing/play-episode.js';
import { GENERATED_KINDS, SCENARIO_KINDS, type ScenarioKind } from './kinds/names.js';
import { episodeProblems } from '../episode/validate.js';
import { CATEGORIES } from '../scenes/shapes.js';
import { controlIndices, generateEpisode, generateSuite, KIND_GENERATORS } from './generate.js';
import { resolveSuiteConfig } from './suite-config.js';
import { shortestPath } from './kinds/common.js';
import { generatableKinds } from './kinds/registry.js';
import { INFORMATIVE_MIN, UNINFORMATIVE_MAX } from './oracle.js';
import type { SuiteEpisode } from './types.js';

/** An oracle player: follow a shortest path of valid interventions to an informative view, then answer. */
function oracleReply(ep: SuiteEpisode) {
  return (t: { view: number; options: string[] }) => {
    const inf = ep.informative!;
    if (inf[t.view]) return ep.categories[ep.answer];
    const here = shortestPath(ep.steps, t.view, inf);
    for (const [i, to] of Object.entries(ep.steps[t.view].next))
      if (shortestPath(ep.steps, to, inf) === here - 1) return ep.interventions[Number(i)];
    throw new Error('no way forward');
  };
}

const N = 14; // per kind and seed
const SEEDS = [0, 7];

describe('generateSuite', () => {
  const suites = SEEDS.map((seed) => generateSuite({ episodes: N, seed, controlShare: 0.15 }));

  it.each(GENERATED_KINDS.map((k) => [k]))('%s: every episode keeps the guarantees', (kind) => {
    let count = 0;
    for (const suite of suites)
      for (const ep of suite.filter((e) => e.kind === kind)) {
        count++;
        expect(episodeProblems(ep)).toEqual([]);
        const scores = ep.meta!.scores as number[];
        expect(ep.informative).toEqual(scores.map((s) => s >= INFORMATIVE_MIN));
        expect(ep.maxTurns).toBe(ep.views.length);
        expect(ep.informative![ep.referenceView]).toBe(true);
        expect(scores[ep.referenceView]).toBeGreaterThanOrEqual(Math.max(...scores) - 0.02);
        if (ep.control) {
          expect(ep.informative![ep.firstView]).toBe(true);
          expect(ep.minInterventions).toBe(0);
        } else {
          expect(ep.informative![ep.firstView]).toBe(false);
          expect(scores[ep.firstView]).toBeLessThanOrEqual(UNINFORMATIVE_MAX);
          expect(ep.minInterventions).toBeGreaterThanOrEqual(1);
        }
        expect(ep.minInterventions).toBe(shortestPath(ep.steps, ep.firstView, ep.informative!));
        // four distinct categories, one correct
        expect(ep.categories).toHaveLength(4);
        expect(new Set(ep.categories).size).toBe(4);
        for (const c of ep.categories) expect(CATEGORIES).toContain(c);
        // abstain offered on every view; every valid move is offered
        for (const s of ep.steps) {
          expect(s.offered.some((i) => ep.abstain.includes(i))).toBe(true);
          for (const k of Object.keys(s.next)) expect(s.offered).toContain(Number(k));
        }
        // the oracle path succeeds with exactly the minimum number of interventions
        const rec = playEpisode(ep, 'proactive', oracleReply(ep));
        expect(rec.success).toBe(true);
        expect(rec.interventions).toBe(ep.minInterventions);
        // images are the configured size
        for (const v of ep.views) expect('image' in v && v.image.width === 64 && v.image.height === 64).toBe(true);
      }
    expect(count).toBe(N * SEEDS.length);
  });

  it('corruption: the reference view is the least corrupted of the views the oracle scores alike (the clean photo)', () => {
    let clean = 0;
    const eps = suites.flat().filter((e) => e.kind === 'corruption');
    for (const ep of eps) {
      const scores = ep.meta!.scores as number[];
      const levels = ep.meta!.levels as number[];
      const top = Math.max(...scores);
      const alike = levels.filter((_, v) => scores[v] >= top - 0.02);
      expect(levels[ep.referenceView]).toBe(Math.min(...alike));
      if (levels[ep.referenceView] === 0) clean++;
    }
    expect(clean).toBe(eps.length);
  });

  it('corruption offers one valid and three invalid enhancements (plus abstain) before the last view', () => {
    for (const ep of suites.flat().filter((e) => e.kind === 'corruption')) {
      expect(ep.interventions).toHaveLength(5);
      expect(ep.abstain).toHaveLength(1);
      ep.steps.forEach((s, v) => {
        expect(s.offered).toHaveLength(5);
        expect(Object.keys(s.next)).toHaveLength(v < ep.views.length - 1 ? 1 : 0);
      });
    }
  });

  it('has exactly round(N · share) controls per kind and balanced categories', () => {
    const suite = suites[0];
    for (const kind of SCENARIO_KINDS) {
      const eps = suite.filter((e) => e.kind === kind);
      expect(eps.filter((e) => e.control)).toHaveLength(Math.round(N * 0.15));
      const cats = new Set(eps.map((e) => e.categories[e.answer]));
      expect(cats.size).toBe(Math.min(N, CATEGORIES.length));
    }
    expect(controlIndices(3, 'camera', 100, 0.25).size).toBe(25);
  });

  it('is deterministic by seed, and episode i depends on no other setting than its size and control status', () => {
    const cfg = resolveSuiteConfig({ seed: 7, episodes: N });
    const b = suites[1].find((e) => e.id === 'sketch-00003')!;
    const a = generateEpisode('sketch' as ScenarioKind, 3, cfg, b.control);
    expect(b.categories).toEqual(a.categories);
    expect(b.views.map((v) => ('image' in v ? Buffer.from(v.image.data).toString('base64') : ''))).toEqual(
      a.views.map((v) => ('image' in v ? Buffer.from(v.image.data).toString('base64') : '')),
    );
    const other = generateEpisode('sketch', 3, resolveSuiteConfig({ seed: 8 }), false);
    expect('image' in other.views[0] && 'image' in a.views[0] && Buffer.compare(Buffer.from(other.views[0].image.data), Buffer.from(a.views[0].image.data))).not.toBe(0);
  });

  it.each([32, 96])('renders at %i px too', (size) => {
    const eps = generateSuite({ episodes: 2, size, controlShare: 0 });
    expect(eps).toHaveLength(2 * SCENARIO_KINDS.length); // the default kinds, 2 each
    for (const ep of eps) {
      for (const v of ep.views) expect('image' in v && v.image.width).toBe(size);
      expect(ep.informative![ep.firstView]).toBe(false);
      expect(ep.informative![ep.referenceView]).toBe(true);
    }
  });

  it('draws the seven kinds by default, and --kinds takes every kind with a generator, an opt-in one too (docs/extending.md)', () => {
    expect(resolveSuiteConfig({}).kinds).toEqual([...SCENARIO_KINDS]);
    expect(Object.keys(KIND_GENERATORS)).toEqual([...GENERATED_KINDS]);
    for (const k of GENERATED_KINDS) expect(resolveSuiteConfig({ kinds: [k] }).kinds).toEqual([k]);
  });

  it('rejects bad configs by name', () => {
    expect(() => resolveSuiteConfig({ kinds: ['nope'] })).toThrow(/kinds/);
    expect(() => resolveSuiteConfig({ controlShare: 2 })).toThrow(/control-share/);
  });

  it('refuses a kind that is not text (a suite config file\'s "kinds": ["camera", 3]) naming the item and what a kind is', () => {
    const accepted = `a kind's name in quotes, one of ${generatableKinds().join(', ')}, or a kind of your own registered first (registerKind, or askfirst --plugin FILE)`;
    // was: "kinds.1: must be text (got 3)"
    expect(() => resolveSuiteConfig({ kinds: ['camera', 3] })).toThrow(`kinds.1: item 2 of the list must be ${accepted} (got 3)`);
    expect(() => resolveSuiteConfig({ kinds: [null] })).toThrow(`kinds.0: item 1 of the list must be ${accepted} (got null)`);
  });
});

/** sha256 over every episode's fields and every view's pixels, in order. */
function suiteHash(suite: readonly SuiteEpisode[]): string {
  const h = createHash('sha256');
  for (const e of suite) {
    h.update(JSON.stringify(e, (k, v) => (k === 'views' ? undefined : v)));
    for (const v of e.views) if ('image' in v) h.update(`${v.image.width}x${v.image.height}`).update(v.image.data);
  }
  return h.digest('hex');
}

describe('suite fingerprint', () => {
  it('the suite generated at a fixed seed is bit-identical to the one this code has always generated', () => {
    // Recorded at e34f813; updated on purpose by issue 18 (corruption's reference view is the clean photo: only referenceView changed).
    // A change here changes every suite, checkpoint and figure downstream:
    // update it only on purpose, and say so in the commit.
    expect(suiteHash(generateSuite({ episodes: 6, seed: 11, controlShare: 0.2 }))).toBe('ca89eb3b721bd85e42d430302229fe74eb88496c942c440f1fcd4ac44c52fa1d');
  });
});
