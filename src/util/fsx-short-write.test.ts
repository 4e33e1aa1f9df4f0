import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tmpDir } from '../testing/tmp.js';

// a nearly full disk: the kernel writes part of what was asked, then the next write fails with ENOSPC
const fault = vi.hoisted(() => ({ on: false }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  let calls = 0;
  const writeSync = (fd: number, b: Buffer, off: number, len: number): number => {
    if (!fault.on) return fs.writeSync(fd, b, off, len);
    if (++calls === 1) return fs.writeSync(fd, b, off, Math.min(len, 5)); // a short write
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  };
  return { ...fs, default: { ...fs, writeSync }, writeSync };
});

const { JsonlAppender } = await import('./fsx.js');

afterEach(() => {
  fault.on = false;
});

describe('JsonlAppender on a nearly full disk', () => {
  it('a line whose write fails part-way is taken back: the file holds whole lines only, and the error names the file', () => {
    const path = join(tmpDir('af-short-write'), 'results.jsonl');
    const out = new JsonlAppender(path);
    out.append({ id: 'a' });
    fault.on = true;
    expect(() => out.append({ id: 'b', text: 'a line longer than five bytes' })).toThrow(expect.objectContaining({ code: 'ENOSPC', path }));
    fault.on = false;
    out.append({ id: 'c' });
    out.close();
    expect(readFileSync(path, 'utf8')).toBe('{"id":"a"}\n{"id":"c"}\n');
  });
});
