/**
 * Where each episode of a suite is in its episodes.jsonl, read again by id when it is asked for: a reader that needs
 * every episode once in a while but never all at once (`askfirst feedback pairs`: each record's episode as the record is
 * checked, a pair's as it goes in) holds the places of a suite's episodes (a few MB at 100,000), not the episodes (0.45 GB
 * at 130,000), and so does `askfirst env serve` (suite/open.ts indexData: a reset reads its episode again). Every line is
 * read and checked first as readSuite checks it (suite/io.ts suiteEpisodeLines); an episode read again is the line read
 * then, or a DataError saying the file was changed meanwhile: its size, modification time or inode no longer those it had
 * before it was read (`fileState`, the check `askfirst eval` makes before each pass), or the line's bytes no longer those
 * read then (util/text-file.ts lineCheck, kept with its place: a line rewritten in place with the same length and the
 * file's modification time put back, which was read as whatever it then held), or another id at that place.
 */
import { statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { DataChangedError } from '../util/errors.js';
import { readJsonlLineAt } from '../util/jsonl.js';
import { readLines } from '../util/text-file.js';
import { EPISODES_FILE, suiteEpisodeLines, type ReadSuiteOptions } from './io.js';
import type { SuiteEpisode } from './types.js';

/** Where an episode's line is, and its bytes' lineCheck (8 bytes more an episode: 132 -> 140 B held an episode, 0.86 MB at 105,000). */
type Place = { line: number; offset: number; bytes: number; check: number };

/** What tells that a file changed: its size, modification time and inode (a file replaced by a rename). */
export function fileState(file: string): string {
  const st = statSync(file);
  return `${st.size}:${st.mtimeMs}:${st.ino}`;
}

export class SuiteIndex {
  private last: SuiteEpisode | undefined; // the episode read last (a sampled policy's plays of one episode come together)

  private constructor(
    private readonly file: string,
    private readonly fh: FileHandle,
    private readonly places: ReadonlyMap<string, Place>,
    private readonly state: string,
  ) {}

  /**
   * Read and check every episode of `dir` (`each` sees each one as it is read, to refuse what its reader cannot use),
   * keeping where each is (of those `keep` keeps, when given: the others are read and checked, then not found by `get`).
   * Close it when done.
   */
  static async open(dir: string, opts: ReadSuiteOptions & { each?: (ep: SuiteEpisode) => void; keep?: (ep: SuiteEpisode) => boolean } = {}): Promise<SuiteIndex> {
    const file = join(dir, EPISODES_FILE);
    let state: string | undefined;
    const places = new Map<string, Place>();
    for await (const { episode, line, offset, bytes, check } of suiteEpisodeLines(dir, { ...opts, check: true })) {
      state ??= fileState(file); // once the file is found (suiteEpisodeLines says what is wrong with one that is not), before its lines
      opts.each?.(episode);
      if (!opts.keep || opts.keep(episode)) places.set(episode.id, { line, offset, bytes, check: check! });
    }
    return new SuiteIndex(file, await open(file, 'r'), places, state ?? fileState(file));
  }

  /** How many episodes the suite holds. */
  get size(): number {
    return this.places.size;
  }

  /** The bytes of episode `id`'s line (undefined when the suite has none of that id). */
  bytes(id: string): number | undefined {
    return this.places.get(id)?.bytes;
  }

  /** The episode `id`, read again from its line (refused when its bytes are no longer those read: readJsonlLineAt); undefined when the suite has none of that id. */
  async get(id: string): Promise<SuiteEpisode | undefined> {
    if (this.last?.id === id) return this.last;
    const at = this.places.get(id);
    if (!at) return undefined;
    if (fileState(this.file) !== this.state) throw new DataChangedError('the file was changed since it was read: its episodes may no longer be those read then', { file: this.file });
    const ep = await readJsonlLineAt<SuiteEpisode>(this.fh, this.file, at);
    if (ep?.id !== id) throw new DataChangedError(`the episode read again is not episode "${id}" read before: the file was changed meanwhile`, { file: this.file, line: at.line });
    return (this.last = ep);
  }

  /**
   * The episodes kept, in the file's order, read again in one pass over the file (`get` of each, a read of its own, took 7 s
   * for 30,000 of 105,000 episodes on a loaded machine): only their lines parsed, each the line read then, or a DataError
   * as `get`'s when the file changed since it was read.
   */
  async *episodes(): AsyncGenerator<SuiteEpisode> {
    const changed = (line?: number) => new DataChangedError('the file was changed since it was read: its episodes may no longer be those read then', { file: this.file, line });
    if (fileState(this.file) !== this.state) throw changed();
    const kept = this.places.entries(); // in the file's order (open keeps them as it reads)
    let next = kept.next();
    for await (const { text, offset, check } of readLines(this.file, { check: true })) {
      if (next.done) break;
      const [id, at] = next.value;
      if (offset !== at.offset) continue;
      if (check !== at.check) throw changed(at.line);
      let ep: SuiteEpisode | undefined;
      try {
        ep = JSON.parse(text) as SuiteEpisode;
      } catch {
        throw changed(at.line);
      }
      if (ep?.id !== id) throw changed(at.line);
      yield ep;
      next = kept.next();
    }
    if (!next.done || fileState(this.file) !== this.state) throw changed();
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}
