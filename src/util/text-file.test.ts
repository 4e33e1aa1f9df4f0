/** text-file.ts: files as editors save them read as the same lines. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { countSplitLines, readLines, readSplitLines, readTextFile, stripBom, type SplitLine } from './text-file.js';

async function lines(path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const l of readSplitLines(path)) out.push(l);
  return out;
}

describe('text files', () => {
  it('a leading byte-order mark is dropped, one elsewhere is kept (it is then the text)', async () => {
    expect(stripBom('\uFEFF{"a":1}')).toBe('{"a":1}');
    expect(stripBom('a\uFEFF')).toBe('a\uFEFF');
    const f = join(tmpDir('af-text'), 'x.jsonl');
    writeFileSync(f, '\uFEFFone\r\n\uFEFFtwo');
    expect(await readTextFile(f)).toBe('one\r\n\uFEFFtwo');
    expect(await lines(f)).toEqual(['one\r', '\uFEFFtwo']);
  });

  it('LF and CRLF end a line (its \\r is JSON whitespace), blank lines are kept for line numbers, a last line without newline counts', async () => {
    const f = join(tmpDir('af-text'), 'x.jsonl');
    writeFileSync(f, '{"a":1}\r\n\r\n{"b":2}\n{"c":3}');
    expect(await lines(f)).toEqual(['{"a":1}\r', '\r', '{"b":2}', '{"c":3}']);
    expect((await lines(f)).map((l) => (l.trim() ? JSON.parse(l) : null))).toEqual([{ a: 1 }, null, { b: 2 }, { c: 3 }]);
    writeFileSync(f, 'a\n\n');
    expect(await lines(f)).toEqual(['a', '']);
  });

  it("readSplitLines streams the lines of a whole-file split ('\\r' kept, a lone one no line end) and countSplitLines counts them", async () => {
    const f = join(tmpDir('af-text'), 'x.jsonl');
    const split = async () => {
      const lines = (await readTextFile(f)).split('\n');
      if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
      return lines;
    };
    const streamed = async () => {
      const out: string[] = [];
      for await (const l of readSplitLines(f)) out.push(l);
      return out;
    };
    // long lines of two- and three-byte characters cross the stream's 64 KiB chunks mid-character and mid-line
    const long = 'é€'.repeat(50_000);
    for (const text of ['', '\n', '\uFEFF', '\uFEFFa\r\nb', 'a\rb\nc\r\n', 'a\n\n', '\n\nx', `${long}\n${long}\r\n\n${long}`, `\uFEFF${long}\n`]) {
      writeFileSync(f, text);
      const want = await split();
      expect(await streamed()).toEqual(want);
      expect(await countSplitLines(f)).toBe(want.length);
      // readLines, which readSplitLines and streamJsonl build on: the same lines, each but a last one without newline ended
      const withEnds: SplitLine[] = [];
      for await (const l of readLines(f)) withEnds.push(l);
      expect(withEnds.map((l) => l.text)).toEqual(want);
      expect(withEnds.map((l) => l.ended)).toEqual(want.map((_, i) => i < want.length - 1 || text.endsWith('\n')));
      // and where each line's bytes are: read there again, they are its text (a byte-order mark outside them)
      const bytes = readFileSync(f);
      expect(withEnds.map((l) => bytes.toString('utf8', l.offset, l.offset + l.bytes))).toEqual(want);
    }
    writeFileSync(f, 'a\rb\nc');
    expect(await streamed()).toEqual(['a\rb', 'c']); // a lone \r ends no line (Node's readline ends one there)
  });
});
