/**
 * `--sample` and `--seed` given to a command whose policies do not read them (`eval --policy oracle --sample`, `serve
 * --policy oracle --seed 3`) are refused, not ignored (docs/architecture.md §6.3): the run would look sampled, or seeded,
 * and be neither. Which policy reads which is said by its factory (`PolicyFactory.reads`, agents/registry.ts). A
 * refusal, not a warning: the policy's answers are the same whatever the flag, so leaving it out loses nothing, and with
 * several --policy it is refused only when none of them reads it.
 */
import { policyReads } from '../agents/registry.js';
import type { PolicySetting } from '../agents/policy.js';
import type { AnyObjectSchema } from '../util/config.js';
import { refuseUnread } from './options.js';

const READ_BY: Record<PolicySetting, string> = {
  sample: 'read by a builtin:DIR or openai:URL#MODEL policy only (the others answer the same way whether sampled or not)',
  seed: 'read by random (without its own :SEED), builtin:DIR and openai:URL#MODEL policies only (the others draw nothing at random)',
};

/** Refuse each of `keys` in `given` (the options as typed: options.ts's refuseUnread) that no policy of `policies` reads. */
export function refuseUnreadPolicyFlags(schema: AnyObjectSchema, given: Readonly<Record<string, unknown>>, policies: readonly string[], keys: readonly PolicySetting[]): void {
  const reads = policies.map(policyReads);
  const unread = keys.filter((k) => !reads.some((r) => r.has(k))).map((k) => ({ keys: [k], readBy: READ_BY[k] }));
  if (unread.length) refuseUnread(schema, given, unread, `with --policy ${policies.join(', ')}`);
}
