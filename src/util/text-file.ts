/**
 * Text files as people save them: a UTF-8 byte-order mark (Windows Notepad, Excel's "CSV UTF-8",
 * PowerShell's `Out-File`) is dropped, and lines end at LF or CRLF. Every reader of a file a user
 * may have written by hand (episodes.jsonl, ProactiveBench's JSONL, a --config JSON) goes through
 * here, so each command takes the same files (docs/architecture.md §4).
 */
import { createReadStream, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';

/** `text` without a leading byte-order mark (U+FEFF), which JSON.parse refuses as "Unexpected token". */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** A whole text file (UTF-8), its byte-order mark dropped. Node's errors (ENOENT, EISDIR, …) pass through. */
export async function readTextFile(path: string): Promise<string> {
  return stripBom(await readFile(path, 'utf8'));
}

/** Synchronous twin of readTextFile. */
export function readTextFileSync(path: string): string {
  return stripBom(readFileSync(path, 'utf8'));
}

/**
 * The lines of a text file, streamed (a file larger than memory is never held whole): LF and CRLF
 * both end a line and neither is part of it; the first line's byte-order mark is dropped; a last
 * line without a newline is a line.
 */
export async function* readTextLines(path: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let first = true;
  for await (const line of rl) {
    yield first ? stripBom(line) : line;
    first = false;
  }
}
