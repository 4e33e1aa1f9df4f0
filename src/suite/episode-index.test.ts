/**
 * What keeping an episode read again costs (`bytes`, EpisodeSource): indexData gives each chosen episode's line bytes in
 * its file, in both layouts, so env serve's pool keeps episodes up to a number of bytes (environment/episodes.ts).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { generateSuite } from './generate.js';
import { writeSuite } from './io.js';
import { indexData } from './open.js';
import { writeProactiveBench } from './proactivebench/read.js';

describe("indexData's bytes of an episode", () => {
  const eps = generateSuite({ episodes: 2, seed: 5, size: 32, kinds: ['occlusion', 'sketch'] });
  const sum = (data: { entries: readonly { id: string }[]; bytes?: (id: string) => number | undefined }) => data.entries.reduce((a, e) => a + data.bytes!(e.id)!, 0);

  it("is its line's in episodes.jsonl (every line's newline the rest of the file); none for an unknown id", async () => {
    const dir = tmpDir('askfirst-index-bytes');
    await writeSuite(dir, eps);
    const data = await indexData(dir);
    try {
      expect(data.entries.length).toBe(eps.length);
      expect(sum(data) + eps.length).toBe(statSync(join(dir, 'episodes.jsonl')).size);
      expect(data.bytes!('no-such-episode')).toBeUndefined();
    } finally {
      await data.close();
    }
  });

  it("is its entry's line in ProactiveBench's index files", async () => {
    const dir = tmpDir('askfirst-index-bytes-pb');
    await writeProactiveBench(dir, eps);
    const data = await indexData(`proactivebench:${dir}`);
    try {
      const files = readdirSync(dir).filter((f) => f.endsWith('_preprocessed.jsonl'));
      expect(data.entries.length).toBe(eps.length);
      expect(sum(data) + eps.length).toBe(files.reduce((a, f) => a + statSync(join(dir, f)).size, 0));
      expect(data.bytes!('no-such-episode')).toBeUndefined();
    } finally {
      await data.close();
    }
  });
});
