/**
 * `askfirst train rl --data` holds no suite whole (docs/hardening.md, "Memory on large data"): the data is indexed (suite/open.ts
 * indexData: where each episode is in episodes.jsonl), fingerprinted in one pass, and an update reads the episodes it draws
 * (rl/run.ts, keeping those it read last). It held every episode before: 100,000 were some 330 MB of a 570 MB peak.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { newBuiltin, saveBuiltin } from '../agents/builtin/build.js';
import { generateSuite } from '../suite/generate.js';
import { paddedSuites } from '../testing/padded-suites.js';
import { tmpDir } from '../testing/tmp.js';
import { packageRoot } from '../util/package-root.js';

/** `askfirst train rl ARGS` in a child process, its heap 64 MB when `heap` says so. */
const trainRL = (args: string[], heap?: number) =>
  promisify(execFile)(process.execPath, [...(heap ? [`--max-old-space-size=${heap}`] : []), join(packageRoot(), 'bin', 'askfirst.js'), 'train', 'rl', '--no-progress', '--report-to', 'none', ...args]);

describe('askfirst train rl --data at scale', () => {
  it('reads the episodes an update draws: 128 MB of episodes go through a 64 MB heap, and the model and log are the same', async () => {
    const dir = tmpDir('askfirst-train-heap');
    // 2,048 episodes of 64 KiB (the ask gate's first 256 are held at once, as any batch is)
    await paddedSuites(dir, ['plain', 'padded'], { copies: 2048, pad: 2 ** 16 });
    saveBuiltin(join(dir, 'sup'), newBuiltin(generateSuite({ episodes: 1, seed: 2, size: 32 })));
    const args = (data: string) => ['--init', join(dir, 'sup'), '--data', join(dir, data), '--out', join(dir, `rl-${data}`), '--updates', '2', '--episodes-per-update', '4', '--group-size', '2', '--eval-every', '2', '--checkpoint-every', '1', '--curriculum', 'oracle'];
    await trainRL(args('padded'), 64);
    await trainRL(args('plain'));
    const weights = (data: string) => readFileSync(join(dir, `rl-${data}`, 'final', 'model.safetensors'));
    expect(weights('padded').equals(weights('plain'))).toBe(true);
    const log = (data: string) =>
      readFileSync(join(dir, `rl-${data}`, 'rl.jsonl'), 'utf8').trim().split('\n').map((l) => Object.fromEntries(Object.entries(JSON.parse(l) as object).filter(([k]) => !k.startsWith('time/'))));
    expect(log('padded')).toHaveLength(2);
    expect(log('padded')).toEqual(log('plain'));
  }, 180_000);
});
