/** The policy registry's checks made when a policy is built, before any episode is played. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chainEpisode } from '../testing/chain-episode.js';
import { tmpDir } from '../testing/tmp.js';
import { createPolicy } from './registry.js';

describe('scripted:FILE', () => {
  it('is refused when none of its episode ids is in the data, and built when one is', async () => {
    const file = join(tmpDir('af-scripted'), 'replies.jsonl');
    writeFileSync(file, '{"episode_id": "camera-00000", "replies": ["A."]}\n{"episode_id": "b", "replies": ["B."]}\n');
    const eps = [chainEpisode('a', 3, 2)];
    await expect(createPolicy(`scripted:${file}`, { episodes: eps, seed: 0 })).rejects.toThrow(
      /none of its 2 episode ids is an episode of the data \(its first: camera-00000; the data's first: a\); were the replies recorded on this --data\?/,
    );
    await expect(createPolicy(`scripted:${file}`, { episodes: [...eps, chainEpisode('b', 3, 2)], seed: 0 })).resolves.toBeDefined();
    await expect(createPolicy(`scripted:${file}`, { episodes: [], seed: 0 })).resolves.toBeDefined(); // no data to check against (e.g. serve)
  });
});
