/**
 * Runs that never lose work, over an unreliable HTTP model: a seeded fault-injecting server
 * (429 + Retry-After, 500, hangs past the timeout, malformed JSON at a 20 % rate); no lost or
 * duplicated episodes; interrupted runs (AbortSignal in-process, `kill -9` of a child process)
 * resume to the same summary as an uninterrupted run; the API key appears in no output file and
 * no log line.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpPolicy } from '../agents/http/policy.js';
import { exited, spawnTsx, stopChild } from '../testing/child.js';
import { startFaultServer, type FaultServer } from '../testing/fault-server.js';
import { conformanceEpisodes } from '../testing/policy-conformance.js';
import { tmpDir } from '../testing/tmp.js';
import type { Policy } from '../agents/policy.js';
import { evaluate } from './evaluate.js';

const N = 500;
const episodes = conformanceEpisodes(N);
const loader = async (ref: (typeof episodes)[number]['views'][number]) => {
  if ('image' in ref) return ref.image;
  throw new Error('in-memory views only');
};
const run = { policy: 'http-fault-test', episodes: N };
const resultLines = (dir: string) =>
  readFileSync(join(dir, 'proactive', 'results.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string });
/**
 * Lines a child has finished writing, read while it may still be appending (or was killed mid-append): the text after the
 * last newline is a line still being written and is not counted (reading it as JSON failed the test once in CI, stop 39).
 */
const finishedLines = (dir: string) => readFileSync(join(dir, 'proactive', 'results.jsonl'), 'utf8').split('\n').slice(0, -1).filter(Boolean).length;

const client = (url: string, extra: Partial<ConstructorParameters<typeof HttpPolicy>[0]> = {}, env: NodeJS.ProcessEnv = {}) =>
  new HttpPolicy({ baseUrl: url, model: 'fault', concurrency: 16, timeoutMs: 400, retries: 20, backoffMs: 5, maxBackoffMs: 50, ...extra }, env);

const go = (policy: Policy, out?: string, signal?: AbortSignal, batchSize = N) =>
  evaluate({ episodes, loader, policy, modes: ['proactive'], out, run, batchSize, signal });

let clean: FaultServer;
let faulty: FaultServer;
let reference: Awaited<ReturnType<typeof go>>;

beforeAll(async () => {
  clean = await startFaultServer();
  faulty = await startFaultServer({ faultRate: 0.2, seed: 42, retryAfterSec: 1 });
  reference = await go(client(clean.url));
  // The fixture is varied enough for "same summary" to mean something: multi-turn episodes, successes and failures.
  const s = reference.summaries.proactive!;
  expect(s.psRate).toBeGreaterThan(0.1);
  expect(s.accuracy).toBeGreaterThan(0.05);
  expect(s.accuracy).toBeLessThan(0.95);
});
afterAll(async () => {
  await clean.close();
  await faulty.close();
});

describe('HTTP evaluation under faults', () => {
  it('completes 500 episodes with no lost or duplicated episode and counts the retries', async () => {
    const out = tmpDir('askfirst-faults');
    const policy = client(faulty.url);
    const res = await go(policy, out);
    const ids = resultLines(out).map((r) => r.id);
    expect(ids).toHaveLength(N);
    expect(new Set(ids).size).toBe(N);
    expect(new Set(ids)).toEqual(new Set(episodes.map((e) => e.id)));
    const s = policy.stats();
    const injected = Object.values(faulty.stats.faults).reduce((a, b) => a + b, 0);
    expect(injected).toBeGreaterThan(50);
    for (const k of ['429', '500', 'hang', 'malformed'] as const) expect(faulty.stats.faults[k]).toBeGreaterThan(0);
    // Every attempt that failed was retried once, for the reason it failed, and no other was: the accounting is exact
    // whatever the machine's load. A loaded machine may let the client's 400 ms timer fire before it reads a reply the
    // server sent in time (the server is in this process); such an attempt is a timeout (retried as one), which the
    // server sees as a connection closed under that reply (`abandoned`). Counting those rather than allowing a share
    // of extra retries keeps what this proves (no retry of an attempt that succeeded, none missed, none misfiled)
    // without a bound the load decides. The last abandoned connection's close may reach the server just after the run.
    const ab = faulty.stats.abandoned;
    const abandoned = () => Object.values(ab).reduce((a, b) => a + b, 0);
    await expect.poll(abandoned).toBe(s.retryTimeout);
    expect(ab.hang).toBe(faulty.stats.faults.hang); // every hang was ended by the client's timeout, and retried
    expect(s).toMatchObject({
      failures: 0,
      retryNetwork: 0,
      retryOther: 0,
      retry429: faulty.stats.faults['429'] - ab['429'],
      retry5xx: faulty.stats.faults['500'] - ab['500'],
      retryMalformed: faulty.stats.faults.malformed - ab.malformed,
    });
    expect(s.retries).toBe(s.retry429 + s.retry5xx + s.retryMalformed + s.retryTimeout);
    // Each call's one successful attempt is an answer the client read; every other answer it abandoned (and retried).
    expect(faulty.stats.answered - ab.answered).toBe(s.requests - s.retries);
    expect(s.retries).toBeGreaterThanOrEqual(injected);
    expect(res.summaries.proactive).toEqual(reference.summaries.proactive);
    expect(res.records.proactive).toEqual(reference.records.proactive);
    console.log(
      `[http-robust] ${N} episodes, ${s.requests} requests, ${s.retries} retries (429 ${s.retry429}, 5xx ${s.retry5xx}, timeout ${s.retryTimeout}, malformed ${s.retryMalformed}), failures ${s.failures}; abandoned ${JSON.stringify(ab)}`,
    );
  });

  it('an interrupted run (AbortSignal) resumes to the same summary, without duplicates', async () => {
    const out = tmpDir('askfirst-abort');
    const ac = new AbortController();
    const policy = client(faulty.url);
    // Abort once a third of the episodes are on disk.
    const timer = setInterval(() => {
      if (existsSync(join(out, 'proactive', 'results.jsonl')) && finishedLines(out) >= N / 3) ac.abort();
    }, 5);
    await expect(go(policy, out, ac.signal, 64)).rejects.toThrow(/interrupted|aborted/);
    clearInterval(timer);
    const partial = resultLines(out).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(N);
    const res = await go(client(faulty.url), out);
    expect(res.resumed.proactive).toBe(partial);
    const ids = resultLines(out).map((r) => r.id);
    expect(ids).toHaveLength(N);
    expect(new Set(ids).size).toBe(N);
    expect(res.summaries.proactive).toEqual(reference.summaries.proactive);
  });

  it('kill -9 of a child run mid-way, then re-run: same summary; the API key is in no file and no log line', async () => {
    const KEY = 'sk-askfirst-test-5ec2e7-do-not-leak';
    const out = tmpDir('askfirst-kill');
    const cache = tmpDir('askfirst-cache');
    const script = fileURLToPath(new URL('../testing/http-run-child.ts', import.meta.url));
    faulty.keepLog = true;
    // A failed wait or assertion must not leave a child running (and writing into out).
    const children: ChildProcess[] = [];
    const spawnChild = () => {
      const child = spawnTsx(script, [faulty.url, out, String(N), cache], {
        env: { ...process.env, ASKFIRST_API_KEY: KEY },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let log = '';
      child.stdout!.on('data', (d) => (log += d));
      child.stderr!.on('data', (d) => (log += d));
      const done = exited(child);
      children.push(child);
      return { child, done, log: () => log };
    };
    try {
      const first = spawnChild();
      // Wait until some episodes are on disk, then kill -9.
      const t0 = Date.now();
      while (Date.now() - t0 < 60_000) {
        await new Promise((r) => setTimeout(r, 20));
        if (existsSync(join(out, 'proactive', 'results.jsonl')) && finishedLines(out) >= 100) break;
      }
      await stopChild(first.child);
      const partial = finishedLines(out);
      expect(partial).toBeGreaterThanOrEqual(100);
      expect(partial).toBeLessThan(N);

      const second = spawnChild();
      expect(await second.done).toBe(0);
      const final = JSON.parse(second.log().trim().split('\n').pop()!);
      expect(final.resumed).toBeGreaterThanOrEqual(partial);
      const ids = resultLines(out).map((r) => r.id);
      expect(ids).toHaveLength(N);
      expect(new Set(ids).size).toBe(N);
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      expect(summary.modes.proactive).toEqual(JSON.parse(JSON.stringify(reference.summaries.proactive)));

      // Secrets: the key was sent (as a bearer header) …
      expect(faulty.log.some((l) => l.headers.authorization === `Bearer ${KEY}`)).toBe(true);
      faulty.keepLog = false;
      // … but appears in no output or cache file and in no log line.
      const files: string[] = [];
      const walk = (d: string) => {
        for (const f of readdirSync(d)) {
          const p = join(d, f);
          if (statSync(p).isDirectory()) walk(p);
          else files.push(p);
        }
      };
      walk(out);
      walk(cache);
      expect(files.length).toBeGreaterThan(3);
      for (const f of files) expect(readFileSync(f, 'utf8').includes(KEY), f).toBe(false);
      expect(first.log() + second.log()).not.toContain(KEY);
      expect(first.log() + second.log()).not.toContain(KEY.slice(3, 20));
    } finally {
      for (const c of children) await stopChild(c);
    }
  });
});
