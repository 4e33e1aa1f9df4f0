/**
 * Reading ProactiveBench's own on-disk layout (tdemin16/proactivebench; De Min et al., arXiv
 * 2603.19466): a data directory holding `<Dataset>_preprocessed.jsonl` files (one entry a line)
 * beside the image folders their `image_template`s point into. Each entry becomes one askfirst
 * episode that plays exactly as the dataset's Python environment would (see
 * build.ts for the state machines).
 *
 * - View references are `{path}` (plus a crop box for coco2014), RELATIVE to `dir`, exactly the
 *   `image_template` expansions ProactiveBench joins to its data_dir; load them with
 *   `directoryViewLoader(dir)` (views.ts). PNG and JPEG files are both read.
 * - Filtering, as `data_utils.JSONLDataset` does: entries with `strong_occlusions: false` are
 *   skipped, and only the ids in ProactiveBench's FILTER lists are kept (7,557 episodes on the
 *   real test split). `filter: 'auto'` (the default) applies the id filter to real entries and
 *   not to files askfirst wrote (their lines carry an `askfirst` block); `true`/`false` force it.
 * - Images: by default every referenced file is checked to exist when loading (`checkImages:
 *   'eager'`), so a missing image is reported up front with the episode and the JSONL line;
 *   `'lazy'` skips the check and the loader reports a missing file when a view is first shown.
 * - A bad entry (a malformed line, a missing field, an option naming no move, a frame never
 *   reached, a duplicate id, a missing image…): `readProactiveBench` throws a DataError naming
 *   the file and line; `loadProactiveBench` (what `--data` uses) reports it in `skipped` and goes
 *   on with the rest, as ProactiveBench fails only that episode.
 * - Episode ids are `<acronym>-<id>` (ROD-12, IN-C-40, …) for real entries, askfirst's own id for
 *   files askfirst wrote; `kind` is the matching askfirst scenario kind (occlusion, corruption, …),
 *   the dataset name is in `meta.dataset`.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { episodeProblems } from '../../episode/validate.js';
import { DataError, describeError, InputError, NotFoundError } from '../../util/errors.js';
import { fileKind } from '../../util/file-kind.js';
import { didYouMean } from '../../util/did-you-mean.js';
import { progress, withBar } from '../../util/progress.js';
import { countSplitLines, readLines } from '../../util/text-file.js';
import { buildNativeEpisode } from './build.js';
import { checkEntry, DATASET_INFO, isPBDataset, PB_DATASETS, type PBDataset } from './datasets.js';
import { filterIds } from './filter.js';
import { resolveViewPath } from './views.js';
import type { SuiteEpisode, ViewRef } from '../types.js';

export { writeProactiveBench, type WriteProactiveBenchResult, type WriteProactiveBenchOptions } from './write.js';
export { directoryViewLoader, cropImage } from './views.js';
export { PB_DATASETS, KIND_TO_DATASET, DATASET_INFO, type PBDataset } from './datasets.js';

export const PB_SUFFIX = '_preprocessed.jsonl';

export interface ReadProactiveBenchOptions {
  /** Read only these datasets (names as in the file names); default: every `*_preprocessed.jsonl` in `dir`. */
  datasets?: readonly string[];
  /** Keep only ProactiveBench's evaluated ids: true, false, or 'auto' (real entries only; default). */
  filter?: boolean | 'auto';
  /** Check that every image exists while loading ('eager', default) or when first shown ('lazy'). */
  checkImages?: 'eager' | 'lazy';
  /** Ignore askfirst blocks and replay the dataset's own state machine even for askfirst-written files. */
  native?: boolean;
  /**
   * Progress bars (util/progress.ts; default off): 'reading ProactiveBench' over the files' lines (each parsed, checked
   * and replayed) and 'checking images' over the image files looked up; thousands of entries take seconds.
   */
  progress?: boolean;
}

/** Which `<Dataset>_preprocessed.jsonl` files `dir` holds (throws on a name ProactiveBench does not know). */
export async function listProactiveBenchFiles(dir: string): Promise<{ dataset: PBDataset; file: string }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`ProactiveBench directory not found: ${dir} (the data is not shipped: download tdemin16/ProactiveBench from Hugging Face and unzip the archives in its test/ folder, then pass proactivebench:<that folder>/test; README, "The real ProactiveBench data")`, { cause: e });
    throw e;
  }
  const out: { dataset: PBDataset; file: string }[] = [];
  for (const name of names.filter((n) => n.endsWith(PB_SUFFIX)).sort()) {
    const ds = name.slice(0, -PB_SUFFIX.length);
    if (!isPBDataset(ds)) {
      throw new DataError(`unknown ProactiveBench dataset "${ds}"; expected one of ${PB_DATASETS.join(', ')}`, { file: join(dir, name) });
    }
    out.push({ dataset: ds, file: join(dir, name) });
  }
  out.sort((a, b) => PB_DATASETS.indexOf(a.dataset) - PB_DATASETS.indexOf(b.dataset));
  return out;
}

/** An entry that could not be turned into an episode, and why. */
export interface SkippedEntry {
  file: string;
  line: number;
  dataset: PBDataset;
  /** The askfirst scenario kind of its dataset (so `--kinds` can leave out other datasets' problems). */
  kind: string;
  /** The entry's episode id when known. */
  id?: string;
  /** The error message (it names the file and line). */
  reason: string;
}

/** Read a ProactiveBench data directory into askfirst episodes (see the file comment); the first bad entry throws. */
export async function readProactiveBench(dir: string, opts: ReadProactiveBenchOptions = {}): Promise<SuiteEpisode[]> {
  return (await loadProactiveBench(dir, { ...opts, onBadEntry: 'throw' })).episodes;
}

/** Read a ProactiveBench data directory; bad entries are skipped and listed (`onBadEntry: 'skip'`, the default) or thrown. */
export async function loadProactiveBench(
  dir: string,
  opts: ReadProactiveBenchOptions & { onBadEntry?: 'skip' | 'throw' } = {},
): Promise<{ episodes: SuiteEpisode[]; skipped: SkippedEntry[] }> {
  const skip = (opts.onBadEntry ?? 'skip') === 'skip';
  const skipped: SkippedEntry[] = [];
  const filter = opts.filter ?? 'auto';
  let files = await listProactiveBenchFiles(dir);
  if (opts.datasets) {
    for (const d of opts.datasets) {
      if (!isPBDataset(d)) throw new InputError(`unknown ProactiveBench dataset "${d}"${didYouMean(d, PB_DATASETS)}; expected one of ${PB_DATASETS.join(', ')}`);
      if (!files.some((f) => f.dataset === d)) throw new NotFoundError(`no ${d}${PB_SUFFIX} in ${dir}`);
    }
    files = files.filter((f) => opts.datasets!.includes(f.dataset));
  }
  if (files.length === 0) throw new NotFoundError(`no *${PB_SUFFIX} files in ${dir} (is it ProactiveBench's test/ folder?)`);

  const episodes: SuiteEpisode[] = [];
  const origin = new Map<string, { file: string; line: number }>();
  // each file a line at a time (readEntries), so only the episodes are held, not the files' text; the bar's total is
  // counted first when shown
  let total = 0;
  if (opts.progress) for (const { file } of files) total += await countSplitLines(file);
  const bar = progress('reading ProactiveBench', total, { enabled: opts.progress ?? false, unit: 'lines' });
  await withBar(bar, async () => {
    for await (const { got } of readEntries(files, { filter, native: opts.native, skip, origin })) {
      bar.tick();
      if (got && 'skipped' in got) skipped.push(got.skipped);
      else if (got) episodes.push(got.episode);
    }
  });
  if ((opts.checkImages ?? 'eager') === 'eager') {
    const missing = await missingImages(dir, episodes, opts.progress ?? false);
    if (missing.length) {
      if (!skip) throw missingImagesError(dir, missing, origin);
      const bad = new Set(missing.map((m) => m.episode));
      for (const ep of episodes.filter((x) => bad.has(x.id))) skipped.push(imageSkipped(dir, ep, origin.get(ep.id)!, missing.filter((m) => m.episode === ep.id)));
      return { episodes: episodes.filter((x) => !bad.has(x.id)), skipped };
    }
  }
  return { episodes, skipped };
}

/**
 * One line of a `<Dataset>_preprocessed.jsonl` as loadProactiveBench reads it: its episode (its id recorded in `origin`,
 * a repeated one refused), its bad entry (`skipped`, or thrown when `skip` is off), or null for a blank line or an entry
 * ProactiveBench leaves out (`strong_occlusions: false`, an id not in its filter). Images are not checked here.
 */
function readEntryLine(
  text: string,
  c: EntryContext & { dataset: PBDataset; file: string; line: number; keep: ReadonlySet<number> },
): { episode: SuiteEpisode } | { skipped: SkippedEntry } | null {
  const { dataset, file, line } = c;
  if (!text.trim()) return null;
  let id: string | undefined;
  try {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new DataError(`malformed JSON: ${describeError(e)}`, { file, line, cause: e });
    }
    const entry = checkEntry(value, dataset, file, line);
    // data_utils skip_args: {"strong_occlusions": False} (Python's False == 0 too).
    if (entry.strong_occlusions === false || (entry.strong_occlusions as unknown) === 0) return null;
    const block = c.native ? undefined : entry.askfirst;
    const applyFilter = c.filter === true || (c.filter === 'auto' && block === undefined);
    if (applyFilter && !(typeof entry.id === 'number' && c.keep.has(entry.id))) return null;
    id = block === undefined ? `${DATASET_INFO[dataset].acronym}-${entry.id}` : undefined;
    const ep = block !== undefined ? episodeFromBlock(block, file, line) : buildNativeEpisode(dataset, entry, id!, { file, line });
    id = ep.id;
    const problems = episodeProblems(ep);
    if (problems.length) throw new DataError(`episode ${ep.id}: ${problems.join('; ')}`, { file, line });
    const seen = c.origin.get(ep.id);
    if (seen) throw new DataError(`duplicate episode id ${ep.id} (first at ${seen.file}:${seen.line})`, { file, line });
    c.origin.set(ep.id, { file, line });
    ep.meta = { ...ep.meta, dataset, file, line };
    return { episode: ep };
  } catch (e) {
    if (!c.skip || !(e instanceof DataError)) throw e;
    return { skipped: { file, line, dataset, kind: DATASET_INFO[dataset].kind, ...(id !== undefined ? { id } : {}), reason: e.message } };
  }
}

/**
 * Where an entry's line is in its file (util/text-file.ts SplitLine) and its bytes' lineCheck: readProactiveBenchEntryAt
 * reads it again from there, and refuses it when its bytes are no longer those.
 */
export type EntryPlace = { line: number; offset: number; bytes: number; check: number };

/** An entry of a ProactiveBench file as loadProactiveBench reads it: its episode (and where its line is), or why it is skipped. */
export type ProactiveBenchEntry = { episode: SuiteEpisode; place: EntryPlace } | { skipped: SkippedEntry };

/**
 * The entries of a ProactiveBench directory one at a time, each read and checked as loadProactiveBench reads it (the
 * same lines, filter, checks and duplicate ids; a bad entry comes as loadProactiveBench lists it in `skipped`), its files
 * streamed a line at a time: a reader that needs a few episodes (`askfirst report`'s examples, `suite show`'s sheet)
 * holds only those, and one that stops early reads no further. Images are not checked here: pass the episodes through
 * `withImages` (what loadProactiveBench's eager check keeps). `progress`: loadProactiveBench's bar over the files' lines
 * (ended where the reader stopped).
 */
export async function* proactiveBenchEntries(dir: string, opts: Pick<ReadProactiveBenchOptions, 'filter' | 'native' | 'progress'> = {}): AsyncGenerator<ProactiveBenchEntry> {
  const files = await listProactiveBenchFiles(dir);
  if (files.length === 0) throw new NotFoundError(`no *${PB_SUFFIX} files in ${dir} (is it ProactiveBench's test/ folder?)`);
  let total = 0;
  if (opts.progress) for (const { file } of files) total += await countSplitLines(file);
  const bar = progress('reading ProactiveBench', total, { enabled: opts.progress ?? false, unit: 'lines' });
  try {
    // the entries loadProactiveBench reads (readEntries), so each has the same line number and text there and here
    for await (const { got, line, offset, bytes, check } of readEntries(files, { filter: opts.filter ?? 'auto', native: opts.native, skip: true, origin: new Map() })) {
      bar.tick();
      if (got && 'episode' in got) yield { episode: got.episode, place: { line, offset, bytes, check } };
      else if (got) yield got;
    }
  } catch (e) {
    bar.fail();
    throw e;
  } finally {
    bar.stop(); // also when the reader stops early (a no-op after fail)
  }
}

/** The episodes of proactiveBenchEntries (a bad entry is left out, as loadProactiveBench skips it). */
export async function* proactiveBenchEpisodes(dir: string, opts: Pick<ReadProactiveBenchOptions, 'filter' | 'native'> = {}): AsyncGenerator<SuiteEpisode> {
  for await (const got of proactiveBenchEntries(dir, opts)) if ('episode' in got) yield got.episode;
}

type EntryContext = { filter: boolean | 'auto'; native?: boolean; skip: boolean; origin: Map<string, { file: string; line: number }> };

/**
 * Every line of `files`, in order, as readEntryLine reads it (one result per line, null included, so a bar can count
 * lines), with where the line is in its file.
 */
async function* readEntries(files: readonly { dataset: PBDataset; file: string }[], c: EntryContext): AsyncGenerator<{ got: ReturnType<typeof readEntryLine> } & EntryPlace> {
  for (const { dataset, file } of files) {
    const keep = filterIds(dataset)!;
    let line = 0;
    // readLines: the lines a whole-file split gives, a BOM dropped; a CRLF line's \r is JSON whitespace
    for await (const { text, offset, bytes, check } of readLines(file, { check: true })) {
      line++;
      yield { got: readEntryLine(text, { ...c, dataset, file, line, keep }), line, offset, bytes, check };
    }
  }
}

/**
 * The episode of `text`, the line `line` of `file` (of `dataset`), read again as proactiveBenchEntries read it there (the
 * same checks, ProactiveBench's filter), for a reader that kept where an entry is instead of its episode
 * (suite/proactivebench/entry-index.ts, which reads the line again and checks its bytes): one that no longer reads as an
 * episode is a DataError (the file was changed meanwhile); one left out by the filter or blank now, null. Its images are
 * not checked.
 */
export function proactiveBenchEntryOfLine(text: string, file: string, dataset: PBDataset, line: number): SuiteEpisode | null {
  const got = readEntryLine(text, { filter: 'auto', skip: false, origin: new Map(), dataset, file, line, keep: filterIds(dataset)! });
  return got && 'episode' in got ? got.episode : null;
}

/**
 * An episode as proactiveBenchCheckedEntries gives it: what tells it (and its images), not its questions and moves, and
 * where its line is (`offset`, `bytes`: readProactiveBenchEntryAt reads it again).
 */
export type CheckedEpisode = Pick<SuiteEpisode, 'id' | 'kind' | 'views'> & { meta: { dataset: PBDataset; file: string } & EntryPlace };

/** An entry of proactiveBenchCheckedEntries: `images` on one skipped for its image files (after the line's own checks). */
export type CheckedEntry = { episode: CheckedEpisode } | { skipped: SkippedEntry; images?: true };

/** How many episodes proactiveBenchCheckedEntries reads ahead to look their image files up together. */
const IMAGE_CHECK_CHUNK = 256;

/**
 * The entries of proactiveBenchEntries in order, each episode's image files looked up as loadProactiveBench's eager
 * check does, a few hundred episodes at a time (their files stated together, 32 at once), not all held first: an
 * episode with one missing (or not a regular file) comes as the entry loadProactiveBench lists in `skipped` for it
 * (`images: true`; loadProactiveBench lists those after the entries skipped for their lines), the others by their id,
 * kind and views only (CheckedEpisode: an episode's own fields may be large, and a chunk of them is held). `askfirst
 * eval` checks ProactiveBench's layout so (suite/open.ts openData), then reads its episodes again for each pass.
 */
export function proactiveBenchCheckedEntries(dir: string, opts: Pick<ReadProactiveBenchOptions, 'progress'> = {}): AsyncGenerator<CheckedEntry> {
  return checkedEntries(dir, opts, (ep, place) => {
    const { id, kind, views, meta } = ep;
    return { id, kind, views, meta: { dataset: meta!.dataset as PBDataset, file: meta!.file as string, ...place } };
  });
}

/**
 * proactiveBenchCheckedEntries with each episode whole (a chunk of them held while their images are looked up): for a
 * reader that reads the data once, checking it as it goes (suite/open.ts dataOnce, `askfirst serve`).
 */
export function proactiveBenchCheckedEpisodes(dir: string, opts: Pick<ReadProactiveBenchOptions, 'progress'> = {}): AsyncGenerator<{ episode: SuiteEpisode } | { skipped: SkippedEntry; images?: true }> {
  return checkedEntries(dir, opts, (ep) => ep);
}

/** proactiveBenchCheckedEntries, each episode kept as `shape` makes it of the episode and its line's place. */
async function* checkedEntries<T extends Pick<SuiteEpisode, 'id' | 'kind' | 'views' | 'meta'>>(
  dir: string,
  opts: Pick<ReadProactiveBenchOptions, 'progress'>,
  shape: (ep: SuiteEpisode, place: EntryPlace) => T,
): AsyncGenerator<{ episode: T } | { skipped: SkippedEntry; images?: true }> {
  let chunk: ({ episode: T } | { skipped: SkippedEntry })[] = [];
  const flush = async function* () {
    const eps = chunk.flatMap((got) => ('episode' in got ? [got.episode] : []));
    const byEpisode = new Map<string, MissingImage[]>();
    for (const m of await missingImages(dir, eps, false)) byEpisode.set(m.episode, [...(byEpisode.get(m.episode) ?? []), m]);
    for (const got of chunk) {
      const mine = 'episode' in got ? byEpisode.get(got.episode.id) : undefined;
      if (!mine) yield got;
      else {
        const ep = (got as { episode: T }).episode;
        yield { skipped: imageSkipped(dir, ep, { file: ep.meta!.file as string, line: ep.meta!.line as number }, mine), images: true as const };
      }
    }
    chunk = [];
  };
  for await (const got of proactiveBenchEntries(dir, opts)) {
    chunk.push('skipped' in got ? got : { episode: shape(got.episode, got.place) });
    if (chunk.length >= IMAGE_CHECK_CHUNK) yield* flush();
  }
  yield* flush();
}

/** The entry loadProactiveBench lists in `skipped` for episode `ep` (read at `where`), whose images `mine` cannot be read. */
function imageSkipped(dir: string, ep: Pick<SuiteEpisode, 'id' | 'kind' | 'meta'>, where: { file: string; line: number }, mine: readonly MissingImage[]): SkippedEntry {
  return { ...where, dataset: ep.meta!.dataset as PBDataset, kind: ep.kind, id: ep.id, reason: `${where.file}:${where.line}: episode ${ep.id}: ${imagesProblem(dir, mine)}` };
}

/** Of `episodes`, those whose every image file exists (the episodes loadProactiveBench's eager image check keeps). */
export async function withImages(dir: string, episodes: SuiteEpisode[]): Promise<SuiteEpisode[]> {
  const bad = new Set((await missingImages(dir, episodes, false)).map((m) => m.episode));
  return bad.size ? episodes.filter((e) => !bad.has(e.id)) : episodes;
}

/**
 * An image an episode shows that cannot be read: not there (`kind` undefined), or there but not a regular file — a
 * folder, a named pipe, a socket, a device (`kind`, util/file-kind.ts), which were called "not found" or, shown, blocked.
 */
interface MissingImage {
  path: string;
  episode: string;
  kind?: string;
}

/** What is wrong with one episode's `missing` images, in one line: the files not found, then those of each other kind. */
function imagesProblem(dir: string, missing: readonly MissingImage[]): string {
  const paths = (l: readonly MissingImage[]) => l.map((m) => resolveViewPath(dir, m.path)).join(', ');
  const gone = missing.filter((m) => m.kind === undefined);
  const kinds = [...new Set(missing.flatMap((m) => (m.kind === undefined ? [] : [m.kind])))];
  return [gone.length ? `image file not found: ${paths(gone)}` : '', ...kinds.map((k) => `image ${paths(missing.filter((m) => m.kind === k))} is ${k}, not an image file`)].filter(Boolean).join('; ');
}

/** Stat every referenced image once; every missing one (or one not a regular file) with every episode that shows it. */
async function missingImages(dir: string, episodes: readonly Pick<SuiteEpisode, 'id' | 'views'>[], showProgress: boolean): Promise<MissingImage[]> {
  const users = new Map<string, string[]>();
  for (const ep of episodes) {
    for (const v of ep.views) {
      if (!('path' in v)) continue;
      const u = users.get(v.path) ?? [];
      if (!u.includes(ep.id)) u.push(ep.id);
      users.set(v.path, u);
    }
  }
  const paths = [...users.keys()];
  const missing = new Map<string, string | undefined>(); // path → what it is (fileKind), undefined when not there
  const bar = progress('checking images', paths.length, { enabled: showProgress, unit: 'files' });
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const p = paths[next++];
      try {
        const s = await stat(resolveViewPath(dir, p));
        if (!s.isFile()) missing.set(p, fileKind(s));
      } catch {
        missing.set(p, undefined);
      }
      bar.tick();
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  bar.stop();
  return [...missing.keys()].sort().flatMap((path) => users.get(path)!.map((episode) => ({ path, episode, kind: missing.get(path) })));
}

function missingImagesError(dir: string, missing: MissingImage[], origin: Map<string, { file: string; line: number }>): DataError {
  const paths = [...new Set(missing.map((m) => m.path))];
  const first = missing[0];
  const where = origin.get(first.episode)!;
  const more = paths.length > 1 ? `; ${paths.length - 1} more missing, e.g. ${paths.slice(1, 4).join(', ')}` : '';
  return new DataError(`${imagesProblem(dir, [first])} (episode ${first.episode})${more}. Check that the dataset's image folders were extracted into ${dir}; \`askfirst eval\` skips (and reports) episodes whose images are missing`, where);
}

/** Our own block on lines askfirst wrote: the episode with its views as paths. */
function episodeFromBlock(block: unknown, file: string, line: number): SuiteEpisode {
  if (typeof block !== 'object' || block === null) throw new DataError('field "askfirst" must be an object', { file, line });
  const b = block as Record<string, unknown> & { views?: unknown };
  if (!Array.isArray(b.views) || !b.views.every((v) => typeof v === 'string')) {
    throw new DataError('askfirst.views must be an array of image paths', { file, line });
  }
  const { version: _v, views, ...rest } = b;
  const ep = { ...rest, views: (views as string[]).map((p): ViewRef => ({ path: p })) } as unknown as SuiteEpisode;
  return ep;
}
