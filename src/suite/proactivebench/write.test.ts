/**
 * Round trip: askfirst episodes → writeProactiveBench → readProactiveBench must play identically
 * (same prompt and options each turn, same moves, same outcomes, same pixels) for every reply
 * sequence; and the native-fields report is right for episodes that do and do not fit their
 * dataset's own state machine.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { optionLetter } from '../../episode/parse.js';
import { EpisodeState } from '../../episode/state.js';
import type { EvalMode } from '../../episode/types.js';
import { createImage, type RGBImage } from '../../scenes/image.js';
import { tmpDir } from '../../testing/tmp.js';
import { watchFsyncs } from '../../testing/fsync-watch.js';
import { STAGED_SYNC_BATCH } from '../../util/fsx.js';
import { generateSuite } from '../generate.js';
import { STAGING_DIR } from '../io.js';
import { REPLACING_DIR } from '../replacing.js';
import { directoryViewLoader, readProactiveBench, writeProactiveBench, type WriteProactiveBenchResult } from './read.js';
import type { SuiteEpisode } from '../types.js';

const CANNOT = 'I cannot answer this question.';
const CATS = ['cat', 'dog', 'house', 'tree'];

function img(seed: number): RGBImage {
  const im = createImage(8, 8);
  for (let i = 0; i < im.data.length; i++) im.data[i] = (seed * 37 + i * 11) & 255;
  return im;
}

function ep(id: string, kind: string, interventions: string[], steps: SuiteEpisode['steps'], over: Partial<SuiteEpisode> = {}): SuiteEpisode {
  const n = steps.length;
  return {
    id,
    kind,
    question: 'What object is shown?',
    hint: 'Hint: ask for help.',
    views: steps.map((_, v) => ({ image: img(id.length * 10 + v) })),
    firstView: 0,
    referenceView: n - 1,
    categories: CATS,
    answer: 2,
    interventions,
    abstain: interventions.flatMap((t, i) => (t === CANNOT ? [i] : [])),
    steps,
    maxTurns: n,
    informative: steps.map((_, v) => v === n - 1),
    control: false,
    minInterventions: n - 1,
    ...over,
  };
}

const EPISODES: SuiteEpisode[] = [
  ep('occlusion-00000', 'occlusion', ['Move the block to the left.', 'Move the block to the right.', CANNOT], [
    { offered: [0, 1, 2], next: { 0: 1 } },
    { offered: [0, 1, 2], next: { 0: 2, 1: 0 } },
    { offered: [1, 2], next: { 1: 1 } },
  ]),
  ep('occlusion-00001', 'occlusion', ['Move the block to the left.', 'Move the block to the right.', CANNOT], [{ offered: [0, 1, 2], next: {} }, { offered: [2], next: {} }], {
    control: true,
    minInterventions: 0,
    informative: [true, true],
    maxTurns: 2,
  }),
  // Fits ImageNet-C's own state machine exactly.
  ep(
    'corruption-00000',
    'corruption',
    ['Increase the brightness of the image.', 'Deblur the image.', 'Denoise the image.', 'Increase the contrast of the image.', CANNOT],
    [
      { offered: [0, 1, 2, 3, 4], next: { 1: 1 } },
      { offered: [0, 1, 2, 3, 4], next: {} },
    ],
    { hint: 'Hint: enhancing the image quality could help with classification.' },
  ),
  // Fits QuickDraw's own state machine exactly.
  ep('sketch-00000', 'sketch', ['Add more details to the drawing.', CANNOT], [
    { offered: [0, 1], next: { 0: 1 } },
    { offered: [0, 1], next: { 0: 2 } },
    { offered: [0, 1], next: {} },
  ], { hint: 'Hint: Adding more details to the quickdraw could help with classification.' }),
  ep('camera-00000', 'camera', ['Move the camera up.', 'Move the camera down.', 'Move farther from the object.', CANNOT], [
    { offered: [0, 1, 2, 3], next: { 0: 1, 2: 2 } },
    { offered: [1, 2, 3], next: { 2: 2 } },
    { offered: [3], next: {} },
  ]),
  ep('passerby-00000', 'passerby', ['Rewind the video.', 'Wait for the person to walk away.', CANNOT], [
    { offered: [0, 1, 2], next: { 1: 1 } },
    { offered: [0, 1, 2], next: { 0: 0, 1: 2 } },
    { offered: [0, 2], next: { 0: 1 } },
  ]),
  ep('late-event-00000', 'late-event', ['Rewind the video.', 'Wait for the action to happen.', CANNOT], [
    { offered: [1, 2], next: { 1: 1 } },
    { offered: [0, 1, 2], next: { 0: 0, 1: 2 } },
    { offered: [0, 2], next: { 0: 1 } },
  ], { question: 'This is a frame extracted from a video. Answer the following question. What will the object be?' }),
  ep('viewpoint-00000', 'viewpoint', ['Rotate the object.', 'View it from a different angle.', CANNOT], [
    { offered: [0, 1, 2], next: { 0: 1, 1: 1 } },
    { offered: [0, 1, 2], next: { 0: 2 } },
    { offered: [2], next: {} },
  ]),
  ep('odd-00000', 'weird-kind', ['Do something.', CANNOT], [{ offered: [0, 1], next: {} }]),
];

/** Every reply sequence: at each turn each option letter, the text of each option with odd spacing, and garbage. */
function allSequences(e: SuiteEpisode, mode: EvalMode): string[][] {
  const out: string[][] = [];
  const walk = (prefix: string[]) => {
    const s = new EpisodeState(e, mode);
    for (const r of prefix) s.step(r);
    if (s.done) return void out.push(prefix);
    const o = s.observe().options;
    const replies = [...o.map((_, i) => `${optionLetter(i)}.`), ...o.map((t) => `  ${t.toUpperCase().replace(/ /g, '   ')} `), 'no idea'];
    for (const r of replies) walk([...prefix, r]);
  };
  walk([]);
  return out;
}

function trace(e: SuiteEpisode, mode: EvalMode, replies: string[]) {
  const s = new EpisodeState(e, mode);
  const prompts: string[] = [];
  for (const r of replies) {
    prompts.push(s.observe().prompt);
    s.step(r);
  }
  const { id: _id, ...rec } = s.record();
  return { prompts, rec };
}

let dir: string;
let result: WriteProactiveBenchResult;
let back: Map<string, SuiteEpisode>;

beforeAll(async () => {
  dir = tmpDir('askfirst-pbw');
  result = await writeProactiveBench(dir, EPISODES);
  back = new Map((await readProactiveBench(dir)).map((e) => [e.id, e]));
});

describe('writeProactiveBench', () => {
  it('writes one JSONL per dataset, native fields included, and skips unknown kinds with a reason', async () => {
    expect(result.files.map((f) => [f.dataset, f.episodes])).toEqual([
      ['Realistic-Occlusion-Dataset', 2],
      ['OcclusionDataSet-MM20', 1],
      ['MVP-N', 1],
      ['ImageNet-C', 1],
      ['QuickDraw', 1],
      ['ChangeIt', 1],
      ['coco2014', 1],
    ]);
    expect(result.skipped).toEqual([{ id: 'odd-00000', kind: 'weird-kind', reason: expect.stringMatching(/no ProactiveBench dataset/) }]);
    const inc = JSON.parse((await readFile(join(dir, 'ImageNet-C_preprocessed.jsonl'), 'utf8')).trim());
    expect(inc).toMatchObject({
      id: 2, // the first id of ProactiveBench's ImageNet-C FILTER list
      image_template: 'ImageNet-C/corruption-00000/{level}.png',
      first_image: 2,
      num_images: 2,
      reference_image: 1,
      quality_answer: 'Deblur the image.',
      answer: 'house',
    });
    const cit = JSON.parse((await readFile(join(dir, 'ChangeIt_preprocessed.jsonl'), 'utf8')).trim());
    expect(cit.prompt).toBe('What will the object be?'); // the dataset's pre-prompt is not stored twice
    expect(back.size).toBe(EPISODES.length - 1);
  });

  it('reports which entries their own environment would play identically', () => {
    expect(result.native['ImageNet-C']).toEqual({ identical: 1, total: 1 });
    expect(result.native.QuickDraw).toEqual({ identical: 1, total: 1 });
    expect(result.native['Realistic-Occlusion-Dataset']).toEqual({ identical: 0, total: 2 }); // ROD's first turn accepts no answer
    expect(result.native.coco2014).toEqual({ identical: 0, total: 1 });
  });

  it('reads back episodes that play identically, reply for reply, with the same pixels', async () => {
    const load = directoryViewLoader(dir);
    let sequences = 0;
    for (const orig of EPISODES.filter((e) => e.kind !== 'weird-kind')) {
      const got = back.get(orig.id)!;
      expect(got).toBeDefined();
      expect({ kind: got.kind, control: got.control, minInterventions: got.minInterventions, informative: got.informative }).toEqual({
        kind: orig.kind,
        control: orig.control,
        minInterventions: orig.minInterventions,
        informative: orig.informative,
      });
      for (const mode of ['proactive', 'hint', 'reference'] as EvalMode[]) {
        for (const seq of allSequences(orig, mode)) {
          expect(trace(got, mode, seq), `${orig.id} ${mode} ${JSON.stringify(seq)}`).toEqual(trace(orig, mode, seq));
          sequences++;
        }
      }
      for (let v = 0; v < orig.views.length; v++) {
        const px = await load(got.views[v], got.id);
        expect(Buffer.from(px.data).equals(Buffer.from((orig.views[v] as { image: RGBImage }).image.data))).toBe(true);
      }
    }
    expect(sequences).toBe(800);
  });

  it('native reading of the written files replays the dataset state machine', async () => {
    const nat = new Map((await readProactiveBench(dir, { native: true, datasets: ['ImageNet-C', 'QuickDraw'] })).map((e) => [e.meta?.sourceId, e]));
    const qd = nat.get(0)!;
    expect(qd.id).toBe('QD-0');
    const orig = EPISODES.find((e) => e.id === 'sketch-00000')!;
    for (const seq of allSequences(orig, 'proactive')) {
      const pick = ({ outcome, turns, views, interventions, actions }: ReturnType<typeof trace>['rec']) => ({ outcome, turns, views, interventions, actions });
      expect(pick(trace(qd, 'proactive', seq).rec)).toEqual(pick(trace(orig, 'proactive', seq).rec));
    }
  });
});

/** Every file under `dir` (relative path → sha256), the staging folder included. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rel of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, rel);
    if (statSync(p).isFile()) out.set(rel, createHash('sha256').update(readFileSync(p)).digest('hex'));
  }
  return out;
}

describe('writeProactiveBench, streaming', () => {
  it('syncs the staged images together before moving them into place, not each in turn (an fsync per image, waited on)', async () => {
    const d = tmpDir('askfirst-pbw-sync');
    const fsyncs = await watchFsyncs(fileURLToPath(import.meta.url));
    const r = await writeProactiveBench(d, generateSuite({ episodes: 3, seed: 2, size: 32, kinds: ['sketch', 'camera'] }));
    expect(r.images).toBeGreaterThan(1);
    expect(r.images).toBeLessThan(STAGED_SYNC_BATCH); // one batch: all at once
    expect(fsyncs.maxInFlight).toBe(r.images); // before: one writeFileAtomic each, one fsync in flight at a time
    expect(fsyncs.calls).toBe(r.images + r.files.length); // and each dataset's index
  });
  it('writes each episode as it comes into the staging folder, the earlier files in dir untouched until the last one', async () => {
    const d = tmpDir('askfirst-pbw-stream');
    await writeProactiveBench(d, generateSuite({ episodes: 1, seed: 1, size: 32, kinds: ['sketch'] }));
    const before = snapshot(d);
    const eps = generateSuite({ episodes: 3, seed: 2, size: 32, kinds: ['sketch', 'camera'] });
    const seen: { staged: number; earlier: Map<string, string> }[] = [];
    async function* one(): AsyncGenerator<SuiteEpisode> {
      for (const e of eps) {
        const now = snapshot(d);
        seen.push({ staged: [...now.keys()].filter((k) => k.startsWith(`${STAGING_DIR}/`) && k.endsWith('.png')).length, earlier: new Map([...now].filter(([k]) => !k.startsWith(`${STAGING_DIR}/`))) });
        yield e;
      }
    }
    const r = await writeProactiveBench(d, one());
    expect(seen.map((s) => s.staged > 0)).toEqual([false, true, true, true, true, true]); // each earlier episode's PNGs were on disk
    for (const s of seen) expect(s.earlier).toEqual(before); // and the earlier write was as it was meanwhile
    expect(r.files.map((f) => [f.dataset, f.episodes])).toEqual([['QuickDraw', 3], ['coco2014', 3]]);
    expect((await readProactiveBench(d)).map((e) => e.id).sort()).toEqual(eps.map((e) => e.id).sort());
    expect(existsSync(join(d, STAGING_DIR))).toBe(false);
  });

  it('writes the same bytes from a generator as from an array', async () => {
    const a = tmpDir('askfirst-pbw-arr');
    const b = tmpDir('askfirst-pbw-gen');
    const eps = generateSuite({ episodes: 2, seed: 3, size: 32, kinds: ['occlusion', 'corruption', 'viewpoint'] });
    const ra = await writeProactiveBench(a, eps);
    const rb = await writeProactiveBench(b, (function* () { yield* eps; })());
    expect(snapshot(b)).toEqual(snapshot(a));
    expect({ ...rb, files: rb.files.map((f) => f.episodes) }).toEqual({ ...ra, files: ra.files.map((f) => f.episodes) });
  });
});

describe('an interrupted writeProactiveBench', () => {
  it('stopped while episodes are still coming leaves an earlier write as it was, byte for byte, and no staging folder', async () => {
    const d = tmpDir('askfirst-pbw-cut');
    const eps = generateSuite({ episodes: 2, seed: 0, size: 32, kinds: ['sketch'] });
    await writeProactiveBench(d, eps);
    const before = snapshot(d);
    // the second episode's views come from a loader that fails: the write stops after the first episode's images
    const cut = [eps[0], { ...eps[1], views: eps[1].views.map((_, v) => ({ path: `gone_${v}.png` })) }];
    await expect(writeProactiveBench(d, cut, { loader: async () => Promise.reject(new Error('killed')) })).rejects.toThrow('killed');
    expect(snapshot(d)).toEqual(before);
    expect((await readProactiveBench(d)).length).toBe(2);
  });

  it('stopped while replacing leaves no index of the datasets it was rewriting, so the half-replaced folder is not read as data', async () => {
    const d = tmpDir('askfirst-pbw-cut2');
    const eps = generateSuite({ episodes: 2, seed: 0, size: 32, kinds: ['sketch'] });
    await writeProactiveBench(d, eps);
    const stop = () => {
      throw new Error('killed');
    };
    await expect(writeProactiveBench(d, eps, { onImageMoved: stop })).rejects.toThrow('killed');
    expect(await readProactiveBench(d).then((e) => e.length, () => 0)).toBe(0);
  });
});

describe('writeProactiveBench over an earlier write', () => {
  it("removes the images the earlier indexes named that the new output does not use, and leaves files they did not name and other datasets' files", async () => {
    const files = (root: string) => [...snapshot(root).keys()].filter((k) => !k.endsWith('_preprocessed.jsonl')).sort();
    const kinds = ['occlusion', 'passerby', 'viewpoint', 'corruption', 'sketch', 'late-event'] as const;
    const d = tmpDir('askfirst-pbw-over');
    await writeProactiveBench(d, generateSuite({ episodes: 3, seed: 0, size: 32, kinds: [...kinds, 'camera'] }));
    const coco = files(d).filter((k) => k.startsWith('coco2014/')); // a dataset the new write leaves alone
    const mine = ['QuickDraw/mine.png', `${files(d).find((k) => k.startsWith('MVP-N/'))!.split('/').slice(0, 2).join('/')}/notes.txt`];
    for (const rel of mine) writeFileSync(join(d, rel), 'a file of the user'); // not named by the earlier indexes
    const before = files(d).length;
    const next = generateSuite({ episodes: 1, seed: 1, size: 32, kinds: [...kinds] });
    await writeProactiveBench(d, next);
    const fresh = tmpDir('askfirst-pbw-fresh'); // what the new write is on its own
    await writeProactiveBench(fresh, next);
    expect(files(d)).toEqual([...files(fresh), ...coco, ...mine].sort());
    expect(before).toBeGreaterThan(files(d).length);
    const camera = generateSuite({ episodes: 3, seed: 0, size: 32, kinds: ['camera'] });
    expect((await readProactiveBench(d)).map((e) => e.id).sort()).toEqual([...next, ...camera].map((e) => e.id).sort());
    const folders = (readdirSync(d, { recursive: true }) as string[]).filter((k) => statSync(join(d, k)).isDirectory());
    expect(folders.filter((k) => readdirSync(join(d, k)).length === 0)).toEqual([]); // the removed episodes' folders went too
  });

  it('an earlier index with a lone \\r between an entry’s fields names its images as eval reads it (one entry, not two malformed lines)', async () => {
    const files = (root: string) => [...snapshot(root).keys()].filter((k) => !k.endsWith('_preprocessed.jsonl')).sort();
    const d = tmpDir('askfirst-pbw-over-cr');
    await writeProactiveBench(d, generateSuite({ episodes: 3, seed: 0, size: 32, kinds: ['sketch'] }));
    const index = join(d, 'QuickDraw_preprocessed.jsonl');
    const lines = readFileSync(index, 'utf8').trimEnd().split('\n');
    writeFileSync(index, lines.map((l) => l.replace(',"prompt"', ',\r"prompt"')).join('\r\n') + '\r\n'); // as a hand edit saved it
    expect((await readProactiveBench(d)).length).toBe(3); // eval reads every entry
    const next = generateSuite({ episodes: 1, seed: 1, size: 32, kinds: ['sketch'] });
    await writeProactiveBench(d, next);
    const fresh = tmpDir('askfirst-pbw-over-cr-fresh');
    await writeProactiveBench(fresh, next);
    expect(files(d)).toEqual(files(fresh)); // the earlier entries' images are gone: they had all been kept, the index read as unreadable
  });

  it('stopped while replacing (the earlier indexes set aside, their images not yet removed), the next write removes them', async () => {
    const files = (root: string) => [...snapshot(root).keys()].filter((k) => !k.endsWith('_preprocessed.jsonl')).sort();
    const kinds = ['occlusion', 'sketch'] as ('occlusion' | 'sketch')[];
    const d = tmpDir('askfirst-pbw-over-cut');
    await writeProactiveBench(d, generateSuite({ episodes: 3, seed: 0, size: 32, kinds }));
    writeFileSync(join(d, 'QuickDraw', 'mine.png'), 'a file of the user');
    const next = generateSuite({ episodes: 1, seed: 1, size: 32, kinds });
    let moved = 0;
    const kill = () => {
      if (++moved === 2) throw new Error('killed'); // a kill while the new images are moved in: the earlier indexes are gone from d
    };
    await expect(writeProactiveBench(d, next, { onImageMoved: kill })).rejects.toThrow('killed');
    expect(readdirSync(join(d, REPLACING_DIR)).sort()).toEqual(['QuickDraw_preprocessed.jsonl', 'Realistic-Occlusion-Dataset_preprocessed.jsonl']); // the record of what to remove
    await writeProactiveBench(d, next); // run again
    const fresh = tmpDir('askfirst-pbw-over-cut-fresh');
    await writeProactiveBench(fresh, next);
    expect(files(d)).toEqual([...files(fresh), 'QuickDraw/mine.png'].sort());
    expect(existsSync(join(d, REPLACING_DIR))).toBe(false);
  });
});
