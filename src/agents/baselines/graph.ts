/**
 * Privileged facts about an episode's view graph, for the oracle and for analytic baselines:
 * distances to the nearest informative view, and the exact success probability of a policy
 * that picks uniformly among the shown options.
 */
import { shownOptions } from '../../episode/prompt.js';
import type { Episode } from '../../episode/types.js';

/**
 * Views that "show enough": the informative flags when known, else the target views the
 * ProactiveBench reader names (`meta.targetViews`, the views its `minInterventions` is measured
 * to: e.g. a coco2014 reference is the uncropped photo, never shown in play), else the reference view.
 */
export function targetViews(ep: Episode): Set<number> {
  if (ep.informative) return new Set(ep.informative.flatMap((f, v) => (f ? [v] : [])));
  const named = ep.meta?.targetViews;
  if (Array.isArray(named) && named.length && named.every((v) => Number.isInteger(v) && v >= 0 && v < ep.views.length)) return new Set(named as number[]);
  return new Set([ep.referenceView]);
}

/** Valid-intervention distance from every view to the nearest target view (Infinity if unreachable). */
export function distancesToTarget(ep: Episode): number[] {
  const n = ep.views.length;
  const dist = new Array<number>(n).fill(Infinity);
  const targets = targetViews(ep);
  // Reverse BFS over the `next` edges.
  const preds: number[][] = Array.from({ length: n }, () => []);
  ep.steps.forEach((s, v) => Object.values(s.next).forEach((to) => preds[to].push(v)));
  const queue: number[] = [];
  for (const t of targets) {
    dist[t] = 0;
    queue.push(t);
  }
  while (queue.length) {
    const v = queue.shift()!;
    for (const p of preds[v]) {
      if (dist[p] === Infinity) {
        dist[p] = dist[v] + 1;
        queue.push(p);
      }
    }
  }
  return dist;
}

/**
 * Exact probability that a uniformly random choice among the shown options succeeds, by
 * dynamic programming over (view, turn): each turn the correct category wins with 1/n, each
 * valid intervention moves on with 1/n each, everything else fails; the turn limit applies.
 */
export function randomSuccessProbability(ep: Episode, mode: 'proactive' | 'hint' | 'reference' = 'proactive'): number {
  if (mode === 'reference') return 1 / ep.categories.length;
  const memo = new Map<string, number>();
  const p = (view: number, turn: number): number => {
    const key = `${view}:${turn}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    const shown = shownOptions(ep, view, mode);
    const n = shown.interventions.length + shown.categories.length;
    let s = shown.answer >= 0 ? 1 / n : 0; // the correct category (none where no answer counts)
    if (turn + 1 < ep.maxTurns) {
      for (const o of shown.interventions) if (o.valid) s += p(ep.steps[view].next[o.index], turn + 1) / n;
    }
    memo.set(key, s);
    return s;
  };
  return p(ep.firstView, 0);
}
