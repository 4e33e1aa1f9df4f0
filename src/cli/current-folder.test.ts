/**
 * The real command (bin/askfirst.js, the build in dist/) started in a folder deleted after the shell entered it: a
 * clear line and exit 1 before any work, not a hang (Node's recursive mkdir of `--out runs/suite` retried for ever).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { InputError } from '../util/errors.js';
import { requireCurrentFolder } from './current-folder.js';

const bin = join(dirname(dirname(dirname(fileURLToPath(import.meta.url)))), 'bin', 'askfirst.js');

/** `cd DIR && rmdir DIR && askfirst ARGS` (the shell deletes its own folder, then askfirst replaces the shell); killed after `ms`. */
function runInDeletedFolder(dir: string, args: readonly string[], ms: number): Promise<{ code: number | null; killed: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('/bin/sh', ['-c', 'cd "$0" && rmdir "$0" && exec "$@"', dir, process.execPath, bin, ...args], { timeout: ms, killSignal: 'SIGKILL' }, (err, stdout, stderr) =>
      resolve({ code: child.exitCode, killed: child.signalCode !== null, stdout, stderr }),
    );
  });
}

const SAYS = 'askfirst: the current folder no longer exists (it was deleted or moved since the shell entered it): cd to an existing folder and run the command again\n';

describe('a current folder that was deleted', () => {
  it('a relative nested --out: one line, exit 1, at once (it hung at full CPU); help still prints', { timeout: 120_000 }, async () => {
    const dir = join(tmpDir('af-gone-cwd'), 'here');
    const args = ['suite', 'generate', '--episodes', '1', '--kinds', 'occlusion', '--out', 'runs/suite', '--no-progress'];
    mkdirSync(dir);
    const r = await runInDeletedFolder(dir, args, 60_000);
    expect(r.killed, 'still running after 60 s').toBe(false);
    expect(r).toMatchObject({ code: 1, stderr: SAYS });
    expect(existsSync(dir)).toBe(false);
    mkdirSync(dir);
    const help = await runInDeletedFolder(dir, ['suite', 'generate', '--help'], 60_000);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: askfirst suite generate');
  });

  it('requireCurrentFolder: ENOENT from process.cwd is an InputError; any other error is rethrown as it was', () => {
    const thrown = (code: string) => () => {
      throw Object.assign(new Error(`${code}: uv_cwd`), { code });
    };
    expect(() => requireCurrentFolder(thrown('ENOENT'))).toThrow(InputError);
    expect(() => requireCurrentFolder(thrown('EACCES'))).toThrow('EACCES: uv_cwd');
    expect(() => requireCurrentFolder(() => '/')).not.toThrow();
  });
});
