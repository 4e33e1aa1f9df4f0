import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { exited, expectInterrupted, spawnTsx, stopChild } from '../testing/child.js';
import { labelInFlight } from '../testing/label-in-flight.js';
import { holdPipe, namedPipe, saidOnStderr } from '../testing/named-pipe.js';
import { heldOpenArgs, heldOpenEnv } from '../testing/held-open.js';
import { tmpDir } from '../testing/tmp.js';
import { RunAborted } from '../agents/runner.js';
import { Interrupted, stoppable, untilStopped } from './signals.js';
import { cliExitCode } from '../util/errors.js';
import { progress } from '../util/progress.js';
import { abortError } from '../agents/http/retry.js';
import { WebSocket } from 'ws';
import { openDb } from '../feedback/db.js';
import { createDemoProject } from '../feedback/importer.js';
import { FeedbackStore } from '../feedback/store.js';

// process.exit is mocked in these tests: exit at once, as exitAfterOutput does when no output waits (its waiting is
// tested in util/exit-after-output.test.ts and, with the real command, interrupt.test.ts "its pipe full")
// (`exiting.now`: the process is waiting for its output to be written, as exitAfterOutput makes it, for the tests of that phase)
// (the real onSignalUnlessExiting, the rule every handler goes through, asked `exiting.now` instead of the real state)
const exiting = vi.hoisted(() => ({ now: false }));
vi.mock('../util/exit-after-output.js', async (original) => {
  const real = await original<typeof import('../util/exit-after-output.js')>();
  return {
    ...real,
    exitAfterOutput: (code: number) => process.exit(code),
    isExiting: () => exiting.now,
    onSignalUnlessExiting: (handler: (sig: 'SIGINT' | 'SIGTERM') => void) => real.onSignalUnlessExiting(handler, () => exiting.now),
  };
});

afterEach(() => vi.restoreAllMocks());

/** A batch command with one run (eval's, a probe's): `what` is what a signal during it keeps. */
const stopOnCtrlC = <T>(what: string, fn: (signal: AbortSignal) => Promise<T>) => stoppable('nothing was saved', (job) => job.stopAfter('the current batch', what, fn));

describe('stoppable: a run (stopAfter)', () => {
  it('the first Ctrl-C aborts the run, the second exits with 130, and the handler is gone afterwards', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const before = process.listenerCount('SIGINT');
    const run = stopOnCtrlC('finished episodes are saved', async (signal) => {
      expect(process.listenerCount('SIGINT')).toBe(before + 1);
      process.emit('SIGINT');
      expect(signal.aborted).toBe(true);
      expect(exit).not.toHaveBeenCalled();
      process.emit('SIGINT');
      expect(exit).toHaveBeenCalledWith(130);
      throw new RunAborted();
    });
    await expect(run).rejects.toThrow(Interrupted);
    expect(String(stderr.mock.calls[0][0])).toContain('askfirst: stopping after the current batch (Ctrl-C again to quit now); finished episodes are saved');
    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  it('a run that finishes anyway after the signal (it came during the last batch) still ends the command as Interrupted: nothing after it starts (eval\'s next policy)', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const started: string[] = [];
    const e = await stoppable('nothing was saved', async (job) => {
      await job.stopAfter('the current batch', 'x', async () => {
        process.emit('SIGTERM');
        return 'finished';
      });
      started.push('next policy');
      return job.stopAfter('the current batch', 'x', async () => 'done');
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Interrupted);
    expect(cliExitCode(e)).toBe(143);
    expect(started).toEqual([]);
  });

  it('says what is kept once, in the command’s words: the job’s “run interrupted” error does not name episodes for a probe’s items', async () => {
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (said.push(String(s)), true));
    const run = stopOnCtrlC('finished items are saved', async () => {
      process.emit('SIGINT');
      throw new RunAborted(); // what runEpisodes throws once the signal is aborted
    });
    await expect(run).rejects.toThrow('run interrupted; re-run the same command to resume');
    const error = await run.catch((e: Error) => e.message);
    expect([said.join(''), error].join('\n').match(/finished (items|episodes) are saved/g)).toEqual(['finished items are saved']);
    // a RunAborted without a Ctrl-C (another abort) keeps its own message
    await expect(stopOnCtrlC('x', async () => Promise.reject(new RunAborted()))).rejects.toThrow(/finished episodes are saved/);
  });

  it('an openai: request aborted by the Ctrl-C ends the job as interrupted (resume by re-running), not as a failure', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const run = stopOnCtrlC('finished items are saved', async () => {
      process.emit('SIGINT');
      throw abortError(); // what the pipelined runner rethrows from a request in flight (the HTTP client's)
    });
    await expect(run).rejects.toThrow(RunAborted);
    await expect(run).rejects.toThrow('run interrupted; re-run the same command to resume');
    // without a Ctrl-C it stays what it is
    await expect(stopOnCtrlC('x', async () => Promise.reject(abortError()))).rejects.toThrow(/^request aborted/);
  });

  it('SIGTERM stops it the same way: the job ends as Interrupted with exit code 143 (130 after Ctrl-C); a second signal exits at once', async () => {
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (said.push(String(s)), true));
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const run = stopOnCtrlC('finished items are saved', async (signal) => {
      process.emit('SIGTERM');
      expect(signal.aborted).toBe(true);
      expect(exit).not.toHaveBeenCalled();
      process.emit('SIGTERM');
      expect(exit).toHaveBeenCalledWith(143);
      throw new RunAborted();
    });
    const e = await run.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Interrupted);
    expect((e as Interrupted).message).toBe('run interrupted; re-run the same command to resume');
    expect(cliExitCode(e)).toBe(143);
    expect(said.join('')).toContain('askfirst: stopping after the current batch (SIGTERM: another signal quits now); finished items are saved');
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
    const byCtrlC = await stopOnCtrlC('x', async () => {
      process.emit('SIGINT');
      throw new RunAborted();
    }).catch((x: unknown) => x);
    expect(cliExitCode(byCtrlC)).toBe(130);
    // any other failure, and a RunAborted without a signal, still exit 1
    expect(cliExitCode(await stopOnCtrlC('x', async () => Promise.reject(new RunAborted())).catch((x: unknown) => x))).toBe(1);
    expect(cliExitCode(new Error('boom'))).toBe(1);
  });

  it('removes its handler when the job throws', async () => {
    const before = process.listenerCount('SIGINT');
    await expect(stopOnCtrlC('x', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});

describe('stoppable: outside a run', () => {
  it("a signal between a training run's steps: the bar's stopped line, then \"interrupted; …\" with no blank line between", async () => {
    vi.stubEnv('TERM', 'dumb'); // the bar as plain lines, whether or not stderr is a terminal here
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (said.push(String(s)), true));
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    try {
      await stoppable('no checkpoint was written yet', async () => {
        const bar = progress('supervised', 200, { unit: 'steps' });
        bar.tick(3);
        said.length = 0;
        process.emit('SIGINT');
        bar.stop(); // the loop's own ending never comes; were it to, nothing more
      });
    } finally {
      vi.unstubAllEnvs();
    }
    expect(said.join('')).toMatch(/^supervised: 3\/200 steps, stopped after \d+\.\ds\naskfirst: interrupted; no checkpoint was written yet\n$/); // was "…s\n\naskfirst: …"
    expect(exit).toHaveBeenLastCalledWith(130);
  });

  it('a signal before, between and after runs says what is kept then and exits at once (130, 143 for SIGTERM); the handlers listen from start to end', async () => {
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (said.push(String(s)), true));
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    await stoppable('nothing was saved (askfirst eval had not started its run yet); run the same command again', async () => {
      expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual([before[0] + 1, before[1] + 1]);
      process.emit('SIGINT'); // loading the data or the first policy
      expect(said.join('')).toBe('\naskfirst: interrupted; nothing was saved (askfirst eval had not started its run yet); run the same command again\n');
      expect(exit).toHaveBeenLastCalledWith(130);
    });
    said.length = 0;
    await stoppable('nothing was saved', async (job) => {
      await job.stopAfter('the current batch', 'finished episodes are saved', async () => 'run');
      job.kept = 'the run of oracle is saved (out/oracle); run the same command again to evaluate the rest';
      // between one policy's run and the next: the handlers still listen
      expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual([before[0] + 1, before[1] + 1]);
      process.emit('SIGTERM');
      expect(said.join('')).toBe('\naskfirst: interrupted; the run of oracle is saved (out/oracle); run the same command again to evaluate the rest\n');
      expect(exit).toHaveBeenLastCalledWith(143);
    });
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });
});

describe('a signal while the process is exiting (exitAfterOutput waits for its output: a reader gone, cli/closed-pipe.ts)', () => {
  // exitAfterOutput's own listener exits at once then; the command's handlers, still listening, leave the signal to it
  const whileExiting = async (fn: () => Promise<void>) => {
    exiting.now = true;
    try {
      await fn();
    } finally {
      exiting.now = false;
    }
  };

  it('stoppable, inside a step: no "stopping after …" (it would not stop after the batch: it exits at once), the step not aborted', async () => {
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (said.push(String(s)), true));
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const result = await stopOnCtrlC('finished items are saved', async (signal) => {
      await whileExiting(async () => {
        process.emit('SIGINT');
        process.emit('SIGTERM');
      });
      return signal.aborted;
    });
    expect(result).toBe(false);
    expect(said).toEqual([]);
    expect(exit).not.toHaveBeenCalled();
  });

  it('stoppable, outside a step: no "interrupted; …" and no second exit of its own', async () => {
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (said.push(String(s)), true));
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const onExit = vi.fn();
    await stoppable('nothing was saved', async () => whileExiting(async () => void process.emit('SIGINT')), onExit);
    expect(said).toEqual([]);
    expect(onExit).not.toHaveBeenCalled();
    expect(exit).not.toHaveBeenCalled();
  });

  it('untilStopped: the server does not start closing', async () => {
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (said.push(String(s)), true));
    const close = vi.fn(async () => {});
    const done = untilStopped({ name: 'askfirst serve', closed: 'connections closed', inFlight: () => 2 }, close);
    await whileExiting(async () => void process.emit('SIGTERM'));
    expect(close).not.toHaveBeenCalled();
    expect(said).toEqual([]);
    process.emit('SIGTERM'); // the test's own end: the server stops as usual
    expect(await done).toBe('SIGTERM');
  });
});

describe('untilStopped', () => {
  const serve = { name: 'askfirst serve', closed: 'connections closed' };

  it('SIGTERM closes the server once, says so on stderr and resolves with the signal; both handlers are removed', async () => {
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (said.push(String(s)), true));
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const close = vi.fn(async () => {});
    const done = untilStopped(serve, close);
    process.emit('SIGTERM');
    expect(await done).toBe('SIGTERM'); // serveUntilStopped ends the command by it
    expect(close).toHaveBeenCalledTimes(1);
    expect(said).toEqual(['askfirst serve: stopped by SIGTERM; connections closed\n']);
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });

  it('announces readiness only once the handlers are in place', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const before = process.listenerCount('SIGTERM');
    const seen: number[] = [];
    const done = untilStopped(serve, async () => {}, () => seen.push(process.listenerCount('SIGTERM')));
    expect(seen).toEqual([before + 1]); // called once, with its SIGTERM handler already listening
    process.emit('SIGTERM');
    await done;
  });

  it('a failure while closing rejects (the command then reports it), instead of hanging, and says no "stopped" line', async () => {
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (said.push(String(s)), true));
    const done = untilStopped(serve, async () => Promise.reject(new Error('close failed')));
    process.emit('SIGINT');
    await expect(done).rejects.toThrow('close failed');
    expect(said).toEqual([]);
  });
});

/**
 * The real commands (bin/askfirst.js, the build in dist/ — run `npm run build` first), signalled once their
 * "… Ctrl-C stops" line is on stdout. Before, `serve` and `env serve` ended without a word while the workbench
 * said it had stopped (its SIGTERM test: src/server/workbench/hardening.test.ts).
 */
describe('the serve commands stopped by a signal', () => {
  const bin = join(dirname(dirname(dirname(fileURLToPath(import.meta.url)))), 'bin', 'askfirst.js');
  const suite = tmpDir('askfirst-stop-suite');
  beforeAll(async () => writeSuite(suite, generateSuite({ episodes: 1, seed: 1, kinds: ['sketch'] })));

  async function stopped(args: readonly string[], sig: NodeJS.Signals): Promise<{ code: number | null; killedBy: NodeJS.Signals | null; stderr: string }> {
    const child = spawn(process.execPath, [bin, ...args, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      child.stdout.on('data', (b: Buffer) => {
        const was = stdout;
        stdout += b.toString();
        if (!/Ctrl-C stops/.test(was) && /Ctrl-C stops/.test(stdout)) child.kill(sig); // listening, its handlers in place
      });
      const code = await exited(child);
      expect(stdout, stderr).toMatch(/Ctrl-C stops/);
      return { code, killedBy: child.signalCode, stderr };
    } finally {
      await stopChild(child);
    }
  }

  const commands = [
    { args: ['serve', '--policy', 'random'], line: 'askfirst serve: stopped by {sig}; connections closed' },
    { args: ['env', 'serve', '--data', suite], line: 'askfirst env serve: stopped by {sig}; sessions and connections closed' },
  ];
  for (const { args, line } of commands)
    for (const [sig, by] of [['SIGTERM', 'SIGTERM'], ['SIGINT', 'Ctrl-C']] as const)
      it(`askfirst ${args.slice(0, args[0] === 'env' ? 2 : 1).join(' ')}: ${sig} once it listens: says it stopped on stderr, then ends by ${sig} (${sig === 'SIGINT' ? 130 : 143} to a shell)`, { timeout: 60_000 }, async () => {
        const r = await stopped(args, sig);
        expectInterrupted(r, sig); // it exited 0: a shell script running it went on to its next command
        expect(r.stderr.split('\n').filter((l) => /stopped/.test(l))).toEqual([line.replace('{sig}', by)]);
      });
});

/**
 * `askfirst serve` signalled while a request is being answered (its policy an `openai:` endpoint that answers
 * when the test lets it). Before, the stop ended every connection at once: the client got a socket error
 * (UND_ERR_SOCKET; the openai SDK, retrying, a connection error) and the server logged "INTERNAL: … is closed"
 * for the policy closed under the request. vLLM's server, on uvicorn, answers the requests in flight first.
 */
describe('askfirst serve stopped while it answers', () => {
  const bin = join(dirname(dirname(dirname(fileURLToPath(import.meta.url)))), 'bin', 'askfirst.js');

  async function inFlightAtSignal(second?: NodeJS.Signals) {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const arrived: (() => void)[] = [];
    const upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        arrived.shift()?.();
        void gate.then(() => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'B.' }, finish_reason: 'stop' }] }));
        });
      });
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const up = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
    const child = spawn(process.execPath, [bin, 'serve', '--policy', `openai:${up}#m`, '--model-name', 'm', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stdout = '';
      let stderr = '';
      const lineOn = (stream: NodeJS.ReadableStream, re: RegExp, get: () => string) =>
        new Promise<void>((resolve) => {
          const check = () => re.test(get()) && (stream.off('data', check), resolve());
          stream.on('data', check);
        });
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      await lineOn(child.stdout, /Ctrl-C stops/, () => stdout);
      const url = /at (http:\S+\/v1) /.exec(stdout)![1];
      const reached = new Promise<void>((r) => arrived.push(r));
      const prompt = 'Q? Choose from the following options. Options:\nA. a\nB. b\nC. c\n';
      const image = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC';
      const answer = fetch(`${url}/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: image } }, { type: 'text', text: prompt }] }] }),
      }).then(
        async (r) => [r.status, ((await r.json()) as { choices?: { message: { content: string } }[] }).choices?.[0].message.content],
        (e: Error & { cause?: { code?: string } }) => ['error', e.cause?.code ?? e.message],
      );
      await reached; // the request is in flight: its policy waits on the upstream
      const stopping = lineOn(child.stderr, /stopping: answering/, () => stderr);
      child.kill('SIGTERM');
      await Promise.race([stopping, answer]); // before, the request was cut at once
      if (!/stopping: answering/.test(stderr)) {
        release();
        return { code: await exited(child), killedBy: child.signalCode, stderr, answer: await answer };
      }
      if (second) {
        child.kill(second);
        const code = await exited(child);
        release();
        return { code, killedBy: child.signalCode, stderr, answer: await answer };
      }
      // not listening any more while it finishes
      expect(await fetch(`${url}/models`).catch((e: Error & { cause?: { code?: string } }) => e.cause?.code)).toBe('ECONNREFUSED');
      release();
      const code = await exited(child);
      return { code, killedBy: child.signalCode, stderr, answer: await answer };
    } finally {
      release();
      await stopChild(child);
      upstream.closeAllConnections();
      await new Promise((r) => upstream.close(r));
    }
  }

  it('answers the request in flight, then stops, saying it waited for it, and ends by the signal', { timeout: 60_000 }, async () => {
    const r = await inFlightAtSignal();
    expect(r.answer).toEqual([200, 'B.']);
    expectInterrupted(r, 'SIGTERM'); // it exited 0
    expect(r.stderr.trim().split('\n')).toEqual(['askfirst serve: stopping: answering the 1 request in flight first (another signal cuts them)', 'askfirst serve: stopped by SIGTERM; connections closed']);
  });

  it('a second signal cuts it, saying so, and ends by that signal', { timeout: 60_000 }, async () => {
    const r = await inFlightAtSignal('SIGINT');
    expectInterrupted(r, 'SIGINT');
    expect(r.answer[0]).toBe('error');
    expect(r.stderr.trim().split('\n')).toEqual(['askfirst serve: stopping: answering the 1 request in flight first (another signal cuts them)', 'askfirst serve: stopped at once by a second Ctrl-C; 1 request in flight cut']);
  });
});

/**
 * Exiting while a thread of libuv's pool is blocked in a read that never returns (a named pipe nobody writes to): Node's
 * exit joins that thread, so `process.exit` waited as long, and a second signal did nothing (Node's handling of it
 * already closed). The job's process now ends by the signal itself, its 'exit' listeners run first (`exitNow`).
 */
describe('stoppable: exiting while a read of a named pipe waits', () => {
  const child = join(dirname(fileURLToPath(import.meta.url)), '..', 'testing', 'stoppable-pipe-child.ts');

  it('a signal outside a step: says what is kept, runs the exit listeners and ends by the signal, the pipe still open', { timeout: 60_000 }, async () => {
    const pipe = namedPipe(join(tmpDir('af-signals-pipe'), 'pipe'));
    const c = spawnTsx(child, [pipe, 'outside'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    c.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    await holdPipe(pipe, c); // the child is reading it
    c.kill('SIGTERM');
    expectInterrupted({ code: await exited(c), killedBy: c.signalCode, stderr }, 'SIGTERM');
    expect(stderr).toBe('\naskfirst: interrupted; nothing was saved\nexit listener ran (143)\n');
  });

  it('a second signal, the step still waiting on the pipe after the first: ends by the signal at once', { timeout: 60_000 }, async () => {
    const pipe = namedPipe(join(tmpDir('af-signals-pipe'), 'pipe'));
    const c = spawnTsx(child, [pipe, 'step'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    c.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const stopping = saidOnStderr(c, /askfirst: stopping after the current batch/);
    await holdPipe(pipe, c);
    c.kill('SIGINT');
    await stopping; // the step cannot stop: its read waits on the pipe
    c.kill('SIGINT');
    expectInterrupted({ code: await exited(c), killedBy: c.signalCode, stderr }, 'SIGINT');
    expect(stderr).toBe('\naskfirst: stopping after the current batch (Ctrl-C again to quit now); finished items are saved\nexit listener ran (130)\n');
  });
});

/**
 * How a command ends after a job stopped by a signal (`endBySignal`): by the signal itself, so that a shell script running
 * it stops too (the real commands in a shell script: interrupt.test.ts), once what it wrote is out and its clean-ups at
 * exit (util/at-exit.ts) have run, each once; an exit code decided after (an error's 1) stays.
 */
describe('endBySignal', () => {
  const child = join(dirname(fileURLToPath(import.meta.url)), '..', 'testing', 'end-by-signal-child.ts');
  const run = async (mode: string, ...args: string[]) => {
    const c = spawnTsx(child, [mode, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    c.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const [code, killedBy] = (await once(c, 'close')) as [number | null, NodeJS.Signals | null]; // its pipes read to the end
    return { code, killedBy, stdout, stderr };
  };

  it('ends the process by the signal once its queued output is written and its clean-ups at exit have run', { timeout: 60_000 }, async () => {
    const r = await run('interrupted');
    expectInterrupted(r, 'SIGINT');
    expect(r.stdout.length).toBe(200_000);
    expect(r.stderr).toBe('exit listener ran (130)\n');
  });

  it('runs the clean-ups at exit registered after it too (a lock taken meanwhile is released), the last first, before it ends by the signal', { timeout: 60_000 }, async () => {
    // once: the signal was raised from its own listener, added at its first call, so a later one never ran: the lock stayed
    const lock = join(tmpDir('af-end-by-signal'), 'lock');
    const r = await run('later', lock);
    expectInterrupted(r, 'SIGINT');
    expect(r.stderr).toBe('later exit listener ran (130)\nexit listener ran (130)\n');
    expect(existsSync(lock)).toBe(false);
  });

  it('the signal not delivered: the exit goes on with 130, every clean-up run once, none a second time', { timeout: 60_000 }, async () => {
    // before: the later 'exit' listeners were called by hand before the signal, then by Node again after it
    const lock = join(tmpDir('af-end-by-signal'), 'lock');
    const r = await run('undelivered', lock);
    expect({ code: r.code, killedBy: r.killedBy }).toEqual({ code: 130, killedBy: null });
    expect(r.stderr).toBe('later exit listener ran (130)\nexit listener ran (130)\n');
    expect(existsSync(lock)).toBe(false);
  });

  it('a clean-up that throws is said in one line; the others still run and the process still ends by the signal', { timeout: 60_000 }, async () => {
    // before: the throw left the 'exit' listener that raises the signal: the rest did not run, and the process exited 7
    const lock = join(tmpDir('af-end-by-signal'), 'lock');
    const r = await run('throws', lock);
    expectInterrupted(r, 'SIGINT');
    expect(r.stderr).toBe('askfirst: a clean-up at exit failed: the clean-up failed\nlater exit listener ran (130)\nexit listener ran (130)\n');
    expect(existsSync(lock)).toBe(false);
  });

  it('an exit code set after it (an error\'s 1) is kept: the process exits with it', { timeout: 60_000 }, async () => {
    const r = await run('failed');
    expect({ code: r.code, killedBy: r.killedBy }).toEqual({ code: 1, killedBy: null });
    expect(r.stdout.length).toBe(200_000);
  });
});

/**
 * `askfirst env serve` and `askfirst feedback serve` signalled while they answer, as `serve` above. Before, their stop
 * ended every connection at once: an env step being computed (its next view being read) was cut — the HTTP client got a
 * socket error (UND_ERR_SOCKET), the WebSocket session a close frame (1001) without the step's answer — and a label
 * being sent to the workbench was cut (ECONNRESET), the label not stored.
 */
describe('askfirst env serve and feedback serve stopped while they answer', () => {
  const bin = join(dirname(dirname(dirname(fileURLToPath(import.meta.url)))), 'bin', 'askfirst.js');

  /** `askfirst ARGS --port 0`, its output gathered, once it says `ready` on stdout. */
  async function started(args: readonly string[], ready: RegExp, env: NodeJS.ProcessEnv = process.env, node: readonly string[] = []) {
    const child = spawn(process.execPath, [...node, bin, ...args, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env });
    const out = { stdout: '', stderr: '' };
    const on = (name: 'stdout' | 'stderr', re: RegExp) =>
      new Promise<void>((resolve) => {
        const check = () => re.test(out[name]) && (child[name].off('data', check), resolve());
        child[name].on('data', check);
        check();
      });
    child.stdout.on('data', (b: Buffer) => (out.stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out.stderr += b.toString()));
    await Promise.race([on('stdout', ready), exited(child)]);
    expect(out.stdout, out.stderr).toMatch(ready);
    return { child, out, on };
  }

  /**
   * A suite of one sketch episode whose view after its first move is held: the server's first opening of it waits
   * (testing/held-open.ts, loaded by `held.node` with `held.env`) until the test ends a named pipe it holds from
   * `hold(child)` on (`release`), so the test can signal the server while a step is being computed (`hold`'s promise:
   * the server is opening that view). A named pipe at the view itself did this before; it is now refused before any open.
   */
  async function suiteWithHeldView() {
    const suite = tmpDir('askfirst-drain-suite');
    const [ep] = await writeSuite(suite, generateSuite({ episodes: 1, seed: 1, kinds: ['sketch'] }));
    const [move, view] = Object.entries(ep.steps[ep.firstView].next)[0];
    const file = join(suite, (ep.views[view] as { path: string }).path);
    const pipe = namedPipe(join(tmpDir('askfirst-drain-pipe'), 'pipe'));
    let writer: FileHandle | undefined;
    let released = false;
    const hold = async (child: ChildProcess) => (writer = await holdPipe(pipe, child));
    // the step goes on once the pipe is ended (a child that never opened it is let go by holdPipe when it is stopped)
    const release = async () => {
      if (released || !writer) return;
      released = true;
      await writer.close().catch(() => undefined);
    };
    return { suite, id: ep.id, reply: ep.interventions[Number(move)], view, node: heldOpenArgs(), env: heldOpenEnv(file, pipe), hold, release };
  }

  const stopLines = (name: string) => [`${name}: stopping: answering the 1 request in flight first (another signal cuts them)`, `${name}: stopped by SIGTERM; ${name === 'askfirst env serve' ? 'sessions and connections closed' : 'connections and database closed'}`];

  it('env serve: a POST /step being computed is answered, then it stops, by the signal', { timeout: 60_000 }, async () => {
    const held = await suiteWithHeldView();
    const srv = await started(['env', 'serve', '--data', held.suite, '--no-progress'], /Ctrl-C stops/, held.env, held.node);
    const reading = held.hold(srv.child);
    try {
      const url = /at (http:\S+) /.exec(srv.out.stdout)![1];
      const answer = fetch(`${url}/step`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ episode_id: held.id, action: { reply: held.reply } }) }).then(
        async (r) => [r.status, ((await r.json()) as { observation: { view: number } }).observation.view],
        (e: Error & { cause?: { code?: string } }) => ['error', e.cause?.code ?? e.message],
      );
      await reading; // the step reads its next view: it is being computed
      srv.child.kill('SIGTERM');
      await Promise.race([srv.on('stderr', /stopping: answering/), answer]);
      await held.release();
      expect(await answer).toEqual([200, held.view]);
      expectInterrupted({ code: await exited(srv.child), killedBy: srv.child.signalCode, stderr: srv.out.stderr }, 'SIGTERM'); // it exited 0
      expect(srv.out.stderr.trim().split('\n')).toEqual(stopLines('askfirst env serve'));
    } finally {
      await held.release();
      await stopChild(srv.child);
    }
  });

  it('env serve: a WebSocket session gets the answer of the step being computed, then a close frame 1001 "server shutting down"', { timeout: 60_000 }, async () => {
    const held = await suiteWithHeldView();
    const srv = await started(['env', 'serve', '--data', held.suite, '--no-progress'], /Ctrl-C stops/, held.env, held.node);
    const reading = held.hold(srv.child);
    try {
      const url = /at http(:\S+) /.exec(srv.out.stdout)![1];
      const ws = new WebSocket(`ws${url}/ws`);
      const got: { type: string; data: { observation?: { view: number } } }[] = [];
      const next = () => new Promise<void>((r) => ws.once('message', () => r()));
      ws.on('message', (m) => got.push(JSON.parse(String(m)) as (typeof got)[number]));
      const closed = new Promise<[number, string]>((r) => ws.on('close', (code, reason) => r([code, reason.toString()])));
      await once(ws, 'open');
      ws.send(JSON.stringify({ type: 'reset', data: { episode_id: held.id } }));
      await next();
      ws.send(JSON.stringify({ type: 'step', data: { reply: held.reply } }));
      await reading;
      srv.child.kill('SIGTERM');
      await Promise.race([srv.on('stderr', /stopping: answering/), closed]);
      await held.release();
      expect(await closed).toEqual([1001, 'server shutting down']);
      expect(got.map((m) => [m.type, m.data.observation?.view])).toEqual([
        ['observation', 0],
        ['observation', held.view],
      ]);
      expectInterrupted({ code: await exited(srv.child), killedBy: srv.child.signalCode, stderr: srv.out.stderr }, 'SIGTERM'); // it exited 0
      expect(srv.out.stderr.trim().split('\n')).toEqual(stopLines('askfirst env serve'));
    } finally {
      await held.release();
      await stopChild(srv.child);
    }
  });

  it('feedback serve: a label being sent is stored and answered, then it stops, by the signal', { timeout: 300_000 }, async () => {
    const dbDir = join(tmpDir('askfirst-drain-wb'), 'db');
    const store = await FeedbackStore.open(await openDb({ dataDir: dbDir }));
    let token: string;
    try {
      await createDemoProject(store, 'drain', join(dirname(dbDir), 'images'), 1, 1, { types: ['rationale'] });
      ({ token } = await store.addAnnotator('drain-tester'));
    } finally {
      await store.close();
    }
    const srv = await started(['feedback', 'serve', '--db-dir', dbDir], /Ctrl-C to stop/, { ...process.env, DATABASE_URL: '' });
    try {
      const url = /on (http:\S+) /.exec(srv.out.stdout)![1];
      const { answer, send, project } = await labelInFlight(url, token, 'drain-label-1');
      srv.child.kill('SIGTERM');
      await Promise.race([srv.on('stderr', /stopping: answering/), answer]);
      send();
      expect(await answer).toEqual([201, false]);
      expectInterrupted({ code: await exited(srv.child), killedBy: srv.child.signalCode, stderr: srv.out.stderr }, 'SIGTERM'); // it exited 0
      expect(srv.out.stderr.trim().split('\n').filter((l) => !/opening the feedback database/.test(l))).toEqual(stopLines('askfirst workbench'));
      const after = await FeedbackStore.open(await openDb({ dataDir: dbDir }));
      try {
        expect((await after.progress(project)).labels).toBe(1); // the label was stored
      } finally {
        await after.close();
      }
    } finally {
      await stopChild(srv.child);
    }
  });
});
