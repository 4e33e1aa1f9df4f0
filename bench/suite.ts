/**
 * Suite rendering speed (issue 2 acceptance: ≥ 2,000 views/s on one core at 64×64).
 * Prints one JSON object: per kind and overall, views rendered per second (pixels only,
 * no oracle) and views generated per second (render + oracle measure + episode assembly,
 * resampling included). Node runs this on one thread; `cpu` rates divide by the process's
 * own CPU time, so they stay meaningful when other jobs share the machine, `wall` by elapsed time.
 *
 * Also: episodes evaluated per second with the oracle policy (target ≥ 5,000/s).
 *
 *   npx tsx bench/suite.ts [--episodes 60] [--size 64] [--seconds 2]   (--help: the options)
 */
import { loadavg } from 'node:os';
import { SCENARIO_KINDS } from '../src/suite/kinds/names.js';
import { hashSeed, SceneRng } from '../src/util/rng.js';
import { generateEpisode, generateSuite, KIND_GENERATORS } from '../src/suite/generate.js';
import { resolveSuiteConfig } from '../src/suite/suite-config.js';
import type { ViewLoader } from '../src/suite/types.js';
import { OraclePolicy } from '../src/agents/baselines/oracle.js';
import { runEpisodes } from '../src/agents/runner.js';
import { benchArgs } from './args.js';

const o = benchArgs(
  import.meta.url,
  `Suite rendering on one thread: views rendered per second (pixels only) and generated per second (render + oracle
measure + episode assembly), per kind and overall, by CPU time and by wall time; then episodes evaluated per second with
the oracle policy for --seconds. Prints one JSON object ({ viewsRenderedPerSecond, viewsGeneratedPerSecond,
episodesEvaluatedPerSecondOracle, … }).`,
  {
    episodes: { type: 'number', default: 60, min: 1, help: 'episodes per kind' },
    size: { type: 'number', default: 64, min: 32, max: 512, help: 'view size in pixels' },
    seconds: { type: 'number', default: 2, min: 0.001, integer: false, help: 'how long the oracle evaluation runs (at least one pass)' },
  },
);
const { episodes, size } = o;

function timed(fn: () => number): { views: number; wallS: number; cpuS: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const views = fn();
  const wallS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { views, wallS, cpuS: (c.user + c.system) / 1e6 };
}

const rate = (r: { views: number; wallS: number; cpuS: number }) => ({
  views: r.views,
  perSecondCpu: Math.round(r.views / r.cpuS),
  perSecondWall: Math.round(r.views / r.wallS),
});

const cfg = resolveSuiteConfig({ episodes, size, seed: 1 });
// warm-up (JIT, canonical masks and distance fields)
for (const kind of SCENARIO_KINDS) generateEpisode(kind, 0, cfg, false);

const render: Record<string, ReturnType<typeof rate>> = {};
const generate: Record<string, ReturnType<typeof rate>> = {};
const tot = { r: { views: 0, wallS: 0, cpuS: 0 }, g: { views: 0, wallS: 0, cpuS: 0 } };
for (const kind of SCENARIO_KINDS) {
  const r = timed(() => {
    let n = 0;
    for (let i = 0; i < episodes; i++)
      n += KIND_GENERATORS[kind]({ size, rng: new SceneRng(hashSeed(9, kind, i)), control: false, category: i % 16, renderOnly: true }).views.length;
    return n;
  });
  const g = timed(() => {
    let n = 0;
    for (let i = 0; i < episodes; i++) n += generateEpisode(kind, i, cfg, false).views.length;
    return n;
  });
  render[kind] = rate(r);
  generate[kind] = rate(g);
  for (const [t, x] of [[tot.r, r], [tot.g, g]] as const) {
    t.views += x.views;
    t.wallS += x.wallS;
    t.cpuS += x.cpuS;
  }
}

// Episodes evaluated per second with the oracle policy (protocol + runner, views in memory).
const suite = generateSuite({ episodes, size, seed: 2 });
const loader: ViewLoader = async (ref) => ('image' in ref ? ref.image : Promise.reject(new Error('in-memory suite')));
await runEpisodes(suite, new OraclePolicy(suite), { mode: 'proactive', loader, batchSize: 256 }); // warm-up
const oracle = await (async () => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  do {
    await runEpisodes(suite, new OraclePolicy(suite), { mode: 'proactive', loader, batchSize: 256 });
    n += suite.length;
  } while (performance.now() - t0 < o.seconds * 1000);
  const wallS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { episodes: n, perSecondCpu: Math.round(n / ((c.user + c.system) / 1e6)), perSecondWall: Math.round(n / wallS) };
})();

console.log(
  JSON.stringify(
    {
      bench: 'suite',
      size,
      episodesPerKind: episodes,
      threads: 1,
      loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
      viewsRenderedPerSecond: { overall: rate(tot.r), byKind: render },
      viewsGeneratedPerSecond: { overall: rate(tot.g), byKind: generate },
      episodesEvaluatedPerSecondOracle: oracle,
    },
    null,
    2,
  ),
);
