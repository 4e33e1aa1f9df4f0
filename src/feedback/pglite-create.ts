/**
 * Making a new PGlite database runs PostgreSQL's bootstrap (initdb) in WebAssembly: 10–30 s in which the thread running
 * it answers nothing, a command's Ctrl-C handler included (the feedback demo took that long to stop, silently). So it
 * runs in a worker thread, into a hidden sibling folder renamed into place once complete: the command stays responsive,
 * `signal` stops it at once, and a creation stopped or killed part-way leaves no half-made database (its folder is removed
 * when the creation is abandoned or the process exits; one left by a kill -9 is removed by the next creation beside it).
 * A `--db-dir` that is a link to a folder is made where the link points; one that is a mount point is refused (a folder
 * cannot be renamed onto it: util/fsx.ts refuseMountPoint).
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { refuseMountPoint } from '../util/fsx.js';
import { processAlive } from '../util/lockfile.js';
import { siblingStem } from '../util/sibling-name.js';
import { DiskFullError } from '../util/fs-errors.js';

// PGlite's file system fails with Emscripten's ErrnoError, which is no Error (a worker reports it as "#<ErrnoError>"):
// its errno is sent instead (Emscripten's numbering: ENOSPC is 51)
const CREATE = `const { workerData, parentPort } = require('node:worker_threads');
const { PGlite } = require(workerData.module);
PGlite.create(workerData.dir).then((pg) => pg.close()).then(
  () => parentPort.postMessage('created'),
  (e) => parentPort.postMessage({ errno: e && e.errno, message: String((e && e.message) || (e && e.name) || e) }),
);`;
const EMSCRIPTEN_ENOSPC = 51;

/** Why the worker failed to make the database (a full disk: DiskFullError, naming the folder). */
function createFailed(dataDir: string, m: { errno?: number; message?: string }): Error {
  if (m.errno === EMSCRIPTEN_ENOSPC) return new DiskFullError(`the feedback database ${dataDir}`);
  return new Error(`creating the PGlite database in ${dataDir} failed: ${m.message}${m.errno === undefined ? '' : ` (errno ${m.errno})`}`);
}

/** Whether `dataDir` holds a PGlite database (one made whole: see the header). */
export function hasPgliteDb(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'));
}

/**
 * PGlite writes its files readable and writable by everyone (it sets mode 666 whatever the umask: 968 of a new
 * database's 971 files, and each file it adds later), so the database is closed to other users here, as PostgreSQL's
 * initdb makes its data directory: the folder 0700, everything in it without group or other permissions (600, 700).
 * Done to a new database before it is moved into place, to one made before when it is opened by its owner, and at each
 * close to the files PGlite added meanwhile (until then the folder keeps others out). Its folder had been 755 under the
 * usual umask 022: any local user could rewrite the labels and annotators' tokens.
 */
export function keepDataDirPrivate(dataDir: string): void {
  withoutModes(dataDir, 0o077);
}

/**
 * Take the permissions in `mask` off `dir` and everything in it (links aside), if this user owns it; `readable` gives
 * every user read access too (and folders' search).
 */
function withoutModes(dir: string, mask: number, readable = false): void {
  const me = process.getuid?.();
  const set = (p: string, mode: number, add: number) => {
    const m = ((mode & 0o777 & ~mask) | (readable ? add : 0)) >>> 0;
    if (m !== (mode & 0o777)) chmodSync(p, m);
  };
  const st = statSync(dir);
  if (st.uid !== me) return;
  set(dir, st.mode, 0o555);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isSymbolicLink()) continue; // a link's mode is not its target's
    if (e.isDirectory()) withoutModes(p, mask, readable);
    else set(p, lstatSync(p).mode, 0o444);
  }
}

/** Make a PGlite database in `dataDir` unless one is there (hasPgliteDb); see the header. */
export async function createPgliteDir(dataDir: string, signal?: AbortSignal): Promise<void> {
  if (hasPgliteDb(dataDir)) return;
  signal?.throwIfAborted();
  refuseMountPoint(dataDir, '--db-dir', 'feedback-db');
  const target = existsSync(dataDir) ? realpathSync(dataDir) : dataDir; // a link to an (empty) folder: made where it points, not over the link
  const parent = dirname(target);
  const prefix = `${siblingStem(target)}.creating-`;
  mkdirSync(parent, { recursive: true });
  for (const n of readdirSync(parent)) if (n.startsWith(prefix) && !processAlive(Number(n.slice(prefix.length).split('-')[0]))) rmSync(join(parent, n), { recursive: true, force: true });
  const tmp = join(parent, `${prefix}${process.pid}-${randomBytes(4).toString('hex')}`);
  const remove = () => rmSync(tmp, { recursive: true, force: true });
  process.on('exit', remove);
  const worker = new Worker(CREATE, { eval: true, workerData: { module: createRequire(import.meta.url).resolve('@electric-sql/pglite'), dir: tmp } });
  const abandon = () => void worker.terminate();
  signal?.addEventListener('abort', abandon);
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (m: unknown) => (m === 'created' ? resolve() : reject(createFailed(dataDir, m as { errno?: number; message?: string }))));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(signal?.aborted ? signal.reason : new Error(`creating the PGlite database in ${dataDir} stopped (worker exit code ${code})`)));
    });
    keepDataDirPrivate(tmp);
    try {
      renameSync(tmp, target); // onto a missing or empty folder
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e; // another process made it meanwhile: PGlite opens that one
    }
  } finally {
    signal?.removeEventListener('abort', abandon);
    await worker.terminate();
    remove();
    process.off('exit', remove);
  }
}
