/**
 * Replacing an earlier output in a folder (docs/architecture.md §4), for both on-disk layouts: the own format's
 * `episodes.jsonl` (suite/io.ts writeSuite) and ProactiveBench's `<Dataset>_preprocessed.jsonl` (proactivebench/write.ts).
 * An index (an episode list) names the images its output uses. When a new output replaces it, the earlier index is not
 * deleted but moved (one atomic rename each) into `dir/.replacing/` (REPLACING_DIR) before anything else is removed:
 * from then on that folder is the record of what is being replaced. Once the new indexes are in place,
 * finishReplacing removes the images the set-aside indexes name that no index in `dir` names (nor the write's own
 * files), the folders that leaves empty, and then the set-aside indexes. A write stopped anywhere in between (Ctrl-C,
 * a kill) leaves that record behind, and the next write into `dir` finishes it first — before, a stop after the
 * earlier index was deleted lost the only list of its images, which then stayed forever.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Where the indexes of an output being replaced wait until their images are removed (inside `dir`: same file system). */
export const REPLACING_DIR = '.replacing';

/** How a layout reads its indexes: which index files a folder holds, and the images (relative to `dir`) one names. */
export interface IndexLayout {
  /** The index file names in `folder` (the output's own folder or REPLACING_DIR). */
  indexes(folder: string): Promise<string[]>;
  /** The images `file` (an index) names, relative to `dir`; none when it does not read (nothing is removed on a guess). */
  images(file: string, name: string): Promise<Set<string>>;
}

/** The index names of `folder` that `layout` recognises; none when the folder is missing. */
export async function indexNames(folder: string, match: (name: string) => boolean): Promise<string[]> {
  try {
    return (await readdir(folder)).filter(match).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/**
 * Move the earlier indexes `names` of `dir` (those present) into `dir/.replacing/`. Call it only after finishReplacing
 * (a record left by a stopped write is finished first, never merged into or overwritten).
 */
export async function setAside(dir: string, names: readonly string[]): Promise<void> {
  const aside = join(dir, REPLACING_DIR);
  await mkdir(aside, { recursive: true });
  for (const name of names) {
    try {
      await rename(join(dir, name), join(aside, name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}

/**
 * Finish a replacement in `dir`, if one was begun (this write's, or one a stopped write left): remove the images the
 * indexes in `dir/.replacing/` name that no index now in `dir` names and `keep` (the write's own files) does not hold,
 * the folders that leaves empty unless `pruneFolders` is false (a folder still holding anything stays), then the
 * set-aside indexes. Safe to run again
 * after a stop inside it.
 */
export async function finishReplacing(dir: string, layout: IndexLayout, o: { keep?: ReadonlySet<string>; pruneFolders?: boolean } = {}): Promise<void> {
  const aside = join(dir, REPLACING_DIR);
  if (!existsSync(aside)) return;
  const earlier = new Set<string>();
  for (const name of await layout.indexes(aside)) for (const rel of await layout.images(join(aside, name), name)) earlier.add(rel);
  for (const name of await layout.indexes(dir)) for (const rel of await layout.images(join(dir, name), name)) earlier.delete(rel);
  const emptied = new Set<string>();
  for (const rel of earlier) {
    if (o.keep?.has(rel)) continue;
    await rm(join(dir, rel), { force: true });
    for (let d = dirname(rel); d !== '.' && d !== ''; d = dirname(d)) emptied.add(d);
  }
  // deepest first; a folder still holding anything (another episode's images, a file of the user) stays
  if (o.pruneFolders ?? true) for (const d of [...emptied].sort((a, b) => b.split('/').length - a.split('/').length)) await rmdir(join(dir, d)).catch(() => undefined);
  await rm(aside, { recursive: true, force: true });
}
