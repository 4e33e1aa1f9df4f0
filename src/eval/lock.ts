/**
 * An exclusive lock on a results directory, so two `askfirst eval` processes on the same `--out`
 * cannot both append every record (each would see the other's episodes as not yet done). The
 * lock is a file `.lock` created exclusively, holding the owner's pid and host; it is removed on
 * release and at process exit. A lock whose owner is gone (same host, pid no longer running:
 * a kill -9) is stale and taken over — atomically, so two processes finding the same stale lock
 * at the same instant cannot both take it (src/util/lockfile.ts says how).
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../util/errors.js';
import { processAlive, releasedAtExit, takeLockFile } from '../util/lockfile.js';

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

function parseOwner(text: string): Owner | null {
  try {
    const o = JSON.parse(text) as Owner;
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
  const content = JSON.stringify(me);
  // stale: unreadable, or its owner is a process of this host that is gone (another host's cannot be checked)
  const got = takeLockFile(path, content, (text) => {
    const owner = parseOwner(text);
    return !owner || (owner.host === me.host && !processAlive(owner.pid));
  });
  if (!got.ok) {
    const owner = parseOwner(got.holder)!;
    throw new ConfigError(
      `${dir} is in use by another ${what} (pid ${owner.pid} on ${owner.host}, since ${owner.started}); wait for it to finish or use another --out (if that process is gone, remove ${path})`,
    );
  }
  return { path, release: releasedAtExit(path, content) };
}
