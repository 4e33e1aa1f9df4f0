/**
 * `--data` specs → episodes and a view loader:
 *   DIR                   a suite in askfirst's format (episodes.jsonl) or ProactiveBench's
 *                         layout (<Dataset>_preprocessed.jsonl), recognised by its files;
 *   suite:DIR             askfirst's format;
 *   proactivebench:DIR    ProactiveBench's layout (e.g. the real test split once downloaded).
 * Any other `name:` before a path that is not a folder (`file:X`) is refused as a prefix askfirst does not read.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readSuite, suiteEpisodes } from './io.js';
import { createViewLoader } from './loader.js';
import { directoryViewLoader, loadProactiveBench, PB_SUFFIX, proactiveBenchEpisodes, withImages, type SkippedEntry } from './proactivebench/read.js';
import type { SuiteEpisode, ViewLoader } from './types.js';
import { DataError, InputError, NotFoundError } from '../util/errors.js';
import { linkTrouble } from '../util/fs-errors.js';
import { shellQuote } from '../util/shell-quote.js';

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
export async function loadData(spec: string, opts: { kinds?: readonly string[]; limit?: number; progress?: boolean } = {}): Promise<LoadedData> {
  const { format, dir } = dataSpec(spec);
  let skipped: SkippedEntry[] = [];
  let episodes: SuiteEpisode[];
  if (format === 'suite') episodes = await readSuite(dir, { progress: opts.progress });
  else ({ episodes, skipped } = await loadProactiveBench(dir, { progress: opts.progress }));
  if (opts.kinds?.length) {
    const ks = new Set(opts.kinds);
    skipped = skipped.filter((s) => ks.has(s.kind));
    const known = new Set([...episodes.map((e) => e.kind), ...skipped.map((s) => s.kind)]);
    const unknown = [...ks].filter((k) => !known.has(k));
    if (unknown.length) throw new InputError(`--kinds: ${unknown.join(', ')} not in ${dir} (it has: ${[...known].sort().join(', ')})`);
    episodes = episodes.filter((e) => ks.has(e.kind));
  }
  if (opts.limit !== undefined) {
    // Take the first `limit` episodes of each kind, so a limited run still covers every kind.
    const per = new Map<string, number>();
    episodes = episodes.filter((e) => {
      const n = per.get(e.kind) ?? 0;
      per.set(e.kind, n + 1);
      return n < opts.limit!;
    });
  }
  if (!episodes.length && !skipped.length) {
    throw new DataError(`--data ${dir}: it holds no episodes (${format === 'suite' ? 'episodes.jsonl is empty' : 'every entry was filtered out'}); generate some with \`askfirst suite generate --out ${shellQuote(dir)}\``);
  }
  if (!episodes.length && skipped.length) {
    throw new DataError(`--data ${dir}: none of its entries could be read (${skipped.length} skipped), e.g.:\n  ${skipped.slice(0, 3).map((s) => s.reason).join('\n  ')}`);
  }
  const loader = format === 'suite' ? createViewLoader(dir) : directoryViewLoader(dir);
  return { episodes, loader, format, dir, skipped };
}

/** `: why` when a symbolic link is why `dir` is not there (util/fs-errors.ts linkTrouble), else nothing. */
function linkNote(dir: string): string {
  const why = linkTrouble(dir);
  return why ? `: ${why}` : '';
}

/** A `--data` spec's format and folder (its files tell the format when the spec names none); throws when it names no data. */
export function dataSpec(spec: string): { format: LoadedData['format']; dir: string } {
  let format: LoadedData['format'] | null = null;
  let dir = spec;
  const m = /^(suite|proactivebench):(.*)$/.exec(spec);
  if (m) {
    format = m[1] as LoadedData['format'];
    dir = m[2];
    if (!dir) throw new InputError(`--data ${spec} names no folder; give ${spec}DIR (the folder of the data)`);
  }
  if (existsSync(dir) && statSync(dir).isFile()) throw new InputError(`--data ${dir} is a file; give the folder that holds it (here: ${dirname(dir)})`);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    // `file:X`, `pb:X`: a prefix askfirst does not read, said as such (it was "no directory at file:X"); one letter is a drive (C:)
    const prefix = m ? null : /^([A-Za-z][\w+.-]+):/.exec(spec);
    if (prefix && !linkNote(dir)) throw new InputError(`--data ${spec}: there is no folder of that name, and "${prefix[1]}:" is no prefix askfirst reads; give suite:DIR (askfirst's format), proactivebench:DIR (ProactiveBench's layout), or the folder alone (its files tell which)`);
    throw new NotFoundError(`--data: no directory at ${dir}${linkNote(dir)}`);
  }
  if (!format) {
    if (existsSync(join(dir, 'episodes.jsonl'))) format = 'suite';
    else if (readdirSync(dir).some((f) => f.endsWith(PB_SUFFIX))) format = 'proactivebench';
    else throw new InputError(`--data ${dir}: found neither episodes.jsonl (askfirst suite) nor *${PB_SUFFIX} (ProactiveBench); generate one with \`askfirst suite generate --out ${shellQuote(dir)}\``);
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
