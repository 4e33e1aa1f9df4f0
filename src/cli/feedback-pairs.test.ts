/**
 * `askfirst feedback pairs` inserts every pair in one transaction (all or none), which takes a while for thousands:
 * reading the suite, reading the results and the inserts each show a bar on stderr; --no-progress keeps quiet.
 */
import { execFile } from 'node:child_process';
import { createWriteStream, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { playEpisode } from '../testing/play-episode.js';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { FeedbackStore } from '../feedback/store.js';
import { tmpDir } from '../testing/tmp.js';
import { runPairs } from './feedback-rlhf.js';
import { packageRoot } from '../util/package-root.js';
import { openStore } from '../feedback/open-store.js';

afterEach(() => vi.restoreAllMocks());

/** Every item of a database with its tasks, in order (image paths are relative to the project's folder). */
async function pairRows(dbDir: string) {
  const store = await openStore(dbDir, { create: false });
  try {
    return await store.db.query('SELECT i.id, i.external_id, i.image, i.question, i.model_output, i.facts, i.meta, t.id AS task, t.type, t.payload, t.needed FROM items i JOIN tasks t ON t.item_id = i.id ORDER BY i.id');
  } finally {
    await store.close();
  }
}

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

describe('askfirst feedback pairs on a results file changed after it was read', () => {
  it('refuses a play whose line was rewritten in place (the same length and modification time), never pairs it as the one read', async () => {
    const { dir, suite, files } = await twoPlays('askfirst-pairs-same-size');
    const file = files[0];
    const when = Math.floor(statSync(file).mtimeMs / 1000) - 60; // a whole second, which utimes puts back exactly
    utimesSync(file, when, when);
    // once the results are read (the database opening, before the pairs are read again): the first play's prompt, one
    // letter for another — the same length, its replies (what tells a play, trajectoryKey) and its record's checks as they were
    const rewrite = () => {
      const text = readFileSync(file, 'utf8');
      const at = text.indexOf('"prompts":["') + '"prompts":["'.length;
      writeFileSync(file, text.slice(0, at) + (text[at] === 'X' ? 'Y' : 'X') + text.slice(at + 1));
      utimesSync(file, when, when);
    };
    const opts = { dbDir: join(dir, 'db'), project: 'p', suite, results: files, seed: 1, progress: false };
    await expect(runPairs(opts, () => undefined, rewrite)).rejects.toThrow(/plays-0\.jsonl:1: the line was changed since it was read: it may no longer hold what it held then; run the command again on data no one is writing$/);
    expect(await pairRows(opts.dbDir)).toEqual([]); // no pair went in
  });
});

describe('askfirst feedback pairs at scale', () => {
  it('keeps where the episodes are, not the suite: 128 MB of episodes go through a 64 MB heap', async () => {
    const { dir, suite, files } = await twoPlays('askfirst-pairs-suite-heap');
    // the suite again with 128 episodes more that no play names, each a copy under a new id with 1 MB in its meta: holding
    // the suite (as `feedback pairs` did, readSuite) needs over 128 MB of heap
    const big = join(dir, 'big-suite');
    await cp(suite, big, { recursive: true });
    const lines = readFileSync(join(suite, 'episodes.jsonl'), 'utf8').trim().split('\n');
    const out = createWriteStream(join(big, 'episodes.jsonl'), { flags: 'a' });
    const pad = 'x'.repeat(2 ** 20);
    for (let i = 0; i < 128; i++) {
      const ep = JSON.parse(lines[i % lines.length]) as { id: string; meta?: Record<string, unknown> };
      if (!out.write(JSON.stringify({ ...ep, id: `${ep.id}-copy${i}`, meta: { ...ep.meta, padding: pad } }) + '\n')) await once(out, 'drain');
    }
    await new Promise((r) => out.end(r));
    const args = ['feedback', 'pairs', '--project', 'p', '--seed', '1', '--no-progress', '--results', files.join(',')];
    const { stdout } = await promisify(execFile)(process.execPath, ['--max-old-space-size=64', join(packageRoot(), 'bin', 'askfirst.js'), ...args, '--db-dir', join(dir, 'db'), '--suite', big]);
    expect(stdout).toContain('project p: 4 new trajectory pairs (0 already there) from 8 records'); // the same pairs: their rows checked on 100k episodes (hardening.md)
  }, 120_000);

  it('keeps where the plays are, not the records: 128 MB of results go through a 64 MB heap, and the pairs stored are the same', async () => {
    const { dir, suite, files } = await twoPlays('askfirst-pairs-heap');
    // 32 more plays of each episode, each the first file's play again (no new pair) with 1 MB of padding: holding every
    // record read (as `feedback pairs` did) needs over 128 MB of heap
    const big = join(dir, 'repeats.jsonl');
    const out = createWriteStream(big);
    const plays = readFileSync(files[0], 'utf8').trim().split('\n');
    const pad = 'x'.repeat(2 ** 20);
    for (let i = 0; i < 32; i++) for (const l of plays) if (!out.write(`${l.slice(0, -1)},"padding":"${pad}"}\n`)) await once(out, 'drain');
    await new Promise((r) => out.end(r));
    const args = ['feedback', 'pairs', '--project', 'p', '--suite', suite, '--seed', '1', '--no-progress'];
    const run = (db: string, results: string[]) =>
      promisify(execFile)(process.execPath, ['--max-old-space-size=64', join(packageRoot(), 'bin', 'askfirst.js'), ...args, '--db-dir', join(dir, db), '--results', results.join(',')]);
    const { stdout } = await run('db-big', [...files, big]);
    expect(stdout).toContain('project p: 4 new trajectory pairs (0 already there) from 136 records');
    await run('db-small', files);
    expect(await pairRows(join(dir, 'db-big'))).toEqual(await pairRows(join(dir, 'db-small')));
  }, 120_000);
});
