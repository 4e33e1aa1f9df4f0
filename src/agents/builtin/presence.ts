/**
 * The built-in model's presence head, and how the model answers the yes/no presence question
 * (episode/presence.ts; POPE, Li et al., EMNLP 2023) with a third answer, "I cannot tell".
 *
 *   p(c present) = σ(MLP([h | where])_c)       one logit per known category, on the frozen
 *                                              encoder's features (MultimodalModel.features)
 *   ask          = the model's own policy, shown "I cannot tell" and every known category
 *                  (plus a second ask-style placeholder, so its gate does not read the scene as
 *                  "only the abstain option is left"): asks when its ask gate outweighs its
 *                  surest category — the gate RL trains on the proactive episodes
 *   answer       = "I cannot tell" if it asks, else Yes when p ≥ 0.5, else No
 *
 * The head is trained apart from everything else (src/rl/presence.ts: its own step budget and
 * random stream, on multi-object scenes with known contents, encoder frozen) and saved beside
 * the checkpoint it was trained on (`presence.safetensors` + `presence` in config.json), so the
 * model's own weights — and the demo's trained policy — stay exactly as they were. Before and
 * after RL the head is the same (RL freezes the encoder); what changes is the ask gate, which
 * is the question the probe asks: does learning to ask reduce hallucination?
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Linear, Module, loadSafetensors, relu, saveSafetensors, type Tensor } from '../../nn/index.js';
import { Rng } from '../../util/rng.js';
import { DataError } from '../../util/errors.js';
import { PRESENCE_CANNOT, isPresenceOptions, parsePresenceQuestion } from '../../episode/presence.js';
import type { Observation } from '../policy.js';

export const PRESENCE_FILE = 'presence.safetensors';

/** What config.json records of a presence head. */
export interface PresenceConfig {
  /** Feature width it reads ([h | where]). */
  inputs: number;
  hidden: number;
  /** The categories it answers for, in logit order. */
  categories: string[];
  /** Free-form training provenance. */
  training?: unknown;
}

export class PresenceHead extends Module {
  readonly l1: Linear;
  readonly l2: Linear;
  constructor(readonly config: PresenceConfig, seed = 0) {
    super();
    const rng = new Rng(seed);
    this.l1 = this.addModule('l1', new Linear(config.inputs, config.hidden, { rng }));
    this.l2 = this.addModule('l2', new Linear(config.hidden, config.categories.length, { rng }));
  }

  /** Features [B, inputs] → presence logits [B, categories]. */
  forward(f: Tensor): Tensor {
    return this.l2.forward(relu(this.l1.forward(f)));
  }

  save(dir: string): void {
    saveSafetensors(join(dir, PRESENCE_FILE), this.namedParameters().map(([n, p]) => [n, { data: p.data, shape: p.shape }]), { format: 'askfirst-presence' });
  }

  /** The head saved in a checkpoint directory, or null when it has none. */
  static load(dir: string, cfg: unknown): PresenceHead | null {
    const file = join(dir, PRESENCE_FILE);
    if (!cfg && !existsSync(file)) return null;
    const c = cfg as PresenceConfig;
    if (!c || !Number.isInteger(c.inputs) || !Number.isInteger(c.hidden) || !Array.isArray(c.categories)) {
      throw new DataError('config.json has a malformed "presence" entry (expected inputs, hidden, categories)', { file: join(dir, 'config.json') });
    }
    if (!existsSync(file)) throw new DataError(`config.json names a presence head but ${PRESENCE_FILE} is missing`, { file });
    const head = new PresenceHead(c);
    head.loadStateDict(loadSafetensors(file).tensors, true, file);
    return head;
  }
}

/** The category asked about when `o` is a presence question with the presence options, else null. */
export function presenceCategory(o: Pick<Observation, 'question' | 'options' | 'numInterventions'>): string | null {
  if (o.numInterventions !== 1 || !isPresenceOptions(o.options)) return null;
  return parsePresenceQuestion(o.question);
}

/** Options the ask decision is made over: two ask-style entries, then every known category. */
export function askProbeOptions(categories: readonly string[]): { options: string[]; numInterventions: number } {
  return { options: [PRESENCE_CANNOT, 'Show me a clearer view.', ...categories], numInterventions: 2 };
}
