/**
 * The workbench's store as every command opens it: PostgreSQL when DATABASE_URL is set,
 * otherwise PGlite in a data directory (created if missing; a non-empty folder that is no
 * database is refused). The `feedback …` and `train reward|dpo` commands all open it here; those
 * that only read what others wrote open it with `create: false`, so a mistyped `--db-dir` is an
 * error, not a new empty database.
 */
import { existsSync } from 'node:fs';
import { NotFoundError } from '../util/errors.js';
import { openDb } from './db.js';
import { FeedbackStore } from './store.js';
import { DEFAULT_FEEDBACK_DB_DIR, newDatabaseLine } from './db-dir.js';

/**
 * Open the store: DATABASE_URL's PostgreSQL, else PGlite in `dbDir` (ignored with a URL; created unless `create` is
 * false). `onOpening(dbDir)` is called just before a PGlite database is opened — seconds of silence otherwise; before
 * it, `onNew(line)` when `dbDir` does not exist yet and a new database is made there (a `dbDir` whose parent is missing
 * too is refused: newDatabaseLine); `signal` stops making a new one (openDb).
 */
export async function openStore(
  dbDir: string,
  opts: { create?: boolean; command?: string; onNew?: (line: string) => void; onOpening?: (dbDir: string) => void; signal?: AbortSignal } = {},
): Promise<FeedbackStore> {
  const url = process.env.DATABASE_URL || undefined;
  if (!url && opts.create === false && !existsSync(dbDir))
    throw new NotFoundError(
      `no feedback database at ${dbDir} (--db-dir${dbDir === DEFAULT_FEEDBACK_DB_DIR ? "'s default, relative to this folder" : ''}): \`askfirst feedback import\` or \`askfirst feedback pairs\` makes one; give the --db-dir they used (or set DATABASE_URL)`,
    );
  if (!url) {
    const isNew = newDatabaseLine(opts.command ?? 'askfirst', dbDir); // create is not false here when it is missing
    if (isNew) opts.onNew?.(isNew);
    opts.onOpening?.(dbDir);
  }
  return FeedbackStore.open(await openDb({ url, dataDir: url ? undefined : dbDir, signal: opts.signal })); // openDb checks dbDir and creates it
}
