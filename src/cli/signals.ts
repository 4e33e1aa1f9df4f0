/**
 * How long-running commands meet Ctrl-C and SIGTERM: servers close cleanly (their databases and
 * sockets) and exit 0, and batch jobs (eval, probes) stop after the current batch with what they
 * finished saved and exit 130 (143 for SIGTERM) — a second signal quits at once.
 */
import { RunAborted } from '../agents/runner.js';
import { RequestAborted } from '../agents/http/retry.js';
import { exitOnInterrupt, SIGNAL_EXIT } from './run-guard.js';

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
 * Run `fn` with a signal that aborts on the first Ctrl-C or SIGTERM (the job stops after its current batch;
 * `what` names what is kept, e.g. "finished episodes are saved"); a second one exits at once with 130 (143 for
 * SIGTERM). What is kept is said once, at the first signal: the job's own "run interrupted" error
 * (RunAborted, which names episodes, or an HTTP request's RequestAborted) ends in the command's words without
 * repeating it, as an `Interrupted` whose exit code main() uses: 130 after Ctrl-C, 143 after SIGTERM, as shells,
 * make and CI runners expect of an interrupted command (docs/hardening.md, "Training runs and the demo").
 */
export async function stopOnCtrlC<T>(
  what: string,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const ac = new AbortController();
  let stoppedBy: StopSignal | undefined;
  const onSig = (sig: StopSignal) => {
    if (stoppedBy) process.exit(SIGNAL_EXIT[sig]);
    stoppedBy = sig;
    const again = sig === 'SIGINT' ? 'Ctrl-C again to quit now' : 'SIGTERM: another signal quits now';
    process.stderr.write(`\naskfirst: stopping after the current batch (${again}); ${what}\n`);
    ac.abort();
  };
  const onInt = () => onSig('SIGINT');
  const onTerm = () => onSig('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    return await fn(ac.signal);
  } catch (e) {
    // an openai: policy's (or judge's) requests in flight are aborted too, and one of theirs may be the error the job ends with
    if (stoppedBy && (e instanceof RunAborted || e instanceof RequestAborted)) throw new Interrupted(SIGNAL_EXIT[stoppedBy]);
    throw e;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

type StopSignal = keyof typeof SIGNAL_EXIT;

/** The error a job stopped by Ctrl-C (SIGTERM) ends with (what it kept was said at the signal); main() exits with `exitCode`. */
export class Interrupted extends RunAborted {
  constructor(readonly exitCode: number) {
    super(INTERRUPTED);
  }
}

const INTERRUPTED = 'run interrupted; re-run the same command to resume';

/**
 * Run `fn`, the preparation before a job saves anything (a probe generating its items, an eval reading and
 * fingerprinting its data): on Ctrl-C or SIGTERM meanwhile say so, and that nothing was saved, and exit with 130
 * (143). Without it Node ends the process silently. Synchronous work (drawing scenes) sees the signal once it
 * hands the event loop a turn.
 */
export function nothingSavedYet<T>(command: string, fn: () => Promise<T>): Promise<T> {
  return exitOnInterrupt(() => `nothing was saved (${command} had not started its run yet); run the same command again`, async () => {
    const r = await fn();
    // a signal that came during synchronous work is handled here, while the handlers listen: the event loop reads it in
    // its poll phase, which the second of two immediates follows whatever phase this is
    for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
    return r;
  });
}
