/**
 * No command writes beside or over another's output (outputs/out-owner.ts): `suite generate`, `train`, `demo`, `eval`,
 * `export` and the probes, each given an --out that holds what another wrote (made here by the commands themselves), are
 * refused before any work in one line naming what it holds, and the folder is left as it was; before, all but a few
 * pairs wrote into it (eval's proactive/ and summary.json beside a suite, a training run's train.jsonl over an export's).
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../cli/main.js';
import { heldOutputs, layoutsIn, refuseOtherLayout, refuseOthersOutput, type OutWriter } from './out-owner.js';
import { tmpDir } from '../testing/tmp.js';
import { guardRun } from '../cli/run-guard.js';
import { keepRunSettings } from '../util/run-settings.js';
import { DEMO_RL_RUN, DEMO_SUPERVISED_RUN } from '../demo/demo-stage-run.js';
import { FEEDBACK_DEMO_RUN } from '../demo/feedback-config.js';

async function run(args: string[]): Promise<void> {
  const program = await buildProgram();
  program.exitOverride();
  program.commands.forEach((c) => c.exitOverride());
  await program.parseAsync(['node', 'askfirst', ...args]);
}

/** Every file under `dir` with its size and modification time: what a refused command must leave as it was. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).map((e) => {
    const p = join(e.parentPath, e.name);
    const s = statSync(p);
    return `${p} ${e.isDirectory() ? 'dir' : `${s.size} ${s.mtimeMs}`}`;
  });
}

const root = tmpDir('askfirst-owners');
const at = (name: string) => join(root, name);
const quiet = ['--no-progress'];
const suiteArgs = ['--episodes', '1', '--kinds', 'camera', '--size', '32', ...quiet];

/** The folders each command wrote, by name, and what the refusal says they hold. */
const HOLDERS: Record<string, { writer: OutWriter; holds: RegExp }> = {
  suite: { writer: 'suite generate', holds: /a suite \(\S+suite\.json\)/ },
  'suite-pb': { writer: 'suite generate', holds: /a suite in ProactiveBench's layout \(\S+_preprocessed\.jsonl\)/ },
  train: { writer: 'train', holds: /a supervised run of askfirst train \(\S+run\.json\)/ },
  demo: { writer: 'demo', holds: /a demo run \(\S+run\.json\)/ },
  'demo/rl': { writer: 'train', holds: /the rl stage of an askfirst demo \(\S+rl\/run\.json\)/ },
  'feedback-demo': { writer: 'feedback demo', holds: /a run of askfirst feedback demo \(\S+run\.json\)/ },
  eval: { writer: 'eval', holds: /the results of askfirst eval \(\S+summary\.json\)/ },
  'eval-several': { writer: 'eval', holds: /the results of askfirst eval \(\S+oracle\/summary\.json\)/ },
  'eval-stopped': { writer: 'eval', holds: /the results of askfirst eval \(\S+proactive\/run\.json\)/ },
  export: { writer: 'export', holds: /an export of askfirst export \(\S+README\.md\)/ },
  'probe-hall': { writer: 'probe hallucination', holds: /the results of askfirst probe hallucination \(\S+summary\.json\)/ },
  'probe-inj': { writer: 'probe injection', holds: /the results of askfirst probe injection \(\S+summary\.json\)/ },
};

/** Each command, with everything but --out; --data names a folder that is not there: a refusal comes before it is read. */
const nowhere = at('no-data-here');
const WRITERS: { writer: OutWriter; command: string; args: string[] }[] = [
  { writer: 'suite generate', command: 'suite generate', args: ['suite', 'generate', ...suiteArgs] },
  { writer: 'train', command: 'train supervised', args: ['train', 'supervised', '--steps', '2', '--warmup-steps', '1', '--episodes', '2', '--batch-size', '8', '--size', '32', '--report-to', 'none', ...quiet] },
  { writer: 'train', command: 'train rl', args: ['train', 'rl', '--init', nowhere, '--data', nowhere, ...quiet] },
  { writer: 'demo', command: 'demo', args: ['demo', '--seeds', '0', '--aggregate-only', ...quiet] }, // refused before the first line of work: the same for every demo
  { writer: 'feedback demo', command: 'feedback demo', args: ['feedback', 'demo', '--init', nowhere, ...quiet] },
  { writer: 'eval', command: 'eval', args: ['eval', '--policy', 'oracle', '--data', nowhere, ...quiet] },
  { writer: 'export', command: 'export', args: ['export', '--format', 'trl', '--data', nowhere, ...quiet] },
  { writer: 'probe hallucination', command: 'probe hallucination', args: ['probe', 'hallucination', '--policy', 'random:1', ...quiet] },
  { writer: 'probe injection', command: 'probe injection', args: ['probe', 'injection', '--policy', 'random:1', ...quiet] },
];

beforeAll(async () => {
  await run(['suite', 'generate', ...suiteArgs, '--out', at('suite')]);
  await run(['suite', 'generate', ...suiteArgs, '--format', 'proactivebench', '--out', at('suite-pb')]);
  await run(['train', 'supervised', '--steps', '2', '--warmup-steps', '1', '--episodes', '2', '--batch-size', '8', '--size', '32', '--report-to', 'none', '--checkpoint-every', '1', ...quiet, '--out', at('train')]);
  mkdirSync(at('demo'));
  keepRunSettings(at('demo'), {}, { run: 'demo', resuming: false, startOver: 'add --fresh' }); // what a demo writes first
  mkdirSync(at('demo/rl'));
  keepRunSettings(at('demo/rl'), { init: { shown: 'x', id: 'y' } }, { run: DEMO_RL_RUN, resuming: false, startOver: '' }); // what a demo's RL stage writes first (rl-runs.ts)
  mkdirSync(at('feedback-demo'));
  keepRunSettings(at('feedback-demo'), {}, { run: FEEDBACK_DEMO_RUN, resuming: false, startOver: '' }); // what a feedback demo writes first
  const evalArgs = ['eval', '--data', at('suite'), '--mode', 'proactive', '--json', ...quiet];
  await run([...evalArgs, '--policy', 'oracle', '--out', at('eval')]);
  await run([...evalArgs, '--policy', 'oracle', '--policy', 'random:1', '--out', at('eval-several')]);
  // an eval stopped before its summary: one mode's run.json (and its results so far)
  mkdirSync(at('eval-stopped/proactive'), { recursive: true });
  writeFileSync(at('eval-stopped/proactive/run.json'), readFileSync(at('eval/proactive/run.json')));
  await run(['export', '--format', 'trl', '--data', at('suite'), ...quiet, '--out', at('export')]);
  const probe = ['--policy', 'random:1', '--json', ...quiet];
  await run(['probe', 'hallucination', ...probe, '--scenes', '2', '--unseen-scenes', '2', '--open-scenes', '0', '--out', at('probe-hall')]);
  await run(['probe', 'injection', ...probe, '--episodes', '1', '--kinds', 'camera', '--out', at('probe-inj')]);
}, 120_000);

describe("every command given another command's --out", () => {
  it('is refused before any work, in one line naming what the folder holds, and the folder is left as it was', async () => {
    const refused: string[] = [];
    for (const w of WRITERS) {
      for (const [name, held] of Object.entries(HOLDERS)) {
        if (held.writer === w.writer) continue;
        const before = snapshot(at(name));
        const pair = `${w.command} --out ${name}`;
        await expect(run([...w.args, '--out', at(name)]), pair).rejects.toThrow(new RegExp(`^--out ${at(name)} holds ${held.holds.source}; askfirst ${w.command} would write into it: choose another --out$`));
        expect(snapshot(at(name)), pair).toEqual(before);
        refused.push(pair);
      }
    }
    expect(refused).toHaveLength(94); // 9 commands × the 12 folders, less each one's own (suite generate 2, train supervised and rl 2 each, demo 1, feedback demo 1, eval 3, export 1, probes 1 each)
  });

  it("tells each folder by what its command wrote, and an empty folder, or one of files no command writes, by nothing", () => {
    for (const [name, held] of Object.entries(HOLDERS)) expect(heldOutputs(at(name)).map((h) => h.writer), name).toContain(held.writer);
    expect(heldOutputs(at('train')).map((h) => h.writer)).toEqual(['train']);
    const empty = at('empty');
    mkdirSync(empty);
    const mine = at('unrelated');
    mkdirSync(join(mine, '.git'), { recursive: true });
    writeFileSync(join(mine, 'README.md'), '# my notes\n');
    writeFileSync(join(mine, 'notes.txt'), 'x');
    for (const dir of [empty, mine, at('missing'), join(at('suite'), 'suite.json')]) {
      expect(heldOutputs(dir), dir).toEqual([]);
      for (const w of WRITERS) expect(() => refuseOthersOutput([dir], w.writer), `${w.command} ${dir}`).not.toThrow();
    }
  });

  it('a demo keeps writing its stages into subfolders of its own --out: a training run and eval results there are its own', () => {
    // what the demo's --out holds part-way (supervised/, eval/<name>/) is the demo's, and each stage's folder is its command's
    expect(heldOutputs(at('demo')).map((h) => h.writer)).toEqual(['demo']);
    expect(() => refuseOthersOutput([at('demo')], 'demo')).not.toThrow();
    expect(() => refuseOthersOutput([at('train')], 'train')).not.toThrow();
    expect(() => refuseOthersOutput([at('eval'), join(at('eval-several'), 'oracle')], 'eval')).not.toThrow();
  });

  it("a feedback demo's folder and a demo's RL stage are named as what they are, not as runs of askfirst train", () => {
    expect(heldOutputs(at('feedback-demo'))).toEqual([{ writer: 'feedback demo', what: 'a run of askfirst feedback demo', evidence: join(at('feedback-demo'), 'run.json') }]);
    expect(heldOutputs(at('demo/rl'))).toEqual([{ writer: 'train', what: 'the rl stage of an askfirst demo', evidence: join(at('demo/rl'), 'run.json') }]);
    const sup = at('demo/supervised');
    keepRunSettings(sup, { steps: 1 }, { run: DEMO_SUPERVISED_RUN, resuming: false, startOver: '' }); // what a demo's supervised stage writes first (supervised-run.ts)
    expect(heldOutputs(sup)).toEqual([{ writer: 'train', what: 'the supervised stage of an askfirst demo', evidence: join(sup, 'run.json') }]);
    // one an older demo left, without its own run.json: known by its place (was "a training run of askfirst train")
    const old = at('demo-old/supervised');
    mkdirSync(join(old, 'final'), { recursive: true });
    keepRunSettings(at('demo-old'), {}, { run: 'demo', resuming: false, startOver: 'add --fresh' });
    expect(heldOutputs(old)).toEqual([{ writer: 'train', what: 'the supervised stage of an askfirst demo', evidence: join(old, 'final') }]);
    // a supervised/ folder under anything else is a training run, as before
    const lone = at('not-a-demo/supervised');
    mkdirSync(join(lone, 'final'), { recursive: true });
    expect(heldOutputs(lone)).toEqual([{ writer: 'train', what: 'a training run of askfirst train', evidence: join(lone, 'final') }]);
    // a feedback demo over several seeds: one run per seed-<n>/
    const seeds = at('feedback-seeds');
    mkdirSync(join(seeds, 'seed-0'), { recursive: true });
    keepRunSettings(join(seeds, 'seed-0'), {}, { run: FEEDBACK_DEMO_RUN, resuming: false, startOver: '' });
    expect(() => refuseOthersOutput([seeds], 'train', 'train rl')).toThrow(`--out ${seeds} holds a run of askfirst feedback demo (${join(seeds, 'seed-0', 'run.json')}); askfirst train rl would write into it: choose another --out`);
  });

  it("a newer askfirst's run.json or eval results are named so, not read as today's (which named them another command's, or nobody's): every command is refused", async () => {
    const newer = (name: string, file: string, value: Record<string, unknown>) => {
      mkdirSync(join(at(name), file, '..'), { recursive: true });
      writeFileSync(join(at(name), file), JSON.stringify(value));
      return join(at(name), file);
    };
    const cases: [string, string, string][] = [
      // fields a newer askfirst may have renamed: nobody's output before, so any command wrote into it
      [newer('newer-run', 'run.json', { format: 'askfirst-run', version: 2, stage: 'supervised', options: {} }), 'a run made by a newer askfirst (askfirst-run version 2)', 'newer-run'],
      // the same fields, which may mean something else now: "a demo run" before, so demo took it as its own
      [newer('newer-demo', 'run.json', { format: 'askfirst-run', version: 2, run: 'demo', settings: {} }), 'a run made by a newer askfirst (askfirst-run version 2)', 'newer-demo'],
      [newer('newer-stopped', 'proactive/run.json', { format: 'askfirst-results-run', version: 2, data: { fingerprint: 'x' } }), 'results made by a newer askfirst (askfirst-results-run version 2)', 'newer-stopped'],
    ];
    for (const [file, what, name] of cases) {
      expect(heldOutputs(at(name)), name).toEqual([{ writer: 'a newer askfirst', what, evidence: file }]);
      for (const w of WRITERS) {
        expect(() => refuseOthersOutput([at(name)], w.writer, w.command), `${w.command} ${name}`).toThrow(`--out ${at(name)} holds ${what} (${file}); askfirst ${w.command} would write into it: upgrade askfirst to use it, or choose another --out`);
      }
    }
    // eval's summary.json, by its format, whatever fields a newer one holds (without the data's fingerprint: nobody's before)
    const summary = newer('newer-eval', 'summary.json', { format: 'askfirst-eval-summary', version: 2, data: { fingerprint: 'x' } });
    expect(heldOutputs(at('newer-eval'))).toEqual([{ writer: 'a newer askfirst', what: 'results made by a newer askfirst (askfirst-eval-summary version 2)', evidence: summary }]);
    // through the command: refused before any work, the folder as it was
    const before = snapshot(at('newer-demo'));
    await expect(run([...WRITERS[1].args, '--out', at('newer-demo')])).rejects.toThrow(/^--out \S+newer-demo holds a run made by a newer askfirst \(askfirst-run version 2\) \(\S+run\.json\); askfirst train supervised would write into it: upgrade askfirst to use it, or choose another --out$/);
    expect(snapshot(at('newer-demo'))).toEqual(before);
  });

  it("eval (--overwrite too) over results whose summary.json a newer askfirst wrote, its modes' run.json this one's: refused, the folder as it was (was: replaced without a word)", async () => {
    const out = at('newer-summary');
    const evalArgs = ['eval', '--data', at('suite'), '--mode', 'proactive', '--policy', 'oracle', '--json', ...quiet, '--out', out];
    await run(evalArgs);
    const file = join(out, 'summary.json');
    writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, 'utf8')) as object), version: 2 }));
    expect((JSON.parse(readFileSync(join(out, 'proactive', 'run.json'), 'utf8')) as { version: number }).version).toBe(1);
    const before = snapshot(out);
    for (const more of [['--overwrite'], []]) {
      await expect(run([...evalArgs, ...more])).rejects.toThrow(`--out ${out} holds results made by a newer askfirst (askfirst-eval-summary version 2) (${file}); askfirst eval would write into it: upgrade askfirst to use it, or choose another --out`);
      expect(snapshot(out)).toEqual(before);
    }
  });

  it("demo --no-baselines is not refused over a newer askfirst's baseline stage, which it leaves alone (seed-<n>/'s too); with the baselines it is", async () => {
    const out = at('newer-baseline');
    mkdirSync(join(out, 'seed-0', 'baseline-rp1.0', 'final'), { recursive: true });
    keepRunSettings(join(out, 'seed-0'), {}, { run: 'demo', resuming: false, startOver: '' });
    const file = join(out, 'seed-0', 'baseline-rp1.0', 'final', 'config.json');
    writeFileSync(file, JSON.stringify({ format: 'askfirst-checkpoint', version: 2 }));
    // refused before any work, or, past the check, by the lock held here (no demo runs)
    const demo = (more: string[]) => guardRun(out, 'askfirst demo', () => '', () => run(['demo', '--seeds', '0', ...more, ...quiet, '--out', out]));
    const inUse = `${out} is in use by another askfirst demo (pid`;
    await expect(demo([])).rejects.toThrow(`--out ${out} holds a run made by a newer askfirst (askfirst-checkpoint version 2) (${file}); askfirst demo would write into it`);
    await expect(demo(['--no-baselines'])).rejects.toThrow(inUse); // was: refused, naming the baseline's config.json
    // another stage of the demo is still refused with --no-baselines
    const rl = join(out, 'seed-0', 'rl', 'final', 'config.json');
    mkdirSync(join(rl, '..'), { recursive: true });
    writeFileSync(rl, JSON.stringify({ format: 'askfirst-checkpoint', version: 2 }));
    await expect(demo(['--no-baselines'])).rejects.toThrow(`--out ${out} holds a run made by a newer askfirst (askfirst-checkpoint version 2) (${rl}); askfirst demo would write into it`);
    // --aggregate-only takes up and writes no stage (it reads each seed's results.json): past the check, to the lock
    await expect(demo(['--aggregate-only'])).rejects.toThrow(inUse);
  });

  it("a run a newer askfirst wrote is refused by its model's or checkpoint's files too, and a demo's by its stages' (seed-<n>/'s too): train --overwrite and demo --fresh replaced them without a word", async () => {
    const newer = (dir: string, file: string, format: string) => {
      mkdirSync(join(dir, file, '..'), { recursive: true });
      writeFileSync(join(dir, file), JSON.stringify({ format, version: 2 }));
      return join(dir, file);
    };
    const ours = (dir: string, run: string) => {
      mkdirSync(dir, { recursive: true });
      keepRunSettings(dir, {}, { run, resuming: false, startOver: '' });
    };
    const byModel = at('newer-model');
    ours(byModel, 'supervised');
    const model = newer(byModel, 'final/config.json', 'askfirst-checkpoint');
    const byState = at('newer-state');
    const state = newer(byState, 'checkpoints/step-0000004/state.json', 'askfirst-checkpoint-state');
    const demo = at('newer-stage');
    ours(demo, 'demo');
    const stage = newer(demo, 'supervised/run.json', 'askfirst-run');
    const seeds = at('newer-seed-stage');
    ours(join(seeds, 'seed-0'), 'demo');
    const seedStage = newer(join(seeds, 'seed-0'), 'rl/checkpoints/step-0000002/config.json', 'askfirst-checkpoint');
    const cases: [string, string, string][] = [
      [byModel, model, 'askfirst-checkpoint'],
      [byState, state, 'askfirst-checkpoint-state'],
      [demo, stage, 'askfirst-run'],
      [seeds, seedStage, 'askfirst-checkpoint'],
    ];
    for (const [dir, file, format] of cases) {
      const what = `a run made by a newer askfirst (${format} version 2)`;
      expect(heldOutputs(dir), dir).toContainEqual({ writer: 'a newer askfirst', what, evidence: file });
      for (const w of WRITERS) {
        expect(() => refuseOthersOutput([dir], w.writer, w.command), `${w.command} ${dir}`).toThrow(`--out ${dir} holds ${what} (${file}); askfirst ${w.command} would write into it: upgrade askfirst to use it, or choose another --out`);
      }
    }
    // a demo's subfolder is read as a stage, another command's is not: a newer run beside eval's results is not eval's to refuse
    const beside = at('newer-beside');
    newer(beside, 'other/final/config.json', 'askfirst-checkpoint');
    expect(heldOutputs(beside)).toEqual([]);
    // through the commands that replace a run: refused before any work, the folder as it was
    for (const [args, dir] of [
      [[...WRITERS[1].args, '--overwrite', '--out', byModel], byModel],
      [['demo', '--quick', '--fresh', ...quiet, '--out', demo], demo],
      [['demo', '--quick', '--fresh', '--seeds', '0', ...quiet, '--out', seeds], seeds],
    ] as [string[], string][]) {
      const before = snapshot(dir);
      await expect(run(args), dir).rejects.toThrow(/holds a run made by a newer askfirst \(askfirst-[a-z-]+ version 2\) \(\S+\); askfirst (train supervised|demo) would write into it: upgrade askfirst to use it, or choose another --out$/);
      expect(snapshot(dir)).toEqual(before);
    }
  });

  it("suite generate and eval refuse their own output in the other layout (a suite's two formats, eval's one and several --policy), and take it in the same", async () => {
    const evalArgs = ['eval', '--data', at('suite'), '--mode', 'proactive', '--json', ...quiet];
    const oracle = join(at('eval-several'), 'oracle');
    const cases: [string[], string, string][] = [
      [[...evalArgs, '--policy', 'oracle', '--out', at('eval-several')], `the results of an askfirst eval of several --policy, a folder each (${join(oracle, 'summary.json')}); askfirst eval writes one --policy's results into --out itself, which would mix the two: choose another --out, or that policy's own folder (${oracle}) to resume its run`, 'eval-several'],
      [[...evalArgs, '--policy', 'oracle', '--policy', 'random:1', '--out', at('eval')], `the results of an askfirst eval of one --policy (${join(at('eval'), 'summary.json')}); askfirst eval writes a folder per --policy and a report comparing them, which would mix the two: choose another --out`, 'eval'],
      [[...evalArgs, '--policy', 'oracle', '--policy', 'random:1', '--out', at('eval-stopped')], `the results of an askfirst eval of one --policy (${join(at('eval-stopped'), 'proactive', 'run.json')}); askfirst eval writes a folder per --policy and a report comparing them, which would mix the two: choose another --out`, 'eval-stopped'],
      [['suite', 'generate', ...suiteArgs, '--out', at('suite-pb')], `a suite in ProactiveBench's layout (${join(at('suite-pb'), 'coco2014_preprocessed.jsonl')}); askfirst suite generate writes a suite in askfirst's own layout (--format own), which would mix the two: choose another --out, or give --format proactivebench to replace that suite`, 'suite-pb'],
      [['suite', 'generate', ...suiteArgs, '--format', 'proactivebench', '--out', at('suite')], `a suite in askfirst's own layout (${join(at('suite'), 'suite.json')}); askfirst suite generate writes a suite in ProactiveBench's layout (--format proactivebench), which would mix the two: choose another --out, or give --format own to replace that suite`, 'suite'],
    ];
    for (const [args, holds, name] of cases) {
      const before = snapshot(at(name));
      // each wrote into the folder and exited 0: summary.json and proactive/ beside the policies' folders, episodes.jsonl beside coco2014_preprocessed.jsonl
      await expect(run(args), args.join(' ')).rejects.toThrow(`--out ${at(name)} holds ${holds}`);
      expect(snapshot(at(name)), name).toEqual(before);
    }
    const layouts = (dir: string) => [...new Set(layoutsIn(dir).map((l) => l.layout))];
    expect([layouts(at('eval-several')), layouts(at('eval')), layouts(at('eval-stopped'))]).toEqual([['several policies'], ['one policy'], ['one policy']]);
    expect(layouts(oracle)).toEqual(['one policy']); // a policy's own folder of several is one policy's
    expect(() => refuseOtherLayout(oracle, 'one policy', 'eval')).not.toThrow();
    expect(() => refuseOtherLayout(at('suite-pb'), 'proactivebench suite', 'suite generate')).not.toThrow();
  });

  it("report names a run that is no eval run's --out, with what to give instead (it said \"no summary.json\" or \"no <mode>/results.jsonl\")", async () => {
    const reportOf = (dir: string) => run(['report', dir, at('eval'), '--out', at('report-runs')]);
    for (const name of ['probe-hall', 'train', 'suite', 'export', 'demo']) {
      const probe = name === 'probe-hall' ? `; the probe's own tables are in ${join(at(name), 'report.html')}` : '';
      await expect(reportOf(at(name)), name).rejects.toThrow(new RegExp(`^${at(name)} holds ${HOLDERS[name].holds.source}, not an eval run's results: askfirst report compares askfirst eval runs \\(each run's --out\\)${probe.replace(/[.()]/g, '\\$&')}$`));
    }
    await expect(reportOf(at('eval/proactive'))).rejects.toThrow(`${at('eval/proactive')} holds one mode's results of the askfirst eval run ${at('eval')}: give ${at('eval')}, the run's --out`);
    await expect(reportOf(at('eval-several'))).rejects.toThrow(
      `${at('eval-several')} holds the results of an askfirst eval of several --policy, a folder each: give those folders (${at('eval-several/oracle')}, ${at('eval-several/random-1')}), or open ${join(at('eval-several'), 'report.html')}, which compares them`,
    );
    expect(readdirSync(root)).not.toContain('report-runs'); // refused before anything was written
    await run(['report', at('eval-several/oracle'), at('eval'), '--out', at('report-runs')]); // each policy's folder is a run
    expect(readdirSync(at('report-runs'))).toEqual(expect.arrayContaining(['report.html', 'report.md']));
  });

  it("report writes beside the eval results it compares (or into nobody's folder), not into a suite, a training run, a demo or a probe's results", async () => {
    for (const name of ['suite', 'train', 'demo', 'feedback-demo', 'export', 'probe-hall']) {
      const before = snapshot(at(name));
      await expect(run(['report', at('eval'), '--out', at(name)]), name).rejects.toThrow(new RegExp(`^--out ${at(name)} holds ${HOLDERS[name].holds.source}; askfirst report would write into it: choose another --out$`));
      expect(snapshot(at(name)), name).toEqual(before); // a demo's own report.html was replaced, and a probe's (its tables)
    }
    // an eval of several --policy: its own comparison report (report.html, report.md) was replaced by one of other runs
    const several = snapshot(at('eval-several'));
    await expect(run(['report', at('eval'), '--out', at('eval-several')])).rejects.toThrow(
      `--out ${at('eval-several')} holds the results of an askfirst eval of several --policy, a folder each (${join(at('eval-several'), 'oracle', 'summary.json')}) and their comparison report, which askfirst report would replace: choose another --out`,
    );
    expect(snapshot(at('eval-several'))).toEqual(several);
    // a README.md that mentions askfirst export --format trl in prose (askfirst's own: the default --out . of a checkout) is no export
    mkdirSync(at('checkout'));
    writeFileSync(join(at('checkout'), 'README.md'), '# notes\n\n`askfirst export --format trl` writes a dataset.\n');
    expect(heldOutputs(at('checkout'))).toEqual([]);
    for (const name of ['eval', 'empty-report', 'checkout']) {
      await run(['report', at('eval'), '--out', at(name)]);
      expect(readdirSync(at(name)), name).toEqual(expect.arrayContaining(['report.html', 'report.md']));
    }
  });
});
