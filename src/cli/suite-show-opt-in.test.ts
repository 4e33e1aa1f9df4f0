/** `suite show --all-kinds` on a suite holding an opt-in kind (suite/kinds/names.ts OPT_IN_KINDS; none in askfirst itself, one mocked here). */
import { appendFileSync, rmSync } from 'node:fs';
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
