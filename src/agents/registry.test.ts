/** The policy registry's checks made when a policy is built, before any episode is played. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chainEpisode } from '../testing/chain-episode.js';
import { tmpDir } from '../testing/tmp.js';
import { checkPolicySpec, createPolicy } from './registry.js';

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

  it('a file that is not there is one line naming the option and what the file holds (it was "file not found: FILE")', async () => {
    const file = join(tmpDir('af-scripted-none'), 'none.jsonl');
    const err = await createPolicy(`scripted:${file}`, { episodes: [], seed: 0 }).then(() => undefined, (e: Error) => e.message);
    expect(err).toBe(`--policy scripted:${file}: file not found: ${file}; give the JSONL of recorded replies, a line {"episode_id": …, "replies": […]} per episode`);
  });
});

describe('an unknown policy', () => {
  it('is one line naming the closest policies, as commander suggests an option (it was a multi-line list, no suggestion)', () => {
    expect(() => checkPolicySpec('bulitin:runs/rl')).toThrow(/^unknown policy "bulitin:runs\/rl" \(Did you mean builtin:runs\/rl\?\); the policies: oracle, random\[:SEED\], scripted:FILE, .*, builtin:DIR \(--help says what each is\)$/);
    expect(() => checkPolicySpec('orcale')).toThrow(/^unknown policy "orcale" \(Did you mean oracle\?\); /);
    expect(() => checkPolicySpec('bultin')).toThrow(/^unknown policy "bultin" \(Did you mean builtin:DIR\?\); /); // its usage form, no argument given
    expect(() => checkPolicySpec('nope')).toThrow(/^unknown policy "nope"; the policies: /); // nothing close: no guess
  });
});
