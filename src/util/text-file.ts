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
 * both end a line and neither is part of it — and so does a lone CR (Node's readline ends a line
 * there; readSplitLines does not); the first line's byte-order mark is dropped; a last line without
 * a newline is a line.
 */
export async function* readTextLines(path: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let first = true;
  for await (const line of rl) {
    yield first ? stripBom(line) : line;
    first = false;
  }
}

/**
 * The lines of `readTextFile(path).split('\n')`, streamed: the file is never held whole, and each line is exactly the
 * piece that split gives (a CRLF line keeps its '\r', which JSON reads as whitespace; a lone '\r' ends no line, unlike
 * readTextLines, whose readline ends a line there too), less the empty piece after a last newline. An empty file is one
 * empty line, as split gives. Readers that must number lines as a whole-file split does use it (ProactiveBench's JSONL,
 * suite/proactivebench/read.ts, for `askfirst eval` and `askfirst report` alike).
 */
export async function* readSplitLines(path: string): AsyncGenerator<string> {
  let rest = '';
  let first = true;
  let any = false;
  for await (const chunk of createReadStream(path, { encoding: 'utf8' }) as AsyncIterable<string>) {
    let text = first ? stripBom(chunk) : chunk;
    first = false;
    if (!text.includes('\n')) {
      rest += text; // a long line: joined once its newline comes, not split again at every piece
      continue;
    }
    text = rest + text;
    let start = 0;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
      any = true;
      yield text.slice(start, i);
      start = i + 1;
    }
    rest = text.slice(start);
  }
  if (rest !== '' || !any) yield rest;
}

/** How many lines readSplitLines yields for `path` (its newlines, plus one for a last line without one; 1 for an empty file), counted in chunks. */
export async function countSplitLines(path: string): Promise<number> {
  let n = 0;
  let last = -1;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) n++;
    if (chunk.length) last = chunk[chunk.length - 1];
  }
  return last === 0x0a ? n : n + 1;
}
