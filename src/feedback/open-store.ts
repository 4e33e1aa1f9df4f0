/**
 * The workbench's store as every command opens it: PostgreSQL when DATABASE_URL is set,
 * otherwise PGlite in a data directory (created if missing; a non-empty folder that is no
 * database is refused). The `feedback …` and `train reward|dpo` commands all open it here.
 */
import { openDb } from './db.js';
import { FeedbackStore } from './store.js';

/** The PGlite data directory when `--db-dir` is not given. */
export const DEFAULT_FEEDBACK_DB_DIR = '.askfirst/feedback-db';

/** Open the store: DATABASE_URL's PostgreSQL, else PGlite in `dbDir` (ignored with a URL). */
export async function openStore(dbDir: string): Promise<FeedbackStore> {
  const url = process.env.DATABASE_URL || undefined;
  return FeedbackStore.open(await openDb({ url, dataDir: url ? undefined : dbDir })); // openDb checks dbDir and creates it
}
