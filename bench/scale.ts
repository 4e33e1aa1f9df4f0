/**
 * Every command at scale: a suite of N episodes per kind (the demo's is 70), then `suite show`, `eval --policy random`
 * (and its resume), `report`, `export` (JSONL + Parquet), `probe hallucination`, `feedback pairs/status/agreement/export`,
 * each run as the user runs it (bin/askfirst.js, so `npm run build` first) under /usr/bin/time. Per command: wall and CPU
 * seconds, peak RSS, and the sizes of what it wrote. Wall time far above CPU time on an idle machine is time spent
 * waiting (on fsyncs, say); on a loaded one it is also the other jobs'.
 *
 *   npm run build && npx tsx bench/scale.ts [--episodes 1000] [--scenes 2000] [--dir .scale/bench] [--keep] [--no-feedback]
 *   (--help: the options)
 *
 * The inputs and outputs go to --dir (default a new folder under .scale/, gitignored), removed at the end unless --keep.
 * Progress goes to stderr; the LAST stdout line is one JSON object.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { benchArgs } from './args.js';

const o = benchArgs(
  import.meta.url,
  `Every command at scale, run as the user runs it (bin/askfirst.js: npm run build first) under /usr/bin/time (GNU time):
suite generate, suite show, eval (and its resume), report, export, probe hallucination, feedback pairs/status/agreement/
export. Per command: exit code, wall and CPU seconds, peak RSS, the size of what it wrote. Progress goes to stderr; stdout
is one JSON object ({ episodesPerKind, scenes, results: [{ command, exit, wallS, cpuS, rssMB, outputMB? }], pass });
the exit code is 1 when a command failed.`,
  {
    episodes: { type: 'number', default: 1000, min: 1, help: 'episodes per kind of the suite' },
    scenes: { type: 'number', default: 2000, min: 2, help: 'probe hallucination --scenes (--unseen-scenes half of it)' },
    dir: { type: 'string', default: '.scale/bench-PID', help: 'where the inputs and outputs go (a new folder under .scale/, gitignored)' },
    keep: { type: 'boolean', help: 'keep --dir at the end (it is removed)' },
    'no-feedback': { type: 'boolean', help: "leave out the feedback commands (each one's database start is most of a small run)" },
  },
);
const log = (s: string) => process.stderr.write(`${s}\n`);
const root = resolve(import.meta.dirname, '..');
const EPISODES = o.episodes;
const SCENES = o.scenes;
const dir = resolve(o.dir === '.scale/bench-PID' ? join(root, '.scale', `bench-${process.pid}`) : o.dir);
const keep = o.keep;
for (const [missing, what] of [
  [!existsSync('/usr/bin/time'), 'measures each command with /usr/bin/time (GNU time): install it (apt-get install time)'],
  [!existsSync(join(root, 'dist', 'cli', 'main.js')), 'runs bin/askfirst.js: no dist/, run `npm run build` first'],
] as const)
  if (missing) {
    process.stderr.write(`bench/scale.ts ${what}\n`);
    process.exit(1);
  }

/** Bytes under `p` (a file or a folder, recursively). */
function size(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  return readdirSync(p).reduce((n, f) => n + size(join(p, f)), 0);
}

interface Measured {
  command: string;
  exit: number;
  wallS: number;
  cpuS: number;
  rssMB: number;
  outputMB?: number;
}

function run(args: string[], output?: string): Measured {
  const command = `askfirst ${args.join(' ')}`;
  log(`▶ ${command}`);
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, join(root, 'bin', 'askfirst.js'), ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 });
  const [wall, user, sys, rss] = r.stderr.trimEnd().split('\n').at(-1)!.split(' ').map(Number);
  if (r.status !== 0) log(r.stderr.split('\n').slice(-6).join('\n'));
  const m: Measured = { command, exit: r.status ?? -1, wallS: wall, cpuS: Math.round((user + sys) * 100) / 100, rssMB: Math.round(rss / 1024) };
  if (output) m.outputMB = Math.round((size(join(dir, output)) / 2 ** 20) * 10) / 10;
  log(`  ${JSON.stringify(m)}`);
  return m;
}

mkdirSync(dir, { recursive: true });
const results: Measured[] = [];
try {
  const db = ['--db-dir', 'fbdb'];
  results.push(run(['suite', 'generate', '--episodes', String(EPISODES), '--out', 'suite', '--no-progress'], 'suite'));
  results.push(run(['suite', 'show', '--data', 'suite', '--kind', 'camera', '--index', String(EPISODES - 1), '--out', 'sheet.png'], 'sheet.png'));
  results.push(run(['eval', '--policy', 'random', '--data', 'suite', '--out', 'eval-a', '--mode', 'proactive', '--no-progress'], 'eval-a'));
  results.push(run(['eval', '--policy', 'random', '--data', 'suite', '--out', 'eval-a', '--mode', 'proactive', '--no-progress']));
  results.push(run(['eval', '--policy', 'random:1', '--data', 'suite', '--out', 'eval-b', '--mode', 'proactive', '--no-progress'], 'eval-b'));
  results.push(run(['report', 'eval-a', 'eval-b', '--out', 'report'], 'report'));
  results.push(run(['export', '--data', 'suite', '--out', 'export', '--no-progress'], 'export'));
  results.push(run(['probe', 'hallucination', '--policy', 'random', '--out', 'probe', '--scenes', String(SCENES), '--unseen-scenes', String(Math.ceil(SCENES / 2)), '--no-progress'], 'probe'));
  if (!o['no-feedback']) {
  results.push(run(['feedback', 'pairs', ...db, '--project', 'p', '--suite', 'suite', '--results', 'eval-a/proactive/results.jsonl,eval-b/proactive/results.jsonl', '--no-progress'], 'fbdb'));
  results.push(run(['feedback', 'status', ...db]));
  results.push(run(['feedback', 'agreement', ...db, '--project', 'p']));
  results.push(run(['feedback', 'export', ...db, '--project', 'p', '--format', 'dpo', '--out', 'dpo.jsonl'], 'dpo.jsonl'));
  }
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
const pass = results.every((r) => r.exit === 0);
console.log(JSON.stringify({ episodesPerKind: EPISODES, episodes: EPISODES * 7, scenes: SCENES, loadavg: loadavg()[0], results, pass }));
if (!pass) process.exitCode = 1;
