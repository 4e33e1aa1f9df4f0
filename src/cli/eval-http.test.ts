/** `askfirst eval` with an OpenAI-compatible model: MCQA + open-ended in one run, request counters, resume, secrets. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashAnswer, startFaultServer, type FaultServer } from '../testing/fault-server.js';
import { tmpDir } from '../testing/tmp.js';
import { heldJudge } from '../testing/held-judge.js';
import { generateSuite } from '../suite/generate.js';
import { writeProactiveBench } from '../suite/proactivebench/read.js';
import { writeSuite } from '../suite/io.js';
import { UpstreamError } from '../util/errors.js';
import { runEval } from './eval.js';
import { EvalCommandSchema } from './eval-schema.js';
import { splitModes } from './eval-http.js';

const KEY = 'sk-cli-test-9f8e7d-never-print';

describe('eval --mode names', () => {
  it('maps mcqa to proactive, --hint to hint mode, and needs a judge for open', () => {
    expect(splitModes(['mcqa', 'reference'], { hint: false })).toEqual({ mcqa: ['proactive', 'reference'], open: false });
    expect(splitModes(['mcqa', 'proactive'], { hint: true })).toEqual({ mcqa: ['hint'], open: false });
    expect(() => splitModes(['open'], { hint: false })).toThrow(/--judge/);
    // --hint with the reference mode only: nothing reads it (the reference mode has no hint) — refused, not ignored
    expect(() => splitModes(['reference'], { hint: true })).toThrow(
      '--hint is read by the proactive (mcqa) and open modes only, and --mode reference runs neither (the reference mode shows the clearest view and the categories, with no hint): add proactive to --mode (e.g. --mode proactive,reference), or leave --hint out',
    );
    expect(splitModes(['hint', 'reference'], { hint: true })).toEqual({ mcqa: ['hint', 'reference'], open: false });
    expect(splitModes(['open'], { hint: true, judge: 'openai:http://x/v1#j' })).toEqual({ mcqa: [], open: true });
    expect(splitModes(['open'], { hint: false, judge: 'openai:http://x/v1#j' })).toEqual({ mcqa: [], open: true });
    // a policy's name given as the judge is said to be no judge (it was told it had no "#MODEL" part); a URL without one still is
    expect(() => splitModes(['open'], { hint: false, judge: 'oracle' })).toThrow(
      '--judge: "oracle" is no judge: a judge is a model behind an OpenAI-compatible endpoint (askfirst\'s own policies do not judge); give openai:URL#MODEL, e.g. openai:http://127.0.0.1:11434/v1#qwen2.5vl:7b',
    );
    expect(() => splitModes(['open'], { hint: false, judge: 'openai:http://x/v1' })).toThrow(/^--judge: "http:\/\/x\/v1" has no "#MODEL" part; use openai:URL#MODEL/);
    expect(splitModes(['open'], { hint: false, judge: 'http://x/v1#j' })).toEqual({ mcqa: [], open: true }); // URL#MODEL alone, as before
    expect(() => splitModes(['proactive', 'open'], { hint: false, judge: 'openai:ftp://x#j' })).toThrow(/^--judge: "ftp:\/\/x" must be http\(s\)/);
  });
});

describe('askfirst eval --policy openai:…', () => {
  let dir: string;
  let vlm: FaultServer;
  let judge: FaultServer;
  beforeAll(async () => {
    dir = tmpDir('askfirst-evalcli');
    await writeProactiveBench(dir, generateSuite({ episodes: 3, seed: 2 }));
    // A VLM that answers MCQA prompts with a hash-chosen letter and open prompts with free text.
    vlm = await startFaultServer({ faultRate: 0.2, seed: 11, retryAfterSec: 0, answer: (t) => (t.includes('Options:') ? hashAnswer(t) : 'Please move the camera, I cannot see it.') });
    judge = await startFaultServer({ answer: (t) => `VERDICT: ${[...t.matchAll(/^\d+\. (.*)$/gm)].map((m) => (/camera/i.test(m[1]) ? 1 : 0)).join(',')}` });
    vlm.keepLog = true;
  });
  afterAll(async () => {
    await vlm.close();
    await judge.close();
  });

  it('runs mcqa + open, reports retries, resumes to the same JSON, and never shows the key', async () => {
    const out = tmpDir('askfirst-evalcli-out');
    const cfg = EvalCommandSchema.parse({
      policy: [`openai:${vlm.url}#vlm`],
      data: `proactivebench:${dir}`,
      out,
      mode: ['mcqa', 'open'],
      judge: `openai:${judge.url}#judge`,
      timeout: 0.5,
      retries: 30,
      json: true,
      progress: false,
    });
    const lines: string[] = [];
    const saved = process.env.ASKFIRST_API_KEY;
    process.env.ASKFIRST_API_KEY = KEY;
    try {
      const first = await runEval(cfg, (s) => lines.push(s));
      expect(Object.keys(first.modes as object).sort()).toEqual(['open', 'proactive']);
      const req = first.requests as Record<string, number>;
      expect(req.retries).toBeGreaterThan(0);
      expect(req.failures).toBe(0);
      const open = (first.modes as Record<string, { psRate: number; episodes: number }>).open;
      expect(open.episodes).toBe(21);
      expect(open.psRate).toBeGreaterThan(0); // COCO, ROD, MVP-N and VSOD list "Move the camera"
      // Re-run: everything resumes, same numbers.
      const again = await runEval(cfg, (s) => lines.push(s));
      expect(again.modes).toEqual(first.modes);
      expect((again.requests as Record<string, number>).requests).toBe(0);
      // Table output works too.
      await runEval({ ...cfg, json: false }, (s) => lines.push(s));
      expect(lines.join('\n')).toMatch(/open-ended mode \(judge openai:/);
      expect(lines.join('\n')).toMatch(/retried \(429: \d+/);
    } finally {
      if (saved === undefined) delete process.env.ASKFIRST_API_KEY;
      else process.env.ASKFIRST_API_KEY = saved;
    }
    expect(vlm.log.some((l) => l.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    const files: string[] = [];
    const walk = (d: string) => readdirSync(d).forEach((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : files.push(join(d, f))));
    walk(out);
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) expect(readFileSync(f, 'utf8')).not.toContain(KEY);
    expect(lines.join('\n')).not.toContain(KEY);
  });
});

describe('askfirst eval when the model server goes away mid-run', () => {
  afterEach(() => vi.restoreAllMocks());

  it('stops with the episodes played so far kept and says so, its bar failed where it stopped; once the server is back the same command resumes to the bytes of an unbroken run', async () => {
    const d = tmpDir('askfirst-eval-gone');
    await writeSuite(join(d, 's'), generateSuite({ episodes: 3, seed: 4, kinds: ['occlusion', 'camera'] }));
    // answers its first 5 requests, then 503s (a server gone behind its proxy) until `down` is cleared
    let answered = 0;
    let down = true;
    const vlm = await startFaultServer({ refuse: () => (down && ++answered > 5 ? { status: 503, error: { message: 'no healthy upstream' } } : undefined) });
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => said.push(String(s)) > 0);
    const cfg = (out: string) => EvalCommandSchema.parse({ policy: [`openai:${vlm.url}#vlm`], data: join(d, 's'), out, mode: ['proactive'], concurrency: 1, batchSize: 1, retries: 0 });
    try {
      const out = join(d, 'out');
      const err = await runEval(cfg(out), () => undefined).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamError);
      const file = join(out, 'proactive', 'results.jsonl');
      const kept = readFileSync(file, 'utf8').trim().split('\n').length;
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThan(6);
      expect((err as Error).message).toMatch(/gave up after 1 attempt \(last: HTTP 503: no healthy upstream\)/);
      expect((err as Error).message).toContain(
        `. The ${kept} episode${kept === 1 ? '' : 's'} played so far ${kept === 1 ? 'is' : 'are'} kept in ${file}: once the server answers (or what it refused is fixed), run the same command again, and it resumes from`,
      );
      // the bar does not end "eval proactive: K/6 episodes in Xs" as if it were done
      expect(said.filter((l) => l.startsWith('eval proactive: ')).at(-1)).toMatch(new RegExp(`^eval proactive: failed at ${kept}/6 episodes after [0-9.]+s\n$`));
      down = false;
      const again = await runEval(cfg(out), () => undefined);
      expect((again.requests as Record<string, number>).failures).toBe(0);
      const whole = join(d, 'whole');
      await runEval(cfg(whole), () => undefined);
      expect(readFileSync(file, 'utf8')).toBe(readFileSync(join(whole, 'proactive', 'results.jsonl'), 'utf8'));
      // gone before the first episode ended: nothing to keep, and it says that
      down = true;
      answered = 5;
      const none = await runEval(cfg(join(d, 'none')), () => undefined).catch((e: unknown) => e);
      expect((none as Error).message).toMatch(/\. No episode finished, so \S+results\.jsonl is empty: once the server answers \(or what it refused is fixed\), run the same command again$/);
    } finally {
      await vlm.close();
    }
  });
});

describe('askfirst eval --mode open when the judge goes away while judging', () => {
  afterEach(() => vi.restoreAllMocks());

  it('keeps the episodes judged so far and says how to resume, its bar failed where it stopped; the same command resumes to the bytes of an unbroken run', async () => {
    const d = tmpDir('askfirst-judge-gone');
    await writeSuite(join(d, 's'), generateSuite({ episodes: 2, seed: 4, kinds: ['occlusion', 'camera'] }));
    const vlm = await startFaultServer({ answer: () => 'Please move the camera, I cannot see it.' });
    // answers its first 2 verdicts, then 503s (a judge gone behind its proxy) until `down` is cleared
    let judged = 0;
    let down = true;
    const judge = await startFaultServer({
      answer: (t) => `VERDICT: ${[...t.matchAll(/^\d+\. (.*)$/gm)].map((m) => (/camera/i.test(m[1]) ? 1 : 0)).join(',')}`,
      refuse: () => (down && ++judged > 2 ? { status: 503, error: { message: 'no healthy upstream' } } : undefined),
    });
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => said.push(String(s)) > 0);
    const cfg = (out: string) => EvalCommandSchema.parse({ policy: [`openai:${vlm.url}#vlm`], judge: `openai:${judge.url}#judge`, data: join(d, 's'), out, mode: ['open'], concurrency: 1, batchSize: 1, retries: 0 });
    try {
      const out = join(d, 'out');
      const err = await runEval(cfg(out), () => undefined).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamError);
      const file = join(out, 'open', 'results.jsonl');
      expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
      expect((err as Error).message).toMatch(/gave up after 1 attempt \(last: HTTP 503: no healthy upstream\)/);
      expect((err as Error).message).toContain(`. The 2 episodes played so far are kept in ${file}: once the server answers (or what it refused is fixed), run the same command again, and it resumes from them`);
      expect(said.filter((l) => l.startsWith('eval open: ')).at(-1)).toMatch(/^eval open: failed at 2\/4 episodes after [0-9.]+s\n$/);
      down = false;
      await runEval(cfg(out), () => undefined);
      const whole = join(d, 'whole');
      await runEval(cfg(whole), () => undefined);
      expect(readFileSync(file, 'utf8')).toBe(readFileSync(join(whole, 'open', 'results.jsonl'), 'utf8'));
    } finally {
      await vlm.close();
      await judge.close();
    }
  });
});

describe('askfirst eval --mode open --judge-concurrency', () => {
  afterEach(() => vi.restoreAllMocks());

  it("keeps the judge to --judge-concurrency requests in flight (it took --concurrency, default 8); without it, --concurrency as before", async () => {
    const d = tmpDir('askfirst-eval-judge-conc');
    await writeSuite(join(d, 's'), generateSuite({ episodes: 3, seed: 4, kinds: ['occlusion', 'camera'] }));
    const j = await heldJudge();
    try {
      const run = async (out: string, more: Record<string, unknown>) => {
        j.reset();
        const s = await runEval(EvalCommandSchema.parse({ policy: ['oracle'], judge: `openai:${j.url}#judge`, data: join(d, 's'), out: join(d, out), mode: ['open'], progress: false, json: true, ...more }), () => {}, more);
        expect(j.seen.semaphores.size).toBe(1); // the judge's client: the oracle sends nothing
        const episodes = (s.modes as { open: { episodes: number } }).open.episodes;
        expect(j.seen.requests).toBe(episodes);
        return episodes;
      };
      const episodes = await run('two', { judgeConcurrency: 2 });
      expect(episodes).toBeGreaterThan(3); // a batch of more episodes than the bounds below
      expect(j.seen.most).toBe(2);
      // unset: the judge keeps --concurrency's bound (default 8: every episode of the batch at once)
      await run('default', {});
      expect(j.seen.most).toBe(episodes);
      await run('three', { concurrency: 3 });
      expect(j.seen.most).toBe(3);
    } finally {
      await j.close();
    }
  });

  it('is refused without --judge, and beside an unread --concurrency (no openai: policy), naming the flag', async () => {
    const d = tmpDir('askfirst-eval-judge-conc-refused');
    const out = join(d, 'out');
    const cfg = (more: Record<string, unknown>) => EvalCommandSchema.parse({ policy: ['oracle', 'random:1'], data: join(d, 's'), out, progress: false, ...more });
    const given = { judgeConcurrency: 2 };
    await expect(runEval(cfg(given), () => {}, given)).rejects.toThrow(
      "--judge-concurrency does not apply without --judge: it is read by the --judge's HTTP client only; leave it out, or add open to --mode and --judge openai:URL#MODEL",
    );
    const open = { mode: ['open'], judge: 'openai:http://127.0.0.1:9/v1#j', judgeConcurrency: 2, concurrency: 4 };
    await expect(runEval(cfg(open), () => {}, open)).rejects.toThrow(
      "--concurrency does not apply with --policy oracle, random:1 (none of them an openai: policy) and --judge-concurrency: it is read by an openai:URL#MODEL policy only once --judge-concurrency sets the judge's; leave it out",
    );
    expect(() => cfg({ ...open, judgeConcurrency: 0 })).toThrow(/judgeConcurrency|at least 1|>=1/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('--cache-max-bytes', () => {
  it('bounds the --cache folder, and is refused without one', async () => {
    const { httpOptions } = await import('./eval-http.js');
    const base = { history: false, hint: false, logprobs: true, jpegPassthrough: true, askfirstHeaders: false };
    expect(httpOptions({ ...base, cache: 'c', cacheMaxBytes: 1000 })).toMatchObject({ cacheDir: 'c', cacheMaxBytes: 1000 });
    expect(() => httpOptions({ ...base, cacheMaxBytes: 1000 })).toThrow('--cache-max-bytes 1000 bounds the --cache folder, and there is none: add --cache DIR, or leave --cache-max-bytes out');
  });
});
