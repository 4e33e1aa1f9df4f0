import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { DEFAULT_FEEDBACK_DB_DIR, newDatabaseLine } from './db-dir.js';

describe('newDatabaseLine', () => {
  it('makes the default database with its parent folder however the default is spelled; refuses another path whose parent is missing', () => {
    const d = realpathSync(tmpDir('af-db-dir'));
    const prev = process.cwd();
    process.chdir(d); // a first run in a folder with no .askfirst/ yet
    onTestFinished(() => process.chdir(prev));
    const line = (dir: string) => `feedback import: creating a new feedback database in ${dir}: it does not exist yet; to open an existing one, check the path`;
    // was: only the default's exact text was exempt; `./.askfirst/feedback-db`, `$PWD/.askfirst/feedback-db` and a
    // trailing "/" were refused as "neither it nor its parent folder … exists (a mistyped path?)"
    for (const dir of [DEFAULT_FEEDBACK_DB_DIR, `./${DEFAULT_FEEDBACK_DB_DIR}`, `${DEFAULT_FEEDBACK_DB_DIR}/`, join(d, DEFAULT_FEEDBACK_DB_DIR)]) {
      expect(newDatabaseLine('feedback import', dir), dir).toBe(line(dir));
    }
    expect(() => newDatabaseLine('feedback import', 'projcts/db')).toThrow(/--db-dir projcts\/db: neither it nor its parent folder .*projcts exists/);
  });
});
