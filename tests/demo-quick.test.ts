/**
 * End to end: `askfirst demo --quick` must show that learning happened — after RL the policy
 * asks on uninformative first views where before it guessed, and its proactive accuracy rose
 * by a margin that chance does not give (McNemar's test on the paired before/after outcomes of
 * the same episodes, z > 3) — and must be reproducible: run again at the same seed while another
 * process keeps a core busy, it writes the same results.json (timings aside) and the same weights.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/demo/pipeline.js';
import { stopChild } from '../src/testing/child.js';
import { tmpDir } from '../src/testing/tmp.js';

/** Fields that measure time (or name the output folder), which no two runs share. */
const TIMING = /^(wallSeconds|createdAt|timings|seconds|command|out)$|^time\//;
function withoutTimings(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutTimings);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => !TIMING.test(k)).map(([k, x]) => [k, withoutTimings(x)]));
  return v;
}
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('askfirst demo --quick', () => {
  // The first run's output folder, read again by the reproducibility test (removed after the file).
  const out = tmpDir('askfirst-demo');

  it('teaches the guesser to ask, and accuracy rises beyond chance', async () => {
    const r = await runDemo({ quick: true, out, progress: false, baselines: true }, () => {});

    // Files a person opens.
    for (const f of ['results.json', 'report.html', 'MODEL_CARD.md', 'rl/final/model.safetensors', 'supervised/final/config.json']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const saved = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(saved.accuracy.after.overall).toBe(r.accuracy.after.overall);
    // one quick-run note under the report's title (the pipeline's own note repeated report.ts's)
    const notes = readFileSync(join(out, 'report.html'), 'utf8').match(/<div class="note">[^<]*<\/div>/g) ?? [];
    expect(notes.filter((n) => n.includes('Quick run'))).toHaveLength(1);

    // Before RL it guesses: it (almost) never asks on uninformative first views.
    const before = r.askVsGuess.before.uninformative;
    const after = r.askVsGuess.after.uninformative;
    expect(before.asked).toBeLessThan(0.1);
    // After RL it asks on many of them.
    expect(after.asked, `asked on uninformative first views: ${before.asked.toFixed(2)} → ${after.asked.toFixed(2)}`).toBeGreaterThan(before.asked + 0.25);

    // Accuracy rose by more than chance allows: McNemar on the episodes whose outcome changed.
    const read = (mode: string) =>
      new Map(
        readFileSync(join(out, 'eval', mode, 'results.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { id: string; kind: string; success: boolean })
          .map((x) => [x.id, x]),
      );
    const before_ = read('before');
    const after_ = read('after');
    /** McNemar's z on the paired before/after outcomes of the episodes of `kinds`. */
    const mcnemar = (kinds: readonly string[]) => {
      let gained = 0;
      let lost = 0;
      for (const [id, a] of after_) {
        if (!kinds.includes(a.kind)) continue;
        const ok = before_.get(id)!.success;
        if (a.success && !ok) gained++;
        if (!a.success && ok) lost++;
      }
      return { z: (gained - lost) / Math.sqrt(Math.max(1, gained + lost)), gained, lost };
    };
    const all = mcnemar(r.data.kinds);
    expect(all.z, `accuracy ${r.accuracy.before.overall.toFixed(3)} → ${r.accuracy.after.overall.toFixed(3)}; ${all.gained} episodes gained, ${all.lost} lost`).toBeGreaterThan(3);
    // … and on the kinds RL never trained on (transfer), by more than chance allows too.
    const unseen = mcnemar(r.data.unseenKinds);
    expect(r.data.unseenKinds.length).toBe(5);
    expect(unseen.z, `unseen kinds: ${unseen.gained} episodes gained, ${unseen.lost} lost; gap closed ${r.gapClosed.unseen}`).toBeGreaterThan(2);
    expect(r.gapClosed.unseen ?? 0).toBeGreaterThan(0.2);

    // Both ProactiveBench baselines ran and are reported; they train the model unbounded (whichBound 0), ours bounded.
    expect(r.baselines.map((b) => b.rp)).toEqual([0.5, 1]);
    const bound = (run: string) => JSON.parse(readFileSync(join(out, run, 'final', 'config.json'), 'utf8')).model.whichBound;
    expect([bound('rl'), bound('baseline-rp0.5'), bound('baseline-rp1.0')]).toEqual([2, 0, 0]);
    // … with ours' budget: as many updates as our RL run (issue 18 compares them "same budget and start")
    const lastStep = (c: readonly { step: number }[]) => c[c.length - 1]?.step;
    expect(r.baselines.map((b) => lastStep(b.curves ?? []))).toEqual([lastStep(r.training.curves), lastStep(r.training.curves)]);
    expect(lastStep(r.training.curves)).toBe(40);
    // The look term reads only the words its degradation captions taught (set by the supervised stage, kept by RL).
    const lookWords = (run: string) => JSON.parse(readFileSync(join(out, run, 'final', 'config.json'), 'utf8')).model.lookWords as string[];
    expect(lookWords('supervised')).toEqual(expect.arrayContaining(['deblur', 'contrast']));
    expect(lookWords('rl')).toEqual(lookWords('supervised'));
    // Evaluation noise: each gap closed comes with its interval over the test episodes, and ours − each baseline with a
    // paired one; every interval holds its own figure.
    const holds = (x: number | null, iv: { low: number; high: number } | null | undefined) => x === null || (iv != null && iv.low <= x + 1e-12 && x <= iv.high + 1e-12);
    for (const split of ['train', 'unseen', 'all'] as const) {
      expect(holds(r.gapClosed[split], r.gapClosedCi95?.[split]), `ours ${split}`).toBe(true);
      for (const b of r.baselines) {
        expect(holds(b.gapClosed[split], b.gapClosedCi95?.[split]), `${b.name} ${split}`).toBe(true);
        expect(b.oursMinus!.gapClosed[split]).toBeCloseTo((r.gapClosed[split] ?? NaN) - (b.gapClosed[split] ?? NaN), 12);
        expect(holds(b.oursMinus!.gapClosed[split], b.oursMinus!.ci95[split]), `ours − ${b.name} ${split}`).toBe(true);
      }
    }
  }, 900_000);

  it('is reproducible: the same seed with a core kept busy gives the same results.json (timings aside) and the same weights', async () => {
    expect(existsSync(join(out, 'results.json')), 'the first test wrote the first run').toBe(true);
    const busy = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    try {
      const again = tmpDir('askfirst-demo-busy');
      await runDemo({ quick: true, out: again, progress: false, baselines: true }, () => {});
      const a = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
      const b = JSON.parse(readFileSync(join(again, 'results.json'), 'utf8'));
      expect(a.training.curves.length).toBeGreaterThan(10); // the comparison covers the curves…
      expect(a.examples.length).toBeGreaterThan(0); // …the example episodes and every figure
      expect(withoutTimings(b)).toEqual(withoutTimings(a));
      for (const f of ['supervised/final/model.safetensors', 'rl/final/model.safetensors', 'baseline-rp1.0/final/model.safetensors']) expect(sha256(join(again, f)), f).toBe(sha256(join(out, f)));
    } finally {
      await stopChild(busy);
    }
  }, 900_000);

  it('re-run over its finished stages, it skips them and writes the same results.json, training curves included', async () => {
    const a = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    const lines: string[] = [];
    await runDemo({ quick: true, out, progress: false, baselines: true }, (s) => lines.push(s));
    expect(lines.filter((l) => /already done/.test(l))).toHaveLength(4); // supervised, ours, two baselines
    const b = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(b.training.updates).toBe(40);
    expect(withoutTimings(b)).toEqual(withoutTimings(a));
    // a stage taken up finished keeps the time the run that trained it recorded, marked so (demo/stages.ts carryTakenUp)
    const rl = (r: { timings: { stage: string; seconds: number; parts?: unknown[] }[] }) => r.timings.find((t) => t.stage === 'rl')!;
    expect(rl(a).parts).toHaveLength(3);
    expect(rl(b)).toEqual({ ...rl(a), takenUp: true });
    expect(b.wallSeconds).toBeGreaterThan(rl(a).seconds);
  }, 300_000);
});
