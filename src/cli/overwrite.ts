/**
 * Files a command would replace, refused unless --overwrite (`suite show`'s sheets, `feedback export`'s JSONL, `feedback
 * illume`'s report): each was replaced silently, as `train` refuses to replace a run and `eval` to discard results
 * without it. A folder there is not counted: the write names it (src/util/fs-errors.ts: "… is a directory where a file
 * is expected").
 */
import { statSync } from 'node:fs';
import { InputError } from '../util/errors.js';

/** Throw, naming up to three of `files` that exist already, when there are any and `overwrite` is off. */
export function refuseToOverwrite(files: readonly string[], overwrite: boolean): void {
  if (overwrite) return;
  const there = files.filter((f) => statSync(f, { throwIfNoEntry: false })?.isDirectory() === false);
  if (!there.length) return;
  const names = there.slice(0, 3).join(', ') + (there.length > 3 ? `, … (${there.length})` : '');
  throw new InputError(`${names} already exist${there.length === 1 ? 's' : ''}: add --overwrite to replace ${there.length === 1 ? 'it' : 'them'}, or give another --out`);
}
