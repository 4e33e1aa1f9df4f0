/**
 * askfirst's output read by a reader that closes early (`| head`, `less` quit): the real command
 * (bin/askfirst.js, the build in dist/) in a child process whose stdout or stderr pipe the test
 * closes, as `head` does once it has its lines.
 */
import { spawn, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { describe, expect, it, onTestFinished } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { exited, stopChild } from '../testing/child.js';
import { namedPipe } from '../testing/named-pipe.js';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { shellQuote } from '../util/shell-quote.js';
import { buildProgram } from './main.js';
import { CLOSED_PIPE_EXIT, exitQuietlyOnClosedPipe } from './closed-pipe.js';

const bin = join(dirname(dirname(dirname(fileURLToPath(import.meta.url)))), 'bin', 'askfirst.js');

type Closing = 'stdout' | 'stderr';

/** How a child whose reader went ended: by SIGPIPE, as `cat` or `git` do (a shell sees 141), or with an exit code. */
interface Ended {
  code: number | null;
  killedBy: NodeJS.Signals | null;
  stderr: string;
}

/** By SIGPIPE itself, nothing said: what a shell sees as 141 (`CLOSED_PIPE_EXIT`). */
const BY_SIGPIPE = { code: null, killedBy: 'SIGPIPE', stderr: '' };

/**
 * Run `askfirst ARGS` and close the read side of its stdout (or stderr) at once, before the child
 * has written anything (`askfirst … | true`; `| head -1` when askfirst writes past the first line).
 * A reader closed after a first chunk would be closed before a later write only by chance: a
 * help text is one write. Gives up on a child still running after `withinMs` (`code` and `killedBy` null; killed).
 */
async function runClosed(args: readonly string[], closing: Closing, withinMs = 50_000): Promise<Ended> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  onTestFinished(() => stopChild(child)); // kill -9: a test that times out while the child hangs
  try {
    let stderr = '';
    if (closing === 'stderr') child.stderr.destroy();
    else child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    if (closing === 'stdout') child.stdout.destroy();
    else child.stdout.resume();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited(child), new Promise((r) => (timer = setTimeout(r, withinMs)))]);
    clearTimeout(timer);
    return { code: child.exitCode, killedBy: child.signalCode, stderr };
  } finally {
    await stopChild(child);
  }
}

/** Every command path (`suite generate`, …), the program itself as []. */
function commandPaths(cmd: Command, path: string[] = []): string[][] {
  return [path, ...cmd.commands.filter((c) => c.name() !== 'help').flatMap((c) => commandPaths(c, [...path, c.name()]))];
}

describe('a reader that closes early ends askfirst quietly', () => {
  it('--help of every command, --version and help: end by SIGPIPE, 141 to a shell (as cat or git whose reader went), nothing on stderr', { timeout: 120_000 }, async () => {
    const runs = [...commandPaths(await buildProgram()).map((p) => [...p, '--help']), ['--version'], ['help', 'suite']];
    expect(runs.length).toBeGreaterThan(20);
    const failures: string[] = [];
    for (let i = 0; i < runs.length; i += 4) {
      // two cores: four children at a time
      await Promise.all(runs.slice(i, i + 4).map(async (args) => {
        const r = await runClosed(args, 'stdout');
        if (r.killedBy !== 'SIGPIPE' || r.stderr !== '') failures.push(`askfirst ${args.join(' ')}: exit ${r.code}, signal ${r.killedBy}, stderr ${JSON.stringify(r.stderr.slice(0, 200))}`);
      }));
    }
    expect(failures).toEqual([]);
  });

  it('a shell sees 141 (set -o pipefail: the command did not finish), and nothing said of the signal', { timeout: 60_000 }, () => {
    const r = spawnSync('bash', ['-c', `set -o pipefail; ${shellQuote(process.execPath)} ${shellQuote(bin)} --help | true`], { encoding: 'utf8' });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: CLOSED_PIPE_EXIT, stderr: '' });
  });

  it('a long command whose progress on stderr closes stops at once by SIGPIPE (141), not with 0: it did not finish', { timeout: 60_000 }, async () => {
    const out = tmpDir('af-closed-pipe');
    const r = await runClosed(['suite', 'generate', '--episodes', '2', '--kinds', 'occlusion', '--out', join(out, 'suite')], 'stderr');
    expect({ code: r.code, killedBy: r.killedBy }).toEqual({ code: null, killedBy: 'SIGPIPE' });
  });

  /**
   * Its reader gone while a thread of libuv's pool is blocked for ever: the second policy's replies, a named pipe nobody
   * opens, being opened (`askfirst eval … --policy scripted:FIFO | true`). An exit with 141 waited in Node's exit for
   * that thread, Ctrl-C and SIGTERM no longer heard: still running 30 s on (only kill -9 ended it).
   */
  it('a reader gone while a thread waits on a named pipe nobody opens: ends by SIGPIPE, not held for ever in the exit', { timeout: 60_000 }, async () => {
    const dir = tmpDir('af-closed-pipe');
    const suite = join(dir, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 2, kinds: ['occlusion'], seed: 1 }));
    const replies = namedPipe(join(dir, 'replies.jsonl')); // never opened by the test
    const args = ['eval', '--data', suite, '--policy', 'oracle', '--policy', `scripted:${replies}`, '--mode', 'proactive', '--no-progress', '--out', join(dir, 'eval')];
    const r = await runClosed(args, 'stdout', 30_000); // the oracle's summary meets its reader gone
    expect(r, 'code and signal both null: still running 30 s on, held in its exit').toEqual(BY_SIGPIPE);
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
    expect(codes).toEqual([CLOSED_PIPE_EXIT, 1]);
    expect(() => stream.emit('error', Object.assign(new Error('write EIO'), { code: 'EIO' }))).toThrow('write EIO');
  });
});
