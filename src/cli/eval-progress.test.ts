/** `askfirst eval` says what it does before its first bar: the fingerprint of a large dataset's views takes seconds. */
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { tmpDir } from '../testing/tmp.js';
import { runEval } from './eval.js';
import { EvalCommandSchema } from './eval-schema.js';

afterEach(() => vi.restoreAllMocks());

describe('askfirst eval before its first episode', () => {
  it('names the data it fingerprints, on stderr; --no-progress and --json keep quiet', async () => {
    const d = tmpDir('askfirst-eval-progress');
    await writeSuite(join(d, 's'), generateSuite({ episodes: 2, seed: 1, kinds: ['camera'] }));
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => said.push(String(s)) > 0);
    const run = (extra: Record<string, unknown>, out: string) => runEval(EvalCommandSchema.parse({ policy: ['oracle'], data: join(d, 's'), out: join(d, out), mode: ['reference'], ...extra }), () => undefined);
    await run({}, 'a');
    expect(said[0]).toBe(`eval: 2 episodes from ${join(d, 's')}; fingerprinting their views (a re-run resumes only on the same data)\n`);
    said.length = 0;
    await run({ progress: false }, 'b');
    await run({ json: true }, 'c');
    expect(said.join('')).not.toMatch(/fingerprinting/);
  });
});
