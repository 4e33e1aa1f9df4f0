/**
 * How long-running commands meet Ctrl-C and SIGTERM: servers close cleanly (their databases and
 * sockets), and batch jobs (eval, probes) stop after the current batch with what they finished
 * saved — a second Ctrl-C quits at once.
 */
import { RunAborted } from '../agents/runner.js';
import { RequestAborted } from '../agents/http/retry.js';

/**
 * Keep a server command running until Ctrl-C or SIGTERM, then close it (the serve commands share
 * this). `ready` (the command's "listening on …" line) runs once the handlers are in place: whoever
 * waits for that line may send SIGTERM at once. A failure while closing rejects, so the command
 * reports it and exits non-zero.
 */
export function untilStopped(close: () => Promise<void>, ready: () => void = () => {}): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      close().then(resolve, reject);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    ready();
  });
}

/**
 * Run `fn` with a signal that aborts on the first Ctrl-C (the job stops after its current batch;
 * `what` names what is kept, e.g. "finished episodes are saved"); a second Ctrl-C exits with 130.
 * What is kept is said once, at the first Ctrl-C: the job's own "run interrupted" error
 * (RunAborted, which names episodes, or an HTTP request's RequestAborted) ends in the command's words without repeating it.
 */
export async function stopOnCtrlC<T>(
  what: string,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const ac = new AbortController();
  const onSig = () => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write(
      `\naskfirst: stopping after the current batch (Ctrl-C again to quit now); ${what}\n`,
    );
    ac.abort();
  };
  process.on('SIGINT', onSig);
  try {
    return await fn(ac.signal);
  } catch (e) {
    // an openai: policy's (or judge's) requests in flight are aborted too, and one of theirs may be the error the job ends with
    if (ac.signal.aborted && (e instanceof RunAborted || e instanceof RequestAborted)) throw new RunAborted(INTERRUPTED);
    throw e;
  } finally {
    process.off('SIGINT', onSig);
  }
}

/** The error a job stopped by Ctrl-C ends with (what it kept was said at the Ctrl-C). */
const INTERRUPTED = 'run interrupted; re-run the same command to resume';
