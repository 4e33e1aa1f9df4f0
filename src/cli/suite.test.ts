import { Command } from 'commander';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { readSuite, STAGING_DIR } from '../suite/io.js';
import { KIND_TO_DATASET } from '../suite/proactivebench/read.js';
import { tmpDir } from '../testing/tmp.js';
import { generatedLine, runSuiteGenerate } from './suite.js';
import { SuiteGenerateSchema } from './suite-schema.js';
import { register } from './suite-command.js';

// process.exit is mocked in these tests: exit at once, as exitAfterOutput does when no output waits (its waiting is
// tested in util/exit-after-output.test.ts and, with the real command, interrupt.test.ts "its pipe full")
vi.mock('../util/exit-after-output.js', async (original) => ({ ...(await original<typeof import('../util/exit-after-output.js')>()), exitAfterOutput: (code: number) => process.exit(code) }));

describe('askfirst suite generate', () => {
  it('writes a readable suite with N episodes per kind', async () => {
    const dir = tmpDir('askfirst-cli-suite');
    const program = new Command().exitOverride();
    register(program);
    await program.parseAsync(['node', 'askfirst', 'suite', 'generate', '--out', dir, '--episodes', '2', '--kinds', 'sketch,camera', '--seed', '3', '--no-progress']);
    const eps = await readSuite(dir);
    expect(eps.map((e) => e.kind).sort()).toEqual(['camera', 'camera', 'sketch', 'sketch']);
  });

  it('counts what it wrote in words that agree with the number', async () => {
    const dir = tmpDir('askfirst-cli-suite1');
    const program = new Command().exitOverride();
    register(program);
    const said: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (said.push(String(s)), true));
    try {
      await program.parseAsync(['node', 'askfirst', 'suite', 'generate', '--out', dir, '--episodes', '1', '--kinds', 'camera', '--no-progress']);
    } finally {
      spy.mockRestore();
    }
    expect(said.join('')).toMatch(/wrote 1 episode \(/);
  });

  it('writes the ProactiveBench layout', async () => {
    const dir = tmpDir('askfirst-cli-pb');
    const cfg = SuiteGenerateSchema.parse({ out: dir, episodes: 1, kinds: ['occlusion', 'corruption'], format: 'proactivebench', progress: false });
    const r = await runSuiteGenerate(cfg);
    expect(r.episodes).toBe(2);
    const files = await readdir(dir);
    expect(files.filter((f) => f.endsWith('_preprocessed.jsonl'))).toHaveLength(2);
  });

  it('in the ProactiveBench layout, counts both the views and the image files it moved into place (the layout adds copies)', async () => {
    const dir = tmpDir('askfirst-cli-pb-count');
    const program = new Command().exitOverride();
    register(program);
    const said: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (said.push(String(s)), true));
    try {
      // MVP-N (viewpoint) and coco2014 (camera) keep copies of views where ProactiveBench's loaders read them
      await program.parseAsync(['node', 'askfirst', 'suite', 'generate', '--out', dir, '--episodes', '2', '--kinds', 'viewpoint,camera', '--format', 'proactivebench']);
    } finally {
      spy.mockRestore();
    }
    const views = readdirSync(dir)
      .filter((f) => f.endsWith('_preprocessed.jsonl'))
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n'))
      .reduce((n, line) => n + (JSON.parse(line) as { askfirst: { views: string[] } }).askfirst.views.length, 0);
    const files = readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.png')).length;
    expect(files).toBeGreaterThan(views);
    const text = said.join('');
    expect(text).toContain(`moving into place: ${files}/${files} images`);
    // before: "wrote 4 episodes (<views> views)", beside a bar that moved <files> images
    expect(text).toMatch(new RegExp(`wrote 4 episodes \\(${views} views in ${files} image files: the ProactiveBench layout keeps ${files - views} copies of views where its own loaders look for them\\) to `));
  });

  it('in the ProactiveBench layout, a kind with no dataset (an opt-in kind) is said as skipped, and why, not as written', async () => {
    const dir = tmpDir('askfirst-cli-pb-skip');
    const program = new Command().exitOverride();
    register(program);
    const said: string[] = [];
    // a kind the layout has no dataset for, as an opt-in kind may be (KIND_TO_DATASET is partial): sketch's taken away here
    const sketch = KIND_TO_DATASET.sketch;
    delete KIND_TO_DATASET.sketch;
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (said.push(String(s)), true));
    try {
      await program.parseAsync(['node', 'askfirst', 'suite', 'generate', '--out', dir, '--episodes', '2', '--kinds', 'sketch,corruption', '--format', 'proactivebench', '--no-progress']);
    } finally {
      spy.mockRestore();
      KIND_TO_DATASET.sketch = sketch;
    }
    const lines = readFileSync(join(dir, 'ImageNet-C_preprocessed.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(readdirSync(dir).filter((f) => f.endsWith('_preprocessed.jsonl'))).toEqual(['ImageNet-C_preprocessed.jsonl']);
    const views = lines.reduce((n, line) => n + (JSON.parse(line) as { askfirst: { views: string[] } }).askfirst.views.length, 0);
    // before: "wrote 4 episodes (<all views>) ...", the two sketch episodes counted though no line or image of theirs was written
    const text = said.join('');
    expect(text).toMatch(new RegExp(`^wrote 2 episodes \\(${views} views\\) to .* s; skipped 2 episodes \\(\\d+ views\\) the ProactiveBench layout cannot hold: kind "sketch" has no ProactiveBench dataset \\(known kinds: [^)]*\\)\\n$`, 'm'));
    expect(text.trim().split('\n')).toHaveLength(1);
  });

  it('in the ProactiveBench layout, kinds none of which has a dataset are refused up front, nothing written (was: "wrote 0 episodes")', async () => {
    const dir = join(tmpDir('askfirst-cli-pb-none'), 'out');
    const program = new Command().exitOverride();
    register(program);
    const sketch = KIND_TO_DATASET.sketch;
    delete KIND_TO_DATASET.sketch;
    try {
      await expect(program.parseAsync(['node', 'askfirst', 'suite', 'generate', '--out', dir, '--episodes', '2', '--kinds', 'sketch', '--format', 'proactivebench', '--no-progress'])).rejects.toThrow(
        /^--format proactivebench: no kind in --kinds sketch has a ProactiveBench dataset \(kinds that have one: occlusion, [^)]*\); give one of those in --kinds, or --format own$/,
      );
    } finally {
      KIND_TO_DATASET.sketch = sketch;
    }
    expect(existsSync(dir)).toBe(false);
  });

  it('in its own format, one image file per view: the line names the views only', async () => {
    const r = { episodes: 2, views: 9, images: 9, out: 'suite' };
    expect(generatedLine(r, 8.34)).toBe('wrote 2 episodes (9 views) to suite in 8.3 s');
  });

  it('writes each episode as it is generated (one episode\'s pixels held at a time), an earlier suite in --out kept as it was until the last one', async () => {
    const dir = tmpDir('askfirst-cli-suite-stream');
    await runSuiteGenerate(SuiteGenerateSchema.parse({ out: dir, episodes: 1, kinds: ['sketch'], seed: 1, progress: false }));
    const before = readFileSync(join(dir, 'episodes.jsonl'), 'utf8');
    let stagedWhileGenerating = 0;
    let listWhileGenerating: string | null = null;
    let replacing = false;
    const watch = () => {
      if (replacing) return;
      const staged = existsSync(join(dir, STAGING_DIR, 'images')) ? readdirSync(join(dir, STAGING_DIR, 'images')).filter((n) => n.endsWith('.png')).length : 0;
      if (staged > stagedWhileGenerating) {
        stagedWhileGenerating = staged;
        listWhileGenerating = readFileSync(join(dir, 'episodes.jsonl'), 'utf8');
      }
      setImmediate(watch);
    };
    setImmediate(watch);
    const r = await runSuiteGenerate(SuiteGenerateSchema.parse({ out: dir, episodes: 3, kinds: ['sketch', 'camera'], seed: 2, progress: false }), () => (replacing = true));
    expect(stagedWhileGenerating).toBeGreaterThan(0); // images were on disk before the last episode was generated
    expect(listWhileGenerating).toBe(before); // meanwhile the earlier suite was untouched
    expect(r.episodes).toBe(6);
    expect((await readSuite(dir)).map((e) => e.id)).toEqual(['sketch-00000', 'sketch-00001', 'sketch-00002', 'camera-00000', 'camera-00001', 'camera-00002']);
    expect(existsSync(join(dir, STAGING_DIR))).toBe(false);
  });

  it('writes the ProactiveBench layout the same way: each episode staged as it is generated, an earlier index kept until the last one', async () => {
    const dir = tmpDir('askfirst-cli-pb-stream');
    const pb = (episodes: number, seed: number) => SuiteGenerateSchema.parse({ out: dir, episodes, kinds: ['sketch'], seed, format: 'proactivebench', progress: false });
    await runSuiteGenerate(pb(1, 1));
    const index = join(dir, 'QuickDraw_preprocessed.jsonl');
    const before = readFileSync(index, 'utf8');
    const staged = (): number => (existsSync(join(dir, STAGING_DIR)) ? readdirSync(join(dir, STAGING_DIR), { recursive: true }).filter((n) => String(n).endsWith('.png')).length : 0);
    let stagedWhileGenerating = 0;
    let indexWhileGenerating: string | null = null;
    let replacing = false;
    const watch = () => {
      if (replacing) return;
      const n = staged();
      if (n > stagedWhileGenerating) {
        stagedWhileGenerating = n;
        indexWhileGenerating = readFileSync(index, 'utf8');
      }
      setImmediate(watch);
    };
    setImmediate(watch);
    const r = await runSuiteGenerate(pb(3, 2), () => (replacing = true));
    expect(stagedWhileGenerating).toBeGreaterThan(0);
    expect(indexWhileGenerating).toBe(before);
    expect(r.episodes).toBe(3);
    expect(readFileSync(index, 'utf8').trim().split('\n')).toHaveLength(3);
    expect(existsSync(join(dir, STAGING_DIR))).toBe(false);
  });

  it('shows progress while moving the staged images into place, after the generating bar', async () => {
    const dir = tmpDir('askfirst-cli-suite-moving');
    const said: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (said.push(String(s)), true));
    let r: { views: number };
    try {
      r = await runSuiteGenerate(SuiteGenerateSchema.parse({ out: dir, episodes: 2, kinds: ['sketch'], progress: true }));
    } finally {
      spy.mockRestore();
    }
    const text = said.join('');
    expect(text).toMatch(new RegExp(`generating: 2/2 episodes in [0-9.]+s\\n[^]*moving into place: ${r.views}/${r.views} images in [0-9.]+s\\n`));
  });

  it('rejects bad options by name', async () => {
    const program = new Command().exitOverride();
    register(program);
    await expect(program.parseAsync(['node', 'askfirst', 'suite', 'generate', '--out', '/tmp/x', '--size', '8'])).rejects.toThrow(/size/);
  });
});

describe('askfirst suite generate, stopped by Ctrl-C', () => {
  const interrupt = async (args: string[], when: () => void) => {
    const program = new Command().exitOverride();
    register(program);
    const said: string[] = [];
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (said.push(String(s)), true));
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    when();
    let codes: unknown[];
    try {
      await program.parseAsync(['node', 'askfirst', 'suite', 'generate', ...args, '--no-progress']);
    } finally {
      codes = exit.mock.calls.map((c) => c[0]);
      err.mockRestore();
      exit.mockRestore();
    }
    return { said: said.join(''), exit: codes };
  };

  it('while generating says no suite was written yet and exits 130 (generation hands the event loop a turn per episode)', async () => {
    const dir = tmpDir('askfirst-cli-suite-int');
    const r = await interrupt(['--out', dir, '--episodes', '3', '--kinds', 'sketch'], () => setImmediate(() => process.emit('SIGINT')));
    expect(r.said).toContain(`askfirst: interrupted; no suite was written to ${dir} yet (a suite already there is as it was; the episodes generated so far, staged in ${join(dir, STAGING_DIR)}, are removed by the next run)`);
    expect(r.exit).toEqual([130]);
  });

  it('while writing says no complete suite is there (the episode list is written last, and is not there then)', async () => {
    const dir = tmpDir('askfirst-cli-suite-int2');
    let listWhenStopped: boolean | undefined;
    const r = await interrupt(['--out', dir, '--episodes', '2', '--kinds', 'sketch,camera'], () => {
      // replacing has begun once images/ is there (generated images wait in the staging folder until then); one check per
      // turn of the event loop, so the first image moved (an awaited rename) is seen
      const poll = () => {
        if (!existsSync(join(dir, 'images'))) return void setImmediate(poll);
        listWhenStopped = existsSync(join(dir, 'episodes.jsonl'));
        process.emit('SIGINT');
      };
      setImmediate(poll);
    });
    expect(listWhenStopped).toBe(false);
    expect(r.said).toMatch(new RegExp(`askfirst: interrupted; ${dir} holds no complete suite now .*run the same command again to write the whole one`));
    expect(r.exit).toEqual([130]);
  });
});
