import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { guardRun } from './run-guard.js';
import { interruptedRunHint } from './train.js';
import { RunDir } from '../nn/run-dir.js';
import { buildProgram } from './main.js';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';

// process.exit is mocked in these tests: exit at once, as exitAfterOutput does when no output waits (its waiting is
// tested in util/exit-after-output.test.ts and, with the real command, interrupt.test.ts "its pipe full")
vi.mock('../util/exit-after-output.js', async (original) => ({ ...(await original<typeof import('../util/exit-after-output.js')>()), exitAfterOutput: (code: number) => process.exit(code) }));

afterEach(() => vi.restoreAllMocks());

describe('guardRun (train, demo)', () => {
  it('refuses a second run into the same --out while the first runs, naming it; the lock goes with the first', async () => {
    const out = join(tmpDir('af-guard'), 'run');
    await guardRun(out, 'askfirst demo', () => '', async () => {
      await expect(guardRun(out, 'askfirst demo', () => '', async () => 'second')).rejects.toThrow(
        new RegExp(`${out} is in use by another askfirst demo \\(pid ${process.pid} .*wait for it to finish or use another --out`),
      );
      writeFileSync(join(out, 'x'), '');
    });
    expect(existsSync(join(out, '.lock'))).toBe(false);
    expect(await guardRun(out, 'askfirst demo', () => '', async () => 'next')).toBe('next');
  });

  it('a train stage into an --out another process is training is refused (not invited to add --resume)', async () => {
    const out = join(tmpDir('af-guard-train'), 'sup');
    mkdirSync(join(out, 'checkpoints', 'step-0000010'), { recursive: true });
    writeFileSync(join(out, 'checkpoints', 'step-0000010', 'state.json'), '{}');
    const program = await buildProgram();
    program.exitOverride();
    await guardRun(out, 'askfirst train supervised', () => '', async () => {
      for (const extra of [[], ['--resume']])
        await expect(program.parseAsync(['node', 'askfirst', 'train', 'supervised', '--out', out, '--steps', '1', ...extra])).rejects.toThrow(/is in use by another askfirst train supervised/);
    });
  });

  it('Ctrl-C (and SIGTERM) says what is kept and how to continue, releases the lock and exits non-zero', async () => {
    const out = join(tmpDir('af-guard-int'), 'run');
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      said.push(String(s));
      return true;
    });
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const before = process.listenerCount('SIGINT');
    await guardRun(out, 'askfirst train supervised', () => 'HINT', async () => {
      process.emit('SIGINT');
      expect(exit).toHaveBeenLastCalledWith(130);
      expect(existsSync(join(out, '.lock'))).toBe(false);
      expect(existsSync(out)).toBe(false); // created by the call and left empty: removed before the exit too
      expect(process.listenerCount('SIGINT')).toBe(before); // exiting, it stops listening: a further signal ends it at once
    });
    await guardRun(out, 'askfirst train supervised', () => 'HINT', async () => {
      process.emit('SIGTERM');
      expect(exit).toHaveBeenLastCalledWith(143);
    });
    expect(said.join('')).toContain('askfirst: interrupted; HINT');
    expect(process.listenerCount('SIGINT')).toBe(before);
    expect(existsSync(out)).toBe(false); // created by the call and left empty: removed
  });

  it('the hint of an interrupted training run names its latest complete checkpoint and --resume', () => {
    const out = join(tmpDir('af-guard-hint'), 'rl');
    expect(interruptedRunHint(out, true, false)).toMatch(/no checkpoint was written yet; run the same command again to start over/);
    for (const s of ['step-0000025', 'step-0000050']) mkdirSync(join(out, 'checkpoints', s), { recursive: true });
    writeFileSync(join(out, 'checkpoints', 'step-0000025', 'state.json'), '{}'); // step 50 is incomplete: not resumed from
    expect(interruptedRunHint(out, true, false)).toBe(`${out} keeps the run up to its latest checkpoint (checkpoints/step-0000025); run the same command with --resume to continue from there`);
    expect(interruptedRunHint(out, true, true)).toMatch(/run the same command again to continue from there/);
    expect(interruptedRunHint(out, false, false)).toMatch(/run the same command with --overwrite to start over/);
  });
});

describe("the hint of a run started over (--overwrite) in a folder that holds an earlier run's final model", () => {
  it("names that model and what a re-run does, before its first checkpoint and after (it said 'no checkpoint was written yet', or 'had finished')", () => {
    const out = join(tmpDir('af-guard-hint'), 'sup');
    mkdirSync(join(out, 'final'), { recursive: true });
    writeFileSync(join(out, 'final', 'config.json'), '{}');
    const run = new RunDir(out);
    const held = run.contents(); // what --overwrite found: the earlier run finished (its checkpoints then removed)
    expect(interruptedRunHint(out, true, false, held)).toBe(
      `no checkpoint of this run was written yet; ${out} still holds the earlier run's final model (${join(out, 'final')}), its checkpoints removed; run the same command again to start over (that model is replaced when the new run ends)`,
    );
    run.saveCheckpoint(20, (d) => writeFileSync(join(d, 'model.safetensors'), 'w'), { step: 20 });
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(out, 'final', 'config.json'), old, old); // written before this run's checkpoint
    expect(interruptedRunHint(out, true, false, held)).toBe(
      `${out} keeps this run up to its latest checkpoint (checkpoints/step-0000020) beside the earlier run's final model (${join(out, 'final')}), which it replaces when it ends; run the same command with --resume instead of --overwrite to continue from the checkpoint`,
    );
    expect(interruptedRunHint(out, true, true)).toMatch(/beside the earlier run's final model .*; run the same command again to continue from the checkpoint$/);
  });
});

describe('export and suite generate take the run lock on --out', () => {
  it('a second run into an --out another one is writing is refused, naming it; alone, each leaves no lock behind', async () => {
    const dir = tmpDir('af-guard-export');
    const suite = join(dir, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 1, kinds: ['sketch'], size: 32 }));
    const program = await buildProgram();
    program.exitOverride();
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true); // their "wrote …" lines
    const exportTo = (out: string) => program.parseAsync(['node', 'askfirst', 'export', '--data', suite, '--out', out, '--no-parquet', '--no-progress', '--overwrite']);
    const generate = (out: string) => program.parseAsync(['node', 'askfirst', 'suite', 'generate', '--out', out, '--episodes', '1', '--kinds', 'sketch', '--size', '32', '--no-progress']);
    for (const [what, run] of [['askfirst export', exportTo], ['askfirst suite generate', generate]] as const) {
      const out = join(dir, what.replace(/ /g, '-'));
      await guardRun(out, what, () => '', async () => {
        await expect(run(out)).rejects.toThrow(new RegExp(`${out} is in use by another ${what} \\(pid ${process.pid} on .*wait for it to finish or use another --out`));
      });
      await run(out); // a new --out
      await run(out); // again: an earlier export is replaced (--overwrite), a suite written again
      expect(readdirSync(out).filter((n) => n.startsWith('.'))).toEqual([]);
      expect(readdirSync(out)).toContain(what === 'askfirst export' ? 'train.jsonl' : 'episodes.jsonl');
    }
  }, 60_000);
});
