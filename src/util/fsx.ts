/**
 * File writes that never leave a half-written file behind: whole files go to a temporary
 * sibling and are renamed into place, and so do whole directories (writeDirAtomic); JSONL
 * records are appended one whole line per write.
 */
import { closeSync, existsSync, fchmodSync, fstatSync, fsyncSync, futimesSync, ftruncateSync, openSync, readdirSync, realpathSync, renameSync, rmdirSync, rmSync, statSync, writeSync, mkdirSync } from 'node:fs';
import { lstat, open, readdir, realpath, rename, mkdir, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describeError, InputError } from './errors.js';
import { namePath } from './fs-errors.js';
import { processAlive } from './lockfile.js';
import { siblingStem } from './sibling-name.js';
import { readTextFileSync } from './text-file.js';

/** A temporary sibling of `path`, `.NAME.PID.HEX.tmp`; the first in a folder clears what killed writers left there. */
function tmpName(path: string): string {
  removeDeadTmpFiles(dirname(path));
  return join(dirname(path), `${siblingStem(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

const TMP_FILE = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;
const clearedDirs = new Set<string>();

/**
 * Remove the temporary files (`.NAME.PID.HEX.tmp`, ours and lockfile.ts's) that a writer killed mid-write (kill -9, a
 * power cut) left in `dir`: nothing else ever would, and a re-run writes under a new name. A file whose process still
 * runs here is another writer's, in progress, and stays (as does a reused pid's: kept, never wrongly removed). Once per
 * folder per process — a run writes many files into one folder, and what a killed run left is there from the start.
 */
function removeDeadTmpFiles(dir: string): void {
  const key = resolve(dir);
  if (clearedDirs.has(key)) return;
  clearedDirs.add(key);
  let names: string[];
  try {
    names = readdirSync(key);
  } catch {
    return; // not there yet (the writer creates it) or unreadable (the write itself will say why)
  }
  for (const name of names) {
    const pid = Number(TMP_FILE.exec(name)?.[1]);
    if (!pid || pid === process.pid || processAlive(pid)) continue;
    rmSync(join(key, name), { force: true });
  }
}

/**
 * Write a whole file atomically: a temporary sibling, fsync, rename (the parent directory is
 * created if missing). On failure the temporary file is removed and `path` is left as it was.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tmpName(path);
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw namePath(e, tmp); // a write by descriptor names no file
  }
}

/**
 * A file written piece by piece that appears whole, as writeFileAtomic's: `open` starts a temporary sibling, `write`
 * appends to it, `commit` fsyncs and renames it into place, `abort` removes it (`path` left as it was). For a file too
 * large to hold in memory at once (an export's JSONL over thousands of episodes).
 */
export class AtomicFileWriter {
  private constructor(
    readonly path: string,
    private readonly tmp: string,
    private fh: FileHandle | null,
  ) {}

  static async open(path: string): Promise<AtomicFileWriter> {
    await mkdir(dirname(path), { recursive: true });
    const tmp = tmpName(path);
    return new AtomicFileWriter(path, tmp, await open(tmp, 'w'));
  }

  async write(data: string | Uint8Array): Promise<void> {
    if (!this.fh) throw new Error(`${this.path}: write after commit or abort`);
    try {
      await this.fh.writeFile(data); // the whole of data, at the current position (after what was written before)
    } catch (e) {
      await this.abort();
      throw namePath(e, this.tmp);
    }
  }

  async commit(): Promise<void> {
    if (!this.fh) throw new Error(`${this.path}: commit after commit or abort`);
    const fh = this.fh;
    try {
      await fh.sync();
      await fh.close();
      this.fh = null;
      await rename(this.tmp, this.path);
    } catch (e) {
      await this.abort();
      throw namePath(e, this.tmp);
    }
  }

  /** Remove the temporary file (nothing when already committed or aborted). */
  async abort(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    await fh?.close().catch(() => undefined);
    await rm(this.tmp, { force: true });
  }
}

/** How many written files StagedFiles fsyncs together at most. */
export const STAGED_SYNC_BATCH = 256;

/**
 * Files written into a folder that is published only later, whole (a staging folder whose files are then moved into
 * place, writeDirAtomic's temporary folder): each is written as it is, and they are fsynced together — every
 * STAGED_SYNC_BATCH files as they come, and the rest at `flush`, which must be awaited before the folder or its files are
 * published. A crash before that leaves only the unpublished folder, which the next write discards, so no file needs a
 * temporary name of its own. writeFileAtomic's temporary file, fsync and rename per file, waited on one after another,
 * was most of the wall time of `askfirst export` and `suite generate` (an fsync takes milliseconds; thousands of images);
 * fsyncs issued together share the file system's journal commits.
 */
export class StagedFiles {
  private pending: string[] = [];
  private readonly made = new Set<string>();

  async write(path: string, data: Uint8Array): Promise<void> {
    const parent = dirname(path);
    if (!this.made.has(parent)) await mkdir(parent, { recursive: true });
    this.made.add(parent);
    await writeFile(path, data).catch((e: unknown) => {
      throw namePath(e, path); // a full disk: the write's error names no file
    });
    this.pending.push(path);
    if (this.pending.length >= STAGED_SYNC_BATCH) await this.flush();
  }

  /** fsync every file written since the last flush (all opened first, then synced together). */
  async flush(): Promise<void> {
    const paths = [...new Set(this.pending)]; // a file written twice (two ids named alike) is synced once
    this.pending = [];
    const handles: FileHandle[] = [];
    try {
      const opened = await Promise.allSettled(paths.map((p) => open(p, 'r+')));
      for (const h of opened) if (h.status === 'fulfilled') handles.push(h.value);
      const failed = opened.find((h) => h.status === 'rejected');
      if (failed) throw failed.reason;
      await Promise.all(handles.map((h, i) => h.sync().catch((e: unknown) => Promise.reject(namePath(e, paths[i])))));
    } finally {
      await Promise.all(handles.map((h) => h.close().catch(() => undefined)));
    }
  }
}

/** A file's permissions and times, which writeFileAtomicSync can give the file it writes (a file put back as it was). */
export interface FileMeta {
  /** st_mode; its permission bits (0o7777) are given */
  mode: number;
  atime: Date;
  mtime: Date;
}

/**
 * Synchronous twin of writeFileAtomic (checkpoints, exit handlers). `meta`: the permissions and times the file gets, set on
 * the temporary file before it is renamed into place (so the file never appears with others).
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, meta?: FileMeta): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tmpName(path);
  try {
    const fd = openSync(tmp, 'w');
    try {
      const b = typeof data === 'string' ? Buffer.from(data) : data;
      for (let off = 0; off < b.length; ) off += writeSync(fd, b, off, b.length - off); // writeSync may write less than asked
      if (meta) {
        fchmodSync(fd, meta.mode & 0o7777);
        futimesSync(fd, meta.atime, meta.mtime);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw namePath(e, tmp);
  }
}

/** A hidden sibling of `path` for a directory being written (`what`: tmp) or moved aside (old). */
function siblingDir(path: string, what: 'tmp' | 'old'): string {
  return join(dirname(path), `${siblingStem(path)}.${what}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Remove what writeDirAtomic runs on `target` left when their process was killed part-way (`what`): their temporary
 * folders, or the earlier folders they had moved aside — those only once a new `target` is in place (killed between
 * its two renames, the one moved aside is the only copy of the earlier directory until then: a `target` folder that
 * merely exists again proves nothing, `askfirst export` makes one for its lock before writing).
 */
async function removeLeftovers(target: string, what: 'tmp' | 'old'): Promise<void> {
  const stem = siblingStem(target).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const mine = new RegExp(`^${stem}\\.${what}-(\\d+)-[0-9a-f]{8}$`);
  for (const name of await readdir(dirname(target))) {
    const m = mine.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    await rm(join(dirname(target), name), { recursive: true, force: true });
  }
}

/**
 * Remove the temporary folders this process's writeDirAtomic runs on `dir` are filling, at once (synchronous: for a
 * command stopped by Ctrl-C part-way, guardRun's `unlessDone`), so that nothing partial is left beside `dir`; the next
 * run removed them before (removeLeftovers), and a user saw a hidden `.out.tmp-PID-HEX` of thousands of images meanwhile.
 */
export function removeOwnPartialDirs(dir: string): void {
  let target = resolve(dir);
  try {
    target = realpathSync(target);
  } catch {
    // not there (yet): its siblings are named after the path as given
  }
  const mine = new RegExp(`^${siblingStem(target).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.tmp-${process.pid}-[0-9a-f]{8}$`);
  let names: string[];
  try {
    names = readdirSync(dirname(target));
  } catch {
    return;
  }
  for (const name of names) if (mine.test(name)) rmSync(join(dirname(target), name), { recursive: true, force: true });
}

/**
 * Refuse a `dir` that is a mount point (its real path's parent is on another file system: a Docker volume, a USB disk,
 * a tmpfs mounted there) where askfirst makes a folder beside it and renames it into place (writeDirAtomic, a new PGlite
 * database): rename(2) cannot replace a mount point (EBUSY, after all the work) nor move across file systems (EXDEV).
 * `inside`: the name the message suggests for a folder inside it.
 */
export function refuseMountPoint(dir: string, flag: string, inside: string): void {
  let target: string;
  try {
    target = realpathSync(dir);
  } catch {
    return; // not there (yet): made beside its parent, on the parent's file system
  }
  if (dirname(target) === target || !statSync(target).isDirectory() || statSync(target).dev === statSync(dirname(target)).dev) return;
  throw new InputError(
    `${flag} ${dir} is a mount point (a file system of its own): askfirst makes this folder beside it and renames it into place, which cannot be done to a mount point; give a folder inside it, e.g. ${join(dir, inside)}`,
  );
}

/**
 * Write a whole directory so that it appears at once: `fill(tmp)` writes every file into a new
 * temporary sibling (same parent, so the same file system), which is then renamed to `dir`. A
 * reader, or a crash, never finds some new files beside old ones. An existing `dir` — the
 * caller has checked it may be replaced — is renamed aside first and removed once the new one is
 * in place: rename(2) cannot replace a non-empty directory in one step, so a crash between those
 * two renames leaves `dir` missing and both versions beside it under their dot-names, nothing
 * lost. On a failure before that the temporary sibling is removed and `dir` is left as it was;
 * what a killed run left is removed by the next one (removeLeftovers): its temporary folder at
 * the start, an earlier folder it had moved aside once the new one is in place. A `dir` that is a
 * symbolic link to a directory is replaced where the link points; one that is a mount point is refused before `fill`
 * (refuseMountPoint).
 */
export async function writeDirAtomic(dir: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  refuseMountPoint(dir, 'the folder', 'out');
  let target = resolve(dir);
  try {
    target = await realpath(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(dirname(target), { recursive: true });
  const exists = () =>
    lstat(target).then(
      () => true,
      (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? false : Promise.reject(e)),
    );
  await removeLeftovers(target, 'tmp');
  const tmp = siblingDir(target, 'tmp');
  await mkdir(tmp);
  let old: string | null = null;
  try {
    await fill(tmp);
    if (await exists()) {
      old = siblingDir(target, 'old');
      await rename(target, old);
    }
    try {
      await rename(tmp, target);
    } catch (e) {
      if (old) await rename(old, target); // put the earlier one back
      old = null;
      throw e;
    }
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  if (old) await rm(old, { recursive: true, force: true });
  await removeLeftovers(target, 'old');
}

/**
 * Write `values` as a JSONL file (one JSON value a line), atomically, a few hundred lines at a time (AtomicFileWriter):
 * never one string of the whole file, which a JavaScript string cannot hold past ~512 MB (some 600,000 episode records).
 * `values` may be made one at a time as they are written (eval/store.ts: records read back from the file being replaced),
 * so none need be held.
 */
export async function writeJsonlAtomic(path: string, values: Iterable<unknown> | AsyncIterable<unknown>): Promise<void> {
  const file = await AtomicFileWriter.open(path);
  try {
    let lines: string[] = [];
    for await (const v of values) {
      lines.push(JSON.stringify(v) + '\n');
      if (lines.length === 500) {
        await file.write(lines.join(''));
        lines = [];
      }
    }
    if (lines.length) await file.write(lines.join(''));
  } catch (e) {
    await file.abort(); // the values failed (a line read back no longer parses): `path` stays as it was
    throw e;
  }
  await file.commit();
}

/** An append-only JSONL file: each record is one complete line, or nothing if its write fails part-way. */
export class JsonlAppender {
  private fd: number;
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
  }
  append(record: unknown): void {
    this.appendRaw(JSON.stringify(record) + '\n');
  }
  /** Append text as it is (e.g. CSV rows). */
  appendRaw(text: string): void {
    if (!text) return;
    const b = Buffer.from(text);
    let off = 0;
    try {
      while (off < b.length) off += writeSync(this.fd, b, off, b.length - off); // a nearly full disk may write less than asked
    } catch (e) {
      // the part of the line already written is taken back, so the file holds whole lines only (the writer holds the lock)
      if (off > 0) ftruncateSync(this.fd, fstatSync(this.fd).size - off);
      throw namePath(e, this.path); // a full disk: Node's error names no file
    }
  }
  sync(): void {
    try {
      fsyncSync(this.fd);
    } catch (e) {
      throw namePath(e, this.path);
    }
  }
  close(): void {
    if (this.fd >= 0) {
      const fd = this.fd;
      this.fd = -1;
      syncAndClose(fd, this.path);
    }
  }
}

/** fsync then close a file written by descriptor; a failed fsync (a full disk) names `path` (Node's error names none). */
export function syncAndClose(fd: number, path: string): void {
  try {
    fsyncSync(fd);
  } catch (e) {
    throw namePath(e, path);
  } finally {
    closeSync(fd);
  }
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

export { writeFile };

/**
 * The JSON value in a file a flag names (`--config FILE`): a missing file, a folder or text that
 * is not JSON is an InputError that starts with the flag and the path and says which it is.
 */
export function readJsonFlagFile(flag: string, path: string): unknown {
  let text: string;
  try {
    text = readTextFileSync(path); // a byte-order mark dropped, as Windows editors save one
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder; give a JSON file' : code === 'EACCES' ? 'permission denied' : describeError(e);
    throw new InputError(`${flag} ${path}: ${why}`, { cause: e });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    // V8 quotes a short file whole in its message, newlines and all: one line, as every CLI error is
    throw new InputError(`${flag} ${path}: not a JSON file (${describeError(e).replace(/\s*\n\s*/g, ' ').trim()})`, { cause: e });
  }
}

/**
 * The folders that creating `dir` with its parents makes: `dir` and each parent not there yet, deepest first (none when
 * `dir` exists). Taken before a run creates them, so that a run that leaves nothing removes them again
 * (`removeEmptyFolders`: cli/run-guard.ts's --out and the folders on its way, util/run-settings.ts's undo).
 */
export function missingFolders(dir: string): string[] {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.push(d);
  return missing;
}

/**
 * Remove `folders` (deepest first, as `missingFolders` gives them) while each is empty: the first that holds something
 * (another process's file written meanwhile), is gone or cannot be removed stops it, and its parents stay.
 */
export function removeEmptyFolders(folders: readonly string[]): void {
  for (const d of folders) {
    try {
      rmdirSync(d); // an empty folder only
    } catch {
      return;
    }
  }
}
