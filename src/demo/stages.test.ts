/** The demos' stage times for a re-run: a training stage resumed from a checkpoint counts the training before it (stages.ts). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunDir } from '../nn/run-dir.js';
import type { StageTiming } from '../report/results.js';
import { tmpDir } from '../testing/tmp.js';
import { carryResumed, carryTakenUp, checkpointSeconds } from './stages.js';

describe('a demo re-run that resumes a training stage from its checkpoint', () => {
  it('reads the training seconds the newest complete checkpoint records (none without one)', () => {
    const dir = join(tmpDir('askfirst-stages-resumed'), 'supervised');
    expect(checkpointSeconds(dir)).toBeUndefined();
    const run = new RunDir(dir);
    const weights = (d: string) => writeFileSync(join(d, 'model.safetensors'), '');
    run.saveCheckpoint(500, weights, { step: 500, seconds: 400 });
    run.saveCheckpoint(600, weights, { step: 600, seconds: 480 });
    expect(checkpointSeconds(dir)).toBe(480); // the newest: what the runs before spent up to step 600
  });

  it("gives the stage this run's time plus the training before it, marked resumed, and grows the wall time by it; a stage taken up finished keeps its own", () => {
    const timings: StageTiming[] = [
      { stage: 'generate', seconds: 4 },
      { stage: 'supervised', seconds: 120 }, // this run trained steps 600-720
      { stage: 'rl', seconds: 0.2 },
    ];
    const wall = carryTakenUp(timings, 130, [], [{ stage: 'rl', earlier: false, own: { stage: 'rl', seconds: 360 } }]);
    expect(carryResumed(timings, wall, [{ stage: 'supervised', seconds: 480 }, { stage: 'rl', seconds: 50 }])).toBeCloseTo(130 - 0.2 + 360 + 480);
    expect(timings).toEqual([
      { stage: 'generate', seconds: 4 },
      { stage: 'supervised', seconds: 600, resumed: true }, // was: 120, a fifth of what it took
      { stage: 'rl', seconds: 360, takenUp: true },
    ]);
  });
});
