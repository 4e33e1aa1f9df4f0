/**
 * Where each episode of a ProactiveBench-layout folder is in its `<Dataset>_preprocessed.jsonl` files, read again by id
 * when it is asked for: ProactiveBench's twin of suite/episode-index.ts SuiteIndex, for `askfirst env serve` (suite/open.ts
 * indexData: a reset reads its episode), which held every episode of such a folder before (3 KB each). The entries are
 * read and checked once by the caller (proactiveBenchCheckedEntries, as `askfirst eval` checks them), each kept one
 * `add`ed by its file, line and byte offset; an episode read again is its line read then (proactiveBenchEntryOfLine: the
 * same checks and filter), or a DataError saying the files were changed meanwhile (suite/episode-places.ts EpisodePlaces,
 * the flow SuiteIndex shares: a file's size, modification time or inode, the line's lineCheck, the id at that place).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { EpisodePlaces, fileState } from '../episode-places.js';
import type { SuiteEpisode } from '../types.js';
import type { PBDataset } from './datasets.js';
import { proactiveBenchEntryOfLine, type CheckedEpisode } from './read.js';

/** What ProactiveBenchIndex's DataChangedError says when one of its files changed since they were read. */
const CHANGED = 'the ProactiveBench files were changed since they were read: their episodes may no longer be those read then';

export class ProactiveBenchIndex {
  private constructor(
    private readonly files: readonly { dataset: PBDataset; file: string }[],
    private readonly places: EpisodePlaces,
  ) {}

  /** Open `files` (listProactiveBenchFiles' order), their state taken now: call before their entries are read. Close it when done. */
  static async open(files: readonly { dataset: PBDataset; file: string }[]): Promise<ProactiveBenchIndex> {
    const states = files.map((f) => fileState(f.file));
    const opened: { file: string; fh: FileHandle }[] = [];
    try {
      for (const { file } of files) opened.push({ file, fh: await open(file, 'r') });
    } catch (e) {
      await Promise.all(opened.map((f) => f.fh.close()));
      throw e;
    }
    const episodeOf = (text: string, i: number, at: { line: number }) => proactiveBenchEntryOfLine(text, files[i].file, files[i].dataset, at.line);
    return new ProactiveBenchIndex(files, new EpisodePlaces(opened, states, CHANGED, episodeOf));
  }

  /** Keep where episode `ep` is (one proactiveBenchCheckedEntries gave, of these files, in their order). */
  add(ep: CheckedEpisode): void {
    const file = this.files.findIndex((f) => f.file === ep.meta.file);
    if (file < 0) throw new Error(`${ep.meta.file} is not a file of this index`);
    const { line, offset, bytes, check } = ep.meta;
    this.places.add(ep.id, file, { line, offset, bytes, check });
  }

  /** The bytes of episode `id`'s line (undefined when none of that id was added). */
  bytes(id: string): number | undefined {
    return this.places.bytes(id);
  }

  /** The episode `id`, read again from its line (EpisodePlaces.get); undefined when none of that id was added. */
  get(id: string): Promise<SuiteEpisode | undefined> {
    return this.places.get(id);
  }

  /**
   * The episodes added, in the files' order, read again in one pass over each file (EpisodePlaces.episodes: every file's
   * state looked up before and after the pass, not at each episode as `get` does).
   */
  episodes(): AsyncGenerator<SuiteEpisode> {
    return this.places.episodes();
  }

  close(): Promise<void> {
    return this.places.close();
  }
}
