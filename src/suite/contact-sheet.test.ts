import { describe, expect, it } from 'vitest';
import { decodePNG } from '../scenes/codec.js';
import { createImage, type RGBImage } from '../scenes/image.js';
import { contactSheetFont, renderContactSheet } from './contact-sheet.js';
import type { SuiteEpisode, ViewLoader } from './types.js';

/** 64×64 checkerboard of 8-px squares in `color` and white: nearest-neighbour scaling keeps the edges sharp. */
function checker(color: [number, number, number]): RGBImage {
  const img = createImage(64, 64, [255, 255, 255]);
  for (let y = 0; y < 64; y++)
    for (let x = 0; x < 64; x++)
      if (((x >> 3) + (y >> 3)) % 2 === 0) img.data.set(color, (y * 64 + x) * 3);
  return img;
}

const ep: SuiteEpisode = {
  id: 'occlusion-00007',
  kind: 'occlusion',
  question: 'What object is behind the grey block?',
  hint: 'Hint: moving the block may reveal the object.',
  views: [{ image: checker([200, 0, 0]) }, { image: checker([0, 0, 200]) }],
  firstView: 0,
  referenceView: 1,
  categories: ['cat', 'dog', 'house', 'tree'],
  answer: 3,
  interventions: ['Move the block to the left.', 'Move the block to the right.', 'I cannot answer this question.'],
  abstain: [2],
  steps: [
    { offered: [0, 1, 2], next: { 0: 1 } },
    { offered: [1, 2], next: {} },
  ],
  maxTurns: 2,
  informative: [false, true],
  control: false,
  minInterventions: 1,
};

const loader: ViewLoader = async (ref) => {
  if (!('image' in ref)) throw new Error('unexpected path ref');
  return ref.image;
};

describe('renderContactSheet', () => {
  it('draws every view scaled 4× nearest-neighbour, framed by informativeness, with text', async () => {
    const png = await renderContactSheet(ep, loader);
    const sheet = decodePNG(png);
    expect(sheet.width).toBeGreaterThanOrEqual(960);
    expect(contactSheetFont()).toBe('askfirst-sans'); // the shipped DejaVu Sans registered
    const at = (x: number, y: number) => [...sheet.data.subarray((y * sheet.width + x) * 3, (y * sheet.width + x) * 3 + 3)];
    // Find the first tile: the top-left-most pure red pixel.
    let tx = -1;
    let ty = -1;
    outer: for (let y = 0; y < sheet.height; y++)
      for (let x = 0; x < sheet.width; x++) {
        const [r, g, b] = at(x, y);
        if (r === 200 && g === 0 && b === 0) {
          tx = x;
          ty = y;
          break outer;
        }
      }
    expect(tx).toBeGreaterThan(0);
    // 4× scale: a source square of 8 px is 32 px: red on [0, 32), white at 32, red again at 64.
    expect(at(tx + 31, ty + 31)).toEqual([200, 0, 0]);
    expect(at(tx + 32, ty)).toEqual([255, 255, 255]);
    expect(at(tx + 64, ty)).toEqual([200, 0, 0]);
    // Frame colours: uninformative view 0 in red, informative view 1 in green.
    expect(at(tx - 2, ty + 10)).toEqual([0xc0, 0x39, 0x2b]);
    const tx1 = tx + 256 + 14;
    expect(at(tx1 - 2, ty + 10)).toEqual([0x1b, 0x7f, 0x2a]);
    expect(at(tx1, ty)).toEqual([0, 0, 200]);
    // Text was drawn: dark pixels in the header band.
    let dark = 0;
    for (let y = 0; y < 40; y++) for (let x = 0; x < sheet.width; x++) if (at(x, y)[0] < 100) dark++;
    expect(dark).toBeGreaterThan(200);
  });

  it('handles large photos (scaled down) and many views (capped, counted)', async () => {
    const big = createImage(640, 480, [10, 120, 30]);
    const many: SuiteEpisode = {
      ...ep,
      views: Array.from({ length: 30 }, () => ({ image: big })),
      steps: Array.from({ length: 30 }, () => ({ offered: [2], next: {} })),
      informative: undefined,
      referenceView: 29,
    };
    const sheet = decodePNG(await renderContactSheet(many, loader, { maxViews: 4, perRow: 4 }));
    expect(sheet.width).toBeLessThan(2000);
  });
});
