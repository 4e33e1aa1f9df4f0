import { Command } from 'commander';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeImage } from '../scenes/codec.js';
import { readFile } from 'node:fs/promises';
import { tmpDir } from '../testing/tmp.js';
import { twoViewEpisode } from '../testing/chain-episode.js';
import { writeProactiveBench } from '../suite/proactivebench/read.js';
import { writeSuite } from '../suite/io.js';
import { SCENARIO_KINDS } from '../suite/kinds/names.js';
import { InputError, NotFoundError } from '../util/errors.js';
import { pickEpisodes, runSuiteShow } from './suite-show.js';
import { SuiteShowSchema } from './suite-show-schema.js';
import { register } from './suite-show-command.js';

const episode = twoViewEpisode;

const data = tmpDir('askfirst-show');
const out = tmpDir('askfirst-show-out');
/** The same episodes in askfirst's own format. */
const own = join(out, 'own-suite');
beforeAll(async () => {
  await writeSuite(own, [episode('sketch-00000', 'sketch', true), episode('sketch-00001', 'sketch')]);
  await writeProactiveBench(data, [
    episode('sketch-00000', 'sketch', true),
    episode('sketch-00001', 'sketch'),
    episode('sketch-00002', 'sketch'),
    episode('corruption-00000', 'corruption'),
  ]);
});

const cfg = (over: Record<string, unknown>) => SuiteShowSchema.parse({ data: `proactivebench:${data}`, progress: false, ...over });

describe('suite show', () => {
  it('writes one sheet per kind, preferring a non-control episode', async () => {
    const files = await runSuiteShow(cfg({ allKinds: true, out: join(out, 'kinds') }));
    expect(files.map((f) => f.split('/').at(-1))).toEqual(['corruption.png', 'sketch.png']);
    const eps = [episode('s0', 'sketch', true), episode('s1', 'sketch'), episode('c0', 'corruption', true)];
    expect((await pickEpisodes(eps.map((episode) => ({ episode })), cfg({ allKinds: true }))).map((e) => e.id)).toEqual(['s1', 'c0']);
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
      await program.parseAsync(['node', 'askfirst', 'suite', 'show', '--no-progress', ...args]);
    };
    const pb = ['--data', `proactivebench:${data}`];
    await expect(show(...pb, '--episode', 'sketch-00001', '--index', '2', '--out', join(out, 'e.png'))).rejects.toThrow('--index does not apply with --episode: it is read with --kind only (which episode of that kind); leave it out, or give --kind K with it');
    await expect(show(...pb, '--all-kinds', '--index', '1', '--out', join(out, 'all'))).rejects.toThrow(/^--index does not apply with --all-kinds:/);
    await expect(show('--data', own, '--kind', 'sketch', '--no-filter')).rejects.toThrow(
      `--no-filter does not apply to an askfirst suite (--data ${own}): it is read for ProactiveBench's layout only (--data proactivebench:DIR or its folder: the ids the paper evaluates); leave it out`,
    );
    await expect(show('--data', `suite:${own}`, '--kind', 'sketch', '--no-filter')).rejects.toThrow(/^--no-filter does not apply to an askfirst suite/);
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

  it('reads --data as eval does (suite/open.ts dataSpec): suite:DIR, a ProactiveBench folder alone, and refuses file:X naming the prefixes', async () => {
    const sheet = join(out, 'spec.png');
    // suite:DIR was read as a folder named "suite:DIR"; a ProactiveBench folder without its prefix as an askfirst suite
    for (const spec of [`suite:${own}`, own, data, `proactivebench:${data}`]) {
      expect(await runSuiteShow(cfg({ data: spec, episode: 'sketch-00001', out: sheet, tile: 32, overwrite: true })), spec).toEqual([sheet]); // one sheet file, drawn again
    }
    await expect(runSuiteShow(cfg({ data: `file:${own}`, episode: 'sketch-00001', out: sheet }))).rejects.toThrow(
      `--data file:${own}: there is no folder of that name, and "file:" is no prefix askfirst reads; give suite:DIR (askfirst's format), proactivebench:DIR (ProactiveBench's layout), or the folder alone (its files tell which)`,
    );
    await expect(runSuiteShow(cfg({ data: out, episode: 'sketch-00001', out: sheet }))).rejects.toThrow(`--data ${out}: found neither episodes.jsonl (askfirst suite) nor *_preprocessed.jsonl (ProactiveBench)`);
    await expect(runSuiteShow(cfg({ data: 'proactivebench:', episode: 'sketch-00001' }))).rejects.toThrow('--data proactivebench: names no folder; give proactivebench:DIR (the folder of the data)');
  });

  it("shows the other entries of ProactiveBench data with an entry eval skips, and says why when that entry is asked for (the first bad entry refused every sheet)", async () => {
    const dir = join(out, 'pb-bad');
    await writeProactiveBench(dir, [episode('sketch-00000', 'sketch', true), episode('sketch-00001', 'sketch')]);
    const file = join(dir, 'QuickDraw_preprocessed.jsonl');
    const lines = (await readFile(file, 'utf8')).split('\n');
    const bad = JSON.parse(lines[1]);
    bad.askfirst.answer = 9; // no such category
    lines[1] = JSON.stringify(bad);
    await writeFile(file, lines.join('\n'));
    const sheet = join(out, 'bad.png');
    expect(await runSuiteShow(cfg({ data: `proactivebench:${dir}`, episode: 'sketch-00000', out: sheet, tile: 32 }))).toEqual([sheet]);
    await expect(runSuiteShow(cfg({ data: `proactivebench:${dir}`, episode: 'sketch-00001', out: join(out, 'bad-1.png') }))).rejects.toThrow(/^episode "sketch-00001" in .* could not be read \(askfirst eval leaves it out too\): .*QuickDraw_preprocessed\.jsonl:2: /);
  });

  it('reads only as far as the sheets it draws: the episode asked for, or a non-control episode of each of the seven kinds (a suite of 200,000 was read whole to draw one)', async () => {
    const dir = join(out, 'early');
    const kinds = [...SCENARIO_KINDS];
    await writeSuite(dir, [episode('sketch-00000', 'sketch', true), episode('sketch-00001', 'sketch'), ...kinds.map((k) => episode(`${k}-00009`, k))]);
    appendFileSync(join(dir, 'episodes.jsonl'), '{"a line no reader of the sheets above gets to"\n');
    const sheet = (name: string) => join(out, `early-${name}.png`);
    expect(await runSuiteShow(cfg({ data: dir, episode: 'sketch-00000', out: sheet('id'), tile: 32 }))).toEqual([sheet('id')]);
    expect(await runSuiteShow(cfg({ data: dir, kind: 'sketch', index: 1, out: sheet('kind'), tile: 32 }))).toEqual([sheet('kind')]);
    const all = await runSuiteShow(cfg({ data: dir, allKinds: true, out: sheet('all'), tile: 32 }));
    expect(all.map((f) => f.split('/').at(-1))).toEqual(['sketch', ...kinds.filter((k) => k !== 'sketch')].map((k) => `${k}.png`)); // in the order the kinds come
    // what is not there is said once all is read (here: the line no sheet above read is refused on the way)
    await expect(runSuiteShow(cfg({ data: dir, episode: 'nope', out: sheet('nope') }))).rejects.toThrow(/malformed JSON/);
    // the picker takes entries only up to the one it draws
    let taken = 0;
    const entries = function* () {
      for (const k of kinds) for (let i = 0; i < 3; i++) yield (taken++, { episode: episode(`${k}-${i}`, k) });
    };
    expect((await pickEpisodes(entries(), cfg({ kind: 'passerby', index: 1 }))).map((e) => e.id)).toEqual(['passerby-1']);
    expect(taken).toBe(kinds.indexOf('passerby') * 3 + 2);
  });

  it("--all-kinds warns when episodes.jsonl holds episodes suite.json does not count: a hand-added kind suite.json does not list got no sheet, without a word", async () => {
    // a suite of sketch and camera, then an occlusion episode added to its episodes.jsonl by hand (suite.json as it was)
    const dir = join(out, 'hand-edited');
    const counted = join(out, 'hand-edited-before');
    await writeSuite(counted, [episode('sketch-00000', 'sketch'), episode('camera-00000', 'camera')]);
    await writeSuite(dir, [episode('sketch-00000', 'sketch'), episode('camera-00000', 'camera'), episode('occlusion-00000', 'occlusion')]);
    writeFileSync(join(dir, 'suite.json'), readFileSync(join(counted, 'suite.json')));
    const said: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((s: unknown) => void said.push(String(s)));
    try {
      const all = await runSuiteShow(cfg({ data: dir, allKinds: true, out: join(out, 'hand-edited-sheets'), tile: 32 }));
      expect(all.map((f) => f.split('/').at(-1))).toEqual(['sketch.png', 'camera.png']); // read up to suite.json's kinds only
      expect(said).toEqual([
        `askfirst suite show: warning: ${join(dir, 'episodes.jsonl')} has 3 lines but ${join(dir, 'suite.json')} counts 2 episodes (edited by hand?): --all-kinds stopped reading once each kind suite.json lists had a sheet, so an episode of a kind it does not list, further on, gets none: draw one with --kind K, or regenerate the suite`,
      ]);
      expect(await runSuiteShow(cfg({ data: dir, kind: 'occlusion', out: join(out, 'hand-edited-occlusion.png'), tile: 32 }))).toHaveLength(1);
      // a suite as written: no warning
      said.length = 0;
      await runSuiteShow(cfg({ data: counted, allKinds: true, out: join(out, 'counted-sheets'), tile: 32 }));
      expect(said).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses an existing sheet file and a missing choice before reading the data (here unreadable)', async () => {
    const dir = join(out, 'unreadable');
    mkdirSync(dir);
    writeFileSync(join(dir, 'episodes.jsonl'), '{not json\n');
    const file = join(out, 'there.png');
    writeFileSync(file, 'mine');
    await expect(runSuiteShow(cfg({ data: dir, episode: 'sketch-00001', out: file }))).rejects.toThrow(`${file} already exists: add --overwrite`);
    await expect(runSuiteShow(cfg({ data: dir, kind: 'sketch', out: file }))).rejects.toThrow(`${file} already exists: add --overwrite`);
    await expect(runSuiteShow(cfg({ data: dir }))).rejects.toThrow(/exactly one of/);
    await expect(runSuiteShow(cfg({ data: dir, episode: 'sketch-00001', out: file, overwrite: true }))).rejects.toThrow(/malformed JSON/); // read once allowed
    expect(readFileSync(file, 'utf8')).toBe('mine');
  });

  it('is registered under `suite` with options from the schema', async () => {
    const program = new Command('askfirst').exitOverride();
    register(program);
    const file = join(out, 'cli.png');
    await program.parseAsync(['node', 'askfirst', 'suite', 'show', '--no-progress', '--data', `proactivebench:${data}`, '--episode', 'corruption-00000', '--out', file, '--tile', '64']);
    const img = decodeImage(await readFile(file));
    expect(img.height).toBeGreaterThan(64);
  });
});
