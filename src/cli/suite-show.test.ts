import { Command } from 'commander';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../scenes/codec.js';
import { readFile } from 'node:fs/promises';
import { createImage } from '../scenes/image.js';
import { tmpDir } from '../testing/tmp.js';
import { writeProactiveBench } from '../suite/proactivebench/read.js';
import type { SuiteEpisode } from '../suite/types.js';
import { InputError, NotFoundError } from '../util/errors.js';
import { pickEpisodes, runSuiteShow } from './suite-show.js';
import { SuiteShowSchema } from './suite-show-schema.js';
import { register } from './suite-show-command.js';

function episode(id: string, kind: string, control = false): SuiteEpisode {
  return {
    id,
    kind,
    question: 'What object is shown?',
    views: [{ image: createImage(16, 16, [200, 30, 30]) }, { image: createImage(16, 16, [30, 30, 200]) }],
    firstView: 0,
    referenceView: 1,
    categories: ['a', 'b', 'c', 'd'],
    answer: 0,
    interventions: ['Add more details to the drawing.', 'I cannot answer this question.'],
    abstain: [1],
    steps: [
      { offered: [0, 1], next: { 0: 1 } },
      { offered: [0, 1], next: {} },
    ],
    maxTurns: 2,
    informative: [control, true],
    control,
    minInterventions: control ? 0 : 1,
  };
}

const data = tmpDir('askfirst-show');
const out = tmpDir('askfirst-show-out');
beforeAll(async () => {
  await writeProactiveBench(data, [
    episode('sketch-00000', 'sketch', true),
    episode('sketch-00001', 'sketch'),
    episode('sketch-00002', 'sketch'),
    episode('corruption-00000', 'corruption'),
  ]);
});

const cfg = (over: Record<string, unknown>) => SuiteShowSchema.parse({ data: `proactivebench:${data}`, ...over });

describe('suite show', () => {
  it('writes one sheet per kind, preferring a non-control episode', async () => {
    const files = await runSuiteShow(cfg({ allKinds: true, out: join(out, 'kinds') }));
    expect(files.map((f) => f.split('/').at(-1))).toEqual(['corruption.png', 'sketch.png']);
    const eps = [episode('s0', 'sketch', true), episode('s1', 'sketch'), episode('c0', 'corruption', true)];
    expect(pickEpisodes(eps, cfg({ allKinds: true })).map((e) => e.id)).toEqual(['s1', 'c0']);
    expect((await readdir(join(out, 'kinds'))).sort()).toEqual(['corruption.png', 'sketch.png']);
    const img = decodeImage(await readFile(files[0]));
    expect(img.width).toBeGreaterThanOrEqual(960);
  });

  it('picks by id and by kind + index, with clear errors otherwise', async () => {
    const [f] = await runSuiteShow(cfg({ kind: 'sketch', index: 2, out: join(out, 'k.png') }));
    expect(f.endsWith('k.png')).toBe(true);
    await expect(runSuiteShow(cfg({ kind: 'sketch', index: 3 }))).rejects.toThrow(/--index 3 is out of range: .* has 3 sketch episodes \(0\.\.2\)/);
    await expect(runSuiteShow(cfg({ kind: 'camera' }))).rejects.toBeInstanceOf(NotFoundError);
    await expect(runSuiteShow(cfg({ episode: 'nope' }))).rejects.toThrow(/no episode "nope"/);
    await expect(runSuiteShow(cfg({}))).rejects.toBeInstanceOf(InputError);
    await expect(runSuiteShow(cfg({ episode: 'sketch-00001', allKinds: true }))).rejects.toThrow(/exactly one of/);
  });

  it('refuses --index without --kind and --no-filter on an askfirst suite (it drew the --episode, or every kind, as if they were not given)', async () => {
    const show = async (...args: string[]) => {
      const program = new Command('askfirst').exitOverride();
      register(program);
      await program.parseAsync(['node', 'askfirst', 'suite', 'show', ...args]);
    };
    const pb = ['--data', `proactivebench:${data}`];
    await expect(show(...pb, '--episode', 'sketch-00001', '--index', '2', '--out', join(out, 'e.png'))).rejects.toThrow('--index does not apply with --episode: it is read with --kind only (which episode of that kind); leave it out, or give --kind K with it');
    await expect(show(...pb, '--all-kinds', '--index', '1', '--out', join(out, 'all'))).rejects.toThrow(/^--index does not apply with --all-kinds:/);
    await expect(show('--data', join(out, 'nowhere'), '--kind', 'sketch', '--no-filter')).rejects.toThrow(
      `--no-filter does not apply to an askfirst suite (--data ${join(out, 'nowhere')}): it is read for ProactiveBench's layout only (--data proactivebench:DIR: the ids the paper evaluates); leave it out`,
    );
    await show(...pb, '--kind', 'sketch', '--index', '1', '--no-filter', '--out', join(out, 'pb.png'), '--tile', '32'); // both read here
  });

  it('refuses to replace a sheet file that exists, before drawing any, unless --overwrite (it replaced any file given as --out silently)', async () => {
    const file = join(out, 'mine.png');
    writeFileSync(file, 'not a sheet');
    await expect(runSuiteShow(cfg({ episode: 'sketch-00001', out: file }))).rejects.toThrow(`${file} already exists: add --overwrite to replace it, or give another --out`);
    expect(readFileSync(file, 'utf8')).toBe('not a sheet');
    // --all-kinds: every sheet is checked before the first is drawn (none is written when one is there)
    const kinds = join(out, 'kinds-again');
    mkdirSync(kinds);
    writeFileSync(join(kinds, 'sketch.png'), 'mine');
    await expect(runSuiteShow(cfg({ allKinds: true, out: kinds }))).rejects.toThrow(`${join(kinds, 'sketch.png')} already exists: add --overwrite`);
    expect(readdirSync(kinds)).toEqual(['sketch.png']);
    // --overwrite replaces them
    await runSuiteShow(cfg({ episode: 'sketch-00001', out: file, overwrite: true }));
    expect(decodeImage(readFileSync(file)).width).toBeGreaterThan(16);
    expect((await runSuiteShow(cfg({ allKinds: true, out: kinds, overwrite: true }))).length).toBe(2);
  });

  it('is registered under `suite` with options from the schema', async () => {
    const program = new Command('askfirst').exitOverride();
    register(program);
    const file = join(out, 'cli.png');
    await program.parseAsync(['node', 'askfirst', 'suite', 'show', '--data', `proactivebench:${data}`, '--episode', 'corruption-00000', '--out', file, '--tile', '64']);
    const img = decodeImage(await readFile(file));
    expect(img.height).toBeGreaterThan(64);
  });
});
