/** The baselines and the built-in model pass the shared Policy conformance suite (the HTTP client: see http/policy.test.ts, server/openai/server.test.ts). */
import { hasTesseract } from '../testing/tesseract.js';
import { AlwaysAnswerPolicy } from './baselines/always-answer.js';
import { ConstantPolicy } from './baselines/constant.js';
import { OcrFollowPolicy } from './baselines/ocr-follow.js';
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
// constant:TEXT replies the same text to everything; "Yes" is no option letter, so its replies need not parse.
policyConformance('constant:Yes', async () => new ConstantPolicy('Yes'), { deterministic: true, answers: false });
policyConformance('constant:A', async () => new ConstantPolicy('A'), { deterministic: true });
// ocr-follow runs tesseract on every view (nothing to obey in noise: it answers like always-answer).
if (hasTesseract()) policyConformance('ocr-follow', async () => new OcrFollowPolicy(), { deterministic: true });
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
