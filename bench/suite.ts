/**
 * Suite rendering speed (issue 2 acceptance: ≥ 2,000 views/s on one core at 64×64).
 * Prints one JSON object: per kind and overall, views rendered per second (pixels only,
 * no oracle) and views generated per second (render + oracle measure + episode assembly,
 * resampling included). Node runs this on one thread; `cpu` rates divide by the process's
 * own CPU time, so they stay meaningful when other jobs share the machine, `wall` by elapsed time.
 *
 * Also: episodes evaluated per second with the oracle policy (target ≥ 5,000/s).
 *
 *   npx tsx bench/suite.ts [--episodes 60] [--size 64]
 */
import { loadavg } from 'node:os';
import { SCENARIO_KINDS } from '../src/suite/kinds/names.js';
import { hashSeed, SceneRng } from '../src/util/rng.js';
import { generateEpisode, generateSuite, KIND_GENERATORS } from '../src/suite/generate.js';
import { resolveSuiteConfig } from '../src/suite/suite-config.js';
import type { ViewLoader } from '../src/suite/types.js';
import { OraclePolicy } from '../src/agents/baselines/oracle.js';
import { runEpisodes } from '../src/agents/runner.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const episodes = arg('episodes', 60);
const size = arg('size', 64);

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
  while (performance.now() - t0 < 2000) {
    await runEpisodes(suite, new OraclePolicy(suite), { mode: 'proactive', loader, batchSize: 256 });
    n += suite.length;
  }
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
