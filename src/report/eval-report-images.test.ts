/**
 * `askfirst report` checks the image files of the example episodes it shows only: it stated every image of the suite
 * (over a million for 200,000 episodes, seconds of a run that shows six episodes) to pick them.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { OraclePolicy } from '../agents/baselines/oracle.js';
import { runEpisodes } from '../agents/runner.js';
import { openResults } from '../eval/store.js';
import { generateSuite } from '../suite/generate.js';
import { readSuite, writeSuite } from '../suite/io.js';
import { createViewLoader } from '../suite/loader.js';
import { tmpDir } from '../testing/tmp.js';
import { pickDisagreements, readEvalReport } from './eval-report.js';

const stats = vi.hoisted(() => ({ paths: [] as string[] }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return {
    ...real,
    statSync: ((path: Parameters<typeof real.statSync>[0], ...rest: unknown[]) => {
      stats.paths.push(String(path));
      return (real.statSync as (...a: unknown[]) => unknown)(path, ...rest);
    }) as typeof real.statSync,
  };
});

describe('askfirst report: image checks', () => {
  it("states the images of the example episodes only, not every image of the suite's", async () => {
    const d = tmpDir('askfirst-report-images');
    const suite = join(d, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 4, seed: 5, size: 32 }));
    const eps = await readSuite(suite);
    for (const name of ['a', 'b']) {
      const dir = join(d, name);
      const store = await openResults(join(dir, 'proactive'), { policy: name });
      await runEpisodes(eps, new OraclePolicy(eps), { mode: 'proactive', loader: createViewLoader(suite), onRecord: (r) => store.append(r) });
      store.close();
      writeFileSync(join(dir, 'summary.json'), JSON.stringify({ policy: name, dataInfo: { spec: `suite:${suite}` } }));
    }
    stats.paths.length = 0;
    const rep = await readEvalReport([join(d, 'a'), join(d, 'b')]);
    const images = resolve(suite, 'images') + sep;
    const checked = stats.paths.filter((p) => resolve(p).startsWith(images));
    const shown = pickDisagreements(rep.runs, 'proactive');
    expect(shown.length).toBe(6);
    const viewsShown = eps.filter((e) => shown.includes(e.id)).flatMap((e) => e.views.map((v) => resolve(suite, (v as { path: string }).path)));
    expect(checked.sort()).toEqual(viewsShown.sort()); // was every view of the suite's 28 episodes
    expect(eps.flatMap((e) => e.views).length).toBeGreaterThan(viewsShown.length);
    expect(rep.html).not.toContain('data not found'); // their images are shown
  });
});
