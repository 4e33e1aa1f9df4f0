/** jsonl.ts: a path the user named that is no JSONL file is refused by name. */
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { readJsonl } from './jsonl.js';

describe('readJsonl', () => {
  it('a folder where a JSONL file is expected: names it and says what to give (was "unexpected error: EISDIR", no path)', async () => {
    const d = tmpDir('af-jsonl-dir');
    await expect(readJsonl(d)).rejects.toThrow(`${d} is a folder; give a JSONL file (one JSON object per line)`);
    await expect(readJsonl(`${d}/none.jsonl`)).rejects.toThrow(`file not found: ${d}/none.jsonl`);
  });
});
