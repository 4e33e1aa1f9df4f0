/**
 * Properties of the generated suite that generate.test.ts does not check, at several seeds and
 * sizes: a view the oracle calls informative tells the true category and no other option (no
 * episode has two right answers), and no two options can be read as the same reply.
 */
import { describe, expect, it, vi } from 'vitest';
import { normalizeText, standardizeLetter } from '../episode/parse.js';
import { CATEGORIES } from '../scenes/shapes.js';
import { controlIndices, generateEpisode, resolveSuiteConfig } from './generate.js';
import { SCENARIO_KINDS } from './kinds/names.js';
import { informativeness, INFORMATIVE_MIN, type OracleInput } from './oracle.js';

/** Every oracle input of the last generated episode, in the order its views were scored. */
const scored: OracleInput[] = [];
vi.mock('./oracle.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('./oracle.js')>();
  return {
    ...m,
    informativeness: (inp: OracleInput) => {
      scored.push(inp);
      return m.informativeness(inp);
    },
  };
});


const SEEDS = [0, 5];
const SIZES = [32, 96];
const N = 8;

describe.each(SIZES)('suite at %i px', (size) => {
  it.each(SCENARIO_KINDS.map((k) => [k]))('%s: an informative view tells the true category and no other option', (kind) => {
    let views = 0;
    for (const seed of SEEDS) {
      const cfg = resolveSuiteConfig({ seed, size, episodes: N });
      const controls = controlIndices(seed, kind, N, cfg.controlShare);
      for (let i = 0; i < N; i++) {
        scored.length = 0;
        const ep = generateEpisode(kind, i, cfg, controls.has(i));
        const scores = ep.meta!.scores as number[];
        // the views of the accepted draw were scored last; camera also scores a wide view it may leave out
        const wideLeftOut = kind === 'camera' && (ep.meta!.windows as number[][]).at(-1)![2] !== 2 * size;
        const inputs = scored.slice(scored.length - ep.views.length - (wideLeftOut ? 1 : 0)).slice(0, ep.views.length);
        const truth = CATEGORIES.indexOf(ep.categories[ep.answer]);
        inputs.forEach((inp, v) => expect(Math.round(informativeness(inp).score * 1000) / 1000, `${ep.id} view ${v}`).toBe(scores[v]));
        ep.informative!.forEach((informative, v) => {
          if (!informative) return;
          views++;
          for (const name of ep.categories) {
            const d = CATEGORIES.indexOf(name);
            if (d === truth) continue;
            // the same view, read as if `name` were the object: it must not rule out the true category too
            expect(informativeness({ ...inputs[v], category: d }).score, `${ep.id} view ${v} as ${name}`).toBeLessThan(INFORMATIVE_MIN);
          }
        });
        expect(ep.informative![ep.referenceView]).toBe(true);
      }
    }
    expect(views).toBeGreaterThan(0);
  });
});

describe('options', () => {
  it('no two options of a view read alike, by full text or by letter, and no option text reads as a letter', () => {
    const cfg = resolveSuiteConfig({ seed: 3, episodes: 4 });
    for (const kind of SCENARIO_KINDS)
      for (let i = 0; i < 4; i++) {
        const ep = generateEpisode(kind, i, cfg, i === 0);
        for (const step of ep.steps) {
          const texts = [...step.offered.map((k) => ep.interventions[k]), ...ep.categories];
          const norm = texts.map(normalizeText);
          expect(new Set(norm).size, ep.id).toBe(texts.length);
          const letters = texts.map((_, j) => standardizeLetter(String.fromCodePoint(65 + j)));
          expect(new Set(letters).size).toBe(texts.length);
          for (const t of texts) expect(standardizeLetter(t), `${ep.id}: "${t}"`).toBe('#');
        }
      }
  });
});
