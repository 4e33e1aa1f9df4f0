import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { watchFsyncs } from '../testing/fsync-watch.js';
import { STAGED_SYNC_BATCH } from '../util/fsx.js';
import { DataError, InputError, NotFoundError } from '../util/errors.js';
import { loadData, loadDataEpisodes } from './open.js';
import { generateSuite } from './generate.js';
import { EPISODES_FILE, readSuite, STAGING_DIR, suiteEpisodes, writeSuite } from './io.js';
import { createViewLoader } from './loader.js';
import { REPLACING_DIR } from './replacing.js';
import type { SuiteEpisode } from './types.js';

let dir: string;
let eps: SuiteEpisode[];

beforeAll(async () => {
  dir = tmpDir('askfirst-io');
  eps = generateSuite({ episodes: 2, kinds: ['occlusion', 'corruption', 'camera'], seed: 4, controlShare: 0.5 });
});

async function copySuite(lines: (text: string[]) => string[]): Promise<string> {
  const d = tmpDir('askfirst-io-bad');
  await writeSuite(d, eps);
  const text = (await readFile(join(d, EPISODES_FILE), 'utf8')).trimEnd().split('\n');
  await writeFile(join(d, EPISODES_FILE), lines(text).join('\n') + '\n');
  return d;
}

describe('suite I/O: a suite of another askfirst', () => {
  it("a newer askfirst's suite.json is refused in one line naming it; one without a version, or not askfirst's, is read", async () => {
    const d = tmpDir('askfirst-io-format');
    await writeSuite(d, eps);
    const manifest = join(d, 'suite.json');
    expect(JSON.parse(await readFile(manifest, 'utf8'))).toMatchObject({ format: 'askfirst-suite', version: 1 });
    await writeFile(manifest, JSON.stringify({ format: 'askfirst-suite', version: 2, episodes: eps.length }));
    await expect(readSuite(d)).rejects.toThrow(
      `${manifest}: written by a newer askfirst (askfirst-suite version 2; this askfirst reads version 1 and older): upgrade askfirst to read it, or generate one with this askfirst (askfirst suite generate) into another folder`,
    );
    for (const text of ['{"episodes": 6}', '{"format": "my-dataset", "version": "2024-01"}', '{"form', '[]']) {
      await writeFile(manifest, text);
      expect(await readSuite(d)).toHaveLength(eps.length);
    }
    rmSync(manifest);
    expect(await readSuite(d)).toHaveLength(eps.length);
  });
});

describe('suite I/O', () => {
  it('a reader that stops early ends the progress bar where it stopped (a terminal\'s bar left running would keep the process alive)', async () => {
    const d = tmpDir('askfirst-io-early');
    await writeSuite(d, eps);
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((t: string | Uint8Array) => (lines.push(String(t)), true));
    try {
      for await (const ep of suiteEpisodes(d, { progress: true })) if (ep.id === eps[1].id) break;
    } finally {
      spy.mockRestore();
    }
    expect(lines.at(-1)).toMatch(new RegExp(`^reading suite: 2/${eps.length} lines in [0-9.]+s\\n$`));
  });

  it('a file given where the suite folder is expected is named as such, with the folder to give instead', async () => {
    const d = tmpDir('askfirst-io-file');
    await writeSuite(d, eps.slice(0, 1));
    const err = await readSuite(join(d, EPISODES_FILE)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(`no suite at ${join(d, EPISODES_FILE)}: it is a file; give the suite's folder, the one holding episodes.jsonl and images/ (here: ${d})`);
    await expect(readSuite(join(d, 'nope'))).rejects.toThrow(NotFoundError);
    await expect(loadData(join(d, EPISODES_FILE))).rejects.toThrow(`--data ${join(d, EPISODES_FILE)} is a file; give the folder that holds it (here: ${d})`);
    await expect(loadData(join(d, 'nope'))).rejects.toThrow(/--data: no directory at/);
  });
  it('round-trips episodes and pixels', async () => {
    await writeSuite(dir, eps, { manifest: { seed: 4 } });
    const back = await readSuite(dir);
    expect(back.map((e) => e.id)).toEqual(eps.map((e) => e.id));
    const load = createViewLoader(dir);
    for (let k = 0; k < eps.length; k++) {
      const { views: v1, ...rest1 } = eps[k];
      const { views: v2, ...rest2 } = back[k];
      expect(rest2).toEqual(rest1);
      for (let v = 0; v < v1.length; v++) {
        const a = v1[v];
        const b = await load(v2[v], back[k].id);
        expect('image' in a && Buffer.from(b.data).equals(Buffer.from(a.image.data))).toBe(true);
      }
    }
    expect(JSON.parse(await readFile(join(dir, 'suite.json'), 'utf8')).seed).toBe(4);
  });

  it('syncs the staged images together before moving them into place, not each in turn (an fsync per image, waited on, was most of a large suite generate)', async () => {
    const d = tmpDir('askfirst-io-sync');
    const fsyncs = await watchFsyncs(fileURLToPath(import.meta.url));
    await writeSuite(d, eps);
    const images = eps.reduce((n, e) => n + e.views.length, 0);
    expect(images).toBeLessThan(STAGED_SYNC_BATCH); // one batch: all at once
    expect(readdirSync(join(d, 'images')).length).toBe(images);
    expect(fsyncs.maxInFlight).toBe(images); // before: one writeFileAtomic each, one fsync in flight at a time
    expect(fsyncs.calls).toBe(images + 2); // and suite.json's and episodes.jsonl's
  });
  it('names the file and line of a malformed JSONL line', async () => {
    const d = await copySuite((t) => [t[0], '{"id": "x",', ...t.slice(1)]);
    await expect(readSuite(d)).rejects.toThrow(/episodes\.jsonl:2: malformed JSON/);
  });

  it('rejects an invalid episode with its problems, an unknown kind, and a duplicate id', async () => {
    const bad = (f: (o: Record<string, unknown>) => void) => (t: string[]) => {
      const o = JSON.parse(t[1]);
      f(o);
      return [t[0], JSON.stringify(o), ...t.slice(2)];
    };
    const d1 = await copySuite(bad((o) => (o.firstView = 99)));
    await expect(readSuite(d1)).rejects.toThrow(/:2: episode "occlusion-00001" is invalid:[\s\S]*firstView 99/);
    const d2 = await copySuite(bad((o) => (o.kind = 'telepathy')));
    await expect(readSuite(d2)).rejects.toThrow(/:2: .*unknown kind "telepathy"/);
    expect(await readSuite(d2, { extraKinds: ['telepathy'] })).toHaveLength(eps.length);
    const d3 = await copySuite((t) => [t[0], t[0], ...t.slice(1)]);
    await expect(readSuite(d3)).rejects.toThrow(/:2: .*repeats the id of line 1/);
  });

  it('reports a missing image with the episode and line', async () => {
    const d = await copySuite((t) => t);
    await unlink(join(d, 'images', 'corruption-00000_v1.png'));
    const err = await readSuite(d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(String((err as Error).message)).toMatch(/episodes\.jsonl:3: episode "corruption-00000": image of views\[1\] is missing/);
    // lazily: the loader names the episode and file
    const back = await readSuite(d, { checkImages: false });
    const load = createViewLoader(d);
    await expect(load(back[2].views[1], back[2].id)).rejects.toThrow(/episode corruption-00000: cannot load view.*not found/);
  });

  it('a view file that is not an image: the loader names the file once, with the episode', async () => {
    const d = await copySuite((t) => t);
    const file = join(d, 'images', 'corruption-00000_v1.png');
    await writeFile(file, 'garbage');
    const back = await readSuite(d, { checkImages: false });
    const err = (await createViewLoader(d)(back[2].views[1], back[2].id).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe(`${resolve(file)}: episode corruption-00000: cannot load view: not a PNG or JPEG file`);
  });

  it('an episodes.jsonl saved by a Windows editor reads as the one written: a BOM, CRLF, blank lines, no final newline', async () => {
    const d = await copySuite((t) => t);
    const lines = (await readFile(join(d, EPISODES_FILE), 'utf8')).trimEnd().split('\n');
    const variants = [
      '\uFEFF' + lines.join('\r\n') + '\r\n', // Notepad's "UTF-8 with BOM": was "malformed JSON (Unexpected token '\uFEFF' …)" at line 1
      '\uFEFF' + lines.join('\n'), // a BOM, and no newline after the last line
      lines.join('\r\n\r\n') + '\r\n\r\n', // blank lines between and after
    ];
    for (const text of variants) {
      await writeFile(join(d, EPISODES_FILE), text);
      expect((await readSuite(d)).map((e) => e.id)).toEqual(eps.map((e) => e.id));
    }
    // a malformed line is still named by its line number, counted with the blank ones
    await writeFile(join(d, EPISODES_FILE), '\uFEFF' + [lines[0], '', '{"id": "x",', ...lines.slice(1)].join('\r\n'));
    await expect(readSuite(d)).rejects.toThrow(/episodes\.jsonl:3: malformed JSON/);
  });

  it('a lone \\r between an episode’s fields is JSON whitespace, not a line end: read and numbered as every JSONL of askfirst (util/text-file.ts)', async () => {
    const d = await copySuite((t) => t);
    const lines = (await readFile(join(d, EPISODES_FILE), 'utf8')).trimEnd().split('\n');
    const cr = lines.map((l, i) => (i === 0 ? l.replace(',"kind"', ',\r"kind"') : l));
    expect(cr[0]).toContain('\r');
    await writeFile(join(d, EPISODES_FILE), cr.join('\n') + '\n');
    expect((await readSuite(d)).map((e) => e.id)).toEqual(eps.map((e) => e.id)); // was "episodes.jsonl:1: malformed JSON"
    // a malformed line is named by the line number a whole-file split (and ProactiveBench's reader, and wc -l) gives
    await writeFile(join(d, EPISODES_FILE), [cr[0], '{"id": "x",', ...cr.slice(1)].join('\n'));
    await expect(readSuite(d)).rejects.toThrow(/episodes\.jsonl:2: malformed JSON/);
  });

  it('a view path written relative to the working directory, or with backslashes: the missing image says how to write it', async () => {
    const d = await copySuite((t) => t);
    const text = (await readFile(join(d, EPISODES_FILE), 'utf8')).trimEnd().split('\n');
    // as if run from the suite folder's parent (path.resolve reads process.cwd())
    vi.spyOn(process, 'cwd').mockReturnValue(dirname(d));
    onTestFinished(() => {
      vi.restoreAllMocks();
    });
    const cwdRelative = relative(process.cwd(), d).split(sep).join('/');
    const withPath = (path: string) => {
      const o = JSON.parse(text[0]);
      o.views[0] = { path };
      return [JSON.stringify(o), ...text.slice(1)].join('\n') + '\n';
    };
    const first = JSON.parse(text[0]).views[0].path as string;
    await writeFile(join(d, EPISODES_FILE), withPath(`${cwdRelative}/${first}`));
    await expect(readSuite(d)).rejects.toThrow(`is missing: ${resolve(d, cwdRelative, first)} (view paths are relative to the suite folder ${d}, not to the working directory: write "${first}")`);
    await writeFile(join(d, EPISODES_FILE), withPath(first.replace('/', '\\')));
    await expect(readSuite(d)).rejects.toThrow(`(write the path with "/", not "\\": "${first}")`);
  });

  it('says where to look when there is no suite', async () => {
    await expect(readSuite(join(dir, 'nope'))).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('loadDataEpisodes', () => {
  it('keeps only the episodes asked for (as loadData reads them), and refuses what loadData refuses', async () => {
    const d = tmpDir('askfirst-io-some');
    await writeSuite(d, eps);
    const all = (await loadData(d)).episodes;
    const want = new Set([all[1].id, all[4].id, 'not-there']);
    const { episodes, loader } = await loadDataEpisodes(`suite:${d}`, want);
    expect([...episodes.keys()].sort()).toEqual([all[1].id, all[4].id].sort());
    expect(episodes.get(all[4].id)).toEqual(all[4]);
    const view = all[1].views[0];
    expect((await loader(view, all[1].id)).width).toBe(eps[1].views[0] && 'image' in eps[1].views[0] ? eps[1].views[0].image.width : -1);
    // only the images of the episodes asked for are checked (the ones shown): one missing elsewhere is no matter here,
    // one of theirs refuses the data, as loadData does
    await unlink(join(d, (all[5].views[0] as { path: string }).path));
    expect([...(await loadDataEpisodes(d, want)).episodes.keys()].sort()).toEqual([all[1].id, all[4].id].sort());
    await unlink(join(d, (all[4].views[0] as { path: string }).path));
    await expect(loadDataEpisodes(d, want)).rejects.toThrow(/image of views\[0\] is missing/);
    writeFileSync(join(d, EPISODES_FILE), '');
    await expect(loadDataEpisodes(d, want)).rejects.toThrow(/it holds no episodes \(episodes\.jsonl is empty\)/);
  });

  it("reads no further than the last episode asked for (report's examples: a suite of 100,000 was read whole to show six)", async () => {
    const d = tmpDir('askfirst-io-some-early');
    const all = await writeSuite(d, eps);
    appendFileSync(join(d, EPISODES_FILE), '{"a line after the episodes asked for"\n');
    const want = new Set([all[1].id, all[2].id]);
    expect([...(await loadDataEpisodes(d, want)).episodes.keys()].sort()).toEqual([all[1].id, all[2].id].sort());
    // one not there: every line is read, and the broken one refused as before
    await expect(loadDataEpisodes(d, new Set([all[1].id, 'not-there']))).rejects.toThrow(/malformed JSON/);
  });
});

describe('a suite whose two ids name one image file', () => {
  it('is refused in one line naming both ("x y" and "x_y" wrote the same PNGs: the second overwrote the first\'s), and nothing is written', async () => {
    const [a, b] = eps;
    const parent = tmpDir('askfirst-io-ids');
    for (const [first, second] of [['x y', 'x_y'], ['x_y', 'x y'], ['x y', 'x:y']]) {
      const d = join(parent, 'new', 'suite');
      await expect(writeSuite(d, [{ ...a, id: first }, { ...b, id: second }])).rejects.toThrow(
        `episodes ${JSON.stringify(first)} and ${JSON.stringify(second)} would write their images to the same files (images/x_y_v*.png: every character of an id but A-Z, a-z, 0-9, ".", "_" and "-" becomes "_"), and the images of one would replace the other's. Nothing was written to ${d}: give one of them another id`,
      );
      expect(readdirSync(parent)).toEqual([]);
    }
    // over an earlier suite: left as it was
    const d = join(parent, 'earlier');
    await writeSuite(d, eps);
    const before = await readFile(join(d, EPISODES_FILE), 'utf8');
    await expect(writeSuite(d, [{ ...a, id: 'x y' }, { ...b, id: 'x_y' }])).rejects.toThrow(/"x y" and "x_y" would write their images to the same files/);
    expect(await readFile(join(d, EPISODES_FILE), 'utf8')).toBe(before);
    expect(await readSuite(d)).toHaveLength(eps.length);
    // ids that name distinct files, one of them not its id: each keeps its own images
    const ok = join(parent, 'ok');
    const written = await writeSuite(ok, [{ ...a, id: 'x y' }, { ...b, id: 'x-y' }]);
    expect(new Set(written.flatMap((e) => e.views.map((v) => ('path' in v ? v.path : ''))))).toHaveProperty('size', a.views.length + b.views.length);
  });
});

describe('a suite written over an earlier one', () => {
  it("removes the earlier suite's images the new one does not use, and leaves files its list did not name", async () => {
    const d = tmpDir('askfirst-suite-over');
    await writeSuite(d, generateSuite({ episodes: 3, seed: 0, size: 32, kinds: ['occlusion'] }));
    writeFileSync(join(d, 'images', 'mine.png'), 'a file of the user'); // not named by the earlier list
    const before = readdirSync(join(d, 'images')).length;
    const next = generateSuite({ episodes: 1, seed: 1, size: 32, kinds: ['occlusion'] });
    await writeSuite(d, next);
    const left = readdirSync(join(d, 'images')).sort();
    const used = (await readSuite(d)).flatMap((e) => e.views.map((v) => (v as { path: string }).path.slice('images/'.length)));
    expect(left).toEqual([...used, 'mine.png'].sort());
    expect(before).toBeGreaterThan(left.length);
  });
});

describe('a suite written over an earlier one, stopped while replacing it', () => {
  it('(the earlier list set aside, its images not yet removed): the next write removes them', async () => {
    const d = tmpDir('askfirst-suite-over-cut');
    await writeSuite(d, generateSuite({ episodes: 3, seed: 0, size: 32, kinds: ['occlusion'] }));
    writeFileSync(join(d, 'images', 'mine.png'), 'a file of the user');
    const next = generateSuite({ episodes: 1, seed: 1, size: 32, kinds: ['occlusion'] });
    let moved = 0;
    const kill = () => {
      if (++moved === 2) throw new Error('killed'); // a kill while the new images are moved in: the earlier list is gone from d
    };
    await expect(writeSuite(d, next, { onImageMoved: kill })).rejects.toThrow('killed');
    expect(readdirSync(join(d, REPLACING_DIR))).toEqual([EPISODES_FILE]); // the record of what to remove
    await writeSuite(d, next); // run again
    const used = (await readSuite(d)).flatMap((e) => e.views.map((v) => (v as { path: string }).path.slice('images/'.length)));
    expect(readdirSync(join(d, 'images')).sort()).toEqual([...used, 'mine.png'].sort());
    expect(existsSync(join(d, REPLACING_DIR))).toBe(false);
  });
});

describe('an interrupted suite write', () => {
  it('over an earlier suite, stopped before the last episode, leaves the earlier suite as it was (new images wait in the staging folder)', async () => {
    const d = tmpDir('askfirst-suite-cut');
    const first = generateSuite({ episodes: 2, seed: 0, size: 32, kinds: ['occlusion'] });
    await writeSuite(d, first);
    const image = await readFile(join(d, 'images', 'occlusion-00000_v0.png'));
    const next = generateSuite({ episodes: 2, seed: 1, size: 32, kinds: ['occlusion'] });
    let n = 0;
    let staged = false;
    const stop = () => {
      staged = existsSync(join(d, STAGING_DIR, 'images', 'occlusion-00000_v0.png'));
      if (++n === 1) throw new Error('killed');
    };
    await expect(writeSuite(d, next, { onEpisode: stop })).rejects.toThrow('killed'); // the first episode's images staged, then stopped
    expect(staged).toBe(true);
    expect((await readSuite(d)).map((e) => e.id)).toEqual(first.map((e) => e.id));
    expect(await readFile(join(d, 'images', 'occlusion-00000_v0.png'))).toEqual(image); // not the new episode's
    expect(existsSync(join(d, STAGING_DIR))).toBe(false); // a failed write removes its staging folder (a killed one: the next write does)
    await writeSuite(d, next); // run again: the whole new suite
    expect((await readSuite(d)).map((e) => e.id)).toEqual(next.map((e) => e.id));
    expect(await readFile(join(d, 'images', 'occlusion-00000_v0.png'))).not.toEqual(image);
  });

  it('over an earlier suite, stopped while replacing it, leaves no episodes.jsonl: the half-old, half-new folder is not read as a suite', async () => {
    const d = tmpDir('askfirst-suite-cut2');
    await writeSuite(d, generateSuite({ episodes: 2, seed: 0, size: 32, kinds: ['occlusion'] }));
    const next = generateSuite({ episodes: 2, seed: 1, size: 32, kinds: ['occlusion'] });
    // a kill while the images are moved (the earlier list is gone by then), emulated by a move that fails: a folder where an image goes
    const blocker = join(d, 'images', 'occlusion-00001_v0.png');
    let listAtReplacing: boolean | undefined;
    const replacing = () => {
      listAtReplacing = existsSync(join(d, EPISODES_FILE));
      rmSync(blocker);
      mkdirSync(blocker);
      writeFileSync(join(blocker, 'x'), '');
    };
    await expect(writeSuite(d, next, { onReplacing: replacing })).rejects.toThrow();
    rmSync(blocker, { recursive: true });
    expect(listAtReplacing).toBe(true); // up to here the earlier suite was whole
    await expect(readSuite(d)).rejects.toThrow(NotFoundError);
    await expect(loadData(d)).rejects.toThrow(/generate one with `askfirst suite generate/);
    await writeSuite(d, next); // run again: the whole new suite, the leftover staging folder removed
    expect((await readSuite(d)).map((e) => e.id)).toEqual(next.map((e) => e.id));
    expect(existsSync(join(d, STAGING_DIR))).toBe(false);
  });
});

describe('createViewLoader', () => {
  it('returns in-memory images as they are and caches decoded files (LRU)', async () => {
    const load = createViewLoader(dir, 2);
    const img = (eps[0].views[0] as { image: import('../scenes/image.js').RGBImage }).image;
    expect(await load({ image: img }, 'e')).toBe(img);
    const a = await load({ path: 'images/occlusion-00000_v0.png' }, 'e');
    expect(await load({ path: 'images/occlusion-00000_v0.png' }, 'e')).toBe(a);
    await load({ path: 'images/occlusion-00000_v1.png' }, 'e');
    await load({ path: 'images/occlusion-00000_v2.png' }, 'e');
    expect(load.cached()).toBe(2);
    expect(await load({ path: 'images/occlusion-00000_v0.png' }, 'e')).not.toBe(a); // evicted, decoded again
  });
});
