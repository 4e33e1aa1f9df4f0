/**
 * Where each episode of a ProactiveBench-layout folder is in its `<Dataset>_preprocessed.jsonl` files, read again by id
 * when it is asked for: ProactiveBench's twin of suite/episode-index.ts SuiteIndex, for `askfirst env serve` (suite/open.ts
 * indexData: a reset reads its episode), which held every episode of such a folder before (3 KB each). The entries are
 * read and checked once by the caller (proactiveBenchCheckedEntries, as `askfirst eval` checks them), each kept one
 * `add`ed by its file, line and byte offset; an episode read again is its line read then (readProactiveBenchEntryAt: the
 * same checks and filter), or a DataError saying the files were changed meanwhile: one's size, modification time or
 * inode no longer those it had before they were read (`fileState`), the line's bytes no longer those read then (its
 * lineCheck, kept with its place: a line rewritten in place with the same length, the modification time put back), or
 * another episode at that place.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { DataChangedError } from '../../util/errors.js';
import { fileState } from '../episode-index.js';
import type { SuiteEpisode } from '../types.js';
import type { PBDataset } from './datasets.js';
import { readProactiveBenchEntryAt, type CheckedEpisode, type EntryPlace } from './read.js';

type Place = EntryPlace & { file: number };

export class ProactiveBenchIndex {
  private readonly places = new Map<string, Place>();
  private last: SuiteEpisode | undefined; // the episode read last

  private constructor(
    private readonly files: readonly { dataset: PBDataset; file: string; fh: FileHandle }[],
    private readonly state: string,
  ) {}

  /** Open `files` (listProactiveBenchFiles' order), their state taken now: call before their entries are read. Close it when done. */
  static async open(files: readonly { dataset: PBDataset; file: string }[]): Promise<ProactiveBenchIndex> {
    const state = files.map((f) => fileState(f.file)).join();
    const opened: { dataset: PBDataset; file: string; fh: FileHandle }[] = [];
    try {
      for (const f of files) opened.push({ ...f, fh: await open(f.file, 'r') });
    } catch (e) {
      await Promise.all(opened.map((f) => f.fh.close()));
      throw e;
    }
    return new ProactiveBenchIndex(opened, state);
  }

  /** Keep where episode `ep` is (one proactiveBenchCheckedEntries gave, of these files). */
  add(ep: CheckedEpisode): void {
    const file = this.files.findIndex((f) => f.file === ep.meta.file);
    if (file < 0) throw new Error(`${ep.meta.file} is not a file of this index`);
    const { line, offset, bytes, check } = ep.meta;
    this.places.set(ep.id, { file, line, offset, bytes, check });
  }

  /** The bytes of episode `id`'s line (undefined when none of that id was added). */
  bytes(id: string): number | undefined {
    return this.places.get(id)?.bytes;
  }

  /** The episode `id`, read again from its line; undefined when none of that id was added. */
  async get(id: string): Promise<SuiteEpisode | undefined> {
    if (this.last?.id === id) return this.last;
    const at = this.places.get(id);
    if (!at) return undefined;
    const { dataset, file, fh } = this.files[at.file];
    if (this.files.map((f) => fileState(f.file)).join() !== this.state) {
      throw new DataChangedError('the ProactiveBench files were changed since they were read: their episodes may no longer be those read then', { file });
    }
    const ep = await readProactiveBenchEntryAt(fh, file, dataset, at);
    if (ep?.id !== id) throw new DataChangedError(`the episode read again is not episode "${id}" read before: the file was changed meanwhile`, { file, line: at.line });
    return (this.last = ep);
  }

  async close(): Promise<void> {
    await Promise.all(this.files.map((f) => f.fh.close()));
  }
}
