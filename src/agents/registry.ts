/**
 * Policy specs → Policy instances. A spec is `name` or `name:argument`:
 *   oracle | random[:seed] | always-answer | constant:TEXT | ocr-follow | scripted:FILE.jsonl | builtin:CHECKPOINT_DIR | openai:URL#MODEL
 * Each backend registers one factory here, its usage line from `POLICY_USAGE` (policy-usage.ts, which `--help` reads).
 */
import { InputError } from '../util/errors.js';
import type { Policy, PolicyContext, PolicyFactory, PolicySetting } from './policy.js';
import { POLICY_USAGE } from './policy-usage.js';
import { OraclePolicy } from './baselines/oracle.js';
import { RandomPolicy } from './baselines/random.js';
import { ScriptedPolicy } from './baselines/scripted.js';
import { AlwaysAnswerPolicy } from './baselines/always-answer.js';
import { BuiltinPolicy } from './builtin/policy.js';
import { openaiPolicyFactory } from './http/policy.js';
import { ConstantPolicy } from './baselines/constant.js';
import { OcrFollowPolicy } from './baselines/ocr-follow.js';

const factories = new Map<string, PolicyFactory>();

export function registerPolicy(f: PolicyFactory): void {
  factories.set(f.name, f);
}

export function policyUsage(): string[] {
  return [...factories.values()].map((f) => f.usage);
}

export async function createPolicy(spec: string, ctx: PolicyContext): Promise<Policy> {
  const { f, arg } = factoryOf(spec);
  return f.create(arg, ctx);
}

/** Check a spec without building its policy: an unknown name, or an argument its factory refuses (a malformed openai:URL#MODEL), fails before any work. */
export function checkPolicySpec(spec: string): void {
  const { f, arg } = factoryOf(spec);
  f.check?.(arg);
}

/** The run settings the policy of `spec` reads (PolicyFactory.reads): an unknown spec reads none (checkPolicySpec says so). */
export function policyReads(spec: string): ReadonlySet<PolicySetting> {
  const name = spec.split(':')[0];
  const f = factories.get(name);
  return new Set(f?.reads?.(spec.includes(':') ? spec.slice(name.length + 1) : undefined) ?? []);
}

function factoryOf(spec: string): { f: PolicyFactory; arg: string | undefined } {
  const i = spec.indexOf(':');
  const name = i < 0 ? spec : spec.slice(0, i);
  const f = factories.get(name);
  if (!f) throw new InputError(`unknown policy "${spec}"; use one of:\n  ${policyUsage().join('\n  ')}`);
  return { f, arg: i < 0 ? undefined : spec.slice(i + 1) };
}

registerPolicy({
  name: 'oracle',
  usage: POLICY_USAGE.oracle,
  create: async (_a, ctx) => new OraclePolicy(ctx.episodes),
});
registerPolicy({
  name: 'random',
  usage: POLICY_USAGE.random,
  reads: (a) => (a === undefined ? ['seed'] : []), // random:SEED has its own
  create: async (a, ctx) => {
    const seed = a === undefined ? ctx.seed : Number(a);
    if (!Number.isInteger(seed)) throw new InputError(`random:SEED needs a whole number, got "${a}"`);
    return new RandomPolicy(seed);
  },
});
registerPolicy({
  name: 'scripted',
  usage: POLICY_USAGE.scripted,
  create: async (a, ctx) => {
    if (!a) throw new InputError('scripted needs a file: scripted:replies.jsonl');
    return ScriptedPolicy.fromFile(a, ctx.episodes); // refuses a file recorded on other data, before any work
  },
});
registerPolicy(openaiPolicyFactory);
registerPolicy({
  name: 'always-answer',
  usage: POLICY_USAGE['always-answer'],
  create: async () => new AlwaysAnswerPolicy(),
});
registerPolicy({
  name: 'constant',
  usage: POLICY_USAGE.constant,
  create: async (a) => {
    if (!a) throw new InputError('constant needs the reply: constant:Yes');
    return new ConstantPolicy(a);
  },
});
registerPolicy({
  name: 'ocr-follow',
  usage: POLICY_USAGE['ocr-follow'],
  create: async () => new OcrFollowPolicy(),
});
registerPolicy({
  name: 'builtin',
  usage: POLICY_USAGE.builtin,
  reads: () => ['sample', 'seed'], // the seed of its sampled replies
  create: async (a, ctx) => {
    if (!a) throw new InputError('builtin needs a checkpoint directory: builtin:runs/demo/rl');
    return BuiltinPolicy.load(a, { seed: ctx.seed });
  },
});
