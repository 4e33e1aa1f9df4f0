/**
 * `askfirst eval` holds no suite whole (docs/hardening.md, "Memory on large data"): each pass — the fingerprint, the
 * oracle's plans, each mode's play — reads episodes.jsonl again a line at a time (suite/open.ts openData), the oracle
 * keeps a plan per episode, not the episode, and the results store keeps no record (eval/store.ts finish reads them
 * back in the episodes' order). It held every episode (and every record) before.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startFaultServer } from '../testing/fault-server.js';
import { paddedProactiveBenchSuites, paddedSuites } from '../testing/padded-suites.js';
import { tmpDir } from '../testing/tmp.js';
import { packageRoot } from '../util/package-root.js';
import { runEval } from './eval.js';
import { EvalCommandSchema } from './eval-schema.js';

/** `askfirst eval ARGS` in a child process whose heap is 64 MB. */
const evalIn64MB = (args: string[]) => promisify(execFile)(process.execPath, ['--max-old-space-size=64', join(packageRoot(), 'bin', 'askfirst.js'), 'eval', '--batch-size', '8', '--no-progress', ...args]);

describe('askfirst eval at scale', () => {
  it('reads the episodes a line at a time: 128 MB of episodes go through a 64 MB heap, and the records are the same', async () => {
    const dir = tmpDir('askfirst-eval-heap');
    await paddedSuites(dir);
    await evalIn64MB(['--policy', 'oracle', '--data', join(dir, 'padded'), '--out', join(dir, 'out-padded')]);
    await expectOracleAsPlain(dir, 'plain', 512);
  }, 120_000);

  it("reads ProactiveBench's layout a line at a time too: 128 MB of its episodes go through a 64 MB heap, the records the same", async () => {
    const dir = tmpDir('askfirst-eval-heap-pb');
    await paddedProactiveBenchSuites(dir);
    await evalIn64MB(['--policy', 'oracle', '--data', join(dir, 'pb-padded'), '--out', join(dir, 'out-padded')]);
    await expectOracleAsPlain(dir, 'pb-plain', 7 * 74);
  }, 120_000);

  it('plays open-ended mode a batch at a time: 128 MB of episodes go through a 64 MB heap, the records the same', async () => {
    const dir = tmpDir('askfirst-eval-heap-open');
    await paddedSuites(dir);
    // a judge that finds the first answer only (a suggestion where the first view has one, else the category)
    const judge = await startFaultServer({ answer: (text) => `VERDICT: ${[...text.matchAll(/^\d+\. .*$/gm)].map((_, i) => (i === 0 ? 1 : 0)).join(',')}` });
    try {
      const open = ['--mode', 'open', '--judge', `openai:${judge.url}#judge`, '--policy', 'constant:Move the block'];
      await evalIn64MB([...open, '--data', join(dir, 'padded'), '--out', join(dir, 'out-padded')]);
      await evalIn64MB([...open, '--data', join(dir, 'plain'), '--out', join(dir, 'out-plain')]);
    } finally {
      await judge.close();
    }
    const results = (run: string) => readFileSync(join(dir, run, 'open', 'results.jsonl'), 'utf8');
    expect(results('out-padded').split('\n').length).toBe(513);
    expect(results('out-padded')).toBe(results('out-plain'));
    const summary = (run: string) => (JSON.parse(readFileSync(join(dir, run, 'open', 'summary.json'), 'utf8')) as { summary: { aggregateRate: number } }).summary;
    expect(summary('out-padded')).toEqual(summary('out-plain'));
    expect(summary('out-padded').aggregateRate).toBeGreaterThan(0);
  }, 120_000);

  it('keeps no record whole: a re-run over 100 MB of records (a 96 KiB reply each, two modes) goes through a 64 MB heap', async () => {
    const dir = tmpDir('askfirst-eval-heap-records');
    const ids = await paddedSuites(dir, ['plain']);
    // each episode ends on the reply (it names no option): its record holds it, and each record read back is a copy
    const policy = `constant:${'y'.repeat(96 * 1024)}`;
    const out = join(dir, 'out');
    await runEval(EvalCommandSchema.parse({ policy: [policy], batchSize: 8, progress: false, json: true, data: join(dir, 'plain'), out }), () => undefined);
    const results = (mode: string) => readFileSync(join(out, mode, 'results.jsonl'), 'utf8');
    const played = { proactive: results('proactive'), reference: results('reference') };
    // the same command again: every episode resumed, read back from results.jsonl (which it held whole, each mode's)
    const { stdout } = await evalIn64MB(['--policy', policy, '--data', join(dir, 'plain'), '--out', out]);
    expect(stdout).toContain('proactive mode, 512 episodes (512 resumed from an earlier run)');
    expect(stdout).toContain(`512 episode(s) ended on a reply that names no option (neither its text nor its letter), e.g.:\n  ${ids[0]} turn 0: "yyy`);
    for (const mode of ['proactive', 'reference'] as const) {
      expect(results(mode)).toBe(played[mode]);
      expect(played[mode].trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(ids); // in the episodes' order
    }
  }, 120_000);
});

/**
 * The oracle's eval of the unpadded copy `plain` (in-process) against out-padded's: the same `n` records in each mode, in
 * the episodes' order, byte for byte, and the same summary figures.
 */
async function expectOracleAsPlain(dir: string, plain: string, n: number): Promise<void> {
  await runEval(EvalCommandSchema.parse({ policy: ['oracle'], batchSize: 8, progress: false, json: true, data: join(dir, plain), out: join(dir, 'out-plain') }), () => undefined);
  for (const mode of ['proactive', 'reference']) {
    const results = (run: string) => readFileSync(join(dir, run, mode, 'results.jsonl'), 'utf8');
    expect(results('out-padded').split('\n').length).toBe(n + 1);
    expect(results('out-padded')).toBe(results('out-plain'));
  }
  const summary = (run: string) => {
    const { modes, intervals } = JSON.parse(readFileSync(join(dir, run, 'summary.json'), 'utf8')) as Record<string, unknown>;
    return { modes, intervals };
  };
  expect(summary('out-padded')).toEqual(summary('out-plain'));
}
