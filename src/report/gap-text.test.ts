import { describe, expect, it } from 'vitest';
import { percent } from '../util/percent.js';
import { gapClosedText, gapLeadText } from './gap-text.js';

const iv = { low: 0.801, high: 0.9 };

describe('gap closed as every report and log writes it', () => {
  it('writes the figure with its interval, or why there is none, or "–" when there is no gap closed', () => {
    const f = {
      gapClosed: { train: 0.85, unseen: 0.5, all: null },
      gapClosedCi95: { train: iv, unseen: null, all: null },
      gapClosedNoGap: { train: 0, unseen: 0.1575, all: 1 },
    };
    expect(gapClosedText(f, 'train')).toBe('85.0 % [80.1, 90.0]');
    expect(gapClosedText(f, 'unseen')).toBe('50.0 % [no interval: no gap in 15.8 % of resamples]');
    expect(gapClosedText(f, 'unseen', percent)).toBe('50.0% [no interval: no gap in 15.8% of resamples]');
    expect(gapClosedText(f, 'all')).toBe('–');
    // results.json written before the rule (no gapClosedNoGap) reads as before: no interval, no reason
    expect(gapClosedText({ gapClosed: f.gapClosed, gapClosedCi95: { train: null, unseen: null, all: null } }, 'train')).toBe('85.0 %');
  });

  it("writes ours' lead over a baseline the same way", () => {
    const b = {
      gapClosedNoGap: { train: 0, unseen: 0.03, all: 0 },
      oursMinus: { gapClosed: { train: 0.1, unseen: -0.2, all: null }, ci95: { train: iv, unseen: null, all: null } },
    };
    expect(gapLeadText(b, 'train')).toBe('+10.0 [80.1, 90.0]');
    expect(gapLeadText(b, 'unseen')).toBe('-20.0 [no interval: no gap in 3.0 % of resamples]');
    expect(gapLeadText(b, 'all')).toBe('–');
    expect(gapLeadText({}, 'train')).toBe('–');
  });
});
