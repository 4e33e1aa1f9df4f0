/**
 * OpenAI's `system_fingerprint` for `askfirst serve`: "fp_" and a short hash of what the replies depend on besides the
 * request — askfirst's version (the code), the policy (its `fingerprint` when it has one: a built-in model's weights
 * and config, wherever its files lie; else its name, the spec) and `serve --seed` (the stream an unseeded sampled request
 * draws from, and the random baseline's). The same request and seed to servers with one fingerprint get the same reply;
 * a changed checkpoint, version or seed changes it, as OpenAI's changes with its backend's configuration.
 */
import { createHash } from 'node:crypto';
import type { Policy } from '../../agents/policy.js';
import { askfirstVersion } from '../../util/provenance.js';

export function systemFingerprint(policy: Policy, seed: number, version = askfirstVersion()): string {
  const what = JSON.stringify({ askfirst: version, policy: policy.fingerprint ?? policy.name, seed });
  return `fp_${createHash('sha256').update(what).digest('hex').slice(0, 10)}`;
}
