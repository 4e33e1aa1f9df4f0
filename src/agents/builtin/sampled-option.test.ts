import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng.js';
import { greedyOption, optionPicker } from './policy.js';
import { sampledOption } from './sampled-option.js';
import { sampleStream } from '../sample-stream.js';
import type { Observation } from '../policy.js';

const logs = (ps: number[]) => ps.map(Math.log);
/** Rows of log-probabilities over random options (0–3 interventions first, 0–4 categories), at least one option. */
function rows(n: number, seed: number): { row: number[]; nI: number }[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const nI = rng.int(4);
    const k = Math.max(1, nI + rng.int(5));
    const w = Array.from({ length: k }, () => rng.next() ** 3 + 1e-3);
    const t = w.reduce((a, b) => a + b, 0);
    return { row: w.map((x) => Math.log(x / t)), nI };
  });
}

describe('sampledOption: the factored policy drawn at a temperature and top_p', () => {
  it('a small top_p, or a temperature near 0, gives the greedy choice (ask as a whole against each category, then which intervention)', () => {
    // interventions 0.2 + 0.2 + 0.1 = 0.5 > best category 0.3: greedy asks, though a single-option argmax would answer
    expect(sampledOption(logs([0.2, 0.21, 0.09, 0.3, 0.2]), 3, new Rng(1), { temperature: 1, topP: 0.01 })).toBe(1);
    expect(greedyOption(logs([0.2, 0.21, 0.09, 0.3, 0.2]), 3)).toBe(1);
    const rng = new Rng(2);
    for (const { row, nI } of rows(300, 3)) {
      expect(sampledOption(row, nI, rng, { temperature: 1, topP: 1e-9 })).toBe(greedyOption(row, nI));
      expect(sampledOption(row, nI, rng, { temperature: 1e-4, topP: 1 })).toBe(greedyOption(row, nI));
    }
  });

  it('at temperature 1 and top_p 1 draws the model’s own distribution: P(ask)·P(i | ask) = π(i)', () => {
    const p = [0.15, 0.1, 0.05, 0.3, 0.25, 0.15];
    const rng = new Rng(4);
    const N = 40_000;
    const counts = new Array<number>(p.length).fill(0);
    for (let i = 0; i < N; i++) counts[sampledOption(logs(p), 3, rng, { temperature: 1, topP: 1 })]++;
    // each share within 4.5 standard errors of its probability
    counts.forEach((c, i) => expect(Math.abs(c / N - p[i]), `option ${i}`).toBeLessThan(4.5 * Math.sqrt((p[i] * (1 - p[i])) / N)));
  });

  it('an empty row has nothing to draw', () => {
    expect(sampledOption([], 0, new Rng(1), { temperature: 0.5, topP: 0.5 })).toBe(-1);
  });
});

describe('optionPicker', () => {
  const obs = (i: number, nI: number): Observation =>
    ({ episodeId: `e${i}`, kind: 'k', turn: i % 3, view: 0, question: 'Q?', options: [], numInterventions: nI, prompt: '', history: [], image: { width: 1, height: 1, data: new Uint8Array(3) } }) as unknown as Observation;

  it('at the default settings draws exactly as --sample always has (one categorical over all options, the stream per episode and turn)', () => {
    rows(200, 5).forEach(({ row, nI }, i) => {
      const o = obs(i, nI);
      const want = sampleStream(9, o).categorical(row.map(Math.exp));
      expect(optionPicker({ sample: true }, 9)(o, row)).toBe(want);
      expect(optionPicker({ sample: true, sampling: { temperature: 1, topP: 1 } }, 9)(o, row)).toBe(want);
    });
  });

  it('is greedy without sample, and refuses settings out of range when sampling', () => {
    const [{ row, nI }] = rows(1, 6);
    expect(optionPicker({ sampling: { temperature: 0.5 } }, 0)(obs(0, nI), row)).toBe(greedyOption(row, nI));
    expect(() => optionPicker({ sample: true, sampling: { topP: 0 } }, 0)).toThrow(/top_p must be a number above 0/);
  });

  it('an observation’s own seed stands for the policy’s: the stream a policy of that seed draws', () => {
    rows(50, 7).forEach(({ row, nI }, i) => {
      const s = { sample: true, sampling: { temperature: 0.7, topP: 0.9 } };
      expect(optionPicker(s, 0)({ ...obs(i, nI), seed: 12 }, row)).toBe(optionPicker(s, 12)(obs(i, nI), row));
    });
  });
});
