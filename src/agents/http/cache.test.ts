import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../../testing/tmp.js';
import { ResponseCache } from './cache.js';

/** The bytes of the entries in a cache folder, as the disk holds them. */
function folderBytes(dir: string): number {
  return readdirSync(dir).flatMap((shard) => readdirSync(join(dir, shard)).map((f) => statSync(join(dir, shard, f)).size)).reduce((a, b) => a + b, 0);
}

const key = (i: number) => i.toString(16).padStart(64, '0');
/** A reply that keeps a reasoning model's token logprobs: about 1 KB a token. */
const reply = (tokens: number) => ({ text: 'B', tokenLogprobs: Array.from({ length: tokens }, (_, i) => ({ token: `t${i}`, logprob: -0.5, top_logprobs: Array.from({ length: 20 }, (_, j) => ({ token: `a${j}`, logprob: -1 - j })) })) });

describe('ResponseCache', () => {
  it('keeps its entries within its bound in bytes, letting go of those used longest ago', async () => {
    // before, nothing bounded it: 40 entries of a 10-token reply took 40 files, the folder growing with every request
    const dir = tmpDir('askfirst-cache-bound');
    const one = Buffer.byteLength(JSON.stringify({ key: key(0), value: reply(10) }));
    const bound = one * 5 + 10; // room for five
    const cache = new ResponseCache<ReturnType<typeof reply>>(dir, bound);
    for (let i = 0; i < 4; i++) await cache.put(key(i), reply(10));
    expect(await cache.get(key(0))).toEqual(reply(10)); // a use: key(0) is now the newest
    for (let i = 4; i < 40; i++) {
      await cache.put(key(i), reply(10));
      expect(folderBytes(dir), `after ${i + 1} entries`).toBeLessThanOrEqual(bound);
    }
    expect(await cache.size()).toBe(folderBytes(dir));
    expect(await cache.get(key(39))).toEqual(reply(10)); // the newest are kept
    expect(await cache.get(key(1))).toBeUndefined(); // the oldest went
    // a new process reads the folder's entries and their last use, and keeps the bound
    const again = new ResponseCache<ReturnType<typeof reply>>(dir, bound);
    expect(await again.size()).toBe(folderBytes(dir));
    await again.put(key(100), reply(10));
    expect(folderBytes(dir)).toBeLessThanOrEqual(bound);
    expect(await again.get(key(39))).toEqual(reply(10)); // read by the first cache after 35..38 were written: kept
    // an entry larger than the bound alone is not kept, and takes nothing with it
    const before = folderBytes(dir);
    await again.put(key(200), reply(60));
    expect(await again.get(key(200))).toBeUndefined();
    expect(folderBytes(dir)).toBe(before);
  });
});
