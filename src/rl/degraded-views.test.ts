import { describe, expect, it } from 'vitest';
import { CATEGORIES } from '../scenes/shapes.js';
import { generateSuite } from '../suite/generate.js';
import { informativeness } from '../suite/oracle.js';
import { cameraViewTemplates, degradedViews, unsureShare } from './degraded-views.js';

describe('degraded views for the supervised classifier', () => {
  const eps = generateSuite({ episodes: 8, seed: 5, size: 32, kinds: ['camera', 'sketch', 'corruption'] });

  it('the target is the category at the oracle’s "informative" score and above, "cannot tell" at its "uninformative" score and below, a mix between', () => {
    expect(unsureShare(0.9)).toBe(0);
    expect(unsureShare(0.6)).toBe(0);
    expect(unsureShare(0.45)).toBeCloseTo(0.5, 6);
    expect(unsureShare(0.3)).toBe(1);
    expect(unsureShare(-0.2)).toBe(1);
  });

  it('rebuilds each camera view’s templates as the generator did: the oracle gives every view its recorded score', () => {
    const cam = eps.filter((e) => e.kind === 'camera');
    let n = 0;
    for (const e of cam)
      e.views.forEach((v, i) => {
        const t = cameraViewTemplates(e, i)!;
        const s = informativeness({ image: (v as { image: never }).image, category: CATEGORIES.indexOf(e.categories[e.answer]), templates: t }).score;
        expect(s).toBeCloseTo((e.meta as { scores: number[] }).scores[i], 2);
        n++;
      });
    expect(n).toBeGreaterThan(cam.length); // the windows and the wide views
    expect(cameraViewTemplates(eps.find((e) => e.kind === 'sketch')!, 0)).toBeNull();
  });

  it('draws from the camera kind only, the same pool from the same seed, with the oracle’s verdict on each degraded image as its target', () => {
    const a = degradedViews(eps, 64, 9);
    const b = degradedViews(eps, 64, 9);
    expect(a.map((x) => x.score)).toEqual(b.map((x) => x.score));
    expect(a.map((x) => Array.from(x.image.data.slice(0, 30)))).toEqual(b.map((x) => Array.from(x.image.data.slice(0, 30))));
    expect(new Set(a.map((x) => x.kind))).toEqual(new Set(['camera']));
    for (const x of a) expect(x.unsure).toBe(unsureShare(x.score));
    // severities span both verdicts: some degraded photos still show enough, some do not
    expect(a.some((x) => x.unsure === 0)).toBe(true);
    expect(a.some((x) => x.unsure === 1)).toBe(true);
    expect(new Set(a.map((x) => x.corruption)).size).toBeGreaterThan(4);
    expect(degradedViews(eps.filter((e) => e.kind !== 'camera'), 8, 1)).toEqual([]);
  });
});
