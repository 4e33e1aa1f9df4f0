/**
 * Named pipes that hold a command in the phase a test signals it in: a command reading one waits there — a thread of
 * libuv's pool blocked in the read — until the test writes or ends its side (interrupt.test.ts,
 * feedback-interrupt.test.ts, signals.test.ts). A command that ends at once — at a signal (cli/signals.ts `exitNow`) or
 * with its reader gone (cli/closed-pipe.ts `exitClosed`, 141) — ends by the signal itself (`endBySignal`), before Node's
 * exit would join that thread: the test holds the pipe open, writing nothing, until the command has exited, so a
 * command held in its exit by the blocked read fails the test instead of being let go by a write (interrupt.test.ts 'a
 * reader gone, then Ctrl-C' once wrote the replies for the 141 exit: it no longer needs to). A command stopping in order
 * reads on to the end of its step, so then the test ends the pipe (`inPipe`).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { onTestFinished } from 'vitest';
import { exited } from './child.js';

/** A named pipe at `path` (`mkfifo`): a command that reads it waits there until the test writes, so it can be signalled in that phase. */
export function namedPipe(path: string): string {
  execFileSync('mkfifo', [path]);
  return path;
}

/**
 * Open the named pipe `path` for writing once `child` has opened it to read, and hold it open, writing nothing, until
 * `child` has exited (a test that ends first — a timeout: the child waits on the pipe — kills it and closes the pipe).
 * Nothing needs writing to let a command that ends at once go (it ends by the signal, its read still blocked); the
 * writer is returned for a test that feeds the command (a bad line, the end of the pipe) or ends a step in order.
 * If the child ends without opening the pipe, the waiting open is let go (the pipe opened from this side too, without
 * blocking), so the test fails on what the child said instead of hanging.
 */
export async function holdPipe(path: string, child: ChildProcess): Promise<FileHandle> {
  let opened = false;
  const ended = exited(child);
  void ended.then(async () => {
    if (!opened) await (await open(path, constants.O_RDONLY | constants.O_NONBLOCK)).close();
  });
  const writer = await open(path, 'w');
  opened = true;
  const close = async () => {
    child.kill('SIGKILL');
    await ended;
    await writer.close().catch(() => {});
  };
  onTestFinished(close);
  void ended.then(() => writer.close().catch(() => {}));
  return writer;
}

/**
 * Send `sig` to `child` once it has opened the named pipe `path` to read it (it waits there for the test), after
 * `meanwhile(writer)`. If the child then says it is stopping (in order: it reads on to the end of its step), the pipe is
 * ended; if it says it was interrupted (it exits at once), the pipe stays open, nothing written, until it has exited:
 * it ends by the signal (`endBySignal`), not waiting in Node's exit for its thread blocked in that read (`holdPipe`).
 */
export async function inPipe(path: string, child: ChildProcess, sig: NodeJS.Signals, meanwhile: (w: FileHandle) => Promise<void> = async () => {}): Promise<void> {
  const writer = await holdPipe(path, child);
  await meanwhile(writer);
  const said = new Promise<string>((resolve) => {
    let err = '';
    child.stderr?.on('data', (b: Buffer) => {
      const m = /askfirst: (interrupted|stopping)/.exec((err += b.toString()));
      if (m) resolve(m[1]);
    });
    void exited(child).then(() => resolve('exited'));
  });
  child.kill(sig);
  if ((await said) === 'stopping') await writer.close().catch(() => {});
}

/** Resolves once `child` has written a line matching `line` on stderr (or has exited). */
export function saidOnStderr(child: ChildProcess, line: RegExp): Promise<void> {
  return new Promise<void>((resolve) => {
    let err = '';
    child.stderr?.on('data', (b: Buffer) => line.test((err += b.toString())) && resolve());
    void exited(child).then(() => resolve());
  });
}
