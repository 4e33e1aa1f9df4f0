import { Command } from 'commander';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeResults } from '../report/results-io.js';
import { fakeResults } from '../testing/report-fixture.js';
import { tmpDir } from '../testing/tmp.js';
import { captureConsole } from '../testing/console.js';
import { register } from './demo-command.js';
import { guardRun } from './run-guard.js';
import { Rng } from '../util/rng.js';

/** Run `fn` while `out` is held as a running demo holds it. */
const lockedBy = (out: string, fn: () => Promise<unknown>) => guardRun(out, 'askfirst demo', () => '', fn);

/** Parse `askfirst demo …args`. Only invalid or --aggregate-only command lines here: a valid one would run the real demo. */
async function demo(...args: string[]): Promise<void> {
  const program = new Command().exitOverride();
  register(program);
  await program.parseAsync(['node', 'askfirst', 'demo', ...args]);
}

describe('askfirst demo --seeds (command line)', () => {
  it('rejects bad --seeds with a message naming the problem', async () => {
    await expect(demo('--seeds', '0,1,1')).rejects.toThrow(/seeds: seeds must be distinct/);
    await expect(demo('--seeds', '0,-2')).rejects.toThrow(/each seed must be 0 or more/);
    await expect(demo('--seeds', '0,one')).rejects.toThrow(/each seed must be a whole number in plain decimal digits/);
    await expect(demo('--seeds', '2.5')).rejects.toThrow(/each seed must be a whole number/);
    await expect(demo('--seeds', ',')).rejects.toThrow(/at least one seed, e\.g\. --seeds 0,1,2 \(got ","\)$/); // was: (got )
    await expect(demo('--seeds', '')).rejects.toThrow(/at least one seed, e\.g\. --seeds 0,1,2 \(got ""\)$/);
  });

  it('rejects a seed above 2^32 − 1, which the generators would take for a smaller seed (was: --seeds 0,4294967296 ran seed 0 twice)', async () => {
    // the generators keep 32 bits of a seed: these two are one stream, so the "two seeds" were one run and its interval 0 wide
    expect(new Rng(4294967296).nextU32()).toBe(new Rng(0).nextU32());
    const only = ['--aggregate-only', '--out', join(tmpDir('askfirst-cli-seed-max'), 'demo')]; // accepted, it runs nothing (no finished seed)
    await expect(demo('--seeds', '0,4294967296', ...only)).rejects.toThrow(/seeds\.1: each seed must be at most 4294967295 \(the generators keep 32 bits of a seed: 4294967296 would be seed 0 again\)/);
    await expect(demo('--seeds', '99999999999999999999', ...only)).rejects.toThrow(/each seed must be at most 4294967295/); // was: "must be a whole number"
  });

  it('takes --seeds only as plain decimal whole numbers separated by single commas (was: 0x10 ran seed 16, 1e3 seed 1000, 0,,1 seeds 0 and 1)', async () => {
    const out = join(tmpDir('askfirst-cli-seeds-typed'), 'demo');
    const only = ['--aggregate-only', '--out', out]; // a command line taken runs nothing here: "no finished demo run for seeds …"
    const plain = /seeds\.0: each seed must be a whole number in plain decimal digits, e\.g\. --seeds 0,1,2/;
    await expect(demo('--seeds', '0x10', ...only)).rejects.toThrow(plain);
    await expect(demo('--seeds', '1e3', ...only)).rejects.toThrow(plain);
    await expect(demo('--seeds', '1.0', ...only)).rejects.toThrow(plain);
    await expect(demo('--seeds', '+1', ...only)).rejects.toThrow(plain);
    const empty = (n: number, typed: string) => `seeds: item ${n} is empty in "${typed}" (two commas in a row, or one at either end): separate the items with single commas, e.g. 0,1`;
    await expect(demo('--seeds', '0,,1', ...only)).rejects.toThrow(empty(2, '0,,1'));
    await expect(demo('--seeds', '0,1,', ...only)).rejects.toThrow(empty(3, '0,1,'));
    await expect(demo('--seeds', ',0,1', ...only)).rejects.toThrow(empty(1, ',0,1'));
    // one line per problem, and a plain list is still taken (the refusal is the aggregate's: nothing finished)
    await expect(demo('--seeds', '0x10', ...only)).rejects.toThrow(/^invalid demo config:\n {2}- seeds\.0: [^\n]+$/);
    await expect(demo('--seeds', '0,1,4294967295', ...only)).rejects.toThrow(/no finished demo run for seeds 0, 1, 4294967295/);
  });

  it('a failed --aggregate-only into a new --out leaves nothing that was not there (was: the folders on the way to it, empty)', async () => {
    const dir = tmpDir('askfirst-cli-seeds-new-out');
    mkdirSync(join(dir, 'kept'));
    for (const out of [join(dir, 'new', 'a', 'demo'), join(dir, 'kept', 'b', 'demo'), join(dir, 'demo')]) {
      await expect(demo('--seeds', '0,1', '--quick', '--aggregate-only', '--out', out)).rejects.toThrow(/no finished demo run for seeds 0, 1/);
      expect(readdirSync(dir).sort(), out).toEqual(['kept']);
      expect(readdirSync(join(dir, 'kept')), out).toEqual([]);
    }
  });

  it('rejects --seeds with --seed, and --aggregate-only without --seeds', async () => {
    await expect(demo('--seeds', '0,1', '--seed', '3')).rejects.toThrow(/seed: cannot be given with seeds/);
    await expect(demo('--aggregate-only')).rejects.toThrow(/needs seeds/);
  });

  it('--aggregate-only aggregates finished runs and prints mean ± CI half-width', async () => {
    const out = tmpDir('askfirst-cli-seeds');
    for (const seed of [0, 1, 2]) {
      const r = fakeResults(seed + 20);
      r.data.seed = seed;
      await writeResults(join(out, `seed-${seed}`), r);
    }
    const log = captureConsole('log');
    await demo('--seeds', '0,1,2', '--aggregate-only', '--out', out);
    expect(existsSync(join(out, 'aggregate.json'))).toBe(true);
    expect(existsSync(join(out, 'aggregate.html'))).toBe(true);
    const printed = log.lines.join('\n');
    expect(printed).toMatch(/over 3 seeds \(0, 1, 2\): mean ± 95 % CI half-width/);
    expect(printed).toMatch(/gap closed, unseen kinds\s+\d+\.\d ± \d+\.\d %/);
    expect(printed).toContain(join(out, 'aggregate.json'));
  });

  it("--aggregate-only is not refused over a newer askfirst's stage it does not read; a newer results.json it reads is named", async () => {
    const out = tmpDir('askfirst-cli-seeds-newer-stage');
    for (const seed of [0, 1]) {
      const r = fakeResults(seed + 20);
      r.data.seed = seed;
      await writeResults(join(out, `seed-${seed}`), r);
      writeFileSync(join(out, `seed-${seed}`, 'run.json'), JSON.stringify({ run: 'demo', settings: { quick: true, seed } }));
    }
    // a newer askfirst trained seed 1's RL stage again: --aggregate-only reads only results.json (was: refused, naming this file)
    const stage = join(out, 'seed-1', 'rl', 'final', 'config.json');
    mkdirSync(join(stage, '..'), { recursive: true });
    writeFileSync(stage, JSON.stringify({ format: 'askfirst-checkpoint', version: 2 }));
    captureConsole('log');
    await demo('--seeds', '0,1', '--aggregate-only', '--out', out);
    expect(existsSync(join(out, 'aggregate.json'))).toBe(true);
    // the demo itself takes that stage up: still refused before any work
    await expect(demo('--seeds', '0,1', '--quick', '--out', out, '--no-progress')).rejects.toThrow(`holds a run made by a newer askfirst (askfirst-checkpoint version 2) (${stage})`);
    // a results.json a newer askfirst wrote is what --aggregate-only reads: named as such, not as damaged
    const results = join(out, 'seed-1', 'results.json');
    writeFileSync(results, JSON.stringify({ version: 2 }));
    await expect(demo('--seeds', '0,1', '--aggregate-only', '--out', out)).rejects.toThrow(`${results}: written by a newer askfirst (results version 2; this askfirst reads version 1 and older): upgrade askfirst to read it`);
  });

  it('--aggregate-only names the seeds that have no finished run', async () => {
    const out = tmpDir('askfirst-cli-seeds-missing');
    await expect(demo('--seeds', '0,4', '--aggregate-only', '--out', out)).rejects.toThrow(/no finished demo run for seeds 0, 4/);
  });

  it('a second demo into the --out of one that runs is refused, naming it', async () => {
    const out = tmpDir('askfirst-cli-demo-lock');
    await lockedBy(out, () => expect(demo('--seeds', '0', '--aggregate-only', '--out', out)).rejects.toThrow(/is in use by another askfirst demo \(pid \d+/));
  });

  it('a re-run under other settings than the demo in --out started with is refused before any work, naming each', async () => {
    const out = tmpDir('askfirst-cli-demo-settings');
    // what a quick demo of seed 0 keeps (run.json) and a finished stage: a re-run took that stage up whatever its settings
    writeFileSync(join(out, 'run.json'), JSON.stringify({ run: 'demo', settings: { quick: true, seed: 0, algorithm: 'grpo', rewardWeights: { shown: '(defaults)', id: '{}' }, rlControlShare: 0.15 } }));
    mkdirSync(join(out, 'supervised', 'final'), { recursive: true });
    writeFileSync(join(out, 'supervised', 'final', 'config.json'), '{}');
    const said = captureConsole('log');
    await expect(demo('--seed', '1', '--out', out, '--no-progress', '--report-to', 'none')).rejects.toThrow(
      `${out} holds a demo run started with other settings: --quick on → off, --seed 0 → 1; resuming would go on under settings it did not start with. Resume with its settings (--quick, --seed 0, as kept in ${join(out, 'run.json')}), add --fresh to start over with these, or use another --out`,
    );
    await expect(demo('--quick', '--seed', '0', '--reward-weights', 'guessed=-1', '--out', out, '--no-progress')).rejects.toThrow(/started with other settings: --reward-weights \(defaults\) → guessed=-1;/);
    expect(said.lines).toEqual([]); // nothing generated or trained
    expect(readdirSync(out).sort()).toEqual(['run.json', 'supervised']);
  });

  it('--help describes --seeds and --aggregate-only', () => {
    const program = new Command();
    register(program);
    const help = program.commands.find((c) => c.name() === 'demo')!.helpInformation();
    expect(help).toMatch(/--seeds <a,b,…>\s+run the whole demo once per seed/);
    expect(help).toMatch(/--aggregate-only\s+with --seeds: run nothing/);
    expect(help).toMatch(/--seed <n>\s+master seed/);
  });
});
