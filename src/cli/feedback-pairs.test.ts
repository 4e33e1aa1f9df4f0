/**
 * `askfirst feedback pairs` inserts every pair in one transaction (all or none), which takes a while for thousands:
 * reading the suite, reading the results and the inserts each show a bar on stderr; --no-progress keeps quiet.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { playEpisode } from '../testing/play-episode.js';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { FeedbackStore } from '../feedback/store.js';
import { tmpDir } from '../testing/tmp.js';
import { runPairs } from './feedback-rlhf.js';

afterEach(() => vi.restoreAllMocks());

/** A 4-episode suite and two plays of it that differ on every episode (the right category at once, and a wrong one): 4 pairs. */
async function twoPlays(name: string): Promise<{ dir: string; suite: string; files: string[] }> {
  const dir = tmpDir(name);
  const suite = join(dir, 'suite');
  const eps = generateSuite({ episodes: 2, seed: 5, kinds: ['sketch', 'camera'], controlShare: 0 });
  await writeSuite(suite, eps);
  const files = [0, 1].map((k) => join(dir, `plays-${k}.jsonl`));
  for (const [k, f] of files.entries()) await writeFile(f, eps.map((ep) => JSON.stringify(playEpisode(ep, 'proactive', () => ep.categories[(ep.answer + k) % ep.categories.length])) + '\n').join(''));
  return { dir, suite, files };
}

describe('askfirst feedback pairs, progress', () => {
  it('shows reading the suite, reading the results and inserting the pairs as bars; run again, the pairs already there count too; --no-progress keeps quiet', async () => {
    const { dir, suite, files } = await twoPlays('askfirst-pairs-progress');
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => said.push(String(s)) > 0);
    const opts = { dbDir: join(dir, 'db'), project: 'p', suite, results: files, seed: 1 };
    expect(await runPairs(opts, () => undefined)).toBe(4);
    // piped (not a terminal): each bar's first line, then the one saying it finished, in phase order
    expect(said).toEqual([
      'reading suite: 1/4 lines\n',
      expect.stringMatching(/^reading suite: 4\/4 lines in [0-9.]+s\n$/),
      'reading results: 1/8 lines\n', // both files, a line at a time (each was read whole into one string, silently)
      expect.stringMatching(/^reading results: 8\/8 lines in [0-9.]+s\n$/),
      'inserting pairs: 1/4 pairs\n',
      expect.stringMatching(/^inserting pairs: 4\/4 pairs in [0-9.]+s\n$/),
    ]);
    said.length = 0;
    expect(await runPairs(opts, () => undefined)).toBe(0); // all there already: skipped, still counted
    expect(said[5]).toMatch(/^inserting pairs: 4\/4 pairs in [0-9.]+s\n$/);
    said.length = 0;
    expect(await runPairs({ ...opts, progress: false }, () => undefined)).toBe(0);
    expect(said).toEqual([]);
  });

  it('a transaction that fails part-way ends its bar as failed (not at N/M as if done), and inserts nothing', async () => {
    const { dir, suite, files } = await twoPlays('askfirst-pairs-progress-fail');
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => said.push(String(s)) > 0);
    // the store throws inside its one transaction after the second pair (as a PostgreSQL error mid-way would)
    const addItems = FeedbackStore.prototype.addItems;
    const spy = vi.spyOn(FeedbackStore.prototype, 'addItems').mockImplementation(function (this: FeedbackStore, id, items, onItem) {
      return addItems.call(this, id, items, (done) => {
        onItem?.(done);
        if (done === 2) throw new Error('connection lost');
      });
    });
    const opts = { dbDir: join(dir, 'db'), project: 'p', suite, results: files, seed: 1 };
    await expect(runPairs(opts, () => undefined)).rejects.toThrow('connection lost');
    expect(said.slice(4)).toEqual(['inserting pairs: 1/4 pairs\n', expect.stringMatching(/^inserting pairs: failed at 2\/4 pairs after [0-9.]+s\n$/)]);
    spy.mockRestore();
    said.length = 0;
    expect(await runPairs(opts, () => undefined)).toBe(4); // rolled back: every pair is still new
    expect(said[5]).toMatch(/^inserting pairs: 4\/4 pairs in [0-9.]+s\n$/);
  });
});
