/**
 * End to end: GRPO and PPO change the built-in policy's behaviour in the rewarded direction.
 * Asking is paid (+0.3 per valid intervention) and nothing else counts: the ask rate must rise.
 */
import { describe, expect, it } from 'vitest';
import { newBuiltin } from '../src/agents/builtin/build.js';
import { trainGRPO } from '../src/rl/grpo.js';
import { trainPPO } from '../src/rl/ppo.js';
import { memoryLoader as loader } from '../src/suite/loader.js';
import { chainEpisode } from '../src/testing/chain-episode.js';
import { tmpDir } from '../src/testing/tmp.js';

const tinyModel = { imageSize: 16, channels: [4], hidden: 8, embedDim: 8, headHidden: 8, projDim: 8 };

describe('RL changes behaviour in the rewarded direction', () => {
  const eps = Array.from({ length: 24 }, (_, i) => chainEpisode(`e${i}`, 4, 3, { kind: 'sketch' }));
  const rewards = { correct: 0, wrong: 0, interventions: 0.3, invalid: 0, abstain: 0, maxTurns: 0 };
  for (const [name, train] of [['GRPO', trainGRPO], ['PPO', trainPPO]] as const) {
    it(`${name}: the ask rate rises from its start`, async () => {
      const policy = newBuiltin(eps, tinyModel);
      const out = tmpDir(`askfirst-${name}`);
      const r = await train(
        { out, updates: 25, episodesPerUpdate: 24, lr: 0.01, kinds: ['sketch'], progress: false, evalEvery: 100, checkpointEvery: 100, askPrior: 0.2, klCoef: 0, rewards },
        { policy, train: eps, val: eps.slice(0, 4), loader },
      );
      const first = r.curve[0]['rl/askRate'];
      const last = r.curve[r.curve.length - 1]['rl/askRate'];
      expect(last, `ask rate ${first.toFixed(2)} → ${last.toFixed(2)}`).toBeGreaterThan(first + 0.3);
    }, 120_000);
  }
});
