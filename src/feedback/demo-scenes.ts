/**
 * Small demo episodes for the workbench and its tests, drawn with `createImage` and written with
 * `encodePNG` (used until / unless a suite from src/suite is imported): a coloured shape whose
 * first view is degraded by one condition (hidden behind a block, blurred, noisy, darkened, or
 * cut off by the frame) and whose second view, reached by the one valid intervention, is clear.
 * Deterministic by seed. `meta` carries shape, colour and condition for the fact extractor.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Episode } from '../episode/types.js';
import { encodePNG } from '../scenes/codec.js';
import { createImage, type RGBImage } from '../scenes/image.js';
import { SceneRng } from '../util/rng.js';
import { COLOURS } from './facts.js';

export const DEMO_SHAPES = ['triangle', 'square', 'circle', 'pentagon'] as const;
export const DEMO_CONDITIONS = ['occlusion', 'blur', 'noise', 'brightness', 'camera'] as const;

const RGB: Record<string, [number, number, number]> = {
  red: [220, 40, 40],
  green: [40, 170, 60],
  blue: [40, 80, 220],
  yellow: [230, 200, 30],
  purple: [140, 50, 180],
  orange: [240, 130, 20],
};

/** The interventions offered for each condition; the first one is the valid one. */
const INTERVENTIONS: Record<string, string[]> = {
  occlusion: ['Move the block to the left.', 'Move the block up.'],
  blur: ['Sharpen the image.', 'Reduce the noise.', 'Brighten the image.'],
  noise: ['Reduce the noise.', 'Sharpen the image.', 'Brighten the image.'],
  brightness: ['Brighten the image.', 'Sharpen the image.', 'Reduce the noise.'],
  camera: ['Zoom out.', 'Move the camera up.'],
};
const ABSTAIN = 'I cannot answer this question.';

function inside(shape: string, x: number, y: number, cx: number, cy: number, r: number): boolean {
  const dx = x - cx;
  const dy = y - cy;
  if (shape === 'circle') return dx * dx + dy * dy <= r * r;
  if (shape === 'square') return Math.abs(dx) <= r * 0.8 && Math.abs(dy) <= r * 0.8;
  const n = shape === 'triangle' ? 3 : 5;
  // Regular polygon, one vertex up: inside when within the apothem along every edge normal.
  const apothem = r * Math.cos(Math.PI / n);
  for (let k = 0; k < n; k++) {
    const ang = -Math.PI / 2 + ((2 * k + 1) * Math.PI) / n;
    if (dx * Math.cos(ang) + dy * Math.sin(ang) > apothem) return false;
  }
  return true;
}

/** Draw a shape on white. */
export function drawShape(shape: string, colour: string, size = 64, cx = size / 2, cy = size / 2, r = size * 0.34): RGBImage {
  const img = createImage(size, size, [255, 255, 255]);
  const c = RGB[colour];
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      if (inside(shape, x + 0.5, y + 0.5, cx, cy, r)) img.data.set(c, (y * size + x) * 3);
  return img;
}

/** Apply a condition so the view no longer shows the shape clearly. */
export function degrade(img: RGBImage, condition: string, rand: () => number, shape: string, colour: string): RGBImage {
  const { width: w, height: h } = img;
  const out = { width: w, height: h, data: img.data.slice() };
  const px = (x: number, y: number) => (Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))) * 3;
  if (condition === 'occlusion') {
    // A grey block over most of the shape: only a sliver of its right edge (its colour, not its outline) shows.
    for (let y = 2; y < h - 2; y++) for (let x = Math.round(w * 0.08); x < Math.round(w * 0.74); x++) out.data.set([128, 128, 128], (y * w + x) * 3);
  } else if (condition === 'blur') {
    const k = 6;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < 3; ch++) {
          let s = 0;
          for (let dy = -k; dy <= k; dy++) for (let dx = -k; dx <= k; dx++) s += img.data[px(x + dx, y + dy) + ch];
          out.data[(y * w + x) * 3 + ch] = s / ((2 * k + 1) * (2 * k + 1));
        }
  } else if (condition === 'noise') {
    for (let i = 0; i < out.data.length; i++) out.data[i] = Math.max(0, Math.min(255, out.data[i] + (rand() - 0.5) * 400));
  } else if (condition === 'brightness') {
    for (let i = 0; i < out.data.length; i++) out.data[i] = out.data[i] * 0.08;
  } else if (condition === 'camera') {
    return drawShape(shape, colour, w, w * 1.18, h / 2, w * 0.34);
  }
  return out;
}

export interface DemoEpisode extends Episode<RGBImage> {
  meta: { shape: string; colour: string; condition: string };
}

/** `n` demo episodes, deterministic by `seed`. */
export function demoEpisodes(n: number, seed = 1): DemoEpisode[] {
  const rng = SceneRng.fromState(seed);
  const rand = () => rng.next();
  const out: DemoEpisode[] = [];
  for (let i = 0; i < n; i++) {
    const shape = DEMO_SHAPES[Math.floor(rand() * DEMO_SHAPES.length)];
    const colour = COLOURS[Math.floor(rand() * COLOURS.length)];
    const condition = DEMO_CONDITIONS[i % DEMO_CONDITIONS.length];
    const clear = drawShape(shape, colour);
    const ivs = [...INTERVENTIONS[condition], ABSTAIN];
    out.push({
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
    });
  }
  return out;
}

/** Write the episodes' views as PNGs under `imageDir`; returns the episodes with views as relative paths. */
export async function writeDemoImages(eps: readonly DemoEpisode[], imageDir: string): Promise<Episode<string>[]> {
  await mkdir(imageDir, { recursive: true });
  const out: Episode<string>[] = [];
  for (const ep of eps) {
    const views: string[] = [];
    for (let v = 0; v < ep.views.length; v++) {
      const rel = `${ep.id}_v${v}.png`;
      await writeFile(join(imageDir, rel), encodePNG(ep.views[v]));
      views.push(rel);
    }
    out.push({ ...ep, views });
  }
  return out;
}
