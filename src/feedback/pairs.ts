/**
 * Preference pairs from real policy behaviour (LLaVA-RLHF, Sun et al. 2023; Christiano et al.
 * 2017): two plays of the same episode — by one policy sampled twice, by two policies, or by an
 * HTTP VLM and ours — become one workbench preference item. The annotator sees every view each
 * play saw and each reply, with the scene's true facts beside them (Factually Augmented RLHF),
 * and picks the better play. The item keeps the episode and both records in its `meta` (never
 * sent to the client), so the reward-model stage reads back exactly the trajectories that were
 * labelled.
 *
 * Sources: any `results.jsonl` (`askfirst eval --out DIR`, ours or an `openai:` VLM's), one file
 * with several records per episode or several files; records are matched to the suite's episodes
 * by id and replayed through the protocol, so a record that does not fit its episode is an error,
 * not a silent pair.
 */
import type { Episode, EpisodeRecord } from '../episode/types.js';
import { EpisodeState } from '../episode/state.js';
import { DataError, InputError } from '../util/errors.js';
import { SceneRng } from '../util/rng.js';
import type { PairTurn, PreferenceLabel, PreferencePayload } from './api-types.js';
import { sceneFacts, sceneTruth } from './facts.js';
import type { FeedbackStore, ItemInput } from './store.js';
import type { Fact } from './tasks.js';

/** Two plays of one episode (views of the episode: paths relative to the project's image folder). */
export interface TrajectoryPair {
  /** Unique in a project: `<episode id>#pair<k>`. */
  id: string;
  episode: Episode<string>;
  a: EpisodeRecord;
  b: EpisodeRecord;
  /** Where the plays came from (free text: policy names, files). */
  source?: string;
}

/** What a preference item of a trajectory pair keeps in its meta. */
export interface PairMeta {
  kind: 'trajectory-pair';
  episode: Episode<string>;
  records: [EpisodeRecord, EpisodeRecord];
  source?: string;
}

/** One label on a pair, as the reward-model stage reads it. */
export interface LabelledPair {
  pair: TrajectoryPair;
  /** 0 = A is better, 1 = B. */
  preferred: 0 | 1;
  annotatorId: number;
  annotationId: number;
}

/** A play's identity: its replies in order. */
export const trajectoryKey = (r: EpisodeRecord) => JSON.stringify(r.replies);

/**
 * Replay `r`'s replies on its episode and check the protocol reaches the same views and outcome
 * (a record from another suite or a hand-edited file fails here, naming the episode).
 */
export function checkRecord(ep: Episode<string>, r: EpisodeRecord, where: string): void {
  const s = new EpisodeState(ep, 'proactive');
  for (const reply of r.replies) {
    if (s.done) throw new DataError(`${where}: record of episode "${ep.id}" has more replies than the episode allows (it ended after ${s.turns.length})`);
    s.step(reply);
  }
  if (!s.done) throw new DataError(`${where}: record of episode "${ep.id}" stops before the episode ends (${r.replies.length} replies)`);
  const re = s.record();
  if (re.outcome !== r.outcome || JSON.stringify(re.views) !== JSON.stringify(r.views)) {
    throw new DataError(`${where}: record of episode "${ep.id}" does not match the episode (replayed: ${re.outcome} via views ${re.views.join(',')}; record: ${r.outcome} via ${r.views.join(',')}); is it from another suite?`);
  }
}

/** A pair `PairPicker` chose: two plays of one episode (by its id), each as the `ref` it was added with. */
export interface PickedPair<R> {
  id: string;
  episodeId: string;
  a: R;
  b: R;
  source: string;
}

/**
 * Pairs from episode records given one at a time (`add`, each with its episode), holding only what pairing needs: per
 * episode id the first 2·`perEpisode` distinct plays (by `trajectoryKey`), each as its key, its source and a `ref` the
 * caller chooses (the record itself, or where to read it again: `askfirst feedback pairs` keeps file offsets, and reads
 * each record's episode by its place in the suite, so neither a results.jsonl nor a suite of any size is held). Each
 * record is checked against its episode as it comes (`checkRecord`); one whose episode is not in the suite is an error
 * naming it.
 */
export class PairPicker<R> {
  private readonly groups = new Map<string, { ref: R; key: string; source: string }[]>();

  constructor(private readonly perEpisode = 1) {}

  /** `ep`: the suite's episode of `record.id` (undefined: the suite has none), not read for a reference-mode play. */
  add(record: EpisodeRecord, ep: Episode<string> | undefined, source: string, ref: R): void {
    if (record.mode !== 'proactive') return; // reference-mode plays have no decision to ask
    if (!ep) throw new DataError(`${source}: a record names episode "${record.id}", which is not in the suite (give the suite the results were made on)`);
    checkRecord(ep, record, source);
    const g = this.groups.get(ep.id) ?? [];
    this.groups.set(ep.id, g);
    if (g.length >= 2 * this.perEpisode) return; // only the first 2·perEpisode distinct plays make pairs
    const key = trajectoryKey(record);
    if (!g.some((y) => y.key === key)) g.push({ ref, key, source });
  }

  /** Per episode (in the order of their first records), up to `perEpisode` pairs of its distinct plays, A/B order shuffled by `seed`. */
  pairs(seed: number): PickedPair<R>[] {
    const rng = SceneRng.fromState(seed);
    const out: PickedPair<R>[] = [];
    for (const [id, g] of this.groups) {
      for (let i = 0, k = 0; i + 1 < g.length && k < this.perEpisode; i += 2, k++) {
        const [x, y] = rng.next() < 0.5 ? [g[i], g[i + 1]] : [g[i + 1], g[i]];
        out.push({ id: `${id}#pair${k}`, episodeId: id, a: x.ref, b: y.ref, source: x.source === y.source ? x.source : `${x.source} vs ${y.source}` });
      }
    }
    return out;
  }
}

/**
 * Pairs from episode records: per episode id, up to `perEpisode` pairs of distinct plays (the
 * first plays of each distinct reply sequence, in the order given), A/B order shuffled by `seed`
 * (`PairPicker`). A record whose episode is not in `episodes` is an error naming it.
 */
export function pairsFromRecords(
  episodes: readonly Episode<string>[],
  records: readonly { record: EpisodeRecord; source: string }[],
  o: { seed: number; perEpisode?: number },
): TrajectoryPair[] {
  const byId = new Map(episodes.map((e) => [e.id, e]));
  const picker = new PairPicker<EpisodeRecord>(o.perEpisode ?? 1);
  for (const x of records) picker.add(x.record, byId.get(x.record.id), x.source, x.record);
  return picker.pairs(o.seed).map((p) => ({ id: p.id, episode: byId.get(p.episodeId)!, a: p.a, b: p.b, source: p.source }));
}

/** Whether a play asked on a view that already showed enough (the annotator sees it beside the facts). */
export const asksOnAnswerable = (r: EpisodeRecord) => r.actions.some((a, t) => a.type === 'intervention' && r.informative?.[t] === true);

/**
 * Pairs that show asking on and on: each play of `forever` that kept asking on a view that
 * already showed enough (asksOnAnswerable; in the training kinds no play can run out of turns, so
 * this is what asking forever looks like there) beside the first play of `ordinary` of the same
 * episode that did not, one pair an episode, at most `max`. Both plays are the policy's own on the
 * same episode (the demo's `forever` plays are its starting policy with answering masked out);
 * ids continue the episode's `#pair<k>` numbering after `existing`, so the reward model's
 * held-out split (by episode) keeps the episode's pairs together. A/B order shuffled by `seed`.
 */
export function askForeverPairs(
  episodes: readonly Episode<string>[],
  ordinary: readonly { record: EpisodeRecord; source: string }[],
  forever: readonly { record: EpisodeRecord; source: string }[],
  existing: readonly TrajectoryPair[],
  o: { seed: number; max: number },
): TrajectoryPair[] {
  const byId = new Map(episodes.map((e) => [e.id, e]));
  const next = new Map<string, number>();
  for (const p of existing) {
    const k = Number(/#pair(\d+)$/.exec(p.id)?.[1] ?? -1);
    next.set(p.episode.id, Math.max(next.get(p.episode.id) ?? 0, k + 1));
  }
  // each episode's first ordinary play that did not ask on an answerable view
  const partner = new Map<string, { record: EpisodeRecord; source: string }>();
  for (const z of ordinary) if (z.record.mode === 'proactive' && !asksOnAnswerable(z.record) && !partner.has(z.record.id)) partner.set(z.record.id, z);
  const rng = SceneRng.fromState(o.seed + 1);
  const out: TrajectoryPair[] = [];
  const done = new Set<string>();
  for (const x of forever) {
    if (out.length >= o.max) break;
    const id = x.record.id;
    if (!asksOnAnswerable(x.record) || x.record.mode !== 'proactive' || done.has(id)) continue;
    const ep = byId.get(id);
    if (!ep) throw new DataError(`${x.source}: a record names episode "${id}", which is not in the suite (give the suite the results were made on)`);
    const y = partner.get(id);
    if (!y) continue;
    checkRecord(ep, x.record, x.source);
    checkRecord(ep, y.record, y.source);
    const [a, b] = rng.next() < 0.5 ? [x, y] : [y, x];
    out.push({ id: `${id}#pair${next.get(id) ?? 0}`, episode: ep, a: a.record, b: b.record, source: `${a.source} vs ${b.source}` });
    done.add(id);
  }
  return out;
}

/** The scene's facts an annotator sees beside a pair: what the object is, what is wrong with a view, which views show enough. */
export function pairFacts(ep: Episode<string>, seen: readonly number[]): Fact[] {
  const truth = sceneTruth(ep);
  const first = ep.informative?.[ep.firstView] ?? ep.control;
  const facts = sceneFacts(truth, first, ep.categories);
  for (const v of seen) {
    const inf = ep.informative?.[v];
    if (inf === undefined) continue;
    facts.push({ text: `view ${v + 1} ${inf ? 'shows enough to tell what it is' : 'does not show enough to tell what it is'}`, holds: true, family: 'visibility' });
  }
  return facts;
}

const transcript = (turns: readonly PairTurn[]) => turns.map((t, i) => `${i + 1}. ${t.reply}`).join('  ');

/** One preference item (one task) for a pair. */
export function pairToItem(p: TrajectoryPair): ItemInput {
  const ep = p.episode;
  const seen = [...new Set([...p.a.views, ...p.b.views])].sort((x, y) => x - y);
  const idx = new Map(seen.map((v, i) => [v, i]));
  const turns = (r: EpisodeRecord): PairTurn[] => r.replies.map((reply, t) => ({ view: idx.get(r.views[t])!, reply }));
  const ta = turns(p.a);
  const tb = turns(p.b);
  const facts = pairFacts(ep, seen);
  const payload: PreferencePayload = {
    replies: [transcript(ta), transcript(tb)],
    image: ep.views[ep.firstView],
    facts: facts.filter((f) => f.holds).map((f) => f.text),
    views: seen.map((v) => ep.views[v]),
    turns: [ta, tb],
  };
  const meta: PairMeta = { kind: 'trajectory-pair', episode: ep, records: [p.a, p.b], ...(p.source ? { source: p.source } : {}) };
  return {
    externalId: p.id,
    image: ep.views[ep.firstView],
    question: ep.question,
    modelOutput: '',
    facts,
    meta: meta as unknown as Record<string, unknown>,
    tasks: [{ type: 'preference', payload }],
  };
}

/** The pair a preference item holds, or a DataError saying what is wrong with it. */
export function pairOfItem(item: { externalId: string; meta: Record<string, unknown> }): TrajectoryPair {
  const m = item.meta as Partial<PairMeta>;
  if (m.kind !== 'trajectory-pair') throw new DataError(`item "${item.externalId}" is not a trajectory pair (it was not imported with \`askfirst feedback pairs\`), so the reward model cannot read its label`);
  if (!m.episode || !Array.isArray(m.episode.views)) throw new DataError(`pair "${item.externalId}": its episode is missing from the item (re-import the pair)`);
  if (!Array.isArray(m.records) || m.records.length !== 2) throw new DataError(`pair "${item.externalId}": its two trajectories are missing from the item (re-import the pair)`);
  checkRecord(m.episode, m.records[0], `pair "${item.externalId}"`);
  checkRecord(m.episode, m.records[1], `pair "${item.externalId}"`);
  return { id: item.externalId, episode: m.episode, a: m.records[0], b: m.records[1], source: m.source };
}

/**
 * How many preference labels each item of a project holds, by the item's external id (a pair's id). Counted in the
 * database: reading every label with its item (both plays) first took seconds and hundreds of MB on a large project.
 */
export async function labelsPerPair(store: FeedbackStore, projectId: number): Promise<Map<string, number>> {
  return store.labelCounts(projectId, 'preference');
}

/**
 * The pair of a project's item, read when it is asked for (an annotator is assigned it): undefined for an item that is
 * not a trajectory pair (left for people), a DataError for a damaged one. `feedback simulate` read and checked every
 * item of the project before its first label (132 s and 2 GB at 115k pairs).
 */
export function storedPair(store: FeedbackStore, projectId: number): (externalId: string) => Promise<TrajectoryPair | undefined> {
  return async (externalId) => {
    const item = await store.itemByExternalId(projectId, externalId);
    return item?.meta.kind === 'trajectory-pair' ? pairOfItem(item) : undefined;
  };
}

/**
 * Every preference label of a project's trajectory pairs, in label order (task, annotator).
 * An empty label set, or a label on an item that is not a valid pair, is an error: nothing is
 * trained from a partial or wrong read.
 */
export async function readLabelledPairs(store: FeedbackStore, project: { id: number; name: string }): Promise<LabelledPair[]> {
  const rows = await store.labelled(project.id, 'preference');
  if (!rows.length) throw new InputError(`project "${project.name}" has no preference labels yet: label some pairs in the workbench or with \`askfirst feedback simulate\` first`);
  const cache = new Map<number, TrajectoryPair>();
  return rows.map(({ annotation, item }) => {
    let pair = cache.get(item.id);
    if (!pair) cache.set(item.id, (pair = pairOfItem(item)));
    const l = annotation.label as PreferenceLabel;
    return { pair, preferred: l.moreHelpful, annotatorId: annotation.annotatorId, annotationId: annotation.id };
  });
}
