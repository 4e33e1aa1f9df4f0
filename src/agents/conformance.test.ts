/** The baselines pass the shared Policy conformance suite. */
import { OraclePolicy } from './baselines/oracle.js';
import { RandomPolicy } from './baselines/random.js';
import { ScriptedPolicy } from './baselines/scripted.js';
import { policyConformance } from './policy-conformance.js';

policyConformance('oracle', async (eps) => new OraclePolicy(eps), { deterministic: true });
policyConformance('random', async () => new RandomPolicy(3));
policyConformance('scripted', async (eps) => ScriptedPolicy.fromMap(Object.fromEntries(eps.map((e) => [e.id, ['A.', 'B.', 'C.']]))), { deterministic: true });
