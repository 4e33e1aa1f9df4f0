/**
 * Where the workbench's PGlite database lives when `--db-dir` is not given, and the line a command
 * prints before opening one. Its own light file: the commands' option schemas read the default at
 * startup, which must not load the store and its migrations (src/cli/commands.ts). The rule for a
 * project's name sits here too, so a command that creates one refuses a bad name with its other
 * options, before any database is made.
 */
import { z } from 'zod';

/** The PGlite data directory when `--db-dir` is not given. */
export const DEFAULT_FEEDBACK_DB_DIR = '.askfirst/feedback-db';

/** The line a command prints (to stderr) before opening a PGlite database, which takes seconds. */
export function openingLine(command: string, dbDir: string): string {
  return `${command}: opening the feedback database in ${dbDir} (PGlite: a few seconds)`;
}

/** A project name: what the store accepts (FeedbackStore.createProject checks it too). */
export const PROJECT_NAME = /^[\w.-]{1,64}$/;
export const PROJECT_NAME_RULE = "must be 1–64 letters, digits, '.', '_' or '-'";

/** `--project` of a command that creates the project when it is missing. */
export function newProjectField(): z.ZodString {
  return z.string().regex(PROJECT_NAME, { error: PROJECT_NAME_RULE }); // the CLI adds the flag and (got "…")
}
