/**
 * OpenAI's `system_fingerprint` for `askfirst serve`: "fp_" and a short hash of what the replies depend on besides the
 * request — askfirst's version (the code), the policy (its `fingerprint` when it has one: a built-in model's weights
 * and config, wherever its files lie; a scripted:FILE policy its file's text; else its name, the spec), the data it answers
 * from (`data`: the fingerprint of `serve --data` for a policy whose replies depend on it, the oracle; the one `askfirst
 * eval` records, suite/fingerprint.ts) and `serve --seed` (the stream an unseeded sampled request draws from, and the
 * random baseline's). The same request and seed to servers with one fingerprint get the same reply;
 * a changed checkpoint, version or seed changes it, as OpenAI's changes with its backend's configuration.
 */
import { createHash } from 'node:crypto';
import type { Policy } from '../../agents/policy.js';
import { askfirstVersion } from '../../util/provenance.js';

export function systemFingerprint(policy: Policy, seed: number, data?: string, version = askfirstVersion()): string {
  // without data the same JSON as before data was covered: a built-in model's fingerprint did not change
  const what = JSON.stringify({ askfirst: version, policy: policy.fingerprint ?? policy.name, seed, data });
  return `fp_${createHash('sha256').update(what).digest('hex').slice(0, 10)}`;
}
