/** Reading JSONL with errors that name the file and line; reopening an appended-to JSONL file after a kill. */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { DataError, describeError, InputError, NotFoundError } from './errors.js';
import { writeJsonlAtomic } from './fsx.js';
import { readLineAt, readLines } from './text-file.js';

export interface JsonlLine<T> {
  line: number;
  value: T;
}

/** A line of `streamJsonl`, with where its bytes are in the file (`readLines`): `readJsonlLineAt` reads it again. */
export interface StreamedJsonlLine<T> extends JsonlLine<T> {
  offset: number;
  bytes: number;
  /** Its bytes' util/text-file.ts lineCheck, when `streamJsonl` was asked for it (`check`): a reader that reads the line again by its place keeps it too. */
  check?: number;
}

/**
 * Parse every non-empty line. A malformed line throws a DataError naming file:line, unless
 * `tolerateTruncatedTail` is set and it is the last line without a trailing newline (a write
 * interrupted mid-line), which is then dropped and reported through `truncated`.
 */
/** `text`: the file as read (what the lines were parsed from: a caller may hash it, e.g. scripted:FILE's fingerprint). */
export async function readJsonl<T = unknown>(
  path: string,
  opts: { tolerateTruncatedTail?: boolean } = {},
): Promise<{ lines: JsonlLine<T>[]; truncated: boolean; text: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw jsonlOpenError(e, path);
  }
  return { ...parseJsonl<T>(text, path, opts), text };
}

/** A JSONL file that cannot be read, in the user's terms: missing, or a folder (Node's EISDIR names no path, so the CLI could only call it an unexpected error); else the error as it is. */
export function jsonlOpenError(e: unknown, path: string): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new NotFoundError(`file not found: ${path}`, { cause: e });
  if (code === 'EISDIR') return new InputError(`${path} is a folder; give a JSONL file (one JSON object per line)`, { cause: e });
  return e;
}

export function parseJsonl<T = unknown>(
  text: string,
  path: string,
  opts: { tolerateTruncatedTail?: boolean } = {},
): { lines: JsonlLine<T>[]; truncated: boolean } {
  const raw = text.split('\n');
  const lines: JsonlLine<T>[] = [];
  let truncated = false;
  for (let i = 0; i < raw.length; i++) {
    const s = raw[i].trim();
    if (!s) continue;
    try {
      lines.push({ line: i + 1, value: JSON.parse(s) as T });
    } catch (e) {
      const isTail = i === raw.length - 1 && !text.endsWith('\n');
      if (opts.tolerateTruncatedTail && isTail) {
        truncated = true;
        continue;
      }
      throw new DataError(`malformed JSON: ${describeError(e)}`, { file: path, line: i + 1, cause: e });
    }
  }
  return { lines, truncated };
}

/**
 * `parseJsonl` of a file read a piece at a time (`readLines`, the project's one chunked LF split), one line parsed and
 * handed on at once: a file larger than memory is never held whole (as a string or as its list of records). The same
 * lines, numbers and errors as `parseJsonl` of the whole text, the tolerated last line included: only a last line
 * without newline can be a line cut short (a leading byte-order mark, dropped here, is whitespace to parseJsonl's
 * trim). `onTail` is called when such a line was dropped. `check`: each line's lineCheck too (readLines'), for a reader
 * that keeps where some lines are to read them again (`readJsonlLineAt`, which refuses one whose bytes changed).
 */
export function streamJsonl<T = unknown>(path: string, opts: StreamJsonlOptions & { check: true }): AsyncGenerator<StreamedJsonlLine<T> & JsonlPlace>;
export function streamJsonl<T = unknown>(path: string, opts?: StreamJsonlOptions): AsyncGenerator<StreamedJsonlLine<T>>;
export async function* streamJsonl<T = unknown>(path: string, opts: StreamJsonlOptions = {}): AsyncGenerator<StreamedJsonlLine<T>> {
  let line = 0;
  try {
    for await (const { text, ended, offset, bytes, check } of readLines(path, { check: opts.check })) {
      line++;
      const s = text.trim();
      if (!s) continue;
      let value: T;
      try {
        value = JSON.parse(s) as T;
      } catch (e) {
        if (opts.tolerateTruncatedTail && !ended) {
          opts.onTail?.();
          continue;
        }
        throw new DataError(`malformed JSON: ${describeError(e)}`, { file: path, line, cause: e });
      }
      yield opts.check ? { line, value, offset, bytes, check } : { line, value, offset, bytes };
    }
  } catch (e) {
    throw jsonlOpenError(e, path); // a file that cannot be opened, said as readJsonl says it; any other error as it is
  }
}

/** streamJsonl's options: `check`, each line's CRC too (a reader that will read some lines again: `readJsonlLineAt`). */
export interface StreamJsonlOptions {
  tolerateTruncatedTail?: boolean;
  onTail?: () => void;
  check?: boolean;
}

/** Where a line is and its bytes' CRC (`streamJsonl` with `check`): what `readJsonlLineAt` needs to read it again. */
export type JsonlPlace = { line: number; offset: number; bytes: number; check: number };

/**
 * The line `at` of a `streamJsonl` read of `path`, open as `fh`, read again and parsed: a reader that needs some records of
 * a large file again keeps where they are, not the records. A line that is no longer JSON (the file was changed since)
 * is a DataError saying so; one whose bytes are no longer those read then (`at.check`, util/text-file.ts lineCheck, kept
 * by every caller: a line rewritten in place with the same length) a DataChangedError, before it is parsed.
 */
export async function readJsonlLineAt<T = unknown>(fh: FileHandle, path: string, at: JsonlPlace): Promise<T> {
  const text = await readLineAt(fh, path, at);
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new DataError(`malformed JSON on reading the line again (${describeError(e)}): the file was changed meanwhile; run the command again`, { file: path, line: at.line, cause: e });
  }
}

/**
 * Whether the JSONL file `path` holds anything but whitespace (its first such line found, read a piece at a time): a
 * resumable run's file that holds nothing to lose is started afresh.
 */
export async function jsonlHasContent(path: string): Promise<boolean> {
  for await (const { text } of readLines(path)) if (text.trim() !== '') return true;
  return false;
}

/** Whether the file at `path` is not empty and its last byte is not a newline (its last line lost its newline or was cut short). */
async function lacksFinalNewline(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size === 0) return false;
    const { buffer } = await fh.read(Buffer.alloc(1), 0, 1, size - 1);
    return buffer[0] !== 0x0a;
  } finally {
    await fh.close();
  }
}

/**
 * Reopen the JSONL file `path` that a resumable run appends records to, so appending can go on: the keys of its records
 * (`keyOf`, which throws for a line that is no record), the first record per key handed to `onRecord` (a reader that
 * needs them keeps them; eval/store.ts keeps none: 100,000 episode records are over 100 MB held), a line cut short by a
 * kill dropped. Read a line at a time (streamJsonl): the file is never one string, which a JavaScript string cannot hold
 * past ~512 MB (some 600,000 episode records). `onLine` is told each line number read (a progress bar). The file is
 * rewritten (atomically, in pieces: writeJsonlAtomic, the records read again as they are written) when a line was
 * dropped, a key repeated, or the last record lost only its newline (killed between the two writes) — the next append
 * would otherwise join that line into one malformed line of two records. `repaired` says whether it was. A malformed
 * line that is not the last is a DataError naming it.
 */
export async function reopenJsonl<T>(
  path: string,
  keyOf: (value: T, line: number) => string,
  opts: { onLine?: (line: number) => void; onRecord?: (value: T) => void } = {},
): Promise<{ keys: Set<string>; repaired: boolean }> {
  const keys = new Set<string>();
  let truncated = false;
  let lines = 0;
  for await (const { line, value } of streamJsonl<T>(path, { tolerateTruncatedTail: true, onTail: () => (truncated = true) })) {
    opts.onLine?.(line);
    lines++;
    const key = keyOf(value, line);
    if (!keys.has(key)) {
      keys.add(key);
      opts.onRecord?.(value);
    }
  }
  const repaired = truncated || keys.size !== lines || (await lacksFinalNewline(path));
  if (repaired) {
    // the first record per key, read again as the new file is written (the same lines writeJsonlAtomic of them all wrote)
    const kept = async function* () {
      const seen = new Set<string>();
      for await (const { line, value } of streamJsonl<T>(path, { tolerateTruncatedTail: true })) {
        const key = keyOf(value, line);
        if (seen.has(key)) continue;
        seen.add(key);
        yield value;
      }
    };
    await writeJsonlAtomic(path, kept());
  }
  return { keys, repaired };
}
