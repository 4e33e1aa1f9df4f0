/** The pipelined runner (one observation per call, episodes stepped as replies arrive) plays exactly like the lockstep one. */
import { describe, expect, it } from 'vitest';
import { OraclePolicy } from './baselines/oracle.js';
import { ScriptedPolicy } from './baselines/scripted.js';
import { conformanceEpisodes } from '../testing/policy-conformance.js';
import type { Observation, Policy, PolicyReply } from './policy.js';
import type { SuiteEpisode } from '../suite/types.js';
import { runEpisodes } from './runner.js';
import { optionLetter } from '../episode/parse.js';

const loader = async (r: SuiteEpisode['views'][number]) => ('image' in r ? r.image : Promise.reject(new Error('memory only')));

/** Wraps a policy with a random delay per call and counts calls in flight. */
function slow(inner: Policy, peak: { n: number; max: number; calls: number }): Policy {
  return {
    name: `slow(${inner.name})`,
    pipelined: true,
    async act(batch: readonly Observation[]): Promise<PolicyReply[]> {
      peak.calls++;
      peak.n++;
      peak.max = Math.max(peak.max, peak.n);
      await new Promise((r) => setTimeout(r, Math.random() * 4));
      peak.n--;
      return inner.act(batch);
    },
  };
}

describe('pipelined runner', () => {
  const eps = conformanceEpisodes(60);
  it('gives the same records as lockstep batches, with up to batchSize episodes in play', async () => {
    for (const make of [() => new OraclePolicy(eps), () => ScriptedPolicy.fromMap(Object.fromEntries(eps.map((e, i) => [e.id, [['A.', 'B', 'star'][i % 3], 'C.', 'circle']])))]) {
      for (const mode of ['proactive', 'reference'] as const) {
        const lock = await runEpisodes(eps, make(), { mode, loader, batchSize: 8, pipeline: false });
        const peak = { n: 0, max: 0, calls: 0 };
        const order: string[] = [];
        const pipe = await runEpisodes(eps, slow(make(), peak), { mode, loader, batchSize: 8, onRecord: (r) => void order.push(r.id) });
        expect(pipe).toEqual(lock);
        expect(peak.max).toBe(8);
        expect(peak.calls).toBe(lock.reduce((s, r) => s + r.turns, 0));
        expect(new Set(order).size).toBe(eps.length);
      }
    }
  });

  it('stops all workers on abort or error, and writes nothing afterwards', async () => {
    const ac = new AbortController();
    const peak = { n: 0, max: 0, calls: 0 };
    let written = 0;
    const run = runEpisodes(eps, slow(new OraclePolicy(eps), peak), { mode: 'proactive', loader, batchSize: 8, signal: ac.signal, onRecord: () => void written++ });
    setTimeout(() => ac.abort(), 15);
    await expect(run).rejects.toThrow(/interrupted/);
    const after = written;
    await new Promise((r) => setTimeout(r, 30));
    expect(written).toBe(after);
    expect(after).toBeLessThan(eps.length);

    let calls = 0;
    const failing: Policy = { name: 'failing', pipelined: true, act: async () => { if (++calls === 5) throw new Error('upstream down'); await new Promise((r) => setTimeout(r, 1)); return [{ reply: 'A.' }]; } };
    await expect(runEpisodes(eps, failing, { mode: 'proactive', loader, batchSize: 4 })).rejects.toThrow(/upstream down/);
  });

  it('records an episode its last reply ends after another worker failed (the reply was paid for), then throws the failure', async () => {
    const two = conformanceEpisodes(2);
    let release!: () => void;
    const answered = new Promise<void>((r) => (release = r));
    const written: string[] = [];
    // the first episode's reply (a category: it ends the episode) comes after the second's request failed
    const policy: Policy = {
      name: 'one-refused',
      pipelined: true,
      act: async ([o]) => {
        if (o.episodeId === two[1].id) {
          setImmediate(release);
          throw new Error('HTTP 400: the prompt is longer than the context');
        }
        await answered;
        return [{ reply: `${optionLetter(o.options.length - 1)}.` }];
      },
    };
    await expect(runEpisodes(two, policy, { mode: 'proactive', loader, batchSize: 2, onRecord: (r) => void written.push(r.id) })).rejects.toThrow(/longer than the context/);
    expect(written).toEqual([two[0].id]);
  });
});
