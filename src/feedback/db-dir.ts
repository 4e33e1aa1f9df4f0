/**
 * Where the workbench's PGlite database lives when `--db-dir` is not given, and the line a command
 * prints before opening one. Its own light file: the commands' option schemas read the default at
 * startup, which must not load the store and its migrations (src/cli/commands.ts). The rule for a
 * project's name sits here too, so a command that creates one refuses a bad name with its other
 * options, before any database is made.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { InputError } from '../util/errors.js';

/** The PGlite data directory when `--db-dir` is not given. */
export const DEFAULT_FEEDBACK_DB_DIR = '.askfirst/feedback-db';

/** The line a command prints (to stderr) before opening a PGlite database, which takes seconds. */
export function openingLine(command: string, dbDir: string): string {
  return `${command}: opening the feedback database in ${dbDir} (PGlite: a few seconds)`;
}

/**
 * Whether a command that makes a missing PGlite `--db-dir` (`feedback import`, `pairs`, `annotator NAME`, `serve`,
 * `illume`) is about to make a new database: `false` when the folder exists (opened as it is), else the line it prints
 * first, so a mistyped path that would be served empty is seen. A path whose parent folder is missing too is most
 * likely mistyped (`~/projcts/db`): refused, unless it is the default however spelled (`./.askfirst/feedback-db/`: a first
 * run in a folder); to make a new
 * database there, the user makes its parent first — the explicit intent (docs/hardening.md, "Workbench and the command line").
 */
export function newDatabaseLine(command: string, dbDir: string): string | false {
  if (existsSync(dbDir)) return false;
  const parent = dirname(resolve(dbDir));
  if (resolve(dbDir) !== resolve(DEFAULT_FEEDBACK_DB_DIR) && !existsSync(parent))
    throw new InputError(
      `--db-dir ${dbDir}: neither it nor its parent folder ${parent} exists (a mistyped path?): to open an existing database, check the path; to make a new one there, create ${parent} first (mkdir -p ${parent})`,
    );
  return `${command}: creating a new feedback database in ${dbDir}: it does not exist yet; to open an existing one, check the path`;
}

/** A project name: what the store accepts (FeedbackStore.createProject checks it too). */
export const PROJECT_NAME = /^[\w.-]{1,64}$/;
export const PROJECT_NAME_RULE = "must be 1–64 letters, digits, '.', '_' or '-'";

/** `--project` of a command that creates the project when it is missing. */
export function newProjectField(): z.ZodString {
  return z.string().regex(PROJECT_NAME, { error: PROJECT_NAME_RULE }); // the CLI adds the flag and (got "…")
}
