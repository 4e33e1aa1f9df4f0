/**
 * `askfirst serve` samples as vLLM does (sampling.ts): temperature scales the logits, top_p keeps the nucleus, seed makes
 * a sampled reply reproducible and without one each request draws anew. Driven by the official `openai` SDK, against
 * the built-in model on a prompt whose distribution is far from degenerate: fresh weights with the gate raised, so
 * asking (two interventions) and four categories all have mass, and the greedy choice is to ask.
 */
import { createHash } from 'node:crypto';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { newBuiltin } from '../../agents/builtin/build.js';
import { BuiltinPolicy } from '../../agents/builtin/policy.js';
import { RandomPolicy } from '../../agents/baselines/random.js';
import { HttpPolicy } from '../../agents/http/policy.js';
import { runEpisodes } from '../../agents/runner.js';
import { formatPrompt } from '../../episode/prompt.js';
import { createImage } from '../../scenes/image.js';
import { pngDataUrl } from '../../scenes/png.js';
import { conformanceEpisodes } from '../../testing/policy-conformance.js';
import type { SuiteEpisode } from '../../suite/types.js';
import { requestSampling } from './sampling.js';
import { startOpenAIServer, type RunningServer } from './server.js';

const OPTIONS = ['Move the block to the left.', 'Move the block to the right.', 'I cannot answer this question.', 'circle', 'square', 'star', 'heart'];
const INTERVENTIONS = new Set(OPTIONS.slice(0, 3));
const messages = (question = 'What is hidden?'): ChatCompletionMessageParam[] => [
  { role: 'user', content: [{ type: 'image_url', image_url: { url: pngDataUrl(createImage(8, 8, [90, 120, 30])) } }, { type: 'text', text: formatPrompt(question, OPTIONS) }] },
];
const eps = conformanceEpisodes(12);
const model = newBuiltin(eps);
model.model.gate2.bias!.data.fill(1); // fresh weights never ask; this one asks about as often as it names a category
const policy = (seed = 0) => new BuiltinPolicy(model.model, model.vocab, { seed });

let srv: RunningServer;
let client: OpenAI;
beforeAll(async () => {
  srv = await startOpenAIServer({ policy: policy(), modelName: 'b', log: () => undefined });
  client = new OpenAI({ baseURL: srv.url, apiKey: 'unused', maxRetries: 0 });
});
afterAll(() => srv.close());

const ask = async (fields: Record<string, unknown>, question?: string) =>
  (await client.chat.completions.create({ model: 'b', messages: messages(question), ...fields } as never)).choices.map((c) => c.message.content!);
const share = (xs: string[], x: string) => xs.filter((y) => y === x).length / xs.length;

describe('serve: temperature, top_p and seed', () => {
  it('the prompt is not degenerate: sampled replies spread over asking and several categories', async () => {
    const r = await ask({ temperature: 1, n: 64, seed: 1 });
    expect(new Set(r).size).toBeGreaterThanOrEqual(4);
    expect(r.some((x) => INTERVENTIONS.has(x))).toBe(true);
    expect(r.some((x) => !INTERVENTIONS.has(x))).toBe(true);
  });

  it('a seed makes a sampled reply reproducible, and different seeds draw differently', async () => {
    const a = await ask({ temperature: 1, n: 16, seed: 42 });
    expect(await ask({ temperature: 1, n: 16, seed: 42 })).toEqual(a);
    expect(await ask({ temperature: 1, seed: 42 })).toEqual([a[0]]); // the first choice is the single sample
    expect(await ask({ temperature: 1, seed: 45 })).toEqual([a[3]]); // choice i is seeded seed + i, as vLLM seeds them
    // before: the seed was ignored, every seed gave the one reply the prompt fixed
    const bySeed = await Promise.all(Array.from({ length: 8 }, (_, s) => ask({ temperature: 1, seed: 1000 + s })));
    expect(new Set(bySeed.flat()).size).toBeGreaterThan(1);
  });

  it('without a seed, asking again draws again (as vLLM), not the same "sample"', async () => {
    const again: string[] = [];
    for (let i = 0; i < 8; i++) again.push(...(await ask({ temperature: 1 })));
    expect(new Set(again).size).toBeGreaterThan(1);
  });

  it('temperature scales the logits: towards the greedy reply as it falls to 0, spreading as it rises', async () => {
    const [greedy] = await ask({ temperature: 0 });
    expect(INTERVENTIONS.has(greedy)).toBe(true); // asking is the greedy decision here
    const at = async (temperature: number) => ask({ temperature, n: 128, seed: 7 });
    const [cold, warm, hot] = [await at(0.001), await at(0.5), await at(2)];
    // before: any temperature above 0 was the unscaled distribution, so these three were the same draws
    expect(cold.every((x) => INTERVENTIONS.has(x))).toBe(true); // at T = 0.01 (0.001 is raised to it, as vLLM) asking is certain
    expect(share(cold, greedy)).toBeGreaterThan(share(warm, greedy));
    expect(share(warm, greedy)).toBeGreaterThan(share(hot, greedy));
    expect(new Set(hot).size).toBeGreaterThan(new Set(cold).size);
    expect(await ask({ temperature: 0.000001, n: 8 })).toEqual(Array(8).fill(greedy)); // below 1e-5: greedy, as vLLM
  });

  it('a small top_p keeps only the greedy choice; top_p 1 is the whole distribution', async () => {
    const [greedy] = await ask({ temperature: 0 });
    expect(await ask({ temperature: 1, top_p: 0.05, n: 32, seed: 3 })).toEqual(Array(32).fill(greedy));
    expect(await ask({ temperature: 1.5, top_p: 0.05, n: 32 })).toEqual(Array(32).fill(greedy));
    expect(await ask({ temperature: 1, top_p: 1, n: 32, seed: 3 })).toEqual(await ask({ temperature: 1, n: 32, seed: 3 }));
    expect(new Set(await ask({ temperature: 1, top_p: 1, n: 32, seed: 3 })).size).toBeGreaterThan(1);
  });

  it('top_p outside (0, 1] and a seed that is not an integer are 400s in OpenAI’s error shape naming the field', async () => {
    const bad: [string, unknown][] = [['top_p', 0], ['top_p', 1.5], ['top_p', -0.1], ['top_p', '0.5'], ['seed', 2.5], ['seed', '3']];
    for (const [param, v] of bad) {
      const e = (await ask({ temperature: 1, [param]: v }).catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
      expect(e, `${param}=${JSON.stringify(v)}`).toBeInstanceOf(OpenAI.BadRequestError);
      expect(e.error).toEqual({ message: expect.stringContaining(`"${param}"`), type: 'invalid_request_error', param, code: 'BAD_INPUT' });
    }
    expect(await ask({ temperature: 1, top_p: null, seed: null })).toHaveLength(1);
  });

  it('logit_bias, and top_k or min_p on a sampled request, that cannot be honoured are 400s naming the field, not ignored', async () => {
    // before, each was ignored: a reply drawn otherwise than asked
    const bad: [string, unknown, number][] = [['logit_bias', { '15': 100 }, 0], ['logit_bias', { '15': -100 }, 1], ['logit_bias', [1], 0], ['top_k', 1, 1], ['top_k', 5, 0.7], ['min_p', 0.1, 1]];
    for (const [param, v, temperature] of bad) {
      const e = (await ask({ temperature, [param]: v }).catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
      expect(e, `${param}=${JSON.stringify(v)}`).toBeInstanceOf(OpenAI.BadRequestError);
      expect(e.error).toEqual({ message: expect.stringContaining(`"${param}"`), type: 'invalid_request_error', param, code: 'BAD_INPUT' });
    }
    // what turns them off is answered, and a greedy request reads neither top_k nor min_p (as vLLM's greedy sampler)
    for (const fields of [{ logit_bias: {} }, { logit_bias: null, top_k: -1, min_p: 0, temperature: 1 }, { top_k: 0, temperature: 1 }, { top_k: 1, min_p: 0.5, temperature: 0 }]) {
      expect(await ask(fields), JSON.stringify(fields)).toHaveLength(1);
    }
  });

  it('presence_penalty or frequency_penalty outside -2..2, echo true and modalities asking for audio are 400s naming the field, not ignored', async () => {
    // before, each was accepted and ignored: penalties of any size, an echo and audio never given
    const bad: [string, unknown][] = [
      ['presence_penalty', 2.5],
      ['presence_penalty', -3],
      ['frequency_penalty', 7],
      ['frequency_penalty', '1'],
      ['echo', true],
      ['echo', 'yes'],
      ['modalities', ['text', 'audio']],
      ['modalities', ['audio']],
      ['modalities', 'text'],
    ];
    for (const [param, v] of bad) {
      const e = (await ask({ temperature: 1, [param]: v }).catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
      expect(e, `${param}=${JSON.stringify(v)}`).toBeInstanceOf(OpenAI.BadRequestError);
      expect(e.error).toEqual({ message: expect.stringContaining(`"${param}"`), type: 'invalid_request_error', param, code: 'BAD_INPUT' });
    }
    // within range the penalties are answered, and change nothing: a one-option reply has no earlier token to penalise
    const plain = await ask({ temperature: 1, n: 8, seed: 4 });
    expect(await ask({ temperature: 1, n: 8, seed: 4, presence_penalty: 2, frequency_penalty: -2 })).toEqual(plain);
    for (const fields of [{ presence_penalty: null, frequency_penalty: 0, echo: false }, { echo: null, modalities: ['text'] }, { modalities: null }]) {
      expect(await ask(fields), JSON.stringify(fields)).toHaveLength(1);
    }
  });

  it('a request gets the same reply batched with others or alone', async () => {
    const alone = await ask({ temperature: 0.7, top_p: 0.9, n: 4, seed: 11 });
    const health = async () => (await (await fetch(srv.url.replace('/v1', '/healthz'))).json()) as { batches: number; observations: number };
    const before = await health();
    // the same request among others at the same settings (one queue, so batched together) and at other ones
    const others = Array.from({ length: 12 }, (_, i) => ask({ temperature: i % 3 ? 0.7 : 1.3, top_p: 0.9, n: 2, seed: 500 + i }, `Which shape ${i}?`));
    const [together] = await Promise.all([ask({ temperature: 0.7, top_p: 0.9, n: 4, seed: 11 }), ...others]);
    const after = await health();
    expect(after.observations - before.observations).toBeGreaterThan(after.batches - before.batches); // some batch held several
    expect(together).toEqual(alone);
  });
});

describe('serve with a seed draws what the policy draws in process', () => {
  it('askfirst eval --sample --seed 5 through serve (with its headers) gives the in-process records', async () => {
    const loader = async (ref: SuiteEpisode['views'][number]) => {
      if ('image' in ref) return ref.image;
      throw new Error('in-memory views only');
    };
    const direct = await runEpisodes(eps, policy(5), { mode: 'proactive', loader, batchSize: 16, sample: true }); // as builtin:DIR with --seed 5
    // the server's own --seed is 0: the request's seed (the client sends --seed with sampled requests) decides
    const http = new HttpPolicy({ baseUrl: srv.url, model: 'b', concurrency: 4, retries: 0, askfirstHeaders: true, seed: 5 }, {});
    const viaHttp = await runEpisodes(eps, http, { mode: 'proactive', loader, batchSize: 16, sample: true, pipeline: true });
    expect(viaHttp).toEqual(direct);
    expect(new Set(direct.map((r) => r.replies.length)).size).toBeGreaterThan(1); // not a degenerate run: episodes of different lengths
  });
});

describe('a request without temperature is greedy (the served policy\'s own default, not OpenAI\'s 1)', () => {
  it('askfirst eval --omit-params temperature through serve gives the in-process greedy records', async () => {
    const loader = async (ref: SuiteEpisode['views'][number]) => {
      if ('image' in ref) return ref.image;
      throw new Error('in-memory views only');
    };
    const direct = await runEpisodes(eps, policy(), { mode: 'proactive', loader, batchSize: 16 });
    const http = new HttpPolicy({ baseUrl: srv.url, model: 'b', concurrency: 4, retries: 0, askfirstHeaders: true, omitParams: ['temperature'] }, {});
    // at OpenAI's default (1) instead, 33 of 40 such episodes went otherwise (measured once, conformanceEpisodes(40))
    expect(await runEpisodes(eps, http, { mode: 'proactive', loader, batchSize: 16, pipeline: true })).toEqual(direct);
    expect(new Set(direct.map((r) => r.replies.length)).size).toBeGreaterThan(1); // not a degenerate run
  });
});

describe('serve --policy openai:… passes the sampling on', () => {
  it('a proxy in front of serve answers as serve itself: temperature, top_p, seed and the n choices reach the upstream', async () => {
    // as `askfirst serve --policy openai:URL#b` builds it (its --seed 0 sent with sampled requests by default)
    const proxy = await startOpenAIServer({ policy: new HttpPolicy({ baseUrl: srv.url, model: 'b', retries: 0, seed: 0 }, {}), modelName: 'p', log: () => undefined });
    try {
      const via = new OpenAI({ baseURL: proxy.url, apiKey: 'unused', maxRetries: 0 });
      for (const fields of [{ temperature: 0.5, top_p: 0.8, seed: 21, n: 12 }, { temperature: 1.7, seed: 22, n: 12 }, { temperature: 1, top_p: 0.05, seed: 23, n: 4 }]) {
        const direct = await ask(fields);
        const proxied = (await via.chat.completions.create({ model: 'p', messages: messages(), ...fields })).choices.map((c) => c.message.content!);
        // before: the proxy sent its own temperature 1 and seed 0 with every choice, so its n choices were one reply n times
        expect(proxied, JSON.stringify(fields)).toEqual(direct);
        expect(new Set(proxied).size > 1, JSON.stringify(fields)).toBe(fields.top_p !== 0.05); // n choices, not one reply n times
      }
    } finally {
      await proxy.close();
    }
  });
});

describe('requestSampling', () => {
  it('is greedy at temperature 0 or below 1e-5, raises 1e-5 to 0.01 to 0.01, and keeps the request seed', () => {
    expect(requestSampling({})).toEqual({ act: {} });
    expect(requestSampling({ temperature: 0, top_p: 0.5, seed: 3 })).toEqual({ act: {}, seed: 3 });
    expect(requestSampling({ temperature: 0.000009 })).toEqual({ act: {} });
    expect(requestSampling({ temperature: 0.00001 })).toEqual({ act: { sample: true, sampling: { temperature: 0.01, topP: 1 } } });
    expect(requestSampling({ temperature: 1.5, top_p: 0.9, seed: -2 })).toEqual({ act: { sample: true, sampling: { temperature: 1.5, topP: 0.9 } }, seed: -2 });
  });
});

describe('serve: seeds read exactly, and only by sampled requests', () => {
  const raw = (seed: string, extra = '') =>
    fetch(`${srv.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"model":"b","messages":${JSON.stringify(messages())},"temperature":1,"seed":${seed}${extra}}` });

  it('a seed beyond ±(2^53 − 1), or whose n choices (seed + i) go beyond it, is a 400 naming "seed", not a reply to a rounded seed', async () => {
    // 2^53 + 1 arrives as 2^53 from JSON.parse: before, both drew the one reply 2^53's stream gives
    for (const [seed, extra] of [['9007199254740993', ''], ['9007199254740992', ''], ['-9007199254740993', ''], ['18446744073709551615', ''], ['9007199254740991', ',"n":2']]) {
      const r = await raw(seed, extra);
      expect(r.status, seed + extra).toBe(400);
      const { error } = (await r.json()) as { error: { message: string; param: string } };
      expect(error.param).toBe('seed');
      expect(error.message).toMatch(/cannot be read exactly .*send a seed within ±9007199254740991/);
    }
    for (const [seed, extra] of [['9007199254740991', ''], ['-9007199254740991', ',"n":3'], ['9007199254740990', ',"n":2']]) expect((await raw(seed, extra)).status, seed + extra).toBe(200);
  });
});

describe('serve: a greedy request reads no seed (as vLLM)', () => {
  it("the random baseline answers a temperature-0 request from its own seed (serve --seed), as in process, whatever the request's seed", async () => {
    const served = await startOpenAIServer({ policy: new RandomPolicy(3), modelName: 'r', seed: 3, log: () => undefined });
    try {
      const c = new OpenAI({ baseURL: served.url, apiKey: 'unused', maxRetries: 0 });
      const questions = Array.from({ length: 12 }, (_, i) => `Which shape ${i}?`);
      const reply = async (q: string, fields: Record<string, unknown>) => (await c.chat.completions.create({ model: 'r', messages: messages(q), ...fields } as never)).choices[0].message.content!;
      const inProcess = async (seed: number, q: string) =>
        (await new RandomPolicy(seed).act([{ episodeId: `anon-${createHash('sha256').update(formatPrompt(q, OPTIONS)).digest('hex').slice(0, 12)}`, kind: 'unknown', turn: 0, view: 0, question: q, options: OPTIONS, numInterventions: 3, prompt: formatPrompt(q, OPTIONS), history: [], image: createImage(8, 8, [90, 120, 30]) }]))[0].reply;
      const own = await Promise.all(questions.map((q) => inProcess(3, q)));
      const other = await Promise.all(questions.map((q) => inProcess(99, q)));
      expect(own).not.toEqual(other); // the two seeds pick differently here
      // before: a greedy request with seed 99 was answered with seed 99's picks
      expect(await Promise.all(questions.map((q) => reply(q, { temperature: 0, seed: 99 })))).toEqual(own);
      expect(await Promise.all(questions.map((q) => reply(q, { temperature: 0 })))).toEqual(own);
      // a sampled request's seed stands for the policy's, as before
      expect(await Promise.all(questions.map((q) => reply(q, { temperature: 1, seed: 99 })))).toEqual(other);
    } finally {
      await served.close();
    }
  });
});
