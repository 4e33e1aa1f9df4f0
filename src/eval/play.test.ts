/**
 * A view that cannot be read stops playMode (eval/play.ts) with the records so far kept, and the error says what a
 * re-run does: resume on the same data, --overwrite once the image is fixed (the data fingerprint covers it), or, when
 * nothing was kept, the same command.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { OraclePolicy } from '../agents/baselines/oracle.js';
import { chainEpisode } from '../testing/chain-episode.js';
import { tmpDir } from '../testing/tmp.js';
import type { SuiteEpisode, ViewLoader } from '../suite/types.js';
import { DataError } from '../util/errors.js';
import { RunAborted } from '../agents/runner.js';
import { playMode } from './play.js';
import { openResults } from './store.js';
import { runEpisodes } from '../agents/runner.js';

const eps = Array.from({ length: 6 }, (_, i) => chainEpisode(`e${i}`, 3, i % 3));
const good: ViewLoader = async (ref: SuiteEpisode['views'][number]) => ('image' in ref ? ref.image : Promise.reject(new Error('path')));
/** e4's first view is a broken file. */
const broken: ViewLoader = async (ref, episodeId) => {
  if (episodeId === 'e4') throw new DataError('episode e4: cannot load view: not a PNG or JPEG file', { file: 'images/e4_v0.png' });
  return good(ref, episodeId);
};

describe('playMode stopped by a view that cannot be read', () => {
  it('keeps the records played, says how many and where, that the fixed data needs --overwrite; a re-run on the same data resumes', async () => {
    const dir = join(tmpDir('askfirst-play-bad-view'), 'proactive');
    const o = { episodes: eps, policy: new OraclePolicy(eps), mode: 'proactive' as const, dir, run: { policy: 'oracle' }, label: 'eval', batchSize: 1 };
    const err = await playMode({ ...o, loader: broken }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    const kept = readFileSync(join(dir, 'results.jsonl'), 'utf8').trim().split('\n').length;
    expect(kept).toBeGreaterThan(0);
    expect((err as Error).message).toBe(
      `images/e4_v0.png: episode e4: cannot load view: not a PNG or JPEG file. The ${kept} episodes played so far are kept in ${join(dir, 'results.jsonl')}, but the data fingerprint covers every image: once the file is fixed (or removed from the data) this run cannot resume on it; run the same command with --overwrite to play this mode afresh`,
    );
    // the same description (what the fingerprint would say of unchanged data) resumes and finishes
    const again = await playMode({ ...o, loader: good });
    expect(again.resumed).toBe(kept);
    expect(again.records.map((r) => r.id)).toEqual(eps.map((e) => e.id));
  });

  it('stopped at the first episode (results.jsonl empty): says nothing is kept and that the same command, once the file is fixed, starts afresh, and it does', async () => {
    const dir = join(tmpDir('askfirst-play-bad-first'), 'proactive');
    const o = { episodes: eps, policy: new OraclePolicy(eps), mode: 'proactive' as const, dir, label: 'eval', batchSize: 1 };
    const first: ViewLoader = async (ref, id) => (id === 'e0' ? Promise.reject(new DataError('episode e0: cannot load view: not a PNG or JPEG file', { file: 'images/e0_v0.png' })) : good(ref, id));
    const err = await playMode({ ...o, loader: first, run: { data: 'sha256:broken' } }).catch((e: unknown) => e);
    expect(readFileSync(join(dir, 'results.jsonl'), 'utf8')).toBe('');
    expect((err as Error).message).toBe(
      `images/e0_v0.png: episode e0: cannot load view: not a PNG or JPEG file. No episode finished, so ${join(dir, 'results.jsonl')} is empty: once the file is fixed (or removed from the data), run the same command again; it starts this mode afresh`,
    );
    // the fixed image changes the data fingerprint: the run starts afresh without --overwrite
    const again = await playMode({ ...o, loader: good, run: { data: 'sha256:fixed' } });
    expect(again.resumed).toBe(0);
    expect(again.records.map((r) => r.id)).toEqual(eps.map((e) => e.id));
  });
});

describe('playMode resumed after a kill', () => {
  it('leaves results.jsonl byte for byte as an uninterrupted run does: the records in the episodes’ order', async () => {
    // episodes of 1 to 4 turns in a pool of 4: they end in another order than they started, and the order depends on
    // which episodes are left to play
    const many = Array.from({ length: 24 }, (_, i) => chainEpisode(`e${i}`, 4, (i * 7) % 4));
    const base = { episodes: many, policy: new OraclePolicy(many), mode: 'proactive' as const, loader: good, run: { policy: 'oracle' }, label: 'eval', batchSize: 4 };
    const root = tmpDir('askfirst-play-resume');
    const whole = join(root, 'whole');
    await playMode({ ...base, dir: whole });
    // killed part-way: the store as the first run left it (records appended as episodes ended, never put in order)
    const killed = join(root, 'killed');
    const first = await openResults(killed, base.run);
    await runEpisodes(many.slice(0, 11), base.policy, { mode: 'proactive', loader: good, batchSize: 4, onRecord: (r) => first.append(r) });
    first.close();
    const again = await playMode({ ...base, dir: killed });
    expect(again.resumed).toBe(11);
    const file = (dir: string) => readFileSync(join(dir, 'results.jsonl'), 'utf8');
    expect(file(whole).trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(many.map((e) => e.id));
    expect(file(killed)).toBe(file(whole));
  });
});

describe('playMode stopped by a signal (Ctrl-C)', () => {
  it('its piped bar ends saying it stopped, not the finished line "N/M episodes in Xs"', async () => {
    const stop = new AbortController();
    // the signal comes while e2's view loads: the run stops with 2 or so of 6 played
    const loader: ViewLoader = async (ref, id) => (id === 'e2' && stop.abort(), good(ref, id));
    const said: string[] = [];
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (said.push(String(s)), true));
    const isTTY = process.stderr.isTTY;
    process.stderr.isTTY = false; // piped, whatever runs the tests
    try {
      const err = await playMode({ episodes: eps, policy: new OraclePolicy(eps), mode: 'proactive', loader, run: {}, label: 'eval', batchSize: 1, showProgress: true, signal: stop.signal }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RunAborted);
    } finally {
      write.mockRestore();
      process.stderr.isTTY = isTTY;
    }
    expect(said.at(-1)).toMatch(/^eval: \d\/6 episodes, stopped after \d+\.\ds\n$/);
    expect(said.filter((l) => / in \d+\.\ds\n$/.test(l))).toEqual([]); // was: "eval: 2/6 episodes in 0.0s", read as done
  });
});
