/**
 * Making a new PGlite database. PostgreSQL's bootstrap (initdb) in WebAssembly costs 4–6 s of CPU and 0.85 GB of memory
 * (two PostgreSQL instances and initdb's own, 10–30 s on a loaded machine), and every new database's is the same files;
 * so `npm run build` runs it once, into build/pglite-template (`makePgliteTemplate`: data/; manifest.json, its folders
 * and each file's size; VERSION, the PGlite version that made it), and a new database is that folder copied: 0.2 s, no
 * WebAssembly, the memory of a copy, made this user's own (600, 700) even where the template is read-only, with the empty
 * folders that `npm pack` leaves out of an installed package made again (PostgreSQL does not start without them).
 * Without a template of the PGlite version installed, or with one that lacks a file of its manifest or whose file has
 * another size (not built, PGlite upgraded since, damaged), initdb runs as before, in a worker thread: the thread running
 * it would answer nothing, a command's Ctrl-C handler included. Either way the database is
 * made in a hidden sibling folder renamed into place once complete: `signal` stops it (at once in the worker, after the
 * copy otherwise), and a creation stopped or killed part-way leaves no half-made database (its folder is removed when the
 * creation is abandoned or the process exits; one left by a kill -9 is removed by the next creation beside it).
 * A `--db-dir` that is a link to a folder is made where the link points; one that is a mount point is refused (a folder
 * cannot be renamed onto it: util/fsx.ts refuseMountPoint).
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { atExit } from '../util/at-exit.js';
import { refuseMountPoint } from '../util/fsx.js';
import { processAlive } from '../util/lockfile.js';
import { siblingStem } from '../util/sibling-name.js';
import { DiskFullError } from '../util/fs-errors.js';
import { packageRoot } from '../util/package-root.js';

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
  withModes(dataDir, 0o077);
}

/** Permissions added to folders and to files. */
interface Added {
  folders: number;
  files: number;
}
/** Everyone may read (and search folders): the template. */
const READABLE: Added = { folders: 0o555, files: 0o444 };
/** Its owner may read and write (and search folders): a database, a copy of a read-only template's too. */
const OWN: Added = { folders: 0o700, files: 0o600 };

/** Take the permissions in `mask` off `dir` and everything in it (links aside), if this user owns it, and add `add`'s. */
function withModes(dir: string, mask: number, add: Added = { folders: 0, files: 0 }): void {
  const me = process.getuid?.();
  const set = (p: string, mode: number, plus: number) => {
    const m = ((mode & 0o777 & ~mask) | plus) >>> 0;
    if (m !== (mode & 0o777)) chmodSync(p, m);
  };
  const st = statSync(dir);
  if (st.uid !== me) return;
  set(dir, st.mode, add.folders);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isSymbolicLink()) continue; // a link's mode is not its target's
    if (e.isDirectory()) withModes(p, mask, add);
    else set(p, lstatSync(p).mode, add.files);
  }
}

/**
 * Remove a creation's hidden folder. A copy of a read-only template stopped part-way holds folders this user may not
 * write (fs.cp gives each the template's mode once its files are in): made writable first, so no such folder stays.
 */
function removeCreating(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EACCES') throw e;
    withModes(dir, 0, OWN);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The PGlite version installed (the one that opens the databases). */
function pgliteVersion(): string {
  const main = createRequire(import.meta.url).resolve('@electric-sql/pglite'); // …/dist/index.cjs: its package.json is not exported
  return (JSON.parse(readFileSync(join(dirname(main), '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/** Where `npm run build` makes the empty database a new one is copied from (see the header). */
export function pgliteTemplateDir(): string {
  return join(packageRoot(), 'build', 'pglite-template');
}

/** What the template's data/ holds (manifest.json): every folder, relative, and every file's size. */
interface TemplateManifest {
  folders: string[];
  files: Record<string, number>;
}
const MANIFEST = 'manifest.json';

/** The folders and files' sizes under `dir`, by path relative to it ('/'-separated), in name order. */
function listTree(dir: string, rel = '', into: TemplateManifest = { folders: [], files: {} }): TemplateManifest {
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      into.folders.push(p);
      listTree(dir, p, into);
    } else into.files[p] = statSync(join(dir, p)).size;
  }
  return into;
}

/** A template a new database is copied from: its database folder, and the folders to make in the copy. */
interface UsableTemplate {
  data: string;
  folders: string[];
}

/**
 * The template in `dir` if the PGlite version installed made it and every file of its manifest is there with its size,
 * else undefined (initdb runs instead); only read, never written. ASKFIRST_TEST_PGLITE_INITDB=1 ignores it: the tests of
 * a creation stopped in the worker.
 */
function usableTemplate(dir: string): UsableTemplate | undefined {
  if (process.env.ASKFIRST_TEST_PGLITE_INITDB === '1') return undefined;
  try {
    if (readFileSync(join(dir, 'VERSION'), 'utf8') !== pgliteVersion()) return undefined;
    const m = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Partial<TemplateManifest>;
    const data = join(dir, 'data');
    if (!Array.isArray(m.folders) || typeof m.files !== 'object' || m.files === null || !hasPgliteDb(data)) return undefined;
    for (const [f, size] of Object.entries(m.files)) if (statSync(join(data, f)).size !== size) return undefined;
    return { data, folders: m.folders.map(String) };
  } catch {
    return undefined; // none, or a file missing
  }
}

/** Run PGlite's initdb into `dir` in a worker thread (see the header); `signal` ends the worker at once. */
async function initdbInWorker(dir: string, dataDir: string, signal?: AbortSignal): Promise<void> {
  const worker = new Worker(CREATE, { eval: true, workerData: { module: createRequire(import.meta.url).resolve('@electric-sql/pglite'), dir } });
  const abandon = () => void worker.terminate();
  signal?.addEventListener('abort', abandon);
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (m: unknown) => (m === 'created' ? resolve() : reject(createFailed(dataDir, m as { errno?: number; message?: string }))));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(signal?.aborted ? signal.reason : new Error(`creating the PGlite database in ${dataDir} stopped (worker exit code ${code})`)));
    });
  } finally {
    signal?.removeEventListener('abort', abandon);
    await worker.terminate();
  }
}

/**
 * Copy the template's database into `dir`, with the folders an installed package's template lacks (`npm pack` leaves
 * out empty folders), and make it this user's own (600, 700: fs.cp gives each entry the template's mode, which may be
 * read-only); a full disk is a DiskFullError naming the database, not the hidden folder.
 */
async function copyTemplate(template: UsableTemplate, dir: string, dataDir: string, signal?: AbortSignal): Promise<void> {
  try {
    await cp(template.data, dir, { recursive: true, errorOnExist: true, force: false });
    for (const f of template.folders) mkdirSync(join(dir, f), { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') throw new DiskFullError(`the feedback database ${dataDir}`, undefined, { cause: e });
    throw e;
  }
  withModes(dir, 0o077, OWN);
  signal?.throwIfAborted();
}

/**
 * Make build/pglite-template (`npm run build`): PGlite's initdb once, its files writable by none but the builder; nothing
 * to do when one of the PGlite version installed is there, whole. Made beside it and renamed into place.
 */
export async function makePgliteTemplate(): Promise<string> {
  const dir = pgliteTemplateDir();
  if (usableTemplate(dir)) return `${dir}: already made by PGlite ${pgliteVersion()}`;
  const tmp = `${dir}.creating-${process.pid}-${randomBytes(4).toString('hex')}`;
  const remove = () => rmSync(tmp, { recursive: true, force: true });
  const unlist = atExit(remove);
  try {
    mkdirSync(tmp, { recursive: true });
    await initdbInWorker(join(tmp, 'data'), join(tmp, 'data'));
    withModes(tmp, 0o022, READABLE); // read by every user who runs askfirst (each copy is then made theirs alone), written by none
    writeFileSync(join(tmp, MANIFEST), `${JSON.stringify(listTree(join(tmp, 'data')))}\n`);
    writeFileSync(join(tmp, 'VERSION'), pgliteVersion());
    rmSync(dir, { recursive: true, force: true }); // one of another version, or damaged
    renameSync(tmp, dir);
  } finally {
    remove();
    unlist();
  }
  return `${dir}: made by PGlite ${pgliteVersion()}`;
}

/**
 * Make a PGlite database in `dataDir` unless one is there (hasPgliteDb); see the header. `template`: the folder holding
 * the template (build/pglite-template, which `npm run build` makes).
 */
export async function createPgliteDir(dataDir: string, signal?: AbortSignal, template = pgliteTemplateDir()): Promise<void> {
  if (hasPgliteDb(dataDir)) return;
  signal?.throwIfAborted();
  refuseMountPoint(dataDir, '--db-dir', 'feedback-db');
  const target = existsSync(dataDir) ? realpathSync(dataDir) : dataDir; // a link to an (empty) folder: made where it points, not over the link
  const parent = dirname(target);
  const prefix = `${siblingStem(target)}.creating-`;
  mkdirSync(parent, { recursive: true });
  for (const n of readdirSync(parent)) if (n.startsWith(prefix) && !processAlive(Number(n.slice(prefix.length).split('-')[0]))) removeCreating(join(parent, n));
  const tmp = join(parent, `${prefix}${process.pid}-${randomBytes(4).toString('hex')}`);
  const remove = () => removeCreating(tmp);
  const unlist = atExit(remove);
  try {
    const usable = usableTemplate(template);
    if (usable) await copyTemplate(usable, tmp, dataDir, signal); // made this user's own
    else {
      await initdbInWorker(tmp, dataDir, signal);
      keepDataDirPrivate(tmp);
    }
    try {
      renameSync(tmp, target); // onto a missing or empty folder
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e; // another process made it meanwhile: PGlite opens that one
    }
  } finally {
    remove();
    unlist();
  }
}
