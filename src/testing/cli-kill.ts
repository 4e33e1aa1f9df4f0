/**
 * kill -9 of a real `askfirst` command (bin/askfirst.js: the build in dist/ — run `npm run build` first), then the same
 * command again: what the kill tests of the commands that write files share (tests/kill-nine.test.ts). The kill comes
 * once a file the command writes shows it has reached the moment in question (`when`, checked every 10 ms), never after
 * a fixed sleep; what is compared afterwards is every file's sha256 (`treeHashes`).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { exited, stopChild } from './child.js';

const bin = resolve(import.meta.dirname, '..', '..', 'bin', 'askfirst.js');

/** Run `askfirst ARGS` in `cwd` to its end: its exit code and stderr. */
export async function runCli(args: readonly string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  try {
    return { code: await exited(child), stderr };
  } finally {
    await stopChild(child);
  }
}

/**
 * Start `askfirst ARGS` in `cwd` and kill it with SIGKILL as soon as `when()` holds; resolves once it is gone. Throws
 * when it exits on its own first (the moment was never seen: the test would show nothing) or `withinMs` passes.
 */
export async function killCliWhen(args: readonly string[], cwd: string, when: () => boolean, withinMs = 120_000): Promise<void> {
  const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  try {
    const t0 = Date.now();
    for (;;) {
      let now = false;
      try {
        now = when();
      } catch {
        // a file read while it is being replaced: look again
      }
      if (now) break;
      if (child.exitCode !== null) throw new Error(`askfirst ${args.join(' ')} exited (code ${child.exitCode}) before the moment to kill it: ${stderr}`);
      if (Date.now() - t0 > withinMs) throw new Error(`askfirst ${args.join(' ')}: the moment to kill it did not come within ${withinMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    await stopChild(child); // SIGKILL
  }
}

/**
 * Start `askfirst ARGS` in `cwd` so that it kills itself with SIGKILL just before its `nth` rename of a file out of a
 * path containing `from` into one that does not (kill-at-rename.ts, preloaded); resolves once it is gone. Throws when
 * it exits otherwise (that rename never came: the test would show nothing).
 */
export async function killCliAtRename(args: readonly string[], cwd: string, from: string, nth = 1): Promise<void> {
  const preload = resolve(import.meta.dirname, 'kill-at-rename.ts');
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), '--import', preload, bin, ...args], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, TSX_DISABLE_CACHE: '1', ASKFIRST_TEST_KILL_RENAME_FROM: from, ASKFIRST_TEST_KILL_RENAME_NTH: String(nth) },
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  try {
    await exited(child);
    if (child.signalCode !== 'SIGKILL') throw new Error(`askfirst ${args.join(' ')} exited (code ${child.exitCode}) without its rename number ${nth} out of ${from}: ${stderr}`);
  } finally {
    await stopChild(child);
  }
}

/** sha256 of every file under `dir` (hidden ones too), by path relative to it; folders by a trailing '/'. */
export function treeHashes(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      out[`${p}/`] = 'dir';
      Object.assign(out, treeHashes(dir, p));
    } else out[p] = createHash('sha256').update(readFileSync(join(dir, p))).digest('hex');
  }
  return out;
}
