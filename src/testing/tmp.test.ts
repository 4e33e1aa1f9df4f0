import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { removeTmpDirs, tmpDir } from './tmp.js';

describe('tmpDir', () => {
  const atCollection = tmpDir('af-tmp-describe');
  let inBeforeAll: string;
  let inBeforeEach: string;
  const seen: string[] = [];
  beforeAll(() => {
    inBeforeAll = tmpDir('af-tmp-beforeall');
  });
  beforeEach(() => {
    inBeforeEach = tmpDir('af-tmp-beforeeach');
  });

  it('makes a fresh directory under os.tmpdir() named after the prefix', () => {
    const d = tmpDir('af-tmp-name');
    expect(dirname(d)).toBe(tmpdir());
    expect(basename(d)).toMatch(/^af-tmp-name-\w{6}$/);
    expect(basename(tmpDir('af-tmp-dash-'))).toMatch(/^af-tmp-dash-\w{6}$/);
    expect(tmpDir('af-tmp-name')).not.toBe(d);
    seen.push(d, inBeforeEach);
    writeFileSync(join(d, 'f'), 'x');
  });

  it.fails('a failing test still has its directories removed (checked by the next test)', () => {
    const d = tmpDir('af-tmp-failing');
    seen.push(d);
    writeFileSync(join(d, 'f'), 'x');
    expect(existsSync(d)).toBe(false);
  });

  it('removes directories made in a test or a beforeEach when that test finishes', () => {
    expect(seen).toHaveLength(3);
    for (const d of seen) expect(existsSync(d), d).toBe(false);
    expect(existsSync(inBeforeEach)).toBe(true);
  });

  it('keeps directories made outside a test until the end of the file, then removes them', async () => {
    expect(existsSync(atCollection)).toBe(true);
    expect(existsSync(inBeforeAll)).toBe(true);
    await removeTmpDirs(); // what the afterAll hook of tmp-setup.ts does after the file
    expect(existsSync(atCollection)).toBe(false);
    expect(existsSync(inBeforeAll)).toBe(false);
  });
});
