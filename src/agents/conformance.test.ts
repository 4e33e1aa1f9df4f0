/** The baselines and the built-in model pass the shared Policy conformance suite (the HTTP client: see http/policy.test.ts, server/openai/server.test.ts). */
import { AlwaysAnswerPolicy } from './baselines/always-answer.js';
import { OraclePolicy } from './baselines/oracle.js';
import { RandomPolicy } from './baselines/random.js';
import { ScriptedPolicy } from './baselines/scripted.js';
import { newBuiltin } from './builtin/build.js';
import { CachedPolicy, FeatureCache } from './builtin/feature-cache.js';
import { policyConformance } from '../testing/policy-conformance.js';
import type { ViewRef } from '../suite/types.js';

policyConformance('oracle', async (eps) => new OraclePolicy(eps), { deterministic: true });
policyConformance('random', async () => new RandomPolicy(3));
policyConformance('scripted', async (eps) => ScriptedPolicy.fromMap(Object.fromEntries(eps.map((e) => [e.id, ['A.', 'B.', 'C.']]))), { deterministic: true });
policyConformance('always-answer', async () => new AlwaysAnswerPolicy(), { deterministic: true });
// The built-in model with fresh weights: conformance is about the interface, not skill.
policyConformance('builtin (fresh weights)', async (eps) => newBuiltin(eps), { deterministic: true });
// The built-in model reading its image features from a FeatureCache over the same episodes (as in training and the demo's evaluation).
policyConformance(
  'builtin over a FeatureCache (CachedPolicy)',
  async (eps) => {
    const builtin = newBuiltin(eps, { imageSize: 32, channels: [4], hidden: 8 });
    const loader = async (ref: ViewRef) => ('image' in ref ? ref.image : Promise.reject(new Error('in-memory views only')));
    return new CachedPolicy(builtin, new FeatureCache(builtin.model, loader), eps);
  },
  { deterministic: true },
);
