import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spawnTsx } from '../testing/child.js';

const child = join(dirname(fileURLToPath(import.meta.url)), '..', 'testing', 'at-exit-child.ts');

/** Run the at-exit child in `mode`: its exit status, and what its clean-ups said. */
const run = async (mode: string) => {
  const c = spawnTsx(child, [mode], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  c.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const [code, signal] = (await once(c, 'close')) as [number | null, NodeJS.Signals | null];
  return { code, signal, stderr };
};

describe('atExit: the one list of clean-ups at exit', () => {
  it('runs each clean-up once, the last registered first (one registered as the exit runs too), one taken off not at all, then the ending, whenever it was set', { timeout: 60_000 }, async () => {
    expect(await run('order')).toEqual({ code: 3, signal: null, stderr: 'c 3\nd 3\na 3\nend 3\n' });
  });

  it('a clean-up that throws is said in one line; the others and the ending still run, and the exit status is kept', { timeout: 60_000 }, async () => {
    expect(await run('throws')).toEqual({ code: 3, signal: null, stderr: 'c 3\naskfirst: a clean-up at exit failed: cannot remove the lock\na 3\nend 3\n' });
  });

  it("the 'exit' event twice: each clean-up still runs once", { timeout: 60_000 }, async () => {
    expect(await run('twice')).toEqual({ code: 3, signal: null, stderr: 'a 3\n' });
  });
});
