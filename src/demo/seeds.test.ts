import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAggregate } from '../report/aggregate.js';
import { writeResults } from '../report/results-io.js';
import { fakeResults } from '../testing/report-fixture.js';
import { tmpDir } from '../testing/tmp.js';
import { DEFAULT_CONTROL_SHARE } from '../suite/suite-config.js';
import { type DemoConfig, resolveDemoCommandConfig } from './config.js';
import { seedDir } from './seed-dirs.js';
import { aggregateSeeds, FRESH_PENDING_FILE, MANY_SEEDS, manySeeds, runSeeds, seedsStopped, type DemoRunner, type SeedsProgress } from './seeds.js';
import { demoBudget } from './pipeline.js';

/** A stand-in for runDemo: records its config and writes a fake results.json for the seed into cfg.out. */
function stubDemo(calls: DemoConfig[], failOn?: number): DemoRunner {
  return async (cfg) => {
    calls.push(cfg);
    if (cfg.seed === failOn) throw new Error(`seed ${cfg.seed} broke`);
    const r = fakeResults(cfg.seed + 11);
    r.data.seed = cfg.seed;
    r.quick = cfg.quick;
    r.config = { ...r.config, demo: cfg }; // as the demo records it
    return writeResults(cfg.out, r);
  };
}

const quiet = () => {};

/** A checkpoint of `one`'s supervised stage, with the run.json the demo writes before its first stage (pipeline.ts). */
function demoCheckpoint(one: DemoConfig): void {
  const ckpt = join(one.out, 'supervised', 'checkpoints', 'step-0000100');
  mkdirSync(ckpt, { recursive: true });
  writeFileSync(join(ckpt, 'state.json'), JSON.stringify({ format: 'askfirst-checkpoint-state', version: 1, step: 100, runId: 'new' }));
  const settings = { quick: one.quick, seed: one.seed, algorithm: one.algorithm, rewardWeights: { shown: '(defaults)', id: '{}' }, rlControlShare: one.rlControlShare };
  writeFileSync(join(one.out, 'run.json'), JSON.stringify({ run: 'demo', settings }));
}

describe('askfirst demo --seeds: one demo per seed, then the aggregate', () => {
  it('runs the demo once per seed into <out>/seed-<n>/ with that seed, then writes aggregate.json and aggregate.html', async () => {
    const out = tmpDir('askfirst-seeds');
    const calls: DemoConfig[] = [];
    const cfg = resolveDemoCommandConfig({ out, seeds: [2, 0, 1], quick: true, progress: false });
    const r = await runSeeds({ ...cfg, seeds: cfg.seeds! }, stubDemo(calls), quiet);
    expect(calls.map((c) => [c.seed, c.out])).toEqual([
      [2, join(out, 'seed-2')],
      [0, join(out, 'seed-0')],
      [1, join(out, 'seed-1')],
    ]);
    // Each run is an ordinary demo config: the rest of the options pass through, the command's own do not.
    for (const c of calls) {
      expect(c).toMatchObject({ quick: true, progress: false, fresh: false, algorithm: 'grpo', baselines: true });
      expect(c).not.toHaveProperty('seeds');
      expect(c).not.toHaveProperty('aggregateOnly');
    }
    expect(r.files).toEqual({ json: join(out, 'aggregate.json'), html: join(out, 'aggregate.html') });
    const agg = parseAggregate(JSON.parse(await readFile(r.files.json, 'utf8')));
    expect(agg.seeds).toEqual([0, 1, 2]);
    expect(agg.quick).toBe(true);
    expect(agg.ours.gapClosed.all.n).toBe(3);
    expect(agg.ours.gapClosed.all.ci95).not.toBeNull();
    expect(await readFile(r.files.html, 'utf8')).toContain('askfirst demo over 3 seeds');
  });

  it('a re-run hands every seed to the demo again (which skips its finished stages) and --fresh passes through', async () => {
    const out = tmpDir('askfirst-seeds-rerun');
    const calls: DemoConfig[] = [];
    const cfg = resolveDemoCommandConfig({ out, seeds: [0, 1], progress: false });
    await expect(runSeeds({ ...cfg, seeds: [0, 1] }, stubDemo(calls, 1), quiet)).rejects.toThrow(/seed 1 broke/);
    expect(existsSync(join(out, 'aggregate.json'))).toBe(false);
    await runSeeds({ ...cfg, seeds: [0, 1] }, stubDemo(calls), quiet);
    expect(calls.map((c) => c.seed)).toEqual([0, 1, 0, 1]);
    expect(existsSync(join(out, 'aggregate.json'))).toBe(true);
    const fresh = resolveDemoCommandConfig({ out, seeds: [0], fresh: true, progress: false });
    await runSeeds({ ...fresh, seeds: [0] }, stubDemo(calls), quiet);
    expect(calls.at(-1)!.fresh).toBe(true);
  });

  it('a long --seeds list says up front how many seeds and that each is a full demo (was: 51 seeds taken without a word)', async () => {
    const out = tmpDir('askfirst-seeds-many');
    const said: string[] = [];
    const many = Array.from({ length: MANY_SEEDS + 1 }, (_, i) => i);
    const calls: DemoConfig[] = [];
    await runSeeds({ ...resolveDemoCommandConfig({ out, seeds: many, quick: true, progress: false }), seeds: many }, stubDemo(calls), (s) => void said.push(s));
    const b = demoBudget(true);
    expect(said[0]).toBe(`demo: ${MANY_SEEDS + 1} seeds, each a full --quick demo of its own, run one after another (a seed: ${b.supSteps} supervised steps, then ${b.rlUpdates} RL updates for ours and for each of 2 baselines); stop any time: the same command resumes, skipping finished stages`);
    expect(calls).toHaveLength(MANY_SEEDS + 1);
    const full = demoBudget(false);
    expect(manySeeds({ seeds: many, quick: false, baselines: false })).toContain(`seeds, each a full demo of its own, run one after another (a seed: ${full.supSteps} supervised steps, then ${full.rlUpdates} RL updates);`);
    // a few seeds: no such line
    said.length = 0;
    await runSeeds({ ...resolveDemoCommandConfig({ out: join(out, 'few'), seeds: [0, 1], progress: false }), seeds: [0, 1] }, stubDemo(calls), (s) => void said.push(s));
    expect(said.filter((s) => / seeds, each a full/.test(s))).toEqual([]);
  });

  it('follows which seed runs and which are finished, for what an interrupted run says (seedsStopped)', async () => {
    const out = tmpDir('askfirst-seeds-at');
    const at: SeedsProgress = { finished: [] };
    const said: string[] = [];
    const run: DemoRunner = async (one) => void said.push(seedsStopped(at, out, [2, 0, 1]) + ` [${one.seed}]`);
    await runSeeds({ ...resolveDemoCommandConfig({ out, seeds: [2, 0, 1], progress: false }), seeds: [2, 0, 1] }, run, quiet, undefined, at).catch(() => {}); // no results.json: the aggregate fails
    const resume = 're-run the same command to resume (finished stages are skipped, the training in progress resumes from its latest checkpoint)';
    expect(said).toEqual([
      `stopped in seed 2 (none finished yet); its finished stages and training checkpoints in ${seedDir(out, 2)} are kept; ${resume} [2]`,
      `stopped in seed 0 (seed 2 finished); its finished stages and training checkpoints in ${seedDir(out, 0)} are kept; ${resume} [0]`,
      `stopped in seed 1 (seeds 2, 0 finished); its finished stages and training checkpoints in ${seedDir(out, 1)} are kept; ${resume} [1]`,
    ]);
    expect(seedsStopped(at, out, [2, 0, 1])).toBe('stopped writing the aggregate (seeds 2, 0, 1 finished); re-run the same command with --aggregate-only to write it');
    expect(seedsStopped({ finished: [] }, out, [2, 0, 1])).toBe(`stopped before seed 2 started (none finished yet); ${resume}`);
  });

  it("a later seed's stage a newer askfirst wrote is refused before the first seed runs (it was refused once that seed was reached)", async () => {
    const out = tmpDir('askfirst-seeds-newer');
    const file = join(seedDir(out, 1), 'rl', 'final', 'config.json');
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, JSON.stringify({ format: 'askfirst-checkpoint', version: 2 }));
    const calls: DemoConfig[] = [];
    const cfg = resolveDemoCommandConfig({ out, seeds: [0, 1], progress: false });
    await expect(runSeeds({ ...cfg, seeds: [0, 1] }, stubDemo(calls), quiet)).rejects.toThrow(`${file}: written by a newer askfirst (askfirst-checkpoint version 2;`);
    expect(calls).toEqual([]); // was: seed 0's whole demo first
  });

  it("a later seed's folder holding a demo of other settings is refused before the first seed runs, naming the setting", async () => {
    const out = tmpDir('askfirst-seeds-settings');
    // seed 1's demo ran with --algorithm ppo (what it keeps in run.json) and finished its supervised stage
    const dir = seedDir(out, 1);
    const settings = { quick: true, seed: 1, algorithm: 'ppo', rewardWeights: { shown: '(defaults)', id: '{}' }, rlControlShare: DEFAULT_CONTROL_SHARE };
    mkdirSync(join(dir, 'supervised', 'final'), { recursive: true });
    writeFileSync(join(dir, 'supervised', 'final', 'config.json'), '{}');
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ run: 'demo', settings }));
    const calls: DemoConfig[] = [];
    const cfg = resolveDemoCommandConfig({ out, seeds: [0, 1], quick: true, progress: false });
    await expect(runSeeds({ ...cfg, seeds: [0, 1] }, stubDemo(calls), quiet)).rejects.toThrow(`${dir} holds a demo run started with other settings: --algorithm ppo → grpo;`);
    expect(calls).toEqual([]); // was: seed 0's whole demo first, then seed 1's refusal
    // with its settings it goes on
    await runSeeds({ ...resolveDemoCommandConfig({ out, seeds: [0, 1], quick: true, progress: false, algorithm: 'ppo' }), seeds: [0, 1] }, stubDemo(calls), quiet);
    expect(calls.map((c) => [c.seed, c.algorithm])).toEqual([
      [0, 'ppo'],
      [1, 'ppo'],
    ]);
  });

  it("a later seed's folder holding a demo stage but not the demo's run.json is refused before the first seed runs (was: seed 0's whole demo, then a failure in seed 1)", async () => {
    const out = tmpDir('askfirst-seeds-no-run-json');
    // a quick demo's finished supervised stage copied into seed-1/, without the run.json beside it
    const dir = seedDir(out, 1);
    mkdirSync(join(dir, 'supervised', 'final'), { recursive: true });
    writeFileSync(join(dir, 'supervised', 'final', 'config.json'), '{}');
    const calls: DemoConfig[] = [];
    const cfg = resolveDemoCommandConfig({ out, seeds: [0, 1], progress: false });
    await expect(runSeeds({ ...cfg, seeds: [0, 1] }, stubDemo(calls), quiet)).rejects.toThrow(
      `${dir} holds supervised/ of a demo but not its run.json (the settings the demo started with), so askfirst cannot tell whether seed 1's demo under these settings may take it up; remove ${dir} (or move it away) to run seed 1 anew, add --fresh to start every seed over, or use another --out`,
    );
    expect(calls).toEqual([]);
    expect(readdirSync(out).sort()).toEqual(['seed-1']); // nothing written: no seed-0/, no marks
    // with --fresh every seed starts over, that one too
    await runSeeds({ ...resolveDemoCommandConfig({ out, seeds: [0, 1], progress: false, fresh: true }), seeds: [0, 1] }, stubDemo(calls), quiet);
    expect(calls.map((c) => [c.seed, c.fresh])).toEqual([
      [0, true],
      [1, true],
    ]);
  });

  it('--aggregate-only rebuilds the aggregate from finished runs, and names every missing seed', async () => {
    const out = tmpDir('askfirst-seeds-agg');
    const calls: DemoConfig[] = [];
    await stubDemo(calls)(resolveDemoCommandConfig({ out: seedDir(out, 0), seed: 0 }), quiet);
    await stubDemo(calls)(resolveDemoCommandConfig({ out: seedDir(out, 3), seed: 3 }), quiet);
    const r = await aggregateSeeds(out, [0, 3]);
    expect(r.aggregate.seeds).toEqual([0, 3]);
    expect(existsSync(join(out, 'aggregate.html'))).toBe(true);
    // "no results.json in" said once, with the folders (was: once per seed)
    await expect(aggregateSeeds(out, [0, 1, 2, 3])).rejects.toThrow(`no finished demo run for seeds 1, 2 (no results.json in ${seedDir(out, 1)}, ${seedDir(out, 2)}); run \`askfirst demo --seeds 0,1,2,3`);
    // no seed ran (no run.json, no results.json): the command line's settings, without its --seed (0 by default), which
    // --seeds refuses (was: `askfirst demo --seeds 0,1 --seed 0 --out …`)
    const none = join(tmpDir('askfirst-seeds-none'), 'x');
    await expect(aggregateSeeds(none, [0, 1], resolveDemoCommandConfig({ out: none, seeds: [0, 1], aggregateOnly: true }))).rejects.toThrow(`run \`askfirst demo --seeds 0,1 --out ${none}\` without --aggregate-only to finish them`);
  });

  it('--aggregate-only on a damaged results.json names the file, what is wrong and the command that writes it again', async () => {
    const out = tmpDir('askfirst-seeds-damaged');
    const calls: DemoConfig[] = [];
    for (const seed of [0, 1]) await stubDemo(calls)(resolveDemoCommandConfig({ out: seedDir(out, seed), seed }), quiet);
    const file = join(seedDir(out, 1), 'results.json');
    const again = `; run \`askfirst demo --seeds 0,1 --out ${out}\` without --aggregate-only to write it again (its finished stages are kept)`;
    writeFileSync(file, '{"version": 1, "creat'); // cut short
    await expect(aggregateSeeds(out, [0, 1])).rejects.toThrow(`${file}: invalid JSON: `);
    await expect(aggregateSeeds(out, [0, 1])).rejects.toThrow(again);
    writeFileSync(file, '{"version": 1}');
    await expect(aggregateSeeds(out, [0, 1])).rejects.toThrow(`${file}: not a valid askfirst results file: `);
    await expect(aggregateSeeds(out, [0, 1])).rejects.toThrow(again); // was: no word of what to do
    expect(existsSync(join(out, 'aggregate.json'))).toBe(false);
  });

  it('--aggregate-only suggests the command the seeds ran with, shell-quoted: from their run.json, else a finished seed\u2019s results.json', async () => {
    const out = join(tmpDir('askfirst-seeds-settings-cmd'), "my runs");
    const calls: DemoConfig[] = [];
    const ran = { quick: true, algorithm: 'ppo' as const, rewardWeights: ['wrong=-1', 'guessed=-0.5'], rlControlShare: 0.3 };
    await stubDemo(calls)(resolveDemoCommandConfig({ out: seedDir(out, 0), seed: 0, ...ran }), quiet);
    // seed 0's demo keeps what it ran with in run.json (pipeline.ts demoSettings); seed 1 never ran
    const settings = { quick: true, seed: 0, algorithm: 'ppo', rewardWeights: { shown: 'wrong=-1,guessed=-0.5', id: '{}' }, rlControlShare: 0.3 };
    writeFileSync(join(seedDir(out, 0), 'run.json'), JSON.stringify({ run: 'demo', settings }));
    // the command line of --aggregate-only needs none of them (no --quick): was `askfirst demo --seeds 0,1 --out …`, refused when followed
    const given = resolveDemoCommandConfig({ out, seeds: [0, 1], aggregateOnly: true });
    const cmd = `run \`askfirst demo --seeds 0,1 --quick --algorithm ppo --reward-weights wrong=-1,guessed=-0.5 --rl-control-share 0.3 --out '${out}'\` without --aggregate-only`;
    await expect(aggregateSeeds(out, [0, 1], given)).rejects.toThrow(`; ${cmd} to finish them`);
    // the suggested command parses to the settings the seeds ran with
    expect(resolveDemoCommandConfig({ seeds: ['0', '1'], quick: true, algorithm: 'ppo', rewardWeights: ['wrong=-1', 'guessed=-0.5'], rlControlShare: 0.3 })).toMatchObject(ran);
    // no run.json (a demo from before it was kept): seed 0's results.json tells them
    rmSync(join(seedDir(out, 0), 'run.json'));
    await expect(aggregateSeeds(out, [0, 1], given)).rejects.toThrow(`; ${cmd} to finish them`);
    // seed 1's results.json damaged (its run.json kept): the command that writes it again, with the same settings
    mkdirSync(seedDir(out, 1));
    writeFileSync(join(seedDir(out, 1), 'results.json'), '{');
    writeFileSync(join(seedDir(out, 1), 'run.json'), JSON.stringify({ run: 'demo', settings: { ...settings, seed: 1 } }));
    await expect(aggregateSeeds(out, [0, 1], given)).rejects.toThrow(`; ${cmd} to write it again`);
  });

  it('refuses a seed directory holding another seed\u2019s run in one line: the file, both seeds, the command to run', async () => {
    const out = tmpDir('askfirst-seeds-wrong');
    // a demo run without --seed (so seed 0) into seed-1/: before, "seed-1: the run in seed-1 was made with seed 0, not 1", no file, no command
    for (const s of [0, 1]) {
      const r = fakeResults(3);
      r.data.seed = 0;
      r.quick = true;
      await writeResults(seedDir(out, s), r);
    }
    const dir = seedDir(out, 1);
    await expect(aggregateSeeds(out, [0, 1])).rejects.toThrow(
      `${join(dir, 'results.json')} is a demo of seed 0 (its data.seed), not of seed 1; run: askfirst demo --quick --seed 1 --fresh --out ${dir} (--fresh: its finished stages are the other seed's), or leave 1 out of --seeds`,
    );
    expect(existsSync(join(out, 'aggregate.json'))).toBe(false);
  });

  it('--fresh stopped mid-way: says what it kept and to drop --fresh; that re-run starts the seeds not begun over (was: took up their earlier demo)', async () => {
    const out = tmpDir('askfirst-seeds-fresh');
    const calls: DemoConfig[] = [];
    for (const seed of [0, 1]) await stubDemo(calls)(resolveDemoCommandConfig({ out: seedDir(out, seed), seed }), quiet); // the earlier demo
    const cfg = resolveDemoCommandConfig({ out, seeds: [0, 1], fresh: true, progress: false });
    const at: SeedsProgress = { finished: [] };
    const undos = new Set<() => void>();
    const unlessDone = (undo: () => void) => (undos.add(undo), () => undos.delete(undo));
    const said: string[] = [];
    // seed 0's new demo: stopped before its first checkpoint, then once it wrote one (as guardRun undoes on a stop)
    const stopped: DemoRunner = async (one) => {
      said.push(seedsStopped(at, out, [0, 1]));
      demoCheckpoint(one);
      said.push(seedsStopped(at, out, [0, 1]));
      throw new Error('interrupted');
    };
    await expect(runSeeds({ ...cfg, seeds: [0, 1] }, stopped, quiet, unlessDone, at)).rejects.toThrow('interrupted');
    for (const undo of [...undos].reverse()) undo();
    const resume = `re-run the command without --fresh to continue (finished stages are skipped, the training in progress resumes from its latest checkpoint; the seeds it had not begun are started over: their folders are marked fresh-pending; with --fresh every seed starts over)`;
    expect(said).toEqual([
      `stopped in seed 0 before this --fresh run wrote anything: ${out} holds the earlier demo as it was; run the same command again to start over`,
      `stopped in seed 0 (none finished yet); kept in ${seedDir(out, 0)}: supervised up to supervised/checkpoints/step-0000100 (what it trained after that is trained again); ${resume}`,
    ]);
    // seed 0 wrote a checkpoint: continued; seed 1 still holds the earlier demo: marked, so not taken up as this one's
    expect(existsSync(join(seedDir(out, 0), FRESH_PENDING_FILE))).toBe(false);
    expect(existsSync(join(seedDir(out, 1), FRESH_PENDING_FILE))).toBe(true);
    await expect(aggregateSeeds(out, [0, 1])).rejects.toThrow(`no finished demo run for seed 1 (${join(seedDir(out, 1), FRESH_PENDING_FILE)}: a --fresh run's, not begun)`);
    // a seed without results.json beside a marked one: each reason once, with its folders
    await expect(aggregateSeeds(out, [1, 5, 6])).rejects.toThrow(
      `no finished demo run for seeds 1, 5, 6 (no results.json in ${seedDir(out, 5)}, ${seedDir(out, 6)}; ${join(seedDir(out, 1), FRESH_PENDING_FILE)}: a --fresh run's, not begun); run`,
    );
    calls.length = 0;
    await runSeeds({ ...resolveDemoCommandConfig({ out, seeds: [0, 1], progress: false }), seeds: [0, 1] }, stubDemo(calls), quiet);
    expect(calls.map((c) => [c.seed, c.fresh])).toEqual([
      [0, false],
      [1, true],
    ]);
    expect(existsSync(join(seedDir(out, 1), FRESH_PENDING_FILE))).toBe(false);
  });
});

describe('demo --seeds --fresh over an earlier run\u2019s aggregate', () => {
  const undoing = () => {
    const undos = new Set<() => void>();
    return { undos, unlessDone: (undo: () => void) => (undos.add(undo), () => undos.delete(undo)), undo: () => [...undos].reverse().forEach((u) => u()) };
  };
  const names = (out: string) => readdirSync(out).filter((f) => f.startsWith('aggregate')).sort();

  it('sets aggregate.json and aggregate.html aside as it starts (was: read as this run\u2019s until its end), back only if stopped before it wrote anything', async () => {
    const out = tmpDir('askfirst-seeds-fresh-aggregate');
    const calls: DemoConfig[] = [];
    const cfg = { ...resolveDemoCommandConfig({ out, seeds: [0, 1], quick: true, progress: false }), seeds: [0, 1] };
    await runSeeds(cfg, stubDemo(calls), quiet); // the earlier run
    const earlier = [readFileSync(join(out, 'aggregate.json'), 'utf8'), readFileSync(join(out, 'aggregate.html'), 'utf8')];
    const fresh = { ...cfg, fresh: true };
    const said: string[] = [];
    // stopped in seed 0 before its demo wrote anything: put back as it was
    const seen: boolean[] = [];
    let g = undoing();
    const stopAtOnce: DemoRunner = async (one) => {
      seen.push(existsSync(join(out, 'aggregate.json')));
      throw new Error(`stopped in seed ${one.seed}`);
    };
    await expect(runSeeds(fresh, stopAtOnce, (s) => void said.push(s), g.unlessDone, { finished: [] })).rejects.toThrow('stopped in seed 0');
    expect(seen).toEqual([false]); // while seed 0 ran, no earlier figures read as this run's
    expect(said[0]).toBe(`demo: --fresh: the earlier --seeds run's aggregate.json, aggregate.html in ${out} moved to aggregate.replaced.json, aggregate.replaced.html (their figures are not this --seeds run's)`);
    g.undo();
    expect(names(out)).toEqual(['aggregate.html', 'aggregate.json']);
    expect([readFileSync(join(out, 'aggregate.json'), 'utf8'), readFileSync(join(out, 'aggregate.html'), 'utf8')]).toEqual(earlier);
    // and no mark of this run left (was: kept, so --aggregate-only called both seeds missing beside the earlier figures)
    expect([0, 1].map((seed) => existsSync(join(seedDir(out, seed), FRESH_PENDING_FILE)))).toEqual([false, false]);
    // stopped in seed 1, seed 0 finished: kept aside (this run's figures are not all there, the earlier run's are not its own)
    g = undoing();
    await expect(runSeeds(fresh, stubDemo(calls, 1), quiet, g.unlessDone, { finished: [] })).rejects.toThrow('seed 1 broke');
    g.undo();
    expect(names(out)).toEqual(['aggregate.replaced.html', 'aggregate.replaced.json']);
    expect(readFileSync(join(out, 'aggregate.replaced.json'), 'utf8')).toBe(earlier[0]);
    // stopped in seed 0 once its demo wrote a checkpoint: kept aside too
    await runSeeds(cfg, stubDemo(calls), quiet); // an aggregate again, the replaced one beside it
    const second = readFileSync(join(out, 'aggregate.json'), 'utf8');
    g = undoing();
    const afterCheckpoint: DemoRunner = async (one) => {
      demoCheckpoint(one);
      throw new Error('interrupted');
    };
    await expect(runSeeds(fresh, afterCheckpoint, quiet, g.unlessDone, { finished: [] })).rejects.toThrow('interrupted');
    g.undo();
    expect(names(out)).toEqual(['aggregate.replaced.html', 'aggregate.replaced.json']);
    expect(readFileSync(join(out, 'aggregate.replaced.json'), 'utf8')).toBe(second); // one generation kept
    // finished: its own aggregate, the earlier one aside, no older copy left
    await runSeeds(cfg, stubDemo(calls), quiet);
    g = undoing();
    await runSeeds(fresh, stubDemo(calls), quiet, g.unlessDone, { finished: [] });
    expect(g.undos.size).toBe(0); // nothing left to undo once it finished
    expect(names(out)).toEqual(['aggregate.html', 'aggregate.json', 'aggregate.replaced.html', 'aggregate.replaced.json']);
  });
});

describe('runSeeds as a library, no unlessDone given: a seed that fails undoes as the command does', () => {
  const names = (out: string) => readdirSync(out).sort();

  it('failing before this --fresh run wrote anything: the earlier aggregate, its older set aside and the seeds are back as they were (was: left set aside, marks kept)', async () => {
    const out = tmpDir('askfirst-seeds-library');
    const calls: DemoConfig[] = [];
    const cfg = { ...resolveDemoCommandConfig({ out, seeds: [0, 1], quick: true, progress: false }), seeds: [0, 1] };
    await runSeeds(cfg, stubDemo(calls), quiet); // the earlier run
    writeFileSync(join(out, 'aggregate.replaced.json'), 'an older run, set aside by an earlier --fresh');
    const before = new Map(names(out).filter((f) => f.startsWith('aggregate')).map((f) => [f, readFileSync(join(out, f), 'utf8')]));
    await expect(runSeeds({ ...cfg, fresh: true }, stubDemo(calls, 0), quiet)).rejects.toThrow('seed 0 broke');
    expect(names(out).filter((f) => f.startsWith('aggregate'))).toEqual([...before.keys()]);
    expect([...before].filter(([f, text]) => readFileSync(join(out, f), 'utf8') !== text).map(([f]) => f)).toEqual([]); // each as it was
    expect([0, 1].map((seed) => existsSync(join(seedDir(out, seed), FRESH_PENDING_FILE)))).toEqual([false, false]);
    await expect(aggregateSeeds(out, [0, 1])).resolves.toBeDefined(); // the earlier run is whole again (an aggregate anew)
    const earlier = readFileSync(join(out, 'aggregate.json'), 'utf8');

    // failing once a seed finished: this run's own, so the earlier aggregate stays aside (one generation) and seed 1 stays marked
    await expect(runSeeds({ ...cfg, fresh: true }, stubDemo(calls, 1), quiet)).rejects.toThrow('seed 1 broke');
    expect(names(out).filter((f) => f.startsWith('aggregate'))).toEqual(['aggregate.replaced.html', 'aggregate.replaced.json']);
    expect(readFileSync(join(out, 'aggregate.replaced.json'), 'utf8')).toBe(earlier);
    expect(existsSync(join(seedDir(out, 1), FRESH_PENDING_FILE))).toBe(true);

    // what the failing seed's demo had to undo (runDemo: its summary set aside, its run.json) runs too, the last first
    const undone: string[] = [];
    const failing: DemoRunner = async (_one, _log, unlessDone) => {
      unlessDone?.(() => void undone.push('first'));
      unlessDone?.(() => void undone.push('second'));
      throw new Error('broke');
    };
    await expect(runSeeds(cfg, failing, quiet)).rejects.toThrow('broke');
    expect(undone).toEqual(['second', 'first']);
  });
});

describe('resolveDemoCommandConfig', () => {
  const bad = (partial: Record<string, unknown>) => () => resolveDemoCommandConfig(partial);
  it('takes distinct non-negative integer seeds, as numbers or the strings of a list option', () => {
    expect(resolveDemoCommandConfig({ seeds: ['0', '1', '2'] }).seeds).toEqual([0, 1, 2]);
    expect(resolveDemoCommandConfig({ seeds: [5] }).seeds).toEqual([5]);
    expect(resolveDemoCommandConfig({}).seeds).toBeUndefined();
    expect(resolveDemoCommandConfig({ seed: 4 }).seed).toBe(4);
  });
  it('rejects bad seeds by name', () => {
    expect(bad({ seeds: ['0', '0'] })).toThrow(/seeds: seeds must be distinct/);
    expect(bad({ seeds: ['-1'] })).toThrow(/seeds\.0: each seed must be 0 or more/);
    expect(bad({ seeds: ['1.5'] })).toThrow(/seeds\.0: each seed must be a whole number/);
    expect(bad({ seeds: ['0', 'x'] })).toThrow(/seeds\.1: each seed must be a whole number in plain decimal digits/);
    expect(bad({ seeds: [] })).toThrow(/at least one seed/);
  });
  it('rejects a seed above 2^32 − 1 (the generators keep 32 bits: --seed 4294967296 was seed 0 again), for --seed and --seeds', () => {
    expect(bad({ seed: 4294967296 })).toThrow(/- seed: must be at most 4294967295 \(the generators keep 32 bits of a seed: 4294967296 would be seed 0 again\)/);
    expect(bad({ seeds: ['0', '4294967296'] })).toThrow(/seeds\.1: each seed must be at most 4294967295/);
    expect(resolveDemoCommandConfig({ seeds: ['4294967295'] }).seeds).toEqual([4294967295]);
    expect(resolveDemoCommandConfig({ seed: 4294967295 }).seed).toBe(4294967295);
  });
  it('rejects --seed with --seeds, and --aggregate-only without --seeds or with --fresh', () => {
    expect(bad({ seeds: [0, 1], seed: 3 })).toThrow(/- seed: cannot be given with seeds/);
    expect(bad({ seeds: [0, 1], seed: 0 })).toThrow(/- seed: cannot be given with seeds/);
    expect(bad({ aggregateOnly: true })).toThrow(/aggregate-only: needs seeds/);
    expect(bad({ aggregateOnly: true, seeds: [0], fresh: true })).toThrow(/aggregate-only: fresh would discard/);
  });
});
