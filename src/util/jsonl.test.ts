/** jsonl.ts: a path the user named that is no JSONL file is refused by name. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { parseJsonl, readJsonl, readJsonlLineAt, streamJsonl, type JsonlLine } from './jsonl.js';
import { open } from 'node:fs/promises';

describe('readJsonl', () => {
  it('a folder where a JSONL file is expected: names it and says what to give (was "unexpected error: EISDIR", no path)', async () => {
    const d = tmpDir('af-jsonl-dir');
    await expect(readJsonl(d)).rejects.toThrow(`${d} is a folder; give a JSONL file (one JSON object per line)`);
    await expect(readJsonl(`${d}/none.jsonl`)).rejects.toThrow(`file not found: ${d}/none.jsonl`);
  });

  it('streamJsonl says the same of a folder and of a missing file (feedback pairs reads its results with it)', async () => {
    const d = tmpDir('af-jsonl-dir');
    const all = async (p: string) => {
      for await (const l of streamJsonl(p)) void l;
    };
    await expect(all(d)).rejects.toThrow(`${d} is a folder; give a JSONL file (one JSON object per line)`);
    await expect(all(`${d}/none.jsonl`)).rejects.toThrow(`file not found: ${d}/none.jsonl`);
  });
});

describe('streamJsonl', () => {
  /** What streamJsonl yields for `text` written to a file, or the message of the error it throws. */
  async function streamed(text: string): Promise<{ lines: JsonlLine<unknown>[]; truncated: boolean } | string> {
    const file = join(tmpDir('af-jsonl-stream'), 'x.jsonl');
    writeFileSync(file, text);
    const lines: JsonlLine<unknown>[] = [];
    let truncated = false;
    const fh = await open(file, 'r');
    try {
      for await (const l of streamJsonl(file, { tolerateTruncatedTail: true, onTail: () => (truncated = true), check: true })) {
        expect(await readJsonlLineAt(fh, file, l)).toEqual(l.value); // where the line is: read again, the same record
        lines.push({ line: l.line, value: l.value });
      }
    } catch (e) {
      return (e as Error).message.replace(file, 'x');
    } finally {
      await fh.close();
    }
    return { lines, truncated };
  }
  const parsed = (text: string) => {
    try {
      return parseJsonl(text, 'x', { tolerateTruncatedTail: true });
    } catch (e) {
      return (e as Error).message;
    }
  };

  it('yields the lines, numbers and errors parseJsonl gives for the whole text, the cut last line dropped', async () => {
    const big = `{"t":"${'é€'.repeat(40_000)}"}`; // multi-byte characters across the stream's 64 KiB pieces, one line longer than a piece
    for (const text of [
      '',
      '\n',
      '{"a":1}',
      '{"a":1}\n{"a":2}\n',
      '{"a":1}\r\n\r\n  \n{"a":2}\r\n',
      '{"a":1}\n{"a":2', // killed mid-line: dropped
      '{"a":1}\n{"a":2\n{"a":3}\n', // malformed, not the last: an error naming line 2
      '{"a":1}\n{"a":2\n', // malformed with its newline: not a cut line
      `${big}\n{"b":2}\n${big}\n${big.slice(0, 70_000)}`,
      '\uFEFF{"a":1}\r\n{"a":2', // a byte-order mark: whitespace to parseJsonl's trim, dropped by the stream's reader
      '\uFEFF{"a":',
      '\uFEFF{"a":\n{"a":2}\n',
    ]) {
      const want = parsed(text);
      const got = await streamed(text);
      expect(got, text.slice(0, 40)).toEqual(want);
    }
  });

  it('readJsonlLineAt needs the line\'s CRC (a place without it does not compile) and refuses a line rewritten in place', async () => {
    const file = join(tmpDir('af-jsonl-at'), 'x.jsonl');
    writeFileSync(file, '{"a":1}\n{"a":2}\n');
    const places = [];
    for await (const l of streamJsonl(file, { check: true })) places.push(l);
    writeFileSync(file, '{"a":1}\n{"a":3}\n'); // the same length, another record
    const fh = await open(file, 'r');
    try {
      expect(await readJsonlLineAt(fh, file, places[0])).toEqual({ a: 1 });
      await expect(readJsonlLineAt(fh, file, places[1])).rejects.toThrow('the line was changed since it was read');
      const { line, offset, bytes } = places[1];
      // @ts-expect-error -- every reader that keeps a place keeps its CRC: the type requires it (was optional: read unchecked)
      await expect(readJsonlLineAt(fh, file, { line, offset, bytes })).rejects.toThrow('the line was changed since it was read');
    } finally {
      await fh.close();
    }
  });
});
