/**
 * The episodes an environment server plays and how a reset chooses one: by id, by seed, by kind
 * filter, or the next in order. "Next in order" is one cursor per kind filter shared by every
 * session, so parallel sessions of a trainer walk the suite without repeating an episode until it
 * wraps around. A seed picks the same episode every time for the same filter.
 */
import { optionLetter } from '../episode/parse.js';
import { EpisodeState } from '../episode/state.js';
import type { EvalMode } from '../episode/types.js';
import { EVAL_MODES } from '../episode/types.js';
import { pngDataUrl } from '../scenes/png.js';
import type { SuiteEpisode, ViewLoader } from '../suite/types.js';
import { Rng, hashSeed } from '../util/rng.js';
import { InputError, NotFoundError } from '../util/errors.js';

/** What a reset may say about the episode to play (OpenEnv's ResetRequest plus our own fields). */
export interface EpisodeChoice {
  episode_id?: string;
  seed?: number;
  kind?: string;
  kinds?: string[];
  mode?: EvalMode;
}

export class EpisodePool {
  readonly byId: Map<string, SuiteEpisode>;
  readonly kinds: string[];
  private readonly cursors = new Map<string, number>();
  /** PNG data URLs of views, by "episode id#view index" (views are immutable; bounded LRU). */
  private readonly pngs = new Map<string, Promise<string>>();

  constructor(
    readonly episodes: readonly SuiteEpisode[],
    readonly loader: ViewLoader,
    private readonly pngCacheSize = 4096,
  ) {
    if (!episodes.length) throw new InputError('the environment has no episodes (check --data and --kinds)');
    this.byId = new Map(episodes.map((e) => [e.id, e]));
    this.kinds = [...new Set(episodes.map((e) => e.kind))].sort();
  }

  /** Choose an episode as a reset asks; throws a clear error for an unknown id or kind. */
  choose(c: EpisodeChoice): SuiteEpisode {
    if (c.episode_id !== undefined) {
      const e = this.byId.get(c.episode_id);
      if (!e) throw new NotFoundError(`no episode with id ${JSON.stringify(c.episode_id)} (the server has ${this.episodes.length}, e.g. ${this.episodes[0].id})`);
      return e;
    }
    const kinds = c.kinds ?? (c.kind !== undefined ? [c.kind] : undefined);
    let list = this.episodes;
    let key = '*';
    if (kinds?.length) {
      const unknown = kinds.filter((k) => !this.kinds.includes(k));
      if (unknown.length) throw new InputError(`unknown kind(s) ${unknown.join(', ')}; this server has ${this.kinds.join(', ')}`);
      const ks = new Set(kinds);
      list = this.episodes.filter((e) => ks.has(e.kind));
      key = [...ks].sort().join(',');
    }
    if (c.seed !== undefined) return list[new Rng(hashSeed('env-reset', c.seed, key)).int(list.length)];
    const i = this.cursors.get(key) ?? 0;
    this.cursors.set(key, (i + 1) % list.length);
    return list[i];
  }

  /** The view as a PNG data URL (encoded once per view while it stays in the cache). */
  pngDataUrl(ep: SuiteEpisode, view: number): Promise<string> {
    const k = `${ep.id}#${view}`;
    const hit = this.pngs.get(k);
    if (hit) return hit;
    const p = this.loader(ep.views[view], ep.id).then(pngDataUrl);
    p.catch(() => this.pngs.delete(k));
    this.pngs.set(k, p);
    while (this.pngs.size > this.pngCacheSize) this.pngs.delete(this.pngs.keys().next().value as string);
    return p;
  }
}

export function checkMode(m: unknown): EvalMode {
  if (m === undefined) return 'proactive';
  if (typeof m !== 'string' || !(EVAL_MODES as readonly string[]).includes(m)) throw new InputError(`mode must be one of ${EVAL_MODES.join(', ')}`);
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
