/**
 * `askfirst serve` driven by the official `openai` npm SDK (a stated client of the server): the
 * shapes it parses, its streaming reader, and its error classes, all against the real server.
 * Written against the OpenAI API reference (chat completions, models, error codes) and the
 * `openai` package of package.json.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { ConstantPolicy } from '../../agents/baselines/constant.js';
import { RandomPolicy } from '../../agents/baselines/random.js';
import { HttpPolicy } from '../../agents/http/policy.js';
import { formatPrompt } from '../../episode/prompt.js';
import { createImage } from '../../scenes/image.js';
import { pngDataUrl } from '../../scenes/png.js';
import { startOpenAIServer, type RunningServer } from './server.js';

let srv: RunningServer;
let client: OpenAI;
const img = pngDataUrl(createImage(4, 4, [1, 2, 3]));
const turn = (url = img, text = formatPrompt('Q?', ['a', 'b', 'c'])): ChatCompletionMessageParam[] => [
  { role: 'user', content: [{ type: 'image_url', image_url: { url } }, { type: 'text', text }] },
];

beforeAll(async () => {
  srv = await startOpenAIServer({ policy: new RandomPolicy(1), modelName: 'rnd', log: () => undefined });
  client = new OpenAI({ baseURL: srv.url, apiKey: 'unused', maxRetries: 0 });
});
afterAll(() => srv.close());

describe('openai SDK → askfirst serve', () => {
  it('lists the served model', async () => {
    const page = await client.models.list();
    expect(page.data).toEqual([{ id: 'rnd', object: 'model', created: expect.any(Number), owned_by: 'askfirst' }]);
  });

  it('knows only the model it serves: unknown ids are 404 model errors, a missing one 400', async () => {
    expect(await client.models.retrieve('rnd')).toEqual({ id: 'rnd', object: 'model', created: expect.any(Number), owned_by: 'askfirst' });
    const gone = (await client.models.retrieve('gpt-4o').catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
    expect(gone.param).toBe('model');
    const wrong = (await client.chat.completions.create({ model: 'gpt-4o', messages: turn() }).catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
    expect(wrong).toBeInstanceOf(OpenAI.NotFoundError);
    expect(wrong.message).toMatch(/"gpt-4o" does not exist: this server serves "rnd"/);
    expect(wrong.param).toBe('model');
    const none = await fetch(`${srv.url}/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: turn() }) });
    expect(none.status).toBe(400);
    expect(((await none.json()) as { error: { param: string } }).error.param).toBe('model');
    // a model id may hold ':' and '/' (a --model-name; serve's default for builtin:runs/rl is builtin:rl, for openai:URL#Qwen/Qwen2.5-VL-3B-Instruct its MODEL)
    const spec = await startOpenAIServer({ policy: new RandomPolicy(1), modelName: 'builtin:runs/rl', log: () => undefined });
    try {
      const c = new OpenAI({ baseURL: spec.url, apiKey: 'unused', maxRetries: 0 });
      expect((await c.models.retrieve('builtin:runs/rl')).id).toBe('builtin:runs/rl');
      expect((await c.chat.completions.create({ model: 'builtin:runs/rl', messages: turn() })).model).toBe('builtin:runs/rl');
    } finally {
      await spec.close();
    }
  });

  it('answers a chat completion in OpenAI’s shape', async () => {
    const r = await client.chat.completions.create({ model: 'rnd', messages: turn(), logprobs: true, top_logprobs: 2 });
    expect(r).toMatchObject({ id: expect.stringMatching(/^chatcmpl-/), object: 'chat.completion', created: expect.any(Number), model: 'rnd' });
    expect(r.choices).toHaveLength(1);
    expect(r.choices[0]).toMatchObject({ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: expect.stringMatching(/^[ABC]\.$/) } });
    expect(r.choices[0].logprobs!.content![0].top_logprobs).toHaveLength(2);
    // words, as usage.ts counts them: the prompt's (its question and options), one per reply ("B.")
    const promptWords = formatPrompt('Q?', ['a', 'b', 'c']).toLowerCase().match(/[a-z0-9]+/g)!.length;
    expect(promptWords).toBeGreaterThan(5);
    expect(r.usage).toEqual({ prompt_tokens: promptWords, completion_tokens: 1, total_tokens: promptWords + 1 });
    const five = await client.chat.completions.create({ model: 'rnd', messages: turn(), n: 5, temperature: 1 });
    expect(five.usage).toEqual({ prompt_tokens: promptWords, completion_tokens: 5, total_tokens: promptWords + 5 }); // every choice counts, as OpenAI's
  });

  it('n gives n choices, indexed, streamed too; n out of OpenAI’s range is a 400 naming it', async () => {
    const r = await client.chat.completions.create({ model: 'rnd', messages: turn(), n: 5, temperature: 1, logprobs: true });
    expect(r.choices.map((c) => c.index)).toEqual([0, 1, 2, 3, 4]);
    expect(r.choices.every((c) => /^[ABC]\.$/.test(c.message.content!) && c.finish_reason === 'stop' && c.logprobs !== null)).toBe(true);
    const chunks = [];
    for await (const c of await client.chat.completions.create({ model: 'rnd', messages: turn(), n: 3, stream: true })) chunks.push(c);
    expect(chunks.map((c) => c.choices[0].index).sort()).toEqual([0, 1, 2]);
    const final = await client.chat.completions.stream({ model: 'rnd', messages: turn(), n: 2 }).finalChatCompletion();
    expect(final.choices).toHaveLength(2);
    for (const n of [0, 129, 1.5, '2']) {
      const e = (await client.chat.completions.create({ model: 'rnd', messages: turn(), n: n as number }).catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
      expect(e, String(n)).toBeInstanceOf(OpenAI.BadRequestError);
      expect(e.param).toBe('n');
    }
  });

  it('temperature, top_logprobs and the token limits out of OpenAI’s ranges are 400s naming the field; unknown fields are ignored', async () => {
    const bad: [string, unknown][] = [['temperature', -1], ['temperature', 2.5], ['temperature', '0'], ['top_logprobs', 21], ['top_logprobs', -1], ['max_tokens', 0], ['max_completion_tokens', 1.5], ['max_tokens', 'many']];
    for (const [k, v] of bad) {
      const e = (await client.chat.completions.create({ model: 'rnd', messages: turn(), logprobs: true, [k]: v } as never).catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
      expect(e, `${k}=${JSON.stringify(v)}`).toBeInstanceOf(OpenAI.BadRequestError);
      expect(e.param).toBe(k);
    }
    const ok = await client.chat.completions.create({ model: 'rnd', messages: turn(), temperature: 2, max_tokens: 1, max_completion_tokens: 4, logprobs: true, top_logprobs: 0, seed: 3, user: 'u', frobnicate: { x: 1 } } as never);
    expect(ok.choices[0].logprobs!.content![0]).toMatchObject({ token: expect.stringMatching(/^[ABC]$/), logprob: expect.any(Number), top_logprobs: [] });
    expect(ok.choices[0].logprobs!.content![0].logprob).toBeLessThan(0);
  });

  it('stop ends each reply before its first stop sequence, streamed too; a stop or response_format it cannot honour is a 400 naming it', async () => {
    for (const stop of ['.', ['\n', '.'], ['zz', '.', 'yy', 'xx']]) {
      const r = await client.chat.completions.create({ model: 'rnd', messages: turn(), n: 3, temperature: 1, stop });
      expect(r.choices.map((c) => c.message.content), JSON.stringify(stop)).toEqual(expect.arrayContaining([expect.stringMatching(/^[ABC]$/)]));
      expect(r.choices.every((c) => /^[ABC]$/.test(c.message.content!) && c.finish_reason === 'stop')).toBe(true);
      expect(r.usage!.completion_tokens).toBe(3);
    }
    const chunks = [];
    for await (const c of await client.chat.completions.create({ model: 'rnd', messages: turn(), stream: true, stop: '.' })) chunks.push(c);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toMatch(/^[ABC]$/);
    expect((await client.chat.completions.create({ model: 'rnd', messages: turn(), stop: null })).choices[0].message.content).toMatch(/^[ABC]\.$/);
    const bad: [string, unknown][] = [['stop', 5], ['stop', ['a', 'b', 'c', 'd', 'e']], ['stop', [1]], ['response_format', { type: 'json_object' }], ['response_format', { type: 'json_schema', json_schema: { name: 'x', schema: {} } }]];
    for (const [k, v] of bad) {
      const e = (await client.chat.completions.create({ model: 'rnd', messages: turn(), [k]: v } as never).catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
      expect(e, `${k}=${JSON.stringify(v)}`).toBeInstanceOf(OpenAI.BadRequestError);
      expect(e.param).toBe(k);
    }
    expect((await client.chat.completions.create({ model: 'rnd', messages: turn(), response_format: { type: 'text' } })).choices[0].message.content).toMatch(/^[ABC]\.$/);
  });

  it('top_logprobs without logprobs, a logprobs that is not a boolean, and a tool_choice demanding a tool call are 400s naming the field (as vLLM refuses them); tools with "auto" or "none" are answered', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'f', parameters: { type: 'object', properties: {} } } }];
    const bad: [string, Record<string, unknown>][] = [
      ['top_logprobs', { top_logprobs: 2 }],
      ['top_logprobs', { top_logprobs: 2, logprobs: false }],
      ['logprobs', { logprobs: 5 }],
      ['logprobs', { logprobs: 'yes' }],
      ['tool_choice', { tools, tool_choice: 'required' }],
      ['tool_choice', { tools, tool_choice: { type: 'function', function: { name: 'f' } } }],
      ['function_call', { functions: [{ name: 'f', parameters: {} }], function_call: { name: 'f' } }],
    ];
    for (const [param, fields] of bad) {
      const e = (await client.chat.completions.create({ model: 'rnd', messages: turn(), ...fields } as never).catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
      expect(e, JSON.stringify(fields)).toBeInstanceOf(OpenAI.BadRequestError);
      expect(e.param, JSON.stringify(fields)).toBe(param);
      expect(e.message).toMatch(param.endsWith('logprobs') ? /"logprobs"/ : /never a tool call; leave it out or send "auto" or "none"/);
    }
    for (const tool_choice of [undefined, 'auto', 'none'] as const) {
      const r = await client.chat.completions.create({ model: 'rnd', messages: turn(), tools, ...(tool_choice ? { tool_choice } : {}) });
      expect(r.choices[0].message.content, String(tool_choice)).toMatch(/^[ABC]\.$/);
    }
    const r = await client.chat.completions.create({ model: 'rnd', messages: turn(), logprobs: false, top_logprobs: null } as never);
    expect(r.choices[0].logprobs).toBeNull();
  });

  it('a "stream" that is not true or false, stream_options without "stream": true and a seed that is not an integer are 400s naming the field (as vLLM refuses them); with stream, or an integer seed, they are answered', async () => {
    const bad: [string, Record<string, unknown>][] = [
      ['stream', { stream: 'true' }],
      ['stream', { stream: 1 }],
      ['stream', { stream: 'false', stream_options: { include_usage: true } }],
      ['stream_options', { stream_options: { include_usage: true } }],
      ['stream_options', { stream: false, stream_options: { include_usage: true } }],
      ['stream_options', { stream: true, stream_options: 'usage' }],
      ['seed', { seed: 1.5 }],
      ['seed', { seed: '3' }],
      ['seed', { seed: true }],
      ['seed', { seed: 1e300 }],
    ];
    for (const [param, fields] of bad) {
      const e = (await client.chat.completions.create({ model: 'rnd', messages: turn(), ...fields } as never).catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
      expect(e, JSON.stringify(fields)).toBeInstanceOf(OpenAI.BadRequestError);
      expect(e.error, JSON.stringify(fields)).toEqual({ message: expect.stringContaining(`"${param}"`), type: 'invalid_request_error', param, code: 'BAD_INPUT' });
    }
    const chunks = [];
    for await (const c of await client.chat.completions.create({ model: 'rnd', messages: turn(), stream: true, stream_options: { include_usage: true }, seed: -7 })) chunks.push(c);
    expect(chunks.at(-1)!.usage!.completion_tokens).toBe(1);
    const r = await client.chat.completions.create({ model: 'rnd', messages: turn(), stream_options: null, seed: null } as never);
    expect(r.choices[0].message.content).toMatch(/^[ABC]\.$/);
  });

  describe('max_tokens / max_completion_tokens', () => {
    // a policy with a reply longer than a letter: 7 tokens as usage counts them (words)
    const long = 'B. Move the block to the left.';
    let lsrv: RunningServer;
    let lc: OpenAI;
    beforeAll(async () => {
      lsrv = await startOpenAIServer({ policy: new ConstantPolicy(long), modelName: 'long', log: () => undefined });
      lc = new OpenAI({ baseURL: lsrv.url, apiKey: 'unused', maxRetries: 0 });
    });
    afterAll(() => lsrv.close());

    it('cut every choice after the limit-th token with finish_reason "length"; usage counts the cut replies', async () => {
      const one = await lc.chat.completions.create({ model: 'long', messages: turn(), max_tokens: 3 });
      expect(one.choices[0]).toMatchObject({ message: { content: 'B. Move the' }, finish_reason: 'length' });
      expect(one.usage!.completion_tokens).toBe(3);
      const three = await lc.chat.completions.create({ model: 'long', messages: turn(), n: 3, max_completion_tokens: 2 });
      expect(three.choices.map((c) => [c.message.content, c.finish_reason])).toEqual([0, 1, 2].map(() => ['B. Move', 'length']));
      expect(three.usage!.completion_tokens).toBe(6); // every choice counts (OpenAI's rule), each at most the limit
      // max_completion_tokens (OpenAI's newer name) wins over max_tokens, as vLLM reads them
      const both = await lc.chat.completions.create({ model: 'long', messages: turn(), max_tokens: 1, max_completion_tokens: 4 });
      expect(both.choices[0].message.content).toBe('B. Move the block');
      // a reply within the limit is whole, and said to have stopped
      for (const max_tokens of [7, 256]) {
        const whole = await lc.chat.completions.create({ model: 'long', messages: turn(), max_tokens });
        expect(whole.choices[0]).toMatchObject({ message: { content: long }, finish_reason: 'stop' });
        expect(whole.usage!.completion_tokens).toBe(7);
      }
    });

    it('streamed too, n > 1, and the SDK’s stream helper reads the cut', async () => {
      const chunks = [];
      for await (const c of await lc.chat.completions.create({ model: 'long', messages: turn(), n: 2, max_tokens: 1, stream: true, stream_options: { include_usage: true } })) chunks.push(c);
      const choiceChunks = chunks.filter((c) => c.choices.length);
      expect(choiceChunks.map((c) => [c.choices[0].index, c.choices[0].delta.content, c.choices[0].finish_reason]).sort()).toEqual([[0, 'B', 'length'], [1, 'B', 'length']]);
      expect(chunks.at(-1)!.usage!.completion_tokens).toBe(2);
      const final = await lc.chat.completions.stream({ model: 'long', messages: turn(), max_tokens: 2 }).finalChatCompletion();
      expect(final.choices[0]).toMatchObject({ message: { content: 'B. Move' }, finish_reason: 'length' });
    });

    it('with stop: whichever comes first ends the reply (a stop sequence within the limit wins)', async () => {
      const at = async (stop: string, max_tokens: number) => (await lc.chat.completions.create({ model: 'long', messages: turn(), stop, max_tokens })).choices[0];
      expect(await at('.', 3)).toMatchObject({ message: { content: 'B' }, finish_reason: 'stop' });
      expect(await at('block', 3)).toMatchObject({ message: { content: 'B. Move the' }, finish_reason: 'length' });
      expect(await at('the', 3)).toMatchObject({ message: { content: 'B. Move ' }, finish_reason: 'stop' });
    });

    it('several stops: the one completed at the earliest token wins, the first listed on a tie (vLLM), streamed too', async () => {
      const at = async (stop: string[], max_tokens?: number) => (await lc.chat.completions.create({ model: 'long', messages: turn(), stop, max_tokens })).choices[0];
      // "Move the block" starts first, "the" is completed first (3rd token against 4th)
      expect(await at(['Move the block', 'the'])).toMatchObject({ message: { content: 'B. Move ' }, finish_reason: 'stop' });
      // overlapping, both completed by the token "block": list order decides
      expect(await at(['ck', 'lock'])).toMatchObject({ message: { content: 'B. Move the blo' }, finish_reason: 'stop' });
      expect(await at(['lock', 'ck'])).toMatchObject({ message: { content: 'B. Move the b' }, finish_reason: 'stop' });
      // one spanning tokens ("the block") against one inside the last of them
      expect(await at(['lock', 'the block'])).toMatchObject({ message: { content: 'B. Move the b' }, finish_reason: 'stop' });
      expect(await at(['the block', 'lock'])).toMatchObject({ message: { content: 'B. Move ' }, finish_reason: 'stop' });
      // with max_tokens: a stop completed beyond the limit is never generated
      expect(await at(['to the', 'block'], 4)).toMatchObject({ message: { content: 'B. Move the ' }, finish_reason: 'stop' });
      expect(await at(['Move the block', 'the'], 2)).toMatchObject({ message: { content: 'B. Move' }, finish_reason: 'length' });
      const final = await lc.chat.completions.stream({ model: 'long', messages: turn(), stop: ['ck', 'lock'], n: 2 }).finalChatCompletion();
      expect(final.choices.map((c) => [c.message.content, c.finish_reason])).toEqual([['B. Move the blo', 'stop'], ['B. Move the blo', 'stop']]);
    });
  });

  it('logprobs of a policy that does not score options are null, and askfirst’s client reads no scores from them', async () => {
    // A constant (oracle, scripted) reply has no distribution behind it: a logprob 0 for its letter would be
    // read by askfirst's client as a scoring model sure of its answer (agents/http/logprobs.ts).
    const csrv = await startOpenAIServer({ policy: new ConstantPolicy('B.'), modelName: 'const', log: () => undefined });
    try {
      const c = new OpenAI({ baseURL: csrv.url, apiKey: 'unused', maxRetries: 0 });
      const r = await c.chat.completions.create({ model: 'const', messages: turn(), logprobs: true, top_logprobs: 3 });
      expect(r.choices[0]).toMatchObject({ message: { content: 'B.' }, logprobs: null });
      const http = new HttpPolicy({ baseUrl: csrv.url, model: 'const', retries: 0, askfirstHeaders: false }, {});
      try {
        const [reply] = await http.act([{ episodeId: 'e', kind: 'k', turn: 0, view: 0, question: 'Q?', options: ['a', 'b', 'c'], numInterventions: 0, prompt: formatPrompt('Q?', ['a', 'b', 'c']), history: [], image: createImage(4, 4, [1, 2, 3]) }]);
        expect(reply).toEqual({ reply: 'B.', fingerprint: expect.stringMatching(/^fp_[0-9a-f]{10}$/), usage: expect.any(Object) }); // no optionLogProbs (the server's system_fingerprint and usage are kept)
      } finally {
        await http.close();
      }
    } finally {
      await csrv.close();
    }
    // … while the random baseline, which does score (uniformly), gives them
    const rr = await client.chat.completions.create({ model: 'rnd', messages: turn(), logprobs: true });
    expect(rr.choices[0].logprobs!.content![0].top_logprobs).toHaveLength(3);
  });

  it('streams chat.completion.chunk events that the SDK reads, ending with [DONE]', async () => {
    const chunks = [];
    for await (const c of await client.chat.completions.create({ model: 'rnd', messages: turn(), stream: true })) chunks.push(c);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'rnd')).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toMatch(/^[ABC]\.$/);
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('stop');
    expect(chunks.every((c) => c.usage === undefined)).toBe(true);
    // stream_options.include_usage: a last chunk with no choices holds the usage; the others say null
    const withUsage = [];
    for await (const c of await client.chat.completions.create({ model: 'rnd', messages: turn(), stream: true, stream_options: { include_usage: true } })) withUsage.push(c);
    expect(withUsage.length).toBeGreaterThan(1);
    const once = await client.chat.completions.create({ model: 'rnd', messages: turn() });
    expect(withUsage.at(-1)).toMatchObject({ object: 'chat.completion.chunk', choices: [], usage: once.usage }); // the same count streamed or not
    expect(once.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(withUsage.slice(0, -1).every((c) => c.usage === null && c.choices.length === 1)).toBe(true);
    // … and the SDK's stream helper puts them back together
    const final = await client.chat.completions.stream({ model: 'rnd', messages: turn() }).finalChatCompletion();
    expect(final.choices[0].message.content).toMatch(/^[ABC]\.$/);
  });

  it('turns a refused request into the SDK’s BadRequestError with the server’s message', async () => {
    const e = await client.chat.completions.create({ model: 'rnd', messages: [{ role: 'user', content: 'hi' }] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect((e as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/exactly one image/);
  });

  it('a known route asked with the wrong method is 405 with Allow; an unknown route 404', async () => {
    for (const [method, path, allow] of [['GET', '/chat/completions', 'POST'], ['PUT', '/chat/completions', 'POST'], ['POST', '/models', 'GET, HEAD'], ['DELETE', '/models/rnd', 'GET, HEAD']]) {
      const r = await fetch(`${srv.url}${path}`, { method });
      expect(r.status, `${method} ${path}`).toBe(405);
      expect(r.headers.get('allow')).toBe(allow);
      expect(((await r.json()) as { error: { message: string; param: null } }).error).toMatchObject({ message: expect.stringMatching(/^Invalid method for URL/), type: 'invalid_request_error', param: null });
    }
    const e = (await client.post('/completions', { body: {} }).catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
    expect(e).toBeInstanceOf(OpenAI.NotFoundError);
    expect(e.message).toMatch(/no route POST \/v1\/completions/);
  });

  it('error bodies are OpenAI’s {error: {message, type, param, code}}, param naming the field at fault', async () => {
    const e = (await client.chat.completions.create({ model: 'rnd', messages: turn('http://127.0.0.1:9/x.png') }).catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect(e.error).toEqual({ message: expect.stringMatching(/data URLs/), type: 'invalid_request_error', param: 'messages', code: 'BAD_INPUT' });
    // a data URL that is not a base64 image one is told what is wrong with it, not that it should be a data URL
    for (const url of [img.replace('image/png', 'text/plain'), img.replace(';base64', '')]) {
      const d = (await client.chat.completions.create({ model: 'rnd', messages: turn(url) }).catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
      expect(d, url.slice(0, 30)).toBeInstanceOf(OpenAI.BadRequestError);
      expect(d.message).toMatch(/^400 an image data URL must be base64 of type image\/…: data:image\/png;base64,… or data:image\/jpeg;base64,…; got "data:/);
      expect(d.param).toBe('messages');
    }
    // bytes that are not an image (or do not decode) are the messages' fault too
    for (const url of ['data:image/png;base64,AAAA', img.slice(0, 60)]) {
      const d = (await client.chat.completions.create({ model: 'rnd', messages: turn(url) }).catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
      expect(d, url).toBeInstanceOf(OpenAI.BadRequestError);
      expect(d.error, url).toEqual({ message: expect.stringMatching(/^request image: /), type: 'invalid_request_error', param: 'messages', code: 'BAD_DATA' });
    }
    // the declared type is not the format: the bytes are (as vLLM reads data URLs)
    expect((await client.chat.completions.create({ model: 'rnd', messages: turn(img.replace('image/png', 'image/gif')) })).choices[0].message.content).toMatch(/^[ABC]\.$/);
    expect([e.type, e.param, e.code]).toEqual(['invalid_request_error', 'messages', 'BAD_INPUT']);
    // no field to blame: param is null (present, as OpenAI sends it)
    const r = await fetch(`${srv.url}/chat/completions`, { method: 'POST', body: '{nope' });
    expect(r.status).toBe(400);
    expect(Object.keys(((await r.json()) as { error: object }).error).sort()).toEqual(['code', 'message', 'param', 'type']);
  });
});
