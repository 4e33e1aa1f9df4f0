/**
 * One database interface over two engines that run the same SQL: PGlite (embedded Postgres
 * compiled to WASM; the default, data directory on disk or in memory) and a real PostgreSQL
 * server through `pg` when a connection URL (DATABASE_URL) is given. Every write goes through
 * `transaction()`: PGlite has one connection, so transactions are serialised by a mutex here;
 * on PostgreSQL each transaction takes a pooled client and is retried on serialisation
 * failures and deadlocks.
 */
import { mkdirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { PGlite as PGliteDb } from '@electric-sql/pglite';
import { AskfirstError, describeError, InputError } from '../util/errors.js';
import { DiskFullError } from '../util/fs-errors.js';
import { processAlive, releasedAtExit, takeLockFile } from '../util/lockfile.js';
import { createPgliteDir, keepDataDirPrivate } from './pglite-create.js';

/** Something that runs parameterised SQL ($1, $2 …) and returns rows. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
}

export interface Db extends Queryable {
  /** 'pglite' or 'postgres'. */
  readonly engine: 'pglite' | 'postgres';
  /** Run `fn` inside BEGIN … COMMIT (ROLLBACK on any throw). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Run several statements separated by semicolons (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL connection URL; when set, PGlite is not used. */
  url?: string;
  /** PGlite data directory; omitted = in memory. */
  dataDir?: string;
  /** Stops making a new PGlite database (seconds; pglite-create.ts): the open then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A promise-chain mutex: one holder at a time, FIFO. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async run<T>(fn: () => Promise<T>): Promise<T> {
    let release!: () => void;
    const prev = this.tail;
    this.tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/** Postgres error codes worth retrying a whole transaction for. */
const RETRYABLE = new Set(['40001', '40P01']);

/**
 * Map driver errors (unique violations …) to askfirst errors so the HTTP layer can map them to statuses. A full disk
 * (PostgreSQL's disk_full, 53100: "could not extend file …: No space left on device") names `where`, the database.
 */
export function dbError(e: unknown, where?: string): unknown {
  const code = (e as { code?: string }).code;
  if (code === '53100') return new DiskFullError(where, undefined, { cause: e });
  if (code === '23505') return new AskfirstError('CONFLICT', `already exists: ${describeError(e)}`, { cause: e });
  if (code === '23503') return new AskfirstError('BAD_INPUT', `refers to a missing row: ${describeError(e)}`, { cause: e });
  // a NUL (U+0000) or an unconvertible character in text: the input's fault, not the server's
  if (code === '22021' || code === '22P05') return new AskfirstError('BAD_INPUT', `text the database cannot store: ${describeError(e)}`, { cause: e });
  return e;
}

const LOCK_FILE = 'askfirst.lock';

/**
 * PGlite is one process's database: a second process opening the same directory would corrupt
 * it. Take a lock file, `askfirst.lock`, holding the owner's pid; a lock whose process is gone (a
 * kill -9) is stale and taken over — atomically, so two processes finding the same stale lock at
 * the same instant cannot both take it (src/util/lockfile.ts says how). It is removed when the database closes, and at
 * process exit if it is still ours (as eval/lock.ts's).
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, LOCK_FILE);
  const me = String(process.pid);
  const got = takeLockFile(file, me, (text) => !processAlive(Number(text)));
  if (!got.ok) {
    throw new AskfirstError(
      'CONFLICT',
      `the PGlite data directory ${dataDir} is in use by process ${got.holder} (e.g. \`askfirst feedback serve\`); stop it first, or use PostgreSQL via DATABASE_URL for concurrent access`,
    );
  }
  // released at any exit too (a second Ctrl-C, exit 141 on a closed stdout: cli/closed-pipe.ts)
  return releasedAtExit(file, me);
}

/**
 * A PGlite data directory must be new, empty, or a database: PGlite would otherwise make a
 * database among whatever files a mistyped path names (a run folder, a suite), and a file
 * there is no place for one.
 */
export function checkDataDir(dataDir: string): void {
  let names: string[];
  try {
    if (!statSync(dataDir).isDirectory()) throw new InputError(`the PGlite data directory ${dataDir} is a file: give --db-dir a folder (a new one is created)`);
    names = readdirSync(dataDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const other = names.filter((n) => !n.startsWith(LOCK_FILE)); // the lock, and for an instant its temporary and takeover files
  if (other.length && !names.includes('PG_VERSION')) {
    throw new InputError(
      `${dataDir} is not a feedback database (it has no PG_VERSION) and is not empty (${other.slice(0, 3).join(', ')}${other.length > 3 ? ', …' : ''}): give --db-dir the folder the workbench made, or a new or empty one`,
    );
  }
}

/**
 * PostgreSQL settings PGlite starts with, after its own: a buffer pool of 16 MB instead of PostgreSQL's 128 MB, which
 * PGlite's WebAssembly memory holds from the start (a process opening a database peaked at about 300 MB of RSS, about
 * 180 MB now); the WAL buffers stay the 4 MB they were (1/32 of 128 MB). A cache: the same rows. Of PGlite's options,
 * `initialMemory` cannot go below its module's 128 MB, `relaxedDurability` only defers syncing a browser's storage,
 * and no extension is loaded.
 */
function pgliteStartParams(defaults: readonly string[]): string[] {
  return [...defaults, '-c', 'shared_buffers=16MB', '-c', 'wal_buffers=4MB'];
}

async function openPglite(dataDir?: string, signal?: AbortSignal): Promise<Db> {
  const { PGlite } = await import('@electric-sql/pglite');
  if (dataDir) {
    checkDataDir(dataDir);
    await createPgliteDir(dataDir, signal); // a new one is copied from build/pglite-template (or made in a worker thread)
    dataDir = realpathSync(dataDir); // PGlite's file system cannot open a symbolic link to the folder (it threw a bare object)
    keepDataDirPrivate(dataDir); // PGlite makes its files writable by everyone: closed to others (one made before too)
  }
  const unlock = dataDir ? lockDataDir(dataDir) : () => undefined;
  const where = dataDir ? `the feedback database ${dataDir}` : undefined;
  let pg: PGliteDb;
  try {
    const options = { startParams: pgliteStartParams(PGlite.defaultStartParams) };
    pg = dataDir ? await PGlite.create(dataDir, options) : await PGlite.create(options);
  } catch (e) {
    unlock();
    throw dbError(e, where);
  }
  const mutex = new Mutex();
  const q = async <R>(sql: string, params?: unknown[]): Promise<R[]> => {
    try {
      return (await pg.query<R>(sql, params)).rows;
    } catch (e) {
      throw dbError(e, where);
    }
  };
  const exec = async (sql: string): Promise<void> => {
    try {
      await pg.exec(sql);
    } catch (e) {
      throw dbError(e, where);
    }
  };
  return {
    engine: 'pglite',
    query: (sql, params) => mutex.run(() => q(sql, params)),
    transaction: (fn) =>
      mutex.run(async () => {
        await exec('BEGIN');
        try {
          const out = await fn({ query: q });
          await exec('COMMIT');
          return out;
        } catch (e) {
          await pg.exec('ROLLBACK');
          throw e;
        }
      }),
    exec: (sql) => mutex.run(() => exec(sql)),
    close: async () => {
      try {
        await pg.close();
        if (dataDir) keepDataDirPrivate(dataDir); // the files PGlite added while open (mode 666)
      } finally {
        unlock();
      }
    },
  };
}

async function openPostgres(url: string): Promise<Db> {
  const { default: pgmod } = await import('pg');
  const pool = new pgmod.Pool({ connectionString: url, max: 10 });
  pool.on('error', () => undefined); // idle-client errors surface on the next query
  const q =
    (c: { query: (s: string, p?: unknown[]) => Promise<{ rows: unknown[] }> }) =>
    async <R>(sql: string, params?: unknown[]): Promise<R[]> => {
      try {
        return (await c.query(sql, params)).rows as R[];
      } catch (e) {
        throw dbError(e, `the PostgreSQL database at ${redact(url)}`);
      }
    };
  try {
    await pool.query('SELECT 1');
  } catch (e) {
    await pool.end();
    throw new AskfirstError('UPSTREAM', `cannot connect to PostgreSQL at ${redact(url)}: ${describeError(e)} (check DATABASE_URL)`, { cause: e });
  }
  return {
    engine: 'postgres',
    query: (sql, params) => q(pool)(sql, params),
    async transaction(fn) {
      for (let attempt = 0; ; attempt++) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const out = await fn({ query: q(client) });
          await client.query('COMMIT');
          return out;
        } catch (e) {
          await client.query('ROLLBACK').catch(() => undefined);
          const code = ((e as { cause?: { code?: string } }).cause?.code ?? (e as { code?: string }).code) as string;
          if (RETRYABLE.has(code) && attempt < 5) continue;
          throw e;
        } finally {
          client.release();
        }
      }
    },
    exec: async (sql) => void (await pool.query(sql)),
    close: () => pool.end(),
  };
}

/**
 * The URL with its password hidden, for messages. The password runs from the first ':' after the
 * user name to the '@' before the host, whatever it holds ('/' too, which makes the URL invalid,
 * so that is exactly when it is printed) and whatever the user name is (empty too).
 */
export function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@]*@/i, '$1:***@');
}

/** Open PostgreSQL when `url` is given, else PGlite (on disk at `dataDir`, or in memory). */
export async function openDb(opts: OpenOptions = {}): Promise<Db> {
  return opts.url ? openPostgres(opts.url) : openPglite(opts.dataDir, opts.signal);
}
