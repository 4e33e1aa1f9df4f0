/**
 * Ending the process now, but only once what it wrote to stdout and stderr is out. Node writes to a pipe
 * asynchronously on POSIX: what the pipe has no room for (its reader more than the pipe's 64 KiB behind —
 * `askfirst eval … 2>&1 | tee log` on a slow disk, a parent process that reads later) waits in Node, and
 * `process.exit` drops it, so the last lines a command said before exiting at once ("askfirst: interrupted; …", the
 * summary before it) never reached the reader (docs/hardening.md, "Workbench and the command line"). A natural end
 * (the event loop drained) waits for those writes; `exitAfterOutput` does too before it calls `process.exit`.
 * It does not wait for ever: a stream whose reader has gone (EPIPE: cli/closed-pipe.ts) is not waited for, and one
 * whose reader takes nothing for `STALLED_MS` (`less` showing its first page) is given up, as an exit at once would.
 * Meanwhile the command's work stands still at its next turn of the event loop (`isExiting`, util/yield.ts), and a
 * further Ctrl-C or SIGTERM exits at once: the one place that does so. Every other listener for those signals (cli/signals.ts
 * `stoppable`, `untilStopped`), still listening when the exit began elsewhere (a reader gone), listens through
 * `onSignalUnlessExiting`, which leaves such a signal to it.
 */

import { libuvWriteQueue } from './libuv-queue.js';

/** How long a reader may take nothing before the exit gives its pending output up (`whenWritten`). */
export const STALLED_MS = 5000;

const POLL_MS = 10;

/** A stream an exit waits for: process.stdout or process.stderr (tests: a stand-in). */
export interface Flushable {
  readonly writableLength: number;
  readonly destroyed: boolean;
  /**
   * A pipe's or socket's libuv handle: `writeQueueSize`, the bytes of the writes under way that the kernel has not
   * taken yet. `writableLength` counts a write whole until its last byte is taken, so a reader that takes one big write
   * slowly but steadily shows progress only here. Node does not document it: absent (a file, a stand-in), only
   * `writableLength` is watched. It goes down only when the kernel wakes the writer, so how fine it is depends on what
   * stdout is (measured on Linux 6.18, Node 20, a 1 MiB write): a pipe a shell made (`askfirst … | tee`) wakes it as each
   * 4 KiB page is read — steps of 4,096 bytes, so only a reader slower than about 4 KiB in `STALLED_MS` is given up; the
   * UNIX socket pair a Node parent's `stdio: 'pipe'` makes (libuv's) wakes it only once three quarters of its send buffer
   * (212,992 bytes by default) has been read — steps of about 180 KiB (182,720 bytes, 0.56 s apart at 320 KiB/s), so
   * a reader slower than about 36 KiB/s there is given up with output left. Node has no finer measure: a socket's
   * `bytesWritten` counts bytes handed to libuv (the whole 1 MiB at once), and what the kernel still holds (FIONREAD,
   * SIOCOUTQ) needs an ioctl Node does not offer (docs/hardening.md, "Training runs and the demo").
   */
  readonly _handle?: { readonly writeQueueSize?: number } | null;
}

let exitingWith: number | undefined;

/** Whether `exitAfterOutput` was called: the process is only waiting for its output to be written before it exits. */
export function isExiting(): boolean {
  return exitingWith !== undefined;
}

/**
 * Listen for Ctrl-C and SIGTERM with `handler` (given which one came) — except once the process is exiting
 * (`isExiting`: its reader gone, a signal already acted on): such a signal is `exitAfterOutput`'s alone, which exits at
 * once, so a handler does not say "stopping after …" of a step that will not be let finish, nor start closing a server.
 * The one way askfirst listens for those signals, but for `exitAfterOutput`'s own listener. Returns what stops
 * listening. `exiting`: whether the process is exiting (tests: a stand-in for `isExiting`).
 */
export function onSignalUnlessExiting(handler: (sig: 'SIGINT' | 'SIGTERM') => void, exiting: () => boolean = isExiting): () => void {
  const onInt = () => {
    if (!exiting()) handler('SIGINT');
  };
  const onTerm = () => {
    if (!exiting()) handler('SIGTERM');
  };
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}

/**
 * Exit with `code` once stdout and stderr have written what is waiting in them — at once, before this returns, when
 * nothing is (a terminal, a file, a pipe with room) — and set `process.exitCode` to it meanwhile, so an exit sooner
 * (the event loop drained) ends with the same code; a second call while it waits changes nothing (a reader gone
 * meanwhile: cli/closed-pipe.ts; the stream is no longer waited for), and a Ctrl-C or SIGTERM meanwhile exits at once.
 * Its caller's work goes on until its next turn of the event loop: a caller that
 * must not go on awaits `untilExit()`. `process.exit` waits for every thread of libuv's pool, for ever for one blocked
 * in a call that never returns (opening a named pipe nobody opens), the signals no longer heard: the callers (130, 143:
 * cli/signals.ts `exitNow`; 141: cli/closed-pipe.ts) have the process end by a signal in its 'exit' event instead
 * (`endBySignal`), before that wait; an error's own code (1) has none to end by.
 */
export function exitAfterOutput(code: number, streams: readonly Flushable[] = [process.stdout, process.stderr]): void {
  if (exitingWith !== undefined) return; // already waiting: the first call's exit comes
  if (pending(streams) === 0) process.exit(code);
  exitingWith = code;
  process.exitCode = code;
  const now = () => process.exit(code);
  process.on('SIGINT', now); // a further Ctrl-C or SIGTERM while it waits: at once (cli/signals.ts's handlers leave it to this)
  process.on('SIGTERM', now);
  void whenWritten(streams).then(now);
}

/** A promise that never settles: what a caller of `exitAfterOutput` awaits so that none of its later code runs. */
export function untilExit(): Promise<never> {
  return new Promise<never>(() => {});
}

/**
 * Resolves once `streams` hold no pending writes (those of a destroyed stream, its reader gone, not counted), or once
 * their reader has taken no byte for `stalledMs` (a reader that takes nothing): neither what they hold nor what of the
 * writes under way is still to be taken (`_handle.writeQueueSize`) has gone down. Checked every 10 ms.
 */
export function whenWritten(streams: readonly Flushable[], stalledMs = STALLED_MS, now: () => number = Date.now): Promise<void> {
  return new Promise((resolve) => {
    let last = pending(streams);
    let lastQueued = queued(streams);
    let since = now();
    const check = () => {
      const left = pending(streams);
      if (left === 0) return resolve();
      const inQueue = queued(streams);
      if (left < last || inQueue < lastQueued) since = now(); // bytes taken: the limit counts from here
      last = left;
      lastQueued = inQueue;
      if (now() - since >= stalledMs) return resolve();
      setTimeout(check, POLL_MS);
    };
    check();
  });
}

function pending(streams: readonly Flushable[]): number {
  return streams.reduce((n, s) => n + (s.destroyed ? 0 : s.writableLength), 0);
}

function queued(streams: readonly Flushable[]): number {
  return streams.reduce((n, s) => n + (s.destroyed ? 0 : libuvWriteQueue(s)), 0);
}
