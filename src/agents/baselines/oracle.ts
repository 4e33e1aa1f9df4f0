/**
 * The oracle: knows each episode's view graph, asks exactly the interventions on a shortest
 * path to a view that shows enough, then answers correctly. Its accuracy is the ceiling and its
 * ps-rate the minimum each episode needs.
 */
import { InputError } from '../../util/errors.js';
import type { Episode } from '../../episode/types.js';
import type { Observation, Policy, PolicyReply } from '../policy.js';
import { distancesToTarget } from './graph.js';

export class OraclePolicy implements Policy {
  readonly name = 'oracle';
  private readonly byId = new Map<string, { ep: Episode; dist: number[] }>();

  constructor(episodes: readonly Episode[]) {
    for (const ep of episodes) this.byId.set(ep.id, { ep, dist: distancesToTarget(ep) });
  }

  async act(batch: readonly Observation[]): Promise<PolicyReply[]> {
    return batch.map((o) => ({ reply: this.replyFor(o) }));
  }

  replyFor(o: Observation): string {
    const entry = this.byId.get(o.episodeId);
    if (!entry) throw new InputError(`oracle: episode ${o.episodeId} is not in the suite it was given`);
    const { ep, dist } = entry;
    const answer = ep.categories[ep.answer];
    if (dist[o.view] === 0 || o.numInterventions === 0) return answer;
    // Take a valid intervention that gets one step closer.
    const step = ep.steps[o.view];
    let best: number | null = null;
    for (const iv of step.offered) {
      const to = step.next[iv];
      if (to === undefined) continue;
      if (best === null || dist[to] < dist[step.next[best]]) best = iv;
    }
    if (best === null || dist[step.next[best]] >= dist[o.view]) return answer; // nothing helps: answer anyway
    return ep.interventions[best];
  }
}
