/**
 * Child processes for tests: TypeScript scripts run by `node --import tsx`, stopped when the test
 * ends. Tests call `stopChild` in a `finally` (kill first, then look at what the child left);
 * `spawnTsx` also registers it with `onTestFinished`, for a test that times out while awaiting
 * the child — its `finally` would only run once that await settles, if ever.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { onTestFinished, TestRunner } from 'vitest';

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
