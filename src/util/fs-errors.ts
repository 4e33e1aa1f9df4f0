/**
 * Node's file-system errors (ENOTDIR, EACCES, EROFS, …) as askfirst errors that say what to fix,
 * for the CLI's last line of defence: an output directory that is a file or read-only is the
 * user's to fix, not "an unexpected error, please report it". Node's recursive mkdir reports a
 * read-only file system as ENOENT; the nearest existing ancestor tells the two apart.
 */
import { accessSync, constants, lstatSync, readlinkSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { AskfirstError, ConfigError, InputError } from './errors.js';
import { NAME_MAX_BYTES } from './sibling-name.js';

type FsError = NodeJS.ErrnoException & { path?: string; dest?: string };

/** The nearest ancestor of `p` that exists (p itself included), or null. */
function existingAncestor(p: string): string | null {
  for (let d = p; ; d = dirname(d)) {
    try {
      statSync(d);
      return d;
    } catch {
      if (dirname(d) === d) return null;
    }
  }
}

/** The symbolic link on `p` or one of its ancestors whose target does not exist (checked up to the first that exists), or null. */
function danglingLink(p: string): { path: string; target: string } | null {
  for (let d = p; dirname(d) !== d; d = dirname(d)) {
    try {
      statSync(d);
      return null; // it exists (a link to something real included): what is missing lies below it
    } catch {
      try {
        if (lstatSync(d).isSymbolicLink()) return { path: d, target: resolve(dirname(d), readlinkSync(d)) };
      } catch {
        // not there at all: look further up
      }
    }
  }
  return null;
}

/**
 * Why `p` cannot be found when a symbolic link is the cause — a link on it that leads back to itself (a loop), or one
 * to something that does not exist (what it points to named) — else null (it simply is not there, or it is).
 */
export function linkTrouble(p: string): string | null {
  try {
    statSync(p);
    return null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') return 'a symbolic link on it leads back to itself (a link loop)';
  }
  const link = danglingLink(p);
  return link ? `${link.path === p ? 'it' : link.path} is a symbolic link to ${link.target}, which does not exist` : null;
}

function writable(p: string): boolean {
  try {
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** An askfirst error for a file-system error, or null when `e` is not one we can explain. */
export function explainFsError(e: unknown): AskfirstError | null {
  if (!(e instanceof Error)) return null;
  const err = e as FsError;
  // A failed rename of a temporary file into place (fsx.ts's atomic writes) is about its destination, not the temporary name.
  // A path in writeDirAtomic's temporary sibling folder (fsx.ts) or a PGlite database being made (pglite-create.ts) is shown
  // where it is going: /p/.out.tmp-PID-HEX/x → /p/out/x.
  const raw = (err.syscall === 'rename' && err.dest ? err.dest : err.path)?.replace(/([\\/]|^)\.([^\\/]+)\.(?:tmp|old|creating)-\d+-[0-9a-f]{8}(?=[\\/]|$)/, '$1$2');
  // A temporary file (fsx.ts writeFileAtomic, lockfile.ts: `.NAME.PID.HEX.tmp` beside NAME) is named as the file it becomes: ro/.report.html.123.0a1b2c3d.tmp → ro/report.html.
  const tmpFile = /([\\/]|^)\.([^\\/]+)\.\d+\.[0-9a-f]{8}\.tmp$/;
  const path = raw?.replace(tmpFile, '$1$2');
  if (err.code === 'ENOSPC' || err.code === 'EDQUOT') return new DiskFullError(path, undefined, { cause: e }); // a write by descriptor names no path
  if (typeof err.code !== 'string' || !path) return null;
  if (err.syscall === 'rename' && err.code === 'ENOTDIR' && /[\\/]$/.test(path)) return new InputError(`${path} names a directory (it ends with "/") where a file is expected; give a file name`, { cause: e });
  const verb = raw !== path ? 'write' : err.syscall === 'open' || err.syscall === 'read' || err.syscall === 'scandir' || err.syscall === 'stat' ? 'use' : 'write';
  switch (err.code) {
    case 'ENOTDIR':
    case 'EEXIST': {
      const anc = existingAncestor(path);
      const file = anc && statSync(anc).isFile() ? anc : path;
      return new InputError(`cannot ${verb} ${path}: ${file} is a file, not a directory; choose another output directory`, { cause: e });
    }
    case 'EISDIR':
      return new InputError(`${path} is a directory where a file is expected`, { cause: e });
    case 'EACCES':
    case 'EPERM':
      return new InputError(`cannot ${verb} ${path}: permission denied (a read-only directory?); choose a directory you can write to`, { cause: e });
    case 'EROFS':
      return new InputError(`cannot write ${path}: the file system is read-only; choose an output directory on a writable disk`, { cause: e });
    case 'EMFILE':
    case 'ENFILE':
      return new ConfigError(`too many open files while using ${path}; raise the limit (ulimit -n) or lower --batch-size/--concurrency`, { cause: e });
    case 'ENOENT': {
      const link = verb === 'write' || err.syscall === 'open' ? danglingLink(path) : null; // writing through a link to nothing
      if (link) return new InputError(`cannot write ${link.path}: it is a symbolic link to ${link.target}, which does not exist; create that folder, or give another output directory`, { cause: e });
      if (err.syscall === 'mkdir') {
        const anc = existingAncestor(path);
        if (anc && !writable(anc)) return new InputError(`cannot create ${path}: ${anc} is not writable (a read-only file system or directory?); choose another output directory`, { cause: e });
      }
      return new AskfirstError('NOT_FOUND', `no such file or directory: ${path}`, { cause: e });
    }
    case 'ELOOP':
      return new InputError(`cannot ${verb} ${path}: a symbolic link on it leads back to itself (a link loop); fix or remove the link, or give another path`, { cause: e });
    case 'ENAMETOOLONG':
      return new InputError(`cannot ${verb} ${shortened(path)}: ${tooLong(path)}; choose a shorter path`, { cause: e });
    case 'EBUSY':
    case 'EXDEV':
      if (err.syscall !== 'rename') return null;
      return new InputError(
        `cannot move a folder into place at ${path}: it is a mount point, or on another file system than the folder beside it (${err.code}); give a folder inside it, on one file system`,
        { cause: e },
      );
    default:
      return null;
  }
}

/** Why a path was too long: a name in it over NAME_MAX bytes, else the whole over PATH_MAX (Linux: 4,096 bytes). */
function tooLong(path: string): string {
  const long = path.split(/[\\/]/).find((n) => Buffer.byteLength(n) > NAME_MAX_BYTES);
  if (long) return `a name in it (${shortened(long)}) is ${Buffer.byteLength(long)} bytes, more than the ${NAME_MAX_BYTES} a file system allows`;
  return `the whole path is ${Buffer.byteLength(resolve(path))} bytes, more than the file system allows (4,096 on Linux)`;
}

/** A path of more than 120 characters as its first and last 50, so a 4 KB path does not fill the terminal. */
function shortened(p: string): string {
  const cs = [...p];
  return cs.length > 120 ? `${cs.slice(0, 50).join('')}…${cs.slice(-50).join('')}` : p;
}

/**
 * The disk is full (ENOSPC, or a quota: EDQUOT) where `where` (a file, or the folder of a database) was being written:
 * "cannot write WHERE: no space left on the device (or quota exceeded); free some space or choose another disk", then,
 * once the command that failed says it (`withKept`: cli/signals.ts `stoppable`, the one place every long command goes
 * through), what it kept and how to go on — the words a Ctrl-C there would have said ("finished episodes are saved; …").
 */
export class DiskFullError extends ConfigError {
  constructor(
    readonly where: string | undefined,
    readonly kept?: string,
    options?: { cause?: unknown },
  ) {
    super(`${where ? `cannot write ${where}: ` : ''}no space left on the device (or quota exceeded); free some space or choose another disk${kept ? `; ${kept}` : ''}`, options);
  }
}

/**
 * Node's error of a write by descriptor (`writeSync(fd, …)`, a FileHandle's `writeFile`) names no file: `e` with `path`
 * set to the file written, so that explainFsError can name it (a temporary file as the one it becomes). Returns `e`.
 */
export function namePath(e: unknown, path: string): unknown {
  const err = e as FsError;
  if (e instanceof Error && typeof err.code === 'string' && !err.path) err.path = path;
  return e;
}

/** `e` as a DiskFullError that says `kept` (what the command keeps and how to go on) when it is a full disk, else `e` as it is. */
export function withKept(e: unknown, kept: string): unknown {
  const full = e instanceof DiskFullError ? e : explainFsError(e);
  if (!(full instanceof DiskFullError) || full.kept || !kept) return e;
  return new DiskFullError(full.where, kept, { cause: full === e ? full.cause : e });
}

/** A path in `message` that starts with `~` as typed: the shell expands it only where it is not quoted, askfirst never does. */
const UNEXPANDED_TILDE = /(?:^|[\s:'"(`=/])~(?:[\\/]|$|[\s:'")`])/;

/**
 * `message` with a hint when it names a path starting with `~` (`--data "~/suite"`, `--out=~/x`:
 * quoted, or after `=`, the shell leaves `~` as it is), so "no directory at ~/suite" says why.
 */
export function withTildeHint(message: string): string {
  if (!UNEXPANDED_TILDE.test(message)) return message;
  return `${message} (askfirst does not expand ~: the shell does, only where it is not quoted and not after "="; write the path as $HOME/…, or leave the quotes off)`;
}
