/**
 * askfirst's output read by a reader that closes early (`| head`, `less` quit): the real command
 * (bin/askfirst.js, the build in dist/) in a child process whose stdout or stderr pipe the test
 * closes, as `head` does once it has its lines.
 */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { exited, stopChild } from '../testing/child.js';
import { buildProgram } from './main.js';
import { CLOSED_PIPE_EXIT, exitQuietlyOnClosedPipe } from './closed-pipe.js';

const bin = join(dirname(dirname(dirname(fileURLToPath(import.meta.url)))), 'bin', 'askfirst.js');

type Closing = 'stdout' | 'stderr';

/**
 * Run `askfirst ARGS` and close the read side of its stdout (or stderr) at once, before the child
 * has written anything (`askfirst … | true`; `| head -1` when askfirst writes past the first line).
 * A reader closed after a first chunk would be closed before a later write only by chance: a
 * help text is one write.
 */
async function runClosed(args: readonly string[], closing: Closing): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let stderr = '';
    if (closing === 'stderr') child.stderr.destroy();
    else child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    if (closing === 'stdout') child.stdout.destroy();
    else child.stdout.resume();
    const code = await exited(child);
    return { code, stderr };
  } finally {
    await stopChild(child);
  }
}

/** Every command path (`suite generate`, …), the program itself as []. */
function commandPaths(cmd: Command, path: string[] = []): string[][] {
  return [path, ...cmd.commands.filter((c) => c.name() !== 'help').flatMap((c) => commandPaths(c, [...path, c.name()]))];
}

describe('a reader that closes early ends askfirst quietly', () => {
  it('--help of every command, --version and help: exit 141 (as cat or git whose reader went), nothing on stderr', { timeout: 120_000 }, async () => {
    const runs = [...commandPaths(await buildProgram()).map((p) => [...p, '--help']), ['--version'], ['help', 'suite']];
    expect(runs.length).toBeGreaterThan(20);
    const failures: string[] = [];
    for (let i = 0; i < runs.length; i += 4) {
      // two cores: four children at a time
      await Promise.all(runs.slice(i, i + 4).map(async (args) => {
        const r = await runClosed(args, 'stdout');
        if (r.code !== CLOSED_PIPE_EXIT || r.stderr !== '') failures.push(`askfirst ${args.join(' ')}: exit ${r.code}, stderr ${JSON.stringify(r.stderr.slice(0, 200))}`);
      }));
    }
    expect(failures).toEqual([]);
  });

  it('a long command whose progress on stderr closes stops at once with exit 141, not 0: it did not finish', { timeout: 60_000 }, async () => {
    const out = tmpDir('af-closed-pipe');
    const r = await runClosed(['suite', 'generate', '--episodes', '2', '--kinds', 'occlusion', '--out', join(out, 'suite')], 'stderr');
    expect(r.code).toBe(CLOSED_PIPE_EXIT);
  });
});

describe('exitQuietlyOnClosedPipe', () => {
  it('exits on EPIPE with 141, or the exit code an error set, rethrows any other error, listens once per stream', () => {
    const stream = new EventEmitter() as unknown as NodeJS.WritableStream;
    const codes: number[] = [];
    exitQuietlyOnClosedPipe([stream], (c) => codes.push(c));
    exitQuietlyOnClosedPipe([stream], (c) => codes.push(c));
    expect(stream.listenerCount('error')).toBe(1);
    const saved = process.exitCode;
    try {
      stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      process.exitCode = 1;
      stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    } finally {
      process.exitCode = saved;
    }
    expect(codes).toEqual([141, 1]);
    expect(() => stream.emit('error', Object.assign(new Error('write EIO'), { code: 'EIO' }))).toThrow('write EIO');
  });
});
