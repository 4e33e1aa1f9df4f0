import { afterEach, describe, expect, it, vi } from 'vitest';
import { RunAborted } from '../agents/runner.js';
import { Interrupted, stopOnCtrlC, untilStopped } from './signals.js';
import { cliExitCode } from '../util/errors.js';
import { abortError } from '../agents/http/retry.js';

afterEach(() => vi.restoreAllMocks());

describe('stopOnCtrlC', () => {
  it('the first Ctrl-C aborts the job (which then finishes and returns), the second exits with 130, and the handler is gone afterwards', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const before = process.listenerCount('SIGINT');
    const result = await stopOnCtrlC('finished episodes are saved', async (signal) => {
      expect(process.listenerCount('SIGINT')).toBe(before + 1);
      process.emit('SIGINT');
      expect(signal.aborted).toBe(true);
      expect(exit).not.toHaveBeenCalled();
      process.emit('SIGINT');
      expect(exit).toHaveBeenCalledWith(130);
      return 'partial';
    });
    expect(result).toBe('partial');
    expect(String(stderr.mock.calls[0][0])).toContain('finished episodes are saved');
    expect(process.listenerCount('SIGINT')).toBe(before);
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

describe('untilStopped', () => {
  it('SIGTERM closes the server once and resolves; both handlers are removed', async () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const close = vi.fn(async () => {});
    const done = untilStopped(close);
    process.emit('SIGTERM');
    await done;
    expect(close).toHaveBeenCalledTimes(1);
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });

  it('announces readiness only once the handlers are in place', async () => {
    const before = process.listenerCount('SIGTERM');
    const seen: number[] = [];
    const done = untilStopped(async () => {}, () => seen.push(process.listenerCount('SIGTERM')));
    expect(seen).toEqual([before + 1]); // called once, with its SIGTERM handler already listening
    process.emit('SIGTERM');
    await done;
  });

  it('a failure while closing rejects (the command then reports it), instead of hanging', async () => {
    const done = untilStopped(async () => Promise.reject(new Error('close failed')));
    process.emit('SIGINT');
    await expect(done).rejects.toThrow('close failed');
  });
});
