/** `suite show --all-kinds` on a suite holding an opt-in kind (suite/kinds/names.ts OPT_IN_KINDS; none in askfirst itself, one mocked here). */
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { writeSuite } from '../suite/io.js';
import { SCENARIO_KINDS } from '../suite/kinds/names.js';
import { registerKind } from '../suite/kinds/registry.js';
import { tmpDir } from '../testing/tmp.js';
import { twoViewEpisode } from '../testing/chain-episode.js';
import { runSuiteShow } from './suite-show.js';
import { SuiteShowSchema } from './suite-show-schema.js';

// a kind added as docs/extending.md says: generated (and read) only where --kinds names it
vi.mock('../suite/kinds/names.js', async (original) => {
  const m = await original<typeof import('../suite/kinds/names.js')>();
  return { ...m, OPT_IN_KINDS: ['fog'], GENERATED_KINDS: [...m.SCENARIO_KINDS, 'fog'] };
});

const episode = twoViewEpisode;

describe('suite show --all-kinds', () => {
  it('draws an opt-in kind the suite holds after the seven default ones, whether or not its suite.json says its kinds', async () => {
    const out = tmpDir('askfirst-show-opt-in');
    const dir = join(out, 'suite');
    await writeSuite(dir, [...SCENARIO_KINDS.map((k) => episode(`${k}-00000`, k)), episode('fog-00000', 'fog')]);
    const want = [...SCENARIO_KINDS, 'fog'].map((k) => `${k}.png`);
    const cfg = (name: string) => SuiteShowSchema.parse({ data: dir, allKinds: true, out: join(out, name), tile: 32, progress: false });
    // before: it stopped reading once each of the seven had a sheet, so fog.png was not drawn
    expect((await runSuiteShow(cfg('counted'))).map((f) => f.split('/').at(-1))).toEqual(want); // suite.json counts fog
    rmSync(join(dir, 'suite.json'));
    expect((await runSuiteShow(cfg('uncounted'))).map((f) => f.split('/').at(-1))).toEqual(want); // any kind askfirst generates may be there
  });

  it('still stops reading a suite of the seven once each has a sheet: its suite.json says fog is not there', async () => {
    const out = tmpDir('askfirst-show-opt-in-early');
    const dir = join(out, 'suite');
    await writeSuite(dir, SCENARIO_KINDS.map((k) => episode(`${k}-00000`, k)));
    appendFileSync(join(dir, 'episodes.jsonl'), '{"a line no reader of the sheets gets to"\n');
    const files = await runSuiteShow(SuiteShowSchema.parse({ data: dir, allKinds: true, out: join(out, 'sheets'), tile: 32, progress: false }));
    expect(files).toHaveLength(SCENARIO_KINDS.length);
  });

  it('warns when a line of episodes.jsonl was changed in place by hand, the count of lines the same: the kind it now holds got no sheet', async () => {
    const out = tmpDir('askfirst-show-changed-in-place');
    const dir = join(out, 'suite');
    await writeSuite(dir, [...SCENARIO_KINDS.map((k) => episode(`${k}-00000`, k)), episode('camera-00001', 'camera')]);
    // the last line, a second camera episode, made a fog one by hand (its views kept): suite.json as it was, 8 lines as it counts
    const file = join(dir, 'episodes.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[SCENARIO_KINDS.length] = JSON.stringify({ ...JSON.parse(lines[SCENARIO_KINDS.length]), id: 'fog-00000', kind: 'fog' });
    writeFileSync(file, lines.join('\n'));
    const said: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((s: unknown) => void said.push(String(s)));
    try {
      const files = await runSuiteShow(SuiteShowSchema.parse({ data: dir, allKinds: true, out: join(out, 'sheets'), tile: 32, progress: false }));
      expect(files).toHaveLength(SCENARIO_KINDS.length); // read up to suite.json's kinds only: fog.png not drawn
      // before: no word (its lines are the 8 episodes suite.json counts)
      expect(said).toEqual([
        `askfirst suite show: warning: ${file} was changed after ${join(dir, 'suite.json')} was written (its 8 lines are as many as the episodes it counts, but not the bytes whose SHA-256 it records; edited by hand?): --all-kinds stopped reading once each kind suite.json lists had a sheet, so an episode of a kind it does not list, further on, gets none: draw one with --kind K, or regenerate the suite`,
      ]);
      expect(await runSuiteShow(SuiteShowSchema.parse({ data: dir, kind: 'fog', out: join(out, 'fog.png'), tile: 32, progress: false }))).toHaveLength(1); // what the warning says to do
    } finally {
      spy.mockRestore();
    }
  });

  it('draws a kind registered in this process (--plugin) too when the suite has no suite.json', async () => {
    const unregister = registerKind({ name: 'dusk', generate: () => { throw new Error('not drawn here'); } }); // prettier-ignore
    try {
      const out = tmpDir('askfirst-show-registered');
      const dir = join(out, 'suite');
      await writeSuite(dir, [...SCENARIO_KINDS.map((k) => episode(`${k}-00000`, k)), episode('fog-00000', 'fog'), episode('dusk-00000', 'dusk')]);
      rmSync(join(dir, 'suite.json'));
      // before: it stopped once each compiled-in kind had a sheet (fog the last), so dusk.png was not drawn
      const files = await runSuiteShow(SuiteShowSchema.parse({ data: dir, allKinds: true, out: join(out, 'sheets'), tile: 32, progress: false }));
      expect(files.map((f) => f.split('/').at(-1))).toEqual([...SCENARIO_KINDS, 'fog', 'dusk'].map((k) => `${k}.png`));
    } finally {
      unregister();
    }
  });
});
