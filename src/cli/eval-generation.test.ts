/**
 * `askfirst eval` as VLM researchers use it: generation settings against a fake reasoning-model
 * endpoint, askfirst's headers kept from third-party servers, image options, config files,
 * several policies in one run, per-turn records, intervals and provenance, resume refusal.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultServer, type FaultServer } from '../testing/fault-server.js';
import { REASONING_TOKENS, startReasoningServer } from '../testing/reasoning-server.js';
import { tmpDir } from '../testing/tmp.js';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { runEval, withConfigFile } from './eval.js';
import { EvalCommandSchema } from './eval-schema.js';
import { rejectedParam } from '../agents/http/rejection.js';
import { HttpPolicy, requestBody, viewDataUrl } from '../agents/http/policy.js';
import { resolveHttpPolicyConfig } from '../agents/http/config.js';
import { createImage } from '../scenes/image.js';
import { encodeJPEG } from '../scenes/codec.js';
import { conformanceEpisodes, conformanceObservations } from '../testing/policy-conformance.js';

const quiet = { json: true, progress: false };

describe('eval against a reasoning-model endpoint (rejects max_tokens and temperature, long replies)', () => {
  let dir: string;
  let srv: FaultServer;
  beforeAll(async () => {
    dir = tmpDir('askfirst-reason');
    await writeSuite(dir, generateSuite({ episodes: 2, seed: 4 }));
    srv = await startReasoningServer();
  });
  afterAll(() => srv.close());
  const base = () => ({ policy: [`openai:${srv.url}#o4-mini`], data: dir, mode: ['proactive' as const], retries: 0, ...quiet });

  it('with the default flags fails, naming max_tokens and the flag that fixes it', async () => {
    await expect(runEval(EvalCommandSchema.parse({ ...base(), out: tmpDir('askfirst-reason-out') }), () => {})).rejects.toThrow(
      /rejected the request parameter "max_tokens".*--max-tokens-param max_completion_tokens/,
    );
  });
  it('with max_completion_tokens but temperature 0 fails, naming temperature', async () => {
    await expect(
      runEval(EvalCommandSchema.parse({ ...base(), out: tmpDir('askfirst-reason-out'), maxTokensParam: 'max_completion_tokens', maxTokens: 4 * REASONING_TOKENS }), () => {}),
    ).rejects.toThrow(/rejected the request parameter "temperature".*--temperature 1/);
  });
  it('with the right field but too few tokens, the replies are cut off, counted and shown unparseable', async () => {
    const r = await runEval(EvalCommandSchema.parse({ ...base(), out: tmpDir('askfirst-reason-out'), maxTokensParam: 'max_completion_tokens', temperature: 1 }), () => {});
    expect((r.requests as Record<string, number>).truncated).toBeGreaterThan(0);
    expect((r as { unparseableRate: number }).unparseableRate).toBe(1);
  });
  it('with the right flags it is evaluated: every reply parses (the reasoning block is stripped)', async () => {
    const out = tmpDir('askfirst-reason-out');
    const r = await runEval(EvalCommandSchema.parse({ ...base(), out, maxTokensParam: 'max_completion_tokens', maxTokens: 4 * REASONING_TOKENS, temperature: 1 }), () => {});
    expect((r as { unparseableRate: number }).unparseableRate).toBe(0);
    expect((r as { episodes: number }).episodes).toBe(14);
    expect((r.requests as Record<string, number>).truncated).toBe(0);
    // …and --omit-params temperature works as well as --temperature 1.
    const r2 = await runEval(EvalCommandSchema.parse({ ...base(), out: tmpDir('askfirst-reason-out'), maxTokensParam: 'max_completion_tokens', maxTokens: 4 * REASONING_TOKENS, omitParams: ['temperature'] }), () => {});
    expect((r2 as { unparseableRate: number }).unparseableRate).toBe(0);
  });
  it('finds the rejected field from OpenAI- and vLLM-style error bodies', () => {
    const sent = { model: 'm', messages: [], max_tokens: 5, temperature: 0, seed: 1 };
    expect(rejectedParam({ param: 'max_tokens', message: 'x' }, sent)).toBe('max_tokens');
    expect(rejectedParam({ param: null, message: "Unsupported value: 'temperature' does not support 0" }, sent)).toBe('temperature');
    expect(rejectedParam({ message: 'seed is not supported by this model' }, sent)).toBe('seed');
    expect(rejectedParam({ message: 'model overloaded' }, sent)).toBeUndefined();
  });
});

describe('askfirst headers', () => {
  let third: FaultServer;
  let dir: string;
  beforeAll(async () => {
    third = await startFaultServer();
    third.keepLog = true;
    dir = tmpDir('askfirst-hdr');
    await writeSuite(dir, generateSuite({ episodes: 1, seed: 6 }));
  });
  afterAll(() => third.close());

  it('no x-askfirst-* header reaches a third-party server by default; --askfirst-headers sends them', async () => {
    await runEval(EvalCommandSchema.parse({ policy: [`openai:${third.url}#m`], data: dir, out: tmpDir('askfirst-hdr-out'), history: true, ...quiet }), () => {});
    expect(third.log.length).toBeGreaterThan(7);
    const leaked = third.log.flatMap((l) => Object.keys(l.headers).filter((h) => h.toLowerCase().startsWith('x-askfirst')));
    expect(leaked).toEqual([]);
    third.log.length = 0;
    await runEval(EvalCommandSchema.parse({ policy: [`openai:${third.url}#m`], data: dir, out: tmpDir('askfirst-hdr-out'), askfirstHeaders: true, ...quiet }), () => {});
    expect(third.log.every((l) => typeof l.headers['x-askfirst-episode'] === 'string')).toBe(true);
  });

  it("--api-key-header api-key sends the key as Azure OpenAI's api-key header instead of a bearer token", async () => {
    process.env.AF_TEST_AZURE_KEY = 'az-key-1';
    try {
      third.log.length = 0;
      await runEval(EvalCommandSchema.parse({ policy: [`openai:${third.url}#m`], data: dir, out: tmpDir('askfirst-hdr-out'), apiKeyEnv: 'AF_TEST_AZURE_KEY', apiKeyHeader: 'api-key', ...quiet }), () => {});
      expect(third.log.length).toBeGreaterThan(0);
      expect(third.log.every((l) => l.headers['api-key'] === 'az-key-1' && l.headers.authorization === undefined)).toBe(true);
    } finally {
      delete process.env.AF_TEST_AZURE_KEY;
    }
  });
});

describe('request body and images', () => {
  it('puts the settings where the endpoint wants them, omits what it is told, merges extra fields', () => {
    const c = resolveHttpPolicyConfig({ baseUrl: 'http://x/v1', model: 'm', maxTokens: 999, maxTokensParam: 'max_completion_tokens', omitParams: ['temperature'], extraBody: { reasoning_effort: 'low' }, logprobs: false, systemPrompt: 'Be brief.' });
    const b = requestBody(c, [{ role: 'user', content: 'hi' }], { sample: false, wantLogprobs: true });
    expect(b).toEqual({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 999, reasoning_effort: 'low' });
    const d = requestBody(resolveHttpPolicyConfig({ baseUrl: 'http://x/v1', model: 'm', greedyTemperature: 0.2, topLogprobs: 3 }), [], { sample: false, wantLogprobs: true });
    expect(d).toMatchObject({ max_tokens: 256, temperature: 0.2, logprobs: true, top_logprobs: 3 });
  });
  it('passes a JPEG file through as it is, re-encodes after a resize, and shrinks to --max-pixels', () => {
    const img = createImage(40, 30, [200, 10, 10]);
    const bytes = encodeJPEG(img, 90);
    const jpeg = { ...createImage(40, 30, [200, 10, 10]), encoded: { mime: 'image/jpeg' as const, bytes } };
    expect(viewDataUrl(jpeg, { jpegPassthrough: true })).toBe(`data:image/jpeg;base64,${Buffer.from(bytes).toString('base64')}`);
    expect(viewDataUrl(jpeg, { jpegPassthrough: false })).toMatch(/^data:image\/png;base64,/);
    const small = viewDataUrl(jpeg, { jpegPassthrough: true, maxPixels: 300 });
    expect(small).toMatch(/^data:image\/png;base64,/);
    const png = Buffer.from(small.split(',')[1], 'base64');
    const [w, h] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    expect(w * h).toBeLessThanOrEqual(300);
    expect(w / h).toBeCloseTo(40 / 30, 0);
  });
  it('the system prompt is sent first', async () => {
    const s = await startFaultServer();
    s.keepLog = true;
    try {
      const { obs } = conformanceObservations(conformanceEpisodes(1));
      await new HttpPolicy({ baseUrl: s.url, model: 'm', systemPrompt: 'You are careful.' }, {}).act([obs[0]]);
      expect(JSON.parse(s.log[0].body).messages[0]).toEqual({ role: 'system', content: 'You are careful.' });
    } finally {
      await s.close();
    }
  });
});

describe('several policies, config file, records you can inspect, refusing a mixed resume', () => {
  let dir: string;
  beforeAll(async () => {
    dir = tmpDir('askfirst-multi');
    await writeSuite(dir, generateSuite({ episodes: 3, seed: 8 }));
  });

  it('runs every policy on the same data into OUT/<name>/ and writes one comparison report', async () => {
    const out = tmpDir('askfirst-multi-out');
    const cfgFile = join(tmpDir('askfirst-cfg'), 'eval.json');
    writeFileSync(cfgFile, JSON.stringify({ policy: ['oracle', 'always-answer'], mode: ['proactive', 'reference'], limit: 2 }));
    {
      const raw = await withConfigFile({ config: cfgFile, data: dir, out, json: true, progress: false });
      const r = (await runEval(EvalCommandSchema.parse(raw), () => {})) as { policies: { policy: string; accuracy: number }[]; report: { html: string } };
      expect(r.policies.map((p) => p.policy)).toEqual(['oracle', 'always-answer']);
      expect(r.policies[0].accuracy).toBe(1);
      expect(existsSync(join(out, 'oracle', 'summary.json'))).toBe(true);
      expect(existsSync(join(out, 'always-answer', 'proactive', 'results.jsonl'))).toBe(true);
      expect(readFileSync(r.report.html, 'utf8')).toContain('McNemar');
      // Flags win over the file; unknown keys in the file are refused by name.
      expect((await withConfigFile({ config: cfgFile, limit: 1 })).limit).toBe(1);
      writeFileSync(cfgFile, JSON.stringify({ polcy: 'oracle' }));
      await expect(withConfigFile({ config: cfgFile })).rejects.toThrow(/unknown setting\(s\) polcy \(Did you mean policy\?\); use the camelCase names/);
    }

    // Per turn: prompt, raw reply, parsed option, target.
    const rec = JSON.parse(readFileSync(join(out, 'always-answer', 'proactive', 'results.jsonl'), 'utf8').split('\n')[0]);
    expect(rec.prompts[0]).toMatch(/Choose from the following options/);
    expect(rec.parsed[0]).toMatch(/^[A-Z]\. /);
    expect(rec.targets[0]).toMatch(/^[A-Z]\. /);
    expect(rec.replies).toHaveLength(rec.prompts.length);

    // summary.json: intervals for every rate, overall and per kind; provenance; config; fingerprint.
    const s = JSON.parse(readFileSync(join(out, 'oracle', 'summary.json'), 'utf8'));
    const iv = s.intervals.proactive;
    for (const k of ['accuracy', 'guessRate', 'abstainRate', 'invalidRate', 'unparseableRate', 'maxTurnsRate', 'overAsking', 'accuracyNonControl']) expect(iv[k]).toHaveProperty('low');
    expect(iv.accuracy).toMatchObject({ k: 14, n: 14, rate: 1, high: 1 });
    expect(iv.accuracy.low).toBeCloseTo(14 / (14 + 1.96 ** 2), 3); // Wilson lower bound at k = n: n / (n + z²)
    expect(Object.keys(iv.byKind)).toHaveLength(7);
    // per variant (the corruption kind's operations): every corruption episode in exactly one
    const vs = Object.entries(iv.byVariant as Record<string, { accuracy: { n: number } }>);
    expect(vs.length).toBeGreaterThan(0);
    expect(vs.every(([k]) => k.startsWith('corruption/'))).toBe(true);
    expect(vs.reduce((a, [, v]) => a + v.accuracy.n, 0)).toBe(iv.byKind.corruption.accuracy.n);
    expect(s.provenance.askfirstVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(s.provenance).toHaveProperty('gitCommit');
    expect(s.provenance.date).toMatch(/^20\d\d-/);
    expect(s.config).toMatchObject({ policy: 'oracle', limit: 2 });
    expect(s.dataInfo.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('refuses to resume with different settings or changed data, naming what changed', async () => {
    const out = tmpDir('askfirst-refuse-out');
    // random reads --seed (a policy that reads none, always-answer, leaves it out of what a resume compares: errors.test.ts)
    const cfg = EvalCommandSchema.parse({ policy: ['random'], data: dir, out, limit: 1, ...quiet });
    await runEval(cfg, () => {});
    await expect(runEval({ ...cfg, seed: 5 }, () => {})).rejects.toThrow(/different run.*seed: 0 before, 5 now/s);
    // Change one episode's question on disk: the data fingerprint changes.
    const f = join(dir, 'episodes.jsonl');
    const text = readFileSync(f, 'utf8');
    writeFileSync(f, text.replace(/"question":"([^"]*)"/, '"question":"$1 (edited)"'));
    try {
      await expect(runEval(cfg, () => {})).rejects.toThrow(/dataFingerprint: "sha256:/);
    } finally {
      writeFileSync(f, text);
    }
    await expect(runEval(cfg, () => {})).resolves.toBeDefined();
  });
});
