/**
 * A file-system fault at an exact moment, preloaded into a spawned `askfirst` (`node --import tsx --import THIS
 * bin/askfirst.js …`, cli-kill.ts `runCliWithFault`), never imported by askfirst itself. The environment says which:
 * - ASKFIRST_TEST_FAULT_OP: `write` — a write to a file whose path contains ASKFIRST_TEST_FAULT_PATH (by fd:
 *   `writeSync`/`write` on a descriptor opened by `openSync`/`open`/`fs.promises.open`; a FileHandle's
 *   `write`/`writeFile`/`appendFile`; `writeFileSync`/`appendFileSync`/`writeFile`/`appendFile` and their promise
 *   forms, by path or descriptor) — or `rename` — a rename of a file out of a path containing it into a path that does
 *   not (a staged image moved out of `.writing/` into place) — or `copy` — a copy of a file (`copyFile`, `fs.cp`'s
 *   too) into a path containing it (a new database's files copied from the PGlite template);
 * - ASKFIRST_TEST_FAULT_NTH: which one (1 by default; counted over the matching calls only);
 * - ASKFIRST_TEST_FAULT: `kill` — the process kills itself with SIGKILL just before it (kill -9 at a moment that lasts
 *   milliseconds on a fast machine, hit every time, where watching files from outside could miss it) — or `enospc` — it
 *   and every matching one after it fails as on a full disk (Node's ENOSPC error, nothing written), so a full disk is
 *   tested without root or a small file system.
 * The `node:fs` functions are patched and `syncBuiltinESMExports()` makes `import { writeSync } from 'node:fs'` see the
 * patch; FileHandle's methods are patched on its prototype.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const op = process.env.ASKFIRST_TEST_FAULT_OP;
const part = process.env.ASKFIRST_TEST_FAULT_PATH ?? '';
const nth = Number(process.env.ASKFIRST_TEST_FAULT_NTH ?? '1');
const fault = process.env.ASKFIRST_TEST_FAULT ?? 'kill';

let seen = 0;
/** Called before each matching call: kills the process, or throws ENOSPC once the nth has come. */
function hit(syscall: string): void {
  if (++seen < nth) return;
  if (fault === 'kill') process.kill(process.pid, 'SIGKILL');
  // as Node's own: `ENOSPC: no space left on device, write`, no path (a write by descriptor names none)
  throw Object.assign(new Error(`ENOSPC: no space left on device, ${syscall}`), { errno: -28, code: 'ENOSPC', syscall });
}

/** `original` calling `hit` first when `matches`; a callback or promise API gets the fault as its error instead of a throw. */
function guarded<F extends (...a: never[]) => unknown>(original: F, matches: (...a: Parameters<F>) => boolean, syscall: string, form: 'sync' | 'callback' | 'promise'): F {
  return function (this: unknown, ...args: Parameters<F>) {
    if (matches(...args)) {
      try {
        hit(syscall);
      } catch (e) {
        if (form === 'promise') return Promise.reject(e);
        const cb = args[args.length - 1];
        if (form === 'callback' && typeof cb === 'function') return void process.nextTick(() => (cb as (e: unknown) => void)(e));
        throw e;
      }
    }
    return original.apply(this, args);
  } as F;
}

if (op === 'rename') {
  const out = (src: fs.PathLike, dest: fs.PathLike) => String(src).includes(part) && !String(dest).includes(part);
  fs.promises.rename = guarded(fs.promises.rename, out, 'rename', 'promise');
  fs.renameSync = guarded(fs.renameSync, out, 'rename', 'sync');
  fs.rename = guarded(fs.rename, out, 'rename', 'callback');
  syncBuiltinESMExports();
} else if (op === 'copy') {
  // fs.cp takes fs/promises' copyFile when it first runs: patched before
  const into = (_src: fs.PathLike, dest: fs.PathLike) => String(dest).includes(part);
  fs.promises.copyFile = guarded(fs.promises.copyFile, into, 'copyfile', 'promise');
  fs.copyFileSync = guarded(fs.copyFileSync, into, 'copyfile', 'sync');
  fs.copyFile = guarded(fs.copyFile, into, 'copyfile', 'callback');
  syncBuiltinESMExports();
} else if (op === 'write') {
  const paths = new Map<number, string>(); // descriptor → the path it was opened with
  const named = (p: unknown) => (typeof p === 'number' ? paths.get(p) : p instanceof URL ? p.pathname : typeof p === 'string' || Buffer.isBuffer(p) ? String(p) : (p as { fd?: number } | null)?.fd !== undefined ? paths.get((p as { fd: number }).fd) : undefined);
  const ours = (p: unknown) => named(p)?.includes(part) === true;

  const openSync = fs.openSync;
  fs.openSync = function (path: fs.PathLike, ...rest: unknown[]) {
    const fd = (openSync as (...a: unknown[]) => number)(path, ...rest);
    paths.set(fd, String(path));
    return fd;
  } as typeof fs.openSync;
  const open = fs.open;
  fs.open = function (path: fs.PathLike, ...rest: unknown[]) {
    const cb = rest.pop() as (e: Error | null, fd?: number) => void;
    (open as (...a: unknown[]) => void)(path, ...rest, (e: Error | null, fd?: number) => {
      if (fd !== undefined) paths.set(fd, String(path));
      cb(e, fd);
    });
  } as typeof fs.open;
  const openP = fs.promises.open;
  fs.promises.open = async (path, ...rest) => {
    const fh = await openP(path, ...rest);
    paths.set(fh.fd, String(path));
    return fh;
  };
  const closeSync = fs.closeSync;
  fs.closeSync = (fd) => {
    paths.delete(fd);
    closeSync(fd);
  };

  fs.writeSync = guarded(fs.writeSync, (fd) => ours(fd), 'write', 'sync');
  fs.write = guarded(fs.write, (fd) => ours(fd), 'write', 'callback');
  fs.writeFileSync = guarded(fs.writeFileSync, (p) => ours(p), 'write', 'sync');
  fs.appendFileSync = guarded(fs.appendFileSync, (p) => ours(p), 'write', 'sync');
  fs.writeFile = guarded(fs.writeFile, (p) => ours(p), 'write', 'callback');
  fs.appendFile = guarded(fs.appendFile, (p) => ours(p), 'write', 'callback');
  fs.promises.writeFile = guarded(fs.promises.writeFile, (p) => ours(p), 'write', 'promise');
  fs.promises.appendFile = guarded(fs.promises.appendFile, (p) => ours(p), 'write', 'promise');

  // FileHandle: its class is not exported; its prototype is that of any handle
  const probe = await openP(process.execPath, 'r');
  const proto = Object.getPrototypeOf(probe) as fs.promises.FileHandle;
  await probe.close();
  for (const m of ['write', 'writeFile', 'appendFile', 'writev'] as const) {
    const original = proto[m] as (this: fs.promises.FileHandle, ...a: unknown[]) => Promise<unknown>;
    proto[m] = async function (this: fs.promises.FileHandle, ...args: unknown[]) {
      if (ours(this.fd)) hit('write');
      return original.apply(this, args);
    } as never;
  }
  const close = proto.close;
  proto.close = function (this: fs.promises.FileHandle) {
    paths.delete(this.fd);
    return close.call(this);
  };
  syncBuiltinESMExports();
}
