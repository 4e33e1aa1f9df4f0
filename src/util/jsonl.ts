/** Reading JSONL with errors that name the file and line; reopening an appended-to JSONL file after a kill. */
import { readFile } from 'node:fs/promises';
import { DataError, InputError, NotFoundError } from './errors.js';
import { writeFileAtomic } from './fsx.js';
import { readLines } from './text-file.js';

export interface JsonlLine<T> {
  line: number;
  value: T;
}

/**
 * Parse every non-empty line. A malformed line throws a DataError naming file:line, unless
 * `tolerateTruncatedTail` is set and it is the last line without a trailing newline (a write
 * interrupted mid-line), which is then dropped and reported through `truncated`.
 */
export async function readJsonl<T = unknown>(
  path: string,
  opts: { tolerateTruncatedTail?: boolean } = {},
): Promise<{ lines: JsonlLine<T>[]; truncated: boolean }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw jsonlOpenError(e, path);
  }
  return parseJsonl<T>(text, path, opts);
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
      throw new DataError(`malformed JSON: ${(e as Error).message}`, { file: path, line: i + 1, cause: e });
    }
  }
  return { lines, truncated };
}

/**
 * `parseJsonl` of a file read a piece at a time (`readLines`, the project's one chunked LF split), one line parsed and
 * handed on at once: a file larger than memory is never held whole (as a string or as its list of records). The same
 * lines, numbers and errors as `parseJsonl` of the whole text, the tolerated last line included: only a last line
 * without newline can be a line cut short (a leading byte-order mark, dropped here, is whitespace to parseJsonl's
 * trim). `onTail` is called when such a line was dropped.
 */
export async function* streamJsonl<T = unknown>(
  path: string,
  opts: { tolerateTruncatedTail?: boolean; onTail?: () => void } = {},
): AsyncGenerator<JsonlLine<T>> {
  let line = 0;
  try {
    for await (const { text, ended } of readLines(path)) {
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
        throw new DataError(`malformed JSON: ${(e as Error).message}`, { file: path, line, cause: e });
      }
      yield { line, value };
    }
  } catch (e) {
    throw jsonlOpenError(e, path); // a file that cannot be opened, said as readJsonl says it; any other error as it is
  }
}

/**
 * Reopen `text`, the content of the JSONL file `path` that a resumable run appends records to, so
 * appending can go on: its records, the first per key (`keyOf`, which throws for a line that is
 * no record), a line cut short by a kill dropped. The file is rewritten whole (atomically) when a
 * line was dropped, a key repeated, or the last record lost only its newline (killed between the
 * two writes) — the next append would otherwise join that line into one malformed line of two
 * records. `repaired` says whether it was. A malformed line that is not the last is a DataError
 * naming it.
 */
export async function reopenJsonl<T>(path: string, text: string, keyOf: (value: T, line: number) => string): Promise<{ records: T[]; repaired: boolean }> {
  const parsed = parseJsonl<T>(text, path, { tolerateTruncatedTail: true });
  const seen = new Set<string>();
  const records: T[] = [];
  for (const { line, value } of parsed.lines) {
    const key = keyOf(value, line);
    if (!seen.has(key)) {
      seen.add(key);
      records.push(value);
    }
  }
  const repaired = text !== '' && (parsed.truncated || records.length !== parsed.lines.length || !text.endsWith('\n'));
  if (repaired) await writeFileAtomic(path, records.map((r) => JSON.stringify(r) + '\n').join(''));
  return { records, repaired };
}
