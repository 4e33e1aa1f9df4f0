/** Building a fresh built-in model for a suite, and saving it as a checkpoint. */
import { saveCheckpoint, type TensorData } from '../../nn/index.js';
import { CATEGORIES } from '../../scenes/shapes.js';
import type { SuiteEpisode } from '../../suite/types.js';
import { ABSTAIN_TEXT } from '../../suite/kinds/common.js';
import { MultimodalModel, resolveModelConfig } from './model.js';
import type { ModelConfig } from './model-config.js';
import { BuiltinPolicy, type BuiltinCheckpointConfig } from './policy.js';
import { Vocab } from './vocab.js';

/** Every text the model may read in a suite: questions, hints, options, all category names. */
export function suiteTexts(episodes: readonly SuiteEpisode[]): string[] {
  const t = new Set<string>([...CATEGORIES, ABSTAIN_TEXT]);
  for (const e of episodes) {
    t.add(e.question);
    if (e.referenceQuestion) t.add(e.referenceQuestion);
    if (e.hint) t.add(e.hint);
    e.interventions.forEach((x) => t.add(x));
    e.categories.forEach((x) => t.add(x));
  }
  return [...t];
}

export function newBuiltin(episodes: readonly SuiteEpisode[], model: Partial<ModelConfig> = {}): BuiltinPolicy {
  const vocab = Vocab.fromTexts(suiteTexts(episodes));
  return new BuiltinPolicy(new MultimodalModel(resolveModelConfig(model), vocab.toJSON()), vocab);
}

export function checkpointConfig(p: BuiltinPolicy, training?: unknown): BuiltinCheckpointConfig {
  return { kind: 'askfirst-builtin', model: p.model.config, vocab: p.vocab.toJSON(), training };
}

export function saveBuiltin(dir: string, p: BuiltinPolicy, training?: unknown, extra?: Iterable<[string, TensorData]>): void {
  saveCheckpoint(dir, p.model, { config: checkpointConfig(p, training), extra });
}
