/**
 * Policy specs → Policy instances. A spec is `name` or `name:argument`:
 *   oracle | random[:seed] | always-answer | constant:TEXT | ocr-follow | scripted:FILE.jsonl | builtin:CHECKPOINT_DIR | openai:URL#MODEL
 * Each backend registers one factory here, its usage line from `POLICY_USAGE` (policy-usage.ts, which `--help` reads).
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { InputError, NotFoundError } from '../util/errors.js';
import { didYouMean } from '../util/did-you-mean.js';
import type { Policy, PolicyContext, PolicyFactory, PolicySetting } from './policy.js';
import { POLICY_USAGE, usageForm } from './policy-usage.js';
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
  const { name, arg } = splitSpec(spec);
  return new Set(factories.get(name)?.reads?.(arg) ?? []);
}

/** Whether `spec`'s factory reads the episodes it is given (PolicyFactory.readsEpisodes: the oracle, scripted:FILE). */
export function policyReadsEpisodes(spec: string): boolean {
  return factories.get(splitSpec(spec).name)?.readsEpisodes === true;
}

/** Whether the replies of `spec`'s policy depend on the episodes it is given (PolicyFactory.answersFromData: the oracle). */
export function policyAnswersFromData(spec: string): boolean {
  return factories.get(splitSpec(spec).name)?.answersFromData === true;
}

/**
 * Whether two specs name one policy, for a run that resumes only under the policy it started with (eval/store.ts): the
 * same text, or, for a policy whose argument is a path (builtin:DIR, scripted:FILE), the same path however it is spelled
 * (`builtin:runs/rl/` as a shell completes it, `./runs/rl`, absolute: resolved against the working directory).
 */
export function samePolicySpec(a: string, b: string): boolean {
  if (a === b) return true;
  const [x, y] = [splitSpec(a), splitSpec(b)];
  return x.name === y.name && factories.get(x.name)?.path === true && !!x.arg && !!y.arg && resolve(x.arg) === resolve(y.arg);
}

/**
 * `spec` spelled one way for each policy it names (samePolicySpec's same policy): a path argument relative to the working
 * directory, without `./` or a trailing `/` (`builtin:./runs/rl/` and `builtin:/abs/cwd/runs/rl` → `builtin:runs/rl`), or
 * absolute when it lies outside; any other spec as it is.
 */
export function normalPolicySpec(spec: string): string {
  const { name, arg } = splitSpec(spec);
  if (!arg || factories.get(name)?.path !== true) return spec;
  const rel = relative(process.cwd(), resolve(arg));
  return `${name}:${rel === '' ? '.' : rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel) ? resolve(arg) : rel}`;
}

/**
 * The model id `askfirst serve` lists at /v1/models and wants as "model" when no `--model-name` is given: the spec, with a
 * path argument (builtin:DIR, scripted:FILE) cut to its last folder or file name, so the server's folders are not shown
 * to every client (`builtin:/home/me/exp/runs/rl/` → `builtin:rl`); a run's `final/` keeps its run's name with it
 * (`builtin:runs/rl/final` → `builtin:rl/final`); a proxy, `openai:URL#MODEL`, as its upstream's MODEL, so no client sees
 * the upstream's address (PolicyFactory.servedId). Any other spec as it is (`random:3`, `constant:Yes`).
 */
export function servedModelId(spec: string): string {
  const { name, arg } = splitSpec(spec);
  const f = factories.get(name);
  if (arg && f?.servedId) return f.servedId(arg);
  if (!arg || f?.path !== true) return spec;
  const parts = resolve(arg).split(sep).filter(Boolean);
  const last = parts.at(-1);
  if (last === undefined) return `${name}:${sep}`; // the root folder: nothing to hide
  return `${name}:${last === 'final' && parts.length > 1 ? `${parts.at(-2)}/final` : last}`;
}

/** `name:argument` → its two parts (no argument without a colon). */
function splitSpec(spec: string): { name: string; arg: string | undefined } {
  const i = spec.indexOf(':');
  return i < 0 ? { name: spec, arg: undefined } : { name: spec.slice(0, i), arg: spec.slice(i + 1) };
}

function factoryOf(spec: string): { f: PolicyFactory; arg: string | undefined } {
  const { name, arg } = splitSpec(spec);
  const f = factories.get(name);
  if (!f) throw new InputError(unknownPolicy(spec));
  return { f, arg };
}

/**
 * One line for a spec naming no policy: commander's "(Did you mean …?)" for the closest names, with the argument given
 * kept (`bulitin:runs/rl` → builtin:runs/rl) or else the policy's usage form (builtin:DIR), then every policy's form.
 */
function unknownPolicy(spec: string): string {
  const { name, arg } = splitSpec(spec);
  const forms = new Map([...factories.values()].map((f) => [f.name, usageForm(f.usage)]));
  const spelled = (n: string) => (arg === undefined ? forms.get(n)! : `${n}:${arg}`);
  return `unknown policy "${spec}"${didYouMean(name, [...forms.keys()], spelled)}; the policies: ${[...forms.values()].join(', ')} (--help says what each is)`;
}

registerPolicy({
  name: 'oracle',
  usage: POLICY_USAGE.oracle,
  answersFromData: true,
  readsEpisodes: true,
  create: async (_a, ctx) => OraclePolicy.of(ctx.episodes),
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
  path: true,
  readsEpisodes: true,
  create: async (a, ctx) => {
    if (!a) throw new InputError('scripted needs a file: scripted:replies.jsonl');
    // a missing file said in the policy's terms: it was "file not found: r.jsonl", not saying which option named it
    return ScriptedPolicy.fromFile(a, ctx.episodes).catch((e: unknown) => {
      throw e instanceof NotFoundError ? new NotFoundError(`--policy scripted:${a}: ${e.message}; give the JSONL of recorded replies, a line {"episode_id": …, "replies": […]} per episode`, { cause: e }) : e;
    }); // refuses a file recorded on other data, before any work
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
  path: true,
  reads: () => ['sample', 'seed'], // the seed of its sampled replies
  create: async (a, ctx) => {
    if (!a) throw new InputError('builtin needs a checkpoint directory: builtin:runs/demo/rl');
    return BuiltinPolicy.load(a, { seed: ctx.seed });
  },
});
