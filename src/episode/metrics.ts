/**
 * Aggregate metrics over episode records (docs/architecture.md §2): ProactiveBench's accuracy and
 * proactive-suggestion rate, plus askfirst's guess, abstain, invalid, unparseable,
 * over-asking and control-abstain rates, and the gap-closed figure. Pure functions.
 */
import { REPLY_CAUSES, type EpisodeRecordCore, type ReplyCause } from './types.js';
import { average } from '../util/stats.js';

export interface Metrics {
  episodes: number;
  /** Share of episodes ending with the correct category. */
  accuracy: number;
  /** Mean proactive suggestions per episode (turns − 1), as ProactiveBench reports it. */
  psRate: number;
  /** Mean valid interventions per episode. */
  interventions: number;
  /** Mean of the oracle's minimum interventions over the same episodes. */
  oraclePsRate: number;
  /**
   * Share of episodes that ended with a category answered on an uninformative view, over the episodes whose last view's
   * informativeness is known; null when no episode's is (ProactiveBench's real data: whether a photo shows enough is
   * unknown, so a guess cannot be told from an answer) — undefined, not 0 % (tables print '–').
   */
  guessRate: number | null;
  /** Share ending in an abstention. */
  abstainRate: number;
  /** Share ending in an intervention not valid at that view. */
  invalidRate: number;
  /** Share ending in an unparseable reply. */
  unparseableRate: number;
  /** Share that ran out of turns. */
  maxTurnsRate: number;
  /**
   * Share of control episodes (answerable at the first view) whose first move was an intervention (`askedFirst`); null
   * when the records hold no control episode (`controls` = 0) — undefined, not 0 % (tables print '–'). An abstention
   * there is not in it: it is `controlAbstain`, beside it (why: `controlAbstain`).
   */
  overAsking: number | null;
  /**
   * Share of control episodes whose first move was an abstention ("I cannot answer this question.", `abstainedFirst`):
   * declining to answer what the view shows. Null when there is no control episode, as `overAsking`, and in a
   * results.json written before it existed (report/results.ts).
   *
   * Reported beside over-asking, not inside it, because the two cost different people different things, and a reader
   * who wants them together can add them (they are disjoint: each is the first move of the same control episodes, so
   * the sum is the share of controls not answered at once, unparseable first replies aside):
   * - Over-asking is the cost of asking: an intervention is a request the user must carry out, after which the episode
   *   goes on and may still end right. An abstention requests nothing and ends the episode as a failure; its cost is the
   *   missing answer, already counted by accuracy and `abstainRate`.
   * - Every over-asking figure askfirst has published (README, docs/transfer.md, docs/feedback-rlhf.md, the demo's
   *   ≤ 5 % target, report/headline.ts) was measured as interventions on controls; counting abstentions in would change
   *   what those figures mean for any policy that abstains (every kind shows the "I cannot answer this question."
   *   option, and a VLM behind `openai:` may take it), without a trace in the number.
   * - ProactiveBench itself has no over-asking figure (its episodes have no controls; its code reports accuracy and
   *   ps-rate, and scores choosing the abstain option like any other wrong option), so no definition of its is matched
   *   or broken here.
   */
  controlAbstain: number | null;
  /** Number of control episodes. */
  controls: number;
  /** Accuracy on non-control episodes only; null when every episode is a control. */
  accuracyNonControl: number | null;
}

export interface Summary extends Metrics {
  byKind: Record<string, Metrics>;
  /**
   * Per variant within a kind, keyed "kind/variant" (the corruption kind's operations: "corruption/blur", …), sorted;
   * absent when no record names a variant (episode/variant.ts).
   */
  byVariant?: Record<string, Metrics>;
  /**
   * Of the episodes that ended on an unparseable reply, how many did so because the policy's server said the reply had
   * no usable text, per cause (`EpisodeRecord.unparseableCause`: content-filter, length, reasoning-only, empty); the rest of
   * `unparseableRate` named no option. Absent when no record names a cause (every run of the built-in model and
   * baselines), so such a summary is as before.
   */
  unparseableCauses?: Partial<Record<ReplyCause, number>>;
}


export function computeMetrics(records: readonly EpisodeRecordCore[]): Metrics {
  const share = (f: (r: EpisodeRecordCore) => boolean) => average(records.map((r) => (f(r) ? 1 : 0)));
  const controls = records.filter((r) => r.control);
  const nonControl = records.filter((r) => !r.control);
  const guessable = records.filter(guessKnown);
  return {
    episodes: records.length,
    accuracy: share((r) => r.success),
    psRate: average(records.map((r) => r.ps)),
    interventions: average(records.map((r) => r.interventions)),
    oraclePsRate: average(records.map((r) => r.minInterventions)),
    guessRate: guessable.length ? average(guessable.map((r) => (r.guessed ? 1 : 0))) : null,
    abstainRate: share((r) => r.outcome === 'abstain'),
    invalidRate: share((r) => r.outcome === 'invalid-intervention'),
    unparseableRate: share((r) => r.outcome === 'unparseable'),
    maxTurnsRate: share((r) => r.outcome === 'max-turns'),
    overAsking: controls.length ? average(controls.map((r) => (askedFirst(r) ? 1 : 0))) : null,
    controlAbstain: controls.length ? average(controls.map((r) => (abstainedFirst(r) ? 1 : 0))) : null,
    controls: controls.length,
    accuracyNonControl: nonControl.length ? average(nonControl.map((r) => (r.success ? 1 : 0))) : null,
  };
}

/** The episode's first move was an intervention (valid or not): on a control episode, over-asking. */
export const askedFirst = (r: EpisodeRecordCore): boolean => r.actions[0]?.type === 'intervention';
/** The episode's first move was an abstention (it ends the episode): on a control episode, `Metrics.controlAbstain`. */
export const abstainedFirst = (r: EpisodeRecordCore): boolean => r.actions[0]?.type === 'abstain';

/**
 * Whether a record can tell a guess: the informativeness of the view it ended on is known. Records that carry no per-turn
 * `informative` list (written before it existed) count, as their `guessed` flag always did.
 */
export function guessKnown(r: EpisodeRecordCore): boolean {
  const last = r.informative?.[r.informative.length - 1];
  return last !== null;
}

export function summarize(records: readonly EpisodeRecordCore[]): Summary {
  const byKind = statsBy(records, kindKey, computeMetrics);
  const byVariant = statsBy(records, variantKey, computeMetrics);
  const causes = unparseableCauses(records);
  return {
    ...computeMetrics(records),
    byKind,
    ...(Object.keys(byVariant).length ? { byVariant } : {}),
    ...(causes ? { unparseableCauses: causes } : {}),
  };
}

/** Episodes that ended unparseable per cause the server gave (`Summary.unparseableCauses`), in REPLY_CAUSES order; undefined when none names one. */
export function unparseableCauses(records: readonly EpisodeRecordCore[]): Partial<Record<ReplyCause, number>> | undefined {
  const n = new Map<ReplyCause, number>();
  for (const r of records) if (r.outcome === 'unparseable' && r.unparseableCause !== undefined) n.set(r.unparseableCause, (n.get(r.unparseableCause) ?? 0) + 1);
  return n.size ? Object.fromEntries(REPLY_CAUSES.filter((c) => n.has(c)).map((c) => [c, n.get(c)!])) : undefined;
}

/** "2 cut off at the token limit, 1 stopped by a content filter" (`Summary.unparseableCauses` in words), or '' when none. */
export function unparseableCausesText(causes: Partial<Record<ReplyCause, number>> | undefined): string {
  const words: Record<ReplyCause, string> = {
    'content-filter': 'stopped by a content filter',
    length: 'cut off at the token limit',
    'reasoning-only': 'all reasoning, no answer',
    empty: 'empty',
  };
  return REPLY_CAUSES.filter((c) => causes?.[c]).map((c) => `${causes![c]} ${words[c]}`).join(', ');
}

/** The record's kind: the key of every per-kind breakdown. */
export const kindKey = (r: EpisodeRecordCore): string => r.kind;
/** "kind/variant" (e.g. "corruption/blur"), or null for a record that names no variant (episode/variant.ts). */
export const variantKey = (r: EpisodeRecordCore): string | null => (r.variant === undefined ? null : `${r.kind}/${r.variant}`);

/** `stat` of each group of records, groups sorted by key (one pass); records whose key is null belong to none. */
export function statsBy<R extends EpisodeRecordCore, T>(records: readonly R[], key: (r: R) => string | null, stat: (rs: R[]) => T): Record<string, T> {
  const groups = new Map<string, R[]>();
  for (const r of records) {
    const k = key(r);
    if (k === null) continue;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  return Object.fromEntries([...groups.keys()].sort().map((k) => [k, stat(groups.get(k)!)]));
}

/**
 * The fewest episodes the reference must answer right beyond the untrained model (the guesser) for gap closed to be
 * told: below it one episode moves the figure by more than 20 points, and a gap of one or two episodes turned a few
 * episodes' luck into "gap closed 1400 %". Five, not more: the quick demo's sketch kind (40 episodes) rests on 8.
 */
export const MIN_GAP_EPISODES = 5;

/** Whether a gap of `gapEpisodes` (reference − untrained, in episodes answered right over the same episodes) is one gap closed is told on. */
export function isGap(gapEpisodes: number): boolean {
  // accuracies are k / n: (k_ref − k_untrained) / n · n comes back within rounding of a whole number
  return gapEpisodes >= MIN_GAP_EPISODES - 1e-6;
}

/**
 * Gap closed = (acc − acc_untrained) / (acc_reference − acc_untrained): the share of the
 * distance between guessing and seeing clearly that training recovered, the three accuracies over the
 * same `episodes`. NaN when the reference answers fewer than `MIN_GAP_EPISODES` more of them right than
 * the untrained model (`isGap`: no gap, or too small a one to close).
 */
export function gapClosed(acc: number, accUntrained: number, accReference: number, episodes: number): number {
  // a caller from plain JavaScript that leaves out `episodes` (gapClosed took three arguments before) would get NaN for every gap
  if (!Number.isInteger(episodes) || episodes < 0) throw new TypeError(`gapClosed: episodes must be the number of episodes the accuracies are over (a whole number ≥ 0), not ${String(episodes)}`);
  const gap = accReference - accUntrained;
  if (!isGap(gap * episodes)) return Number.NaN;
  return (acc - accUntrained) / gap;
}
