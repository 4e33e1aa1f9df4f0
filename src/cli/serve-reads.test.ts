/**
 * `askfirst serve --data` reads its data once at start (suite/open.ts dataOnce): the pass that checks it also makes the
 * oracle's plans and the fingerprint. It read it three times before (the check, the fingerprint, the oracle). Each read
 * of a file is a stream opened on it (util/text-file.ts readLines): they are counted here.
 */
import * as fs from 'node:fs';
import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OraclePolicy } from '../agents/baselines/oracle.js';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { dataFingerprint } from '../suite/fingerprint.js';
import { openData } from '../suite/open.js';
import { writeProactiveBench } from '../suite/proactivebench/read.js';
import { tmpDir } from '../testing/tmp.js';
import { loadServeEpisodes, runServe } from './serve.js';
import { ServeSchema } from './serve-schema.js';

const streams = vi.hoisted(() => [] as string[]);
vi.mock('node:fs', async (original) => {
  const real = await original<typeof import('node:fs')>();
  const createReadStream = ((path: fs.PathLike, ...rest: unknown[]) => {
    streams.push(String(path));
    return (real.createReadStream as (...a: unknown[]) => fs.ReadStream)(path, ...rest);
  }) as typeof real.createReadStream;
  return { ...real, default: { ...real, createReadStream }, createReadStream };
});

afterEach(() => {
  streams.length = 0;
});

const reads = (file: string) => streams.filter((p) => p === file).length;

describe('askfirst serve --data reads its data once', () => {
  it('an askfirst suite: the oracle served from one read of episodes.jsonl, under the fingerprint eval gives it', async () => {
    const dir = tmpDir('askfirst-serve-reads');
    await writeSuite(dir, generateSuite({ episodes: 3, seed: 5, size: 32 }));
    const file = join(dir, 'episodes.jsonl');
    streams.length = 0; // (writeSuite read it)
    const srv = await runServe(ServeSchema.parse({ policy: 'oracle', port: 0, data: dir, progress: false }));
    await srv.close();
    expect(reads(file)).toBe(1);
    const evals = await openData(dir);
    const { fingerprint } = await loadServeEpisodes(dir, () => undefined, false, true, (eps) => OraclePolicy.of(eps));
    expect(fingerprint).toBe(await dataFingerprint(evals.episodes(), dir));
  });

  it("ProactiveBench's layout: each index file read once, the fingerprint eval's", async () => {
    const dir = tmpDir('askfirst-serve-reads-pb');
    await writeProactiveBench(dir, generateSuite({ episodes: 2, seed: 5, size: 32, kinds: ['occlusion', 'sketch'] }));
    const files = readdirSync(dir).filter((f) => f.endsWith('_preprocessed.jsonl')).map((f) => join(dir, f));
    expect(files.length).toBe(2);
    streams.length = 0;
    const spec = `proactivebench:${dir}`;
    const srv = await runServe(ServeSchema.parse({ policy: 'oracle', port: 0, data: spec, progress: false }));
    await srv.close();
    expect(files.map(reads)).toEqual([1, 1]);
    const evals = await openData(spec);
    const { fingerprint } = await loadServeEpisodes(spec, () => undefined, false, true, (eps) => OraclePolicy.of(eps));
    expect(fingerprint).toBe(await dataFingerprint(evals.episodes(), dir));
  });

  it('scripted:FILE reads up to its first episode, the rest of the one read checked after it', async () => {
    const dir = tmpDir('askfirst-serve-reads-scripted');
    const eps = await writeSuite(join(dir, 'suite'), generateSuite({ episodes: 2, seed: 5, size: 32, kinds: ['occlusion'] }));
    const script = join(dir, 'replies.jsonl');
    fs.writeFileSync(script, JSON.stringify({ episode_id: eps[0].id, replies: ['A.'] }) + '\n');
    const file = join(dir, 'suite', 'episodes.jsonl');
    streams.length = 0;
    const srv = await runServe(ServeSchema.parse({ policy: `scripted:${script}`, port: 0, data: join(dir, 'suite'), progress: false }));
    await srv.close();
    expect(reads(file)).toBe(1);
    // a bad line after the script's episode is refused all the same
    appendFileSync(file, '{"id": "broken"\n');
    await expect(runServe(ServeSchema.parse({ policy: `scripted:${script}`, port: 0, data: join(dir, 'suite'), progress: false }))).rejects.toThrow(/episodes\.jsonl:3.*malformed JSON/);
  });
});
