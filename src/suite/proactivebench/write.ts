/**
 * Writing askfirst episodes in ProactiveBench's on-disk layout: one `<Dataset>_preprocessed.jsonl`
 * per dataset plus PNG folders matching each entry's `image_template`, so the files can be read
 * back with `readProactiveBench` and, as far as each dataset's state machine allows, loaded by
 * ProactiveBench's own Python environments.
 *
 * Kinds map to datasets: occlusion → Realistic-Occlusion-Dataset, passerby → OcclusionDataSet-MM20,
 * viewpoint → MVP-N, corruption → ImageNet-C, sketch → QuickDraw, late-event → ChangeIt,
 * camera → coco2014 (an episode of another kind goes to `meta.dataset` if that names a dataset,
 * else it is skipped and listed in the result).
 *
 * Every line carries the dataset's native fields (ids taken from ProactiveBench's FILTER list in
 * order, so its own loader keeps them) AND an `askfirst` block holding the episode itself with
 * views as paths; `readProactiveBench` follows the block, so a written suite plays back exactly
 * (same options per turn, same valid moves, same outcomes). The native fields are a best-effort
 * encoding: the result reports, per dataset, for how many entries the dataset's own state machine
 * (replayed by build.ts) plays identically — e.g. never for ROD, whose first turn
 * accepts no answer, nor for coco2014, whose views are crops of one photo.
 *
 * Episodes are taken one at a time (an array, or a generator making each as it is asked for: one
 * episode's pixels held at once) and written as they come into a staging folder (`dir/.writing/`,
 * the STAGING_DIR of the own format); earlier files in `dir` are untouched until the last one, then
 * replaced (docs/architecture.md §4). Files are written atomically (temporary file + rename);
 * existing files of other datasets in `dir` are left alone.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { shownOptions } from '../../episode/prompt.js';
import { encodePNG } from '../../scenes/codec.js';
import { InputError } from '../../util/errors.js';
import { AtomicFileWriter, StagedFiles } from '../../util/fsx.js';
import { readSplitLines } from '../../util/text-file.js';
import { STAGING_DIR } from '../io.js';
import { finishReplacing, indexNames, setAside, type IndexLayout } from '../replacing.js';
import { buildNativeEpisode } from './build.js';
import { zfill } from './python.js';
import {
  DATASET_INFO,
  KIND_TO_DATASET,
  isAbstainOption,
  isPBDataset,
  PB_DATASETS,
  type PBDataset,
  type PBEntry,
} from './datasets.js';
import { filterIds } from './filter.js';
import type { SuiteEpisode, ViewLoader } from '../types.js';

export interface WriteProactiveBenchOptions {
  /** Resolves `{path}` views of the episodes being written (not needed when every view is `{image}`). */
  loader?: ViewLoader;
  /** Called after each episode is written (into the staging folder), or skipped. */
  onEpisode?: (ep: SuiteEpisode) => void;
  /** Called once every episode is staged, just before earlier files in `dir` are replaced, with how many images are to be moved into place. */
  onReplacing?: (images: number) => void;
  /** Called after each staged image is moved into place. */
  onImageMoved?: () => void;
}

export interface WriteProactiveBenchResult {
  files: { dataset: PBDataset; path: string; episodes: number }[];
  /** PNG files written. */
  images: number;
  /** Episodes not written, with the reason. */
  skipped: { id: string; kind: string; reason: string }[];
  /** Per dataset: entries whose native fields alone play identically under the dataset's own state machine. */
  native: Partial<Record<PBDataset, { identical: number; total: number }>>;
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** The views in "chain" order: the first view, then following the first valid move while it leads somewhere new, then the rest. */
function chainOrder(ep: SuiteEpisode): number[] {
  const order = [ep.firstView];
  const seen = new Set(order);
  for (let v = ep.firstView; ; ) {
    const s = ep.steps[v];
    const to = s.offered.map((i) => s.next[i]).find((t) => t !== undefined && !seen.has(t));
    if (to === undefined) break;
    order.push(to);
    seen.add(to);
    v = to;
  }
  for (let v = 0; v < ep.views.length; v++) if (!seen.has(v)) order.push(v);
  return order;
}

interface Encoded {
  entry: PBEntry;
  /** Relative path → our view index, for every file written. */
  files: Map<string, number>;
}

/** Native fields and file layout for one episode. `nativeId` is the entry's integer id. */
function encode(ds: PBDataset, ep: SuiteEpisode, nativeId: number): Encoded {
  const base = `${ds}/${safeName(ep.id)}`;
  const V = ep.views.length;
  const order = chainOrder(ep);
  const pos = new Array<number>(V);
  order.forEach((v, i) => (pos[v] = i));
  const pre = DATASET_INFO[ds].prePrompt;
  const prompt = pre && ep.question.startsWith(`${pre} `) ? ep.question.slice(pre.length + 1) : ep.question;
  const files = new Map<string, number>();
  const entry: PBEntry = {
    id: nativeId,
    image_template: '',
    first_image: ep.firstView,
    num_images: V,
    reference_image: ep.referenceView,
    prompt,
    options: [...ep.interventions],
    categories: [...ep.categories],
    answer: ep.categories[ep.answer],
  };
  const firstValid = (() => {
    const s = ep.steps[ep.firstView];
    const i = s.offered.find((k) => s.next[k] !== undefined);
    return i === undefined ? undefined : ep.interventions[i];
  })();
  switch (ds) {
    case 'Realistic-Occlusion-Dataset':
    case 'ChangeIt':
      entry.image_template = `${base}/{image}.png`;
      for (let v = 0; v < V; v++) files.set(`${base}/${v}.png`, v);
      if (ds === 'ChangeIt') Object.assign(entry, { step_size: 1, max_steps: ep.maxTurns });
      break;
    case 'OcclusionDataSet-MM20':
      entry.image_template = `${base}/{image}.png`;
      for (let v = 0; v < V; v++) files.set(`${base}/${zfill(v, 4)}.png`, v);
      entry.strong_occlusions = true;
      break;
    case 'QuickDraw':
      entry.image_template = `${base}/{image}.png`;
      for (let v = 0; v < V; v++) files.set(`${base}/${zfill(pos[v], 4)}.png`, v);
      Object.assign(entry, { first_image: 0, reference_image: pos[ep.referenceView] });
      break;
    case 'MVP-N': {
      entry.image_template = `${base}/{informative}/{image}.png`;
      for (let v = 0; v < V; v++) files.set(`${base}/0/${zfill(pos[v], 4)}.png`, v);
      // The environment shows the last turn's and the reference image from the informative folder.
      files.set(`${base}/1/${zfill(V - 1, 4)}.png`, order[V - 1]);
      files.set(`${base}/1/${zfill(pos[ep.referenceView], 4)}.png`, ep.referenceView);
      Object.assign(entry, { first_image: 0, reference_image: pos[ep.referenceView], valid_images: order.map((_, i) => i) });
      break;
    }
    case 'ImageNet-C':
      // Level V − position: the first view is the most corrupted, each enhancement lowers the level by one.
      entry.image_template = `${base}/{level}.png`;
      for (let v = 0; v < V; v++) files.set(`${base}/${V - pos[v]}.png`, v);
      Object.assign(entry, {
        first_image: V,
        reference_image: V - pos[ep.referenceView],
        quality_answer: firstValid ?? ep.interventions.find((o) => !isAbstainOption(o)) ?? '',
      });
      break;
    case 'coco2014': {
      // One photo per entry natively: the template names the reference view; the other views are
      // separate files only the askfirst block points at.
      entry.image_template = `${base}/full.png`;
      files.set(entry.image_template, ep.referenceView);
      for (let v = 0; v < V; v++) files.set(`${base}/view-${v}.png`, v);
      const t = (firstValid ?? '').toLowerCase();
      const direction = t.includes('farther') || t.includes('zoom') ? 'zoom' : (['up', 'down', 'left', 'right'].find((d) => t.includes(d)) ?? 'zoom');
      Object.assign(entry, {
        direction,
        granularity: Math.max(1, ep.minInterventions),
        horizontal_step: 0,
        vertical_step: 0,
        crop: { top: 0, left: 0, height: 0, width: 0 },
      });
      break;
    }
  }
  return { entry, files };
}

/** The file each of our views is read from (the first file written for it). */
function viewPaths(files: Map<string, number>, n: number): string[] {
  const out = new Array<string>(n);
  for (const [p, v] of files) if (out[v] === undefined) out[v] = p;
  return out;
}

/** Whether `nat` (native replay) and `ours` play identically turn by turn (a bisimulation over reachable views). */
export function playsIdentically(nat: SuiteEpisode, ours: SuiteEpisode, viewOf: (ref: SuiteEpisode['views'][number]) => number | undefined): boolean {
  if (nat.maxTurns !== ours.maxTurns || nat.answer !== ours.answer) return false;
  if (JSON.stringify(nat.categories) !== JSON.stringify(ours.categories)) return false;
  if (nat.question !== ours.question || (nat.hint ?? null) !== (ours.hint ?? null)) return false;
  if ((nat.referenceQuestion ?? nat.question) !== (ours.referenceQuestion ?? ours.question)) return false;
  if (viewOf(nat.views[nat.referenceView]) !== ours.referenceView) return false;
  const seen = new Set<string>();
  const queue: [number, number, number][] = [[nat.firstView, ours.firstView, 0]];
  while (queue.length) {
    const [a, b, d] = queue.shift()!;
    const key = `${a},${b},${d}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (viewOf(nat.views[a]) !== b) return false;
    const sa = shownOptions(nat, a, 'proactive');
    const sb = shownOptions(ours, b, 'proactive');
    if (sa.answer !== sb.answer || sa.interventions.length !== sb.interventions.length) return false;
    for (let k = 0; k < sa.interventions.length; k++) {
      const x = sa.interventions[k];
      const y = sb.interventions[k];
      if (x.text !== y.text || x.valid !== y.valid || x.abstain !== y.abstain) return false;
      if (x.valid && d + 1 < nat.maxTurns) queue.push([nat.steps[a].next[x.index], ours.steps[b].next[y.index], d + 1]);
    }
  }
  return true;
}

/** The ProactiveBench dataset an episode is written into (its kind's, else its meta's), if any. */
function datasetOf(ep: SuiteEpisode): PBDataset | undefined {
  const fromKind = (KIND_TO_DATASET as Record<string, PBDataset | undefined>)[ep.kind];
  const metaDs = typeof ep.meta?.dataset === 'string' && isPBDataset(ep.meta.dataset) ? ep.meta.dataset : undefined;
  return fromKind ?? metaDs;
}

/**
 * Write `episodes` under `dir` in ProactiveBench's layout (see the file comment), taking them one at
 * a time. Each episode's PNGs and its line go into `dir/.writing/` (STAGING_DIR, removed first, and on
 * a failure) as it comes, so a write stopped while episodes are still coming leaves `dir` as it was.
 * Then the earlier `<Dataset>_preprocessed.jsonl` of the datasets written now are moved aside into
 * `dir/.replacing/` (suite/replacing.ts), the images moved into place, and the new
 * `<Dataset>_preprocessed.jsonl` files moved in last: a write stopped while replacing leaves no index to
 * read half-replaced images by. Once they are in place, the images those earlier indexes named that no
 * index in `dir` names are removed (and folders they leave empty), as the own format does (writeSuite);
 * a write stopped before that has it finished by the next write into `dir`. Files the earlier indexes
 * did not name are left alone.
 */
export async function writeProactiveBench(
  dir: string,
  episodes: Iterable<SuiteEpisode> | AsyncIterable<SuiteEpisode>,
  opts: WriteProactiveBenchOptions = {},
): Promise<WriteProactiveBenchResult> {
  const result: WriteProactiveBenchResult = { files: [], images: 0, skipped: [], native: {} };
  const staging = join(dir, STAGING_DIR);
  const indexName = (ds: PBDataset) => `${ds}_preprocessed.jsonl`;
  /** Per dataset: its index being written in the staging folder, and how many lines it has. */
  const indexes = new Map<PBDataset, { file: AtomicFileWriter; lines: number }>();
  const staged = new Set<string>(); // a set: two ids that safeName maps alike share files, as when they were overwritten in place
  const images = new StagedFiles(); // moved into place once all are written and synced
  await finishReplacing(dir, PB_LAYOUT); // a replacement a stopped write left part-done
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    for await (const ep of episodes) {
      const ds = datasetOf(ep);
      if (!ds) {
        result.skipped.push({
          id: ep.id,
          kind: ep.kind,
          reason: `kind "${ep.kind}" has no ProactiveBench dataset (known kinds: ${Object.keys(KIND_TO_DATASET).join(', ')})`,
        });
        opts.onEpisode?.(ep);
        continue;
      }
      let index = indexes.get(ds);
      if (!index) indexes.set(ds, (index = { file: await AtomicFileWriter.open(join(staging, indexName(ds))), lines: 0 }));
      const ids = [...filterIds(ds)!].sort((a, b) => a - b);
      const nativeId = index.lines < ids.length ? ids[index.lines] : ids[ids.length - 1] + 1 + (index.lines - ids.length);
      const { entry, files } = encode(ds, ep, nativeId);

      // Pixels, one PNG per file.
      const cache = new Map<number, Buffer>();
      for (const [rel, v] of files) {
        let png = cache.get(v);
        if (!png) {
          const ref = ep.views[v];
          let img;
          if ('image' in ref) img = ref.image;
          else if (opts.loader) img = await opts.loader(ref, ep.id);
          else throw new InputError(`episode ${ep.id}: view ${v} is a file reference (${ref.path}); pass a loader to writeProactiveBench`);
          png = encodePNG(img);
          cache.set(v, png);
        }
        await images.write(join(staging, rel), png);
        staged.add(rel);
        result.images++;
      }

      const paths = viewPaths(files, ep.views.length);
      const { views: _views, ...rest } = ep;
      entry.askfirst = { version: 1, ...rest, views: paths };
      await index.file.write(JSON.stringify(entry) + '\n');
      index.lines++;

      // How ProactiveBench's own environment would play the native fields.
      let same: boolean;
      try {
        const nat = buildNativeEpisode(ds, { ...entry, askfirst: undefined }, ep.id, { file: '(written entry)', line: 0 });
        same = playsIdentically(nat, ep, (r) => ('path' in r && !r.crop ? files.get(r.path) : undefined));
      } catch {
        same = false;
      }
      const tally = (result.native[ds] ??= { identical: 0, total: 0 });
      tally.total++;
      if (same) tally.identical++;
      opts.onEpisode?.(ep);
    }
    await images.flush();
    for (const { file } of indexes.values()) await file.commit();
  } catch (e) {
    for (const { file } of indexes.values()) await file.abort();
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
  opts.onReplacing?.(staged.size);
  // the record of the earlier images until they are removed: their indexes, moved aside (suite/replacing.ts)
  await setAside(dir, [...indexes.keys()].map(indexName));
  const made = new Set<string>();
  for (const rel of staged) {
    const parent = dirname(join(dir, rel));
    if (!made.has(parent)) await mkdir(parent, { recursive: true });
    made.add(parent);
    await rename(join(staging, rel), join(dir, rel));
    opts.onImageMoved?.();
  }
  for (const ds of PB_DATASETS) {
    const index = indexes.get(ds);
    if (!index) continue;
    const path = join(dir, indexName(ds));
    await rename(join(staging, indexName(ds)), path);
    result.files.push({ dataset: ds, path, episodes: index.lines });
  }
  await rm(staging, { recursive: true, force: true });
  await finishReplacing(dir, PB_LAYOUT, { keep: staged });
  return result;
}

/** ProactiveBench's indexes: each `<Dataset>_preprocessed.jsonl`, naming files under its folder (suite/replacing.ts). */
const PB_LAYOUT: IndexLayout = {
  indexes: (folder) => indexNames(folder, (n) => n.endsWith('_preprocessed.jsonl') && isPBDataset(n.slice(0, -'_preprocessed.jsonl'.length))),
  images: (file, name) => namedImages(name.slice(0, -'_preprocessed.jsonl'.length) as PBDataset, file),
};

/**
 * The image files an earlier `<Dataset>_preprocessed.jsonl` names, relative to its folder: each
 * line's askfirst block views and the files its native fields lead to (buildNativeEpisode), those
 * inside the folder only (no absolute path, no `..`). An index that is missing or does not read
 * names none: nothing is removed on a guess.
 */
async function namedImages(ds: PBDataset, file: string): Promise<Set<string>> {
  const out = new Set<string>();
  const add = (p: unknown) => {
    if (typeof p !== 'string' || !p || isAbsolute(p) || p.includes('\\')) return;
    const parts = p.split('/');
    if (parts.some((x) => x === '' || x === '.' || x === '..')) return;
    out.add(p);
  };
  try {
    for await (const line of readSplitLines(file)) { // the lines eval reads (read.ts), so it names the images of the entries eval sees
      if (!line.trim()) continue;
      const entry = JSON.parse(line) as PBEntry & { askfirst?: { views?: unknown } };
      const block = entry.askfirst?.views;
      if (Array.isArray(block)) for (const p of block) add(p);
      try {
        const nat = buildNativeEpisode(ds, { ...entry, askfirst: undefined }, String(entry.id), { file, line: 0 });
        for (const v of nat.views) if ('path' in v) add(v.path);
      } catch {
        // native fields that do not build name no more than the block does
      }
    }
  } catch {
    return new Set();
  }
  return out;
}
