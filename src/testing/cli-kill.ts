/**
 * kill -9 of a real `askfirst` command (bin/askfirst.js: the build in dist/ — run `npm run build` first), then the same
 * command again: what the kill tests of the commands that write files share (tests/kill-nine.test.ts). The command kills
 * itself at the moment in question (its Nth write to a file, or rename: fs-fault.ts, preloaded), never after a fixed
 * sleep nor when a file watched from outside shows it (an idle machine could write the whole run before that kill
 * lands); the same preload makes a write fail as on a full disk. What is compared afterwards is every file's sha256
 * (`treeHashes`).
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
 * A file-system fault at an exact moment (fs-fault.ts): at the `nth` (1 by default) `op` — a write to a file whose path
 * contains `path`, a rename of a file out of a path containing it into one that does not, or a copy of a file into a
 * path containing it — the command kills itself
 * with SIGKILL (`fault: 'kill'`) or that call and every matching one after it fail with ENOSPC (`'enospc'`, a full disk).
 */
export interface FsFault {
  op: 'write' | 'rename' | 'copy';
  path: string;
  nth?: number;
  fault?: 'kill' | 'enospc';
}

/** Node's arguments (tsx, then fs-fault.ts preloaded) and the environment of a child that meets `fault`. */
export function withFault(fault: FsFault): { nodeArgs: string[]; env: NodeJS.ProcessEnv } {
  const env = { ...process.env, TSX_DISABLE_CACHE: '1', ASKFIRST_TEST_FAULT_OP: fault.op, ASKFIRST_TEST_FAULT_PATH: fault.path, ASKFIRST_TEST_FAULT_NTH: String(fault.nth ?? 1), ASKFIRST_TEST_FAULT: fault.fault ?? 'kill' };
  return { nodeArgs: ['--import', import.meta.resolve('tsx'), '--import', resolve(import.meta.dirname, 'fs-fault.ts')], env };
}

/** Run `askfirst ARGS` in `cwd` with `fault` preloaded (fs-fault.ts) to its end: its exit code, the signal that ended it, stderr. */
export async function runCliWithFault(args: readonly string[], cwd: string, fault: FsFault): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const { nodeArgs, env } = withFault(fault);
  const child = spawn(process.execPath, [...nodeArgs, bin, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  try {
    const code = await exited(child);
    return { code, signal: child.signalCode, stderr };
  } finally {
    await stopChild(child);
  }
}

/**
 * Run `askfirst ARGS` in `cwd` so that it kills itself with SIGKILL just before its `nth` `op` on `path` (runCliWithFault);
 * resolves once it is gone. Throws when it exits otherwise (that moment never came: the test would show nothing).
 */
export async function killCliAt(args: readonly string[], cwd: string, at: Omit<FsFault, 'fault'>): Promise<void> {
  const run = await runCliWithFault(args, cwd, { ...at, fault: 'kill' });
  if (run.signal !== 'SIGKILL') throw new Error(`askfirst ${args.join(' ')} exited (code ${run.code}) without its ${at.op} number ${at.nth ?? 1} on ${at.path}: ${run.stderr}`);
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
