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
 * - Episode ids are `<acronym>-<id>` (ROD-12, IN-C-40, …) for real entries, askfirst's own id for
 *   files askfirst wrote; `kind` is the matching askfirst scenario kind (occlusion, corruption, …),
 *   the dataset name is in `meta.dataset`.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { episodeProblems } from '../../episode/validate.js';
import { DataError, InputError, NotFoundError } from '../../util/errors.js';
import { parseJsonl } from '../../util/jsonl.js';
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
}

/** Which `<Dataset>_preprocessed.jsonl` files `dir` holds (throws on a name ProactiveBench does not know). */
export async function listProactiveBenchFiles(dir: string): Promise<{ dataset: PBDataset; file: string }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`ProactiveBench directory not found: ${dir}`, { cause: e });
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

/** Read a ProactiveBench data directory into askfirst episodes (see the file comment). */
export async function readProactiveBench(dir: string, opts: ReadProactiveBenchOptions = {}): Promise<SuiteEpisode[]> {
  const filter = opts.filter ?? 'auto';
  let files = await listProactiveBenchFiles(dir);
  if (opts.datasets) {
    for (const d of opts.datasets) {
      if (!isPBDataset(d)) throw new InputError(`unknown ProactiveBench dataset "${d}"; expected one of ${PB_DATASETS.join(', ')}`);
      if (!files.some((f) => f.dataset === d)) throw new NotFoundError(`no ${d}${PB_SUFFIX} in ${dir}`);
    }
    files = files.filter((f) => opts.datasets!.includes(f.dataset));
  }
  if (files.length === 0) throw new NotFoundError(`no *${PB_SUFFIX} files in ${dir} (is it ProactiveBench's test/ folder?)`);

  const episodes: SuiteEpisode[] = [];
  const origin = new Map<string, { file: string; line: number }>();
  for (const { dataset, file } of files) {
    const text = await readFile(file, 'utf8');
    const keep = filterIds(dataset)!;
    for (const { line, value } of parseJsonl<unknown>(text, file).lines) {
      const entry = checkEntry(value, dataset, file, line);
      // data_utils skip_args: {"strong_occlusions": False} (Python's False == 0 too).
      if (entry.strong_occlusions === false || (entry.strong_occlusions as unknown) === 0) continue;
      const block = opts.native ? undefined : entry.askfirst;
      const applyFilter = filter === true || (filter === 'auto' && block === undefined);
      if (applyFilter && !(typeof entry.id === 'number' && keep.has(entry.id))) continue;
      const ep =
        block !== undefined
          ? episodeFromBlock(block, file, line)
          : buildNativeEpisode(dataset, entry, `${DATASET_INFO[dataset].acronym}-${entry.id}`, { file, line });
      const problems = episodeProblems(ep);
      if (problems.length) throw new DataError(`episode ${ep.id}: ${problems.join('; ')}`, { file, line });
      const seen = origin.get(ep.id);
      if (seen) throw new DataError(`duplicate episode id ${ep.id} (first at ${seen.file}:${seen.line})`, { file, line });
      origin.set(ep.id, { file, line });
      ep.meta = { ...ep.meta, dataset, file, line };
      episodes.push(ep);
    }
  }
  if ((opts.checkImages ?? 'eager') === 'eager') await checkImagesExist(dir, episodes, origin);
  return episodes;
}

/** Stat every referenced image once; report every missing one with its episode and line. */
async function checkImagesExist(dir: string, episodes: SuiteEpisode[], origin: Map<string, { file: string; line: number }>): Promise<void> {
  const firstUse = new Map<string, string>();
  for (const ep of episodes) {
    for (const v of ep.views) if ('path' in v && !firstUse.has(v.path)) firstUse.set(v.path, ep.id);
  }
  const paths = [...firstUse.keys()];
  const missing: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const p = paths[next++];
      try {
        const s = await stat(resolveViewPath(dir, p));
        if (!s.isFile()) missing.push(p);
      } catch {
        missing.push(p);
      }
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  if (missing.length === 0) return;
  missing.sort();
  const first = missing[0];
  const ep = firstUse.get(first)!;
  const where = origin.get(ep)!;
  const more = missing.length > 1 ? `; ${missing.length - 1} more missing, e.g. ${missing.slice(1, 4).join(', ')}` : '';
  throw new DataError(`image file not found: ${resolveViewPath(dir, first)} (episode ${ep})${more}. Check that the dataset's image folders were extracted into ${dir}, or pass checkImages: 'lazy'`, where);
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
