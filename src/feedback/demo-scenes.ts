/**
 * Small demo episodes for the workbench and its tests (used until / unless a suite from src/suite
 * is imported): a coloured shape of the suite's categories on white whose first view is degraded
 * by one condition (hidden behind a block, blurred, noisy, darkened, or cut off by the frame) and
 * whose second view, reached by the one valid intervention, is clear. Drawn with the suite's own
 * primitives (scenes/masks, scenes/draw, scenes/corrupt) — the episodes are simpler than the
 * suite's (one clear view, one valid intervention), not another world. Deterministic by seed.
 * `meta` carries shape, colour and condition for the fact extractor.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Episode } from '../episode/types.js';
import { encodePNG } from '../scenes/codec.js';
import { gaussianBlur, gaussianNoise, scaleBrightness } from '../scenes/corrupt.js';
import { fillMask, fillRect, hsv } from '../scenes/draw.js';
import { cloneImage, createImage, type RGBImage } from '../scenes/image.js';
import { categoryMask } from '../scenes/masks.js';
import { categoryIndex } from '../scenes/shapes.js';
import { OBJECT_COLOURS } from '../suite/multi-object.js';
import { writeFileAtomic } from '../util/fsx.js';
import { SceneRng } from '../util/rng.js';
import { COLOURS } from './facts.js';

export const DEMO_SHAPES = ['triangle', 'square', 'circle', 'star'] as const;
export const DEMO_CONDITIONS = ['occlusion', 'blur', 'noise', 'brightness', 'camera'] as const;


/** The interventions offered for each condition; the first one is the valid one. */
const INTERVENTIONS: Record<string, string[]> = {
  occlusion: ['Move the block to the left.', 'Move the block up.'],
  blur: ['Sharpen the image.', 'Reduce the noise.', 'Brighten the image.'],
  noise: ['Reduce the noise.', 'Sharpen the image.', 'Brighten the image.'],
  brightness: ['Brighten the image.', 'Sharpen the image.', 'Reduce the noise.'],
  camera: ['Zoom out.', 'Move the camera up.'],
};
const ABSTAIN = 'I cannot answer this question.';

/** A shape of the suite's categories on white in one of the probes' named colours, centred at (cx, cy) with radius r (pixels). */
export function drawShape(shape: string, colour: string, size = 64, cx = size / 2, cy = size / 2, r = size * 0.34): RGBImage {
  const img = createImage(size, size, [255, 255, 255]);
  fillMask(img, categoryMask(categoryIndex(shape), { cx, cy, r, sx: 1, sy: 1 }), hsv(...OBJECT_COLOURS[colour]));
  return img;
}

/** Apply a condition so the view no longer shows the shape clearly. */
export function degrade(img: RGBImage, condition: string, rand: () => number, shape: string, colour: string): RGBImage {
  const { width: w, height: h } = img;
  switch (condition) {
    case 'occlusion': {
      // A grey block over most of the shape: only a sliver of its right edge (its colour, not its outline) shows.
      const out = cloneImage(img);
      fillRect(out, w * 0.08, 2, w * 0.74, h - 2, [128, 128, 128]);
      return out;
    }
    case 'blur':
      return gaussianBlur(img, w * 0.06);
    case 'noise':
      return gaussianNoise(img, 115, Math.floor(rand() * 2 ** 31));
    case 'brightness':
      return scaleBrightness(img, 0.08);
    case 'camera':
      return drawShape(shape, colour, w, w * 1.18, h / 2, w * 0.34);
    default:
      throw new RangeError(`unknown demo condition "${condition}" (known: ${DEMO_CONDITIONS.join(', ')})`);
  }
}

export interface DemoEpisode extends Episode<RGBImage> {
  meta: { shape: string; colour: string; condition: string };
}

/** `n` demo episodes, deterministic by `seed`. */
export function demoEpisodes(n: number, seed = 1): DemoEpisode[] {
  return [...drawDemoEpisodes(n, seed)];
}

/**
 * `demoEpisodes` drawn one at a time as they are asked for, the same episodes: drawing 1500 takes seconds, so a caller
 * that hands the event loop a turn between them (or writes each) hears Ctrl-C meanwhile (cli/signals.ts).
 */
export function* drawDemoEpisodes(n: number, seed = 1): Generator<DemoEpisode> {
  const rng = SceneRng.fromState(seed);
  const rand = () => rng.next();
  for (let i = 0; i < n; i++) {
    const shape = DEMO_SHAPES[Math.floor(rand() * DEMO_SHAPES.length)];
    const colour = COLOURS[Math.floor(rand() * COLOURS.length)];
    const condition = DEMO_CONDITIONS[i % DEMO_CONDITIONS.length];
    const clear = drawShape(shape, colour);
    const ivs = [...INTERVENTIONS[condition], ABSTAIN];
    yield {
      id: `demo-${seed}-${i}`,
      kind: condition === 'occlusion' || condition === 'camera' ? condition : 'corruption',
      question: 'Which shape is shown in the image?',
      views: [degrade(clear, condition, rand, shape, colour), clear],
      firstView: 0,
      referenceView: 1,
      categories: [...DEMO_SHAPES],
      answer: DEMO_SHAPES.indexOf(shape),
      interventions: ivs,
      abstain: [ivs.length - 1],
      steps: [
        { offered: ivs.map((_, j) => j), next: { 0: 1 } },
        { offered: [], next: {} },
      ],
      maxTurns: 2,
      informative: [false, true],
      control: false,
      minInterventions: 1,
      meta: { shape, colour, condition },
    };
  }
}

/** Write the episodes' views as PNGs under `imageDir` (as they are drawn, when `eps` draws them); returns the episodes with views as relative paths. `signal` stops it between two episodes (it rejects). */
export async function writeDemoImages(eps: Iterable<DemoEpisode>, imageDir: string, signal?: AbortSignal): Promise<Episode<string>[]> {
  await mkdir(imageDir, { recursive: true });
  const out: Episode<string>[] = [];
  for (const ep of eps) {
    signal?.throwIfAborted();
    const views: string[] = [];
    for (let v = 0; v < ep.views.length; v++) {
      const rel = `${ep.id}_v${v}.png`;
      await writeFileAtomic(join(imageDir, rel), encodePNG(ep.views[v])); // an item already labelled may show it
      views.push(rel);
    }
    out.push({ ...ep, views });
  }
  return out;
}
