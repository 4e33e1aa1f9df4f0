/**
 * End to end: `askfirst demo --quick` must show that learning happened — after RL the policy
 * asks on uninformative first views where before it guessed, and its proactive accuracy rose
 * by a margin that chance does not give (a one-sided two-proportion z-test at z > 3).
 */
import { mkdtempSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/cli/demo-pipeline.js';

describe('askfirst demo --quick', () => {
  it('teaches the guesser to ask, and accuracy rises beyond chance', async () => {
    const out = mkdtempSync(join(tmpdir(), 'askfirst-demo-'));
    const r = await runDemo({ quick: true, out, progress: false, baselines: true }, () => {});

    // Files a person opens.
    for (const f of ['results.json', 'report.html', 'MODEL_CARD.md', 'rl/final/model.safetensors', 'supervised/final/config.json']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const saved = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(saved.accuracy.after.overall).toBe(r.accuracy.after.overall);

    // Before RL it guesses: it (almost) never asks on uninformative first views.
    const before = r.askVsGuess.before.uninformative;
    const after = r.askVsGuess.after.uninformative;
    expect(before.asked).toBeLessThan(0.1);
    // After RL it asks on many of them.
    expect(after.asked, `asked on uninformative first views: ${before.asked.toFixed(2)} → ${after.asked.toFixed(2)}`).toBeGreaterThan(before.asked + 0.25);

    // Accuracy rose by more than chance allows.
    const n = r.summaries.after.episodes;
    const p1 = r.accuracy.before.overall;
    const p2 = r.accuracy.after.overall;
    const p = (p1 + p2) / 2;
    const z = (p2 - p1) / Math.sqrt((2 * p * (1 - p)) / n);
    expect(z, `accuracy ${p1.toFixed(3)} → ${p2.toFixed(3)} over ${n} episodes`).toBeGreaterThan(3);

    // Both ProactiveBench baselines ran and are reported.
    expect(r.baselines.map((b) => b.rp)).toEqual([0.5, 1]);
  }, 900_000);
});
