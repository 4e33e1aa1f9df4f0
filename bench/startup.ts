/**
 * CLI startup benchmark: wall time of `node bin/askfirst.js …` from spawn to exit, for commands
 * that should cost little more than Node itself (--version, --help, a subcommand's --help) and one
 * cheap real command (a one-episode suite). Each case runs R times, one after another, in a fresh
 * process; reported per case: median, min and max in milliseconds, plus bare `node -e 0` as the floor.
 * The cases are interleaved round by round, so a burst of load on the shared machine hits them alike.
 *
 *   npm run build && npx tsx bench/startup.ts [--runs 10]   (--help: the options)
 *
 * Progress goes to stderr; the LAST stdout line is one JSON object.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { benchArgs } from './args.js';

const { runs: R } = benchArgs(
  import.meta.url,
  `CLI startup (the build: npm run build first): wall time of \`node bin/askfirst.js …\` from spawn to exit for --version,
--help, eval --help and a one-episode suite, each --runs times in fresh processes, interleaved round by round, beside bare
\`node -e 0\`. Progress goes to stderr; stdout is one JSON object ({ runs, results: { CASE: { medianMs, minMs, maxMs } } }).`,
  { runs: { type: 'number', default: 10, min: 1, help: 'runs of each case' } },
);
const log = (s: string) => process.stderr.write(`${s}\n`);
const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'bin/askfirst.js');
if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) {
  process.stderr.write('bench/startup.ts: no dist/: run `npm run build` first (the bench runs bin/askfirst.js)\n');
  process.exit(1);
}
const scratch = mkdtempSync(join(tmpdir(), 'askfirst-startup-'));

/** Each case: a name and the argv after `node` (the round number names a fresh output folder). */
const cases: { name: string; args: (round: number) => string[] }[] = [
  { name: 'node -e 0', args: () => ['-e', '0'] },
  { name: '--version', args: () => [cli, '--version'] },
  { name: '--help', args: () => [cli, '--help'] },
  { name: 'eval --help', args: () => [cli, 'eval', '--help'] },
  { name: 'suite generate (1 episode)', args: (r) => [cli, 'suite', 'generate', '--episodes', '1', '--kinds', 'occlusion', '--size', '32', '--no-progress', '--out', join(scratch, `suite-${r}`)] },
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

try {
  const times = new Map(cases.map((c) => [c.name, [] as number[]]));
  for (let r = 0; r < R; r++) {
    for (const c of cases) {
      const t0 = performance.now();
      const res = spawnSync(process.execPath, c.args(r), { stdio: ['ignore', 'ignore', 'pipe'] });
      const ms = performance.now() - t0;
      if (res.status !== 0) throw new Error(`${c.name} exited with ${res.status}: ${res.stderr}`);
      times.get(c.name)!.push(ms);
    }
    log(`round ${r + 1}/${R}: ${cases.map((c) => `${c.name} ${Math.round(times.get(c.name)![r])} ms`).join(', ')}`);
  }
  const round = (x: number) => Math.round(x);
  const results = Object.fromEntries(cases.map((c) => {
    const t = times.get(c.name)!;
    return [c.name, { medianMs: round(median(t)), minMs: round(Math.min(...t)), maxMs: round(Math.max(...t)) }];
  }));
  console.log(JSON.stringify({ bench: 'startup', node: process.version, runs: R, loadavg1: loadavg()[0], results }));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
