/** The runner's refusal of a policy that breaks the `Policy` contract: its fault, said so, not askfirst's. */
import { describe, expect, it } from 'vitest';
import { conformanceEpisodes } from '../testing/policy-conformance.js';
import type { Policy } from './policy.js';
import type { SuiteEpisode } from '../suite/types.js';
import { runEpisodes } from './runner.js';

const loader = async (r: SuiteEpisode['views'][number]) => ('image' in r ? r.image : Promise.reject(new Error('memory only')));

describe('a policy returning another number of replies than observations', () => {
  const eps = conformanceEpisodes(3);
  // before: code INTERNAL ("a bug: please report") and no word of what act() owes
  it.each([
    ['lockstep batches', false, 'returned 1 reply for 3 observations'],
    ['pipelined', true, 'returned 2 replies for 1 observation'],
  ] as const)('%s: BAD_INPUT naming the policy and what is due', async (_, pipeline, said) => {
    const policy: Policy = { name: 'mine', act: async (obs) => (pipeline ? [{ reply: 'A.' }, { reply: 'A.' }] : obs.slice(0, 1).map(() => ({ reply: 'A.' }))) };
    const err = await runEpisodes(eps, policy, { mode: 'proactive', loader, batchSize: 3, pipeline }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'BAD_INPUT',
      message: `policy mine ${said}: its act() must return one reply per observation, in their order (a fault of the policy, not of askfirst)`,
    });
  });
});
