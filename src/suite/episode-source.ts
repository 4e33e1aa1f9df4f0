/**
 * Episodes by id for a reader that draws any of them at any time but never needs all at once (docs/hardening.md, "Memory
 * on large data"): their ids and kinds in order, and the episode of an id, held in memory or read again from the data
 * (suite/open.ts indexData: where each is in its episodes.jsonl, some 100 bytes an episode, not its 3 KB). `askfirst env
 * serve` chooses a reset's episode so (environment/episodes.ts), `askfirst train rl --data` an update's (rl/run.ts); each
 * keeps those it read last (`RecentEpisodes`: env serve up to a number of bytes, train rl up to a number of episodes).
 */
import type { SuiteEpisode } from './types.js';

/** What a choice of episodes reads of each: its id and kind. */
export type EpisodeEntry = Pick<SuiteEpisode, 'id' | 'kind'>;

/** Episodes' ids and kinds in order, and the episode of an id (read again, or held). */
export interface EpisodeSource {
  readonly entries: readonly EpisodeEntry[];
  /** The episode `id` (undefined: none of that id); a DataError when it can no longer be read as it was. */
  get(id: string): Promise<SuiteEpisode | undefined>;
  /** The episodes of `entries`, in order, in one pass (faster than `get` of each); a DataError as `get`'s. */
  episodes(): AsyncIterable<SuiteEpisode>;
  /**
   * What keeping episode `id` costs, about: the bytes of its line in its file (a parsed episode of a generated suite
   * takes some 2.5 times that in the heap, one with a large `meta` string about as much); undefined for an id the source
   * has none of, and none for a source that holds its episodes.
   */
  bytes?(id: string): number | undefined;
}

/** `episodes` as a source: a list held in memory is its own entries, and `get` gives its episodes themselves. */
export function episodeSource(episodes: readonly SuiteEpisode[] | EpisodeSource): EpisodeSource {
  if (!Array.isArray(episodes)) return episodes as EpisodeSource;
  const list = episodes as readonly SuiteEpisode[];
  const byId = new Map(list.map((e) => [e.id, e]));
  return {
    entries: list,
    get: async (id) => byId.get(id),
    episodes: async function* () {
      yield* list;
    },
  };
}

/**
 * A source's episodes through those read last (an LRU by id, bounded by `limit`: how many episodes, how many of the
 * source's `bytes`, or both): one asked for again while kept is the same object, not read again. Once one is read, those
 * read longest ago are let go until the kept are within the limit; one larger than the limit alone is served, not kept,
 * and lets go of none. A failed read is not kept (it is tried again next time, and fails again while the data differs).
 */
export class RecentEpisodes {
  private readonly read = new Map<string, { episode: Promise<SuiteEpisode | undefined>; bytes: number }>();
  private keptBytes_ = 0;

  constructor(
    readonly source: EpisodeSource,
    private readonly limit: { episodes?: number; bytes?: number },
  ) {}

  /** The source's bytes of the episodes kept now (at most `limit.bytes`). */
  get keptBytes(): number {
    return this.keptBytes_;
  }

  get(id: string): Promise<SuiteEpisode | undefined> {
    const hit = this.read.get(id);
    if (hit) {
      this.read.delete(id);
      this.read.set(id, hit); // the newest again
      return hit.episode;
    }
    const slot = { episode: this.source.get(id), bytes: this.source.bytes?.(id) ?? 0 };
    const { episodes = Infinity, bytes = Infinity } = this.limit;
    if (slot.bytes > bytes || episodes < 1) return slot.episode; // served, not kept: nothing let go for it
    slot.episode.catch(() => {
      if (this.read.get(id) === slot) this.letGo(id, slot.bytes);
    });
    this.read.set(id, slot);
    this.keptBytes_ += slot.bytes;
    for (const [key, s] of this.read) {
      if (this.read.size <= episodes && this.keptBytes_ <= bytes) break;
      this.letGo(key, s.bytes);
    }
    return slot.episode;
  }

  private letGo(id: string, bytes: number): void {
    this.read.delete(id);
    this.keptBytes_ -= bytes;
  }
}
