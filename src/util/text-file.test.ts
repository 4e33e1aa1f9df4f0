/** text-file.ts: files as editors save them read as the same lines. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { readTextFile, readTextLines, stripBom } from './text-file.js';

async function lines(path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const l of readTextLines(path)) out.push(l);
  return out;
}

describe('text files', () => {
  it('a leading byte-order mark is dropped, one elsewhere is kept (it is then the text)', async () => {
    expect(stripBom('\uFEFF{"a":1}')).toBe('{"a":1}');
    expect(stripBom('a\uFEFF')).toBe('a\uFEFF');
    const f = join(tmpDir('af-text'), 'x.jsonl');
    writeFileSync(f, '\uFEFFone\r\n\uFEFFtwo');
    expect(await readTextFile(f)).toBe('one\r\n\uFEFFtwo');
    expect(await lines(f)).toEqual(['one', '\uFEFFtwo']);
  });

  it('LF and CRLF end a line, blank lines are kept for line numbers, a last line without newline counts', async () => {
    const f = join(tmpDir('af-text'), 'x.jsonl');
    writeFileSync(f, 'a\r\n\r\nb\nc');
    expect(await lines(f)).toEqual(['a', '', 'b', 'c']);
    writeFileSync(f, 'a\n\n');
    expect(await lines(f)).toEqual(['a', '']);
  });
});
