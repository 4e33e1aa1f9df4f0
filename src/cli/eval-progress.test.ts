/**
 * `askfirst eval` shows every phase before its first episode: reading the suite (each line checked, each image's
 * file looked up) and fingerprinting its views each take seconds on a large dataset, so each has a bar.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateSuite } from '../suite/generate.js';
import { readSuite, writeSuite } from '../suite/io.js';
import { dataFingerprint } from '../suite/fingerprint.js';
import { writeProactiveBench } from '../suite/proactivebench/read.js';
import { tmpDir } from '../testing/tmp.js';
import { runEval } from './eval.js';
import { EvalCommandSchema } from './eval-schema.js';

afterEach(() => vi.restoreAllMocks());

describe('askfirst eval before its first episode', () => {
  it('shows reading the suite and fingerprinting it as bars, on stderr; --no-progress and --json keep quiet', async () => {
    const d = tmpDir('askfirst-eval-progress');
    await writeSuite(join(d, 's'), generateSuite({ episodes: 2, seed: 1, kinds: ['camera'] }));
    appendFileSync(join(d, 's', 'episodes.jsonl'), '\n'); // a blank line is a line read: the bar still ends at its total
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => said.push(String(s)) > 0);
    const run = (extra: Record<string, unknown>, out: string) => runEval(EvalCommandSchema.parse({ policy: ['oracle'], data: join(d, 's'), out: join(d, out), mode: ['reference'], ...extra }), () => undefined);
    await run({}, 'a');
    // piped (not a terminal): each bar's first line, then the one saying it finished, in phase order
    expect(said.slice(0, 6)).toEqual([
      'reading suite: 1/3 lines\n',
      expect.stringMatching(/^reading suite: 3\/3 lines in [0-9.]+s\n$/),
      `eval: 2 episodes from ${join(d, 's')}; fingerprinting their views (a re-run resumes only on the same data)\n`,
      'fingerprinting: 1/2 episodes\n',
      expect.stringMatching(/^fingerprinting: 2\/2 episodes in [0-9.]+s\n$/),
      expect.stringMatching(/^eval reference: /),
    ]);
    said.length = 0;
    await run({ progress: false }, 'b');
    await run({ json: true }, 'c');
    expect(said.join('')).not.toMatch(/reading suite|fingerprinting/);
  });

  it('ProactiveBench-format --data: reading its files and checking its images are bars too; --no-progress keeps quiet', async () => {
    const d = tmpDir('askfirst-eval-progress-pb');
    await writeProactiveBench(join(d, 'pb'), generateSuite({ episodes: 2, seed: 1, kinds: ['camera'] }));
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => said.push(String(s)) > 0);
    const run = (extra: Record<string, unknown>, out: string) => runEval(EvalCommandSchema.parse({ policy: ['oracle'], data: join(d, 'pb'), out: join(d, out), mode: ['reference'], ...extra }), () => undefined);
    await run({}, 'a');
    expect(said.slice(0, 7)).toEqual([
      'reading ProactiveBench: 1/2 lines\n',
      expect.stringMatching(/^reading ProactiveBench: 2\/2 lines in [0-9.]+s\n$/),
      expect.stringMatching(/^checking images: 1\/[0-9]+ files\n$/),
      expect.stringMatching(/^checking images: ([0-9]+)\/\1 files in [0-9.]+s\n$/),
      `eval: 2 episodes from ${join(d, 'pb')}; fingerprinting their views (a re-run resumes only on the same data)\n`,
      'fingerprinting: 1/2 episodes\n',
      expect.stringMatching(/^fingerprinting: 2\/2 episodes in [0-9.]+s\n$/),
    ]);
    said.length = 0;
    await run({ progress: false }, 'b');
    expect(said.join('')).not.toMatch(/reading|checking|fingerprinting/);
  });

  it('the bar changes no fingerprint', async () => {
    const d = tmpDir('askfirst-eval-fingerprint');
    await writeSuite(d, generateSuite({ episodes: 2, seed: 1, kinds: ['camera', 'sketch'] }));
    const episodes = await readSuite(d);
    let ticks = 0;
    expect(dataFingerprint(episodes, d, () => ticks++)).toBe(dataFingerprint(episodes, d));
    expect(ticks).toBe(episodes.length);
  });
});
