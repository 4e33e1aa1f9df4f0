/**
 * Episodes read again from their source for each pass, in the same order, never all held (docs/hardening.md, "Memory
 * on large data"): `askfirst eval` on a suite of 100,000 episodes reads its episodes.jsonl a line at a time for the
 * fingerprint, the policy (the oracle's plans), each mode's play and the random baseline's expectation (suite/open.ts
 * openData). A list held in memory is one too (`episodeStream`), so evaluate and the runner take either.
 */
import type { SuiteEpisode } from './types.js';

export interface EpisodeStream {
  /** How many episodes each pass yields. */
  readonly count: number;
  /** One pass over the episodes, from the first. */
  episodes(): AsyncIterable<SuiteEpisode>;
}

/** Episodes as evaluate (eval/evaluate.ts) and the runner take them: a list held in memory, or a stream read per pass. */
export type Episodes = readonly SuiteEpisode[] | EpisodeStream;

/** `episodes` as a stream (a list: read from memory each pass). */
export function episodeStream(episodes: Episodes): EpisodeStream {
  if (!Array.isArray(episodes)) return episodes as EpisodeStream;
  const list = episodes as readonly SuiteEpisode[];
  return {
    count: list.length,
    episodes: async function* () {
      yield* list;
    },
  };
}
