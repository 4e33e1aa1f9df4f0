/**
 * The feedback commands' database section (`inStore`): the store at --db-dir opened inside the job's `orderly` section
 * (signals.ts), so that a signal lets the command stop after its current unit of work and close the database (no
 * `askfirst.lock` left) before it ends by the signal (130 / 143 to a shell) saying what is kept.
 */
import { openStore } from '../feedback/open-store.js';
import type { FeedbackStore } from '../feedback/store.js';
import { announceOpening, type Note } from './feedback-notes.js';
import type { StoppableJob } from './signals.js';

/** What a command whose database section holds nothing else says at a signal. */
export const CLOSING = 'closing the feedback database';

export interface InStoreOptions {
  dbDir: string;
  /** The command, for the line saying which PGlite folder it opens ("feedback status"). */
  command: string;
  /** Where that line goes. */
  note: Note;
  /** false for commands that only read what others wrote: a missing --db-dir is an error, not a new database. */
  create?: boolean;
  /** What a signal says the command is doing before it exits ("askfirst: stopping: …"); CLOSING by default. */
  doing?: string;
}

/**
 * Run `fn` on the store in `job`'s orderly section; `fn`'s signal is aborted by Ctrl-C or SIGTERM. A signal stops the
 * making of a new database, and `fn` is not run once it is aborted (before the database is opened: it is not; while it
 * opened, seconds: it is closed again); the database is closed however `fn` ends.
 */
export function inStore<T>(job: StoppableJob, o: InStoreOptions, fn: (store: FeedbackStore, signal: AbortSignal) => Promise<T>): Promise<T> {
  return job.orderly(o.doing ?? CLOSING, async (signal) => {
    signal.throwIfAborted();
    const store = await openStore(o.dbDir, { create: o.create, signal, ...announceOpening(o.command, o.note) });
    try {
      signal.throwIfAborted();
      return await fn(store, signal);
    } finally {
      await store.close();
    }
  });
}
