/**
 * Episodes by id for a reader that draws any of them at any time but never needs all at once (docs/hardening.md, "Memory
 * on large data"): their ids and kinds in order, and the episode of an id, held in memory or read again from the data
 * (suite/open.ts indexData: where each is in its episodes.jsonl, some 100 bytes an episode, not its 3 KB). `askfirst env
 * serve` chooses a reset's episode so (environment/episodes.ts), `askfirst train rl --data` an update's (rl/run.ts); each
 * keeps the few it read last (`RecentEpisodes`).
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
 * A source's episodes through the `size` read last (a bounded LRU by id): one asked for again while kept is the same object,
 * not read again. A failed read is not kept (it is tried again next time, and fails again while the data differs).
 */
export class RecentEpisodes {
  private readonly read = new Map<string, Promise<SuiteEpisode | undefined>>();

  constructor(
    readonly source: EpisodeSource,
    private readonly size: number,
  ) {}

  get(id: string): Promise<SuiteEpisode | undefined> {
    const hit = this.read.get(id);
    if (hit) {
      this.read.delete(id);
      this.read.set(id, hit); // the newest again
      return hit;
    }
    const p = this.source.get(id);
    p.catch(() => this.read.delete(id));
    this.read.set(id, p);
    while (this.read.size > this.size) this.read.delete(this.read.keys().next().value as string);
    return p;
  }
}
