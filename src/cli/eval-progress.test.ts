/**
 * `askfirst eval` shows every phase before its first episode: reading the suite (each line checked, each image's
 * file looked up) and fingerprinting its views each take seconds on a large dataset, so each has a bar.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateSuite } from '../suite/generate.js';
import { readSuite, writeSuite } from '../suite/io.js';
import * as fingerprintModule from '../suite/fingerprint.js';
import { dataFingerprint } from '../suite/fingerprint.js';
import { writeProactiveBench } from '../suite/proactivebench/read.js';
import { turnsBetweenSteps } from '../testing/turns.js';
import { tmpDir } from '../testing/tmp.js';
import { runEval } from './eval.js';
import { EvalCommandSchema } from './eval-schema.js';

// dataFingerprints (what eval calls) as it is, unless a test makes it fail part-way (mockImplementationOnce)
vi.mock('../suite/fingerprint.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../suite/fingerprint.js')>();
  return { ...real, dataFingerprints: vi.fn(real.dataFingerprints) };
});

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

  // its images are checked in the same pass, a few hundred episodes at a time between lines (proactiveBenchCheckedEntries):
  // the reading bar goes on over them, no bar of their own (one had when the data was read whole first)
  it('ProactiveBench-format --data: reading its files (its images checked in that pass) is a bar too; --no-progress keeps quiet', async () => {
    const d = tmpDir('askfirst-eval-progress-pb');
    await writeProactiveBench(join(d, 'pb'), generateSuite({ episodes: 2, seed: 1, kinds: ['camera'] }));
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => said.push(String(s)) > 0);
    const run = (extra: Record<string, unknown>, out: string) => runEval(EvalCommandSchema.parse({ policy: ['oracle'], data: join(d, 'pb'), out: join(d, out), mode: ['reference'], ...extra }), () => undefined);
    await run({}, 'a');
    expect(said.slice(0, 5)).toEqual([
      'reading ProactiveBench: 1/2 lines\n',
      expect.stringMatching(/^reading ProactiveBench: 2\/2 lines in [0-9.]+s\n$/),
      `eval: 2 episodes from ${join(d, 'pb')}; fingerprinting their views (a re-run resumes only on the same data)\n`,
      'fingerprinting: 1/2 episodes\n',
      expect.stringMatching(/^fingerprinting: 2\/2 episodes in [0-9.]+s\n$/),
    ]);
    said.length = 0;
    await run({ progress: false }, 'b');
    expect(said.join('')).not.toMatch(/reading|checking|fingerprinting/);
  });

  it('a phase that fails part-way ends its bar as failed, not at "N/M in Xs" as if done: reading the suite, fingerprinting', async () => {
    const d = tmpDir('askfirst-eval-progress-fail');
    await writeSuite(join(d, 's'), generateSuite({ episodes: 3, seed: 1, kinds: ['camera'] }));
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => said.push(String(s)) > 0);
    const run = () => runEval(EvalCommandSchema.parse({ policy: ['oracle'], data: join(d, 's'), out: join(d, 'out'), mode: ['reference'] }), () => undefined);
    // 1. Line 2 of episodes.jsonl does not parse: reading stops there.
    const file = join(d, 's', 'episodes.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, [lines[0], '{"id": ', ...lines.slice(2)].join('\n'));
    await expect(run()).rejects.toThrow(/malformed JSON/);
    expect(said).toEqual(['reading suite: 1/3 lines\n', expect.stringMatching(/^reading suite: failed at 2\/3 lines after [0-9.]+s\n$/)]);
    // 2. The suite reads; fingerprinting fails after its first episode (a view file that cannot be read, say).
    writeFileSync(file, lines.join('\n'));
    said.length = 0;
    vi.mocked(fingerprintModule.dataFingerprints).mockImplementationOnce((eps, dir, onEpisode) => {
      onEpisode?.();
      throw new Error(`EIO: i/o error, read ${dir}`);
    });
    await expect(run()).rejects.toThrow(/EIO/);
    expect(said.slice(2)).toEqual([
      `eval: 3 episodes from ${join(d, 's')}; fingerprinting their views (a re-run resumes only on the same data)\n`,
      'fingerprinting: 1/3 episodes\n',
      expect.stringMatching(/^fingerprinting: failed at 1\/3 episodes after [0-9.]+s\n$/),
    ]);
  });

  it('the bar changes no fingerprint', async () => {
    const d = tmpDir('askfirst-eval-fingerprint');
    await writeSuite(d, generateSuite({ episodes: 2, seed: 1, kinds: ['camera', 'sketch'] }));
    const episodes = await readSuite(d);
    let ticks = 0;
    expect(await dataFingerprint(episodes, d, () => ticks++)).toBe(await dataFingerprint(episodes, d));
    expect(ticks).toBe(episodes.length);
    // the view files are read synchronously: the event loop gets a turn after each episode, so Ctrl-C is heard then
    expect(await turnsBetweenSteps((onEpisode) => dataFingerprint(episodes, d, onEpisode))).toEqual(Array(episodes.length - 1).fill(true));
  });
});
