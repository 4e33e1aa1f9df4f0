/**
 * Safe resolution of a project-relative image path: the result always lies inside the image
 * folder. Rejected: empty paths, NUL bytes, absolute paths (POSIX or Windows drive/UNC),
 * backslashes, any `..` segment, and paths whose real location (after following symlinks) is
 * outside the folder's real location. The result is a file (a folder is NOT_FOUND).
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import { AskfirstError, NotFoundError } from '../util/errors.js';

/** Cheap syntactic check; throws FORBIDDEN for anything that could name a file outside the folder. */
export function checkRelativePath(rel: string): void {
  const bad =
    !rel ||
    rel.length > 1024 ||
    rel.includes('\0') ||
    rel.includes('\\') ||
    isAbsolute(rel) ||
    /^[a-zA-Z]:/.test(rel) ||
    rel.split('/').some((s) => s === '..' || s === '.');
  if (bad) throw new AskfirstError('FORBIDDEN', `image path ${JSON.stringify(rel.slice(0, 200))} is not a plain relative path inside the project's image folder`);
}

/** Absolute real path of the file `rel` inside `root`; FORBIDDEN if it escapes, NOT_FOUND if it does not exist or is not a file. */
export async function resolveImage(root: string, rel: string): Promise<string> {
  checkRelativePath(rel);
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch (e) {
    // No path: the workbench sends this message to annotators, who need not learn the server's folders
    // (docs/hardening.md, "Workbench and the command line"); its owner finds it with `feedback status`.
    throw new NotFoundError("the project's image folder is missing on the server (moved or deleted); `askfirst feedback status` shows where it should be", { cause: e });
  }
  const candidate = resolve(realRoot, rel);
  if (!candidate.startsWith(realRoot + sep)) throw new AskfirstError('FORBIDDEN', `image path ${JSON.stringify(rel)} escapes the image folder`);
  let real: string;
  try {
    real = await realpath(candidate);
  } catch (e) {
    throw new NotFoundError(`image ${rel} not found in the project's image folder`, { cause: e });
  }
  if (!real.startsWith(realRoot + sep)) throw new AskfirstError('FORBIDDEN', `image path ${JSON.stringify(rel)} leads outside the image folder (symlink)`);
  // A folder (the workbench's GET /assets, or an item whose image path names one) was read, and EISDIR a 500.
  if (!(await stat(real)).isFile()) throw new NotFoundError(`image ${rel} in the project's image folder is not a file`);
  return real;
}
