/**
 * Where each episode of a suite is in its episodes.jsonl, read again by id when it is asked for: a reader that needs
 * every episode once in a while but never all at once (`askfirst feedback pairs`: each record's episode as the record is
 * checked, a pair's as it goes in) holds the places of a suite's episodes (a few MB at 100,000), not the episodes (0.45 GB
 * at 130,000), and so does `askfirst env serve` (suite/open.ts indexData: a reset reads its episode again). Every line is
 * read and checked first as readSuite checks it (suite/io.ts suiteEpisodeLines); an episode read again, by id or all in
 * one pass, is the line read then, or a DataError saying the file was changed meanwhile (suite/episode-places.ts
 * EpisodePlaces, the flow ProactiveBenchIndex shares: the file's size, modification time or inode, the line's lineCheck,
 * the id at that place).
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { EPISODES_FILE, suiteEpisodeLines, type ReadSuiteOptions } from './io.js';
import { EpisodePlaces, fileState } from './episode-places.js';
import type { SuiteEpisode } from './types.js';

/** What SuiteIndex's DataChangedError says when episodes.jsonl changed since it was read. */
const CHANGED = 'the file was changed since it was read: its episodes may no longer be those read then';

export class SuiteIndex {
  private constructor(private readonly places: EpisodePlaces) {}

  /**
   * Read and check every episode of `dir` (`each` sees each one as it is read, to refuse what its reader cannot use),
   * keeping where each is (of those `keep` keeps, when given: the others are read and checked, then not found by `get`).
   * Close it when done.
   */
  static async open(dir: string, opts: ReadSuiteOptions & { each?: (ep: SuiteEpisode) => void; keep?: (ep: SuiteEpisode) => boolean } = {}): Promise<SuiteIndex> {
    const file = join(dir, EPISODES_FILE);
    // the file opened, and its state taken, once it is found (suiteEpisodeLines says what is wrong with one that is not), before its lines
    const opened = async () => new EpisodePlaces([{ file, fh: await open(file, 'r') }], [fileState(file)], CHANGED, (text) => JSON.parse(text) as SuiteEpisode);
    let places: EpisodePlaces | undefined;
    try {
      for await (const { episode, line, offset, bytes, check } of suiteEpisodeLines(dir, { ...opts, check: true })) {
        places ??= await opened();
        opts.each?.(episode);
        if (!opts.keep || opts.keep(episode)) places.add(episode.id, 0, { line, offset, bytes, check });
      }
      return new SuiteIndex(places ?? (await opened()));
    } catch (e) {
      await places?.close();
      throw e;
    }
  }

  /** How many episodes the suite holds. */
  get size(): number {
    return this.places.size;
  }

  /** The bytes of episode `id`'s line (undefined when the suite has none of that id). */
  bytes(id: string): number | undefined {
    return this.places.bytes(id);
  }

  /** The episode `id`, read again from its line (EpisodePlaces.get); undefined when the suite has none of that id. */
  get(id: string): Promise<SuiteEpisode | undefined> {
    return this.places.get(id);
  }

  /** The episodes kept, in the file's order, read again in one pass over the file (EpisodePlaces.episodes). */
  episodes(): AsyncGenerator<SuiteEpisode> {
    return this.places.episodes();
  }

  close(): Promise<void> {
    return this.places.close();
  }
}
