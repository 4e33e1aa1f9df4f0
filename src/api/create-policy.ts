/**
 * The library's `createPolicy` (docs/library.md): agents/registry.ts's, after checking its arguments (api/arguments.ts):
 * a spec that is not a string, or no context (`createPolicy('oracle')` failed with "Cannot read properties of undefined
 * (reading 'episodes')" from inside the registry), is refused in one line saying what to give.
 */
import { createPolicy as createFromSpec } from '../agents/registry.js';
import type { Policy, PolicyContext } from '../agents/policy.js';
import { checkEpisodes, checkOptions, checkString, refuse } from './arguments.js';

const CALL = 'createPolicy()';

/** Every field PolicyContext has (the compiler keeps this in step with it). */
const CONTEXT = { episodes: true, seed: true, options: true, notice: true } as const satisfies Record<keyof PolicyContext, true>;

/** A policy from a spec as `--policy` takes it (`oracle`, `builtin:DIR`, `openai:URL#MODEL`, …) for `ctx.episodes`. */
export async function createPolicy(spec: string, ctx: PolicyContext): Promise<Policy> {
  checkString(CALL, 'spec', spec);
  const c = checkOptions(CALL, ctx, CONTEXT, "its second argument { episodes, seed } (createPolicy('oracle', { episodes, seed: 0 }))");
  checkEpisodes(CALL, c.episodes, 'the episodes the policy will play (a list, as generateSuite() returns)');
  if (!Number.isInteger(c.seed) || (c.seed as number) < 0) refuse(CALL, 'seed', 'a whole number, at least 0', c.seed);
  if (c.options !== undefined && (c.options === null || typeof c.options !== 'object' || Array.isArray(c.options))) refuse(CALL, 'options', 'an object', c.options);
  if (c.notice !== undefined && typeof c.notice !== 'function') refuse(CALL, 'notice', 'a function', c.notice);
  return createFromSpec(spec, ctx);
}
