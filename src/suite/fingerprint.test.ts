/**
 * The data fingerprint (what `askfirst eval` resumes on, serve's system_fingerprint names): the same data copied or moved
 * elsewhere keeps it; other data does not; the form an older askfirst computed is still given (`earlier`), so its
 * run.json resumes.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chainEpisode } from '../testing/chain-episode.js';
import { writeQuickDraw } from '../testing/proactivebench-fixture.js';
import { tmpDir } from '../testing/tmp.js';
import { dataFingerprints } from './fingerprint.js';
import { loadData } from './open.js';

async function fingerprintsOf(spec: string) {
  const data = await loadData(spec);
  return dataFingerprints(data.episodes, data.dir);
}

describe('dataFingerprints', () => {
  it('gives ProactiveBench data copied elsewhere, or named by another path, the same fingerprint; other data another', async () => {
    const a = await writeQuickDraw('askfirst-fp-a');
    const b = join(tmpDir('askfirst-fp-b'), 'moved');
    cpSync(a, b, { recursive: true });
    const atA = await fingerprintsOf(`proactivebench:${a}`);
    // each entry's meta.file, the full path of the file it came from, was hashed: the copy had another fingerprint
    expect((await fingerprintsOf(`proactivebench:${b}`)).fingerprint).toBe(atA.fingerprint);
    expect((await fingerprintsOf(`proactivebench:${relative(process.cwd(), a)}`)).fingerprint).toBe(atA.fingerprint);
    // the older form (the path hashed as it was) is given for the data where it is: it differs from today's
    expect(atA.earlier).toHaveLength(1);
    expect(atA.earlier[0]).not.toBe(atA.fingerprint);

    const f = join(b, 'QuickDraw_preprocessed.jsonl');
    writeFileSync(f, readFileSync(f, 'utf8').replace('What is it?', 'What is this?'));
    const other = await fingerprintsOf(`proactivebench:${b}`);
    expect(other.fingerprint).not.toBe(atA.fingerprint);
    expect(other.earlier).not.toContain(atA.fingerprint);
    expect(other.earlier).not.toContain(atA.earlier[0]);
  });

  // The values the fingerprint had before meta.file was taken relative to the data's folder (askfirst at 4fc9155, the
  // commit this change was made on): episodes without meta.file (askfirst suites) keep theirs; with one, the old value
  // is `earlier`, which a run.json of that askfirst holds.
  it('keeps the fingerprint of data without meta.file, and gives the older one of data with it', async () => {
    const plain = [chainEpisode('e0'), chainEpisode('e1', 4, 1)];
    expect(await dataFingerprints(plain, '/data/suite')).toEqual({ fingerprint: 'sha256:212226938647f38453a3e98f6bd53cf540a5e92dd875f2c35ec5bc9acc51cb69', earlier: [] });
    const located = plain.map((e, line) => ({ ...e, meta: { dataset: 'QuickDraw', file: '/data/pb/QuickDraw_preprocessed.jsonl', line: line + 1 } }));
    const got = await dataFingerprints(located, '/data/pb');
    expect(got.earlier).toEqual(['sha256:80fa485c8dda150a6e1a4199a4e32852d7682a157dace9f3887675eb83d713a4']);
    expect((await dataFingerprints(located.map((e) => ({ ...e, meta: { ...e.meta, file: '/elsewhere/QuickDraw_preprocessed.jsonl' } })), '/elsewhere')).fingerprint).toBe(got.fingerprint);
  });
});
