/** Stage timing for the demos: `stage(name, fn)` runs one stage and records its wall time in `timings`. */
import type { StageTiming } from '../report/results.js';

export function stageTimer(): { timings: StageTiming[]; stage: <T>(name: string, fn: () => Promise<T> | T) => Promise<T> } {
  const timings: StageTiming[] = [];
  const stage = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
    const t = performance.now();
    const r = await fn();
    timings.push({ stage: name, seconds: (performance.now() - t) / 1000 });
    return r;
  };
  return { timings, stage };
}
