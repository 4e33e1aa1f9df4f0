/**
 * Which reward the environment hands a trainer, chosen by flags or a config file: askfirst's
 * multi-turn reward (the named, weighted functions of src/rl/rewards.ts, the same ones the
 * built-in model's GRPO/PPO use, paid once when the episode ends) or ProactiveBench's
 * single-turn reward (De Min et al. 2026, §5: r_c for the correct category, r_p for a valid
 * intervention, r_w otherwise, paid at every step). docs/environment-server.md §Rewards.
 */
import { readJsonFlagFile } from '../util/fsx.js';
import { z } from 'zod';
import type { EpisodeRecord, ParsedAction } from '../episode/types.js';
import { DEFAULT_REWARD_WEIGHTS, makeRewards, scoreTrajectory, singleTurnReward, type NamedReward, type RewardName } from '../rl/rewards.js';
import { ConfigError, InputError } from '../util/errors.js';
import { eachWithSuggestion } from '../util/did-you-mean.js';
import { InvalidConfigError, resolveConfig, settingName } from '../util/config.js';

export const REWARD_KINDS = ['askfirst', 'proactivebench'] as const;
export type RewardKind = (typeof REWARD_KINDS)[number];

export const RewardConfigSchema = z.object({
  reward: z.enum(REWARD_KINDS).default('askfirst').describe('askfirst (multi-turn, weighted functions, paid when the episode ends) or proactivebench (single-turn r_c/r_p/r_w, paid every step)'),
  weights: z.record(z.string(), z.number()).default({}).describe('askfirst reward weights by name (unnamed ones keep their defaults)'),
  rc: z.number().default(1).describe('proactivebench: reward for the correct category (r_c)'),
  rp: z.number().default(0.5).describe('proactivebench: reward for a valid intervention (r_p)'),
  rw: z.number().default(0).describe('proactivebench: reward for anything else (r_w)'),
});
export type RewardConfig = z.output<typeof RewardConfigSchema>;

/** Validate a reward config (unknown weight names are an error that lists the known ones). */
export function resolveRewardConfig(partial: unknown): RewardConfig {
  const cfg = resolveConfig(RewardConfigSchema, partial, 'reward');
  const known = Object.keys(DEFAULT_REWARD_WEIGHTS);
  const bad = Object.keys(cfg.weights).filter((k) => !known.includes(k));
  if (bad.length) throw new InvalidConfigError('reward', [{ path: ['weights'], message: `unknown name(s) ${eachWithSuggestion(bad, known)}; known: ${known.join(', ')}` }]);
  return cfg;
}

/** `name=value,name=value` (the --weights flag) → a weights object. */
export function parseWeights(s: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (!s) return out;
  for (const part of s.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z]+)\s*=\s*(-?[0-9.eE+-]+)$/.exec(part);
    if (!m || !Number.isFinite(Number(m[2]))) throw new InputError(`--weights: "${part}" is not name=number (e.g. correct=1,wrong=-0.5)`);
    out[m[1]] = Number(m[2]);
  }
  return out;
}

/** A reward config from a JSON file, with flags laid over it. */
export function loadRewardConfig(file: string | undefined, flags: Partial<RewardConfig>): RewardConfig {
  let base: Record<string, unknown> = {};
  if (file) {
    base = readJsonFlagFile('--reward-config', file) as Record<string, unknown>;
  }
  if (file) {
    if (!base || typeof base !== 'object' || Array.isArray(base)) throw new InputError(`--reward-config ${file} must hold one JSON object {reward, weights, rc, rp, rw}`);
    const known = Object.keys(RewardConfigSchema.shape);
    const unknown = Object.keys(base).filter((k) => !known.includes(k));
    if (unknown.length) throw new InputError(`--reward-config ${file}: unknown key(s) ${eachWithSuggestion(unknown, known)}; known: ${known.join(', ')}`);
    // the file's own values first, named as in the file: merged with the flags, a bad "rp" there was blamed on --rp, a flag not typed
    try {
      resolveRewardConfig(base);
    } catch (e) {
      if (e instanceof InvalidConfigError) throw new ConfigError(e.describe((path) => `${settingName(path)} in --reward-config ${file}`, `invalid --reward-config ${file}`), { cause: e });
      throw e;
    }
  }
  const defined = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  const weights = { ...((base.weights as Record<string, number>) ?? {}), ...((defined.weights as Record<string, number>) ?? {}) };
  const cfg = resolveRewardConfig({ ...base, ...defined, weights });
  // a flag of the other reward would be silently ignored: refuse it
  const stray = cfg.reward === 'askfirst' ? (['rc', 'rp', 'rw'] as const).filter((k) => defined[k] !== undefined) : defined.weights !== undefined ? ['weights'] : [];
  if (stray.length) throw new InputError(`${stray.map((k) => `--${k}`).join(', ')} ${stray.length === 1 ? 'does' : 'do'} not apply to --reward ${cfg.reward}${cfg.reward === 'askfirst' ? ' (add --reward proactivebench for r_c/r_p/r_w)' : ' (--weights sets the askfirst reward)'}`);
  return cfg;
}

/** The reward functions a config names, ready to score steps and episodes. */
export class Rewarder {
  readonly config: RewardConfig;
  private readonly named: NamedReward[];
  constructor(cfg: RewardConfig) {
    this.config = cfg;
    this.named = makeRewards(cfg.weights as Partial<Record<RewardName, number>>);
  }

  /** ProactiveBench's single-turn reward of one parsed reply. */
  singleTurn(a: ParsedAction): number {
    return singleTurnReward(a, this.config);
  }

  /** askfirst's multi-turn reward of a finished episode: total and weighted parts. */
  episode(r: EpisodeRecord): { total: number; parts: Record<string, number> } {
    return scoreTrajectory(r, this.named);
  }

  /** The reward paid for one step: `record` is the finished episode's record, or null while it goes on. */
  step(a: ParsedAction, record: EpisodeRecord | null): { reward: number; parts: Record<string, number> } {
    if (this.config.reward === 'proactivebench') return { reward: this.singleTurn(a), parts: {} };
    if (!record) return { reward: 0, parts: {} };
    const s = this.episode(record);
    return { reward: s.total, parts: s.parts };
  }
}
