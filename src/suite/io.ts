/**
 * The suite on disk (docs/architecture.md §4): `episodes.jsonl` (one episode a line, views as
 * `{"path": "images/…png"}` relative to the suite directory) + `images/*.png` + a small
 * `suite.json` manifest. The images are staged until every episode is written and synced together
 * (util/fsx StagedFiles), the manifest and the JSONL written atomically (temp name, fsync, rename), the JSONL last, so a
 * reader never sees a half-written suite. Reading
 * validates every line and names the file, line and episode of each problem.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync, type Stats } from 'node:fs';
import { mkdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { episodeProblems } from '../episode/validate.js';
import { generatableKinds } from './kinds/registry.js';
import { ImageNameClaims, safeFileName } from './image-names.js';
import { encodePNG } from '../scenes/codec.js';
import { DataError, describeError, InputError, NotFoundError } from '../util/errors.js';
import { StagedFiles, writeFileAtomic } from '../util/fsx.js';
import { fileKind } from '../util/file-kind.js';
import { checkFileFormat, formatFields, type FileFormat } from '../util/file-format.js';
import { shellQuote } from '../util/shell-quote.js';
import { progress } from '../util/progress.js';
import { finishReplacing, indexNames, setAside, type IndexLayout } from './replacing.js';
import { countSplitLines, readLines, readSplitLines, readTextFile } from '../util/text-file.js';
import type { SuiteEpisode, ViewRef } from './types.js';

export const EPISODES_FILE = 'episodes.jsonl';
export const IMAGES_DIR = 'images';
export const MANIFEST_FILE = 'suite.json';
/** suite.json's version (util/file-format.ts): a suite without one (written by hand) is read as any other. */
export const SUITE_FORMAT: FileFormat = { name: 'askfirst-suite', version: 1 };

export interface WriteSuiteOptions {
  /** Written to suite.json (generator settings, so a suite can be regenerated). */
  manifest?: Record<string, unknown>;
  /** Called after each episode's images are written (into the staging folder). */
  onEpisode?: (ep: SuiteEpisode) => void;
  /** Called once every episode is staged, just before `dir`'s earlier suite is replaced (its episode list removed), with how many images are to be moved into place. */
  onReplacing?: (images: number) => void;
  /** Called after each staged image is moved into place (a progress bar: 20,000 episodes' images take seconds). */
  onImageMoved?: () => void;
}

/** Where writeSuite puts a suite's images while its episodes are still coming (inside the suite folder: same file system). */
export const STAGING_DIR = '.writing';

/**
 * Write `episodes` to `dir`, taking them one at a time (an array, or a generator that makes each as
 * it is asked for: only one episode's pixels are held at once). `{image}` views are encoded as PNGs;
 * `{path}` views are kept as they are (they must already be relative to `dir`). Returns the episodes as
 * written (views as paths). The images go first into `dir/.writing/` (STAGING_DIR, removed at the
 * start of the next write if a run was stopped), so an earlier suite in `dir` is untouched until every
 * episode is there; then its `episodes.jsonl` is moved aside into `dir/.replacing/` (suite/replacing.ts), the images
 * are moved into `images/`, and the new `episodes.jsonl` is written last: a write stopped midway (Ctrl-C, a kill)
 * leaves either the earlier suite as it was or no `episodes.jsonl`, so a folder whose images are half old, half new is
 * never read as a suite. Once the new list is in place, the earlier suite's images that the new one does not use are
 * removed (a suite of 10 episodes written over one of 400 would otherwise keep 390 episodes' images), by the
 * set-aside list — so a write stopped before that is finished by the next write into `dir`; files the earlier list did
 * not name are left alone.
 */
export async function writeSuite(dir: string, episodes: Iterable<SuiteEpisode> | AsyncIterable<SuiteEpisode>, opts: WriteSuiteOptions = {}): Promise<SuiteEpisode[]> {
  const staging = join(dir, STAGING_DIR);
  await finishReplacing(dir, OWN_LAYOUT, { pruneFolders: false }); // a replacement a stopped write left part-done
  await rm(staging, { recursive: true, force: true });
  const made = await mkdir(join(staging, IMAGES_DIR), { recursive: true }); // the first folder made, if any
  const ids = new Set<string>();
  const names = new ImageNameClaims((id) => ids.has(id)); // two ids, one image file name ("x y", "x_y"): refused
  const written: SuiteEpisode[] = [];
  const lines: string[] = [];
  const staged: string[] = [];
  const images = new StagedFiles(); // moved into images/ once all are written and synced
  const kinds: Record<string, number> = {};
  try {
    for await (const ep of episodes) {
      if (ids.has(ep.id)) throw new DataError(`duplicate episode id "${ep.id}"`, { file: join(dir, EPISODES_FILE) });
      const clash = names.claim(ep.id);
      if (clash !== undefined) throw new DataError(`${clash}, and the images of one would replace the other's. Nothing was written to ${dir}: give one of them another id`);
      ids.add(ep.id);
      const views: ViewRef[] = [];
      for (let v = 0; v < ep.views.length; v++) {
        const ref = ep.views[v];
        if ('image' in ref) {
          const rel = `${IMAGES_DIR}/${safeFileName(ep.id)}_v${v}.png`;
          await images.write(join(staging, rel), encodePNG(ref.image));
          staged.push(rel);
          views.push({ path: rel });
        } else views.push(ref);
      }
      const out = { ...ep, views };
      written.push(out);
      lines.push(JSON.stringify(out));
      kinds[ep.kind] = (kinds[ep.kind] ?? 0) + 1;
      opts.onEpisode?.(ep);
    }
    await images.flush();
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    await removeMadeFolders(dir, made);
    throw e;
  }
  opts.onReplacing?.(staged.length);
  await setAside(dir, [EPISODES_FILE]); // the record of the earlier suite's images until they are removed (suite/replacing.ts)
  await rm(join(dir, MANIFEST_FILE), { force: true });
  await mkdir(join(dir, IMAGES_DIR), { recursive: true });
  for (const rel of staged) {
    await rename(join(staging, rel), join(dir, rel));
    opts.onImageMoved?.();
  }
  await rm(staging, { recursive: true, force: true });
  const episodesText = lines.join('\n') + (lines.length ? '\n' : '');
  // the episodes file's bytes by their SHA-256: what tells `suite show --all-kinds` that the file was changed after this
  // (suiteManifestCounts), a line changed in place too, which the count of episodes does not tell
  const episodesSha256 = createHash('sha256').update(episodesText, 'utf8').digest('hex');
  await writeFileAtomic(
    join(dir, MANIFEST_FILE),
    JSON.stringify({ ...formatFields(SUITE_FORMAT), episodes: written.length, kinds, episodesSha256, ...opts.manifest }, null, 2) + '\n',
  );
  await writeFileAtomic(join(dir, EPISODES_FILE), episodesText);
  await finishReplacing(dir, OWN_LAYOUT, { keep: new Set(staged), pruneFolders: false });
  return written;
}

/** Remove the folders writeSuite made for `dir` (`made`: the first, mkdir's answer), from `dir` up, while they are empty. */
async function removeMadeFolders(dir: string, made: string | undefined): Promise<void> {
  if (made === undefined) return;
  const top = resolve(made);
  let d = resolve(dir);
  if (d !== top && !d.startsWith(top + sep)) return; // only the staging folder was made: removed already
  for (;;) {
    try {
      await rmdir(d);
    } catch {
      return; // not empty (or gone): left as it is
    }
    if (d === top) return;
    d = dirname(d);
  }
}

/** The own format's index: `episodes.jsonl` naming `images/NAME` files (suite/replacing.ts). */
const OWN_LAYOUT: IndexLayout = {
  indexes: (folder) => indexNames(folder, (n) => n === EPISODES_FILE),
  images: (file) => listedImages(file),
};

/**
 * The image files an earlier suite's episode list names in its own `images/` folder (`images/NAME`, no
 * deeper path): what writeSuite may remove once a new suite replaces it. A list that is missing or does
 * not read names none (nothing is removed on a guess).
 */
async function listedImages(file: string): Promise<Set<string>> {
  const out = new Set<string>();
  try {
    for await (const line of readSplitLines(file)) {
      if (!line.trim()) continue;
      const views = (JSON.parse(line) as { views?: unknown }).views;
      if (!Array.isArray(views)) continue;
      for (const v of views) {
        const p = (v as { path?: unknown } | null)?.path;
        const name = typeof p === 'string' && p.startsWith(`${IMAGES_DIR}/`) ? p.slice(IMAGES_DIR.length + 1) : '';
        if (name && name !== '.' && name !== '..' && !/[/\\]/.test(name)) out.add(p as string);
      }
    }
  } catch {
    return new Set();
  }
  return out;
}

export interface ReadSuiteOptions {
  /** Kinds accepted besides the seven synthetic ones and those registered in this process (e.g. imported dataset names). */
  extraKinds?: readonly string[];
  /**
   * Check that every image file exists (default true); a function: only those of the episodes whose id it accepts (a
   * reader that shows a few episodes, `askfirst report`'s examples, checks their images, not every one of the suite's).
   */
  checkImages?: boolean | ((id: string) => boolean);
  /** A progress bar over the lines read and their images checked (util/progress.ts; default off): 20,000 episodes take seconds. */
  progress?: boolean;
  /** How a refusal names what writes a suite (default the CLI's `askfirst suite generate`; the library's loadData: writeSuite()). */
  writer?: SuiteWriterNaming;
}

/** How a message names what writes a suite: the CLI's command (CLI_SUITE_WRITER) or the library's call (api/load-data.ts). */
export interface SuiteWriterNaming {
  /** The command or call alone: `askfirst suite generate`, `writeSuite()`. */
  name: string;
  /** How to write a suite into `dir`, quoted as code: `` `askfirst suite generate --out DIR` ``. */
  into: (dir: string) => string;
}

/** The CLI's naming: a suite is written by `askfirst suite generate --out DIR`. */
export const CLI_SUITE_WRITER: SuiteWriterNaming = { name: 'askfirst suite generate', into: (dir) => `\`askfirst suite generate --out ${shellQuote(dir)}\`` };

/**
 * Why a hand-written view path names no file, when the likely slip can be seen: a path written
 * relative to the working directory (or with Windows' backslashes) instead of relative to the
 * suite folder. '' when neither is the case.
 */
async function misplacedViewHint(dir: string, rel: string): Promise<string> {
  const exists = (p: string) => stat(p).then((st) => st.isFile(), () => false);
  const inSuite = relative(resolve(dir), resolve(rel));
  if (!inSuite.startsWith('..') && !isAbsolute(inSuite) && (await exists(resolve(rel)))) {
    return ` (view paths are relative to the suite folder ${dir}, not to the working directory: write ${JSON.stringify(inSuite.split(sep).join('/'))})`;
  }
  if (rel.includes('\\') && (await exists(resolve(dir, rel.replace(/\\/g, '/'))))) return ` (write the path with "/", not "\\": ${JSON.stringify(rel.replace(/\\/g, '/'))})`;
  return '';
}

/**
 * Refuse a suite whose suite.json says a newer askfirst wrote it (its episodes may mean something else by the same
 * fields). Nothing else of suite.json is read: a suite without one, or with one that does not parse or is not askfirst's
 * (a hand-made suite's), is read as before.
 */
async function checkManifest(dir: string, writer: SuiteWriterNaming): Promise<void> {
  const file = join(dir, MANIFEST_FILE);
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readTextFile(file));
  } catch {
    return;
  }
  checkFileFormat(manifest, file, SUITE_FORMAT, `generate one with this askfirst (${writer.name}) into another folder`);
}

/**
 * The kinds `dir`'s suite.json counts (writeSuite writes it beside the episodes it counts), the episodes it counts
 * in all (undefined when it says no number) and the SHA-256 of the episodes file it was written with (undefined when it
 * records none: an older askfirst's), or undefined when it has no kinds that say them (a hand-made suite's, or
 * one that does not parse): then any kind askfirst reads may be there.
 */
export async function suiteManifestCounts(dir: string): Promise<{ kinds: string[]; episodes: number | undefined; episodesSha256?: string } | undefined> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readTextFile(join(dir, MANIFEST_FILE)));
  } catch {
    return undefined;
  }
  const m = manifest as { kinds?: unknown; episodes?: unknown; episodesSha256?: unknown } | null;
  const kinds = m?.kinds;
  if (typeof kinds !== 'object' || kinds === null || Array.isArray(kinds)) return undefined;
  const sha = typeof m?.episodesSha256 === 'string' && /^[0-9a-f]{64}$/.test(m.episodesSha256) ? { episodesSha256: m.episodesSha256 } : {};
  return { kinds: Object.keys(kinds), episodes: Number.isSafeInteger(m?.episodes) ? (m!.episodes as number) : undefined, ...sha };
}

/** The SHA-256 (hex) of `dir`'s episodes file, its bytes as they are (what suite.json's `episodesSha256` records), read in chunks. */
export async function episodesFileSha256(dir: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(join(dir, EPISODES_FILE)) as AsyncIterable<Buffer>) h.update(chunk);
  return h.digest('hex');
}

/** Read a suite written by writeSuite; views come back as `{path}` relative to `dir`. */
export async function readSuite(dir: string, opts: ReadSuiteOptions = {}): Promise<SuiteEpisode[]> {
  const episodes: SuiteEpisode[] = [];
  for await (const ep of suiteEpisodes(dir, opts)) episodes.push(ep);
  return episodes;
}

/**
 * The episodes of a suite one at a time, each checked as readSuite checks it (readSuite collects them): a reader that
 * needs a few episodes of a large suite (`askfirst report`'s examples) holds only those, and one that stops early
 * (`suite show`, `feedback import --limit`) reads no further.
 */
export async function* suiteEpisodes(dir: string, opts: ReadSuiteOptions = {}): AsyncGenerator<SuiteEpisode> {
  for await (const { episode } of suiteEpisodeLines(dir, opts)) yield episode;
}

/** An episode of `suiteEpisodeLines` and where its line is in episodes.jsonl (util/text-file.ts SplitLine): suite/episode-index.ts reads it again from there. */
export interface SuiteEpisodeLine {
  episode: SuiteEpisode;
  line: number;
  offset: number;
  bytes: number;
  /** The line's util/text-file.ts lineCheck, when asked for (`check`): what tells that the line read again is this one. */
  check?: number;
}

/**
 * `suiteEpisodes` with each episode's place in episodes.jsonl (and, `check: true`, its line's lineCheck, then typed as
 * there, as util/text-file.ts readLines does), so a reader can keep where an episode is instead of the episode.
 */
export function suiteEpisodeLines(dir: string, opts: ReadSuiteOptions & { check: true }): AsyncGenerator<SuiteEpisodeLine & { check: number }>;
export function suiteEpisodeLines(dir: string, opts?: ReadSuiteOptions & { check?: boolean }): AsyncGenerator<SuiteEpisodeLine>;
export async function* suiteEpisodeLines(dir: string, opts: ReadSuiteOptions & { check?: boolean } = {}): AsyncGenerator<SuiteEpisodeLine> {
  const file = join(dir, EPISODES_FILE);
  try {
    // a folder of that name stats fine, and reading it failed with Node's EISDIR, which names no path ("unexpected error");
    // a socket or a device is said as what it is (a named pipe is read, as a file is)
    const st = await stat(file);
    if (!st.isFile() && !st.isFIFO()) throw new InputError(`no suite at ${dir}: ${file} is ${fileKind(st)}, not the suite's episode file (one JSON episode a line); move it aside, or give another suite folder`);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const isFile = await stat(dir).then((st) => st.isFile(), () => false);
    if (isFile) throw new InputError(`no suite at ${dir}: it is a file; give the suite's folder, the one holding ${EPISODES_FILE} and images/ (here: ${dirname(dir)})`, { cause: e });
    throw new NotFoundError(`no suite at ${dir}: ${file} does not exist (write one with ${(opts.writer ?? CLI_SUITE_WRITER).into(dir)})`, { cause: e });
  }
  await checkManifest(dir, opts.writer ?? CLI_SUITE_WRITER);
  const known = new Set<string>([...generatableKinds(), ...(opts.extraKinds ?? [])]); // those registered in this process too (kinds/registry.ts)
  const ids = new Map<string, number>();
  let line = 0;
  const bar = progress('reading suite', opts.progress ? await countSplitLines(file) : 0, { enabled: opts.progress ?? false, unit: 'lines' });
  try {
    // a byte-order mark and CRLF line ends, as Windows editors save a hand-written file, are read as any other; lines
    // end at LF only, as every JSONL of the project is read (util/text-file.ts readLines)
    for await (const { text, offset, bytes, check } of readLines(file, { check: opts.check })) {
      line++;
      bar.tick();
      if (text.trim() === '') continue;
      let ep: SuiteEpisode;
      try {
        ep = JSON.parse(text) as SuiteEpisode;
      } catch (e) {
        throw new DataError(`malformed JSON (${describeError(e)}); each line must be one episode object`, { file, line, cause: e });
      }
      if (typeof ep !== 'object' || ep === null || Array.isArray(ep)) throw new DataError('expected an episode object', { file, line });
      const name = typeof ep.id === 'string' ? `episode "${ep.id}"` : 'episode';
      const problems = episodeProblems(ep);
      if (problems.length) throw new DataError(`${name} is invalid: ${problems.join('; ')}`, { file, line }); // one line, as every CLI error
      if (!known.has(ep.kind)) throw new DataError(`${name} has unknown kind "${ep.kind}" (known: ${[...known].join(', ')}); a kind of your own is read once registered: askfirst --plugin FILE, or registerKind in code`, { file, line });
      if (ids.has(ep.id)) throw new DataError(`${name} repeats the id of line ${ids.get(ep.id)}`, { file, line });
      ids.set(ep.id, line);
      const checkImages = typeof opts.checkImages === 'function' ? opts.checkImages(ep.id) : (opts.checkImages ?? true);
      for (let v = 0; v < ep.views.length; v++) {
        const ref = ep.views[v] as unknown;
        if (typeof ref !== 'object' || ref === null || typeof (ref as { path?: unknown }).path !== 'string')
          throw new DataError(`${name}: views[${v}] must be {"path": "…"}`, { file, line });
        const rel = (ref as { path: string }).path;
        // a suite is self-contained: no absolute paths, nothing outside its directory
        if (isAbsolute(rel) || /^[a-zA-Z]:[\\/]/.test(rel) || relative(resolve(dir), resolve(dir, rel)).split(/[\\/]/)[0] === '..') {
          throw new DataError(`${name}: views[${v}] path ${JSON.stringify(rel)} must be relative to the suite directory and stay inside it`, { file, line });
        }
        if (checkImages) {
          const p = resolve(dir, rel);
          // statSync: one awaited stat per view (a trip through libuv's thread pool each) took most of reading a large suite
          let st: Stats;
          try {
            st = statSync(p);
          } catch {
            throw new DataError(`${name}: image of views[${v}] is missing: ${p}${await misplacedViewHint(dir, rel)}`, { file, line });
          }
          // a folder there was read only when the view was shown, as Node's EISDIR ("illegal operation on a directory");
          // a named pipe, socket or device is said as what it is (each was called a folder)
          if (!st.isFile()) throw new DataError(`${name}: image of views[${v}] is ${fileKind(st)}, not an image file: ${p}`, { file, line });
        }
      }
      yield { episode: ep, line, offset, bytes, check };
    }
  } catch (e) {
    bar.fail(); // a line refused (or the file unreadable): the bar says where, not "N/M lines in Xs" as if read
    throw e;
  } finally {
    bar.stop(); // also when the reader stops early (`suite show` once it has its episode); a no-op after fail
  }
}
