/** Always the same reply (e.g. `constant:Yes` — POPE's always-yes reference, whose yes-ratio is 1). */
import type { Observation, Policy, PolicyReply } from '../policy.js';

export class ConstantPolicy implements Policy {
  readonly name: string;
  constructor(readonly reply: string) {
    this.name = `constant:${reply}`;
  }
  async act(batch: readonly Observation[]): Promise<PolicyReply[]> {
    return batch.map(() => ({ reply: this.reply }));
  }
}
