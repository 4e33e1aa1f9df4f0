import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { conformanceEpisodes, conformanceObservations, policyConformance } from '../../testing/policy-conformance.js';
import { createPolicy } from '../registry.js';
import { apiKeyFromEnv, parseOpenAISpec, resolveHttpPolicyConfig } from './config.js';
import { startFaultServer, type FaultServer } from '../../testing/fault-server.js';
import { ConversationMemory } from './messages.js';
import { HttpPolicy, limitOf, requestBody } from './policy.js';
import { paramAdvice } from './rejection.js';
import { runEpisodes } from '../runner.js';
import type { SuiteEpisode } from '../../suite/types.js';
import { oneRefused, REFUSAL } from '../../testing/one-refused.js';

describe('spec and config', () => {
  it('parses openai:URL#MODEL, keeping colons in the model name', () => {
    expect(parseOpenAISpec('http://127.0.0.1:11434/v1/#qwen2.5vl:7b')).toEqual({ baseUrl: 'http://127.0.0.1:11434/v1', model: 'qwen2.5vl:7b' });
    expect(() => parseOpenAISpec('http://x/v1')).toThrow(/#MODEL/);
    expect(() => parseOpenAISpec('ftp://x#m')).toThrow(/http/);
    expect(() => parseOpenAISpec('http://user:pw@x/v1#m')).toThrow(/environment variable/);
  });
  it('reads the key from the named variable, then OPENAI_API_KEY', () => {
    expect(apiKeyFromEnv('MY_KEY', { MY_KEY: ' k1 ', OPENAI_API_KEY: 'k2' })).toBe('k1');
    expect(apiKeyFromEnv('MY_KEY', { OPENAI_API_KEY: 'k2' })).toBe('k2');
    expect(apiKeyFromEnv('MY_KEY', {})).toBeUndefined();
  });
  it('is created from the registry with command-line options, rejecting bad ones by name', async () => {
    const p = (await createPolicy('openai:http://127.0.0.1:9/v1#m', { episodes: [], seed: 1, options: { concurrency: 3, history: true } })) as HttpPolicy;
    expect(p.name).toBe('openai:http://127.0.0.1:9/v1#m');
    expect(p.config).toMatchObject({ concurrency: 3, history: true, seed: 1 });
    await expect(createPolicy('openai:http://127.0.0.1:9/v1#m', { episodes: [], seed: 1, options: { concurrency: 0 } })).rejects.toThrow(/concurrency/);
  });
});

describe('requestBody: the logprobs a request was asked for (serve --policy openai:…)', () => {
  const lp = (c: ReturnType<typeof resolveHttpPolicyConfig>, o: Parameters<typeof requestBody>[2]) => {
    const { logprobs, top_logprobs } = requestBody(c, [], o);
    return { logprobs, top_logprobs };
  };
  const c = resolveHttpPolicyConfig({ baseUrl: 'http://x/v1', model: 'm' });
  it("sends the client's logprobs and top_logprobs in place of the config's topLogprobs, none when it asked none", () => {
    expect(lp(c, { sample: false, wantLogprobs: true, asked: { logprobs: true, topLogprobs: 20 } })).toEqual({ logprobs: true, top_logprobs: 20 });
    expect(lp(c, { sample: false, wantLogprobs: true, asked: { logprobs: true } })).toEqual({ logprobs: true, top_logprobs: undefined });
    expect(lp(c, { sample: false, wantLogprobs: true, asked: { logprobs: false } })).toEqual({ logprobs: undefined, top_logprobs: undefined });
    expect(lp(c, { sample: false, wantLogprobs: true })).toEqual({ logprobs: true, top_logprobs: 10 }); // eval's: the config's, as before
  });
  it('sends none when the config says never (--no-logprobs, --omit-params logprobs), whatever the client asked', () => {
    const asked = { logprobs: true, topLogprobs: 5 };
    expect(lp(resolveHttpPolicyConfig({ baseUrl: 'http://x/v1', model: 'm', logprobs: false }), { sample: false, wantLogprobs: true, asked })).toEqual({ logprobs: undefined, top_logprobs: undefined });
    expect(lp(resolveHttpPolicyConfig({ baseUrl: 'http://x/v1', model: 'm', omitParams: ['logprobs'] }), { sample: false, wantLogprobs: true, asked })).toEqual({ logprobs: undefined, top_logprobs: undefined });
  });
});

describe('limitOf: the token limit a request carried, which serve trusts a bare "length" by (finish.ts cutLimit)', () => {
  const sent = (config: Partial<Parameters<typeof resolveHttpPolicyConfig>[0]>, maxTokens = 2) =>
    limitOf(requestBody(resolveHttpPolicyConfig({ baseUrl: 'http://x/v1', model: 'm', ...config }), [], { sample: false, wantLogprobs: false, limits: { maxTokens } }));
  it("is the client's limit under either field name, the larger when an --extra-body adds the other, none when omitted", () => {
    expect(sent({})).toBe(2);
    expect(sent({ maxTokensParam: 'max_completion_tokens' })).toBe(2);
    expect(sent({ omitParams: ['max_tokens'] })).toBeUndefined();
    expect(sent({ extraBody: { max_completion_tokens: 1000 } })).toBe(1000);
    expect(sent({ extraBody: { max_tokens: 1 } })).toBe(1);
    expect(sent({ omitParams: ['max_tokens'], extraBody: { max_tokens: 1 } })).toBe(1);
  });
  it('is none when an --extra-body sends a limit that is not a number, or null over the only one', () => {
    expect(sent({ extraBody: { max_tokens: '1' } })).toBeUndefined(); // the server's own reading of it is unknown here
    expect(sent({ extraBody: { max_tokens: null } })).toBeUndefined(); // null: no limit, to OpenAI
    expect(sent({ maxTokensParam: 'max_completion_tokens', extraBody: { max_tokens: null } })).toBe(2);
  });
});

describe('requestBody: the sampling a request was asked for (serve --policy openai:…)', () => {
  const c = resolveHttpPolicyConfig({ baseUrl: 'http://x/v1', model: 'm', seed: 4 });
  const fields = (o: Parameters<typeof requestBody>[2]) => {
    const { temperature, top_p, seed } = requestBody(c, [], o);
    return { temperature, top_p, seed };
  };
  it('sends its temperature, a top_p below 1 and its seed (+ the choice) in place of the config’s', () => {
    expect(fields({ sample: true, wantLogprobs: false, sampling: { temperature: 0.3, topP: 0.5 }, seed: 9, draw: 2 })).toEqual({ temperature: 0.3, top_p: 0.5, seed: 11 });
    expect(fields({ sample: true, wantLogprobs: false, sampling: { temperature: 1.2, topP: 1 }, seed: 9 })).toEqual({ temperature: 1.2, top_p: undefined, seed: 9 });
  });
  it('without them: the config’s, as every eval sends (greedy: no seed, no top_p)', () => {
    expect(fields({ sample: true, wantLogprobs: false })).toEqual({ temperature: 1, top_p: undefined, seed: 4 });
    expect(fields({ sample: false, wantLogprobs: false, sampling: { temperature: 0.3, topP: 0.5 }, seed: 9 })).toEqual({ temperature: 0, top_p: undefined, seed: undefined });
  });
  it('--omit-params top_p leaves it out as it does the other fields (it had no entry: a server refusing top_p could not be served)', () => {
    const omitting = resolveHttpPolicyConfig({ baseUrl: 'http://x/v1', model: 'm', seed: 4, omitParams: ['top_p'] });
    const body = requestBody(omitting, [], { sample: true, wantLogprobs: false, sampling: { temperature: 0.3, topP: 0.5 }, seed: 9 });
    expect(body).toMatchObject({ temperature: 0.3, seed: 9 });
    expect(body).not.toHaveProperty('top_p');
    expect(paramAdvice('top_p')).toBe('leave top_p out with --omit-params top_p (the server then samples from every token, at the temperature sent)');
  });
});

describe('conversation memory', () => {
  it('remembers turns per episode, restarts at turn 0, forgets the least recently used', () => {
    const m = new ConversationMemory(2);
    m.record('a', 0, { prompt: 'p0', imageUrl: 'i0', reply: 'r0' });
    m.record('a', 1, { prompt: 'p1', imageUrl: 'i1', reply: 'r1' });
    expect(m.before('a', 2).map((t) => t.reply)).toEqual(['r0', 'r1']);
    expect(m.before('a', 0)).toEqual([]);
    m.record('b', 0, { prompt: 'q', imageUrl: 'j', reply: 's' });
    m.before('a', 1);
    m.record('c', 0, { prompt: 'q', imageUrl: 'j', reply: 's' });
    expect(m.before('b', 1)).toEqual([]); // evicted
    expect(m.before('a', 1)).toHaveLength(1);
    m.record('a', 0, { prompt: 'new', imageUrl: 'i', reply: 'x' });
    expect(m.before('a', 1).map((t) => t.prompt)).toEqual(['new']);
  });
});

describe('HttpPolicy requests', () => {
  let fs: FaultServer;
  beforeAll(async () => {
    fs = await startFaultServer({ logprobs: true });
    fs.keepLog = true;
  });
  afterAll(() => fs.close());

  it('sends the prompt and a PNG data URL, greedy at temperature 0 with logprobs; sampled at the set temperature', async () => {
    const eps = conformanceEpisodes(2);
    const { obs } = conformanceObservations(eps);
    const p = new HttpPolicy({ baseUrl: fs.url, model: 'vlm', topLogprobs: 5, temperature: 0.7, seed: 9 }, {});
    fs.log.length = 0;
    const [r] = await p.act([obs[0]]);
    const b = JSON.parse(fs.log[0].body);
    expect(b).toMatchObject({ model: 'vlm', temperature: 0, logprobs: true, top_logprobs: 5 });
    expect(b.seed).toBeUndefined();
    expect(b.messages).toHaveLength(1);
    // image first, then the text, as ProactiveBench's apply_conversation_template
    expect(b.messages[0].content[1]).toEqual({ type: 'text', text: obs[0].prompt });
    expect(b.messages[0].content[0].image_url.url).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    // askfirst's own headers go only to servers that asked for them (askfirstHeaders).
    expect(Object.keys(fs.log[0].headers).filter((h) => h.startsWith('x-askfirst'))).toEqual([]);
    expect(r.optionLogProbs).toHaveLength(obs[0].options.length);
    await p.act([obs[0]], { sample: true });
    expect(JSON.parse(fs.log[1].body)).toMatchObject({ temperature: 0.7, seed: 9 });
  });

  it('with history on, replays earlier turns with their images and replies', async () => {
    const eps = conformanceEpisodes(1);
    const p = new HttpPolicy({ baseUrl: fs.url, model: 'vlm', history: true }, {});
    const { obs } = conformanceObservations(eps); // [turn 0, turn 1]
    fs.log.length = 0;
    const [r0] = await p.act([obs[0]]);
    await p.act([obs[1]]);
    const b = JSON.parse(fs.log[1].body);
    expect(b.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(b.messages[1].content).toBe(r0.reply);
    expect(b.messages[0].content[1].text).toBe(obs[0].prompt);
    expect(b.messages[0].content[0].image_url.url).not.toBe(b.messages[2].content[0].image_url.url);
    const noHist = new HttpPolicy({ baseUrl: fs.url, model: 'vlm' }, {});
    await noHist.act([obs[1]]);
    expect(JSON.parse(fs.log[2].body).messages).toHaveLength(1);
  });
});

describe('a request that fails for good halts the others', () => {
  /** The policy, and how many of its requests have settled. */
  function policy(url: string): { p: HttpPolicy; settled: () => number } {
    const p = new HttpPolicy({ baseUrl: url, model: 'm', concurrency: 4, retries: 1, backoffMs: 20_000, maxBackoffMs: 20_000, logprobs: false }, {});
    let settled = 0;
    const complete = p.client.complete.bind(p.client);
    vi.spyOn(p.client, 'complete').mockImplementation((b, o) => complete(b, o).finally(() => void settled++));
    onTestFinished(() => p.close());
    return { p, settled: () => settled };
  }
  const eps = conformanceEpisodes(4);
  const loader = async (r: SuiteEpisode['views'][number]) => ('image' in r ? r.image : Promise.reject(new Error('memory only')));

  it('eval (the pipelined runner): the backoffs of the 503s are cut, no retry is sent, and the 400 is what the run throws', async () => {
    // Before, each 503 was retried after its backoff (the run ended 10–20 s later, 7 requests) and the run threw
    // whichever worker's error came first in worker order (here a 503's "gave up after 2 attempts")
    const srv = await oneRefused();
    const { p, settled } = policy(srv.url);
    await expect(runEpisodes(eps, p, { mode: 'proactive', loader, batchSize: 4 })).rejects.toThrow(`HTTP 400: {"error":{"message":"${REFUSAL}"}}`);
    expect(srv.requests()).toBe(4);
    expect(settled()).toBe(4);
  });

  it('a batch (open mode): it fails once every request has settled, none left backing off to retry after it', async () => {
    // Before, act threw at the 400 while the three others slept out their backoffs and retried, unseen
    const srv = await oneRefused();
    const { p, settled } = policy(srv.url);
    await expect(p.act(conformanceObservations(eps).obs.slice(0, 4))).rejects.toThrow(`HTTP 400: {"error":{"message":"${REFUSAL}"}}`);
    expect(settled()).toBe(4);
    expect(srv.requests()).toBe(4);
  });
});

// The HTTP client against a server injecting 429/500/hangs/malformed bodies still conforms.
let faulty: FaultServer;
policyConformance(
  'openai client → fault-injecting server (20 %)',
  async () => {
    faulty ??= await startFaultServer({ faultRate: 0.2, seed: 7, retryAfterSec: 0, logprobs: true });
    return { policy: new HttpPolicy({ baseUrl: faulty.url, model: 'f', timeoutMs: 300, retries: 30, backoffMs: 1, maxBackoffMs: 5 }, {}) };
  },
  { deterministic: true },
);
afterAll(() => faulty?.close());
