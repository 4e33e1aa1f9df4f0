/**
 * The oracle: knows each episode's view graph, asks exactly the interventions on a shortest
 * path to a view that shows enough, then answers correctly. Its accuracy is the ceiling and its
 * ps-rate the minimum each episode needs.
 */
import { InputError } from '../../util/errors.js';
import type { Episode } from '../../episode/types.js';
import type { Observation, Policy, PolicyReply } from '../policy.js';
import { distancesToTarget } from './graph.js';

/** What the oracle keeps of an episode: the answer, and per view the intervention it asks there (null: it answers). */
interface Plan {
  answer: string;
  asks: (string | null)[];
}

export class OraclePolicy implements Policy {
  readonly name = 'oracle';
  private readonly plans = new Map<string, Plan>();
  /** Each text once (the same categories and interventions recur across a suite's episodes). */
  private readonly texts = new Map<string, string>();

  constructor(episodes: Iterable<Episode> = []) {
    for (const ep of episodes) this.add(ep);
  }

  /**
   * The oracle of `episodes` read one at a time (a stream of a large suite, `askfirst eval`): it keeps each one's plan,
   * a few strings, not the episode (100,000 episodes held were some 330 MB).
   */
  static async of(episodes: Iterable<Episode> | AsyncIterable<Episode>): Promise<OraclePolicy> {
    const oracle = new OraclePolicy();
    for await (const ep of episodes) oracle.add(ep);
    return oracle;
  }

  private add(ep: Episode): void {
    const text = (s: string) => this.texts.get(s) ?? (this.texts.set(s, s), s);
    const dist = distancesToTarget(ep);
    const asks = ep.steps.map((step, view) => {
      if (dist[view] === 0) return null;
      // Take a valid intervention that gets one step closer.
      let best: number | null = null;
      for (const iv of step.offered) {
        const to = step.next[iv];
        if (to === undefined) continue;
        if (best === null || dist[to] < dist[step.next[best]]) best = iv;
      }
      if (best === null || dist[step.next[best]] >= dist[view]) return null; // nothing helps: answer anyway
      return text(ep.interventions[best]);
    });
    this.plans.set(ep.id, { answer: text(ep.categories[ep.answer]), asks });
  }

  async act(batch: readonly Observation[]): Promise<PolicyReply[]> {
    return batch.map((o) => ({ reply: this.replyFor(o) }));
  }

  replyFor(o: Observation): string {
    const plan = this.plans.get(o.episodeId);
    if (!plan) throw new InputError(`oracle: episode ${o.episodeId} is not in the suite it was given`);
    return o.numInterventions === 0 ? plan.answer : (plan.asks[o.view] ?? plan.answer);
  }
}
