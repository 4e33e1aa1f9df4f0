/**
 * The feedback commands stopped by Ctrl-C or SIGTERM (the real command in a child process, signalled once its output
 * shows the phase in question, or while it waits on a named pipe the test holds): `feedback demo`, `simulate`, `pairs`,
 * `import`, `illume`, and `train reward|dpo` reading the labels. Each says what is kept, ends by the signal (130, 143 to
 * a shell) and leaves no lock; the same command resumes (the demo to what an uninterrupted run gives). Before, they died by the signal without
 * a word, holding their database's lock (train reward and dpo exited at once with it open), and a demo stopped in the
 * over-optimisation regime resumed to other figures.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { newBuiltin, saveBuiltin } from '../agents/builtin/build.js';
import { playEpisode } from '../testing/play-episode.js';
import { labelInFlight } from '../testing/label-in-flight.js';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { tmpDir } from '../testing/tmp.js';
import { expectInterrupted, runSignalled, signalled, spawnTsx } from '../testing/child.js';
import { holdPipe, inPipe, namedPipe, saidOnStderr } from '../testing/named-pipe.js';
import type { Episode } from '../episode/types.js';
import { openDb } from '../feedback/db.js';
import { FeedbackStore } from '../feedback/store.js';

let dir: string;
let init: string;
/** A quick demo: a few labels and updates; the over-optimisation regime in three segments of two updates. */
const demo = (out: string) => [
  'feedback', 'demo', '--init', init, '--out', out, '--labels', '10', '--annotators', '1', '--rl-updates', '1', '--episodes-per-update', '4', '--rl-episodes', '10',
  '--eval-episodes', '5', '--dpo-steps', '1', '--rm-steps', '2', '--routing-budgets', '0.5', '--routing-rounds', '1', '--routing-committee', '2',
  '--gao-labels', '10', '--gao-updates', '6', '--gao-eval-every', '2',
];
/** What a finished demo wrote, to compare: feedback.json without its times and --out, the regime's points without their times, the evaluation and the weights (their SHA-256). */
function outputs(out: string): Record<string, string> {
  const j = JSON.parse(readFileSync(join(out, 'feedback.json'), 'utf8')) as Record<string, unknown>;
  for (const k of ['timings', 'createdAt', 'wallSeconds', 'command', 'config']) delete j[k];
  const files: Record<string, string> = { 'feedback.json': JSON.stringify(j) };
  for (const name of readdirSync(join(out, 'rl'))) {
    files[`rl/${name}/final`] = sha256(join(out, 'rl', name, 'final', 'model.safetensors'));
    // its points without their `seconds` (the regime's time when each was written: a time, not a result)
    const points = join(out, 'rl', name, 'gao-eval.json');
    if (existsSync(points)) files[`rl/${name}/gao-eval.json`] = JSON.stringify((JSON.parse(readFileSync(points, 'utf8')) as Record<string, unknown>[]).map(({ seconds: _, ...p }) => p));
  }
  for (const name of readdirSync(join(out, 'eval'))) files[`eval/${name}`] = sha256(join(out, 'eval', name, 'results.jsonl'));
  return files;
}
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
/**
 * `fn` with a new database made by PGlite's initdb in its worker (10–30 s), not copied from build/pglite-template (a
 * fraction of a second, over before a signal could come): what happens without a template of the PGlite installed.
 */
async function withInitdb<T>(fn: () => Promise<T>): Promise<T> {
  process.env.ASKFIRST_TEST_PGLITE_INITDB = '1';
  try {
    return await fn();
  } finally {
    delete process.env.ASKFIRST_TEST_PGLITE_INITDB;
  }
}
const left = (out: string) => ({ runLock: existsSync(join(out, '.lock')), dbLock: existsSync(join(out, 'feedback-db', 'askfirst.lock')) });

beforeAll(() => {
  dir = tmpDir('af-fb-interrupt');
  init = join(dir, 'sup');
  saveBuiltin(init, newBuiltin(generateSuite({ episodes: 1, kinds: ['camera'] }))); // an untrained guesser: the demo only needs one
});

describe('feedback demo stopped by a signal', () => {
  it('Ctrl-C while its new database is made: stops at once (no half-made database, no lock) and ends by SIGINT', { timeout: 120_000 }, async () => {
    const out = join(dir, 'new-db');
    // making a PGlite database with initdb takes 10-30 s of WebAssembly; it ran on the thread the handler needs, so the demo stopped only once it was made
    const r = await withInitdb(() => runSignalled(demo(out), /opening the feedback database/, 'SIGINT'));
    expectInterrupted(r, 'SIGINT');
    expect(r.stderr).toContain('askfirst: interrupted; ');
    expect(r.stderr).toContain('run the same command again to continue');
    expect(existsSync(join(out, 'feedback-db', 'PG_VERSION'))).toBe(false);
    expect(existsSync(out) ? readdirSync(out).filter((n) => n.includes('creating') || n === '.lock') : []).toEqual([]);
  });

  it('SIGTERM while labelling, then Ctrl-C in the over-optimisation regime: each says what is kept, ends by SIGTERM / SIGINT and leaves no lock; run again, the demo ends as an uninterrupted one', { timeout: 600_000 }, async () => {
    const straight = join(dir, 'straight');
    const first = await runSignalled(demo(straight), undefined, 'SIGINT');
    expect(first.code).toBe(0);
    // a new demo has no labels to read back: its database is made and opened once (it was opened, found empty and
    // closed first, then opened again to label: 1–3 s more)
    expect(first.stderr.match(/opening the feedback database/g)).toHaveLength(1);
    const out = join(dir, 'stopped');
    const labelling = await runSignalled(demo(out), /simulated annotators \(pairs-honest\): 1\//, 'SIGTERM');
    expectInterrupted(labelling, 'SIGTERM');
    expect(labelling.stderr).toContain('askfirst: stopping: closing the feedback database after the current label');
    expect(labelling.stderr).toContain('askfirst: interrupted; the labels');
    expect(left(out)).toEqual({ runLock: false, dbLock: false });
    // the regime's third segment: its first two are evaluated and final/ holds update 4's weights
    const regime = await runSignalled(demo(out), /resumed from .*gao-plain.* at update 4/, 'SIGINT');
    expectInterrupted(regime, 'SIGINT');
    expect(left(out)).toEqual({ runLock: false, dbLock: false });
    expect((await runSignalled(demo(out), undefined, 'SIGINT')).code).toBe(0);
    expect(outputs(out)).toEqual(outputs(straight));
  });
});

describe('feedback simulate stopped by a signal', () => {
  it('Ctrl-C: stops after the labels in progress, closes the workbench and its database (no lock), ends by SIGINT; the same command labels the rest', { timeout: 180_000 }, async () => {
    const suite = join(dir, 'suite');
    const eps = generateSuite({ episodes: 4, seed: 5, kinds: ['sketch', 'camera'], controlShare: 0 });
    await writeSuite(suite, eps);
    const files = [0, 1].map((k) => join(dir, `plays-${k}.jsonl`)); // two plays differing on every episode: 8 pairs
    for (const [k, f] of files.entries()) await writeFile(f, eps.map((ep) => JSON.stringify(playEpisode(ep, 'proactive', () => ep.categories[(ep.answer + k) % ep.categories.length])) + '\n').join(''));
    const db = join(dir, 'db');
    expect((await runSignalled(['feedback', 'pairs', '--db-dir', db, '--project', 'p', '--suite', suite, '--results', files.join(','), '--no-progress'], undefined, 'SIGINT')).code).toBe(0);
    const simulate = ['feedback', 'simulate', '--db-dir', db, '--project', 'p', '--annotators', '1'];
    const r = await runSignalled(simulate, /opening the feedback database/, 'SIGINT'); // while it opens: the annotators stop before their first label
    expectInterrupted(r, 'SIGINT');
    expect(r.stderr).toContain('askfirst: stopping: closing the workbench and its database after the labels in progress');
    expect(r.stderr).toContain('askfirst: interrupted; the labels given are saved in the project; run the same command again to label the rest');
    expect(existsSync(join(db, 'askfirst.lock'))).toBe(false);
    const again = await runSignalled(simulate, undefined, 'SIGINT');
    expect(again.code).toBe(0);
    const labels = (out: string) => Number(/^(\d+) labels by 1 simulated annotators/m.exec(out)?.[1] ?? 0);
    expect(labels(r.stdout) + labels(again.stdout)).toBe(8); // every pair labelled once, none twice
  });
});

/** Two plays of each of `eps` that differ on every episode (the right category at once, and a wrong one), as results files. */
async function twoPlays(eps: readonly Episode<unknown>[], into: string): Promise<string[]> {
  const files = [0, 1].map((k) => join(into, `plays-${k}.jsonl`));
  for (const [k, f] of files.entries()) await writeFile(f, eps.map((ep) => JSON.stringify(playEpisode(ep, 'proactive', () => ep.categories[(ep.answer + k) % ep.categories.length])) + '\n').join(''));
  return files;
}
const dbLeft = (db: string) => readdirSync(dirname(db)).filter((n) => n.startsWith(`.${basename(db)}.creating-`)).concat(existsSync(join(db, 'askfirst.lock')) ? ['askfirst.lock'] : []);

describe('feedback pairs stopped by a signal', () => {
  it('Ctrl-C while its database is made: stops at once, none half-made, ends by SIGINT; SIGTERM in its transaction: heard then, lets it finish, says every pair is in, ends by SIGTERM; run again it adds none', { timeout: 240_000 }, async () => {
    const d = tmpDir('af-fb-pairs-stop');
    const suite = join(d, 'suite');
    const eps = generateSuite({ episodes: 1, seed: 5, kinds: ['sketch', 'camera'], controlShare: 0 });
    await writeSuite(suite, eps);
    // 1,000 pairs: 500 of each episode, from 1,000 plays each ending on a reply of its own (no option: unparseable);
    // inserting them takes seconds, so the signal comes while the transaction is under way
    const plays = join(d, 'plays.jsonl');
    await writeFile(plays, eps.flatMap((ep) => Array.from({ length: 1000 }, (_, k) => JSON.stringify(playEpisode(ep, 'proactive', () => `reply ${k}`)) + '\n')).join(''));
    const db = join(d, 'db');
    const pairs = ['feedback', 'pairs', '--db-dir', db, '--project', 'p', '--suite', suite, '--results', plays, '--per-episode', '500'];
    const making = await withInitdb(() => runSignalled(pairs, /opening the feedback database/, 'SIGINT'));
    expectInterrupted(making, 'SIGINT');
    expect(making.stderr).toContain('askfirst: interrupted; no pair was added (they go in as one transaction, all or none); run the same command again to add them');
    expect(existsSync(join(db, 'PG_VERSION'))).toBe(false);
    expect(dbLeft(db)).toEqual([]);
    const inserting = await runSignalled(pairs, /inserting pairs: 1\//, 'SIGTERM');
    expectInterrupted(inserting, 'SIGTERM');
    const stopping = inserting.stderr.indexOf('askfirst: stopping: closing the feedback database (after the transaction of pairs, if it has begun)');
    expect(stopping).toBeGreaterThan(0);
    // heard during the transaction: PGlite's inserts never handed the event loop a turn, so the handler ran once all were in
    expect(stopping).toBeLessThan(inserting.stderr.search(/inserting pairs: 1000\/1000 pairs in/));
    expect(inserting.stderr).toContain('askfirst: interrupted; all 1000 pairs are in project p (1000 new); nothing is left to add');
    expect(inserting.stdout).toContain('project p: 1000 new trajectory pairs (0 already there)');
    expect(dbLeft(db)).toEqual([]);
    const again = await runSignalled([...pairs, '--no-progress'], undefined, 'SIGINT');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('project p: 0 new trajectory pairs (1000 already there)');
  });
});

describe('feedback import stopped by a signal', () => {
  it('SIGINT while its policy loads (the database open): closes the database, says no item was added, ends by SIGINT; the same command then adds them', { timeout: 180_000 }, async () => {
    const d = tmpDir('af-fb-import-stop');
    const suite = join(d, 'suite');
    const ids = (await writeSuite(suite, generateSuite({ episodes: 2, seed: 1, kinds: ['occlusion'] }))).map((e) => e.id);
    const replies = namedPipe(join(d, 'replies.jsonl')); // the scripted policy reads it as it loads: held open here, it is still loading when the signal comes
    const db = join(d, 'db');
    const args = ['feedback', 'import', '--db-dir', db, '--project', 'imp', '--suite', suite, '--policy', `scripted:${replies}`, '--tasks', 'ask'];
    const r = await runSignalled(args, undefined, 'SIGINT', undefined, (child) => inPipe(replies, child, 'SIGINT'));
    expectInterrupted(r, 'SIGINT');
    expect(r.stderr).toContain('askfirst: stopping: closing the feedback database (after the transaction of items, if it has begun)');
    expect(r.stderr).toContain('askfirst: interrupted; no item was added (they go in by transactions, each all or none; a suite\'s 1000 episodes at a time); run the same command again to add them');
    expect(dbLeft(db)).toEqual([]);
    rmSync(replies);
    await writeFile(replies, ids.map((id) => JSON.stringify({ episode_id: id, replies: ['A'] }) + '\n').join(''));
    const again = await runSignalled(args, undefined, 'SIGINT');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('project imp: 2 new items');
  });
});

describe('a second Ctrl-C, with the database open', () => {
  it('feedback import: exits at once and leaves no askfirst.lock (it was left, for the next run to take over as stale)', { timeout: 180_000 }, async () => {
    const d = tmpDir('af-fb-second-sigint');
    const suite = join(d, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 1, seed: 1, kinds: ['occlusion'] }));
    const replies = namedPipe(join(d, 'replies.jsonl')); // the scripted policy reads it as it loads, with the database open: held open here, it stays there
    const db = join(d, 'db');
    const args = ['feedback', 'import', '--db-dir', db, '--project', 'imp', '--suite', suite, '--policy', `scripted:${replies}`, '--tasks', 'ask'];
    const r = await runSignalled(args, undefined, 'SIGINT', undefined, async (child) => {
      await holdPipe(replies, child);
      const stopping = saidOnStderr(child, /askfirst: stopping: closing the feedback database/);
      child.kill('SIGINT');
      await stopping; // it waits for the policy to load: the second Ctrl-C quits at once
      child.kill('SIGINT');
    });
    expectInterrupted(r, 'SIGINT'); // not waiting on its read of the pipe, which never returns
    expect(r.stderr).toContain('askfirst: interrupted; no item was added');
    expect(dbLeft(db)).toEqual([]);
  });
});

describe('the quick database commands stopped by a signal', () => {
  it('feedback status, annotator, agreement and export, signalled while the database opens: close it (no lock), say what is kept, end by the signal; export writes no file', { timeout: 240_000 }, async () => {
    const d = tmpDir('af-fb-quick-stop');
    const db = join(d, 'db');
    expect((await runSignalled(['feedback', 'import', '--db-dir', db, '--project', 'p', '--demo', '2', '--images', join(d, 'images')], undefined, 'SIGINT')).code).toBe(0);
    const out = join(d, 'sft.jsonl');
    const cases: [string[], 'SIGINT' | 'SIGTERM', string][] = [
      [['feedback', 'status', '--db-dir', db], 'SIGINT', 'nothing was changed (feedback status only reads the database); run the same command again'],
      [['feedback', 'annotator', 'ann', '--db-dir', db], 'SIGTERM', 'no annotator was added; run the same command again'],
      [['feedback', 'agreement', '--db-dir', db, '--project', 'p'], 'SIGINT', 'nothing was changed (feedback agreement only reads the database)'],
      [['feedback', 'export', '--db-dir', db, '--project', 'p', '--format', 'sft', '--out', out], 'SIGTERM', `nothing was written (${out} is written whole, once every row is read)`],
    ];
    for (const [args, sig, kept] of cases) {
      // signalled once it holds the lock, while PGlite opens (seconds): before, it died by the signal, leaving the lock
      const r = await runSignalled(args, /opening the feedback database/, sig, () => existsSync(join(db, 'askfirst.lock')));
      const what = args.slice(0, 2).join(' ');
      expectInterrupted(r, sig, what);
      expect(r.stderr).toContain('askfirst: stopping: closing the feedback database');
      expect(r.stderr).toContain(`askfirst: interrupted; ${kept}`);
      expect({ what, left: dbLeft(db) }).toEqual({ what, left: [] });
    }
    expect(existsSync(out)).toBe(false);
    const list = await runSignalled(['feedback', 'annotator', '--list', '--db-dir', db], undefined, 'SIGINT');
    expect(list.stdout).toContain('no annotators yet'); // the signalled add added none
  });
});

describe('feedback illume stopped by a signal', () => {
  it('Ctrl-C with the automatic critic: heard between rounds (not once all are done), says nothing was saved, ends by SIGINT', { timeout: 120_000 }, async () => {
    const out = join(tmpDir('af-fb-illume-stop'), 'illume.json');
    // 100 rounds of tens of milliseconds each (about 4 s): the signal comes at the first
    const r = await runSignalled(['feedback', 'illume', '--rounds', '100', '--out', out], undefined, 'SIGINT', undefined, async (child) => {
      let said = '';
      const once = (b: Buffer) => /round 1:/.test((said += b.toString())) && (child.stdout!.off('data', once), child.kill('SIGINT'));
      child.stdout!.on('data', once);
    });
    expectInterrupted(r, 'SIGINT');
    expect(r.stderr).toContain('askfirst: interrupted; nothing was saved (ILLUME writes --out, and its summary, once its last round ends); run the same command again to start over');
    expect(r.stdout).not.toContain('round 100:'); // its rounds never handed the event loop a turn: a handler would have waited for all
    expect(existsSync(out)).toBe(false);
  });

  it('Ctrl-C while it draws its demo scenes: heard between scenes, not once all are drawn and a round is done; ends by SIGINT', { timeout: 120_000 }, async () => {
    // 4000 scenes take seconds to draw, and they were drawn in one stretch, the first round after them: the signal, sent
    // as the drawing starts, was heard only once that round ended (its "ILLUME:" line printed)
    const r = await runSignalled(['feedback', 'illume', '--demo', '4000', '--rounds', '1'], /drawing 4000 demo scenes/, 'SIGINT');
    expectInterrupted(r, 'SIGINT');
    expect(r.stderr).toContain('askfirst: interrupted; nothing was saved');
    expect(r.stdout).not.toContain('ILLUME:');
  });

  it("SIGTERM with --critic workbench while it waits for a round's labels: closes the workbench and its database, says the labels are kept, ends by SIGTERM", { timeout: 180_000 }, async () => {
    const db = join(tmpDir('af-fb-illume-stop'), 'db');
    const r = await runSignalled(['feedback', 'illume', '--critic', 'workbench', '--db-dir', db, '--port', '0', '--demo', '6', '--rounds', '1'], /round labels: 0\//, 'SIGTERM');
    expectInterrupted(r, 'SIGTERM');
    expect(r.stderr).toContain('askfirst: stopping: answering the requests in flight, then closing the workbench and its database (the labels given are saved)');
    expect(r.stderr).toContain('askfirst: interrupted; the labels given in project "illume" are saved; run the same command again to go on');
    expect(dbLeft(db)).toEqual([]);
  });

  it('SIGTERM with --critic workbench while a label is being sent: the label is answered and stored, then it stops (by SIGTERM)', { timeout: 300_000 }, async () => {
    // before, the workbench was closed at once (server.close): the label's connection was cut (ECONNRESET), the label lost
    const db = join(tmpDir('af-fb-illume-drain'), 'db');
    const store = await FeedbackStore.open(await openDb({ dataDir: db }));
    const { token } = await store.addAnnotator('drain-tester').finally(() => store.close());
    let answer: Promise<unknown[]> | undefined;
    let failed: unknown;
    const r = await runSignalled(['feedback', 'illume', '--critic', 'workbench', '--db-dir', db, '--port', '0', '--demo', '6', '--rounds', '1'], undefined, 'SIGTERM', undefined, (child) => labelAtSignal(child).catch((e: unknown) => ((failed = e), child.kill('SIGKILL'))));
    async function labelAtSignal(child: ChildProcess) {
      const said = { stdout: '', stderr: '' };
      for (const name of ['stdout', 'stderr'] as const) child[name]!.on('data', (b: Buffer) => (said[name] += b.toString()));
      const on = (name: 'stdout' | 'stderr', re: RegExp) =>
        new Promise<void>((resolve) => {
          const check = () => re.test(said[name]) && (child[name]!.off('data', check), resolve());
          child[name]!.on('data', check);
          check();
        });
      await on('stderr', /round labels: 0\//); // the round's tasks are in the workbench
      const url = /workbench at (http:\S+) /.exec(said.stdout)![1];
      const label = await labelInFlight(url, token, 'illume-drain-1');
      answer = label.answer;
      const stopping = on('stderr', /askfirst: stopping: /);
      child.kill('SIGTERM');
      await Promise.race([stopping, answer]);
      label.send();
    }
    expect(failed).toBeUndefined();
    expect(await answer).toEqual([201, false]);
    expectInterrupted(r, 'SIGTERM');
    expect(r.stderr).toContain('askfirst: interrupted; the labels given in project "illume" are saved');
    expect(dbLeft(db)).toEqual([]);
    const after = await FeedbackStore.open(await openDb({ dataDir: db }));
    try {
      expect((await after.progress((await after.project('illume')).id)).labels).toBe(1); // the label was stored
    } finally {
      await after.close();
    }
  });
});

describe('train reward and train dpo stopped while they read the labels', () => {
  it('Ctrl-C: they read the labels to the end, close the database (no lock left) and end by SIGINT; before, they exited with it open', { timeout: 300_000 }, async () => {
    const d = tmpDir('af-fb-train-stop');
    const suite = join(d, 'suite');
    const eps = generateSuite({ episodes: 2, seed: 5, kinds: ['sketch', 'camera'], controlShare: 0 });
    await writeSuite(suite, eps);
    const db = join(d, 'db');
    expect((await runSignalled(['feedback', 'pairs', '--db-dir', db, '--project', 'p', '--suite', suite, '--results', (await twoPlays(eps, d)).join(','), '--no-progress'], undefined, 'SIGINT')).code).toBe(0);
    expect((await runSignalled(['feedback', 'simulate', '--db-dir', db, '--project', 'p', '--annotators', '1', '--port', '0', '--no-progress'], undefined, 'SIGINT')).code).toBe(0);
    // the command from the sources, its reading of the labels paused on a named pipe the test holds (a real read takes milliseconds)
    const paused = join(dirname(fileURLToPath(import.meta.url)), '..', 'testing', 'cli-paused.ts');
    for (const [stage, budget] of [['reward', '--steps'], ['dpo', '--updates']]) {
      const pipe = namedPipe(join(d, `${stage}.pipe`));
      const out = join(d, stage);
      const child = spawnTsx(paused, [pipe, 'labelled', 'train', stage, '--init', init, '--db-dir', db, '--project', 'p', '--out', out, budget, '1', '--no-progress'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const r = await signalled(child, undefined, 'SIGINT', undefined, (c) => inPipe(pipe, c, 'SIGINT'));
      expectInterrupted(r, 'SIGINT', stage);
      expect({ stage, left: dbLeft(db), runLock: existsSync(join(out, '.lock')) }).toEqual({ stage, left: [], runLock: false }); // askfirst.lock was left
      expect(r.stderr).toContain('askfirst: stopping: closing the feedback database after reading the labels');
      expect(r.stderr).toContain('askfirst: interrupted; no checkpoint was written yet; run the same command again to start over');
    }
  });
});
