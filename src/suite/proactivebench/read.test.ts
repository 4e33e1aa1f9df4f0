/**
 * ProactiveBench layout: a fixture written from scratch (JSONL lines shaped like the real
 * `<Dataset>_preprocessed.jsonl` entries + tiny PNG/JPEG files), played through EpisodeState with
 * scripted replies; the expected outcomes were worked out by hand from environment.py.
 */
import { constants } from 'node:fs';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { EpisodeState } from '../../episode/state.js';
import type { EvalMode } from '../../episode/types.js';
import { CANNOT, putImage as put, quickDrawEntry, tagged, writeProactiveBench } from '../../testing/proactivebench-fixture.js';
import { namedPipe } from '../../testing/named-pipe.js';
import { encodePNG } from '../../scenes/codec.js';
import { createImage } from '../../scenes/image.js';
import { tmpDir } from '../../testing/tmp.js';
import { DataError } from '../../util/errors.js';
import { formatTemplate, roundHalfEven, zfill } from './python.js';
import { filterIds } from './filter.js';
import { corruptionOfAnswer } from './datasets.js';
import { episodeVariant } from '../../episode/variant.js';
import { directoryViewLoader, readProactiveBench } from './read.js';
import type { SuiteEpisode } from '../types.js';

const CATS = ['banana', 'mug', 'phone', 'cup'];
async function jsonl(dir: string, ds: string, lines: unknown[]): Promise<void> {
  await writeFile(join(dir, `${ds}_preprocessed.jsonl`), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

/** Play with scripted replies; returns the record. */
function play(ep: SuiteEpisode, replies: string[], mode: EvalMode = 'proactive') {
  const s = new EpisodeState(ep, mode);
  const shown: string[][] = [];
  for (const r of replies) {
    if (s.done) throw new Error(`episode over before reply "${r}"`);
    shown.push(s.observe().options);
    s.step(r);
  }
  if (!s.done) throw new Error('episode not over after the scripted replies');
  return { rec: s.record(), shown, paths: s.record().views.map((v) => (ep.views[v] as { path: string }).path) };
}

let dir: string;
let eps: Map<string, SuiteEpisode>;

const rodOptions = ['Move the occluding object to the left.', 'Move the occluding object to the right.', CANNOT];

beforeAll(async () => {
  dir = tmpDir('askfirst-pb');
  // ROD: 5 positions, start at 2, reference 0 (PNG).
  for (let i = 0; i < 5; i++) await put(dir, `Realistic-Occlusion-Dataset/images/mug_1/${i}.png`, tagged(10 + i));
  // ROD entry whose image the environment swaps (_fix_corruptions).
  for (const i of [5, 6, 7]) await put(dir, `Realistic-Occlusion-Dataset/natural_bluebl_greenr-banana-s${i}.png`, tagged(20 + i));
  for (const i of [0, 1, 2, 3, 4]) if (i !== 6) await put(dir, `Realistic-Occlusion-Dataset/natural_bluebl_greenr-banana-s${i}.png`, tagged(20 + i));
  await jsonl(dir, 'Realistic-Occlusion-Dataset', [
    {
      id: 3,
      image_template: 'Realistic-Occlusion-Dataset/images/mug_1/{image}.png',
      first_image: 2,
      num_images: 5,
      reference_image: 0,
      prompt: 'What object is hidden behind the occluder?',
      options: rodOptions,
      categories: CATS,
      answer: 'mug',
    },
    {
      id: 4,
      image_template: 'Realistic-Occlusion-Dataset/natural_bluebl_greenr-banana-s{image}.png',
      first_image: 6,
      num_images: 8,
      reference_image: 0,
      prompt: 'What object is hidden behind the occluder?',
      options: rodOptions,
      categories: CATS,
      answer: 'banana',
    },
  ]);
  // ImageNet-C: levels 5..1 (JPEG), reference level 1.
  for (let lv = 1; lv <= 5; lv++) await put(dir, `ImageNet-C/gaussian_blur/${lv}/n01440764_10.JPEG`, tagged(40 + lv));
  const incOptions = ['Increase the brightness of the image.', 'Deblur the image.', 'Denoise the image.', 'Increase the contrast of the image.', CANNOT];
  await jsonl(dir, 'ImageNet-C', [
    {
      id: 2,
      image_template: 'ImageNet-C/gaussian_blur/{level}/n01440764_10.JPEG',
      first_image: 5,
      num_images: 5,
      reference_image: 1,
      prompt: 'What is the main object in the image?',
      options: incOptions,
      quality_answer: 'Deblur the image.',
      categories: ['goldfish', 'tench', 'shark', 'eel'],
      answer: 'tench',
    },
  ]);
  // QuickDraw: 3 stages.
  for (let i = 0; i < 3; i++) await put(dir, `QuickDraw/cat/1234/${zfill(i, 4)}.png`, tagged(60 + i));
  await jsonl(dir, 'QuickDraw', [
    {
      id: 0,
      image_template: 'QuickDraw/cat/1234/{image}.png',
      first_image: 0,
      num_images: 3,
      reference_image: 2,
      prompt: 'What does this drawing depict?',
      options: ['Add more details to the drawing.', CANNOT],
      categories: ['cat', 'dog', 'sun', 'car'],
      answer: 'cat',
    },
  ]);
  // coco2014: one photo, direction up and zoom.
  await put(dir, 'coco2014/val2014/COCO_val2014_000000000042.png', tagged(80));
  await jsonl(dir, 'coco2014', [
    {
      id: 0,
      image_template: 'coco2014/val2014/COCO_val2014_000000000042.png',
      first_image: 0,
      num_images: 1,
      reference_image: 0,
      prompt: 'What object is in the image?',
      options: ['Move the camera up.', CANNOT],
      categories: ['kite', 'bird', 'plane', 'tree'],
      answer: 'kite',
      direction: 'up',
      granularity: 3,
      horizontal_step: 0,
      vertical_step: 4,
      crop: { top: 10, left: 2, height: 20, width: 14 },
    },
    {
      id: 1,
      image_template: 'coco2014/val2014/COCO_val2014_000000000042.png',
      first_image: 0,
      num_images: 1,
      reference_image: 0,
      prompt: 'What object is in the image?',
      options: ['Move farther from the object.', CANNOT],
      categories: ['kite', 'bird', 'plane', 'tree'],
      answer: 'bird',
      direction: 'zoom',
      granularity: 2,
      horizontal_step: 2,
      vertical_step: 2,
      crop: { top: 5, left: 5, height: 10, width: 10 },
    },
  ]);
  // ChangeIt: 4 frames, step 1 (pre-prompt, options removed at the ends).
  for (let i = 0; i < 4; i++) await put(dir, `ChangeIt/videos/abc/${i}.jpg`, tagged(100 + i));
  await jsonl(dir, 'ChangeIt', [
    {
      id: 0,
      image_template: 'ChangeIt/videos/abc/{image}.jpg',
      first_image: 0,
      num_images: 4,
      reference_image: 3,
      step_size: 1,
      max_steps: 4,
      prompt: 'What is the state of the object?',
      options: ['Rewind the video.', 'Wait for the action to happen.', CANNOT],
      categories: ['whole', 'peeled', 'sliced', 'cooked'],
      answer: 'peeled',
    },
  ]);
  // MVP-N: valid_images 10, 11, 12; last turn from the informative folder.
  for (const [inf, i] of [[0, 10], [0, 11], [1, 12]]) await put(dir, `MVP-N/obj7/${inf}/${zfill(i, 4)}.png`, tagged(120 + i));
  await jsonl(dir, 'MVP-N', [
    {
      id: 5,
      image_template: 'MVP-N/obj7/{informative}/{image}.png',
      first_image: 10,
      num_images: 3,
      reference_image: 12,
      valid_images: [10, 11, 12],
      prompt: 'What object is this?',
      options: ['Rotate the object.', CANNOT],
      categories: ['kettle', 'mouse', 'stapler', 'shoe'],
      answer: 'stapler',
    },
  ]);
  // OcclusionDataSet-MM20: 6 kept, 7 not in FILTER, 9 a weak occlusion (skipped).
  for (let i = 0; i < 3; i++) await put(dir, `OcclusionDataSet-MM20/seq1/${zfill(i, 4)}.png`, tagged(140 + i));
  const vsod = (id: number, strong: boolean) => ({
    id,
    image_template: 'OcclusionDataSet-MM20/seq1/{image}.png',
    first_image: 1,
    num_images: 3,
    reference_image: 0,
    strong_occlusions: strong,
    prompt: 'What object is behind the person?',
    options: ['Rewind the video.', 'Wait for the occlusion to disappear.', CANNOT],
    categories: ['chair', 'plant', 'lamp', 'desk'],
    answer: 'lamp',
  });
  await jsonl(dir, 'OcclusionDataSet-MM20', [vsod(6, true), vsod(7, true), vsod(9, false)]);
  eps = new Map((await readProactiveBench(dir)).map((e) => [e.id, e]));
});

describe('helpers', () => {
  it('formats templates and rounds like Python', () => {
    expect(formatTemplate('a/{image}/{{x}}.png', { image: 7 })).toBe('a/7/{x}.png');
    expect(() => formatTemplate('{level}.png', { image: 1 })).toThrow(/level/);
    expect(zfill(7, 4)).toBe('0007');
    expect(zfill(-7, 4)).toBe('-007');
    expect([0.5, 1.5, 2.5, -0.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 0, 2, 3]);
  });
  it('keeps the 7,557 ids of the paper', () => {
    const n = ['Realistic-Occlusion-Dataset', 'OcclusionDataSet-MM20', 'MVP-N', 'ImageNet-C', 'QuickDraw', 'ChangeIt', 'coco2014'].reduce(
      (s, d) => s + filterIds(d)!.size,
      0,
    );
    expect(n).toBe(7557);
  });
});

describe('reading the fixture', () => {
  it('applies the FILTER lists and skip_args by default, and not when disabled', async () => {
    expect([...eps.keys()].sort()).toEqual(['CIT-0', 'COCO-0', 'COCO-1', 'IN-C-2', 'MVP-N-5', 'QD-0', 'ROD-3', 'ROD-4', 'VSOD-6']);
    const all = await readProactiveBench(dir, { filter: false, datasets: ['OcclusionDataSet-MM20'] });
    expect(all.map((e) => e.id)).toEqual(['VSOD-6', 'VSOD-7']); // 9 has strong_occlusions: false
    expect(all[0].kind).toBe('passerby');
    expect(all[0].meta?.dataset).toBe('OcclusionDataSet-MM20');
    await expect(readProactiveBench(dir, { datasets: ['OcclusionDataSet-MM2'] })).rejects.toThrow('unknown ProactiveBench dataset "OcclusionDataSet-MM2" (Did you mean OcclusionDataSet-MM20?); expected one of');
  });

  it('ROD: no answer counts at the first turn; letters and text, left/right modulo num_images', () => {
    const ep = eps.get('ROD-3')!;
    expect(ep.question).toBe('What object is hidden behind the occluder?');
    expect(ep.referenceQuestion).toBe('What type of object is in the image?');
    expect(ep.maxTurns).toBe(5);
    // Right category at the first turn: ProactiveBench scores it wrong.
    expect(play(ep, ['mug']).rec).toMatchObject({ success: false, outcome: 'wrong-category', turns: 1 });
    expect(play(ep, ['E.  Mug']).rec).toMatchObject({ success: false, turns: 1 });
    // "B. mug" is read as the letter B = move right (its text matches no intervention).
    const b = play(ep, ['B. mug', ' e ']);
    expect(b.rec).toMatchObject({ success: true, turns: 2, ps: 1, interventions: 1 });
    expect(b.paths).toEqual(['Realistic-Occlusion-Dataset/images/mug_1/2.png', 'Realistic-Occlusion-Dataset/images/mug_1/3.png']);
    // Left then right comes back to image 2, where the answer now counts.
    const lr = play(ep, ['A. Move the occluding object to the left.', '  move the occluding object to the right.', '  E.   Mug ']);
    expect(lr.rec).toMatchObject({ success: true, turns: 3 });
    expect(lr.rec.views[0]).not.toBe(lr.rec.views[2]);
    expect(lr.paths[0]).toBe(lr.paths[2]);
    // Four moves right wrap 2→3→4→0→1; the fifth turn ends the episode whatever it is.
    const wrap = play(ep, ['b', 'b', 'b', 'b', 'b']);
    expect(wrap.rec).toMatchObject({ success: false, outcome: 'max-turns', turns: 5 });
    expect(wrap.paths.map((p) => p.at(-5))).toEqual(['2', '3', '4', '0', '1']);
    expect(play(ep, ['C']).rec.outcome).toBe('abstain');
    expect(play(ep, ['I cannot answer this question.']).rec.outcome).toBe('abstain');
    expect(play(ep, ['maybe a mug?']).rec.outcome).toBe('unparseable');
    // Reference mode: image 0, categories only, letters from A.
    const ref = play(ep, ['B'], 'reference');
    expect(ref.rec.success).toBe(true);
    expect(ref.paths).toEqual(['Realistic-Occlusion-Dataset/images/mug_1/0.png']);
    expect(ref.shown[0]).toEqual(CATS);
    expect(ep.minInterventions).toBe(2);
  });

  it('ROD: the swapped banana image depends on the last move', () => {
    const ep = eps.get('ROD-4')!;
    const p = play(ep, ['A', 'B', 'B', 'A', 'D']);
    expect(p.paths.map((x) => x.slice(-6))).toEqual(['s7.png', 's5.png', 's7.png', 's7.png', 's5.png']);
    expect(p.rec).toMatchObject({ success: true, turns: 5 });
  });

  it('ImageNet-C: only the quality answer is a valid move; the last turn accepts only a category', () => {
    const ep = eps.get('IN-C-2')!;
    const ok = play(ep, ['B', '  b. Deblur   the image. ', 'Deblur the image.', 'G. tench']);
    expect(ok.rec).toMatchObject({ success: true, turns: 4, ps: 3 });
    expect(ok.paths.map((x) => x.split('/')[2])).toEqual(['5', '4', '3', '2']);
    expect(play(ep, ['B', 'Increase the brightness of the image.']).rec).toMatchObject({ success: false, outcome: 'invalid-intervention', turns: 2 });
    // Fifth turn (level 1): a move is no longer correct.
    expect(play(ep, ['B', 'B', 'B', 'B', 'B']).rec).toMatchObject({ success: false, turns: 5 });
    expect(play(ep, ['B', 'B', 'B', 'B', 'g']).rec).toMatchObject({ success: true, turns: 5 });
    // A correct category at the first turn counts here.
    expect(play(ep, ['G']).rec.success).toBe(true);
    expect(play(ep, ['DEBLUR THE IMAGE.']).rec.outcome).toBe('unparseable'); // the greedy "X." rule eats it, as in Python
    expect(ep.hint).toBe('Hint: enhancing the image quality could help with classification.');
    expect(ep.minInterventions).toBe(4);
    // the entry names no corruption; its valid enhancement does, so results break down per corruption
    expect(ep.meta?.corruption).toBe('blur');
    expect(episodeVariant(ep.meta)).toBe('blur');
  });

  it('ImageNet-C: the variant is the corruption the quality answer undoes, and none when it names no single one', () => {
    expect(corruptionOfAnswer('Increase the color saturation of the image.')).toBe('saturation');
    expect(corruptionOfAnswer('Reduce the JPEG compression artifacts.')).toBeUndefined(); // two actions named: no guess
    expect(corruptionOfAnswer('Increase the image resolution.')).toBe('pixelate');
    expect(corruptionOfAnswer('Sharpen it somehow.')).toBeUndefined();
    for (const other of eps.values()) if (other.kind !== 'corruption') expect(other.meta?.corruption).toBeUndefined();
  });

  it('QuickDraw: details until the last stage', () => {
    const ep = eps.get('QD-0')!;
    const p = play(ep, ['A', 'A. Add more details to the drawing.', 'C']);
    expect(p.rec).toMatchObject({ success: true, turns: 3, ps: 2 });
    expect(p.paths).toEqual(['QuickDraw/cat/1234/0000.png', 'QuickDraw/cat/1234/0001.png', 'QuickDraw/cat/1234/0002.png']);
    expect(ep.referenceView).toBe(2);
    expect(ep.minInterventions).toBe(2);
  });

  it('coco2014 up: crops move up by a growing step; the move disappears at its maximum', async () => {
    const ep = eps.get('COCO-0')!;
    expect(ep.maxTurns).toBe(3);
    const p = play(ep, ['A', 'a', 'B']);
    expect(p.rec).toMatchObject({ success: true, turns: 3 });
    expect(p.shown[2]).toEqual([CANNOT, 'kite', 'bird', 'plane', 'tree']);
    const crops = p.rec.views.map((v) => (ep.views[v] as { crop: unknown }).crop);
    expect(crops).toEqual([
      { left: 2, top: 6, right: 14, bottom: 20 },
      { left: 2, top: 2, right: 14, bottom: 20 },
      { left: 2, top: -2, right: 14, bottom: 20 },
    ]);
    const load = directoryViewLoader(dir);
    const img = await load(ep.views[p.rec.views[2]], ep.id);
    expect([img.width, img.height]).toEqual([12, 22]);
    expect([...img.data.subarray(0, 3)]).toEqual([0, 0, 0]); // above the photo: black
    const row2 = (2 * 12 + 0) * 3;
    expect([...img.data.subarray(row2, row2 + 3)]).toEqual([80, 2, 0]); // photo pixel (2, 0)
    const full = await load(ep.views[ep.referenceView], ep.id);
    expect([full.width, full.height]).toEqual([24, 24]);
    expect(ep.minInterventions).toBe(2);
    expect(ep.hint).toBe('Hint: moving the camera could help with classification.');
  });

  it('coco2014 zoom: both steps grow; "Move farther" goes once the step reaches its maximum', () => {
    const ep = eps.get('COCO-1')!;
    expect(ep.maxTurns).toBe(3);
    const p = play(ep, ['A', 'A', 'C']);
    expect(p.rec).toMatchObject({ success: true, turns: 3 });
    expect(p.rec.views.map((v) => (ep.views[v] as { crop: unknown }).crop)).toEqual([
      { left: 3, top: 3, right: 17, bottom: 17 },
      { left: 1, top: 1, right: 19, bottom: 19 },
      { left: -1, top: -1, right: 21, bottom: 21 },
    ]);
    expect(p.shown[2][0]).toBe(CANNOT);
    expect(ep.hint).toBe('Hint: zooming out could help with classification.');
  });

  it('ChangeIt: no rewind at the first frame, no waiting at the last; pre-prompt added', () => {
    const ep = eps.get('CIT-0')!;
    expect(ep.question).toBe('This is a frame extracted from a video. Answer the following question. What is the state of the object?');
    const p = play(ep, ['A', 'b', 'B. Wait for the action to happen.', 'D']);
    expect(p.shown.map((o) => o.length)).toEqual([6, 7, 7, 6]);
    expect(p.shown[3].slice(0, 2)).toEqual(['Rewind the video.', CANNOT]);
    expect(p.rec).toMatchObject({ success: true, turns: 4, ps: 3 });
    // Rewind at frame 1 goes back to frame 0.
    expect(play(ep, ['A', 'A', 'A', 'D']).paths).toEqual(['ChangeIt/videos/abc/0.jpg', 'ChangeIt/videos/abc/1.jpg', 'ChangeIt/videos/abc/0.jpg', 'ChangeIt/videos/abc/1.jpg']);
    expect(ep.minInterventions).toBe(3);
  });

  it('MVP-N: valid_images by turn, the last one from the informative folder', () => {
    const ep = eps.get('MVP-N-5')!;
    const p = play(ep, ['Rotate the object.', 'A', 'E']);
    expect(p.paths).toEqual(['MVP-N/obj7/0/0010.png', 'MVP-N/obj7/0/0011.png', 'MVP-N/obj7/1/0012.png']);
    expect(p.rec).toMatchObject({ success: true, turns: 3 });
    expect(ep.referenceView).toBe(2);
  });

  it('OcclusionDataSet-MM20: rewind / wait modulo num_images', () => {
    const ep = eps.get('VSOD-6')!;
    const p = play(ep, ['A', 'A', 'f']);
    expect(p.paths).toEqual(['OcclusionDataSet-MM20/seq1/0001.png', 'OcclusionDataSet-MM20/seq1/0000.png', 'OcclusionDataSet-MM20/seq1/0002.png']);
    expect(p.rec).toMatchObject({ success: true, turns: 3 });
  });
});

describe('bad input', () => {
  const fixture = (name: string, lines: string[], images: string[] = []) => writeProactiveBench('askfirst-pb-bad', { [name]: lines }, images);
  const good = quickDrawEntry();
  const cases: [string, string, string[], string[], RegExp][] = [
    ['malformed JSON', 'QuickDraw_preprocessed.jsonl', [JSON.stringify(good), '{"id": 1,'], [], /QuickDraw_preprocessed\.jsonl:2: malformed JSON/],
    ['missing field', 'QuickDraw_preprocessed.jsonl', [JSON.stringify({ ...good, image_template: undefined })], [], /jsonl:1: missing field "image_template" \(entry id 0\)/],
    ['answer not a category', 'QuickDraw_preprocessed.jsonl', [JSON.stringify({ ...good, answer: 'zebra' })], [], /jsonl:1: answer "zebra" is not one of the categories/],
    ['unknown dataset', 'Foo_preprocessed.jsonl', [JSON.stringify(good)], [], /unknown ProactiveBench dataset "Foo"/],
    ['missing image', 'QuickDraw_preprocessed.jsonl', ['', JSON.stringify(good)], ['QD/0000.png'], /QuickDraw_preprocessed\.jsonl:2: image file not found: .*QD\/0001\.png \(episode QD-0\)/],
    ['option naming no move', 'QuickDraw_preprocessed.jsonl', [JSON.stringify({ ...good, options: ['Turn it around.', CANNOT] })], [], /jsonl:1: QuickDraw entry id 0: option "Turn it around\." names none of the moves/],
  ];
  for (const [what, name, lines, images, msg] of cases) {
    it(`${what} → DataError naming file and line`, async () => {
      const d = await fixture(name, lines, images);
      await expect(readProactiveBench(d)).rejects.toThrow(msg);
      await expect(readProactiveBench(d)).rejects.toBeInstanceOf(DataError);
    });
  }
  it('a file saved by a Windows editor (a BOM, CRLF line ends) reads as the one written', async () => {
    const d = await fixture('QuickDraw_preprocessed.jsonl', [], ['QD/0000.png', 'QD/0001.png', 'QD/0002.png']);
    await writeFile(join(d, 'QuickDraw_preprocessed.jsonl'), '\uFEFF' + JSON.stringify(good) + '\r\n\r\n'); // was "…jsonl:1: malformed JSON: Unexpected token '\uFEFF'"
    expect((await readProactiveBench(d)).map((e) => e.id)).toEqual(['QD-0']);
  });

  it('a folder that is not there says how to get the data (it is not shipped)', async () => {
    await expect(readProactiveBench(join(tmpDir('askfirst-pb-none'), 'ProactiveBench', 'test'))).rejects.toThrow(
      /ProactiveBench directory not found: .*download tdemin16\/ProactiveBench from Hugging Face and unzip the archives in its test\/ folder/,
    );
  });

  it('an image that is a folder is said as one, in one line: read at once, or lazily when shown (was "image file not found", and "cannot read image: EISDIR: illegal operation on a directory, read")', async () => {
    const d = await fixture('QuickDraw_preprocessed.jsonl', [JSON.stringify(good)], ['QD/0000.png']);
    await mkdir(join(d, 'QD', '0001.png'));
    await expect(readProactiveBench(d)).rejects.toThrow(/QuickDraw_preprocessed\.jsonl:1: image .*QD\/0001\.png is a folder, not an image file \(episode QD-0\)\. Check/);
    const [ep] = await readProactiveBench(d, { checkImages: 'lazy' });
    await expect(directoryViewLoader(d)(ep.views[1], ep.id)).rejects.toThrow(/^[^\n]*QD\/0001\.png: is a folder, not an image file$/);
  });

  it('an image that is a named pipe or a socket is said as one, in one line, when the images are checked (was "image file not found"); a socket also when shown (was "cannot read image: ENXIO…")', async () => {
    const d = await fixture('QuickDraw_preprocessed.jsonl', [JSON.stringify(good)], ['QD/0000.png']);
    const pipe = namedPipe(join(d, 'QD', '0001.png'));
    await expect(readProactiveBench(d)).rejects.toThrow(/QuickDraw_preprocessed\.jsonl:1: image .*QD\/0001\.png is a named pipe, not an image file \(episode QD-0\)\. Check/);
    const [ep] = await readProactiveBench(d, { checkImages: 'lazy' });
    await rm(pipe);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(d, 'QD', '0001.png'), resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await expect(readProactiveBench(d)).rejects.toThrow(/QuickDraw_preprocessed\.jsonl:1: image .*QD\/0001\.png is a socket, not an image file \(episode QD-0\)\. Check/);
    await expect(directoryViewLoader(d)(ep.views[1], ep.id)).rejects.toThrow(/^[^\n]*QD\/0001\.png: is a socket, not an image file$/);
  });

  it('an image that is a named pipe is refused when shown after a lazy check, before any open (it was read: the step showing it waited for a writer, and its size, 0 to a stat, slipped past the image size limit)', async () => {
    const d = await fixture('QuickDraw_preprocessed.jsonl', [JSON.stringify(good)], ['QD/0000.png']);
    const pipe = namedPipe(join(d, 'QD', '0001.png'));
    const [ep] = await readProactiveBench(d, { checkImages: 'lazy' });
    // a writer that hands the pipe an image once something opens it to read: before, the loader did, and showed it
    const png = encodePNG(createImage(4, 4, [9, 9, 9]));
    const writer = open(pipe, 'w').then(async (w) => {
      try {
        await w.write(png);
      } finally {
        await w.close();
      }
    });
    await expect(directoryViewLoader(d)(ep.views[1], ep.id)).rejects.toThrow(/^[^\n]*QD\/0001\.png: is a named pipe, not an image file$/);
    await (await open(pipe, constants.O_RDONLY | constants.O_NONBLOCK)).close(); // nothing read it: let the waiting writer go
    await writer.catch(() => undefined);
  });

  it('lazy image checks defer a missing file to the loader, naming the episode', async () => {
    const d = await fixture('QuickDraw_preprocessed.jsonl', [JSON.stringify(good)], ['QD/0000.png']);
    const [ep] = await readProactiveBench(d, { checkImages: 'lazy' });
    await expect(directoryViewLoader(d)(ep.views[1], ep.id)).rejects.toThrow(/episode QD-0: image file not found: .*0001\.png/);
  });
});
