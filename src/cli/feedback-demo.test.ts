/**
 * `askfirst feedback demo` (feedback-rlhf.ts feedbackDemoAction) run for real: what a re-run that fails leaves of run.json;
 * the time of a stage a re-run resumes from a checkpoint (demo/stages.ts carryResumed).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newBuiltin, saveBuiltin } from '../agents/builtin/build.js';
import { generateSuite } from '../suite/generate.js';
import { tmpDir } from '../testing/tmp.js';
import { captureConsole } from '../testing/console.js';
import { demoAggregateAction, feedbackDemoAction } from './feedback-rlhf.js';
import { openDb } from '../feedback/db.js';
import { killCliAt, runCli } from '../testing/cli-kill.js';
import { checkpointSeconds } from '../demo/stages.js';
import type { FeedbackResults } from '../report/feedback-section.js';

describe('feedback demo: a re-run that fails before it trains or labels anything', () => {
  it('puts back the run.json it found (here none: an older askfirst\'s folder), so the right re-run is not refused', async () => {
    const quiet = captureConsole('error');
    const dir = tmpDir('askfirst-feedback-demo-rerun');
    saveBuiltin(join(dir, 'sup'), newBuiltin(generateSuite({ episodes: 1, kinds: ['camera'] })));
    const out = join(dir, 'fd');
    mkdirSync(join(out, 'pairs'), { recursive: true }); // a feedback demo's folder from before run.json was kept
    writeFileSync(join(out, 'feedback-db'), 'a file, not a database folder'); // the right re-run stops where it opens its database, after the suites
    const run = (o: Record<string, unknown>) => feedbackDemoAction({ out, rlEpisodes: 10, evalEpisodes: 5, progress: false, ...o });
    // a typo in --init and another --seed: fails before any work
    await expect(run({ init: join(dir, 'moved'), seed: 1 })).rejects.toThrow(`no model checkpoint in ${join(dir, 'moved')}`);
    expect(existsSync(join(out, 'run.json')) && readFileSync(join(out, 'run.json'), 'utf8')).toBe(false); // was: --seed 1 and --init without its SHA-256 kept
    // was: 'holds a feedback demo run whose …/run.json keeps --init …/moved without the SHA-256 of what it held' (or '--seed 1 → 0')
    await expect(run({ init: join(dir, 'sup') })).rejects.toThrow(/PGlite data directory .*feedback-db/);
    expect(existsSync(join(out, 'run.json'))).toBe(false); // it failed too before it trained or labelled anything
    // one that wrote a checkpoint before it failed keeps its settings: that checkpoint was trained under them
    const checkpoint = join(out, 'rl', 'gold', 'checkpoints', 'step-0000001');
    quiet.restore();
    captureConsole('error', (s) => {
      if (!s.includes('feedback-db')) return; // where it opens its database, after the suites
      mkdirSync(checkpoint, { recursive: true });
      writeFileSync(join(checkpoint, 'state.json'), '{}');
    });
    await expect(run({ init: join(dir, 'sup'), seed: 2 })).rejects.toThrow(/PGlite data directory .*feedback-db/);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))).toMatchObject({ run: 'feedback demo', settings: { seed: 2 } });
  }, 120_000);

  it('one that labelled into the database it found before it failed keeps its settings: those labels were given under them', async () => {
    const dir = tmpDir('askfirst-feedback-demo-labelled');
    saveBuiltin(join(dir, 'sup'), newBuiltin(generateSuite({ episodes: 1, kinds: ['camera'] })));
    const out = join(dir, 'fd');
    mkdirSync(join(out, 'pairs'), { recursive: true }); // a feedback demo's folder from before run.json was kept, with its database
    await (await openDb({ dataDir: join(out, 'feedback-db') })).close();
    captureConsole('error', (s) => {
      if (s.includes('labels over HTTP')) throw new Error('stopped after the first project was labelled');
    });
    const run = feedbackDemoAction({ out, init: join(dir, 'sup'), seed: 2, labels: [10], annotators: 1, rlEpisodes: 10, evalEpisodes: 5, progress: false });
    await expect(run).rejects.toThrow('stopped after the first project was labelled');
    // was: no run.json (the one it found, none, put back): the labels in the database it found did not count as written
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))).toMatchObject({ run: 'feedback demo', settings: { seed: 2 } });
  }, 120_000);
});

describe('feedback demo-aggregate --out another command\'s output', () => {
  it('is refused before anything is suggested (it suggested a feedback demo into <eval run>/seed-0)', async () => {
    const d = tmpDir('af-fb-aggregate-other');
    const oracle = join(d, 'oracle');
    mkdirSync(join(oracle, 'proactive'), { recursive: true });
    writeFileSync(join(oracle, 'summary.json'), JSON.stringify({ format: 'askfirst-eval-summary', version: 1 }));
    await expect(demoAggregateAction({ out: oracle, seeds: '0,1' })).rejects.toThrow(
      `--out ${oracle} holds the results of askfirst eval (${join(oracle, 'summary.json')}); askfirst feedback demo-aggregate would write into it: choose another --out`,
    );
    expect(existsSync(join(oracle, 'aggregate.json'))).toBe(false);
    // a folder of nobody's output still gets the command that makes the missing seed
    await expect(demoAggregateAction({ out: join(d, 'fb'), seeds: '0' })).rejects.toThrow(/no finished feedback demo for seed 0 .*; run: askfirst feedback demo --seed 0 --out /);
  });
});

describe('feedback demo re-run over a training stage killed mid-way', () => {
  /** A quick demo into `dir`/fd (as feedback-interrupt.test.ts'), from an untrained guesser: the over-optimisation regime's runs in three segments of two updates. */
  const quickDemo = (dir: string, gaoUpdates = 6) => {
    const init = join(dir, 'sup');
    saveBuiltin(init, newBuiltin(generateSuite({ episodes: 1, kinds: ['camera'] }))); // the demo only needs one
    const out = join(dir, 'fd');
    const args = ['feedback', 'demo', '--init', init, '--out', out, '--labels', '10', '--annotators', '1', '--rl-updates', '1', '--episodes-per-update', '4', '--rl-episodes', '10', '--eval-episodes', '5', '--dpo-steps', '1', '--rm-steps', '2', '--routing-budgets', '0.5', '--routing-rounds', '1', '--routing-committee', '2', '--gao-labels', '10', '--gao-updates', String(gaoUpdates), '--gao-eval-every', '2', '--no-progress'];
    return { out, args };
  };

  it('times the stage it resumes from a checkpoint as the run before it and this one together, marked so, in its wall time too', { timeout: 300_000 }, async () => {
    const dir = tmpDir('askfirst-feedback-demo-resumed-time');
    const { out, args } = quickDemo(dir);
    // killed as gao-plain writes its first segment's final model: its checkpoint at update 2 is kept
    const run = join(out, 'rl', 'gao-plain-10');
    await killCliAt(args, dir, { op: 'write', path: `${run}${sep}final${sep}` });
    const before = checkpointSeconds(run);
    expect(before).toBeGreaterThan(0);
    const t = performance.now();
    const again = await runCli(args, dir);
    const now = (performance.now() - t) / 1000; // the re-run's time, its resumed stage's part among it
    expect(again.code, again.stderr).toBe(0);
    const r = JSON.parse(readFileSync(join(out, 'feedback.json'), 'utf8')) as FeedbackResults;
    const gao = r.timings.find((x) => x.stage === 'gao-plain')!;
    expect(gao.resumed).toBe(true); // was: absent, and the re-run's segments only
    expect(gao.takenUp).toBeUndefined();
    expect(gao.seconds - before!).toBeGreaterThan(0);
    expect(gao.seconds - before!).toBeLessThanOrEqual(now);
    expect(r.wallSeconds - before!).toBeGreaterThan(0);
    expect(r.wallSeconds - before!).toBeLessThanOrEqual(now);
    expect(r.timings.filter((x) => x.resumed).map((x) => x.stage)).toEqual(['gao-plain']);
  });

  it('resumes the over-optimisation regime stopped between two segments (final/ is each segment\'s): its time is the segments before and this run\'s, none repeated or skipped', { timeout: 300_000 }, async () => {
    const dir = tmpDir('askfirst-feedback-demo-gao-between');
    const { out, args } = quickDemo(dir);
    // killed as gao-plain records its second segment's test point: that segment's final model (update 4) written, the third not begun
    const run = join(out, 'rl', 'gao-plain-10');
    await killCliAt(args, dir, { op: 'rename', path: `${run}${sep}.gao-eval.json`, nth: 2 });
    const points = (): number[] => gaoPoints(run).map((p) => p.update);
    expect(points()).toEqual([2]);
    // the first point records the regime's time then: its training to update 2 and its evaluation on the test suite after
    const [first] = gaoPoints(run);
    expect(first.seconds).toBeGreaterThan(loggedSeconds(run, 2)); // was: no seconds (the evaluation's time kept nowhere)
    // say that evaluation took 500 s more: the re-run counts what the point records (was: the checkpoint's training seconds only)
    writeFileSync(join(run, 'gao-eval.json'), JSON.stringify([{ ...first, seconds: first.seconds! + 500 }]));
    const before = first.seconds! + 500 + loggedSeconds(run, 4) - loggedSeconds(run, 2); // and the second segment's training (kept: update 4)
    expect(before).toBeGreaterThan(checkpointSeconds(run)! + 500);
    const t = performance.now();
    const again = await runCli(args, dir);
    const now = (performance.now() - t) / 1000;
    expect(again.code, again.stderr).toBe(0);
    const r = JSON.parse(readFileSync(join(out, 'feedback.json'), 'utf8')) as FeedbackResults;
    expect(r).toMatchObject({ format: 'askfirst-feedback-results', version: 1 });
    const gao = r.timings.find((x) => x.stage === 'gao-plain')!;
    // was: takenUp, with the time its log recorded at update 4, and the re-run's third segment lost (from wallSeconds too)
    expect(gao.takenUp).toBeUndefined();
    expect(gao.resumed).toBe(true);
    expect(gao.seconds - before!).toBeGreaterThan(0);
    expect(gao.seconds - before!).toBeLessThanOrEqual(now);
    expect(r.wallSeconds - before!).toBeGreaterThan(0);
    expect(r.wallSeconds - before!).toBeLessThanOrEqual(now);
    // every segment once: its points, and one row per update in its log
    expect(points()).toEqual([2, 4, 6]);
    const logged = readFileSync(join(run, 'rl.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { update: number }).update);
    expect(logged).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.policies.find((p) => p.name === 'gao-plain-10')?.testCurve?.map((p) => p.update)).toEqual([2, 4, 6]);
    // each point's time, in all, grows; feedback.json's curve keeps the figures only (the time is its stage's)
    const seconds = gaoPoints(run).map((p) => p.seconds!);
    expect(seconds[1]).toBeGreaterThan(before);
    expect(seconds[2]).toBeGreaterThan(seconds[1]);
    expect(seconds[2]).toBeLessThanOrEqual(gao.seconds);
    expect(Object.keys(r.policies.find((p) => p.name === 'gao-plain-10')!.testCurve![0])).not.toContain('seconds');
    // run again, every stage taken up: the regime's time is its last point's (was: its log's training time, its evaluations lost)
    const third = await runCli(args, dir);
    expect(third.code, third.stderr).toBe(0);
    const r3 = JSON.parse(readFileSync(join(out, 'feedback.json'), 'utf8')) as FeedbackResults;
    expect(r3.timings.find((x) => x.stage === 'gao-plain')).toEqual({ stage: 'gao-plain', seconds: seconds[2], takenUp: true });
  });

  it('--gao-updates not a multiple of --gao-eval-every, stopped after the last segment trained, before its evaluation: its training is kept in the time', { timeout: 300_000 }, async () => {
    const dir = tmpDir('askfirst-feedback-demo-gao-last');
    const { out, args } = quickDemo(dir, 5); // segments to updates 2, 4 and 5: checkpoints at 2 and 4, none at 5
    const run = join(out, 'rl', 'gao-plain-10');
    // killed as gao-plain records its third segment's test point: final/ at update 5 written, no checkpoint there
    await killCliAt(args, dir, { op: 'rename', path: `${run}${sep}.gao-eval.json`, nth: 3 });
    expect(gaoPoints(run).map((p) => p.update)).toEqual([2, 4]);
    // say the last segment's one update took 1000 s more: the re-run trains nothing (final/ is at 5), and keeps it
    const log = join(run, 'rl.jsonl');
    const rows = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(rows.map((x) => x.update)).toEqual([1, 2, 3, 4, 5]);
    rows[4]['time/seconds'] += 1000;
    writeFileSync(log, rows.map((x) => JSON.stringify(x) + '\n').join(''));
    const before = gaoPoints(run)[1].seconds! + loggedSeconds(run, 5) - loggedSeconds(run, 4);
    const t = performance.now();
    const again = await runCli(args, dir);
    const now = (performance.now() - t) / 1000;
    expect(again.code, again.stderr).toBe(0);
    const r = JSON.parse(readFileSync(join(out, 'feedback.json'), 'utf8')) as FeedbackResults;
    const gao = r.timings.find((x) => x.stage === 'gao-plain')!;
    expect(gao.resumed).toBe(true);
    // was: the checkpoint's (update 4) training seconds and the re-run's: the last segment's 1000 s, and the evaluations, lost
    expect(gao.seconds).toBeGreaterThan(loggedSeconds(run, 5));
    expect(gao.seconds - before).toBeGreaterThan(0);
    expect(gao.seconds - before).toBeLessThanOrEqual(now);
    expect(gaoPoints(run).map((p) => p.update)).toEqual([2, 4, 5]);
  });
});

/** The points of the over-optimisation regime's run in `run` (its gao-eval.json), with the regime's time in all at each. */
const gaoPoints = (run: string) => JSON.parse(readFileSync(join(run, 'gao-eval.json'), 'utf8')) as { update: number; seconds?: number }[];

/** The training seconds the RL log of the run in `run` records at `update`. */
function loggedSeconds(run: string, update: number): number {
  const row = readFileSync(join(run, 'rl.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>).find((x) => x.update === update);
  return row!['time/seconds'];
}
