/**
 * A batch job (probe, eval) stopped by Ctrl-C or SIGTERM: the real command (bin/askfirst.js, the build in dist/ — run
 * `npm run build` first) in a child process, signalled once its progress on stderr shows the stage in question, not
 * after a fixed sleep. It saves what it finished, says so, and ends by the signal (a shell sees 130, 143 for SIGTERM, as
 * shells, make and CI runners expect of an interrupted command; a shell script running it stops too: see the end of this
 * file); a re-run resumes.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { exited, expectInterrupted, runShellSignalled, runSignalled } from '../testing/child.js';
import { holdPipe, inPipe, namedPipe } from '../testing/named-pipe.js';
import { startFaultServer, type FaultServer } from '../testing/fault-server.js';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { policyOutDirs } from './eval.js';
import { shellQuote } from '../util/shell-quote.js';
import { finishedDemoStages } from '../testing/demo-stages.js';
import { seedDir } from '../demo/seed-dirs.js';

const bin = join(dirname(dirname(dirname(fileURLToPath(import.meta.url)))), 'bin', 'askfirst.js');

let server: FaultServer;
beforeAll(async () => {
  server = await startFaultServer({ delayMs: 15, faultRate: 0 }); // slow enough that the run is still going when the signal comes
});
afterAll(async () => server.close());

/** A small probe run against the slow server: 144 presence items, two at a time, no open questions. */
const probeArgs = (out: string) => ['probe', 'hallucination', '--policy', `openai:${server.url}#fault`, '--concurrency', '1', '--batch-size', '2', '--scenes', '10', '--unseen-scenes', '0', '--open-scenes', '0', '--out', out];
const savedLines = (out: string) => {
  const f = join(out, 'presence', 'results.jsonl');
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).length : 0;
};

describe('a probe stopped by a signal', () => {
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${sig} during the run: saves the finished items, says so, ends by the signal (${code} to a shell); the same command resumes and finishes with 0`, { timeout: 60_000 }, async () => {
      const out = join(tmpDir('af-interrupt'), 'probe');
      // once the first batches are saved (an item whose request the signal aborts is not)
      const r = await runSignalled(probeArgs(out), /presence questions/, sig, () => savedLines(out) >= 4);
      expect(r.stderr).toContain('askfirst: stopping after the current batch');
      expect(r.stderr).toContain('finished items are saved');
      expect(r.stderr).toContain('askfirst: run interrupted; re-run the same command to resume');
      expectInterrupted(r, sig);
      const saved = savedLines(out);
      expect(saved).toBeGreaterThan(0);
      expect(saved).toBeLessThan(144);
      const again = await runSignalled([...probeArgs(out), '--json'], undefined, sig);
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ items: 144, resumed: saved });
    });
  }

  it('Ctrl-C while it is still drawing its items: acted on then (not once every scene is drawn), says nothing was saved, ends by SIGINT', { timeout: 60_000 }, async () => {
    const out = join(tmpDir('af-interrupt'), 'probe');
    // 2,000 scenes take seconds to draw: the signal comes while they are drawn
    const r = await runSignalled(['probe', 'hallucination', '--policy', 'random', '--scenes', '2000', '--unseen-scenes', '0', '--open-scenes', '0', '--out', out], /generating items/, 'SIGINT');
    expect(r.stderr).toContain('askfirst: interrupted; nothing was saved (askfirst probe hallucination had not started its run yet); run the same command again');
    expectInterrupted(r, 'SIGINT');
    // the drawing hands the event loop a turn after each scene: the signal is acted on before the last one is drawn (it
    // used to wait for all 2,000, 5–9 s, and the bar's closing line "2000/2000 scenes in …" came first)
    expect(r.stderr).not.toMatch(/generating items: 2000\/2000/);
    expect(existsSync(join(out, 'presence'))).toBe(false);
  });

  it('SIGTERM while the injection probe draws its items: says nothing was saved, ends by SIGTERM', { timeout: 60_000 }, async () => {
    const out = join(tmpDir('af-interrupt'), 'probe');
    // 8 episodes of each of the 7 kinds, each followed by its attacked copy: seconds of drawing. That it yields between
    // items is injection.test.ts's to show: this test passes without those turns too, the signal heard at the first text
    // drawn (its first await that is not already resolved: loading the canvas module), after the first clean episode
    const r = await runSignalled(['probe', 'injection', '--policy', 'random', '--episodes', '8', '--out', out], /generating items/, 'SIGTERM');
    expect(r.stderr).toContain('askfirst: interrupted; nothing was saved (askfirst probe injection had not started its run yet); run the same command again');
    expectInterrupted(r, 'SIGTERM');
    expect(existsSync(out)).toBe(false);
  });
});

describe('train and the demo stopped while they draw their suites', () => {
  it('Ctrl-C while train supervised draws its suite: acted on then (not once every episode is drawn), ends by SIGINT, leaves no --out', { timeout: 60_000 }, async () => {
    const out = join(tmpDir('af-interrupt'), 'sup');
    // 600 episodes of each of 7 kinds take seconds to draw: the signal comes at the bar's first line
    const r = await runSignalled(['train', 'supervised', '--episodes', '600', '--steps', '2', '--warmup-steps', '1', '--out', out], /generating: 1\/4200/, 'SIGINT');
    expect(r.stderr).toContain('askfirst: interrupted;');
    expectInterrupted(r, 'SIGINT');
    // the drawing hands the event loop a turn after each episode: the signal is acted on before the last one is drawn
    // (it used to wait for all 4,200, and the bar's closing line "4200/4200 episodes in …" came first)
    expect(r.stderr).not.toMatch(/4200\/4200 episodes in/);
    expect(existsSync(out)).toBe(false);
  });

  it('SIGTERM while the demo draws its suites: acted on then, ends by SIGTERM', { timeout: 60_000 }, async () => {
    const out = join(tmpDir('af-interrupt'), 'demo');
    const r = await runSignalled(['demo', '--quick', '--no-baselines', '--out', out], /generate suites: 1\//, 'SIGTERM');
    // was: "the finished stages and the training checkpoints in <out> are kept", with none there (src/demo/demo-stopped.ts)
    expect(r.stderr).toContain(`askfirst: interrupted; no stage finished and no checkpoint was written yet in ${out}; run the same command again to start over`);
    expectInterrupted(r, 'SIGTERM');
    expect(r.stderr).not.toMatch(/generate suites: (\d+)\/\1 episodes in/);
  });
});

/** A run `out` holds as one that ran before would (its run.json, a complete checkpoint, a final model): the run.json's bytes. */
function earlierRun(out: string, run: string, sub = ''): string {
  const kept = `${JSON.stringify({ run, settings: { seed: 9 } })}\n`;
  for (const d of [join(out, sub, 'checkpoints', 'step-0000100'), join(out, sub, 'final')]) mkdirSync(d, { recursive: true });
  writeFileSync(join(out, sub, 'checkpoints', 'step-0000100', 'state.json'), '{"step":100}');
  writeFileSync(join(out, sub, 'final', 'config.json'), '{}');
  writeFileSync(join(out, 'run.json'), kept);
  return kept;
}

describe('demo --seeds stopped by a signal', () => {
  it('Ctrl-C in the second seed: says which seed it stopped in and which are finished, and that the same command resumes', { timeout: 180_000 }, async () => {
    const out = join(tmpDir('af-interrupt'), 'demo');
    finishedDemoStages(seedDir(out, 0), ['rl']); // seed 0 only evaluates: seconds
    // once seed 1's demo has begun (its run.json kept), drawing its suites
    const r = await runSignalled(['demo', '--seeds', '0,1', '--quick', '--no-baselines', '--out', out], /generate suites: 1\//, 'SIGINT', () => existsSync(join(seedDir(out, 1), 'run.json')));
    // was: "the finished stages and the training checkpoints in <out> are kept; run the same command again to continue", no seed named
    expect(r.stderr).toContain(`askfirst: interrupted; stopped in seed 1 (seed 0 finished); its finished stages and training checkpoints in ${seedDir(out, 1)} are kept; re-run the same command to resume`);
    expectInterrupted(r, 'SIGINT');
    expect(existsSync(join(seedDir(out, 0), 'results.json'))).toBe(true);
  });

  it('Ctrl-C in a --fresh run before it wrote anything: the earlier aggregate and seed 0\u2019s summary are back, older set-aside copy included (src/demo/fresh-summary.ts)', { timeout: 120_000 }, async () => {
    const out = join(tmpDir('af-interrupt'), 'demo');
    for (const seed of [0, 1]) {
      mkdirSync(seedDir(out, seed), { recursive: true });
      writeFileSync(join(seedDir(out, seed), 'results.json'), `{"the earlier demo": ${seed}}`);
    }
    writeFileSync(join(seedDir(out, 0), 'results.replaced.json'), '{"an older demo": 0}');
    writeFileSync(join(out, 'aggregate.json'), '{"the earlier aggregate": true}');
    writeFileSync(join(out, 'aggregate.html'), '<p>the earlier aggregate</p>');
    const r = await runSignalled(['demo', '--seeds', '0,1', '--quick', '--fresh', '--no-baselines', '--out', out], /generate suites: 1\//, 'SIGINT');
    expectInterrupted(r, 'SIGINT');
    expect(r.stdout).toContain(`demo: --fresh: the earlier --seeds run's aggregate.json, aggregate.html in ${out} moved to aggregate.replaced.json, aggregate.replaced.html`);
    expect(readFileSync(join(out, 'aggregate.json'), 'utf8')).toBe('{"the earlier aggregate": true}');
    expect(readFileSync(join(out, 'aggregate.html'), 'utf8')).toBe('<p>the earlier aggregate</p>');
    expect(existsSync(join(out, 'aggregate.replaced.json'))).toBe(false);
    expect(readFileSync(join(seedDir(out, 0), 'results.json'), 'utf8')).toBe('{"the earlier demo": 0}');
    expect(readFileSync(join(seedDir(out, 0), 'results.replaced.json'), 'utf8')).toBe('{"an older demo": 0}'); // was: lost
    expect(readFileSync(join(seedDir(out, 1), 'results.json'), 'utf8')).toBe('{"the earlier demo": 1}');
    // no mark of this run left, and it says the earlier demo is as it was (was: marks kept, "re-run without --fresh")
    expect([0, 1].map((seed) => existsSync(join(seedDir(out, seed), 'fresh-pending')))).toEqual([false, false]);
    expect(r.stderr).toContain(`before this --fresh run wrote anything: ${out} holds the earlier demo as it was; run the same command again to start over`);
  });
});

describe('a training run stopped by Ctrl-C between its steps', () => {
  it('its progress bar says where it stopped, before what is kept, never the finished line', { timeout: 60_000 }, async () => {
    const out = join(tmpDir('af-interrupt'), 'sup');
    const args = ['train', 'supervised', '--episodes', '1', '--steps', '100000', '--warmup-steps', '1', '--batch-size', '2', '--checkpoint-every', '100000', '--out', out];
    const r = await runSignalled(args, /supervised: 0\/100000 steps/, 'SIGINT');
    expectInterrupted(r, 'SIGINT');
    // the steps' bar ended without a word (piped; a terminal's was left drawn at "N/100000 steps"): the signal exits at
    // once between steps (cli/signals.ts), never reaching the loop's bar.stop()
    const stopped = /^supervised: \d+\/100000 steps, stopped after \d+\.\ds$/m.exec(r.stderr);
    expect(stopped).not.toBeNull();
    expect(r.stderr.indexOf('askfirst: interrupted; ')).toBeGreaterThan(stopped!.index);
    expect(r.stderr).not.toMatch(/^supervised: \d+\/100000 steps in /m);
  });
});

describe('a run started over (train --overwrite, demo --fresh) stopped before its first checkpoint', () => {
  // its run.json (the settings a --resume compares) was left saying the new run's settings over the old run's checkpoints
  // and final model, which a --resume under those settings would then have continued: a failure put the old one back, a
  // signal did not
  it('Ctrl-C while train supervised --overwrite draws its suite: the run it was to replace keeps its run.json', { timeout: 60_000 }, async () => {
    const out = join(tmpDir('af-interrupt'), 'sup');
    const kept = earlierRun(out, 'supervised');
    const r = await runSignalled(['train', 'supervised', '--overwrite', '--episodes', '600', '--steps', '2', '--warmup-steps', '1', '--out', out], /generating: 1\/4200/, 'SIGINT');
    expectInterrupted(r, 'SIGINT');
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe(kept);
    expect(existsSync(join(out, 'checkpoints', 'step-0000100', 'state.json'))).toBe(true);
  });

  it('SIGTERM while train supervised --overwrite trains, its old checkpoints removed, none of its own written: the old final model keeps its run.json', { timeout: 60_000 }, async () => {
    const out = join(tmpDir('af-interrupt'), 'sup');
    const kept = earlierRun(out, 'supervised');
    const args = ['train', 'supervised', '--overwrite', '--episodes', '1', '--steps', '100000', '--warmup-steps', '1', '--batch-size', '2', '--checkpoint-every', '100000', '--out', out];
    const r = await runSignalled(args, /supervised: 0\/100000 steps/, 'SIGTERM');
    expectInterrupted(r, 'SIGTERM');
    expect(existsSync(join(out, 'checkpoints', 'step-0000100'))).toBe(false); // started over: removed
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe(kept); // the final model left is the earlier run's
  });

  it('Ctrl-C while demo --fresh draws its suites: the demo it was to replace keeps its run.json and its results.json', { timeout: 60_000 }, async () => {
    const out = join(tmpDir('af-interrupt'), 'demo');
    const kept = earlierRun(out, 'demo', 'supervised');
    writeFileSync(join(out, 'results.json'), '{"the earlier demo": true}');
    const r = await runSignalled(['demo', '--quick', '--fresh', '--seed', '1', '--no-baselines', '--out', out], /generate suites: 1\//, 'SIGINT');
    expectInterrupted(r, 'SIGINT');
    // the finished supervised stage there is the replaced demo's: not named as kept by this one (src/demo/demo-stopped.ts)
    expect(r.stderr).toContain(`askfirst: interrupted; no checkpoint of this --fresh demo was written yet in ${out}; run the same command again to start over`);
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe(kept);
    // and its summary, moved aside as the --fresh demo started, is moved back (src/demo/fresh-summary.ts)
    expect(readFileSync(join(out, 'results.json'), 'utf8')).toBe('{"the earlier demo": true}');
    expect(existsSync(join(out, 'results.replaced.json'))).toBe(false);
  });
});

describe('an eval stopped by a signal', () => {
  it('Ctrl-C during the run: saves the finished episodes, says so, ends by SIGINT; the same command resumes and finishes with 0', { timeout: 90_000 }, async () => {
    const dir = tmpDir('af-interrupt');
    const suite = join(dir, 'suite');
    expect((await runSignalled(['suite', 'generate', '--episodes', '24', '--kinds', 'occlusion', '--no-progress', '--out', suite], undefined, 'SIGINT')).code).toBe(0);
    const out = join(dir, 'eval');
    const args = ['eval', '--data', suite, '--policy', `openai:${server.url}#fault`, '--mode', 'proactive', '--concurrency', '1', '--batch-size', '2', '--out', out];
    const results = join(out, 'proactive', 'results.jsonl');
    const saved = () => (existsSync(results) ? readFileSync(results, 'utf8').split('\n').filter(Boolean).length : 0);
    const r = await runSignalled(args, /fingerprinting/, 'SIGINT', () => saved() >= 2);
    expect(r.stderr).toContain('finished episodes are saved');
    expect(r.stderr).toContain('askfirst: run interrupted; re-run the same command to resume');
    expectInterrupted(r, 'SIGINT');
    const kept = saved();
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(24);
    const again = await runSignalled([...args, '--json'], undefined, 'SIGINT');
    expect(again.code).toBe(0);
    expect(saved()).toBe(24);
  });
});

const linesOf = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).length : 0);

describe('an eval stopped outside its runs: loading a policy, between two runs, reading the runs for the report', () => {
  /** Two occlusion episodes, and the eval of oracle then a scripted policy reading `replies` on them. */
  async function setUp(): Promise<{ dir: string; suite: string; replies: string; out: string; args: string[]; ids: string[] }> {
    const dir = tmpDir('af-interrupt');
    const suite = join(dir, 'suite');
    const ids = (await writeSuite(suite, generateSuite({ episodes: 2, kinds: ['occlusion'], seed: 1 }))).map((e) => e.id);
    const replies = join(dir, 'replies.jsonl');
    const out = join(dir, 'eval');
    return { dir, suite, replies, out, ids, args: ['eval', '--data', suite, '--policy', 'oracle', '--policy', `scripted:${replies}`, '--mode', 'proactive', '--no-progress', '--out', out] };
  }
  const repliesFor = (ids: readonly string[]) => ids.map((id) => JSON.stringify({ episode_id: id, replies: ['A'] }) + '\n').join('');

  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${sig} while the second policy loads: says the first one's run is saved and ends by the signal (${code} to a shell), not waiting on its read of the pipe; the same command then resumes it and runs the second`, { timeout: 60_000 }, async () => {
      const { replies, out, args, ids } = await setUp();
      namedPipe(replies); // the scripted policy reads it as it loads: held open here, it is still loading when the signal comes
      const r = await runSignalled(args, undefined, sig, undefined, (child) => inPipe(replies, child, sig));
      // ended by the signal once it said what it keeps, not waiting on its read of the pipe, which never returns (Node's
      // exit would wait for it)
      expectInterrupted(r, sig);
      expect(r.stderr).toContain(`askfirst: interrupted; the run of oracle is saved (${join(out, 'oracle')}); run the same command again to evaluate the rest (finished runs are resumed, not played again)`);
      expect(linesOf(join(out, 'oracle', 'proactive', 'results.jsonl'))).toBe(2);
      rmSync(replies);
      writeFileSync(replies, repliesFor(ids));
      const again = await runSignalled(args, undefined, sig);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('(2 resumed from an earlier run)'); // oracle's
      expect(linesOf(join(policyOutDirs(['oracle', `scripted:${replies}`], out)[1], 'proactive', 'results.jsonl'))).toBe(2);
      expect(existsSync(join(out, 'report.html'))).toBe(true);
    });
  }

  it('SIGTERM while the first policy loads: nothing was saved, ends by the signal (143 to a shell)', { timeout: 60_000 }, async () => {
    const { suite, replies, out } = await setUp();
    namedPipe(replies);
    const r = await runSignalled(['eval', '--data', suite, '--policy', `scripted:${replies}`, '--no-progress', '--out', out], undefined, 'SIGTERM', undefined, (child) => inPipe(replies, child, 'SIGTERM'));
    expect(r.stderr).toContain('askfirst: interrupted; nothing was saved (askfirst eval had not started its run yet); run the same command again');
    expectInterrupted(r, 'SIGTERM');
    expect(existsSync(out)).toBe(false);
  });

  it('Ctrl-C while the comparison report reads the runs and data: says every run is saved and the report is not written, ends by the signal (130 to a shell)', { timeout: 60_000 }, async () => {
    const { replies, out, args, ids } = await setUp();
    namedPipe(replies);
    const oracleResults = join(policyOutDirs(['oracle', `scripted:${replies}`], out)[0], 'proactive', 'results.jsonl');
    let records = Buffer.alloc(0);
    const r = await runSignalled(args, undefined, 'SIGINT', undefined, async (child) => {
      // while the second policy loads (the first run is over), the first run's results become a named pipe: the report
      // reads them again (the runs read only their own), so the command waits there, in the report's reading
      const replying = await open(replies, 'w');
      records = readFileSync(oracleResults);
      rmSync(oracleResults);
      namedPipe(oracleResults);
      await replying.writeFile(repliesFor(ids));
      await replying.close();
      await inPipe(oracleResults, child, 'SIGINT');
    });
    rmSync(oracleResults);
    writeFileSync(oracleResults, records);
    expect(r.stderr).toContain(`askfirst: interrupted; the runs of oracle, scripted:${replies} are saved (${policyOutDirs(['oracle', `scripted:${replies}`], out).join(', ')}); run the same command again to write the comparison report`);
    expectInterrupted(r, 'SIGINT');
    expect(linesOf(join(policyOutDirs(['oracle', `scripted:${replies}`], out)[1], 'proactive', 'results.jsonl'))).toBe(2);
    expect(existsSync(join(out, 'report.html'))).toBe(false);
  });
});

describe('askfirst report stopped by a signal', () => {
  it('SIGTERM while it reads the runs: says nothing was written, ends by the signal (143 to a shell)', { timeout: 60_000 }, async () => {
    const dir = tmpDir('af-interrupt');
    const suite = join(dir, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 2, kinds: ['occlusion'], seed: 1 }));
    const run = join(dir, 'run');
    expect((await runSignalled(['eval', '--data', suite, '--policy', 'oracle', '--mode', 'proactive', '--no-progress', '--out', run], undefined, 'SIGINT')).code).toBe(0);
    const results = join(run, 'proactive', 'results.jsonl');
    rmSync(results);
    namedPipe(results); // the report reads it: held open here, it is still reading when the signal comes
    const out = join(dir, 'report');
    const r = await runSignalled(['report', run, '--out', out], undefined, 'SIGTERM', undefined, (child) => inPipe(results, child, 'SIGTERM'));
    expect(r.stderr).toContain(`askfirst: interrupted; nothing was written (askfirst report writes ${out}/report.html and report.md last); run the same command again`);
    expectInterrupted(r, 'SIGTERM'); // not waiting on its read of the pipe, which never returns
    expect(existsSync(out)).toBe(false);
  });
});

/**
 * A shell script (or loop) whose askfirst command is stopped by Ctrl-C: the terminal sends SIGINT to the whole foreground
 * process group, the shell and askfirst alike, and bash stops the script only when its command died by SIGINT — one
 * that exited 130 is taken to have handled the Ctrl-C itself, and the script goes on ("wait and cooperative exit"). So
 * askfirst ends by the signal (cli/signals.ts `endBySignal`); it used to exit 130, and the script's next command (the
 * next seed of a loop) started.
 */
describe('a shell script whose askfirst command is stopped by Ctrl-C stops too', () => {
  const next = (askfirst: string, first: string) => `${askfirst} ${first}; echo "next command ran after status $?"`;

  it('stopped at once (a probe drawing its items): the script ends by SIGINT, its next command not run, what is kept said', { timeout: 60_000 }, async () => {
    const out = join(tmpDir('af-interrupt'), 'probe');
    const r = await runShellSignalled((askfirst) => next(askfirst, `probe hallucination --policy random --scenes 2000 --unseen-scenes 0 --open-scenes 0 --out ${shellQuote(out)}`), /generating items/, 'SIGINT');
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('askfirst: interrupted; nothing was saved (askfirst probe hallucination had not started its run yet); run the same command again');
    expectInterrupted(r, 'SIGINT', 'the shell');
  });

  it('stopped after its current batch (an eval run): the script ends by SIGINT once the run has saved its batches and said so', { timeout: 90_000 }, async () => {
    const dir = tmpDir('af-interrupt');
    const suite = join(dir, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 24, kinds: ['occlusion'], seed: 1 }));
    const out = join(dir, 'eval');
    const results = join(out, 'proactive', 'results.jsonl');
    const args = `eval --data ${shellQuote(suite)} --policy ${shellQuote(`openai:${server.url}#fault`)} --mode proactive --concurrency 1 --batch-size 2 --out ${shellQuote(out)}`;
    const r = await runShellSignalled((askfirst) => next(askfirst, args), /fingerprinting/, 'SIGINT', () => linesOf(results) >= 2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('finished episodes are saved');
    expect(r.stderr).toContain('askfirst: run interrupted; re-run the same command to resume'); // said last, once the run had stopped
    expectInterrupted(r, 'SIGINT', 'the shell');
    expect(linesOf(results)).toBeGreaterThan(0);
  });
  it('a server (askfirst serve): stopped by Ctrl-C once it listens, it closes, says so, and the script ends by SIGINT too', { timeout: 60_000 }, async () => {
    // its "… Ctrl-C stops" line to stderr, where the signal waits for it
    const r = await runShellSignalled((askfirst) => next(askfirst, 'serve --policy random --port 0 >&2'), /Ctrl-C stops/, 'SIGINT');
    expect(r.stderr).toContain('askfirst serve: stopped by Ctrl-C; connections closed');
    expect(r.stdout).toBe(''); // before: the server exited 0 and the script went on ("next command ran after status 0")
    expectInterrupted(r, 'SIGINT', 'the shell');
  });
});

/**
 * A reader more than a pipe's 64 KiB behind (`askfirst eval … 2>&1 | tee log` on a slow disk, a parent that reads
 * later): what askfirst writes then waits in Node, and an exit at once (`process.exit`) dropped it. Here the pipe is
 * filled first (64 KiB written into it by the shell before askfirst starts) and read only once askfirst was stopped.
 */
describe('a command stopped at once, its pipe full: what it said still reaches the reader', () => {
  it('Ctrl-C while eval loads its second policy: the first one\'s summary and "interrupted; …" arrive, then it ends by SIGINT', { timeout: 60_000 }, async () => {
    const dir = tmpDir('af-interrupt');
    const suite = join(dir, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 2, kinds: ['occlusion'], seed: 1 }));
    const replies = namedPipe(join(dir, 'replies.jsonl')); // the scripted policy waits on it as it loads
    const gate = namedPipe(join(dir, 'gate')); // the reader waits on it before it reads
    const pidFile = join(dir, 'pid');
    const askfirst = `${shellQuote(process.execPath)} ${shellQuote(bin)} eval --data ${shellQuote(suite)} --policy oracle --policy ${shellQuote(`scripted:${replies}`)} --mode proactive --no-progress --out ${shellQuote(join(dir, 'eval'))}`;
    const filled = join(dir, 'filled');
    const script = `{ ${fillPipe(filled)}; echo $BASHPID > ${shellQuote(pidFile)}; exec ${askfirst}; } 2>&1 | { read -r _ < ${shellQuote(gate)}; cat; }; echo "askfirst's status: \${PIPESTATUS[0]}" >&2`;
    const shell = spawn('bash', ['-c', script], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const group = () => {
      try {
        process.kill(-shell.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    };
    onTestFinished(group);
    let out = '';
    let err = '';
    shell.stdout.on('data', (b: Buffer) => (out += b.toString()));
    shell.stderr.on('data', (b: Buffer) => (err += b.toString()));
    await holdPipe(replies, shell); // askfirst has run oracle and printed its summary, into the full pipe
    const pid = Number(readFileSync(pidFile, 'utf8'));
    process.kill(pid, 'SIGINT');
    // the fixed command waits for its reader; the one that exited at once is gone within this
    for (let t = 0; t < 100 && alive(pid); t++) await new Promise((r) => setTimeout(r, 10));
    await writeFile(gate, 'read now\n');
    await exited(shell);
    const n = Number(readFileSync(filled, 'utf8'));
    expect(n).toBeGreaterThan(0);
    expect(out.slice(0, n)).toBe('.'.repeat(n));
    const said = out.slice(n);
    expect(said).toContain('oracle on ');
    expect(said).toContain(`summary: ${join(dir, 'eval', 'oracle', 'summary.json')}`);
    expect(said).toContain(`askfirst: interrupted; the run of oracle is saved (${join(dir, 'eval', 'oracle')})`);
    expect(err).toContain("askfirst's status: 130"); // the shell's 128 + SIGINT
  });

  it('an error (status 1) after the first policy\'s summary: the summary and the error\'s message arrive, then it exits 1', { timeout: 60_000 }, async () => {
    const dir = tmpDir('af-interrupt');
    const suite = join(dir, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 2, kinds: ['occlusion'], seed: 1 }));
    const replies = namedPipe(join(dir, 'replies.jsonl')); // the scripted policy reads it as it loads: the test gives it a bad line
    const gate = namedPipe(join(dir, 'gate'));
    const pidFile = join(dir, 'pid');
    const filled = join(dir, 'filled');
    const askfirst = `${shellQuote(process.execPath)} ${shellQuote(bin)} eval --data ${shellQuote(suite)} --policy oracle --policy ${shellQuote(`scripted:${replies}`)} --mode proactive --no-progress --out ${shellQuote(join(dir, 'eval'))}`;
    const script = `{ ${fillPipe(filled)}; echo $BASHPID > ${shellQuote(pidFile)}; exec ${askfirst}; } 2>&1 | { read -r _ < ${shellQuote(gate)}; cat; }; echo "askfirst's status: \${PIPESTATUS[0]}" >&2`;
    const shell = spawn('bash', ['-c', script], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    onTestFinished(() => {
      try {
        process.kill(-shell.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    });
    let out = '';
    let err = '';
    shell.stdout.on('data', (b: Buffer) => (out += b.toString()));
    shell.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const writer = await holdPipe(replies, shell); // askfirst has run oracle and printed its summary, into the full pipe
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await writer.write('not json\n');
    await writer.close();
    // a command that exits as soon as it has said the error is gone within this; one that waits for its reader is not
    for (let t = 0; t < 200 && alive(pid); t++) await new Promise((r) => setTimeout(r, 10));
    await writeFile(gate, 'read now\n');
    await exited(shell);
    const said = out.slice(Number(readFileSync(filled, 'utf8')));
    expect(said).toContain(`summary: ${join(dir, 'eval', 'oracle', 'summary.json')}`);
    expect(said).toContain(`askfirst: ${replies}:1: malformed JSON`);
    expect(err).toContain("askfirst's status: 1\n");
  });
});

/**
 * A reader gone, then Ctrl-C: askfirst's stdout reader closed (`| head`), so the command exits with 141
 * (cli/closed-pipe.ts) — but only once its stderr, a pipe filled first and read only after the test, has written what it
 * holds (`exitAfterOutput`), for up to 5 s of a reader taking nothing. A Ctrl-C meanwhile ends that wait at once with
 * the same 141 — by SIGPIPE itself, not held by the thread still blocked reading the second policy's replies (without
 * exitAfterOutput's own listener: after the 5 s) —, and the command's own handler (`stoppable`,
 * still listening between eval's two policies) leaves it so. Whether that handler said "askfirst: stopping …" or
 * "interrupted; …" cannot be seen from outside: such a line would wait behind the output the exit waits for, and the
 * exit at once drops it; that rule is tested in signals.test.ts ("a signal while the process is exiting") and
 * util/exit-after-output.test.ts (`onSignalUnlessExiting`). The real command in a shell.
 */
describe('a reader gone, then Ctrl-C', () => {
  it('eval whose stdout reader closed, waiting for its stderr, a thread blocked in a read: Ctrl-C ends it at once (141), saying nothing of stopping', { timeout: 60_000 }, async () => {
    const dir = tmpDir('af-interrupt');
    const suite = join(dir, 'suite');
    const episodes = generateSuite({ episodes: 2, kinds: ['occlusion'], seed: 1 });
    await writeSuite(suite, episodes);
    const replies = namedPipe(join(dir, 'replies.jsonl')); // the second policy waits on it as it loads
    const gate = namedPipe(join(dir, 'gate')); // stderr's reader waits on it before it reads
    const pidFile = join(dir, 'pid');
    const filled = join(dir, 'filled');
    const status = join(dir, 'status');
    // progress on: its first line goes to stderr, behind the pipe filled first, so the exit has output to wait for
    const askfirst = `${shellQuote(process.execPath)} ${shellQuote(bin)} eval --data ${shellQuote(suite)} --policy oracle --policy ${shellQuote(`scripted:${replies}`)} --mode proactive --out ${shellQuote(join(dir, 'eval'))}`;
    // askfirst's stdout (fd 3: the test's pipe, closed by the test at once) has no reader; its stderr is the gated pipe
    const script = `{ { ${fillPipe(filled)}; echo $BASHPID > ${shellQuote(pidFile)}; exec ${askfirst} 1>&3 3>&-; } 2>&1 | { read -r _ < ${shellQuote(gate)}; cat >&2; }; echo "\${PIPESTATUS[0]}" > ${shellQuote(status)}; } 3>&1`;
    const shell = spawn('bash', ['-c', script], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    onTestFinished(() => {
      try {
        process.kill(-shell.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    });
    shell.stdout.destroy(); // `| head` that has had its lines: the oracle's summary meets EPIPE
    let err = '';
    shell.stderr.on('data', (b: Buffer) => (err += b.toString()));
    // once it opens the second policy's replies, the oracle's summary has met its reader gone: the exit began. Held open,
    // nothing written: a thread of libuv's pool stays blocked in the read, which an exit with 141 waited for in Node's
    // exit for ever, Ctrl-C no longer heard (it ends by SIGPIPE instead: cli/closed-pipe.ts)
    await holdPipe(replies, shell);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 300)); // the command stands still (exiting), not exited
    expect(alive(pid)).toBe(true); // waiting for its stderr's reader, up to 5 s
    const signalled = Date.now();
    process.kill(pid, 'SIGINT');
    for (let t = 0; t < 300 && alive(pid); t++) await new Promise((r) => setTimeout(r, 10));
    const tookMs = Date.now() - signalled;
    expect(alive(pid), 'still running 3 s after the Ctrl-C: held in its exit').toBe(false);
    await writeFile(gate, 'read now\n');
    await exited(shell);
    expect(tookMs).toBeLessThan(2000); // at once, not after the 5 s a reader taking nothing is given
    expect(readFileSync(status, 'utf8')).toBe('141\n'); // the reader gone's status (by SIGPIPE), not the signal's 130
    const said = err.slice(Number(readFileSync(filled, 'utf8')));
    // what it still held (its progress) is dropped, as an exit at once drops it; a line a handler said would be
    // queued behind it and dropped too: what this guards is the status and the promptness
    expect(said).not.toContain('askfirst: stopping');
    expect(said).not.toContain('interrupted');
  });
});

/**
 * A shell command that fills its stdout, a pipe nobody reads yet, until a write would block (64 KiB on Linux with 4 KiB
 * pages, 1 MiB with 64 KiB pages, other sizes elsewhere or after F_SETPIPE_SZ), with dots, and writes how many to `count`.
 * Node makes the pipe non-blocking (a write that finds it full fails with EAGAIN) and puts it back as it was at its exit.
 */
function fillPipe(count: string): string {
  const fill = `const fs = require('fs'); process.stdout; let n = 0;
    for (const size of [4096, 1]) { const b = Buffer.alloc(size, 46); for (;;) { try { n += fs.writeSync(1, b); } catch (e) { if (e.code === 'EAGAIN') break; throw e; } } }
    fs.writeFileSync(${JSON.stringify(count)}, String(n));`;
  return `${shellQuote(process.execPath)} -e ${shellQuote(fill)}`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
