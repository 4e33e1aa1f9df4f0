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
 * The inputs and outputs go to --dir (default a new folder under .scale/, gitignored), removed at the end unless --keep,
 * and at Ctrl-C or SIGTERM too: the command running is stopped (its process group sent SIGINT, so it stops after its
 * current unit of work, GNU time waiting for it) and waited for, --dir removed, and the bench ends by the signal (130 /
 * 143 to a shell) as askfirst's commands do (src/cli/signals.ts `stoppable`); a second signal quits at once (the command
 * killed, --dir removed).
 * Progress goes to stderr; the LAST stdout line is one JSON object.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { stoppable } from '../src/cli/signals.js';
import { benchArgs } from './args.js';

const o = benchArgs(
  import.meta.url,
  `Every command at scale, run as the user runs it (bin/askfirst.js: npm run build first) under /usr/bin/time (GNU time):
suite generate, suite show, eval (and its resume), report, export, probe hallucination, feedback pairs/status/agreement/
export. Per command: exit code, wall and CPU seconds, peak RSS, the size of what it wrote. Progress goes to stderr; stdout
is one JSON object ({ episodesPerKind, scenes, results: [{ command, exit, wallS, cpuS, rssMB, outputMB? }], pass });
the exit code is 1 when a command failed. Ctrl-C or SIGTERM stops the command running, removes --dir (unless --keep)
and ends the bench by that signal.`,
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

/** The process group of the command running (GNU time and askfirst under it), for a signal to stop it. */
let running: number | undefined;

/**
 * Run `askfirst ARGS` under GNU time in a process group of its own; when `signal` aborts (Ctrl-C or SIGTERM to the bench),
 * the group is sent SIGINT: askfirst stops after its current unit of work (GNU time ignores SIGINT and waits for it).
 */
async function run(args: string[], signal: AbortSignal, output?: string): Promise<Measured> {
  const command = `askfirst ${args.join(' ')}`;
  log(`▶ ${command}`);
  const child = spawn('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, join(root, 'bin', 'askfirst.js'), ...args], { cwd: dir, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  running = child.pid;
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const stop = () => signalGroup('SIGINT');
  signal.addEventListener('abort', stop, { once: true });
  const status = await new Promise<number | null>((res, rej) => child.once('error', rej).once('close', (code) => res(code)));
  signal.removeEventListener('abort', stop);
  running = undefined;
  const [wall, user, sys, rss] = stderr.trimEnd().split('\n').at(-1)!.split(' ').map(Number);
  if (status !== 0) log(stderr.split('\n').slice(-6).join('\n'));
  const m: Measured = { command, exit: status ?? -1, wallS: wall, cpuS: Math.round((user + sys) * 100) / 100, rssMB: Math.round(rss / 1024) };
  if (output) m.outputMB = Math.round((size(join(dir, output)) / 2 ** 20) * 10) / 10;
  log(`  ${JSON.stringify(m)}`);
  return m;
}

/** Send `sig` to the running command's process group, if one runs. */
function signalGroup(sig: NodeJS.Signals): void {
  try {
    if (running !== undefined) process.kill(-running, sig);
  } catch {
    // already gone
  }
}

/** At a second signal: the command killed, --dir removed (unless --keep), before the bench exits. */
function removeNow(): void {
  signalGroup('SIGKILL');
  if (!keep) rmSync(dir, { recursive: true, force: true });
}

mkdirSync(dir, { recursive: true });
const results: Measured[] = [];
const kept = keep ? `the bench's folder ${dir} kept (--keep); nothing measured is printed` : `the bench's folder ${dir} removed (--keep keeps it); nothing measured is printed`;
await stoppable(kept, async (job) => {
  // each command inside an orderly section: a signal stops it and waits for it, then the bench exits by the signal
  const measure = (args: string[], output?: string) => job.orderly(`waiting for askfirst ${args[0]}${args[1]?.startsWith('-') ? '' : ` ${args[1]}`} to stop after its current unit of work`, (signal) => run(args, signal, output));
  try {
    const db = ['--db-dir', 'fbdb'];
    results.push(await measure(['suite', 'generate', '--episodes', String(EPISODES), '--out', 'suite', '--no-progress'], 'suite'));
    results.push(await measure(['suite', 'show', '--data', 'suite', '--kind', 'camera', '--index', String(EPISODES - 1), '--out', 'sheet.png'], 'sheet.png'));
    results.push(await measure(['eval', '--policy', 'random', '--data', 'suite', '--out', 'eval-a', '--mode', 'proactive', '--no-progress'], 'eval-a'));
    results.push(await measure(['eval', '--policy', 'random', '--data', 'suite', '--out', 'eval-a', '--mode', 'proactive', '--no-progress']));
    results.push(await measure(['eval', '--policy', 'random:1', '--data', 'suite', '--out', 'eval-b', '--mode', 'proactive', '--no-progress'], 'eval-b'));
    results.push(await measure(['report', 'eval-a', 'eval-b', '--out', 'report'], 'report'));
    results.push(await measure(['export', '--data', 'suite', '--out', 'export', '--no-progress'], 'export'));
    results.push(await measure(['probe', 'hallucination', '--policy', 'random', '--out', 'probe', '--scenes', String(SCENES), '--unseen-scenes', String(Math.ceil(SCENES / 2)), '--no-progress'], 'probe'));
    if (!o['no-feedback']) {
      results.push(await measure(['feedback', 'pairs', ...db, '--project', 'p', '--suite', 'suite', '--results', 'eval-a/proactive/results.jsonl,eval-b/proactive/results.jsonl', '--no-progress'], 'fbdb'));
      results.push(await measure(['feedback', 'status', ...db]));
      results.push(await measure(['feedback', 'agreement', ...db, '--project', 'p']));
      results.push(await measure(['feedback', 'export', ...db, '--project', 'p', '--format', 'dpo', '--out', 'dpo.jsonl'], 'dpo.jsonl'));
    }
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}, removeNow);
const pass = results.every((r) => r.exit === 0);
console.log(JSON.stringify({ episodesPerKind: EPISODES, episodes: EPISODES * 7, scenes: SCENES, loadavg: loadavg()[0], results, pass }));
if (!pass) process.exitCode = 1;
