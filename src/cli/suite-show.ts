/**
 * `askfirst suite show`: render episodes as contact-sheet PNGs a person can look at (every view,
 * its markers and moves, the question and the lettered options). Reads `--data` as eval does: an askfirst suite
 * (episodes.jsonl + images/) or ProactiveBench's layout, named by `suite:DIR`, `proactivebench:DIR` or the folder alone.
 */
import { join, resolve } from 'node:path';
import { renderContactSheet } from '../suite/contact-sheet.js';
import { EPISODES_FILE, episodesFileSha256, MANIFEST_FILE, suiteEpisodes, suiteManifestCounts } from '../suite/io.js';
import { generatableKinds } from '../suite/kinds/registry.js';
import { createViewLoader } from '../suite/loader.js';
import { dataSpec, type LoadedData } from '../suite/open.js';
import { directoryViewLoader, proactiveBenchEntries, type SkippedEntry } from '../suite/proactivebench/read.js';
import type { SuiteEpisode, ViewLoader } from '../suite/types.js';
import { InputError, NotFoundError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fsx.js';
import { countSplitLines } from '../util/text-file.js';
import { configFromOptions, refuseUnread } from './options.js';
import { refuseToOverwrite } from './overwrite.js';
import { SuiteShowSchema, type SuiteShowConfig } from './suite-show-schema.js';

/** An entry of `--data` as `suite show` reads it: an episode, or (ProactiveBench) an entry eval would skip, and why. */
export type ShowEntry = { episode: SuiteEpisode } | { skipped: SkippedEntry };

/**
 * The entries of `--data` one at a time and their view loader, read as `eval --data` reads them (suite/open.ts: the
 * spec through `dataSpec`, so `suite:DIR`, `proactivebench:DIR` and a folder alone are all read, and anything else is
 * refused in the same words; each format by the same reader, a line at a time, with its progress bar), except that
 * ProactiveBench's images are checked when a sheet draws them, not all up front, and `filter` (--no-filter) can keep
 * every entry. Entries eval would skip come as such (so a sheet asked for by one says why). A reader that stops early
 * reads no further: a suite of 200,000 episodes was read whole (800 MB) to draw one.
 */
export function showEntries(data: string, opts: { filter?: boolean; progress?: boolean } = {}): { format: LoadedData['format']; entries: AsyncIterable<ShowEntry>; loader: ViewLoader } {
  const { format, dir } = dataSpec(data);
  const progress = opts.progress ?? false;
  if (format === 'suite') {
    const episodes = suiteEpisodes(dir, { progress });
    return { format, entries: (async function* () { for await (const episode of episodes) yield { episode }; })(), loader: createViewLoader(dir) };
  }
  return { format, entries: proactiveBenchEntries(dir, { filter: opts.filter === false ? false : 'auto', progress }), loader: directoryViewLoader(dir) };
}

/** Which of --episode, --kind or --all-kinds picks the sheets; refused unless exactly one is given. */
function pickedBy(cfg: SuiteShowConfig): 'episode' | 'kind' | 'allKinds' {
  const chosen = [cfg.episode !== undefined, cfg.kind !== undefined, cfg.allKinds].filter(Boolean).length;
  if (chosen !== 1) throw new InputError('say which episode to show: exactly one of --episode ID, --kind K [--index N], or --all-kinds');
  return cfg.episode !== undefined ? 'episode' : cfg.kind !== undefined ? 'kind' : 'allKinds';
}

/**
 * Pick the episodes to draw, by id, by kind + index, or one per kind (its first non-control episode, else its first),
 * reading `entries` only as far as that takes: up to the episode asked for (by id, or the --index-th of --kind), or, for
 * every kind, up to the point where each of the kinds `kinds` allows has a non-control episode (askfirst's own suites
 * hold only the kinds askfirst generates, suiteKinds). Only the episodes that may be drawn are held. Whatever is not there is said
 * once all is read.
 */
export async function pickEpisodes(
  entries: AsyncIterable<ShowEntry> | Iterable<ShowEntry>,
  cfg: SuiteShowConfig,
  kinds: { only?: readonly string[]; stoppedEarly?: () => void } = {},
): Promise<SuiteEpisode[]> {
  const by = pickedBy(cfg);
  const seen: string[] = []; // kinds, in the order of their first episode
  const first = new Map<string, SuiteEpisode>(); // per kind its first episode and (below) its first non-control one
  const firstAsked = new Map<string, SuiteEpisode>();
  const sample: string[] = [];
  let count = 0;
  let ofKind = 0;
  let skippedAsked: SkippedEntry | undefined;
  let anySkipped: SkippedEntry | undefined;
  let skipped = 0;
  for await (const entry of entries) {
    if ('skipped' in entry) {
      anySkipped ??= entry.skipped;
      skipped++;
      if (by === 'episode' && entry.skipped.id === cfg.episode) skippedAsked ??= entry.skipped;
      continue;
    }
    const ep = entry.episode;
    count++;
    if (sample.length < 3) sample.push(ep.id);
    if (!first.has(ep.kind)) {
      seen.push(ep.kind);
      first.set(ep.kind, ep);
    }
    if (by === 'episode' && ep.id === cfg.episode) return [ep];
    if (by === 'kind' && ep.kind === cfg.kind && ofKind++ === cfg.index) return [ep];
    if (by === 'allKinds') {
      if (!ep.control && !firstAsked.has(ep.kind)) firstAsked.set(ep.kind, ep);
      if (kinds.only && kinds.only.every((k) => firstAsked.has(k))) {
        kinds.stoppedEarly?.();
        break; // no later episode of those kinds can change the pick
      }
    }
  }
  if (count === 0) throw new NotFoundError(`${cfg.data} holds no episodes${anySkipped ? ` that could be read (${skipped} skipped), e.g.: ${anySkipped.reason}` : ''}`);
  if (by === 'episode') {
    if (skippedAsked) throw new NotFoundError(`episode "${cfg.episode}" in ${cfg.data} could not be read (askfirst eval leaves it out too): ${skippedAsked.reason}`);
    throw new NotFoundError(`no episode "${cfg.episode}" in ${cfg.data} (${count} episodes, e.g. ${sample.join(', ')})`);
  }
  if (by === 'kind') {
    if (ofKind === 0) throw new NotFoundError(`no episode of kind "${cfg.kind}" in ${cfg.data} (kinds: ${seen.join(', ')})`);
    throw new InputError(`--index ${cfg.index} is out of range: ${cfg.data} has ${ofKind} ${cfg.kind} episodes (0..${ofKind - 1})`);
  }
  return seen.map((k) => firstAsked.get(k) ?? first.get(k)!);
}

function fileName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** The sheet file of `ep`. */
function sheetFile(cfg: SuiteShowConfig, ep: Pick<SuiteEpisode, 'id' | 'kind'>): string {
  return cfg.allKinds ? join(cfg.out ?? 'sheets', `${fileName(ep.kind)}.png`) : (cfg.out ?? `sheet-${fileName(ep.id)}.png`);
}

/**
 * The kinds an askfirst suite may hold, where --all-kinds may stop reading once each has a sheet: those its suite.json
 * counts, else every kind askfirst generates (GENERATED_KINDS, the opt-in ones too, and those registered in this process,
 * `--plugin`; its reader refuses any other). The
 * seven default kinds alone stopped before an opt-in kind's episodes, so that kind got no sheet. `episodes`: how many
 * suite.json counts (none without one).
 */
async function suiteKinds(data: string): Promise<{ kinds: readonly string[]; episodes?: number; episodesSha256?: string }> {
  const m = await suiteManifestCounts(dataSpec(data).dir);
  return m ? { kinds: m.kinds, ...(m.episodes !== undefined ? { episodes: m.episodes } : {}), ...(m.episodesSha256 ? { episodesSha256: m.episodesSha256 } : {}) } : { kinds: generatableKinds() };
}

/**
 * Once --all-kinds stopped reading at suite.json's kinds: a warning when episodes.jsonl is not the file suite.json was
 * written with (a hand-edited file, whose added or changed episode may be of a kind suite.json does not list, and
 * which got no sheet without a word), else nothing. The file's SHA-256 against the one suite.json records
 * (`episodesSha256`: a line changed in place, the count of lines the same, is told too), else, for a suite.json without
 * one (an older askfirst's), its lines against the episodes suite.json counts. Either reads the file's bytes only (no
 * episode is parsed): a small part of what reading it whole for the sheets took (suite.json's kinds are trusted for
 * that reason).
 */
export async function staleManifestWarning(data: string, manifest: { episodes?: number; episodesSha256?: string } | undefined): Promise<string | undefined> {
  const episodes = manifest?.episodes;
  if (episodes === undefined) return undefined;
  const dir = dataSpec(data).dir;
  const file = join(dir, EPISODES_FILE);
  if (manifest?.episodesSha256 !== undefined && (await episodesFileSha256(dir)) === manifest.episodesSha256) return undefined;
  const lines = await countSplitLines(file);
  const stopped = `--all-kinds stopped reading once each kind ${MANIFEST_FILE} lists had a sheet, so an episode of a kind it does not list, further on, gets none: draw one with --kind K, or regenerate the suite`;
  if (lines !== episodes) return `askfirst suite show: warning: ${file} has ${lines} lines but ${join(dir, MANIFEST_FILE)} counts ${episodes} episodes (edited by hand?): ${stopped}`;
  if (manifest?.episodesSha256 === undefined) return undefined;
  return `askfirst suite show: warning: ${file} was changed after ${join(dir, MANIFEST_FILE)} was written (its ${lines} lines are as many as the episodes it counts, but not the bytes whose SHA-256 it records; edited by hand?): ${stopped}`;
}

/**
 * Render the chosen sheets; returns the files written. A sheet file that exists already is refused unless --overwrite
 * (it was replaced silently: an image of another episode, or any file given as --out), as `train` refuses to replace a
 * run and `eval` to discard results without it: before the data is read when its name is known from the options
 * (--out, or --episode's sheet-<id>.png), else (--kind without --out, --all-kinds: named by the episode or its kind)
 * before any is drawn.
 */
export async function runSuiteShow(cfg: SuiteShowConfig): Promise<string[]> {
  const by = pickedBy(cfg);
  const { format, entries, loader } = showEntries(cfg.data, { filter: cfg.filter, progress: cfg.progress }); // the spec checked; nothing read yet
  if (by !== 'allKinds' && (cfg.out !== undefined || by === 'episode')) refuseToOverwrite([sheetFile(cfg, { id: cfg.episode ?? '', kind: '' })], cfg.overwrite);
  const manifest = format === 'suite' ? await suiteKinds(cfg.data) : undefined;
  let stopped = false;
  const picked = await pickEpisodes(entries, cfg, { only: manifest?.kinds, stoppedEarly: () => (stopped = true) });
  const warning = stopped ? await staleManifestWarning(cfg.data, manifest) : undefined;
  if (warning) console.error(warning);
  const sheets = picked.map((ep) => ({ ep, out: sheetFile(cfg, ep) }));
  refuseToOverwrite(sheets.map((s) => s.out), cfg.overwrite);
  const written: string[] = [];
  for (const { ep, out } of sheets) {
    const png = await renderContactSheet(ep, loader, { tile: cfg.tile, maxViews: cfg.maxViews });
    await writeFileAtomic(out, png);
    written.push(resolve(out));
  }
  return written;
}

/**
 * Options `suite show` would not read, refused before the data is read: --index without --kind (it picks among that
 * kind's episodes), --no-filter on an askfirst suite (it filters ProactiveBench's entries to the ids the paper
 * evaluates; the format is the one `--data` names or its files tell, as eval reads it).
 */
export function refuseUnreadShow(cfg: SuiteShowConfig, given: Readonly<Record<string, unknown>>): void {
  const picked = cfg.episode !== undefined ? 'with --episode' : cfg.allKinds ? 'with --all-kinds' : 'without --kind';
  if (cfg.kind === undefined) refuseUnread(SuiteShowSchema, given, { keys: ['index'], readBy: 'read with --kind only (which episode of that kind)' }, picked, 'give --kind K with it');
  if (dataSpec(cfg.data).format === 'suite') {
    refuseUnread(SuiteShowSchema, given, { keys: ['filter'], readBy: "read for ProactiveBench's layout only (--data proactivebench:DIR or its folder: the ids the paper evaluates)" }, `to an askfirst suite (--data ${cfg.data})`);
  }
}

/** The action of `askfirst suite show` (suite-show-command.ts). */
export async function suiteShowAction(raw: Record<string, unknown>): Promise<void> {
  const cfg = configFromOptions(SuiteShowSchema, raw, 'suite show');
  refuseUnreadShow(cfg, raw);
  for (const f of await runSuiteShow(cfg)) console.log(f);
}
