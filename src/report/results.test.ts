/** results.json: schema validation, I/O round trip, and the helpers that compute its figures. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chainEpisode } from '../testing/chain-episode.js';
import { playEpisode } from '../testing/play-episode.js';
import { headlineRows } from './headline.js';
import { summarize, type Metrics, type Summary } from '../episode/metrics.js';
import type { EpisodeRecord } from '../episode/types.js';
import { decodePNG } from '../scenes/codec.js';
import { DataError, NotFoundError } from '../util/errors.js';
import {
  accuracyOver,
  askVsGuess,
  finiteOrNull,
  gapClosedSplit,
  headlineFigures,
  overKinds,
} from './data.js';
import { buildExample, pickExampleIds } from './examples.js';
import { fakeResults } from '../testing/report-fixture.js';
import { tmpDir } from '../testing/tmp.js';
import { metricsOf } from '../testing/metrics-fixture.js';
import { parseResults, readResults, RESULTS_FILE, writeResults } from './results-io.js';


const m = metricsOf;
function s(byKind: Record<string, Metrics>): Summary {
  const ms = Object.values(byKind);
  const n = ms.reduce((a, x) => a + x.episodes, 0);
  return { ...m(n, ms.reduce((a, x) => a + x.accuracy * x.episodes, 0) / n), byKind };
}

describe('results schema', () => {
  it('accepts the fixture after a JSON round trip', () => {
    const r = fakeResults();
    expect(parseResults(JSON.parse(JSON.stringify(r)))).toEqual(r);
  });

  it('rejects a bad field and names it', () => {
    const r = JSON.parse(JSON.stringify(fakeResults()));
    r.accuracy.after.byKind.camera = 1.7;
    expect(() => parseResults(r, 'x/results.json')).toThrow(DataError);
    expect(() => parseResults(r, 'x/results.json')).toThrow(
      /x\/results\.json: .*accuracy\.after\.byKind\.camera/,
    );
    const r2 = JSON.parse(JSON.stringify(fakeResults()));
    delete r2.gapClosed;
    expect(() => parseResults(r2)).toThrow(/gapClosed/);
    const r3 = JSON.parse(JSON.stringify(fakeResults()));
    r3.examples[0].after.turns[0].action = { type: 'intervention', option: 0 };
    expect(() => parseResults(r3)).toThrow(/examples\.0\.after\.turns\.0\.action/);
  });

  it('reads a results.json written before controlAbstain was recorded: null there (unknown, printed –), not a failure', () => {
    const r = JSON.parse(JSON.stringify(fakeResults()));
    const after = r.summaries.after as Record<string, unknown> & { byKind: Record<string, Record<string, unknown>> };
    expect(typeof after.controlAbstain).toBe('number'); // the fixture has controls
    delete after.controlAbstain;
    for (const k of Object.values(after.byKind)) delete k.controlAbstain;
    const back = parseResults(r);
    expect(back.summaries.after.controlAbstain).toBeNull();
    expect(Object.values(back.summaries.after.byKind).every((k) => k.controlAbstain === null)).toBe(true);
    expect(back.summaries.before.controlAbstain).toBe(r.summaries.before.controlAbstain);
    expect(back.summaries.before.controlAbstain).toBeGreaterThan(0);
  });

  it('accepts optional fields left out, strips unknown ones, and checks curve metrics', () => {
    const r = JSON.parse(JSON.stringify(fakeResults()));
    delete r.command;
    delete r.model.parameters;
    delete r.model.checkpoint;
    delete r.data.seed;
    delete r.baselines[0].askVsGuess;
    delete r.baselines[0].curves;
    delete r.baselines[0].wallSeconds;
    delete r.examples[0].after.turns[0].informative;
    r.extra = 'dropped';
    r.summaries.after.byKind.camera.extra = 1;
    const back = parseResults(r);
    expect(back).not.toHaveProperty('extra');
    expect(back.summaries.after.byKind.camera).not.toHaveProperty('extra');
    expect(back.baselines[0]).not.toHaveProperty('curves');

    const c = JSON.parse(JSON.stringify(fakeResults()));
    c.training.curves[2]['rl/kl'] = 'high';
    expect(() => parseResults(c)).toThrow(/training\.curves\.2\.rl\/kl/);
    const o = JSON.parse(JSON.stringify(fakeResults()));
    o.examples[0].before.outcome = 'timeout';
    expect(() => parseResults(o)).toThrow(/examples\.0\.before\.outcome/);
    const v = JSON.parse(JSON.stringify(fakeResults()));
    v.version = 2;
    expect(() => parseResults(v)).toThrow(/version/);
  });

  it('keeps an undefined gap closed as null through JSON', async () => {
    const r = fakeResults();
    r.gapClosed.unseen = finiteOrNull(Number.NaN);
    const dir = tmpDir('askfirst-results');
    await writeResults(dir, r);
    const back = await readResults(dir);
    expect(back.gapClosed.unseen).toBeNull();
    expect(back).toEqual(r);
    expect(JSON.parse(await readFile(join(dir, RESULTS_FILE), 'utf8')).version).toBe(1);
  });

  it('keeps a NaN curve metric as null and still validates', async () => {
    const r = fakeResults();
    r.training.curves[3]['rl/kl'] = Number.NaN;
    const dir = tmpDir('askfirst-results');
    await writeResults(dir, r);
    expect((await readResults(dir)).training.curves[3]['rl/kl']).toBeNull();
  });

  it('reports a missing or malformed file clearly', async () => {
    const dir = tmpDir('askfirst-results');
    await expect(readResults(dir)).rejects.toThrow(NotFoundError);
    await writeFile(join(dir, RESULTS_FILE), '{"version": 1,');
    await expect(readResults(dir)).rejects.toThrow(/results\.json: invalid JSON/);
  });

  it('refuses to write invalid results', async () => {
    const r = fakeResults();
    (r as { overAsking: number }).overAsking = -0.1;
    await expect(writeResults(tmpDir('askfirst-results'), r)).rejects.toThrow(/overAsking/);
  });
});

describe('results figures', () => {
  const ref = s({ sketch: m(10, 0.9), camera: m(30, 1), occlusion: m(20, 0.8) });
  const before = s({ sketch: m(10, 0.1), camera: m(30, 0.2), occlusion: m(20, 0.2) });
  const after = s({ sketch: m(10, 0.9), camera: m(30, 0.6), occlusion: m(20, 0.5) });

  it('weights accuracy over kinds by episodes', () => {
    expect(accuracyOver(after, ['sketch', 'camera'])).toBeCloseTo((9 + 18) / 40, 12);
    expect(accuracyOver(after, ['nope'])).toBeNaN();
    // any per-kind figure the same way (the report's oracle line: the oracle's minimum ps-rate over the trained kinds)
    expect(overKinds(after, ['sketch', 'camera'], (k) => k.episodes * 0.01)).toBeCloseTo((10 * 0.1 + 30 * 0.3) / 40, 12);
    expect(overKinds(after, [], (k) => k.accuracy)).toBeNaN();
  });

  it('computes gap closed per split', () => {
    const g = gapClosedSplit(ref, before, after, ['sketch', 'camera']);
    // train: before (1+6)/40, after 27/40, ref (9+30)/40 → (27−7)/(39−7)
    expect(g.train).toBeCloseTo(20 / 32, 12);
    expect(g.unseen).toBeCloseTo((0.5 - 0.2) / (0.8 - 0.2), 12);
    expect(g.all).toBeCloseTo(
      (after.accuracy - before.accuracy) / (ref.accuracy - before.accuracy),
      12,
    );
    // No gap to close → null, not NaN.
    expect(gapClosedSplit(before, before, after, ['sketch']).train).toBeNull();
    const h = headlineFigures(ref, before, after, ['sketch', 'camera']);
    expect(h.accuracy.after.byKind).toEqual({ sketch: 0.9, camera: 0.6, occlusion: 0.5 });
  });

  it('splits first moves into asked / guessed / other on uninformative and control views', () => {
    const rec = (
      id: string,
      control: boolean,
      type: 'intervention' | 'category' | 'abstain' | 'unparseable',
    ): EpisodeRecord => ({
      id,
      kind: 'camera',
      mode: 'proactive',
      control,
      success: false,
      outcome: 'wrong-category',
      turns: 1,
      interventions: 0,
      ps: 0,
      minInterventions: control ? 0 : 1,
      guessed: type === 'category',
      replies: ['x'],
      actions: [
        type === 'intervention'
          ? { type, option: 0, intervention: 0, valid: true }
          : type === 'category'
            ? { type, option: 3, category: 0, correct: false }
            : type === 'abstain'
              ? { type, option: 2, intervention: 2 }
              : { type },
      ],
      views: [0],
    });
    const a = askVsGuess([
      rec('a', false, 'intervention'),
      rec('b', false, 'category'),
      rec('c', false, 'category'),
      rec('d', false, 'abstain'),
      rec('e', true, 'intervention'),
      rec('f', true, 'category'),
      rec('g', true, 'abstain'),
      rec('h', true, 'unparseable'),
    ]);
    // abstentions and unparseable replies apart (the chart and the model card show them so), `other` their sum as before
    expect(a.uninformative).toEqual({ n: 4, asked: 0.25, guessed: 0.5, other: 0.25, abstained: 0.25, unparseable: 0 });
    expect(a.control).toEqual({ n: 4, asked: 0.25, guessed: 0.25, other: 0.5, abstained: 0.25, unparseable: 0.25 });
    expect(askVsGuess([]).control).toEqual({ n: 0, asked: 0, guessed: 0, other: 0, abstained: 0, unparseable: 0 });
  });
});

describe('example episodes', () => {
  it('replays records against the episode and inlines each view as a PNG', async () => {
    const ep = chainEpisode('ep-1', 3, 2, { kind: 'camera' });
    const loader = async () => ({ width: 4, height: 4, data: new Uint8Array(48).fill(200) });
    const base = {
      id: 'ep-1',
      kind: 'camera',
      mode: 'proactive' as const,
      control: false,
      minInterventions: 2,
    };
    const before: EpisodeRecord = {
      ...base,
      success: false,
      outcome: 'wrong-category',
      turns: 1,
      interventions: 0,
      ps: 0,
      guessed: true,
      replies: ['D'],
      actions: [{ type: 'category', option: 3, category: 0, correct: false }],
      views: [0],
    };
    const after: EpisodeRecord = {
      ...base,
      success: true,
      outcome: 'correct',
      turns: 3,
      interventions: 2,
      ps: 2,
      guessed: false,
      replies: ['A', 'A', 'F'],
      actions: [
        { type: 'intervention', option: 0, intervention: 0, valid: true },
        { type: 'intervention', option: 0, intervention: 0, valid: true },
        { type: 'category', option: 5, category: 2, correct: true },
      ],
      views: [0, 1, 2],
    };
    const ex = await buildExample(ep, before, after, loader);
    expect(ex.after.turns.map((t) => t.view)).toEqual([0, 1, 2]);
    expect(ex.after.turns.map((t) => t.informative)).toEqual([false, false, true]);
    expect(ex.after.turns[2].options).toEqual([...ep.interventions, ...ep.categories]);
    expect(ex.after.turns[2].numInterventions).toBe(3);
    const png = Buffer.from(
      ex.before.turns[0].image.replace(/^data:image\/png;base64,/, ''),
      'base64',
    );
    expect(decodePNG(png).data[0]).toBe(200);
    expect(ex.categories[ex.answer]).toBe('star');
    await expect(buildExample(ep, { ...before, id: 'other' }, after, loader)).rejects.toThrow(
      /does not belong/,
    );
    expect(pickExampleIds([before], [after])).toEqual(['ep-1']);
  });

  it('picks episodes that RL turned from failure into success first', () => {
    const r = (id: string, kind: string, success: boolean, interventions = 0) =>
      ({ id, kind, success, interventions, control: false }) as EpisodeRecord;
    const before = [r('a', 'camera', false), r('b', 'camera', false), r('c', 'sketch', true)];
    const after = [r('a', 'camera', false), r('b', 'camera', true, 1), r('c', 'sketch', true)];
    expect(pickExampleIds(before, after, 1)).toEqual(['b', 'c']);
    expect(summarize([]).episodes).toBe(0);
  });
});

describe('over-asking when the test suite has no control episode', () => {
  // chain episodes: control when informative from view 0; reply 'A' asks (moves the block), 'C' abstains
  const play = (id: string, kind: string, control: boolean, reply: string) => playEpisode(chainEpisode(id, 3, control ? 0 : 2, { kind }), 'proactive', () => reply);
  const noControls = summarize([play('a', 'camera', false, 'A'), play('b', 'sketch', false, 'C')]);

  it('is null in results.json (not 0 %): the headline shows "–" with no verdict on the ≤ 5 % target', async () => {
    expect(noControls.controls).toBe(0);
    const h = headlineFigures(noControls, noControls, noControls, ['camera']);
    expect(h.overAsking).toBeNull();
    const r = { ...fakeResults(), ...h, summaries: { reference: noControls, before: noControls, after: noControls } };
    const dir = tmpDir('askfirst-results');
    await writeResults(dir, r);
    const back = await readResults(dir);
    expect(back.overAsking).toBeNull();
    expect(back.summaries.after.overAsking).toBeNull();
    const row = headlineRows(back).find((x) => x.key === 'overAsking')!;
    expect(row).toMatchObject({ value: null, text: '–', pass: undefined });
  });

  it('a suite with controls still gets a figure, 0 % included', () => {
    const withControls = summarize([play('a', 'camera', false, 'A'), play('c', 'camera', true, 'F')]);
    expect(withControls).toMatchObject({ controls: 1, overAsking: 0 });
    expect(headlineFigures(withControls, withControls, withControls, ['camera']).overAsking).toBe(0);
  });
});
