import { describe, expect, it } from 'vitest';
import type { EpisodeRecord } from '../episode/types.js';
import { gapDifference, gapIntervals, MAX_NO_GAP_SHARE } from './gap-intervals.js';

/** Records of `n` episodes per kind; `right(kind, i)` says which succeed. */
function records(
  kinds: readonly string[],
  n: number,
  right: (kind: string, i: number) => boolean,
): EpisodeRecord[] {
  return kinds.flatMap((kind) =>
    Array.from(
      { length: n },
      (_, i) => ({ id: `${kind}-${i}`, kind, success: right(kind, i) }) as EpisodeRecord,
    ),
  );
}

const KINDS = ['sketch', 'camera', 'occlusion', 'corruption'];
const TRAIN = ['sketch', 'camera'];
const reference = records(KINDS, 50, (_, i) => i < 48);
const before = records(KINDS, 50, (_, i) => i < 20);
const ours = records(KINDS, 50, (k, i) => i < (TRAIN.includes(k) ? 46 : 40));

describe('gap closed intervals over the test episodes (paired, stratified bootstrap)', () => {
  it("each run's interval holds its gap closed; a run identical to ours trails it by exactly 0", () => {
    const iv = gapIntervals(
      reference,
      before,
      [
        { name: 'ours', records: ours },
        { name: 'twin', records: [...ours].reverse() },
      ],
      TRAIN,
    );
    // point values: train (46 − 20) / (48 − 20), unseen (40 − 20) / 28
    expect(iv.gapClosed.ours.train!.low).toBeLessThanOrEqual(26 / 28);
    expect(iv.gapClosed.ours.train!.high).toBeGreaterThanOrEqual(26 / 28);
    expect(iv.gapClosed.ours.unseen!.low).toBeLessThan(20 / 28);
    expect(iv.gapClosed.ours.unseen!.high).toBeGreaterThan(20 / 28);
    expect(iv.gapClosed.twin).toEqual(iv.gapClosed.ours);
    expect(iv.firstMinus.twin).toEqual({
      train: { low: 0, high: 0 },
      unseen: { low: 0, high: 0 },
      all: { low: 0, high: 0 },
    });
    expect(Object.keys(iv.firstMinus)).toEqual(['twin']);
  });

  it('pairs the runs on the same episodes: a lead on a few unseen episodes is above 0 on the unseen split and nowhere on the trained one', () => {
    // the baseline is ours but misses 6 of each unseen kind's episodes that ours answers
    const base = records(KINDS, 50, (k, i) => (TRAIN.includes(k) ? i < 46 : i < 34));
    const iv = gapIntervals(
      reference,
      before,
      [
        { name: 'ours', records: ours },
        { name: 'base', records: base },
      ],
      TRAIN,
    );
    const lead = iv.firstMinus.base;
    expect(lead.train).toEqual({ low: 0, high: 0 });
    expect(lead.unseen!.low).toBeGreaterThan(0);
    expect(lead.unseen!.low).toBeLessThanOrEqual(6 / 28);
    expect(lead.unseen!.high).toBeGreaterThanOrEqual(6 / 28);
    // unpaired, the two runs' unseen intervals overlap: pairing is what separates them
    expect(iv.gapClosed.base.unseen!.high).toBeGreaterThan(iv.gapClosed.ours.unseen!.low);
  });

  it('reads a run given by episode id (as askfirst compare holds it) as the same run given as a list', () => {
    const byId = (recs: readonly EpisodeRecord[]) => new Map(recs.map((r) => [r.id, r]));
    const shuffled = [...ours].reverse();
    expect(gapIntervals(reference, byId(before), [{ name: 'ours', records: byId(shuffled) }], TRAIN)).toEqual(
      gapIntervals(reference, before, [{ name: 'ours', records: ours }], TRAIN),
    );
    expect(() => gapIntervals(reference, byId(before.slice(1)), [{ name: 'ours', records: ours }], TRAIN)).toThrow(/before has no record of episode sketch-0/);
  });

  it('is deterministic, and refuses a run that lacks one of the episodes', () => {
    const runs = [{ name: 'ours', records: ours }];
    expect(gapIntervals(reference, before, runs, TRAIN)).toEqual(
      gapIntervals(reference, before, runs, TRAIN),
    );
    expect(() =>
      gapIntervals(reference, before, [{ name: 'ours', records: ours.slice(1) }], TRAIN),
    ).toThrow(/ours has no record of episode sketch-0/);
  });

  it('gives no interval when more than 2.5 % of resamples have no gap, and says in how many (7 kinds × 10 episodes, guesser 1 a kind behind)', () => {
    const kinds = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    // reference 9 of 10 a kind, the guesser 8 (gap 7 episodes over all, 2 on the training kinds a and b), ours 9
    const ref = records(kinds, 10, (_, i) => i < 9);
    const guesser = records(kinds, 10, (_, i) => i < 8);
    const ours = records(kinds, 10, (k, i) => i < 9 || (k === 'a' && i === 9));
    const base = records(kinds, 10, (_, i) => i < 8);
    const iv = gapIntervals(ref, guesser, [{ name: 'ours', records: ours }, { name: 'base', records: base }], ['a', 'b']);
    // the gap is ≥ 5 episodes in only part of the resamples: leaving the others out gave an interval of a gap assumed there
    expect(iv.noGap.all).toBeGreaterThan(MAX_NO_GAP_SHARE);
    expect(iv.noGap.all).toBeLessThan(0.9);
    expect(iv.gapClosed.ours).toEqual({ train: null, unseen: null, all: null });
    expect(iv.firstMinus.base).toEqual({ train: null, unseen: null, all: null });
    // a gap of 2 episodes (train) is under MIN_GAP_EPISODES (5) in nearly every resample
    expect(iv.noGap.train).toBeGreaterThan(0.9);
    expect(iv.noGap.train).toBeGreaterThan(iv.noGap.all);
  });

  it('keeps the interval of a wide gap, with no resample short of one', () => {
    const iv = gapIntervals(reference, before, [{ name: 'ours', records: ours }], TRAIN);
    expect(iv.noGap).toEqual({ train: 0, unseen: 0, all: 0 });
    expect(iv.gapClosed.ours.all).not.toBeNull();
  });

  it('gapDifference subtracts per split and keeps undefined splits undefined', () => {
    expect(
      gapDifference({ train: 0.9, unseen: 0.5, all: null }, { train: 0.4, unseen: 0.75, all: 0.6 }),
    ).toEqual({ train: 0.5, unseen: -0.25, all: null });
  });
});
