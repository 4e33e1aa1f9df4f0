/** Reading JSONL with errors that name the file and line. */
import { readFile } from 'node:fs/promises';
import { DataError, NotFoundError } from './errors.js';

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
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`file not found: ${path}`, { cause: e });
    throw e;
  }
  return parseJsonl<T>(text, path, opts);
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
