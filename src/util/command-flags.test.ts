/**
 * flagsOf: the one builder of the demos' re-run commands. Each case's flags are byte for byte what the demo's own builder
 * (demoFlags, feedbackDemoFlags: removed when flagsOf replaced them) wrote for it: the tables were checked against them.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resolveConfig, splitList } from './config.js';
import { flagsOf } from './command-flags.js';
import { DEMO_FLAGS, DemoConfigSchema, type DemoFlagSettings } from '../demo/config.js';
import { FEEDBACK_DEMO_FLAGS, FeedbackDemoConfigSchema } from '../demo/feedback-config.js';

const demo = (s: Partial<DemoFlagSettings> & Record<string, unknown>) => ({
  ...resolveConfig(DemoConfigSchema, {}, 'demo'),
  seed: undefined,
  ...s,
});
const demoCases: Record<string, unknown>[] = [
  // each with what demoFlags wrote for it, demoWrote[i]
  demo({}),
  resolveConfig(DemoConfigSchema, {}, 'demo'),
  demo({ quick: true }),
  demo({ seed: 0 }),
  demo({ seed: 7, quick: true }),
  demo({ algorithm: 'ppo' }),
  demo({ rewardWeights: ['correct=2', 'wrong=-1'] }),
  demo({ rewardWeights: ["it's=1"] }),
  demo({ rlControlShare: 0.3 }),
  demo({ rlControlShare: 0 }),
  demo({ baselines: false }),
  demo({ baselines: true }),
  demo({ baselines: undefined }),
  demo({
    quick: true,
    seed: 2,
    algorithm: 'ppo',
    rewardWeights: ['correct=2'],
    rlControlShare: 0.05,
    baselines: false,
    fresh: true,
    progress: false,
    out: 'my runs',
    reportTo: ['tensorboard'],
  }),
];
const feedbackDefaults = resolveConfig(FeedbackDemoConfigSchema, {}, 'feedback demo') as Record<
  string,
  unknown
>;
const feedbackCases: Record<string, unknown>[] = [
  // each with what feedbackDemoFlags wrote for it, feedbackWrote[i]
  { seed: 0 },
  { seed: 3 },
  {},
  feedbackDefaults,
  { ...feedbackDefaults, seed: 1, init: 'runs/seeds/seed-1/supervised' },
  {
    ...feedbackDefaults,
    init: 'runs/my demo/supervised',
    labels: [10, 20],
    labelOrder: 'sampled',
    gaoLabelOrder: 'coverage',
  },
  {
    ...feedbackDefaults,
    init: null,
    rlhfKlCoef: 0,
    noise: 0.1,
    routingBudgets: [0.5],
    progress: false,
    out: 'elsewhere',
  },
  {
    seed: 2,
    annotators: 5,
    rlUpdates: 80,
    episodesPerUpdate: 16,
    gaoKlCoef: 0.05,
    routingTrustBelow: 0.3,
    askForeverShare: 0,
  },
];

const demoWrote = [
  '',
  ' --seed 0',
  ' --quick',
  ' --seed 0',
  ' --quick --seed 7',
  ' --algorithm ppo',
  ' --reward-weights correct=2,wrong=-1',
  " --reward-weights 'it'\\''s=1'",
  ' --rl-control-share 0.3',
  ' --rl-control-share 0',
  ' --no-baselines',
  '',
  '',
  ' --quick --seed 2 --algorithm ppo --reward-weights correct=2 --rl-control-share 0.05 --no-baselines',
];
const feedbackWrote = [
  ' --seed 0',
  ' --seed 3',
  '',
  ' --seed 0',
  ' --init runs/seeds/seed-1/supervised --seed 1',
  " --init 'runs/my demo/supervised' --seed 0 --labels 10,20 --label-order sampled --gao-label-order coverage",
  ' --seed 0 --routing-budgets 0.5 --rlhf-kl-coef 0',
  ' --seed 2 --ask-forever-share 0 --annotators 5 --rl-updates 80 --episodes-per-update 16 --routing-trust-below 0.3 --gao-kl-coef 0.05',
];

describe('flagsOf', () => {
  it("writes the demo's flags (DEMO_FLAGS) as demoFlags did, for every case", () => {
    expect(demoCases.map((c) => flagsOf(DemoConfigSchema, c, DEMO_FLAGS))).toEqual(demoWrote);
  });
  it("writes the feedback demo's flags (FEEDBACK_DEMO_FLAGS) as feedbackDemoFlags did, for every case", () => {
    expect(
      feedbackCases.map((c) => flagsOf(FeedbackDemoConfigSchema, c, FEEDBACK_DEMO_FLAGS)),
    ).toEqual(feedbackWrote);
  });
  it("writes a list item's own comma as \\, so the flag reads back as the same items (splitList)", () => {
    const L = z.object({ labels: z.array(z.string()).optional() });
    const flags = flagsOf(L, { labels: ['Qwen, 3B', 'Guesser'] }, { order: ['labels'] });
    expect(flags).toBe(" --labels 'Qwen\\, 3B,Guesser'");
    expect(splitList(flags.slice(' --labels '.length + 1, -1))).toEqual(['Qwen, 3B', 'Guesser']);
  });
});
