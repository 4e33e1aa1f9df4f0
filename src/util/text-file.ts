/**
 * Text files as people save them: a UTF-8 byte-order mark (Windows Notepad, Excel's "CSV UTF-8",
 * PowerShell's `Out-File`) is dropped, and a CRLF line end reads as LF. Every reader of a file a user
 * may have written by hand (episodes.jsonl, ProactiveBench's JSONL, a --config JSON) goes through
 * here, so each command takes the same files (docs/architecture.md §4).
 *
 * JSONL is read one way: lines end at LF only (`readLines`, as JSON Lines defines them; a CRLF
 * line's '\r' is JSON whitespace), the one split `readSplitLines` and util/jsonl.ts `streamJsonl`
 * (results.jsonl) build on. Node's readline,
 * used here before for askfirst's episodes.jsonl, also ends a line at a lone '\r': an episode with
 * one between its fields was two malformed lines there, one episode in ProactiveBench's files, and
 * every later line number was one off from `wc -l`'s and a whole-file split's.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { readFile, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { DataChangedError } from './errors.js';

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
 * A line of `readLines`: its text, whether a newline ended it (only a file's last line can lack one), and where its bytes
 * are in the file (`offset`, `bytes`: its text is those bytes decoded, a leading byte-order mark outside them), so a
 * reader can keep where a line is instead of the line and read it again later (util/jsonl.ts `readJsonlLineAt`).
 */
export interface SplitLine {
  text: string;
  ended: boolean;
  offset: number;
  bytes: number;
  /** `lineCheck` of its bytes, when `readLines` was asked for it: `readLineAt` tells by it that the line read again is this one. */
  check?: number;
}

/**
 * What tells a line's bytes from others of its length: their CRC-32 (zlib's, native: 0.1 s for 370 MB), as a signed 32-bit
 * integer, which V8 keeps in the object holding it, not as a number of its own. A reader that keeps where a line is
 * (`offset`, `bytes`) keeps it too, and refuses the line read again when its bytes are no longer those: a line rewritten
 * in place with the same length, the file's size and modification time put back, is no longer read as the line it was.
 */
export function lineCheck(bytes: Uint8Array): number {
  return crc32(bytes) | 0;
}

/**
 * The text of the line at `at` of a `readLines` read of `path`, read again from `fh` (decoded as readLines decodes it);
 * when the bytes there now are not the line's (`at.check`, its `lineCheck`, which every reader keeps), a DataChangedError saying the line was changed
 * since it was read (`at.line`: its number, for the message).
 */
export async function readLineAt(fh: FileHandle, path: string, at: Pick<SplitLine, 'offset' | 'bytes'> & { line: number; check: number }): Promise<string> {
  const buf = Buffer.alloc(at.bytes);
  const { bytesRead } = await fh.read(buf, 0, at.bytes, at.offset);
  const got = buf.subarray(0, bytesRead);
  if (lineCheck(got) !== at.check) throw new DataChangedError('the line was changed since it was read: it may no longer hold what it held then', { file: path, line: at.line });
  return got.toString('utf8');
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The one chunked split of a file at LF, every JSONL reader's (`readSplitLines`, and util/jsonl.ts `streamJsonl`): the
 * pieces of `readTextFile(path).split('\n')`, streamed, so the file is never held whole. A CRLF line keeps its '\r'
 * (JSON whitespace), a lone '\r' ends no line, the empty piece after a last newline is left out, an empty file is one
 * empty line. The bytes are split (an LF byte is never part of a UTF-8 character) and each line decoded on its own, a
 * line longer than a chunk joined once its newline comes. `ended` is false only for a last line without newline (one a
 * kill may have cut short). `check`: each line's `lineCheck` too (a reader that will read some lines again by their place).
 */
export function readLines(path: string, opts: { check: true }): AsyncGenerator<SplitLine & { check: number }>;
export function readLines(path: string, opts?: { check?: boolean }): AsyncGenerator<SplitLine>;
export async function* readLines(path: string, opts: { check?: boolean } = {}): AsyncGenerator<SplitLine> {
  let rest: Buffer[] = []; // the start of a line whose newline has not come yet (a long line: its pieces joined once, at its end)
  let restAt = 0; // the file offset of rest's first byte
  let pos = 0; // the file offset of the chunk's first byte
  let any = false;
  const line = (bytes: Buffer, offset: number, ended: boolean): SplitLine => {
    const bom = offset === 0 && bytes.subarray(0, 3).equals(BOM) ? 3 : 0; // stripBom, on the bytes
    const split: SplitLine = { text: bytes.toString('utf8', bom), ended, offset: offset + bom, bytes: bytes.length - bom };
    if (opts.check) split.check = lineCheck(bytes.subarray(bom));
    return split;
  };
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, start)) {
      any = true;
      const piece = chunk.subarray(start, i);
      yield rest.length ? line(Buffer.concat([...rest, piece]), restAt, true) : line(piece, pos + start, true);
      rest = [];
      start = i + 1;
    }
    if (start < chunk.length) {
      if (!rest.length) restAt = pos + start;
      rest.push(chunk.subarray(start));
    }
    pos += chunk.length;
  }
  if (rest.length || !any) yield line(Buffer.concat(rest), rest.length ? restAt : pos, false);
}

/**
 * The lines of `readLines` as text. Every JSONL a user may write is read with it, so every command numbers its lines
 * alike: askfirst's episodes.jsonl (suite/io.ts, for eval, report, suite show, export, …, and the images an earlier
 * suite names when it is replaced) and ProactiveBench's files (suite/proactivebench/read.ts for eval and report;
 * write.ts for the images an earlier write names).
 */
export async function* readSplitLines(path: string): AsyncGenerator<string> {
  for await (const l of readLines(path)) yield l.text;
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
