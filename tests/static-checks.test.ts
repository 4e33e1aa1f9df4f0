/**
 * The type checker and the linter as part of `npm test`, so CI (which runs only the README's test command) fails on a
 * type error or a lint error the way it fails on a broken test: vitest strips types without checking them, and `npm run
 * typecheck` / `npm run lint` were gates only for whoever remembered to run them. Each runs the project's own binary on
 * the project's own configuration (tsconfig.json covers src/, tests/, bench/ and bin/; web/tsconfig.json the
 * workbench; eslint.config.js everything), as `npm run typecheck`, `npm run lint` do; nothing is written.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

/** `cmd args` in the project's folder: its exit code and what it printed (a type checker's report is on stdout). */
function run(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(bin(cmd), args, { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}

// Minutes, not the suite's two: tsc over the whole project takes 40 s alone on two cores, over two minutes beside the
// other test files.
const SLOW = 15 * 60_000;

describe('static checks', () => {
  it.each(['tsc --noEmit -p tsconfig.json', 'tsc --noEmit -p web/tsconfig.json', 'eslint --max-warnings 0 .'])(
    '%s passes',
    async (line) => {
      const [cmd, ...args] = line.split(' ');
      const { code, output } = await run(cmd, args);
      expect(output, `${line} reported:\n${output}`).toBe('');
      expect(code).toBe(0);
    },
    SLOW,
  );
});
