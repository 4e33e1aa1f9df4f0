import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { writeFileAtomic, writeFileAtomicSync } from './fsx.js';

const tmp = () => tmpDir('askfirst-fsx');

describe('atomic writes', () => {
  it('write the whole file into a new directory and leave no temp file behind', async () => {
    const d = tmp();
    const big = new Uint8Array(3_000_000).map((_, i) => i % 251);
    writeFileAtomicSync(join(d, 'a', 'sync.bin'), big);
    await writeFileAtomic(join(d, 'a', 'async.txt'), 'héllo\n');
    expect(Buffer.compare(readFileSync(join(d, 'a', 'sync.bin')), Buffer.from(big))).toBe(0);
    expect(readFileSync(join(d, 'a', 'async.txt'), 'utf8')).toBe('héllo\n');
    expect(readdirSync(join(d, 'a')).sort()).toEqual(['async.txt', 'sync.bin']);
  });

  it('when the rename fails, throw and remove the temp file', async () => {
    const d = tmp();
    mkdirSync(join(d, 'taken'));
    writeFileSync(join(d, 'taken', 'x'), 'x'); // a non-empty directory cannot be replaced by a file
    expect(() => writeFileAtomicSync(join(d, 'taken'), 'data')).toThrow();
    await expect(writeFileAtomic(join(d, 'taken'), 'data')).rejects.toThrow();
    expect(readdirSync(d)).toEqual(['taken']);
  });
});
