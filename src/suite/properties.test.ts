/**
 * Properties of the generated suite that generate.test.ts does not check, at several seeds and
 * sizes: a view the oracle calls informative tells the true category and no other option (no
 * episode has two right answers), and no two options can be read as the same reply.
 */
import { describe, expect, it, vi } from 'vitest';
import { normalizeText, standardizeLetter } from '../episode/parse.js';
import { CATEGORIES } from '../scenes/shapes.js';
import { controlIndices, generateEpisode } from './generate.js';
import { resolveSuiteConfig } from './suite-config.js';
import { GENERATED_KINDS } from './kinds/names.js';
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
  it.each(GENERATED_KINDS.map((k) => [k]))('%s: an informative view tells the true category and no other option', (kind) => {
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
    for (const kind of GENERATED_KINDS)
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

describe('camera moves', () => {
  it('each valid move shows the window it names: left/right/up/down shift it a step that way, farther shows the whole scene', () => {
    const size = 64;
    const cfg = resolveSuiteConfig({ seed: 2, size, episodes: 10 });
    const controls = controlIndices(2, 'camera', 10, cfg.controlShare);
    const shift: Record<string, [number, number]> = { left: [-1, 0], right: [1, 0], up: [0, -1], down: [0, 1] };
    let moves = 0;
    for (let i = 0; i < 10; i++) {
      const ep = generateEpisode('camera', i, cfg, controls.has(i));
      const windows = ep.meta!.windows as [number, number, number][];
      const step = ep.meta!.step as number;
      const [oi, oj] = ep.meta!.objectWindow as [number, number];
      ep.steps.forEach((s, v) => {
        for (const [k, to] of Object.entries(s.next)) {
          moves++;
          const text = ep.interventions[Number(k)];
          if (/farther/.test(text)) {
            expect(windows[to]).toEqual([0, 0, 2 * size]);
            continue;
          }
          const dir = Object.keys(shift).find((d) => text.includes(d === 'left' || d === 'right' ? `the ${d}` : ` ${d}.`))!;
          const [dx, dy] = shift[dir];
          expect(windows[to], `${ep.id} view ${v}: ${text}`).toEqual([windows[v][0] + dx * step, windows[v][1] + dy * step, size]);
          // and it brings the window closer to the object's
          const dist = (w: number[]) => Math.abs(w[0] / step - oi) + Math.abs(w[1] / step - oj);
          expect(dist(windows[to])).toBeLessThan(dist(windows[v]));
        }
      });
    }
    expect(moves).toBeGreaterThan(20);
  });
});
