/**
 * `askfirst export --format trl`: rows in TRL's conversational vision format with the reward's
 * columns, the same prompts the environment serves, PNGs on disk, and a Parquet file that reads
 * back to the same rows with the images embedded.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parquetMetadata, parquetReadObjects, parquetSchema as schemaTree } from 'hyparquet';
import { describe, expect, it, vi } from 'vitest';
import { decodePNG } from '../scenes/codec.js';
import { createImage } from '../scenes/image.js';
import { generateSuite } from '../suite/generate.js';
import { createViewLoader, memoryLoader } from '../suite/loader.js';
import { writeSuite } from '../suite/io.js';
import { DataError } from '../util/errors.js';
import { tmpDir } from '../testing/tmp.js';
import { watchFsyncs } from '../testing/fsync-watch.js';
import { STAGED_SYNC_BATCH } from '../util/fsx.js';
import { EpisodePool } from './episodes.js';
import { resolveRewardConfig, Rewarder } from './rewards.js';
import { EnvSession } from './session.js';
import { exportTrl, parquetKvMetadata, parquetSchema, trlRows, type TrlRow } from './trl-export.js';
import type { EpisodeJson } from './lmms-eval-export.js';
import { EpisodeState } from '../episode/state.js';
import { optionLetter } from '../episode/parse.js';
import { Rng } from '../util/rng.js';
import { buildNativeEpisode } from '../suite/proactivebench/build.js';
import { checkEntry } from '../suite/proactivebench/datasets.js';
import { CANNOT } from '../testing/proactivebench-fixture.js';
import { parseLabel, scoreSingleTurn } from './single-turn.js';

const episodes = generateSuite({ episodes: 4, seed: 8, size: 32 });

// A failure between files: the Parquet writer fails when told to.
const inject = vi.hoisted(() => ({ parquetFails: false }));
vi.mock('hyparquet-writer', async (importOriginal) => {
  const real = await importOriginal<typeof import('hyparquet-writer')>();
  return {
    ...real,
    parquetWriteRows: (...args: Parameters<typeof real.parquetWriteRows>) => {
      if (inject.parquetFails) throw new Error('disk full (injected)');
      return real.parquetWriteRows(...args);
    },
  };
});

/** Every file under `dir` (relative path → bytes, base64). */
function snapshot(dir: string): Record<string, string> {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((p) => statSync(join(dir, p)).isFile()).sort();
  return Object.fromEntries(files.map((p) => [p, readFileSync(join(dir, p)).toString('base64')]));
}

describe('export --format trl', () => {
  it('writes JSONL + images + Parquet + dataset card; rows match what env serve shows', async () => {
    const out = tmpDir('askfirst-trl-export');
    const res = await exportTrl(episodes, memoryLoader, { out, turns: 'path' });
    expect(res.files).toEqual(['train.jsonl', 'train.parquet', 'README.md']);
    const rows = readFileSync(join(out, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TrlRow);
    expect(rows.length).toBe(res.rows);
    expect(rows.length).toBeGreaterThan(episodes.length); // several states per episode on the path
    const r0 = rows[0];
    expect(r0.prompt).toEqual([{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: expect.stringContaining('Choose from the following options.') }] }]);
    expect(JSON.parse(r0.label)).toEqual({ episode_id: r0.episode_id, turn: 0, view: r0.view });
    for (const r of rows) {
      expect(existsSync(join(out, r.images[0]))).toBe(true);
      expect(r.options[r.answer_letter.charCodeAt(0) - 65]).toBe(r.answer);
    }
    // Turn 0 of each episode is exactly what a reset of that episode serves.
    const session = new EnvSession(new EpisodePool(episodes, memoryLoader), new Rewarder(resolveRewardConfig({})));
    for (const r of rows.filter((x) => x.turn === 0)) {
      const o = (await session.reset({ episode_id: r.episode_id })).observation;
      expect(o.prompt).toBe((r.prompt[0].content[1] as { text: string }).text);
      expect(o.view).toBe(r.view);
      expect(Buffer.from(o.image_png_base64!, 'base64').equals(readFileSync(join(out, r.images[0])))).toBe(true);
    }
    // utf8: false keeps un-annotated byte arrays (the PNG bytes) as bytes; annotated strings still decode.
    const pq = await parquetReadObjects({ file: new Uint8Array(readFileSync(join(out, 'train.parquet'))).buffer, utf8: false });
    expect(pq.length).toBe(rows.length);
    expect(pq[3].prompt).toEqual([{ role: 'user', content: [{ type: 'image', text: null }, rows[3].prompt[0].content[1]] }]);
    expect(pq[3].options).toEqual(rows[3].options);
    expect(pq[3].label).toBe(rows[3].label);
    expect(pq[3].images[0].path).toBe(rows[3].images[0]);
    const buf = Buffer.from(pq[3].images[0].bytes as Uint8Array);
    expect(buf.equals(readFileSync(join(out, rows[3].images[0])))).toBe(true);
    expect(decodePNG(buf).width).toBe(32);
    const card = readFileSync(join(out, 'README.md'), 'utf8');
    expect(card).toMatch(/^---\nconfigs:/);
    expect(card).toContain(`${rows.length} rows from ${episodes.length} episodes`);
  });

  it('train.parquet carries its Hugging Face features: datasets loads images as images, no cast (datasets 3 and 4+ read the JSON)', async () => {
    const out = tmpDir('askfirst-trl-export');
    await exportTrl(episodes, memoryLoader, { out, turns: 'path' });
    const meta = parquetMetadata(new Uint8Array(readFileSync(join(out, 'train.parquet'))).buffer);
    // datasets' Features.from_arrow_schema reads the schema metadata key `huggingface`: {"info": {"features": …}}
    const kv = meta.key_value_metadata?.find((e) => e.key === 'huggingface');
    expect(kv, 'no `huggingface` key in the footer: datasets gives images as {bytes, path} structs').toBeDefined();
    const { info } = JSON.parse(kv!.value!) as { info: { features: Record<string, unknown> } };
    const V = (dtype: string) => ({ dtype, _type: 'Value' });
    const str = V('string');
    // as datasets serialises them (features.py generate_from_dict): a list of structs as [{…}], other lists as Sequence
    expect(info.features).toEqual({
      prompt: [{ role: str, content: [{ type: str, text: str }] }],
      images: { feature: { _type: 'Image' }, _type: 'Sequence' },
      episode_id: str, kind: str, mode: str,
      turn: V('int32'), view: V('int32'), max_turns: V('int32'), control: V('bool'),
      label: str,
      options: { feature: str, _type: 'Sequence' },
      answer: str, answer_letter: str,
      valid_intervention_letters: { feature: str, _type: 'Sequence' },
    });
    // one feature per column, in the file's order
    expect(Object.keys(info.features)).toEqual(schemaTree(meta).children.map((c) => c.element.name));
    // datasets applies a column's feature only where its Arrow field equals the file's, nullability included (a feature
    // is nullable): pyarrow reads a REQUIRED column or list element as `not null`. An Image list: images and its element
    // are OPTIONAL, bytes and path too.
    const images = meta.schema.findIndex((e) => e.name === 'images');
    expect(meta.schema.slice(images, images + 5).map((e) => [e.name, e.repetition_type])).toEqual([
      ['images', 'OPTIONAL'], ['list', 'REPEATED'], ['element', 'OPTIONAL'], ['bytes', 'OPTIONAL'], ['path', 'OPTIONAL'],
    ]);
  });

  it('syncs its images together before the folder appears, not each in turn (an fsync per image, waited on, was most of a large export)', async () => {
    const out = tmpDir('askfirst-trl-export');
    const fsyncs = await watchFsyncs(fileURLToPath(import.meta.url));
    const res = await exportTrl(episodes, memoryLoader, { out, turns: 'path', parquet: false });
    expect(res.images).toBeGreaterThan(episodes.length);
    // every image is synced (a crash after the folder appears finds them whole), all of them at once: they number fewer
    // than a batch (STAGED_SYNC_BATCH); before, one writeFileAtomic each, so one fsync in flight at a time
    expect(res.images).toBeLessThan(STAGED_SYNC_BATCH);
    expect(fsyncs.maxInFlight).toBe(res.images);
    expect(fsyncs.calls).toBe(res.images + 2); // and train.jsonl's and README.md's
  });

  it('--no-parquet over an earlier export removes its train.parquet, which would disagree with the new train.jsonl', async () => {
    const out = tmpDir('askfirst-trl-reexport');
    await exportTrl(episodes, memoryLoader, { out, turns: 'path' });
    expect(existsSync(join(out, 'train.parquet'))).toBe(true);
    const res = await exportTrl(episodes.slice(0, 1), memoryLoader, { out, turns: 'first', parquet: false });
    expect(res.files).toEqual(['train.jsonl', 'README.md']);
    expect(existsSync(join(out, 'train.parquet'))).toBe(false);
  });

  it('--no-parquet writes each episode as it comes: byte for byte the JSONL, images and card of the Parquet export', async () => {
    const parent = tmpDir('askfirst-trl-streamed');
    const out = join(parent, 'ds');
    for (const o of [{ turns: 'path' as const }, { turns: 'first' as const, mode: 'hint' as const, absolutePaths: true }]) {
      await exportTrl(episodes, memoryLoader, { out, source: 'suite', ...o });
      const whole = snapshot(out); // the Parquet path holds every row and image, then writes
      let seen = 0;
      const res = await exportTrl(episodes, memoryLoader, {
        out,
        source: 'suite',
        ...o,
        parquet: false,
        onEpisode: () => {
          // this episode's images are already in the folder being written, before the next episode is read
          const tmp = readdirSync(parent).filter((n) => n.startsWith('.ds.tmp-'));
          expect(tmp).toHaveLength(1);
          for (const r of trlRows(episodes[seen], o.turns, o.mode)) expect(existsSync(join(parent, tmp[0], r.images[0]))).toBe(true);
          seen++;
        },
      });
      expect(seen).toBe(episodes.length);
      const streamed = snapshot(out);
      const { 'train.parquet': parquet, 'README.md': card, ...rest } = whole;
      expect(parquet).toBeDefined();
      const { 'README.md': streamedCard, ...streamedRest } = streamed;
      expect(streamedRest).toEqual(rest); // train.jsonl and every image, byte for byte
      // the card differs only where it names the Parquet file, and in how to load the data (the next test)
      const text = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
      const loading = /## Loading\n```python\n[^`]*```/;
      expect(text(streamedCard).replace(loading, '')).toBe(text(card).replace('path: train.parquet', 'path: train.jsonl').replace(/^- `train\.parquet`.*\n/m, '').replace(loading, ''));
      expect(res).toEqual({ rows: text(rest['train.jsonl']).trim().split('\n').length, images: Object.keys(rest).length - 1, files: ['train.jsonl', 'README.md'], replaced: true }); // over the Parquet export just made
    }
    expect(readdirSync(parent)).toEqual(['ds']);
  });

  it('--no-parquet: the card loads train.jsonl and opens its images, naming no train.parquet (its Loading snippet named one)', async () => {
    for (const absolutePaths of [false, true]) {
      const out = tmpDir('askfirst-trl-card');
      await exportTrl(episodes, memoryLoader, { out, turns: 'path', parquet: false, absolutePaths });
      const card = readFileSync(join(out, 'README.md'), 'utf8');
      expect(card).not.toContain('train.parquet');
      const snippet = /## Loading\n```python\n([^`]*)```/.exec(card)![1];
      expect(snippet).toContain('load_dataset("json", data_files="train.jsonl", split="train")');
      expect(snippet).toContain('ds.cast_column("images", Sequence(Image()))');
      expect(snippet.includes('relative to this folder')).toBe(!absolutePaths);
    }
  });

  it('--format lmms-eval --no-parquet: the card points the task at train.jsonl (dataset_path: json), and says its relative image paths need --absolute-paths (it named train.parquet in data_files)', async () => {
    const evaluating = (card: string) => /## Evaluating\n[^]*$/.exec(card)![0].replace(/\n/g, ' ');
    for (const turns of ['first', 'episode'] as const) {
      const yaml = turns === 'first' ? 'askfirst_first_turn/askfirst_first_turn.yaml' : 'askfirst_episode/askfirst_episode.yaml';
      const withParquet = join(tmpDir('askfirst-lmms-card'), 'ds');
      await exportTrl(episodes, memoryLoader, { out: withParquet, turns, format: 'lmms-eval' });
      expect(evaluating(readFileSync(join(withParquet, 'README.md'), 'utf8'))).toContain(`Name this folder's \`train.parquet\` in \`dataset_kwargs.data_files\` of integrations/lmms_eval/${yaml}`);
      for (const absolutePaths of [false, true]) {
        const out = join(tmpDir('askfirst-lmms-card'), 'ds');
        await exportTrl(episodes, memoryLoader, { out, turns, format: 'lmms-eval', parquet: false, absolutePaths });
        const text = evaluating(readFileSync(join(out, 'README.md'), 'utf8'));
        expect(text).toContain(`This export has no \`train.parquet\` (\`--no-parquet\`): in integrations/lmms_eval/${yaml}`);
        expect(text).toContain("set `dataset_path: json` and name this folder's `train.jsonl` in `dataset_kwargs.data_files`");
        expect(text).not.toContain("Name this folder's `train.parquet`");
        // what doc_to_visual opens (utils.py: absolute paths only; integrations/tests/test_lmms_eval_task.py): the rows' paths
        const row = JSON.parse(readFileSync(join(out, 'train.jsonl'), 'utf8').split('\n')[0]) as { images: string[]; views?: string[] };
        for (const p of [...row.images, ...(row.views ?? [])]) expect(isAbsolute(p) && existsSync(p)).toBe(absolutePaths);
        if (absolutePaths) expect(text).toContain("its image paths are absolute (`--absolute-paths`), which the task's `doc_to_visual` opens");
        else expect(text).toMatch(/this export's image paths are relative to this folder, and the task's `doc_to_visual` opens absolute ones only .*: export again with `--absolute-paths`/);
      }
    }
  });

  it('--no-parquet: a view that does not load part-way leaves the earlier export as it was, and no temporary file', async () => {
    const parent = tmpDir('askfirst-trl-streamed-bad');
    const out = join(parent, 'ds');
    await exportTrl(episodes.slice(0, 1), memoryLoader, { out, turns: 'first', parquet: false });
    const before = snapshot(out);
    let n = 0;
    const failing: typeof memoryLoader = async (ref, id) => {
      if (++n === 5) throw new Error(`cannot load a view of ${id}`);
      return memoryLoader(ref, id);
    };
    await expect(exportTrl(episodes, failing, { out, turns: 'path', parquet: false })).rejects.toThrow(/cannot load a view/);
    expect(snapshot(out)).toEqual(before);
    expect(readdirSync(parent)).toEqual(['ds']);
  });

  it('a view that does not load fails the export and leaves no folder (no images/ without a train.jsonl)', async () => {
    const parent = tmpDir('askfirst-trl-badview');
    const out = join(parent, 'ds');
    let n = 0;
    const failing: typeof memoryLoader = async (ref, id) => {
      if (++n === 5) throw new Error(`cannot load a view of ${id}`);
      return memoryLoader(ref, id);
    };
    await expect(exportTrl(episodes, failing, { out, turns: 'path' })).rejects.toThrow(/cannot load a view/);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('a view file cut short: the error names the episode, the view and the file, says nothing was exported and what to do', async () => {
    const data = tmpDir('askfirst-trl-cutview');
    const suite = await writeSuite(join(data, 'suite'), episodes.slice(0, 3));
    const loader = createViewLoader(join(data, 'suite'));
    const ep = suite[1];
    const file = resolve(data, 'suite', (ep.views[ep.firstView] as { path: string }).path);
    writeFileSync(file, readFileSync(file).subarray(0, 60)); // a copy stopped midway
    const parent = tmpDir('askfirst-trl-cutview-out');
    const out = join(parent, 'ds');
    const fresh = (await exportTrl(suite, loader, { out, turns: 'path' }).catch((e: unknown) => e)) as DataError;
    expect(fresh).toBeInstanceOf(DataError);
    expect(fresh.message).toBe(
      `${file}: episode ${ep.id}, view ${ep.firstView}: cannot load view: cannot decode image: the PNG file ends early (truncated: a copy or download stopped midway?); copy or save it again. Nothing was exported (${out} was not created): replace that view's file, or leave its episode out of the data, and run the same askfirst export again`,
    );
    expect(readdirSync(parent)).toEqual([]);
    await exportTrl(suite.slice(0, 1), loader, { out, turns: 'first' });
    const before = snapshot(out);
    for (const parquet of [true, false]) {
      const err = (await exportTrl(suite, loader, { out, turns: 'path', parquet }).catch((e: unknown) => e)) as DataError;
      expect(err.message).toContain(`: episode ${ep.id}, view ${ep.firstView}: cannot load view: `);
      expect(err.message).toContain(`Nothing was exported (${out} holds the earlier export as it was)`);
      expect(snapshot(out)).toEqual(before);
      expect(readdirSync(parent)).toEqual(['ds']);
    }
  });

  it('with Parquet writes each episode as it comes and train.parquet row group by row group; it reads back as the one-group file does', async () => {
    const parent = tmpDir('askfirst-trl-pq-streamed');
    const out = join(parent, 'ds');
    const whole = await exportTrl(episodes, memoryLoader, { out, turns: 'path' });
    const snapWhole = snapshot(out);
    const read = async () => parquetReadObjects({ file: new Uint8Array(readFileSync(join(out, 'train.parquet'))).buffer, utf8: false });
    const rowsWhole = await read();
    const parquetSizes: number[] = [];
    let seen = 0;
    const res = await exportTrl(episodes, memoryLoader, {
      out,
      turns: 'path',
      parquetRowGroupRows: 2,
      onEpisode: () => {
        // this episode's images are in the folder being written before the next episode is read, and the Parquet
        // file being written already holds the row groups made so far
        const tmp = readdirSync(parent).filter((n) => n.startsWith('.ds.tmp-'));
        expect(tmp).toHaveLength(1);
        for (const r of trlRows(episodes[seen], 'path')) expect(existsSync(join(parent, tmp[0], r.images[0]))).toBe(true);
        const pq = readdirSync(join(parent, tmp[0])).filter((n) => n.startsWith('.train.parquet.'));
        expect(pq).toHaveLength(1);
        parquetSizes.push(statSync(join(parent, tmp[0], pq[0])).size);
        seen++;
      },
    });
    expect(seen).toBe(episodes.length);
    expect(res).toEqual({ ...whole, replaced: true }); // the first export replaced
    expect(parquetSizes[parquetSizes.length - 1]).toBeGreaterThan(parquetSizes[0]); // written as the rows came, not at the end
    const { 'train.parquet': pqStreamed, ...rest } = snapshot(out);
    const { 'train.parquet': pqWhole, ...restWhole } = snapWhole;
    expect(rest).toEqual(restWhole); // train.jsonl, every image and the card, byte for byte
    expect(pqStreamed).not.toBe(pqWhole); // more row groups
    expect(await read()).toEqual(rowsWhole);
  });

  it('up to 1,000 rows, the streamed train.parquet is byte for byte the file one write of every row gives', async () => {
    const out = tmpDir('askfirst-trl-pq-same');
    await exportTrl(episodes, memoryLoader, { out, turns: 'path' });
    const rows = readFileSync(join(out, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TrlRow);
    const col = <K extends keyof TrlRow>(name: K) => ({ name, data: rows.map((r) => r[name]) });
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const once = parquetWriteBuffer({
      schema: parquetSchema() as never,
      columnData: [
        { name: 'prompt', data: rows.map((r) => r.prompt.map((m) => ({ role: m.role, content: m.content.map((p) => ({ type: p.type, text: 'text' in p ? p.text : null })) }))) },
        { name: 'images', data: rows.map((r) => r.images.map((p) => ({ bytes: readFileSync(join(out, p)), path: p }))) },
        ...(['episode_id', 'kind', 'mode', 'turn', 'view', 'max_turns', 'control', 'label', 'options', 'answer', 'answer_letter', 'valid_intervention_letters'] as const).map(col),
      ] as never,
      createdBy: 'askfirst export --format trl',
      kvMetadata: parquetKvMetadata(),
    });
    expect(Buffer.from(once).equals(readFileSync(join(out, 'train.parquet')))).toBe(true);
  });

  it('a failure between files leaves the earlier export as it was, and no temporary folder beside it', async () => {
    const parent = tmpDir('askfirst-trl-whole');
    const out = join(parent, 'ds');
    await exportTrl(episodes, memoryLoader, { out, turns: 'path' });
    const before = snapshot(out);
    const other = generateSuite({ episodes: 2, seed: 9, size: 32 });
    inject.parquetFails = true;
    try {
      await expect(exportTrl(other, memoryLoader, { out, turns: 'first' })).rejects.toThrow('disk full (injected)');
      // a first export that fails leaves no folder at all
      await expect(exportTrl(other, memoryLoader, { out: join(parent, 'new'), turns: 'first' })).rejects.toThrow('disk full (injected)');
    } finally {
      inject.parquetFails = false;
    }
    expect(snapshot(out)).toEqual(before); // not the new train.jsonl and images beside the old Parquet and card
    expect(readdirSync(parent)).toEqual(['ds']);
  });

  it('a new export over an earlier one holds none of its files; absolute image paths name the final folder', async () => {
    const parent = tmpDir('askfirst-trl-replace');
    const out = join(parent, 'ds');
    await exportTrl(episodes, memoryLoader, { out, turns: 'path' });
    const res = await exportTrl(episodes.slice(0, 1), memoryLoader, { out, turns: 'first', absolutePaths: true });
    const rows = readFileSync(join(out, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TrlRow);
    expect(rows.map((r) => r.images[0])).toEqual([resolve(out, trlRows(episodes[0], 'first')[0].images[0])]);
    expect(existsSync(rows[0].images[0])).toBe(true);
    expect(readdirSync(join(out, 'images'))).toHaveLength(res.images); // no image of the episodes left out this time
    expect(readdirSync(parent)).toEqual(['ds']);
  });

  it('an --out that holds anything but an earlier export is refused and left as it was', async () => {
    const dir = tmpDir('askfirst-trl-notours');
    writeFileSync(join(dir, 'notes.txt'), 'mine\n');
    await expect(exportTrl(episodes, memoryLoader, { out: dir, turns: 'first' })).rejects.toThrow(
      `--out ${dir} is not empty and is not an earlier \`askfirst export\` (it holds notes.txt): give a new or empty folder, or the folder of an earlier export with --overwrite (it is replaced as a whole)`,
    );
    writeFileSync(join(dir, 'README.md'), '# my dataset\n');
    await expect(exportTrl(episodes, memoryLoader, { out: join(dir, 'README.md'), turns: 'first' })).rejects.toThrow(`--out ${join(dir, 'README.md')} is a file: give a folder`);
    const readmeOnly = join(dir, 'sub');
    await exportTrl(episodes, memoryLoader, { out: readmeOnly, turns: 'first' });
    writeFileSync(join(readmeOnly, 'README.md'), '# my notes\n');
    await expect(exportTrl(episodes, memoryLoader, { out: readmeOnly, turns: 'first' })).rejects.toThrow(/its README\.md is not the dataset card of an export/);
    expect(readdirSync(dir).sort()).toEqual(['README.md', 'notes.txt', 'sub']);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('# my dataset\n');
  });

  it('--format lmms-eval exports first turns (or whole episodes): --turns path is refused in one line, --turns episode with --format trl too, and nothing is written', async () => {
    const out = join(tmpDir('askfirst-lmms-export'), 'x');
    await expect(exportTrl(episodes, memoryLoader, { out, turns: 'path', format: 'lmms-eval' })).rejects.toThrow(/^--format lmms-eval exports the first turn of each episode .*: give --turns first or episode, or leave --turns out$/);
    await expect(exportTrl(episodes, memoryLoader, { out, turns: 'episode' })).rejects.toThrow(/^--turns episode is for --format lmms-eval .*: give --format lmms-eval, or --turns path or first$/);
    expect(existsSync(out)).toBe(false);
  });

  it('--format lmms-eval --turns episode: the first-turn row plus every reachable view and the protocol, as EpisodeState plays it; Parquet embeds the views', async () => {
    const out = join(tmpDir('askfirst-lmms-episode'), 'x');
    await exportTrl(episodes, memoryLoader, { out, turns: 'episode', format: 'lmms-eval' });
    const rows = readFileSync(join(out, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TrlRow & { views: string[]; episode: string; intervention_letters: string[] });
    const first = readFileSync(join(out, 'train.jsonl'), 'utf8');
    expect(rows).toHaveLength(episodes.length);
    const rng = new Rng(3);
    let moves = 0;
    for (const [i, ep] of episodes.entries()) {
      const r = rows[i];
      const e = JSON.parse(r.episode) as EpisodeJson;
      expect(r.views[0]).toBe(r.images[0]);
      expect(e.views.map((v) => `images/${ep.id}_v${v.view}.png`)).toEqual(r.views);
      expect([e.first_view, e.max_turns, e.control, e.min_interventions]).toEqual([ep.firstView, ep.maxTurns, ep.control, ep.minInterventions]);
      const at = new Map(e.views.map((v) => [v.view, v]));
      // random walks: at every turn the view is in the row, with the prompt and options shown, and each valid ask leads where `next` says
      for (let walk = 0; walk < 20; walk++) {
        const s = new EpisodeState(ep, 'proactive');
        while (!s.done) {
          const o = s.observe();
          const v = at.get(s.currentView)!;
          expect([v.prompt, v.options, v.intervention_letters.length]).toEqual([o.prompt, o.options, o.numInterventions]);
          expect(v.informative).toBe(ep.informative?.[s.currentView] ?? null);
          const letter = optionLetter(rng.int(o.numInterventions + 1)); // mostly interventions, sometimes the first category
          const a = s.step(`${letter}.`);
          if (!s.done && a.type === 'intervention') {
            expect(s.currentView).toBe(v.next[letter]);
            moves++;
          } else expect(v.next[letter] === undefined || s.done).toBe(true);
        }
      }
    }
    expect(moves).toBeGreaterThan(100);
    const pq = await parquetReadObjects({ file: new Uint8Array(readFileSync(join(out, 'train.parquet'))).buffer, utf8: false });
    for (const [i, p] of pq.entries()) {
      expect(p.episode).toBe(rows[i].episode);
      expect((p.views as { bytes: Uint8Array; path: string }[]).map((v) => [v.path, Buffer.from(v.bytes).equals(readFileSync(join(out, v.path)))])).toEqual(rows[i].views.map((v) => [v, true]));
    }
    // the first-turn columns are a --turns first export's, row for row
    const firstOut = join(tmpDir('askfirst-lmms-first'), 'x');
    await exportTrl(episodes, memoryLoader, { out: firstOut, turns: 'first', format: 'lmms-eval' });
    const firstRows = readFileSync(join(firstOut, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map(({ views: _v, episode: _e, ...rest }) => rest)).toEqual(firstRows);
    expect(first).toContain('"episode":');
  });

  it('--format lmms-eval: each line is the --format trl --turns first line, byte for byte, with the letters and view_informative after it (the episode\'s informative at that view); Parquet holds it as a nullable bool', async () => {
    const dir = tmpDir('askfirst-lmms-row');
    await exportTrl(episodes, memoryLoader, { out: join(dir, 'trl'), turns: 'first' });
    await exportTrl(episodes, memoryLoader, { out: join(dir, 'lmms'), turns: 'first', format: 'lmms-eval' });
    const trl = readFileSync(join(dir, 'trl', 'train.jsonl'), 'utf8').trim().split('\n');
    const lmms = readFileSync(join(dir, 'lmms', 'train.jsonl'), 'utf8').trim().split('\n');
    expect(lmms).toHaveLength(trl.length);
    const seen = new Set<boolean | null>();
    for (const [i, line] of lmms.entries()) {
      const r = JSON.parse(line) as TrlRow & { intervention_letters: string[]; abstain_letters: string[]; view_informative: boolean | null };
      const ep = episodes.find((e) => e.id === r.episode_id)!;
      expect(r.view_informative).toBe(ep.informative![r.view]);
      seen.add(r.view_informative);
      const { intervention_letters: il, abstain_letters: al, view_informative: vi, ...rest } = r;
      expect(JSON.stringify(rest)).toBe(trl[i]);
      expect(line).toBe(`${trl[i].slice(0, -1)},${JSON.stringify({ intervention_letters: il, abstain_letters: al, view_informative: vi }).slice(1)}`);
    }
    expect([...seen].sort()).toEqual([false, true]); // first views that show enough, and that do not
    const pq = await parquetReadObjects({ file: new Uint8Array(readFileSync(join(dir, 'lmms', 'train.parquet'))).buffer, utf8: false });
    expect(pq.map((p) => p.view_informative)).toEqual(lmms.map((l) => (JSON.parse(l) as { view_informative: boolean }).view_informative));
    const meta = parquetMetadata(new Uint8Array(readFileSync(join(dir, 'lmms', 'train.parquet'))).buffer);
    expect(meta.schema.find((e) => e.name === 'view_informative')).toMatchObject({ type: 'BOOLEAN', repetition_type: 'OPTIONAL' });
    const { info } = JSON.parse(meta.key_value_metadata!.find((e) => e.key === 'huggingface')!.value!) as { info: { features: Record<string, unknown> } };
    expect(info.features.view_informative).toEqual({ dtype: 'bool', _type: 'Value' });
  });

  it('--turns first gives one row per episode; reference mode one row on the clearest view', () => {
    for (const e of episodes) {
      expect(trlRows(e, 'first')).toHaveLength(1);
      const ref = trlRows(e, 'path', 'reference');
      expect(ref).toHaveLength(1);
      expect(ref[0].view).toBe(e.referenceView);
      expect(ref[0].valid_intervention_letters).toEqual([]);
    }
  });
});

describe('export --format trl, two ids that name one file', () => {
  it('is refused in one line naming both (the second episode\'s rows showed the first one\'s images), and nothing is written', async () => {
    const [a, b] = generateSuite({ episodes: 1, seed: 3, size: 32, kinds: ['sketch', 'camera'] });
    const dir = tmpDir('askfirst-trl-export-ids');
    for (const [first, second] of [['x y', 'x_y'], ['x_y', 'x y'], ['x y', 'x:y']]) {
      const out = join(dir, 'out');
      await expect(exportTrl([{ ...a, id: first }, { ...b, id: second }], memoryLoader, { out, turns: 'first', parquet: false })).rejects.toThrow(
        `episodes ${JSON.stringify(first)} and ${JSON.stringify(second)} would write their images to the same files (images/x_y_v*.png: every character of an id but A-Z, a-z, 0-9, ".", "_" and "-" becomes "_"), and the rows of one would show the other's views. Nothing was exported (${out} was not created): give one of them another id`,
      );
      expect(readdirSync(dir)).toEqual([]);
    }
    // ids that name distinct files, one of them not its id: each row shows its own episode's view
    const out = join(dir, 'ok');
    const r = await exportTrl([{ ...a, id: 'x y' }, { ...b, id: 'x-y' }], memoryLoader, { out, turns: 'first', parquet: false });
    expect(r.images).toBe(2);
  });
});

describe('export --format trl, the reward of a row', () => {
  it("pays each row's correct letter and valid asks in every mode: the label says the mode its prompt lettered the options in", () => {
    // reference mode letters the categories alone: read as proactive mode's letters (interventions first), none of the
    // 140 reference rows of this suite had its correct letter paid r_c
    const eps = generateSuite({ episodes: 3, seed: 8, size: 32 });
    const rewarder = new Rewarder(resolveRewardConfig({ reward: 'proactivebench', rp: 0.5 }));
    const byId = new Map(eps.map((e) => [e.id, e]));
    let rows = 0;
    for (const mode of ['proactive', 'hint', 'reference'] as const) {
      for (const ep of eps) {
        for (const r of trlRows(ep, 'path', mode)) {
          const label = parseLabel(r.label, 0); // as /get_reward reads it
          if (r.answer_letter) expect(scoreSingleTurn(byId, rewarder, label, `${r.answer_letter}.`).reward).toBe(1);
          for (const l of r.valid_intervention_letters) expect(scoreSingleTurn(byId, rewarder, label, `${l}.`).reward).toBe(0.5);
          rows++;
        }
      }
    }
    expect(rows).toBeGreaterThan(3 * eps.length);
    // a proactive row's label is as it was (the mode is said only where it is another)
    const [first] = trlRows(eps[0], 'first');
    expect(JSON.parse(first.label)).toEqual({ episode_id: eps[0].id, turn: 0, view: first.view });
    expect(JSON.parse(trlRows(eps[0], 'first', 'reference')[0].label)).toEqual({ episode_id: eps[0].id, turn: 0, view: eps[0].referenceView, mode: 'reference' });
    expect(() => parseLabel({ episode_id: eps[0].id, mode: 'proactiv' }, 2)).toThrow('labels[2].mode must be one of proactive, hint, reference (the --mode of askfirst export), not "proactiv"');
  });
});

describe('export --format trl on ProactiveBench data', () => {
  it('names no answer letter where no category counts (ROD first turn), as the reward pays r_w there', () => {
    const entry = { id: 3, image_template: 'ROD/{image}.png', first_image: 2, num_images: 5, reference_image: 0, prompt: 'What is hidden?', options: ['Move the occluding object to the left.', 'Move the occluding object to the right.', CANNOT], categories: ['banana', 'mug'], answer: 'mug' };
    const ep = buildNativeEpisode('Realistic-Occlusion-Dataset', checkEntry(entry, 'Realistic-Occlusion-Dataset', 'x.jsonl', 1), 'ROD-3', { file: 'x.jsonl', line: 1 });
    const rows = trlRows(ep, 'path');
    const rewarder = new Rewarder(resolveRewardConfig({ reward: 'proactivebench', rp: 0.5 }));
    const reward = (r: TrlRow, reply: string) => scoreSingleTurn(new Map([[ep.id, ep]]), rewarder, JSON.parse(r.label), reply).reward;
    expect(rows[0].answer_letter).toBe('');
    expect(reward(rows[0], 'E.')).toBe(0); // "mug" is E at the first turn, and does not count there
    expect(rows[1].answer_letter).toBe('E');
    expect(reward(rows[1], `${rows[1].answer_letter}.`)).toBe(1);
  });
});

describe('export --format trl at scale', () => {
  it("keeps nothing per image written: the heap grows by less than a path's bytes an image (a list of the paths written held 35 MB at 105,000 episodes)", async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // ids of 200 characters, so each image's path is as long; each image 1x1 pixel (what is held shows, not the writing)
    const long = 'x'.repeat(200);
    const N = 4000;
    const stream = {
      count: N,
      episodes: async function* () {
        for (let i = 0; i < N; i++) yield { ...episodes[i % episodes.length], id: `${long}-${i}` };
      },
    };
    const pixel = createImage(1, 1);
    let loads = 0; // images written (each loaded once, to be written)
    let n = 0;
    const at: { heap: number; loads: number }[] = []; // after the 500th episode, and after the last (the export still going)
    const r = await exportTrl(stream, async () => (loads++, pixel), {
      out: tmpDir('askfirst-trl-export-paths'),
      turns: 'path',
      parquet: false,
      onEpisode: () => {
        if (++n !== 500 && n !== N) return;
        gc();
        at.push({ heap: process.memoryUsage().heapUsed, loads });
      },
    });
    expect(r.images).toBe(loads);
    const images = at[1].loads - at[0].loads;
    expect(images).toBeGreaterThan(3 * (N - 500)); // several images an episode
    // the episodes' ids (kept for the card's count of episodes) are some 70 bytes an image; a path kept was 250 more
    expect((at[1].heap - at[0].heap) / images).toBeLessThan(150);
  }, 120_000);
});
