/**
 * `--data` specs → episodes and a view loader:
 *   DIR                   a suite in askfirst's format (episodes.jsonl) or ProactiveBench's
 *                         layout (<Dataset>_preprocessed.jsonl), recognised by its files;
 *   suite:DIR             askfirst's format;
 *   proactivebench:DIR    ProactiveBench's layout (e.g. the real test split once downloaded).
 * Any other `name:` before a path that is not a folder (`file:X`) is refused as a prefix askfirst does not read.
 */
import { existsSync, readdirSync, statSync, type Dirent } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CLI_SUITE_WRITER, EPISODES_FILE, IMAGES_DIR, MANIFEST_FILE, readSuite, suiteEpisodes, type SuiteWriterNaming } from './io.js';
import { episodeStream, type EpisodeStream } from './episode-stream.js';
import { episodeSource, type EpisodeSource } from './episode-source.js';
import { fileState } from './episode-places.js';
import { SuiteIndex } from './episode-index.js';
import { createViewLoader } from './loader.js';
import { directoryViewLoader, listProactiveBenchFiles, loadProactiveBench, PB_SUFFIX, proactiveBenchCheckedEntries, proactiveBenchCheckedEpisodes, proactiveBenchEpisodes, withImages, type CheckedEpisode, type SkippedEntry } from './proactivebench/read.js';
import { ProactiveBenchIndex } from './proactivebench/entry-index.js';
import type { SuiteEpisode, ViewLoader } from './types.js';
import { DataError, InputError, NotFoundError } from '../util/errors.js';
import { linkTrouble } from '../util/fs-errors.js';
import { shellQuote } from '../util/shell-quote.js';

/**
 * How an error about the data names what the caller gave: the CLI's `--data` and `--kinds` (CLI_DATA), or a library
 * call's spec and options (api/load-data.ts: `loadData(): spec "…"`, not a flag the library has none of).
 */
export interface DataNaming {
  /** What a message about the whole spec begins with: `--data`, `loadData()`. */
  call: string;
  /** The spec (or its folder) as the message names it: `--data DIR`, `loadData(): spec "DIR"`. */
  spec: (s: string) => string;
  /** The kinds option: `--kinds`, `loadData(): kinds`. */
  kinds: string;
  /** What to do to read the data at `s` instead: `give --data DIR`, `call loadData("DIR")`. */
  give: (s: string) => string;
  /** What writes a suite (suite/io.ts SuiteWriterNaming): `askfirst suite generate --out DIR`, `writeSuite("DIR", generateSuite())`. */
  writer: SuiteWriterNaming;
  /** Where a suite's folder is named when it is written: `askfirst suite generate's --out`, `writeSuite()'s dir`. */
  suiteFolder: string;
}

/** The CLI's naming (every command's `--data`). */
export const CLI_DATA: DataNaming = {
  call: '--data',
  spec: (s) => `--data ${s}`,
  kinds: '--kinds',
  give: (s) => `give --data ${shellQuote(s)}`,
  writer: CLI_SUITE_WRITER,
  suiteFolder: "askfirst suite generate's --out",
};

export interface LoadedData {
  episodes: SuiteEpisode[];
  loader: ViewLoader;
  format: 'suite' | 'proactivebench';
  dir: string;
  /** ProactiveBench entries that could not be read (reported and left out; of the requested kinds only). */
  skipped: SkippedEntry[];
}

/**
 * `progress`: bars while the data is read (default off): an askfirst suite's episodes.jsonl read and its images checked
 * (readSuite), or ProactiveBench's files read and their images checked (loadProactiveBench).
 */
export async function loadData(spec: string, opts: DataOptions = {}, naming: DataNaming = CLI_DATA): Promise<LoadedData> {
  const { format, dir } = dataSpec(spec, naming);
  let skipped: SkippedEntry[] = [];
  let episodes: SuiteEpisode[];
  if (format === 'suite') episodes = await readSuite(dir, { progress: opts.progress, writer: naming.writer });
  else ({ episodes, skipped } = await loadProactiveBench(dir, { progress: opts.progress }));
  skipped = chosenSkipped(skipped, opts);
  const chosen = chooser(opts);
  episodes = episodes.filter(chosen);
  checkChosen(dir, format, opts, new Set([...chosen.kinds, ...skipped.map((s) => s.kind)]), episodes.length, skipped, naming);
  const loader = format === 'suite' ? createViewLoader(dir) : directoryViewLoader(dir);
  return { episodes, loader, format, dir, skipped };
}

export interface DataOptions {
  kinds?: readonly string[];
  limit?: number;
  progress?: boolean;
}

/** loadData's data with its episodes as a stream (suite/episode-stream.ts): `episodes()` reads them again each time. */
export interface StreamedData extends Omit<LoadedData, 'episodes'>, EpisodeStream {}

/**
 * The data of `spec` as loadData chooses and checks it, its episodes read again for each pass instead of held (`askfirst
 * eval`: 100,000 episodes held were some 330 MB). An askfirst suite is read whole once here (every line checked, every
 * image's file looked up, as loadData does: what it refuses is refused before any pass), and a pass reads its
 * episodes.jsonl again a line at a time, each line checked again but no image looked up; a file changed since (its
 * size, modification time or inode) or a pass that yields another number of episodes is a DataError, not other episodes
 * played under this data's fingerprint. ProactiveBench's layout likewise (openProactiveBench).
 */
export async function openData(spec: string, opts: DataOptions = {}): Promise<StreamedData> {
  const { format, dir } = dataSpec(spec);
  if (format === 'proactivebench') return openProactiveBench(dir, opts);
  const file = join(dir, EPISODES_FILE);
  if (!isFile(file)) {
    // (an episodes.jsonl that is no file: a named pipe is read once; none, or a folder, is refused by loadData's reader)
    const { episodes, ...rest } = await loadData(spec, opts);
    return { ...rest, ...episodeStream(episodes) };
  }
  const before = fileState(file);
  const chosen = chooser(opts);
  let count = 0;
  for await (const ep of suiteEpisodes(dir, { progress: opts.progress })) if (chosen(ep)) count++;
  checkChosen(dir, format, opts, chosen.kinds, count, []);
  const changed = () => new DataError(`--data ${dir}: ${file} changed while askfirst read it; run the command again on data no one is writing`, { file });
  return {
    format,
    dir,
    skipped: [],
    loader: createViewLoader(dir),
    count,
    episodes: async function* () {
      if (fileState(file) !== before) throw changed();
      const chosenNow = chooser(opts);
      let n = 0;
      for await (const ep of suiteEpisodes(dir, { checkImages: false })) {
        if (!chosenNow(ep)) continue;
        if (++n > count) throw changed();
        yield ep;
      }
      if (n !== count || fileState(file) !== before) throw changed();
    },
  };
}

/**
 * openData of ProactiveBench's layout: its `<Dataset>_preprocessed.jsonl` files (one entry a line) read once as loadData
 * reads them — every line checked, every image file looked up, a few hundred episodes at a time
 * (proactivebench/read.ts proactiveBenchCheckedEntries) — keeping the entries it skips (listed as loadData lists them:
 * those skipped for their lines, then those for their images), then read again a line at a time for each pass, an
 * episode skipped for its images left out by its id, no image looked up. It held every episode (3 KB each) before.
 */
async function openProactiveBench(dir: string, opts: DataOptions): Promise<StreamedData> {
  const files = (await listProactiveBenchFiles(dir)).map((f) => f.file);
  const before = files.map(fileState).join();
  const { count, skipped, noImages } = await checkProactiveBench(dir, opts);
  const changed = () => new DataError(`--data ${dir}: its ${PB_SUFFIX} files changed while askfirst read them; run the command again on data no one is writing`, { file: files[0] });
  const same = () => files.map(fileState).join() === before;
  return {
    format: 'proactivebench',
    dir,
    skipped,
    loader: directoryViewLoader(dir),
    count,
    episodes: async function* () {
      if (!same()) throw changed();
      const chosenNow = chooser(opts);
      let n = 0;
      for await (const ep of proactiveBenchEpisodes(dir)) {
        if (noImages.has(ep.id) || !chosenNow(ep)) continue;
        if (++n > count) throw changed();
        yield ep;
      }
      if (n !== count || !same()) throw changed();
    },
  };
}

/**
 * ProactiveBench's layout in `dir` read once as loadData reads it (proactiveBenchCheckedEntries: every line checked,
 * every image file looked up), each chosen episode handed to `onChosen` (what tells it and where its line is); the
 * entries skipped (of the chosen kinds, listed as loadData lists them: those skipped for their lines, then those for
 * their images), the ids of those skipped for their images, and how many were chosen. What loadData refuses (an unknown
 * --kinds, nothing chosen) is refused.
 */
async function checkProactiveBench(dir: string, opts: DataOptions, onChosen?: (ep: CheckedEpisode) => void): Promise<ChosenProactiveBench> {
  const pass = chosenProactiveBench(dir, opts, proactiveBenchCheckedEntries(dir, { progress: opts.progress }));
  for (;;) {
    const got = await pass.next();
    if (got.done) return got.value;
    onChosen?.(got.value);
  }
}

type ChosenProactiveBench = { count: number; skipped: SkippedEntry[]; noImages: Set<string> };

/** checkProactiveBench's pass over `entries` (its checked entries, each episode as they give it), yielding each chosen one. */
async function* chosenProactiveBench<T extends Pick<SuiteEpisode, 'id' | 'kind'>>(dir: string, opts: DataOptions, entries: AsyncIterable<{ episode: T } | { skipped: SkippedEntry; images?: true }>): AsyncGenerator<T, ChosenProactiveBench> {
  const chosen = chooser(opts);
  const lineSkipped: SkippedEntry[] = [];
  const imageSkipped: SkippedEntry[] = [];
  let count = 0;
  for await (const got of entries) {
    if ('skipped' in got) (got.images ? imageSkipped : lineSkipped).push(got.skipped);
    else if (chosen(got.episode)) {
      count++;
      yield got.episode;
    }
  }
  const skipped = chosenSkipped([...lineSkipped, ...imageSkipped], opts);
  checkChosen(dir, 'proactivebench', opts, new Set([...chosen.kinds, ...skipped.map((s) => s.kind)]), count, skipped);
  return { count, skipped, noImages: new Set(imageSkipped.map((s) => s.id!)) };
}

/**
 * The chosen episodes of `spec`, each checked as loadData checks it (every line, every image file looked up) and yielded
 * as it is read, the data read once: for a reader that needs each episode once and keeps what it makes of them only if
 * the whole pass ends (`askfirst serve`: the oracle's plans and the data's fingerprint, made in the pass that checks it;
 * it read the data three times before: openData's check, the fingerprint's pass, the oracle's). What loadData refuses is
 * thrown where the pass meets it, after the episodes before it were yielded. Returns how many were chosen and the
 * entries skipped (ProactiveBench's, listed as loadData lists them). The episodes are those, in that order, that each
 * pass of openData gives (so the fingerprint is eval's). A suite whose episodes.jsonl is no regular file is read by
 * loadData, as openData reads it.
 */
export async function* dataOnce(spec: string, opts: DataOptions = {}): AsyncGenerator<SuiteEpisode, { count: number; skipped: SkippedEntry[] }> {
  const { format, dir } = dataSpec(spec);
  if (format === 'proactivebench') {
    const { count, skipped } = yield* chosenProactiveBench(dir, opts, proactiveBenchCheckedEpisodes(dir, { progress: opts.progress }));
    return { count, skipped };
  }
  if (!isFile(join(dir, EPISODES_FILE))) {
    const { episodes, skipped } = await loadData(spec, opts);
    yield* episodes;
    return { count: episodes.length, skipped };
  }
  const chosen = chooser(opts);
  let count = 0;
  for await (const ep of suiteEpisodes(dir, { progress: opts.progress })) {
    if (!chosen(ep)) continue;
    count++;
    yield ep;
  }
  checkChosen(dir, format, opts, chosen.kinds, count, []);
  return { count, skipped: [] };
}

/** loadData's data with its chosen episodes' ids and kinds in order (`entries`), each episode read again by `get`. */
export interface IndexedData extends Omit<LoadedData, 'episodes'>, EpisodeSource {
  /** The chosen episodes' ids and kinds, in order. */
  readonly entries: readonly Pick<SuiteEpisode, 'id' | 'kind'>[];
  /** The chosen episode `id` (undefined: none of that id is chosen); a DataError when the data changed since it was read. */
  get(id: string): Promise<SuiteEpisode | undefined>;
  /** The chosen episodes in order, read again a line at a time (suite/episode-places.ts EpisodePlaces.episodes); a DataError as `get`'s. */
  episodes(): AsyncIterable<SuiteEpisode>;
  close(): Promise<void>;
}

/**
 * The data of `spec` as loadData chooses and checks it, for a reader that needs any one episode at any time but never all
 * (`askfirst env serve`: a reset reads its episode; `askfirst train rl --data`: an update its episodes): an askfirst suite is read once, every line checked and every image
 * looked up as loadData does, keeping of each chosen episode its id, kind and where its line is (suite/episode-index.ts
 * SuiteIndex: some 100 bytes an episode, not its 3 KB); `get` reads the line again, and refuses (a DataError) once the
 * file's size, modification time or inode are not those it had when read (the check eval makes before each pass) or
 * another episode is at that place. ProactiveBench's layout likewise: read once as openData checks it, keeping of each
 * chosen entry its id, kind and where its line is (proactivebench/entry-index.ts ProactiveBenchIndex), `get` building the
 * episode from that line again as its reader did, and refusing once one of its files changed (it held every episode
 * before). A suite whose episodes.jsonl is no regular file (a named pipe is read once) is read whole by loadData and held.
 */
export async function indexData(spec: string, opts: DataOptions = {}): Promise<IndexedData> {
  const { format, dir } = dataSpec(spec);
  if (format === 'suite' && isFile(join(dir, EPISODES_FILE))) {
    const chosen = chooser(opts);
    const entries: Pick<SuiteEpisode, 'id' | 'kind'>[] = [];
    const kinds = new Map<string, string>(); // each kind's text once (a parsed line's kind is its own string)
    const keep = (ep: SuiteEpisode) => {
      if (!chosen(ep)) return false;
      const kind = kinds.get(ep.kind) ?? (kinds.set(ep.kind, ep.kind), ep.kind);
      entries.push({ id: ep.id, kind });
      return true;
    };
    const index = await SuiteIndex.open(dir, { progress: opts.progress, keep });
    try {
      checkChosen(dir, format, opts, chosen.kinds, entries.length, []);
    } catch (e) {
      await index.close();
      throw e;
    }
    return { format, dir, skipped: [], loader: createViewLoader(dir), entries, get: (id) => index.get(id), bytes: (id) => index.bytes(id), episodes: () => index.episodes(), close: () => index.close() };
  }
  if (format === 'proactivebench') {
    const index = await ProactiveBenchIndex.open(await listProactiveBenchFiles(dir));
    const entries: Pick<SuiteEpisode, 'id' | 'kind'>[] = [];
    const kinds = new Map<string, string>(); // each kind's text once (an askfirst block's kind is its line's own string)
    let skipped: SkippedEntry[];
    try {
      ({ skipped } = await checkProactiveBench(dir, opts, (ep) => {
        entries.push({ id: ep.id, kind: kinds.get(ep.kind) ?? (kinds.set(ep.kind, ep.kind), ep.kind) });
        index.add(ep);
      }));
    } catch (e) {
      await index.close();
      throw e;
    }
    return { format, dir, skipped, loader: directoryViewLoader(dir), entries, get: (id) => index.get(id), bytes: (id) => index.bytes(id), episodes: () => index.episodes(), close: () => index.close() };
  }
  const { episodes, ...rest } = await loadData(spec, opts);
  return { ...rest, ...episodeSource(episodes), close: async () => undefined };
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** `--kinds`' skipped entries only (ProactiveBench's entries that could not be read). */
function chosenSkipped(skipped: SkippedEntry[], opts: DataOptions): SkippedEntry[] {
  if (!opts.kinds?.length) return skipped;
  const ks = new Set(opts.kinds);
  return skipped.filter((s) => ks.has(s.kind));
}

/**
 * Whether an episode is chosen, asked of each in order: of `--kinds` (when given) and the first `--limit` of its kind,
 * so a limited run still covers every kind. `kinds`: every kind asked about (an unknown --kinds is told from them).
 */
function chooser(opts: DataOptions): ((e: Pick<SuiteEpisode, 'kind'>) => boolean) & { kinds: Set<string> } {
  const ks = opts.kinds?.length ? new Set(opts.kinds) : null;
  const per = new Map<string, number>();
  const kinds = new Set<string>();
  const chosen = (e: Pick<SuiteEpisode, 'kind'>) => {
    kinds.add(e.kind);
    if (ks && !ks.has(e.kind)) return false;
    if (opts.limit === undefined) return true;
    const n = per.get(e.kind) ?? 0;
    per.set(e.kind, n + 1);
    return n < opts.limit;
  };
  return Object.assign(chosen, { kinds });
}

/** Refuse a --kinds the data does not have, and data of which no episode is chosen (`count`), in one line each. */
function checkChosen(dir: string, format: LoadedData['format'], opts: DataOptions, known: ReadonlySet<string>, count: number, skipped: readonly SkippedEntry[], naming: DataNaming = CLI_DATA): void {
  if (opts.kinds?.length) {
    const unknown = [...new Set(opts.kinds)].filter((k) => !known.has(k));
    if (unknown.length) throw new InputError(`${naming.kinds}: ${unknown.join(', ')} not in ${dir} (it has: ${[...known].sort().join(', ')})`);
  }
  if (!count && !skipped.length) {
    throw new DataError(`${naming.spec(dir)}: it holds no episodes (${format === 'suite' ? 'episodes.jsonl is empty' : 'every entry was filtered out'}); generate some with ${naming.writer.into(dir)}`);
  }
  if (!count && skipped.length) {
    throw new DataError(`${naming.spec(dir)}: none of its entries could be read (${skipped.length} skipped), e.g.:\n  ${skipped.slice(0, 3).map((s) => s.reason).join('\n  ')}`);
  }
}

/** `: why` when a symbolic link is why `dir` is not there (util/fs-errors.ts linkTrouble), else nothing. */
function linkNote(dir: string): string {
  const why = linkTrouble(dir);
  return why ? `: ${why}` : '';
}

/** Whether `dir` holds data of either layout (an error path's look into the folders of a --data that holds none). */
function holdsData(dir: string): boolean {
  try {
    return existsSync(join(dir, EPISODES_FILE)) || readdirSync(dir).some((f) => f.endsWith(PB_SUFFIX));
  } catch {
    return false;
  }
}

/**
 * What to do about a --data folder that holds no data: an empty one, or one holding a suite's leftovers alone (hidden
 * files, suite.json, images/: a suite stopped before or while it wrote its episodes) is where a suite can be generated;
 * one that holds other files is named by them, so a run folder given as the data (`--data runs/oracle`, eval's output)
 * reads as such — it suggested generating a suite into it, which `suite generate` then refused (the folder holds eval's
 * results) —, and so is a folder inside that holds the data (ProactiveBench's download, whose test/ holds it).
 */
function noDataHint(dir: string, naming: DataNaming): string {
  // a symlink to a folder is one (`data/suite -> /mnt/suites/v1`: it was shown as `suite` and never looked into); a dangling
  // or looping one, or one not to be followed, is not
  const isFolder = (e: Dirent) => {
    if (e.isDirectory()) return true;
    try {
      return e.isSymbolicLink() && statSync(join(dir, e.name)).isDirectory();
    } catch {
      return false;
    }
  };
  const shown = readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.'))
    .map((e) => (isFolder(e) ? `${e.name}/` : e.name))
    .sort();
  // empty, or a suite's leftovers (one stopped while it replaced an earlier one): suite generate writes it whole there
  if (shown.every((n) => n === MANIFEST_FILE || n === `${IMAGES_DIR}/`)) return `; generate one with ${naming.writer.into(dir)}`;
  // the folder above the data (ProactiveBench's download, whose test/ holds it): name the folder that does
  const inside = shown.filter((n) => n.endsWith('/')).map((n) => join(dir, n.slice(0, -1))).find(holdsData);
  if (inside) return ` (it holds ${basename(inside)}/, which does): ${naming.give(inside)}`;
  const some = shown.length > 4 ? `${shown.slice(0, 4).join(', ')}, …` : shown.join(', ');
  return ` (it holds ${some}); give the folder of a suite (${naming.suiteFolder}) or of ProactiveBench's data`;
}

/** A `--data` spec's format and folder (its files tell the format when the spec names none); throws when it names no data. */
export function dataSpec(spec: string, naming: DataNaming = CLI_DATA): { format: LoadedData['format']; dir: string } {
  let format: LoadedData['format'] | null = null;
  let dir = spec;
  const m = /^(suite|proactivebench):(.*)$/.exec(spec);
  if (m) {
    format = m[1] as LoadedData['format'];
    dir = m[2];
    if (!dir) throw new InputError(`${naming.spec(spec)} names no folder; give ${spec}DIR (the folder of the data)`);
  }
  if (existsSync(dir) && statSync(dir).isFile()) throw new InputError(`${naming.spec(dir)} is a file; give the folder that holds it (here: ${dirname(dir)})`);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    // `file:X`, `pb:X`: a prefix askfirst does not read, said as such (it was "no directory at file:X"); one letter is a drive (C:)
    const prefix = m ? null : /^([A-Za-z][\w+.-]+):/.exec(spec);
    if (prefix && !linkNote(dir)) throw new InputError(`${naming.spec(spec)}: there is no folder of that name, and "${prefix[1]}:" is no prefix askfirst reads; give suite:DIR (askfirst's format), proactivebench:DIR (ProactiveBench's layout), or the folder alone (its files tell which)`);
    throw new NotFoundError(`${naming.call}: no directory at ${dir}${linkNote(dir)}`);
  }
  if (!format) {
    if (existsSync(join(dir, EPISODES_FILE))) format = 'suite';
    else if (readdirSync(dir).some((f) => f.endsWith(PB_SUFFIX))) format = 'proactivebench';
    else throw new InputError(`${naming.spec(dir)}: found neither episodes.jsonl (askfirst suite) nor *${PB_SUFFIX} (ProactiveBench)${noDataHint(dir, naming)}`);
  }
  return { format, dir };
}

/**
 * The episodes of `ids` in the data of `spec` and its view loader, for a reader that shows a few of them (`askfirst
 * report`'s example episodes): every line is checked as loadData checks it (so a line it refuses is refused here too),
 * but the image files only of the episodes asked for — those are the ones shown (a suite of 200,000 episodes has over a
 * million, and stating them all took seconds to show six) — and an askfirst suite is read a line at a time (suite/io.ts
 * suiteEpisodes) and only the episodes asked for are kept — not the tens of MB a suite of ten thousand episodes takes
 * live —, no further than the last of them (the lines after it are not read, so not checked either: 100,000 episodes
 * took 2 s of CPU to show six from the first thousand). ProactiveBench's layout is read the same way (proactivebench/read.ts proactiveBenchEpisodes, the lines
 * loadData's reader reads, checked as it checks them, and withImages on the episodes asked for: loadData leaves out one
 * with an image missing, and so is it left out here).
 */
export async function loadDataEpisodes(spec: string, ids: ReadonlySet<string>): Promise<{ episodes: Map<string, SuiteEpisode>; loader: ViewLoader }> {
  const { format, dir } = dataSpec(spec);
  const episodes = new Map<string, SuiteEpisode>();
  if (format === 'proactivebench') {
    // the episodes asked for through the image check loadData's reader makes (withImages): only their images are checked
    let read = 0;
    const wanted: SuiteEpisode[] = [];
    for await (const ep of proactiveBenchEpisodes(dir)) {
      read++;
      if (ids.has(ep.id)) wanted.push(ep);
    }
    for (const ep of await withImages(dir, wanted)) episodes.set(ep.id, ep);
    if (!read) throw new DataError(`--data ${dir}: none of its entries could be read or all were filtered out; run askfirst eval --data ${shellQuote(spec)} to see why`);
    return { episodes, loader: directoryViewLoader(dir) };
  }
  let any = false;
  for await (const ep of suiteEpisodes(dir, { checkImages: (id) => ids.has(id) })) {
    any = true;
    if (ids.has(ep.id)) episodes.set(ep.id, ep);
    if (episodes.size === ids.size) break; // each one asked for is here: the lines after it are not read (as suite show)
  }
  if (!any) throw new DataError(`--data ${dir}: it holds no episodes (episodes.jsonl is empty); generate some with \`askfirst suite generate --out ${shellQuote(dir)}\``);
  return { episodes, loader: createViewLoader(dir) };
}
