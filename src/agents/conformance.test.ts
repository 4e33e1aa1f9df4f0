/** The baselines and the built-in model pass the shared Policy conformance suite (the HTTP client: see http/policy.test.ts, server/openai.test.ts). */
import { OraclePolicy } from './baselines/oracle.js';
import { RandomPolicy } from './baselines/random.js';
import { ScriptedPolicy } from './baselines/scripted.js';
import { newBuiltin } from './builtin/build.js';
import { policyConformance } from '../testing/policy-conformance.js';

policyConformance('oracle', async (eps) => new OraclePolicy(eps), { deterministic: true });
policyConformance('random', async () => new RandomPolicy(3));
policyConformance('scripted', async (eps) => ScriptedPolicy.fromMap(Object.fromEntries(eps.map((e) => [e.id, ['A.', 'B.', 'C.']]))), { deterministic: true });
// The built-in model with fresh weights: conformance is about the interface, not skill.
policyConformance('builtin (fresh weights)', async (eps) => newBuiltin(eps), { deterministic: true });
