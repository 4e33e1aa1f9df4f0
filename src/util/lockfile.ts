/**
 * Lock files that name their owner (a pid, a host …), taken with an exclusive create and taken
 * over when their owner is gone — atomically, so that two processes finding the same stale lock
 * at the same instant never both end up holding it.
 *
 * Taking: the content goes to a private temporary file first, which is then hard-linked to the
 * lock's name. link(2) fails with EEXIST when the name exists, so it is an exclusive create (an
 * atomic one on NFS too, unlike O_EXCL on old clients), and the lock appears with its whole
 * content: no one ever reads a lock its owner has created but not yet written and takes the empty
 * file for a stale one. (On a file system without hard links: O_EXCL, then the write.)
 *
 * Taking over: removing a stale lock by its name and creating a new one is a check-then-act race
 * — A and B both read the dead owner; A removes the lock and creates its own; B, acting on what it
 * read before, removes A's live lock and creates its own: both hold it (the race of
 * proper-lockfile's issue #121 and npm/lockfile's issue #4). So a stale lock is removed only under
 * a second lock, `<lock>.takeover` (a lock of the lock, taken the same exclusive way), whose holder
 * reads the lock again and removes it only if it is still stale; then every contender goes back to
 * the exclusive create, which exactly one of them wins. While the takeover lock is held the lock
 * cannot change between that second read and the removal: its owner is dead and cannot release it,
 * an exclusive create cannot replace it, and no one else may remove it. The takeover lock is held
 * for a few system calls; one left behind by a process killed in that instant is not removed
 * automatically (that would be the same race one level up): the error names it for the user.
 */
import { closeSync, linkSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { namePath } from './fs-errors.js';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { atExit } from './at-exit.js';
import { AskfirstError } from './errors.js';

export type LockAttempt = { ok: true } | { ok: false; holder: string };

/** How long a contender waits for another's takeover (a few system calls) before giving up. */
const TAKEOVER_WAIT_MS = 2000;
const TAKEOVER_POLL_MS = 5;

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Whether a process with this pid runs here (EPERM: it does, as another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Create `path` holding `content` unless it exists (false then). */
function createExclusive(path: string, content: string): boolean {
  // `.NAME.PID.HEX.tmp` beside it, as fsx.ts names its temporary files (fs-errors.ts names either by NAME)
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, content, { flag: 'wx' });
  } catch (e) {
    rmSync(tmp, { force: true }); // created, then its write failed (a full disk)
    throw namePath(e, tmp); // Node's error of that write names no file
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
  // no hard links here (FAT, some network or FUSE mounts): O_EXCL, then the content
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, content);
  } catch (e) {
    closeSync(fd);
    rmSync(path, { force: true }); // ours, made just now: an empty lock would name no owner
    throw namePath(e, path);
  }
  closeSync(fd);
  return true;
}

/** The lock's text, or null when there is no lock. */
function readLock(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Take the lock file `path` with `content` (naming this process), taking over a lock whose owner
 * is gone (`isStale(text)`) atomically. Returns `{ ok: false, holder }` with the text of the live
 * lock that holds it.
 */
export function takeLockFile(path: string, content: string, isStale: (text: string) => boolean): LockAttempt {
  const guard = `${path}.takeover`;
  let waited = 0;
  for (let pass = 0; pass < 1000; pass++) {
    if (createExclusive(path, content)) return { ok: true };
    const text = readLock(path);
    if (text === null) continue; // released in between: try again
    if (!isStale(text)) return { ok: false, holder: text };
    if (!createExclusive(guard, content)) {
      const other = readLock(guard);
      if (other !== null && isStale(other)) {
        throw new AskfirstError(
          'CONFLICT',
          `${guard} was left by a process that stopped while taking over the stale lock ${path}; if no askfirst process is using it, remove both files and try again`,
        );
      }
      if (waited >= TAKEOVER_WAIT_MS) throw new AskfirstError('CONFLICT', `another process is taking over the lock ${path} (${guard}) and has not finished; try again`);
      sleep(TAKEOVER_POLL_MS);
      waited += TAKEOVER_POLL_MS;
      continue;
    }
    try {
      const now = readLock(path); // read again: another takeover may have finished before we got the guard
      if (now !== null && isStale(now)) rmSync(path, { force: true });
    } finally {
      rmSync(guard, { force: true });
    }
  }
  throw new AskfirstError('CONFLICT', `cannot take the lock ${path}: it keeps changing; try again`);
}

/** Remove the lock file `path` if it still holds `content` (this process's lock). */
export function releaseLockFile(path: string, content: string): void {
  if (readLock(path) === content) rmSync(path, { force: true });
}

/**
 * The release of a lock file just taken (`takeLockFile`): removes `path` if it still holds `content`, once — when called,
 * or at the process's exit (util/at-exit.ts), whichever comes first (a second Ctrl-C, `process.exit`: only kill -9, or a signal with no
 * handler, leaves the lock, and the next run takes it over as stale).
 */
export function releasedAtExit(path: string, content: string): () => void {
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    unlist();
    releaseLockFile(path, content);
  };
  const unlist = atExit(release);
  return release;
}
