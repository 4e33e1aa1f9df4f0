/**
 * A data fingerprint: one SHA-256 over the episodes as evaluated (every field, in order) and
 * what their views point at — a file reference by its path, size and the hash of its first and
 * last 64 KiB (so a changed image changes the fingerprint without reading whole datasets), an
 * in-memory view by the hash of its pixels. Two runs with the same fingerprint saw the same data.
 *
 * Where the data is does not count: an episode's `meta.file` (ProactiveBench's reader names the
 * `<Dataset>_preprocessed.jsonl` it came from, as `dir` was spelled, often a full path) is taken relative to `dir`, so
 * the same data copied or moved elsewhere keeps its fingerprint (`askfirst eval` resumes on it). Before, it was hashed
 * as it was: that fingerprint is given too (`earlier`), so a run.json an older askfirst wrote still resumes when the
 * data is where it was.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { SuiteEpisode, ViewRef } from './types.js';
import { yieldToEventLoop } from '../util/yield.js';

const EDGE = 64 * 1024;
/** The file digests dataFingerprint keeps (the same fingerprint whatever it keeps: a file is read again otherwise). */
const SEEN_FILES = 4096;

function fileDigest(path: string): string {
  try {
    const size = statSync(path).size;
    const h = createHash('sha256').update(String(size));
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(Math.min(EDGE, size));
      readSync(fd, head, 0, head.length, 0);
      h.update(head);
      if (size > EDGE) {
        const tail = Buffer.alloc(Math.min(EDGE, size - EDGE));
        readSync(fd, tail, 0, tail.length, size - tail.length);
        h.update(tail);
      }
    } finally {
      closeSync(fd);
    }
    return h.digest('hex').slice(0, 16);
  } catch {
    return 'missing';
  }
}

/** `file` relative to `dir` (with `/`), when it is inside it; else undefined. */
function inside(dir: string, file: unknown): string | undefined {
  if (typeof file !== 'string') return undefined;
  const rel = relative(dir, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : undefined;
}

/** A data fingerprint, and those an earlier askfirst gave the same data where they differ (the file comment). */
export interface DataFingerprints {
  fingerprint: string;
  /** Older forms of `fingerprint` for the same data where it is now (meta.file hashed as it was): a run.json holding one is of this data. */
  earlier: string[];
}

/**
 * `sha256:<hex>` over the episodes handed to `add` in order and their views (file views resolved against `dir`), and its
 * earlier form (`result`): dataFingerprints over a pass of its own, or `askfirst serve` over the one pass that also
 * checks the data and makes the oracle's plans (cli/serve.ts). The files are read synchronously.
 */
export class Fingerprinter {
  private readonly h = createHash('sha256');
  private readonly before = createHash('sha256');
  private differs = false;
  // a file's digest, kept for the views of later episodes that show it again (ProactiveBench's share one photo), the
  // newest SEEN_FILES only: an askfirst suite of 100,000 episodes has some 650,000 files, each shown by one episode
  private readonly seen = new Map<string, string>();

  constructor(private readonly dir = '.') {}

  private view(v: ViewRef): unknown {
    if ('image' in v) return { pixels: createHash('sha256').update(v.image.data).digest('hex').slice(0, 16), w: v.image.width, h: v.image.height };
    const full = isAbsolute(v.path) ? v.path : join(this.dir, v.path);
    let d = this.seen.get(full);
    if (d === undefined) {
      d = fileDigest(full);
      if (this.seen.size >= SEEN_FILES) this.seen.delete(this.seen.keys().next().value!);
      this.seen.set(full, d);
    }
    return { path: v.path, crop: v.crop ?? null, file: d };
  }

  add(e: SuiteEpisode): void {
    const views = e.views.map((v) => this.view(v));
    const was = JSON.stringify({ ...e, views });
    const file = inside(this.dir, e.meta?.file);
    const now = file === undefined ? was : JSON.stringify({ ...e, meta: { ...e.meta, file }, views });
    this.differs ||= now !== was;
    this.h.update(now).update('\n');
    this.before.update(was).update('\n');
  }

  /** The fingerprints of the episodes added (once: the hashes are done then). */
  result(): DataFingerprints {
    const earlier = `sha256:${this.before.digest('hex')}`;
    return { fingerprint: `sha256:${this.h.digest('hex')}`, earlier: this.differs ? [earlier] : [] };
  }
}

/**
 * `sha256:<hex>` over the episodes (a list, or a stream read a line at a time) and their views (file views resolved
 * against `dir`), and its earlier form (Fingerprinter). `onEpisode` is called after each episode is hashed (a progress
 * bar: a large dataset's view files take seconds). The event loop gets a turn after each episode, so Ctrl-C is acted on
 * within an episode's time, not once all are hashed (the fingerprint is the same).
 */
export async function dataFingerprints(episodes: Iterable<SuiteEpisode> | AsyncIterable<SuiteEpisode>, dir = '.', onEpisode?: () => void): Promise<DataFingerprints> {
  const f = new Fingerprinter(dir);
  for await (const e of episodes) {
    f.add(e);
    onEpisode?.();
    await yieldToEventLoop();
  }
  return f.result();
}

/** dataFingerprints' fingerprint alone. */
export async function dataFingerprint(episodes: Iterable<SuiteEpisode> | AsyncIterable<SuiteEpisode>, dir = '.', onEpisode?: () => void): Promise<string> {
  return (await dataFingerprints(episodes, dir, onEpisode)).fingerprint;
}
