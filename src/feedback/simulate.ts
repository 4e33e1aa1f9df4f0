/**
 * Simulated annotators that go through the real path: each one holds an annotator token and
 * labels trajectory pairs over the workbench's HTTP API (GET /api/projects/:pid/next, POST
 * /api/assignments/:aid/annotation), exactly as a person in the browser does, so their labels
 * are the same rows in the same tables (PGlite or PostgreSQL).
 *
 * What a simulated person prefers: the play with the higher gold reward (the simulator's own
 * reward, handed in as `utility`: it knows what the scene generator knows, as a person looking
 * at the views does), with
 *   - noise: with probability `noise` the choice is flipped (an inattentive click);
 *   - bias "confident": when one play answers at its first turn and the other asks, the person
 *     prefers the answer with probability `biasRate` whatever its correctness (a confident
 *     answer looks better than a question; the bias that rewards guessing);
 *   - ties (equal utility) are broken at random.
 * Labels on trajectory pairs set both preference fields to the chosen play (`moreHelpful` is the
 * one the reward model reads; see pairs.ts).
 *
 * The random draws of a label come from its own stream, keyed by (seed, pair, slot): the slot is
 * how many labels the pair held before this one. Which of the concurrent annotators takes which
 * pair follows the order their HTTP requests arrive, and a resumed run makes new annotators; with
 * a stream per annotator both changed the labels. Keyed by the pair, the labels a pair gets are
 * the same whoever takes it and whether or not the run was interrupted (the simulated people
 * share one noise model, so nothing is lost by not keying on the person).
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { z } from 'zod';
import type { EpisodeRecord } from '../episode/types.js';
import { resolveConfig, seedField } from '../util/config.js';
import { AskfirstError, describeError, UpstreamError } from '../util/errors.js';
import { Rng, hashSeed } from '../util/rng.js';
import type { AssignmentInfo, ErrorBody, NextResponse, PreferenceLabel, SubmitResponse } from './api-types.js';
import type { TrajectoryPair } from './pairs.js';

export const BIASES = ['none', 'confident'] as const;
export type Bias = (typeof BIASES)[number];

export const SimulateConfigSchema = z.object({
  noise: z.number().min(0).max(0.5).default(0.1).describe('share of labels flipped at random (annotator noise)'),
  bias: z.enum(BIASES).default('none').describe('a known bias: none, or confident (prefers a play that answers at once over one that asks)'),
  biasRate: z.number().min(0).max(1).default(1).describe('with --bias confident: share of ask-vs-answer pairs the bias decides'),
  maxLabels: z.number().int().min(1).optional().describe('stop after this many labels in all (default: until the queue is empty)'),
  seed: seedField().default(0).describe('seed of the annotators’ choices'),
});
export type SimulateConfig = z.output<typeof SimulateConfigSchema>;

export function resolveSimulateConfig(partial: unknown): SimulateConfig {
  return resolveConfig(SimulateConfigSchema, partial, 'feedback simulate');
}

/** Whether a play answers (names a category) at its first turn. */
export const answersAtOnce = (r: EpisodeRecord) => r.actions[0]?.type === 'category';

/**
 * One simulated choice between the plays of a pair: 0 (A) or 1 (B). `utility` is the person's
 * value of a play (the gold reward); `rng` draws the noise, the bias and ties.
 */
export function simulatedChoice(pair: Pick<TrajectoryPair, 'a' | 'b'>, utility: (r: EpisodeRecord) => number, cfg: Pick<SimulateConfig, 'noise' | 'bias' | 'biasRate'>, rng: Rng): 0 | 1 {
  let c: 0 | 1;
  const ua = utility(pair.a);
  const ub = utility(pair.b);
  const confA = answersAtOnce(pair.a) && !answersAtOnce(pair.b);
  const confB = answersAtOnce(pair.b) && !answersAtOnce(pair.a);
  if (cfg.bias === 'confident' && (confA || confB) && rng.next() < cfg.biasRate) c = confA ? 0 : 1;
  else if (Math.abs(ua - ub) < 1e-9) c = rng.next() < 0.5 ? 0 : 1;
  else c = ua > ub ? 0 : 1;
  if (rng.next() < cfg.noise) c = (1 - c) as 0 | 1;
  return c;
}

/** The random stream of the label in slot `slot` (0 = the pair's first label) of pair `pairId`. */
export const labelRng = (seed: number, pairId: string, slot: number) => new Rng(hashSeed('simulate', seed, pairId, slot));

export interface SimulatedAnnotator {
  name: string;
  token: string;
}

export interface SimulateResult {
  labels: number;
  byAnnotator: Record<string, number>;
  /** Assignments skipped because the item was not a known pair (left open for people). */
  skipped: number;
}

/** A JSON request to the workbench; an error answer becomes an AskfirstError with its code and message. */
async function call<T>(url: string, token: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  } catch (e) {
    throw new UpstreamError(`workbench at ${url} is unreachable: ${describeError(e)}`, { cause: e });
  }
  const body = (await res.json().catch(() => null)) as T | ErrorBody | null;
  if (!res.ok) {
    const err = (body as ErrorBody | null)?.error;
    throw new AskfirstError((err?.code as never) ?? 'UPSTREAM', `workbench ${init.method ?? 'GET'} ${new URL(url).pathname}: ${res.status} ${err?.message ?? res.statusText}`);
  }
  return body as T;
}

/** An item's pair by its external id (undefined: not a pair), looked up when an annotator is assigned the item. */
export type PairLookup = (externalId: string) => TrajectoryPair | undefined | Promise<TrajectoryPair | undefined>;

/**
 * Let every annotator label preference tasks of project `projectId` over HTTP until the queue
 * is empty for them (or `maxLabels` labels are in). `pairs` maps an item's external id to its
 * pair (what the simulated person knows of the scene): a map, or a lookup asked as each item is
 * assigned (`storedPair` in pairs.ts reads one item then, not the whole project first); items
 * without a pair are left for people.
 * `held` counts the labels each pair (by id) already holds, so a resumed run draws each new
 * label from the slot an uninterrupted run would have (`labelsPerPair` reads it from the store).
 * `onLabel` is told the count after each new label. Annotators run concurrently, each one label
 * at a time, as people do; once `signal` aborts, each stops after the label it is giving (Ctrl-C:
 * every label given is in, a pair taken and not labelled is given back by the next run).
 */
export async function simulateAnnotators(
  baseUrl: string,
  projectId: number,
  annotators: readonly SimulatedAnnotator[],
  pairs: ReadonlyMap<string, TrajectoryPair> | PairLookup,
  utility: (r: EpisodeRecord) => number,
  partial: Partial<SimulateConfig> = {},
  { onLabel, held = new Map(), signal }: { onLabel?: (n: number) => void; held?: ReadonlyMap<string, number>; signal?: AbortSignal } = {},
): Promise<SimulateResult> {
  const cfg = resolveSimulateConfig(partial);
  const res: SimulateResult = { labels: 0, byAnnotator: {}, skipped: 0 };
  const base = baseUrl.replace(/\/$/, '');
  const slots = new Map(held);
  const pairOf: PairLookup = typeof pairs === 'function' ? pairs : (id) => pairs.get(id);
  // --max-labels is exact: an annotator takes a pair only while the labels given and being given (`taken`) are under it;
  // checking the labels given only let every annotator take one more at the limit (302 of 300 with 3). One that finds
  // the limit taken waits for the labels in progress (a pair skipped gives its place back) before it stops.
  const limit = cfg.maxLabels ?? Infinity;
  let taken = 0;
  const settled = new EventEmitter().setMaxListeners(0);
  /** One pair taken and labelled: 'labelled' (a new label is in), 'skipped' (not a known pair, or a replayed label), 'empty' (nothing left). */
  const labelNext = async (who: SimulatedAnnotator, skip: Set<number>): Promise<'labelled' | 'skipped' | 'empty'> => {
    const { assignment } = await call<NextResponse>(`${base}/api/projects/${projectId}/next?type=preference`, who.token);
    if (!assignment || skip.has(assignment.id)) return 'empty'; // nothing left (an unknown item stays open: the queue returns it again)
    const a = assignment as AssignmentInfo<'preference'>;
    const pair = await pairOf(a.item.externalId);
    if (!pair) {
      skip.add(a.id);
      res.skipped++;
      return 'skipped';
    }
    const slot = slots.get(pair.id) ?? 0;
    slots.set(pair.id, slot + 1);
    const c = simulatedChoice(pair, utility, cfg, labelRng(cfg.seed, pair.id, slot));
    const label: PreferenceLabel = { lessHallucination: c, moreHelpful: c };
    const r = await call<SubmitResponse>(`${base}/api/assignments/${a.id}/annotation`, who.token, { method: 'POST', body: JSON.stringify({ submissionId: randomUUID(), label }) });
    return r.replayed ? 'skipped' : 'labelled';
  };
  const one = async (who: SimulatedAnnotator) => {
    res.byAnnotator[who.name] = 0;
    const skip = new Set<number>();
    for (;;) {
      if (signal?.aborted || res.labels >= limit) return;
      if (taken >= limit) {
        await once(settled, 'settled'); // some label is in progress (taken > labels): see what it came to
        continue;
      }
      taken++;
      let outcome: 'labelled' | 'skipped' | 'empty' = 'empty';
      try {
        outcome = await labelNext(who, skip);
        if (outcome === 'labelled') {
          res.labels++;
          res.byAnnotator[who.name]++;
        }
      } finally {
        if (outcome !== 'labelled') taken--;
        settled.emit('settled');
      }
      if (outcome === 'empty') return;
      if (outcome === 'labelled') onLabel?.(res.labels);
    }
  };
  await Promise.all(annotators.map(one));
  return res;
}
