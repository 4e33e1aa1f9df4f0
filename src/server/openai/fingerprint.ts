/**
 * OpenAI's `system_fingerprint` for `askfirst serve`: "fp_" and a short hash of what the replies depend on besides the
 * request — askfirst's version (the code), the policy (its `fingerprint` when it has one: a built-in model's weights
 * and config, wherever its files lie; a scripted:FILE policy its file's text; else its name, the spec), the data it answers
 * from (`data`: the fingerprint of `serve --data` for a policy whose replies depend on it, the oracle; the one `askfirst
 * eval` records, suite/fingerprint.ts) and `serve --seed` (the stream an unseeded sampled request draws from, and the
 * random baseline's); and, for a reply that came through a proxy (`serve --policy openai:…`), the upstream's own
 * `system_fingerprint`s (`upstream`, when it sends any: OpenAI does, vLLM sends none), so a client comparing
 * fingerprints sees a change of the model behind the proxy, as it would talking to the upstream itself. The same request
 * and seed to servers with one fingerprint get the same reply; a changed checkpoint, version or seed changes it, as
 * OpenAI's changes with its backend's configuration.
 */
import { createHash } from 'node:crypto';
import type { Policy } from '../../agents/policy.js';
import { askfirstVersion } from '../../util/provenance.js';

export function systemFingerprint(policy: Policy, seed: number, also: { data?: string; upstream?: readonly string[] } = {}, version = askfirstVersion()): string {
  // without data or upstream ones the same JSON as before they were covered: a built-in model's fingerprint did not change
  const upstream = also.upstream?.length ? [...new Set(also.upstream)].sort() : undefined;
  const what = JSON.stringify({ askfirst: version, policy: policy.fingerprint ?? policy.name, seed, data: also.data, upstream });
  return `fp_${createHash('sha256').update(what).digest('hex').slice(0, 10)}`;
}
