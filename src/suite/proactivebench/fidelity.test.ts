/**
 * ProactiveBench fidelity found by replaying environment.py (issue 20): bad entries are skipped and
 * reported (ProactiveBench fails only that episode), `image_template` format specs, and a move on
 * COCO's last turn counted valid.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { playEpisode } from '../../testing/play-episode.js';
import { CANNOT, quickDrawEntry, writeProactiveBench } from '../../testing/proactivebench-fixture.js';
import { loadData } from '../open.js';
import { buildNativeEpisode } from './build.js';
import { formatSpec, formatTemplate } from './python.js';
import { checkEntry } from './datasets.js';
import { loadProactiveBench, readProactiveBench } from './read.js';

const qd = quickDrawEntry;
const fixture = (files: Record<string, string[]>, images: string[]) => writeProactiveBench('askfirst-pb-skip', files, images);

describe('a bad ProactiveBench entry is reported and skipped', () => {
  const images = ['QD/0000.png', 'QD/0001.png', 'QD/0002.png', 'QD/0003.png', 'MVPN/0/0010.png', 'MVPN/1/0011.png'];
  const files = {
    'QuickDraw_preprocessed.jsonl': [
      JSON.stringify(qd(0)),
      JSON.stringify(qd(2, { options: ['Turn it around.', CANNOT] })), // an option naming no move
      '{"id": 2,', // malformed line
      JSON.stringify(qd(0, { first_image: 2, reference_image: 3 })), // duplicate id
      JSON.stringify(qd(3, { image_template: 'QD/missing-{image}.png' })), // image never extracted
      JSON.stringify(qd(4, { first_image: 2, reference_image: 3 })),
    ],
    'MVP-N_preprocessed.jsonl': [
      // a short valid_images: turn 2 needs valid_images[1]
      JSON.stringify({ id: 5, image_template: 'MVPN/{informative}/{image}.png', first_image: 10, num_images: 3, reference_image: 12, prompt: 'What?', options: ['Rotate the object.', CANNOT], categories: ['a', 'b'], answer: 'a', valid_images: [10] }),
    ],
  };

  it('loadProactiveBench keeps the good entries and lists every bad one with file, line and reason', async () => {
    const d = await fixture(files, images);
    const { episodes, skipped } = await loadProactiveBench(d, { filter: false });
    expect(episodes.map((e) => e.id)).toEqual(['QD-0', 'QD-4']);
    const qdFile = join(d, 'QuickDraw_preprocessed.jsonl');
    expect(skipped.map((s) => [s.file === qdFile ? 'QD' : 'MVP-N', s.line, s.id ?? null])).toEqual([
      ['MVP-N', 1, 'MVP-N-5'],
      ['QD', 2, 'QD-2'],
      ['QD', 3, null],
      ['QD', 4, 'QD-0'],
      ['QD', 5, 'QD-3'],
    ]);
    const reasons = skipped.map((s) => s.reason);
    expect(reasons[0]).toMatch(/MVP-N_preprocessed\.jsonl:1: .*valid_images has 1 ids but turn 2 needs valid_images\[1\]/);
    expect(reasons[1]).toMatch(/QuickDraw_preprocessed\.jsonl:2: .*option "Turn it around\." names none of the moves/);
    expect(reasons[2]).toMatch(/QuickDraw_preprocessed\.jsonl:3: malformed JSON/);
    expect(reasons[3]).toMatch(/QuickDraw_preprocessed\.jsonl:4: duplicate episode id QD-0 \(first at .*:1\)/);
    expect(reasons[4]).toMatch(/QuickDraw_preprocessed\.jsonl:5: episode QD-3: image file not found: .*missing-0000\.png/);
    // the strict reader still stops at the first one
    await expect(readProactiveBench(d, { filter: false })).rejects.toThrow(/valid_images has 1 ids/);
  });

  it('--data reports skipped entries, and --kinds leaves out other datasets’ problems', async () => {
    const d = await fixture(files, images);
    const all = await loadData(`proactivebench:${d}`); // ids 0, 2, 3, 4 (QuickDraw) and 5 (MVP-N) are in ProactiveBench's FILTER lists

    expect(all.episodes.map((e) => e.id)).toEqual(['QD-0', 'QD-4']);
    expect(all.skipped).toHaveLength(5);
    const sketch = await loadData(`proactivebench:${d}`, { kinds: ['sketch'] });
    expect(sketch.skipped.map((s) => s.dataset)).toEqual(['QuickDraw', 'QuickDraw', 'QuickDraw', 'QuickDraw']);
  });
});

describe('image_template format specs, as Python str.format', () => {
  it('applies {image:02d}, fill/align/sign/width and !r, and refuses what Python refuses', () => {
    expect(formatTemplate('R/{image:02d}.png', { image: 7 })).toBe('R/07.png');
    expect(formatTemplate('R/{image:>4}-{image!s:<3}|{{x}}', { image: 7 })).toBe('R/   7-7  |{x}');
    expect(() => formatTemplate('R/{image:02d}.png', { image: '0007' })).toThrow(/unknown format code 'd' for object of type 'str'/);
  });

  it('agrees with Python format() on every spec', (ctx) => {
    const cases: [string | number, string][] = [[7, '02d'], [7, '04'], [123, '02d'], [7, '>5'], [7, '^5'], [7, '*^6'], [-7, '05d'], [7, '+d'], [255, '#x'], [255, '08b'], [1234567, ','], [7, '.2f'], ['ab', '5'], ['ab', '>5'], ['ab', '05'], ['abcdef', '.3'], [42, '=+6'], [5, '#o']];
    let py: string;
    try {
      py = execFileSync('python3', ['-c', 'import json,sys\nprint(json.dumps([format(v, s) for v, s in json.loads(sys.stdin.read())]))'], { input: JSON.stringify(cases), encoding: 'utf8' });
    } catch {
      ctx.skip();
      return;
    }
    expect(cases.map(([v, s]) => formatSpec(v, s))).toEqual(JSON.parse(py));
  });
});

describe('coco2014: a move on the last turn', () => {
  it('counts as a valid move, and the episode then stops on the turn limit (as COCO2014Environment)', () => {
    // zoom, granularity 3: 4 turns; with a step of 0.7 the float step after 3 moves (2.7999999999999994)
    // never equals the maximum (2.8), so "Move farther" is still offered, and correct, on the last turn
    const entry = checkEntry(
      {
        id: 9,
        image_template: 'coco/x.png',
        first_image: 0,
        num_images: 1,
        reference_image: 0,
        prompt: 'What object is in the image?',
        options: ['Move farther from the object.', CANNOT],
        categories: ['kite', 'bird'],
        answer: 'bird',
        direction: 'zoom',
        granularity: 3,
        horizontal_step: 0.7,
        vertical_step: 0.7,
        crop: { top: 20, left: 20, height: 10, width: 10 },
      },
      'coco2014',
      'coco.jsonl',
      1,
    );
    const ep = buildNativeEpisode('coco2014', entry, 'COCO-9', { file: 'coco.jsonl', line: 1 });
    expect(ep.maxTurns).toBe(4);
    const rec = playEpisode(ep, 'proactive', () => 'A');
    expect(rec.outcome).toBe('max-turns');
    expect(rec.turns).toBe(4);
    expect(rec.actions.map((a) => a.type === 'intervention' && a.valid)).toEqual([true, true, true, true]);
    expect(rec.interventions).toBe(4);
  });
});
