/**
 * Child processes for tests: TypeScript scripts run by `node --import tsx`, stopped when the test
 * ends. Tests call `stopChild` in a `finally` (kill first, then look at what the child left);
 * `spawnTsx` also registers it with `onTestFinished`, for a test that times out while awaiting
 * the child — its `finally` would only run once that await settles, if ever.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, onTestFinished, TestRunner } from 'vitest';
import { shellQuote } from '../util/shell-quote.js';

/**
 * `node --import tsx SCRIPT ...ARGS`. tsx's on-disk transform cache is turned off: it would
 * leave `<os.tmpdir()>/tsx-<uid>` behind after every run (the child compiles in memory instead).
 */
export function spawnTsx(script: string, args: readonly string[] = [], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { ...options, env: { ...(options.env ?? process.env), TSX_DISABLE_CACHE: '1' } });
  if (TestRunner.getCurrentTest()) onTestFinished(() => stopChild(child));
  return child;
}

/** Resolves with the exit code (null when killed by a signal) once the child has exited. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Kills the child with SIGKILL unless it has already exited, and waits until it is gone. */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  child.kill('SIGKILL');
  await gone;
}

/** The real command (bin/askfirst.js, the build in dist/: run `npm run build` first). */
const bin = join(dirname(dirname(dirname(fileURLToPath(import.meta.url)))), 'bin', 'askfirst.js');

/**
 * Run `askfirst ARGS`; once stderr matches `when` and then `also()` holds (checked every 10 ms), send `sig` (once); or
 * let `trigger` signal it (e.g. once the command waits on a named pipe the test holds).
 * Resolves with the exit code, the signal that killed it (if any), stdout and stderr.
 */
export function runSignalled(
  args: readonly string[],
  when: RegExp | undefined,
  sig: NodeJS.Signals,
  also: () => boolean = () => true,
  trigger?: (child: ChildProcess) => Promise<unknown>,
): Promise<Signalled> {
  return signalled(spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }), when, sig, also, trigger);
}

/**
 * A command stopped by `sig` ended as askfirst's interrupted commands do (cli/signals.ts `endBySignal`): by the signal
 * itself, once it said what it kept — a shell sees 130 (143 for SIGTERM), and a shell script running it stops too, which
 * an exit with code 130 would not have made it do. `r`: `runSignalled`'s, or `{ code, killedBy: child.signalCode }`.
 */
export function expectInterrupted(r: { code: number | null; killedBy: NodeJS.Signals | null; stderr?: string }, sig: 'SIGINT' | 'SIGTERM', what?: string): void {
  expect({ code: r.code, killedBy: r.killedBy }, [what, r.stderr].filter(Boolean).join(': ')).toEqual({ code: null, killedBy: sig });
}

/** What a signalled command did (runSignalled). */
export interface Signalled {
  code: number | null;
  killedBy: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
}

/**
 * Run the shell script `script(askfirst)` (`bash -c`; `askfirst` is the real command, `node bin/askfirst.js`) in a process
 * group of its own, as a terminal runs a command line; once stderr matches `when` and then `also()` holds, send `sig` to the
 * whole group, as Ctrl-C in a terminal does. Resolves as `runSignalled` does, `code` and `killedBy` the shell's.
 */
export function runShellSignalled(script: (askfirst: string) => string, when: RegExp, sig: NodeJS.Signals, also: () => boolean = () => true): Promise<Signalled> {
  const child = spawn('bash', ['-c', script(`${shellQuote(process.execPath)} ${shellQuote(bin)}`)], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const group = (s: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, s);
    } catch {
      // the group is gone
    }
  };
  if (TestRunner.getCurrentTest()) onTestFinished(() => group('SIGKILL')); // whatever of the script still runs
  return signalled(child, when, sig, also, undefined, group);
}

/** `runSignalled` for a child already started (its stdout and stderr piped), e.g. a script run by `spawnTsx`; `send` sends the signal (to the child alone unless told). */
export async function signalled(
  child: ChildProcess,
  when: RegExp | undefined,
  sig: NodeJS.Signals,
  also: () => boolean = () => true,
  trigger?: (child: ChildProcess) => Promise<unknown>,
  send: (sig: NodeJS.Signals) => void = (s) => child.kill(s),
): Promise<Signalled> {
  if (trigger) void trigger(child);
  try {
    let stderr = '';
    let stdout = '';
    let sent = false;
    child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr!.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (when && !sent && when.test(stderr)) {
        sent = true;
        const signal = () => (child.exitCode === null && !also() ? setTimeout(signal, 10) : send(sig));
        signal();
      }
    });
    const code = await exited(child);
    if (when) expect(sent, `never saw ${when} on stderr: ${stderr}`).toBe(true);
    return { code, killedBy: child.signalCode, stderr, stdout };
  } finally {
    await stopChild(child);
  }
}
