import { describe, expect, it } from 'vitest';
import { whenWritten, type Flushable } from './exit-after-output.js';

/** A stream whose pending bytes the test sets. */
const stream = (writableLength: number, destroyed = false): Flushable & { writableLength: number; destroyed: boolean } => ({ writableLength, destroyed });

const settled = async (p: Promise<void>, ms: number) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('whenWritten: what an exit waits for', () => {
  it('nothing pending: resolves at once', async () => {
    expect(await settled(whenWritten([stream(0), stream(0)]), 5)).toBe(true);
  });

  it('waits while a stream still holds output, resolves once it is written', async () => {
    const out = stream(4096);
    const p = whenWritten([out, stream(0)]);
    expect(await settled(p, 50)).toBe(false);
    out.writableLength = 0;
    expect(await settled(p, 100)).toBe(true);
  });

  it('a stream whose reader has gone (destroyed by EPIPE) is not waited for', async () => {
    expect(await settled(whenWritten([stream(4096, true), stream(0)]), 5)).toBe(true);
  });

  it('a reader that takes nothing for the stall limit is given up; one that takes some keeps the wait going', async () => {
    let t = 0;
    const out = stream(3 * 4096);
    const p = whenWritten([out], 1000, () => t);
    t = 900;
    out.writableLength -= 4096; // it read a chunk: the limit counts from here
    await new Promise((r) => setTimeout(r, 30));
    t = 1800;
    expect(await settled(p, 30)).toBe(false);
    t = 1950;
    expect(await settled(p, 50)).toBe(true);
  });
});
