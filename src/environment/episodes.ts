/**
 * The episodes an environment server plays and how a reset chooses one: by id, by seed, by kind
 * filter, or the next in order. "Next in order" is one cursor per kind filter shared by every
 * session, so parallel sessions of a trainer walk the suite without repeating an episode until it
 * wraps around. A seed picks the same episode every time for the same filter.
 *
 * The choice needs only each episode's id and kind, in order (`EpisodeSource.entries`, suite/episode-source.ts); the episode itself is asked of
 * its source when a session starts (`episode`), those asked last kept up to a number of bytes: `askfirst env serve` on an
 * askfirst suite holds where each episode is in its episodes.jsonl, not the episodes (suite/open.ts indexData), and reads
 * one at a reset unless it is kept.
 */
import { optionLetter } from '../episode/parse.js';
import { EpisodeState } from '../episode/state.js';
import type { EvalMode } from '../episode/types.js';
import { EVAL_MODES } from '../episode/types.js';
import { pngDataUrl } from '../scenes/png.js';
import type { SuiteEpisode, ViewLoader } from '../suite/types.js';
import { episodeSource, RecentEpisodes, type EpisodeEntry, type EpisodeSource } from '../suite/episode-source.js';
import { Rng, hashSeed } from '../util/rng.js';
import { DataError, InputError, NotFoundError } from '../util/errors.js';
import { didYouMean, eachWithSuggestion } from '../util/did-you-mean.js';

/** What a reset may say about the episode to play (OpenEnv's ResetRequest plus our own fields). */
export interface EpisodeChoice {
  episode_id?: string;
  seed?: number;
  kind?: string;
  kinds?: string[];
  mode?: EvalMode;
}

/**
 * How many bytes of episodes a pool keeps of those its source read last (8 MiB, counted as their lines in the file: some
 * 20 MB of heap for a generated suite's, 8 MB for episodes with a large `meta`). It kept 32 whatever their size: resets
 * that walk the suite in order (a trainer's sessions sending `{}`) come back to an episode only after every other, so
 * any number of episodes under the suite's read every one again at every reset (bench/env.ts, 64 sessions on 490
 * episodes: 216 µs of server CPU a step, 174 with all kept); now a suite of some 6,000 generated episodes is read once,
 * a larger one as before, and a trainer's sessions resetting to the same episodes find them kept however many there are.
 * The changed-file check (suite/episode-index.ts fileState) is made at each read as before: about 1 % of that CPU.
 */
export const EPISODE_CACHE_BYTES = 8 * 1024 * 1024;

/**
 * How many bytes of PNG data URLs a pool keeps (64 MiB). It kept 4,096 whatever their size: a dataset's 1024×1024
 * photos are some 2 MB each as data URLs, so 4,096 of them were gigabytes held.
 */
export const PNG_CACHE_BYTES = 64 * 1024 * 1024;

/** How many lists of several kinds' episodes a pool keeps (a reset's `kinds`; one kind's lists are all kept). */
const KIND_LISTS = 16;

export class EpisodePool {
  readonly entries: readonly EpisodeEntry[];
  readonly kinds: string[];
  private readonly byId: Map<string, EpisodeEntry>;
  private readonly cursors = new Map<string, number>();
  /**
   * The entries of each kind, in order, and of the sets of kinds resets asked for last (by their sorted names joined
   * with ","; bounded LRU): a reset's `kind` or `kinds` filtered every entry at every reset before.
   */
  private readonly lists = new Map<string, readonly EpisodeEntry[]>();
  private readonly oneKind: ReadonlyMap<string, readonly EpisodeEntry[]>;
  /** The episode of an id: the episodes read last, by id (LRU bounded by episodeCacheBytes), or the list held. */
  private readonly read: Pick<EpisodeSource, 'get'> & { readonly keptBytes?: number };
  /** PNG data URLs of views, by "episode id#view index" (views are immutable; LRU bounded by pngCacheBytes), with their sizes once made. */
  private readonly pngs = new Map<string, { url: Promise<string>; bytes: number }>();
  private pngBytes = 0;

  /**
   * `episodes`: a list held in memory, or a source that reads each one again when asked. `pngCacheBytes`: the PNG data
   * URLs kept, in bytes; `episodeCacheBytes`: the episodes such a source read that are kept, in its bytes (`bytes`).
   */
  constructor(
    episodes: readonly SuiteEpisode[] | EpisodeSource,
    readonly loader: ViewLoader,
    private readonly pngCacheBytes = PNG_CACHE_BYTES,
    episodeCacheBytes = EPISODE_CACHE_BYTES,
  ) {
    const source = episodeSource(episodes);
    this.read = Array.isArray(episodes) ? source : new RecentEpisodes(source, { bytes: episodeCacheBytes });
    this.entries = source.entries;
    if (!this.entries.length) throw new InputError('the environment has no episodes (check --data and --kinds)');
    this.byId = new Map(this.entries.map((e) => [e.id, e]));
    const byKind = new Map<string, EpisodeEntry[]>();
    for (const e of this.entries) {
      const l = byKind.get(e.kind);
      if (l) l.push(e);
      else byKind.set(e.kind, [e]);
    }
    this.oneKind = byKind;
    this.kinds = [...byKind.keys()].sort();
  }

  /** The bytes of PNG data URLs the pool keeps now (at most pngCacheBytes once each is made). */
  get cachedPngBytes(): number {
    return this.pngBytes;
  }

  /** The source's bytes of the episodes the pool keeps now (at most episodeCacheBytes; 0 for a list held in memory). */
  get cachedEpisodeBytes(): number {
    return this.read.keptBytes ?? 0;
  }

  /** Choose an episode as a reset asks (its id and kind: `episode` reads it); throws a clear error for an unknown id or kind. */
  choose(c: EpisodeChoice): EpisodeEntry {
    if (c.episode_id !== undefined) {
      const e = this.byId.get(c.episode_id);
      if (!e) throw new NotFoundError(`no episode with id ${JSON.stringify(c.episode_id)} (the server has ${this.entries.length}, e.g. ${this.entries[0].id})`);
      return e;
    }
    const kinds = c.kinds ?? (c.kind !== undefined ? [c.kind] : undefined);
    let list = this.entries;
    let key = '*';
    if (kinds?.length) {
      const unknown = kinds.filter((k) => !this.kinds.includes(k));
      if (unknown.length) throw new InputError(`unknown kind(s) ${eachWithSuggestion(unknown, this.kinds)}; this server has ${this.kinds.join(', ')}`);
      const ks = new Set(kinds);
      key = [...ks].sort().join(',');
      list = this.listOf(ks, key);
    }
    if (c.seed !== undefined) return list[new Rng(hashSeed('env-reset', c.seed, key)).int(list.length)];
    const i = this.cursors.get(key) ?? 0;
    this.cursors.set(key, (i + 1) % list.length);
    return list[i];
  }

  /** The entries of the kinds `ks` (all known), in order: one kind's kept from the start, several kinds' made once while they are asked for. */
  private listOf(ks: ReadonlySet<string>, key: string): readonly EpisodeEntry[] {
    if (ks.size === 1) return this.oneKind.get(key)!;
    let list = this.lists.get(key);
    if (list) this.lists.delete(key);
    else list = this.entries.filter((e) => ks.has(e.kind));
    this.lists.set(key, list); // the newest
    while (this.lists.size > KIND_LISTS) this.lists.delete(this.lists.keys().next().value as string);
    return list;
  }

  /** The episode `choose` chose, read from its source (or kept from a recent read); a DataError when it cannot be read as it was. */
  async episode(entry: EpisodeEntry): Promise<SuiteEpisode> {
    const ep = await this.find(entry.id);
    if (!ep) throw new DataError(`episode ${entry.id} is no longer in the data this server read: it was changed meanwhile; restart the server on data no one is writing`);
    return ep;
  }

  /** The episode `id`, or undefined when the server has none of that id. */
  find(id: string): Promise<SuiteEpisode | undefined> {
    if (!this.byId.has(id)) return Promise.resolve(undefined);
    return this.read.get(id);
  }

  /**
   * The view as a PNG data URL (encoded once per view while it stays in the cache: once made, the views used longest
   * ago are let go until the URLs kept are at most pngCacheBytes, the one just made too when it alone is more).
   */
  pngDataUrl(ep: SuiteEpisode, view: number): Promise<string> {
    const k = `${ep.id}#${view}`;
    const hit = this.pngs.get(k);
    if (hit) {
      this.pngs.delete(k);
      this.pngs.set(k, hit); // the newest again
      return hit.url;
    }
    const slot = { url: this.loader(ep.views[view], ep.id).then(pngDataUrl), bytes: 0 };
    this.pngs.set(k, slot);
    slot.url.then(
      (url) => {
        if (this.pngs.get(k) !== slot) return; // let go meanwhile
        slot.bytes = url.length; // a data URL is ASCII: a byte a character
        this.pngBytes += slot.bytes;
        for (const [key, s] of this.pngs) {
          if (this.pngBytes <= this.pngCacheBytes) break;
          this.pngs.delete(key);
          this.pngBytes -= s.bytes;
        }
      },
      () => {
        if (this.pngs.get(k) === slot) this.pngs.delete(k); // tried again next time
      },
    );
    return slot.url;
  }
}

export function checkMode(m: unknown): EvalMode {
  if (m === undefined) return 'proactive';
  if (typeof m !== 'string' || !(EVAL_MODES as readonly string[]).includes(m)) throw new InputError(`mode must be one of ${EVAL_MODES.join(', ')}${typeof m === 'string' ? didYouMean(m, EVAL_MODES) : ''}`);
  return m as EvalMode;
}

/**
 * The view a single-turn state `turn` of an episode shows: the first view, then the view each
 * step's first valid offered intervention leads to (the canonical path the TRL/OpenRLHF
 * exports write one row per turn for). Null when the path ends before `turn`.
 */
export function canonicalView(ep: SuiteEpisode, turn: number): number | null {
  const s = new EpisodeState(ep, 'proactive');
  for (let t = 0; t < turn; t++) {
    if (s.done) return null;
    const shown = s.shown();
    const i = shown.interventions.findIndex((o) => o.valid && !o.abstain);
    if (i < 0) return null;
    s.step(`${optionLetter(i)}.`);
    if (s.done) return null;
  }
  return s.currentView;
}
