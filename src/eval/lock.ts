/**
 * An exclusive lock on a results directory, so two `askfirst eval` processes on the same `--out`
 * cannot both append every record (each would see the other's episodes as not yet done). The
 * lock is a file `.lock` created with O_EXCL holding the owner's pid and host; it is removed on
 * release and at process exit. A lock whose owner is gone (same host, pid no longer running:
 * a kill -9) is stale and taken over.
 */
import { mkdirSync, openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../util/errors.js';

export const LOCK_FILE = '.lock';

interface Owner {
  pid: number;
  host: string;
  started: string;
}

export interface DirLock {
  path: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

function readOwner(path: string): Owner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Owner;
    return Number.isInteger(o?.pid) && typeof o.host === 'string' ? o : null;
  } catch {
    return null;
  }
}

/** Take the lock on `dir` (created if needed), or throw a ConfigError naming the process that holds it. */
export function lockDir(dir: string, what = 'askfirst eval'): DirLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const me: Owner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, JSON.stringify(me));
      } finally {
        closeSync(fd);
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new ConfigError(`${dir} is locked by another process (${path}); remove that file if no askfirst process is using the directory`);
        throw e;
      }
      const owner = readOwner(path);
      if (owner && (owner.host !== me.host || alive(owner.pid))) {
        throw new ConfigError(
          `${dir} is in use by another ${what} (pid ${owner.pid} on ${owner.host}, since ${owner.started}); wait for it to finish or use another --out (if that process is gone, remove ${path})`,
        );
      }
      rmSync(path, { force: true }); // stale: its owner was killed
    }
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    const owner = readOwner(path);
    if (owner?.pid === me.pid && owner.host === me.host) rmSync(path, { force: true });
  };
  process.on('exit', release);
  return { path, release };
}
