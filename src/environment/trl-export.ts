/**
 * `askfirst export --format trl`: episodes as a conversational prompt-only dataset with images,
 * the shape TRL's GRPOTrainer and its vision collators read
 * (https://huggingface.co/docs/trl/dataset_formats, "Vision datasets": `prompt` is a list of
 * messages whose content is typed parts, `{"type": "image"}` standing where the image goes;
 * `images` is the list of images), plus the columns the reward needs (`episode_id`, `turn`,
 * `view`, `label` for OpenRLHF's `--data.label_key`, the correct answer's letter and text).
 * One row per state on each episode's canonical path (see `canonicalView`) with
 * `turns: 'path'` (single-turn training, ProactiveBench's recipe), or one row per episode at its
 * first turn with `turns: 'first'` (multi-turn training through `askfirst env serve`); `turns: 'episode'` (lmms-eval
 * only) is that row with the whole episode beside it (lmms-eval-export.ts).
 * Written as `train.jsonl` + `images/*.png` (paths relative to the JSONL) and, unless turned off,
 * `train.parquet` with the images embedded as `{bytes, path}` structs (Hugging Face `datasets`'
 * Image layout) and its `datasets` features in the footer (`hfFeatures`: it loads with images as images), plus a
 * dataset card `README.md`. The folder appears as a whole (written into a
 * temporary sibling, then renamed into place: no old file beside new ones after a crash); an
 * existing `out` must be empty or an earlier export, which is replaced (`askfirst export` only with --overwrite).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { EvalMode } from '../episode/types.js';
import type { RGBImage } from '../scenes/image.js';
import { encodePNGFast } from '../scenes/png.js';
import { episodeStream, type Episodes } from '../suite/episode-stream.js';
import type { SuiteEpisode, ViewLoader } from '../suite/types.js';
import { DataError, describeError, InputError } from '../util/errors.js';
import { AtomicFileWriter, StagedFiles, writeDirAtomic, writeFileAtomic } from '../util/fsx.js';
import { LOCK_FILE } from '../eval/lock.js';
import { canonicalView } from './episodes.js';
import { LMMS_EVAL_CARD, LMMS_EVAL_COLUMNS, LMMS_EVAL_EPISODE_COLUMNS, LMMS_EVAL_LETTER_COLUMNS, lmmsEvalColumns, lmmsEvalEpisode, type LmmsEvalColumns } from './lmms-eval-export.js';
import { turnColumns, viewImagePath } from './turn-columns.js';
import { ImageNameClaims } from '../suite/image-names.js';

type Part = { type: 'image' } | { type: 'text'; text: string };
export interface TrlRow {
  prompt: { role: 'user'; content: Part[] }[];
  images: string[];
  episode_id: string;
  kind: string;
  mode: EvalMode;
  turn: number;
  view: number;
  max_turns: number;
  control: boolean;
  /** JSON {"episode_id", "turn", "view"} (and "mode" where not proactive): OpenRLHF's label column, sent back to /get_reward. */
  label: string;
  options: string[];
  answer: string;
  /** The correct category's letter here; empty where no category counts (ProactiveBench's ROD first turn). */
  answer_letter: string;
  /** Letters of the interventions valid at this view (asking one earns r_p). */
  valid_intervention_letters: string[];
}

/** An lmms-eval row (lmms-eval-export.ts): a TRL row plus the letters a reply is read by, and with `--turns episode` the episode. */
type ExportRow = TrlRow & Partial<LmmsEvalColumns> & { views?: string[]; episode?: string };

/** Which rows an export holds: `path` and `first` (trlRows), or `episode` (lmms-eval only): the first turn with the whole episode. */
export type ExportTurns = 'path' | 'first' | 'episode';

/** `trl`, or `lmms-eval`: first-turn rows with the columns the lmms-eval task reads besides (lmms-eval-export.ts). */
export type ExportFormat = 'trl' | 'lmms-eval';

export interface TrlExportOptions {
  out: string;
  turns: ExportTurns;
  /** `trl` unless set; `lmms-eval` needs `turns: 'first'` or `'episode'`, which only it takes. */
  format?: ExportFormat;
  mode?: EvalMode;
  parquet?: boolean;
  /** Write absolute image paths in train.jsonl (OpenRLHF opens them from its working directory). */
  absolutePaths?: boolean;
  /** Called after each episode's images and JSONL lines are written (its Parquet rows go with their row group). */
  onEpisode?: () => void;
  /**
   * Called once every episode's rows are made, with how many steps finishing the files still takes (SAVE_STEPS: the
   * last Parquet row group and footer, syncing the images, committing the files and the card, renaming the folder into
   * place: 0.8 s after the last episode at 560 episodes), then `onSaveStep` after each: a bar that stopped at the last
   * episode left the user waiting after 100 %.
   */
  onSaving?: (steps: number) => void;
  onSaveStep?: () => void;
  /** Rows per Parquet row group (PARQUET_ROW_GROUP_ROWS unless set: tests write small groups). */
  parquetRowGroupRows?: number;
  source?: string;
  /**
   * false: refuse an earlier export in `out` (`askfirst export` without --overwrite, as `feedback export` and `suite
   * show` refuse to replace their files); true or unset: replace it as a whole.
   */
  overwrite?: boolean;
}

/** The steps after the last episode (onSaving): the Parquet file finished, the images synced, the files committed, the folder in place. */
export const SAVE_STEPS = 4;

export interface TrlExportResult {
  rows: number;
  images: number;
  files: string[];
  /** `out` held an earlier export, which this one replaced. */
  replaced: boolean;
}

/** The rows of one episode (no I/O). */
export function trlRows(ep: SuiteEpisode, turns: 'path' | 'first', mode: EvalMode = 'proactive'): TrlRow[] {
  const rows: TrlRow[] = [];
  for (let t = 0; ; t++) {
    const view = mode === 'reference' ? ep.referenceView : canonicalView(ep, t);
    if (view === null) break;
    const c = turnColumns(ep, view, mode);
    rows.push({
      prompt: [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: c.text }] }],
      images: [viewImagePath(ep, view)],
      episode_id: ep.id,
      kind: ep.kind,
      mode,
      turn: t,
      view,
      max_turns: mode === 'reference' ? 1 : ep.maxTurns,
      control: ep.control,
      // the mode too where it is not proactive: the reward reads the reply against the options the prompt lettered, and
      // reference mode letters the categories alone (without it /get_reward lettered them as proactive mode does)
      label: JSON.stringify({ episode_id: ep.id, turn: t, view, ...(mode === 'proactive' ? {} : { mode }) }),
      options: c.options,
      answer: ep.categories[ep.answer],
      answer_letter: c.answer_letter,
      valid_intervention_letters: c.valid_intervention_letters,
    });
    if (turns === 'first' || mode === 'reference') break;
  }
  return rows;
}

const STR = { type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' } as const;
const list = (name: string, repetition: 'REQUIRED' | 'OPTIONAL' = 'REQUIRED') => [
  { name, repetition_type: repetition, converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
];

/**
 * A list of images as `datasets.Image` lays them out: `{bytes, path}` structs. The list and its elements are OPTIONAL
 * (never null): pyarrow reads them as nullable, as `datasets` writes an Image list, so that `datasets` applies the
 * features in the footer (`hfFeatures`), which it does only to a column whose Arrow field equals theirs, nullability
 * included (features.py `Features.from_arrow_schema`; pyarrow `Field::Equals`).
 */
const imageList = (name: string) => [
  ...list(name, 'OPTIONAL'),
  { name: 'element', repetition_type: 'OPTIONAL', num_children: 2 },
  { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
  { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
];

/** One element of a Parquet schema, as hyparquet-writer takes it. */
interface SchemaElement { name: string; type?: string; converted_type?: string; repetition_type?: string; num_children?: number }

/** The Parquet schema: nested lists/structs as pyarrow and `datasets` read them. */
export function parquetSchema(format: ExportFormat = 'trl', episode = false): SchemaElement[] {
  const added: SchemaElement[] =
    format === 'lmms-eval' ? [...LMMS_EVAL_LETTER_COLUMNS.flatMap((name) => [...list(name), { name: 'element', ...STR }]), { name: 'view_informative', type: 'BOOLEAN', repetition_type: 'OPTIONAL' }] : [];
  // --turns episode: every reachable view's image (as `images`), and the episode as JSON
  if (episode) added.push(...imageList('views'), { name: 'episode', ...STR });
  return [
    { name: 'root', num_children: 14 + (format === 'lmms-eval' ? LMMS_EVAL_COLUMNS.length : 0) + (episode ? LMMS_EVAL_EPISODE_COLUMNS.length : 0) },
    ...list('prompt'),
    { name: 'element', repetition_type: 'REQUIRED', num_children: 2 },
    { name: 'role', ...STR },
    ...list('content'),
    { name: 'element', repetition_type: 'REQUIRED', num_children: 2 },
    { name: 'type', ...STR },
    { name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    ...imageList('images'),
    { name: 'episode_id', ...STR },
    { name: 'kind', ...STR },
    { name: 'mode', ...STR },
    { name: 'turn', type: 'INT32', repetition_type: 'REQUIRED' },
    { name: 'view', type: 'INT32', repetition_type: 'REQUIRED' },
    { name: 'max_turns', type: 'INT32', repetition_type: 'REQUIRED' },
    { name: 'control', type: 'BOOLEAN', repetition_type: 'REQUIRED' },
    { name: 'label', ...STR },
    ...list('options'),
    { name: 'element', ...STR },
    { name: 'answer', ...STR },
    { name: 'answer_letter', ...STR },
    ...list('valid_intervention_letters'),
    { name: 'element', ...STR },
    ...added,
  ];
}

type Feature = { _type: string; [k: string]: unknown } | Feature[] | { [field: string]: Feature };
const VALUE_DTYPES: Record<string, string> = { BYTE_ARRAY: 'binary', 'BYTE_ARRAY/UTF8': 'string', INT32: 'int32', BOOLEAN: 'bool' };

/**
 * The Hugging Face `datasets` features of the Parquet schema, which train.parquet carries in its footer under the key
 * `huggingface` as `{"info": {"features": …}}` (what `datasets` writes, features.py `Features.arrow_schema`; pyarrow
 * reads a footer key-value without `ARROW:schema` as the schema's metadata, parquet/arrow/schema.cc `GetOriginSchema`),
 * so that `load_dataset("parquet", …)` gives `images` as images without a cast. A struct of exactly `bytes` and `path`
 * is an Image (its storage); lists are written as `datasets` 3 wrote them, which `datasets` ≥ 4 still reads
 * (features.py `generate_from_dict`): a list of structs as `[{…}]`, any other as `Sequence` (`List` would fail to
 * load in `datasets` 3).
 */
function hfFeatures(schema: readonly SchemaElement[]): Record<string, Feature> {
  let i = 1; // schema[0] is the root
  const field = (): [string, Feature] => {
    const el = schema[i++];
    if (el.converted_type === 'LIST') {
      i++; // the repeated group, whose one child is the element
      const [, item] = field();
      return [el.name, isStruct(item) ? [item] : { feature: item, _type: 'Sequence' }];
    }
    if (el.num_children) {
      const fields: Record<string, Feature> = {};
      for (let k = 0; k < el.num_children; k++) {
        const [name, f] = field();
        fields[name] = f;
      }
      const image = Object.keys(fields).join() === 'bytes,path';
      return [el.name, image ? { _type: 'Image' } : fields];
    }
    const dtype = VALUE_DTYPES['type' in el ? [el.type, el.converted_type].filter(Boolean).join('/') : ''];
    if (!dtype) throw new Error(`no datasets feature for Parquet column ${el.name}`);
    return [el.name, { dtype, _type: 'Value' }];
  };
  const features: Record<string, Feature> = {};
  while (i < schema.length) {
    const [name, f] = field();
    features[name] = f;
  }
  return features;
}
const isStruct = (f: Feature) => !Array.isArray(f) && !('_type' in f);

/** train.parquet's footer key-value metadata: its `datasets` features, as `datasets` writes them. */
export const parquetKvMetadata = (format: ExportFormat = 'trl', episode = false) => [{ key: 'huggingface', value: JSON.stringify({ info: { features: hfFeatures(parquetSchema(format, episode)) } }) }];

/** The dataset card of an export. */
export const CARD_FILE = 'README.md';
/** What an export writes; an `out` holding only these (and its dataset card) is an earlier export. */
const EXPORT_NAMES = new Set(['train.jsonl', 'train.parquet', CARD_FILE, 'images']);
/** The dataset card says who wrote it (outputs/out-owner.ts knows an export by it): `askfirst export --format trl` or `lmms-eval`. */
export const CARD_MARK = 'askfirst export --format ';

/**
 * `out` may be replaced as a whole when it is missing, empty, or an earlier export (its files and
 * dataset card; temporary files of an interrupted write aside); anything else there would be lost.
 * True when it holds an earlier export (a folder holding only the lock of this export is none: `askfirst export` makes it).
 */
async function checkOut(out: string): Promise<boolean> {
  let names: string[];
  try {
    names = await readdir(out);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    if (code === 'ENOTDIR') throw new InputError(`--out ${out} is a file: give a folder (a new one is created)`);
    throw e;
  }
  names = names.filter((n) => n !== LOCK_FILE && n !== `${LOCK_FILE}.takeover`); // the lock of this export (askfirst export holds one on --out)
  if (!names.length) return false;
  const other = names.filter((n) => !EXPORT_NAMES.has(n) && !/^\..*\.tmp$/.test(n));
  const card = names.includes(CARD_FILE) ? await readFile(join(out, CARD_FILE), 'utf8').catch(() => '') : '';
  if (other.length || !card.includes(CARD_MARK)) {
    const what = other.length ? `it holds ${other.slice(0, 3).join(', ')}${other.length > 3 ? ', …' : ''}` : `its README.md is not the dataset card of an export`;
    throw new InputError(`--out ${out} is not empty and is not an earlier \`askfirst export\` (${what}): give a new or empty folder, or the folder of an earlier export with --overwrite (it is replaced as a whole)`);
  }
  return true;
}

/** Refuse to replace the earlier export in `out` (`earlier`, from checkOut) unless `overwrite`: one line naming --overwrite. */
function refuseEarlier(out: string, earlier: boolean, overwrite: boolean): void {
  if (earlier && !overwrite) throw new InputError(`--out ${out} holds an earlier export: add --overwrite to replace it (as a whole), or give another --out`);
}

/** Refuse a --turns the --format does not take (in one line, before any work: `askfirst export` asks before it reads the data). */
export function checkFormatTurns(format: ExportFormat, turns: ExportTurns): void {
  if (format === 'lmms-eval' && turns === 'path') throw new InputError(`--format lmms-eval exports the first turn of each episode (lmms-eval runs one generation per doc), or with --turns episode the whole episode from it: give --turns first or episode, or leave --turns out`);
  if (format === 'trl' && turns === 'episode') throw new InputError(`--turns episode is for --format lmms-eval (whole episodes for lmms-eval's multi-round task askfirst_episode): give --format lmms-eval, or --turns path or first`);
}

/**
 * Refuse an `out` that is neither new, empty nor an earlier export (checkOut), or that holds an earlier export when
 * `overwrite` is off, before any work: `askfirst export` asks it before it reads the data (exportTrl asks again, once
 * the data is read).
 */
export async function checkExportOut(out: string, overwrite = true): Promise<void> {
  refuseEarlier(out, await checkOut(resolve(out)), overwrite);
}

/**
 * Write the dataset (JSONL + images, Parquet, dataset card) as the folder `o.out`, which appears
 * as a whole (writeDirAtomic): a failure or a crash part-way leaves an earlier export there as it
 * was, and a new one holds no file of the earlier (e.g. images of episodes no longer exported).
 * `episodes`: a list, or a stream read once (`askfirst export`: suite/open.ts openData, a line at a time), each
 * episode's rows written as it comes; what is kept of them is the card's counts (and the episodes' ids). Whether an image
 * was written (by an earlier episode of the same id: two ids that name one file are refused) is asked of the new folder, not of a list of the paths
 * written: 35 MB held at 105,000 episodes with `--turns path` (435,000 images).
 */
export async function exportTrl(episodes: Episodes, loader: ViewLoader, o: TrlExportOptions): Promise<TrlExportResult> {
  const format = o.format ?? 'trl';
  checkFormatTurns(format, o.turns);
  const mode = o.mode ?? 'proactive';
  /** The rows of `ep`, each with the images it shows (path and view: `images`, then `views` when it has them). */
  const rowsOf = (ep: SuiteEpisode): { row: ExportRow; shows: [string, number][] }[] =>
    trlRows(ep, o.turns === 'path' ? 'path' : 'first', o.mode).map((r) => {
      const shows: [string, number][] = [[r.images[0], r.view]];
      if (format === 'trl') return { row: r, shows };
      const row: ExportRow = { ...r, ...lmmsEvalColumns(ep, r.view, mode) };
      if (o.turns !== 'episode') return { row, shows };
      const e = lmmsEvalEpisode(ep, mode);
      row.views = e.views.map((v) => viewImagePath(ep, v));
      row.episode = JSON.stringify(e.episode);
      return { row, shows: [...shows, ...e.views.map((v, i): [string, number] => [row.views![i], v])] };
    });
  const earlier = await checkOut(resolve(o.out)); // an earlier export, else nothing (or the lock) there
  refuseEarlier(o.out, earlier, o.overwrite ?? true); // asked again here, under askfirst export's lock on --out
  const counts: CardCounts = { rows: 0, kinds: new Map(), episodes: 0 };
  let written = 0; // images
  const ids = new Set<string>();
  /** Two ids that would write their images to the same files (suite/image-names.ts: the ids taken so far are `ids`). */
  const names = new ImageNameClaims((id) => ids.has(id));
  /** Refuse an episode whose images would be another's files: two ids one file name (its rows would show the other's views). */
  const claimFileName = (id: string) => {
    const clash = names.claim(id);
    if (clash !== undefined) {
      const kept = earlier ? `${o.out} holds the earlier export as it was` : `${o.out} was not created`;
      throw new DataError(`${clash}, and the rows of one would show the other's views. Nothing was exported (${kept}): give one of them another id`);
    }
  };
  await writeDirAtomic(o.out, async (dir) => {
    await mkdir(join(dir, 'images'));
    const jsonl = await AtomicFileWriter.open(join(dir, 'train.jsonl'));
    const parquet = o.parquet === false ? null : await AtomicFileWriter.open(join(dir, 'train.parquet'));
    const images = new StagedFiles(); // dir is published whole once filled (writeDirAtomic): the images are synced together
    /** Each row as it is made, its images and JSONL line already written, with the PNG bytes Parquet embeds. */
    async function* rowsWritten(): AsyncGenerator<{ row: ExportRow; pngs: Map<string, Buffer> }> {
      for await (const ep of episodeStream(episodes).episodes()) {
        claimFileName(ep.id);
        let lines = '';
        const rows: { row: ExportRow; pngs: Map<string, Buffer> }[] = [];
        const pngs = new Map<string, Buffer>(); // this episode's images (a view on its path twice is encoded once)
        for (const { row: r, shows } of rowsOf(ep)) {
          for (const [path, view] of shows) {
            if (pngs.has(path)) continue; // shown before in this episode
            // dir is new (writeDirAtomic): an image there is one this export wrote
            if (!existsSync(join(dir, path))) {
              let image: RGBImage;
              try {
                image = await loader(ep.views[view], ep.id);
              } catch (e) {
                throw viewError(e, ep, view, o.out, earlier);
              }
              const png = encodePNGFast(image);
              await images.write(join(dir, path), png);
              written++;
              pngs.set(path, png);
            } else if (parquet) pngs.set(path, await readFile(join(dir, path))); // an episode of the same id before (claimFileName): its bytes, as written
          }
          const absolute = (ps: string[]) => ps.map((p) => resolve(o.out, p));
          lines += JSON.stringify(o.absolutePaths ? { ...r, images: absolute(r.images), ...(r.views ? { views: absolute(r.views) } : {}) } : r) + '\n';
          counts.rows++;
          counts.kinds.set(r.kind, (counts.kinds.get(r.kind) ?? 0) + 1);
          ids.add(r.episode_id);
          rows.push({ row: r, pngs });
        }
        if (lines) await jsonl.write(lines);
        o.onEpisode?.();
        yield* rows;
      }
      o.onSaving?.(SAVE_STEPS);
    }
    try {
      if (parquet) await writeParquet(parquet, rowsWritten(), o.parquetRowGroupRows ?? PARQUET_ROW_GROUP_ROWS, format, o.turns === 'episode');
      else for await (const row of rowsWritten()) void row; // each row is written as it is made
      o.onSaveStep?.(); // the last row group and the footer
      await images.flush();
      o.onSaveStep?.();
      await jsonl.commit();
      await parquet?.commit();
    } finally {
      await jsonl.abort(); // nothing once committed
      await parquet?.abort();
    }
    counts.episodes = ids.size;
    await writeFileAtomic(join(dir, CARD_FILE), datasetCard(counts, o));
    o.onSaveStep?.();
  });
  o.onSaveStep?.(); // in place
  return { rows: counts.rows, images: written, files: o.parquet === false ? ['train.jsonl', 'README.md'] : ['train.jsonl', 'train.parquet', 'README.md'], replaced: earlier };
}

/**
 * The error of a view that does not load, which stops the export part-way: it names the episode, the view and its file
 * (once, in front), says that nothing was exported (writeDirAtomic: `out` is as it was) and what to do. The loader's
 * own message says why (a PNG cut short, a file missing); one that already names the episode does not name it twice.
 */
function viewError(e: unknown, ep: SuiteEpisode, view: number, out: string, earlier: boolean): DataError {
  const ref = ep.views[view];
  const file = e instanceof DataError && e.file ? e.file : ref && 'path' in ref ? ref.path : undefined;
  let msg = describeError(e);
  if (file && msg.startsWith(`${file}: `)) msg = msg.slice(file.length + 2);
  if (msg.startsWith(`episode ${ep.id}: `)) msg = msg.slice(`episode ${ep.id}: `.length);
  const kept = earlier ? `${out} holds the earlier export as it was` : `${out} was not created`;
  return new DataError(
    `episode ${ep.id}, view ${view}: ${msg}. Nothing was exported (${kept}): replace that view's file, or leave its episode out of the data, and run the same askfirst export again`,
    { file, cause: e },
  );
}

/**
 * Rows per Parquet row group: the rows of one group (and their PNGs) are what the export holds at once. The file is byte
 * for byte what one write of every row gives (hyparquet-writer's first group is 1,000 rows too) up to 1,000 rows; beyond,
 * its later groups are 1,000 rows instead of up to 100,000 (the same rows, read back alike).
 */
export const PARQUET_ROW_GROUP_ROWS = 1000;

/** Write train.parquet row group by row group as `rows` come (each group's bytes appended to `file` once encoded). */
async function writeParquet(file: AtomicFileWriter, rows: AsyncIterable<{ row: ExportRow; pngs: Map<string, Buffer> }>, groupRows: number, format: ExportFormat, episode: boolean): Promise<void> {
  const { ByteWriter, parquetWriteRows } = await import('hyparquet-writer');
  const writer: InstanceType<typeof ByteWriter> & { flush?: () => Promise<void> } = new ByteWriter();
  // after each row group (and at the end), what is encoded goes to the file and the buffer is reused; `offset` keeps counting
  writer.flush = async () => {
    const bytes = writer.getBytes().slice();
    writer.index = 0;
    await file.write(bytes);
  };
  const flush = writer.flush;
  writer.finish = flush;
  async function* parquetRows() {
    for await (const { row: r, pngs } of rows) {
      yield {
        ...r,
        // Parquet structs need every field: the image part gets text = null.
        prompt: r.prompt.map((m) => ({ role: m.role, content: m.content.map((p) => ({ type: p.type, text: 'text' in p ? p.text : null })) })),
        images: r.images.map((p) => ({ bytes: pngs.get(p)!, path: p })),
        ...(r.views ? { views: r.views.map((p) => ({ bytes: pngs.get(p)!, path: p })) } : {}),
      };
    }
  }
  const columns = ['prompt', 'images', 'episode_id', 'kind', 'mode', 'turn', 'view', 'max_turns', 'control', 'label', 'options', 'answer', 'answer_letter', 'valid_intervention_letters', ...(format === 'lmms-eval' ? LMMS_EVAL_COLUMNS : []), ...(episode ? LMMS_EVAL_EPISODE_COLUMNS : [])];
  await parquetWriteRows({
    writer,
    schema: parquetSchema(format, episode) as never,
    rows: parquetRows(),
    columns: columns.map((name) => ({ name })),
    rowGroupSize: groupRows,
    createdBy: `askfirst export --format ${format}`,
    kvMetadata: parquetKvMetadata(format, episode),
  });
}

/** What the dataset card counts: rows, rows per kind (in the order kinds first appear), distinct episodes. */
interface CardCounts {
  rows: number;
  kinds: Map<string, number>;
  episodes: number;
}

/** The card's Loading snippet with train.parquet: its images are in the file, and it declares them images. */
const LOADING_PARQUET = `from datasets import load_dataset
ds = load_dataset("parquet", data_files="train.parquet", split="train")  # images as images: train.parquet declares its features
# or: ds = load_dataset("json", data_files="train.jsonl", split="train") and open images/<file> yourself`;

/**
 * The card's Loading snippet without train.parquet (--no-parquet): train.jsonl, its image paths cast to images (as
 * integrations/trl/train_grpo.py casts); relative paths are opened from the working directory, so from this folder.
 */
function loadingJsonl(o: TrlExportOptions): string {
  return `from datasets import Image, Sequence, load_dataset
ds = load_dataset("json", data_files="train.jsonl", split="train")  # this export has no Parquet file (askfirst export --no-parquet)
ds = ds.cast_column("images", Sequence(Image()))  # the image paths, opened as images when read${o.absolutePaths ? '' : `
# the paths are relative to this folder: run from it (os.chdir), or export with --absolute-paths`}`;
}

function datasetCard({ rows, kinds, episodes }: CardCounts, o: TrlExportOptions): string {
  const lmms = o.format === 'lmms-eval';
  const episode = o.turns === 'episode';
  return `---
configs:
- config_name: default
  data_files:
  - split: train
    path: ${o.parquet === false ? 'train.jsonl' : 'train.parquet'}
task_categories:
- visual-question-answering
tags:
- askfirst
- proactivebench
${lmms ? '- lmms-eval' : '- grpo\n- trl'}
---

${lmms ? (episode ? LMMS_EVAL_CARD.episodeTitle : LMMS_EVAL_CARD.title) : '# askfirst episodes for GRPO (TRL conversational prompt-only, with images)'}

Written by \`askfirst export --format ${lmms ? `lmms-eval${episode ? ' --turns episode' : ''}` : `trl --turns ${o.turns}`}\`${o.source ? ` from \`${o.source}\`` : ''}: ${rows} rows from ${episodes} episodes
(${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}).

Each row is one turn of ProactiveBench's multiple-choice protocol: the view, the question and
lettered options (interventions that ask for a better view first, then the categories); the
model should answer with one option (\`"B."\` or its text). ${lmms ? (episode ? LMMS_EVAL_CARD.episodeRows : LMMS_EVAL_CARD.rows) : o.turns === 'path' ? 'There is one row per state on the episode\'s canonical path (the first view, then the view each first valid intervention leads to), for single-turn training with ProactiveBench\'s reward.' : 'There is one row per episode, at its first turn, for multi-turn training through `askfirst env serve`.'}

## Files
- \`train.jsonl\` + \`images/\`: image paths are ${o.absolutePaths ? 'absolute' : 'relative to this folder'}.
${o.parquet === false ? '' : '- `train.parquet`: the same rows with the PNG bytes embedded (`images` is a list of `{bytes, path}`, the layout of `datasets.Image`), with its `datasets` features in the file: `load_dataset` gives `images` as images.\n'}
## Columns
| column | meaning |
|---|---|
| \`prompt\` | conversational prompt: one user message, content \`[{"type": "image"}, {"type": "text", "text": PROMPT}]\` |
| \`images\` | the view shown (one image) |
| \`episode_id\`, \`turn\`, \`view\` | which state this is (the reward needs them) |
| \`label\` | JSON \`{"episode_id", "turn", "view"}\` (and \`"mode"\` where not proactive) for OpenRLHF's \`--data.label_key label\` → \`askfirst env serve\` \`/get_reward\` |
| \`kind\`, \`mode\`, \`max_turns\`, \`control\` | scenario kind, protocol mode, turn limit, whether the first view already suffices |
| \`options\` | option texts in letter order |
| \`answer\`, \`answer_letter\` | the correct category and its letter (empty where no category counts at this view: ProactiveBench's ROD first turn) |
| \`valid_intervention_letters\` | interventions that lead to a better view here |
${lmms ? LMMS_EVAL_CARD.columns : ''}${episode ? LMMS_EVAL_CARD.episodeColumns : ''}
## Loading
\`\`\`python
${o.parquet === false ? loadingJsonl(o) : LOADING_PARQUET}
\`\`\`

${lmms ? (episode ? LMMS_EVAL_CARD.episodeUse : LMMS_EVAL_CARD.use)(o) : `## Rewards
Score replies with \`integrations/trl/askfirst_trl.py\` (\`askfirst_reward\`, TRL's reward-function
signature) or OpenRLHF's remote reward model pointed at \`askfirst env serve\`'s \`/get_reward\`.
Single-turn reward: r_c = 1 for the correct category, r_p for a valid intervention (0.5 by default),
r_w = 0 otherwise (De Min et al. 2026). See docs/train-a-real-vlm.md.
`}`;
}
