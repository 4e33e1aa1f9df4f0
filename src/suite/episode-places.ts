/**
 * Where episodes' lines are in the JSONL files they were read from, and the episodes read again from there: by id
 * (`get`, a line read at its place) or all in order in one pass over the files (`episodes`). The one flow of the readers
 * that keep places, not episodes: suite/episode-index.ts SuiteIndex (an askfirst suite's episodes.jsonl) and
 * suite/proactivebench/entry-index.ts ProactiveBenchIndex (ProactiveBench's `<Dataset>_preprocessed.jsonl` files), each
 * giving how a line's text is its episode. An episode read again is the line read then, or a DataChangedError saying the
 * files were changed meanwhile: one's size, modification time or inode no longer those it had when it was read
 * (`fileState`, the check `askfirst eval` makes before each pass), the line's bytes no longer those read then (its
 * util/text-file.ts lineCheck, kept with its place: a line rewritten in place with the same length and the file's
 * modification time put back), or another episode at that place.
 */
import { statSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { DataChangedError } from '../util/errors.js';
import { readLineAt, readLines } from '../util/text-file.js';
import type { SuiteEpisode } from './types.js';

/** Where a line is in its file (util/text-file.ts SplitLine: 1-based line number, byte offset and length) and its bytes' lineCheck. */
export type LinePlace = { line: number; offset: number; bytes: number; check: number };

/** What tells that a file changed: its size, modification time and inode (a file replaced by a rename). */
export function fileState(file: string): string {
  const st = statSync(file);
  return `${st.size}:${st.mtimeMs}:${st.ino}`;
}

/** A file whose lines an EpisodePlaces reads again, open as `fh`. */
export interface PlacedFile {
  file: string;
  fh: FileHandle;
}

/**
 * The episode of a line's text (`file`: the index in the files of the line's file), as its reader built it when it was
 * read; null when it no longer reads as one.
 */
export type EpisodeOfLine = (text: string, file: number, at: LinePlace) => SuiteEpisode | null;

export class EpisodePlaces {
  private readonly places: Map<string, LinePlace>[]; // each file's (no file index held an episode: 8 bytes)
  private lastAdded = { file: 0, offset: -1 };
  private last: SuiteEpisode | undefined; // the episode read last (a sampled policy's plays of one episode come together)

  /**
   * `files` (open), their `states` (fileState of each) taken before their lines were read; `changed`: what the
   * DataChangedError says when one of them changed since ("the file was changed since it was read: …").
   */
  constructor(
    private readonly files: readonly PlacedFile[],
    private readonly states: readonly string[],
    private readonly changed: string,
    private readonly episodeOf: EpisodeOfLine,
  ) {
    this.places = files.map(() => new Map());
  }

  /** Keep where episode `id` is: `at` in the `file`-th file. Episodes are added in the files' order (the order `episodes` gives them in). */
  add(id: string, file: number, at: LinePlace): void {
    const last = this.lastAdded;
    if (file < last.file || (file === last.file && at.offset <= last.offset)) throw new Error(`episode ${id} added out of the files' order`);
    this.lastAdded = { file, offset: at.offset };
    this.places[file].set(id, { line: at.line, offset: at.offset, bytes: at.bytes, check: at.check });
  }

  /** How many episodes are kept. */
  get size(): number {
    return this.places.reduce((n, p) => n + p.size, 0);
  }

  /** Where episode `id` is: its file's index and its line's place (undefined when none of that id was added). */
  private find(id: string): { file: number; at: LinePlace } | undefined {
    for (const [file, places] of this.places.entries()) {
      const at = places.get(id);
      if (at) return { file, at };
    }
    return undefined;
  }

  /** The bytes of episode `id`'s line (undefined when none of that id was added). */
  bytes(id: string): number | undefined {
    return this.find(id)?.at.bytes;
  }

  /** The DataChangedError saying a file changed since it was read (`file`-th, at `line` when known). */
  private changedError(file: number, line?: number): DataChangedError {
    return new DataChangedError(this.changed, { file: this.files[file].file, line });
  }

  /** A changedError when a file's state is no longer that taken, naming `file` (default: the first file changed). */
  private checkState(file?: number): void {
    const now = this.files.map((f) => fileState(f.file));
    const first = now.findIndex((s, i) => s !== this.states[i]);
    if (first >= 0) throw this.changedError(file ?? first);
  }

  /** The episode of `text`, the line at `at` of the `file`-th file; a line that is no longer JSON is one changed since it was read. */
  private episodeAt(text: string, file: number, at: LinePlace): SuiteEpisode | null {
    try {
      return this.episodeOf(text, file, at);
    } catch (e) {
      if (e instanceof SyntaxError) throw this.changedError(file, at.line);
      throw e;
    }
  }

  /** The episode `id`, read again from its line; undefined when none of that id was added. */
  async get(id: string): Promise<SuiteEpisode | undefined> {
    if (this.last?.id === id) return this.last;
    const found = this.find(id);
    if (!found) return undefined;
    const { at } = found;
    this.checkState(found.file);
    const { file, fh } = this.files[found.file];
    const ep = this.episodeAt(await readLineAt(fh, file, at), found.file, at);
    if (ep?.id !== id) throw new DataChangedError(`the episode read again is not episode "${id}" read before: the file was changed meanwhile`, { file, line: at.line });
    return (this.last = ep);
  }

  /**
   * The episodes kept, in the files' order, read again in one pass over each file that holds one (`get` of each, a read
   * of its own and every file's state looked up, took 7 s for 30,000 of 105,000 episodes on a loaded machine): only
   * their lines parsed, each the line read then, or a DataChangedError as `get`'s (the files' states looked up before
   * and after the pass).
   */
  async *episodes(): AsyncGenerator<SuiteEpisode> {
    this.checkState();
    for (const [file, places] of this.places.entries()) {
      const kept = places.entries(); // in the file's order (`add` keeps them so)
      let next = kept.next();
      if (next.done) continue;
      for await (const { text, offset, check } of readLines(this.files[file].file, { check: true })) {
        const [id, at] = next.value;
        if (offset !== at.offset) continue;
        if (check !== at.check) throw this.changedError(file, at.line);
        const ep = this.episodeAt(text, file, at);
        if (ep?.id !== id) throw this.changedError(file, at.line);
        yield ep;
        next = kept.next();
        if (next.done) break;
      }
      if (!next.done) throw this.changedError(file); // its line is no longer there
    }
    this.checkState();
  }

  async close(): Promise<void> {
    await Promise.all(this.files.map((f) => f.fh.close()));
  }
}
