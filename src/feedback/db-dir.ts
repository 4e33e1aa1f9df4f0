/**
 * Where the workbench's PGlite database lives when `--db-dir` is not given, and the line a command
 * prints before opening one. Its own light file: the commands' option schemas read the default at
 * startup, which must not load the store and its migrations (src/cli/commands.ts).
 */

/** The PGlite data directory when `--db-dir` is not given. */
export const DEFAULT_FEEDBACK_DB_DIR = '.askfirst/feedback-db';

/** The line a command prints (to stderr) before opening a PGlite database, which takes seconds. */
export function openingLine(command: string, dbDir: string): string {
  return `${command}: opening the feedback database in ${dbDir} (PGlite: a few seconds)`;
}
