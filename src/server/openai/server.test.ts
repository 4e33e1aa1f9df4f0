import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatPrompt } from '../../episode/prompt.js';
import { summarize } from '../../episode/metrics.js';
import { OraclePolicy } from '../../agents/baselines/oracle.js';
import { RandomPolicy } from '../../agents/baselines/random.js';
import { ScriptedPolicy } from '../../agents/baselines/scripted.js';
import { ChatClient } from '../../agents/http/client.js';
import { episodeHeaders, HttpPolicy } from '../../agents/http/policy.js';
import type { HttpPolicyConfig } from '../../agents/http/config.js';
import { newBuiltin, saveBuiltin } from '../../agents/builtin/build.js';
import { BuiltinPolicy } from '../../agents/builtin/policy.js';
import { readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pngDataUrl } from '../../scenes/png.js';
import { conformanceEpisodes, policyConformance } from '../../testing/policy-conformance.js';
import { tmpDir } from '../../testing/tmp.js';
import type { Observation, Policy } from '../../agents/policy.js';
import { runEpisodes } from '../../agents/runner.js';
import { createImage } from '../../scenes/image.js';
import type { SuiteEpisode } from '../../suite/types.js';
import { parseMcqaPrompt } from './mcqa-prompt.js';
import { tokenize } from '../../agents/builtin/vocab.js';
import { InputError } from '../../util/errors.js';
import { historyHeader, lastUserTurn, startOpenAIServer, type RunningServer } from './server.js';

type ErrorBody = { error: { message: string } };

const loader = async (ref: SuiteEpisode['views'][number]) => {
  if ('image' in ref) return ref.image;
  throw new Error('in-memory views only');
};

/** Serve `inner` and return an HTTP client policy pointed at it. */
async function served(inner: Policy, o: { concurrency?: number } = {}) {
  const srv = await startOpenAIServer({ policy: inner, modelName: 'served' });
  const policy = new HttpPolicy({ baseUrl: srv.url, model: 'served', concurrency: o.concurrency ?? 8, retries: 0, askfirstHeaders: true }, {});
  return { policy, cleanup: () => srv.close() };
}

describe('parseMcqaPrompt', () => {
  it('recovers question and options from the template, and rejects other text', () => {
    const opts = ['Move the block to the left.', 'I cannot answer this question.', 'circle', 'a star: five points'];
    const p = formatPrompt('What is hidden? Hint: look.', opts);
    expect(parseMcqaPrompt(p)).toEqual({ question: 'What is hidden? Hint: look.', options: opts, shortAnswer: true });
    const many = Array.from({ length: 30 }, (_, i) => `option ${i}`);
    expect(parseMcqaPrompt(formatPrompt('Q?', many, false))?.options).toEqual(many);
    expect(parseMcqaPrompt('What is in the image?')).toBeNull();
    expect(parseMcqaPrompt('Q? Choose from the following options. Options:\nB. x\n')).toBeNull();
  });
});

describe('lastUserTurn', () => {
  it("takes the previous reply from the conversation's last assistant message", () => {
    const user = (t: string) => ({ role: 'user', content: [{ type: 'text', text: t }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } }] });
    expect(lastUserTurn([user('a')]).previousReply).toBeUndefined();
    const t = lastUserTurn([user('a'), { role: 'assistant', content: 'Wait.' }, user('b'), { role: 'assistant', content: [{ type: 'text', text: 'Rewind.' }] }, user('c')]);
    expect(t).toMatchObject({ text: 'c', priorAssistant: 2, previousReply: 'Rewind.' });
  });
});

describe('OpenAI-compatible server', () => {
  let srv: RunningServer;
  beforeAll(async () => {
    srv = await startOpenAIServer({ policy: new RandomPolicy(1), modelName: 'rnd' });
  });
  afterAll(() => srv.close());

  const post = (body: unknown) =>
    fetch(`${srv.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const img = pngDataUrl(createImage(4, 4, [1, 2, 3]));
  const msg = (text: string) => [{ role: 'user', content: [{ type: 'text', text }, { type: 'image_url', image_url: { url: img } }] }];

  it('lists its model and reports health', async () => {
    expect(await (await fetch(`${srv.url}/models`)).json()).toMatchObject({ data: [{ id: 'rnd' }] });
    expect(await (await fetch(srv.url.replace('/v1', '/healthz'))).json()).toMatchObject({ ok: true });
  });

  it('answers an MCQA turn with per-letter logprobs', async () => {
    const r = await post({ model: 'rnd', messages: msg(formatPrompt('Q?', ['a', 'b', 'c'])), logprobs: true, top_logprobs: 2 });
    expect(r.status).toBe(200);
    const j = (await r.json()) as { choices: { message: { content: string }; logprobs: { content: { top_logprobs: unknown[] }[] } }[] };
    expect(j.choices[0].message.content).toMatch(/^[ABC]\.$/);
    expect(j.choices[0].logprobs.content[0].top_logprobs).toHaveLength(2);
  });

  it('streams as one SSE chunk when asked', async () => {
    const r = await post({ model: 'rnd', messages: msg(formatPrompt('Q?', ['a', 'b'])), stream: true });
    const t = await r.text();
    expect(r.headers.get('content-type')).toMatch(/event-stream/);
    expect(t).toMatch(/^data: \{.*"delta".*\n\ndata: \[DONE\]\n\n$/s);
  });

  it('rejects bad requests with 400 and a message that says what to fix', async () => {
    const a = await post({ model: 'rnd', messages: msg('What is this?') });
    expect(a.status).toBe(400);
    expect(((await a.json()) as ErrorBody).error.message).toMatch(/multiple-choice/);
    const b = await post({ model: 'rnd', messages: [{ role: 'user', content: formatPrompt('Q?', ['a']) }] });
    expect(b.status).toBe(400);
    expect(((await b.json()) as ErrorBody).error.message).toMatch(/exactly one image/);
    const c = await fetch(`${srv.url}/chat/completions`, { method: 'POST', body: '{nope' });
    expect(c.status).toBe(400);
    const d = await post({ model: 'rnd', messages: [{ role: 'user', content: [{ type: 'text', text: formatPrompt('Q?', ['a']) }, { type: 'image_url', image_url: { url: 'http://x/y.png' } }] }] });
    expect(((await d.json()) as ErrorBody).error.message).toMatch(/data URLs/);
  });
});

describe('the model id served without a modelName (library use of startOpenAIServer / createOpenAIApp)', () => {
  it("is the policy's name as `askfirst serve` serves its spec: a built-in model's folder cut, a proxy's upstream URL left out", async () => {
    // before, the policy's name itself: builtin:/srv/private/… and openai:http://10.1.2.3:8000/internal/v1#m went to every client
    const trained = newBuiltin(conformanceEpisodes().slice(0, 1));
    const builtin = new BuiltinPolicy(trained.model, trained.vocab, { name: 'builtin:/srv/private/exp/runs/rl' });
    const proxy = new HttpPolicy({ baseUrl: 'http://10.1.2.3:8000/internal/v1', model: 'm', retries: 0 }, {});
    for (const [policy, id] of [[builtin, 'builtin:rl'], [proxy, 'm']] as const) {
      const srv = await startOpenAIServer({ policy, log: () => undefined });
      try {
        const listed = await (await fetch(`${srv.url}/models`)).text();
        expect(JSON.parse(listed), policy.name).toMatchObject({ data: [{ id }] });
        expect(listed).not.toMatch(/private|10\.1\.2\.3/);
        expect(await (await fetch(srv.url.replace('/v1', '/healthz'))).json()).toMatchObject({ model: id });
      } finally {
        await srv.close();
      }
    }
    await proxy.close();
  });
});

describe('a proxy of a vLLM started with a local path as its model (--policy openai:URL#/srv/models/llava)', () => {
  it("is served as the name the upstream itself answers with, the same in /v1/models, /healthz and every reply's model", async () => {
    // vLLM answers a server started with `--model /srv/models/llava` and no --served-model-name as that path, in
    // /v1/models and each reply's model: a client moving from it to this proxy changes its base URL only. Guards that
    // the path is neither cut (as a builtin:DIR's is) in one place and kept in another, nor replaced by the upstream's URL.
    const name = '/srv/models/llava';
    const up = createServer((req, res) => {
      req.resume().on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ id: 'x', object: 'chat.completion', model: name, choices: [{ index: 0, message: { role: 'assistant', content: 'B' }, finish_reason: 'stop' }] }));
      });
    });
    await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(up.address() as AddressInfo).port}/v1`;
    const { servedModelId } = await import('../../agents/registry.js');
    expect(servedModelId(`openai:${base}#${name}`)).toBe(name); // what `askfirst serve` serves it as
    const policy = new HttpPolicy({ baseUrl: base, model: name, retries: 0 }, {});
    const srv = await startOpenAIServer({ policy, log: () => undefined });
    try {
      const listed = await (await fetch(`${srv.url}/models`)).text();
      expect(JSON.parse(listed)).toMatchObject({ data: [{ id: name }] });
      expect(await (await fetch(srv.url.replace('/v1', '/healthz'))).json()).toMatchObject({ model: name });
      const messages = [{ role: 'user', content: [{ type: 'image_url', image_url: { url: pngDataUrl(createImage(8, 8, [90, 120, 30])) } }, { type: 'text', text: formatPrompt('Q?', ['a', 'b']) }] }];
      for (const stream of [false, true]) {
        const r = await fetch(`${srv.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: name, messages, stream }) });
        const text = await r.text();
        expect(r.status, text).toBe(200);
        const bodies = stream ? text.split('\n\n').filter((l) => l.startsWith('data: {')).map((l) => l.slice(6)) : [text];
        expect(bodies.length).toBeGreaterThan(0);
        for (const b of bodies) expect((JSON.parse(b) as { model: string }).model).toBe(name);
        expect(text).not.toContain(base);
      }
    } finally {
      await srv.close();
      await policy.close();
      await new Promise((r) => up.close(r));
    }
  });
});

describe('a request without the episode headers to a policy that needs the episode', () => {
  it('is refused naming the model as it is served, not the policy\'s name (a server path)', async () => {
    // before: "… and builtin:/srv/private/exp/runs/rl needs the episode", the server's folder sent to the client
    const policy: Policy = {
      name: 'builtin:/srv/private/exp/runs/rl',
      act: async () => {
        throw new InputError('this policy reads the episode it is asked about');
      },
    };
    const img = pngDataUrl(createImage(8, 8, [90, 120, 30]));
    for (const [modelName, id] of [[undefined, 'builtin:rl'], ['named', 'named']] as const) {
      const srv = await startOpenAIServer({ policy, ...(modelName ? { modelName } : {}), log: () => undefined });
      try {
        const r = await fetch(`${srv.url}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: id, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: img } }, { type: 'text', text: formatPrompt('Q?', ['a', 'b']) }] }] }),
        });
        expect(r.status).toBe(400);
        const message = ((await r.json()) as ErrorBody).error.message;
        expect(message).toContain(`and ${id} needs the episode`);
        expect(message).not.toMatch(/private/);
      } finally {
        await srv.close();
      }
    }
  });
});

describe('a policy that returns another number of replies than asked', () => {
  it('is a 500 naming the model as it is served, not the policy\'s name (a server path)', async () => {
    // before: "policy builtin:/srv/private/exp/runs/rl returned 0 replies for 1", the server's folder sent to the client
    const policy: Policy = { name: 'builtin:/srv/private/exp/runs/rl', act: async () => [] };
    const img = pngDataUrl(createImage(8, 8, [90, 120, 30]));
    const logged: string[] = [];
    const srv = await startOpenAIServer({ policy, log: (l) => logged.push(l) });
    try {
      const r = await fetch(`${srv.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'builtin:rl', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: img } }, { type: 'text', text: formatPrompt('Q?', ['a', 'b']) }] }] }),
      });
      expect(r.status).toBe(500);
      const message = ((await r.json()) as ErrorBody).error.message;
      expect(message).toBe('the model builtin:rl returned 0 replies for 1 observation (one each is due: a fault of the served policy)');
      expect(logged.join('\n')).toContain(message); // the server's log has it too
    } finally {
      await srv.close();
    }
  });
});

describe('a scripted:FILE policy served', () => {
  it("sends each reply as the script wrote it, reasoning block included, while the policy reads it without", async () => {
    const [ep] = conformanceEpisodes(1);
    const written = '<think>The cat is behind the box, so B.</think>\n\nB.';
    const policy = ScriptedPolicy.fromMap({ [ep.id]: [written] });
    const srv = await startOpenAIServer({ policy, modelName: 's', log: () => undefined });
    try {
      const img = pngDataUrl(createImage(8, 8, [90, 120, 30]));
      const prompt = formatPrompt('Q?', ['a', 'b']);
      const obs: Observation = { episodeId: ep.id, kind: ep.kind, turn: 0, view: ep.firstView, question: 'Q?', options: ['a', 'b'], numInterventions: 0, prompt, history: [], image: createImage(8, 8, [0, 0, 0]) };
      const r = await fetch(`${srv.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...episodeHeaders(obs) },
        body: JSON.stringify({ model: 's', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: img } }, { type: 'text', text: prompt }] }] }),
      });
      expect(r.status).toBe(200);
      // it was 'B.': the block the policy reads past was taken off what the client gets
      expect(((await r.json()) as { choices: { message: { content: string } }[] }).choices[0].message.content).toBe(written);
      const [read] = await ScriptedPolicy.fromMap({ [ep.id]: [written] }).act([obs]);
      expect(read.reply).toBe('B.'); // what eval matches (episode/thinking.ts)
    } finally {
      await srv.close();
    }
  });
});

describe('a proxy served (--policy openai:…)', () => {
  it("sends the reasoning its upstream's model wrote as reasoning_content and reasoning, as vLLM does, streamed or not", async () => {
    // before, the reasoning was dropped: the answer alone came through, whether the upstream sent the reasoning in
    // reasoning_content (a reasoning parser) or as a <think> block in its content (none)
    let upstream: Record<string, unknown> = {};
    const up = createServer((req, res) => {
      req.resume().on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ id: 'x', object: 'chat.completion', model: 'm', choices: [{ index: 0, message: { role: 'assistant', ...upstream }, finish_reason: 'stop' }] }));
      });
    });
    await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
    const policy = new HttpPolicy({ baseUrl: `http://127.0.0.1:${(up.address() as AddressInfo).port}/v1`, model: 'm', retries: 0 }, {});
    const srv = await startOpenAIServer({ policy, modelName: 'p', log: () => undefined });
    const ask = async (stream: boolean) => {
      const img = pngDataUrl(createImage(8, 8, [90, 120, 30]));
      const r = await fetch(`${srv.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'p', stream, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: img } }, { type: 'text', text: formatPrompt('Q?', ['a', 'b']) }] }] }),
      });
      expect(r.status).toBe(200);
      if (!stream) return ((await r.json()) as { choices: { message: Record<string, unknown> }[] }).choices[0].message;
      const deltas = (await r.text()).split('\n\n').filter((l) => l.startsWith('data: {')).map((l) => (JSON.parse(l.slice(6)) as { choices: { delta: Record<string, unknown> }[] }).choices[0].delta);
      return deltas;
    };
    try {
      const thought = 'The cat is behind the box, so B.';
      // without a parser, the content is what follows the block, its whitespace kept, as vLLM's parsers send it
      const upstreams = [['a reasoning parser (DeepSeek, vLLM until 0.17)', { content: 'B.', reasoning_content: thought }, 'B.'], ['vLLM since 0.17, Ollama', { content: 'B.', reasoning: thought }, 'B.'], ['no parser', { content: `<think>${thought}</think>\n\nB.` }, '\n\nB.']] as const;
      for (const [how, message, content] of upstreams) {
        upstream = message;
        expect(await ask(false), how).toEqual({ role: 'assistant', content, reasoning_content: thought, reasoning: thought });
        // vLLM streams the reasoning in its own deltas before the content's
        expect(await ask(true), how).toEqual([{ role: 'assistant', reasoning_content: thought, reasoning: thought }, { content }]);
      }
      upstream = { content: 'B.' }; // no reasoning: no field, as before
      expect(await ask(false)).toEqual({ role: 'assistant', content: 'B.' });
      expect(await ask(true)).toEqual([{ role: 'assistant', content: 'B.' }]);
    } finally {
      await srv.close();
      await policy.close();
      await new Promise((r) => up.close(r));
    }
  });

  it("sends its upstream's content as the model wrote it, not the answer askfirst reads in it, and scores that answer", async () => {
    // before, the client got the unwrapped answer: 'B' for 'So it is $\\boxed{B}$.', where vLLM sends the whole text
    let upstream: Record<string, unknown> = {};
    let logprobs: unknown = null;
    const up = createServer((req, res) => {
      req.resume().on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ id: 'x', object: 'chat.completion', model: 'm', choices: [{ index: 0, message: { role: 'assistant', ...upstream }, logprobs, finish_reason: 'stop' }] }));
      });
    });
    await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
    const policy = new HttpPolicy({ baseUrl: `http://127.0.0.1:${(up.address() as AddressInfo).port}/v1`, model: 'm', retries: 0 }, {});
    const srv = await startOpenAIServer({ policy, modelName: 'p', log: () => undefined });
    type Choice = { message: Record<string, unknown>; logprobs: { content: { token: string; logprob: number; top_logprobs: { token: string; logprob: number }[] }[] } | null };
    const ask = async (extra: Record<string, unknown> = {}) => {
      const img = pngDataUrl(createImage(8, 8, [90, 120, 30]));
      const r = await fetch(`${srv.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'p', ...extra, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: img } }, { type: 'text', text: formatPrompt('Q?', ['a', 'b']) }] }] }),
      });
      expect(r.status).toBe(200);
      return ((await r.json()) as { choices: Choice[] }).choices[0];
    };
    try {
      const thought = 'The cat is behind the box.';
      const replies = [
        { content: 'So it is $\\boxed{B}$.' },
        { content: 'The answer is <|begin_of_box|>B<|end_of_box|>.' },
        { content: '<answer>B</answer>' },
        { content: '\n<answer>B</answer>', reasoning_content: thought }, // vLLM's glm45 parser leaves <answer> in content
      ];
      for (const message of replies) {
        upstream = message;
        const { message: got } = await ask();
        expect(got.content, message.content).toBe(message.content);
        const obs: Observation = { episodeId: 'e', kind: 'k', turn: 0, view: 0, question: 'Q?', options: ['a', 'b'], numInterventions: 0, prompt: formatPrompt('Q?', ['a', 'b']), history: [], image: createImage(8, 8, [0, 0, 0]) };
        expect((await policy.act([obs]))[0].reply).toBe('B'); // what askfirst reads in it: unchanged
      }
      // a block in the content (no parser) is moved to the reasoning fields, the rest sent as written
      upstream = { content: `<think>${thought}</think>So it is $\\boxed{B}$.` };
      expect((await ask()).message).toEqual({ role: 'assistant', content: 'So it is $\\boxed{B}$.', reasoning_content: thought, reasoning: thought });
      // the letter scores are the answer's, named by the answer's letter (before this, 'So' at logprob 0 once content was written)
      upstream = { content: 'So it is $\\boxed{B}$.' };
      const at = (token: string, top: [string, number][] = []) => ({ token, logprob: top[0]?.[1] ?? -0.01, top_logprobs: top.map(([t, l]) => ({ token: t, logprob: l })) });
      // (an upstream's chat logprobs are passed on as sent: 'a proxy served …, as a faithful one'; its legacy first-token
      // alternatives, or a reply cut here, get the letter scores)
      logprobs = { content: [at('So'), at(' it'), at(' is'), at(' $\\boxed{'), at('B', [['B', -0.2], ['A', -1.8]]), at('}$.')] };
      expect((await ask({ logprobs: true })).logprobs?.content.map((t) => t.token)).toEqual(['So', ' it', ' is', ' $\\boxed{', 'B', '}$.']);
      logprobs = { top_logprobs: [{ B: -0.2, A: -1.8 }] };
      const { logprobs: lp } = await ask({ logprobs: true });
      expect(lp?.content[0].token).toBe('B');
      expect(lp?.content[0].logprob).toBeCloseTo(-0.2, 6);
      expect(lp?.content[0].top_logprobs.map((t) => t.token)).toEqual(['B', 'A']);
    } finally {
      await srv.close();
      await policy.close();
      await new Promise((r) => up.close(r));
    }
  });

  it("passes on its upstream's usage (reasoning tokens included, as vLLM counts them), and counts words when it sent none or for a reply cut here", async () => {
    // before, a proxied reply's usage was serve's word count of the answer alone: 1 completion token for a reply whose
    // upstream counted 87, its reasoning among them
    let usage: unknown;
    const up = createServer((req, res) => {
      req.resume().on('end', () => {
        res.setHeader('content-type', 'application/json');
        const message = { role: 'assistant', content: 'So it is $\\boxed{B}$.', reasoning_content: 'The cat is behind the box.' };
        res.end(JSON.stringify({ id: 'x', object: 'chat.completion', model: 'm', choices: [{ index: 0, message, finish_reason: 'stop' }], ...(usage !== undefined ? { usage } : {}) }));
      });
    });
    await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
    const policy = new HttpPolicy({ baseUrl: `http://127.0.0.1:${(up.address() as AddressInfo).port}/v1`, model: 'm', retries: 0 }, {});
    const srv = await startOpenAIServer({ policy, modelName: 'p', log: () => undefined });
    const prompt = formatPrompt('Q?', ['a', 'b']);
    const ask = async (extra: Record<string, unknown> = {}) => {
      const img = pngDataUrl(createImage(8, 8, [90, 120, 30]));
      const r = await fetch(`${srv.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'p', ...extra, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: img } }, { type: 'text', text: prompt }] }] }),
      });
      expect(r.status).toBe(200);
      if (!extra.stream) return ((await r.json()) as { usage: unknown }).usage;
      return (await r.text()).split('\n\n').filter((l) => l.startsWith('data: {')).map((l) => (JSON.parse(l.slice(6)) as { usage?: unknown }).usage).at(-1);
    };
    try {
      usage = { prompt_tokens: 1234, completion_tokens: 87, total_tokens: 1321 };
      expect(await ask()).toEqual({ prompt_tokens: 1234, completion_tokens: 87, total_tokens: 1321 });
      expect(await ask({ stream: true, stream_options: { include_usage: true } })).toEqual({ prompt_tokens: 1234, completion_tokens: 87, total_tokens: 1321 });
      // n choices: n upstream requests of one prompt, counted once (as vLLM counts a request's), their completions summed
      expect(await ask({ n: 2 })).toEqual({ prompt_tokens: 1234, completion_tokens: 174, total_tokens: 1408 });
      // the words of the prompt and of the content sent: 'So it is boxed B' is 5 words
      const words = tokenize(prompt).length;
      // cut here ('So it': an upstream that ignored the limit, 87 > 2): the upstream's prompt count, the 2 words sent
      expect(await ask({ max_tokens: 2 })).toEqual({ prompt_tokens: 1234, completion_tokens: 2, total_tokens: 1236 });
      for (const none of [undefined, null, { prompt_tokens: 3 }, { prompt_tokens: -1, completion_tokens: 2 }]) {
        usage = none;
        expect(await ask(), JSON.stringify(none)).toEqual({ prompt_tokens: words, completion_tokens: 5, total_tokens: words + 5 });
      }
    } finally {
      await srv.close();
      await policy.close();
      await new Promise((r) => up.close(r));
    }
  });
});

/**
 * A fake upstream answering every request with `reply(body)`'s choice fields (its `usage`, if any, as the body's; its
 * `refused`, { status, error }, as an error answer instead); the bodies it was sent kept in `sent`. `config`: more of the proxy's HttpPolicy settings (a cache directory).
 */
async function fakeUpstream(reply: (sent: Record<string, unknown>) => Record<string, unknown>, config: Partial<HttpPolicyConfig> = {}) {
  const sent: Record<string, unknown>[] = [];
  const up = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req
      .on('data', (c: Buffer) => chunks.push(c))
      .on('end', () => {
        sent.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
        res.setHeader('content-type', 'application/json');
        const { usage, refused, ...choice } = reply(sent.at(-1)!);
        // a refusal: an OpenAI error body with that status
        if (refused) return void res.writeHead((refused as { status: number }).status).end(JSON.stringify({ error: (refused as { error: unknown }).error }));
        res.end(
          JSON.stringify({
            id: 'x',
            object: 'chat.completion',
            model: 'm',
            choices: [{ index: 0, finish_reason: 'stop', ...choice }],
            ...(usage !== undefined ? { usage } : {}),
          }),
        );
      });
  });
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
  const policy = new HttpPolicy(
    {
      baseUrl: `http://127.0.0.1:${(up.address() as AddressInfo).port}/v1`,
      model: 'm',
      retries: 0,
      ...config,
    },
    {},
  );
  const srv = await startOpenAIServer({ policy, modelName: 'p', log: () => undefined });
  return {
    sent,
    policy,
    srv,
    close: async () => {
      await srv.close();
      await policy.close();
      await new Promise((r) => up.close(r));
    },
  };
}

describe('a proxy served (--policy openai:…), as a faithful one', () => {
  const options = ['a', 'b', 'c'];
  const prompt = formatPrompt('Q?', options);
  const obs: Observation = {
    episodeId: 'e',
    kind: 'k',
    turn: 0,
    view: 0,
    question: 'Q?',
    options,
    numInterventions: 0,
    prompt,
    history: [],
    image: createImage(8, 8, [0, 0, 0]),
  };
  type Choice = {
    message: Record<string, unknown>;
    logprobs: { content: { token: string; top_logprobs: unknown[] }[] } | null;
    finish_reason: string;
  };
  const post = async (url: string, extra: Record<string, unknown>) => {
    const img = pngDataUrl(createImage(8, 8, [90, 120, 30]));
    const r = await fetch(`${url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'p',
        ...extra,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: img } },
              { type: 'text', text: prompt },
            ],
          },
        ],
      }),
    });
    expect(r.status).toBe(200);
    return r;
  };
  const ask = async (url: string, extra: Record<string, unknown> = {}) =>
    ((await (await post(url, extra)).json()) as { choices: Choice[] }).choices[0];
  /** The deltas of a streamed reply's chunks. */
  const deltasOf = async (url: string) =>
    (await (await post(url, { stream: true })).text())
      .split('\n\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => (JSON.parse(l.slice(6)) as { choices: { delta: unknown }[] }).choices[0].delta);
  const at = (token: string, top: [string, number][] = []) => ({
    token,
    logprob: top[0]?.[1] ?? -0.01,
    bytes: null,
    top_logprobs: top.map(([t, l]) => ({ token: t, logprob: l, bytes: null })),
  });
  const letters: [string, number][] = [
    ['B', -0.3],
    ['A', -1.7],
    [' B', -3.1],
    ['C', -4.2],
  ];

  it('gives askfirst eval through it the scores eval reads talking to the upstream directly (its logprobs passed on)', async () => {
    // before, serve sent one letter token at the answer: askfirst's client, which wants the tokens of a reply with
    // reasoning to begin its content, read no scores from 'B. Move the block.' or 'So it is $\\boxed{B}$.'
    let reply: Record<string, unknown> = {};
    const up = await fakeUpstream(() => reply);
    const direct = up.policy;
    const chain = new HttpPolicy({ baseUrl: up.srv.url, model: 'p', retries: 0 }, {});
    try {
      const thought = 'The cat is behind the box.';
      const cases: [string, Record<string, unknown>][] = [
        [
          'the answer then words, with reasoning',
          {
            message: {
              role: 'assistant',
              content: 'B. Move the block.',
              reasoning_content: thought,
            },
            logprobs: {
              content: [at('B', letters), at('.'), at(' Move'), at(' the'), at(' block'), at('.')],
            },
          },
        ],
        [
          'a boxed answer, with reasoning',
          {
            message: { role: 'assistant', content: 'So it is $\\boxed{B}$.', reasoning: thought },
            logprobs: {
              content: [
                at('So'),
                at(' it'),
                at(' is'),
                at(' $\\boxed{'),
                at('B', letters),
                at('}$.'),
              ],
            },
          },
        ],
        [
          "vLLM's, covering the reasoning too",
          {
            message: { role: 'assistant', content: '\n\nB', reasoning_content: thought },
            logprobs: {
              content: [
                at('<think>'),
                at('The'),
                at(' cat'),
                at('</think>'),
                at('\n\n'),
                at('B', letters),
              ],
            },
          },
        ],
        [
          'the bare letter, no reasoning',
          {
            message: { role: 'assistant', content: 'B' },
            logprobs: { content: [at('B', letters)] },
          },
        ],
      ];
      for (const [how, r] of cases) {
        reply = r;
        const want = (await direct.act([obs]))[0].optionLogProbs;
        expect(want, how).toBeDefined();
        expect((await chain.act([obs]))[0].optionLogProbs, how).toEqual(want);
      }
      // as sent, each token's alternatives cut to the request's top_logprobs
      reply = cases[0][1];
      const got = (await ask(up.srv.url, { logprobs: true, top_logprobs: 2 })).logprobs!;
      expect(got.content.map((t) => t.token)).toEqual(['B', '.', ' Move', ' the', ' block', '.']);
      expect(got.content[0].top_logprobs).toEqual([
        { token: 'B', logprob: -0.3, bytes: null },
        { token: 'A', logprob: -1.7, bytes: null },
      ]);
      // an upstream that sent no logprobs: the letter scores at the answer, as before
      reply = { message: { role: 'assistant', content: 'B. Move the block.' }, logprobs: null };
      expect((await ask(up.srv.url, { logprobs: true })).logprobs).toBeNull();
    } finally {
      await chain.close();
      await up.close();
    }
  });

  it("forwards the client's max_tokens and stop upstream, and passes on its finish_reason unless the reply was cut here", async () => {
    // before, the upstream's "length" and "content_filter" were sent as "stop", and neither limit reached it
    let reply: Record<string, unknown> = {};
    const up = await fakeUpstream(() => reply);
    try {
      reply = { message: { role: 'assistant', content: 'B. Move' }, finish_reason: 'length' };
      expect(await ask(up.srv.url, { max_tokens: 3, stop: ['\n'] })).toMatchObject({
        message: { content: 'B. Move' },
        finish_reason: 'length',
      });
      expect(up.sent.at(-1)).toMatchObject({ max_tokens: 3, stop: ['\n'] });
      await ask(up.srv.url, { max_completion_tokens: 7, max_tokens: 3, stop: 'X' });
      expect(up.sent.at(-1)).toMatchObject({ max_tokens: 7, stop: ['X'] }); // max_completion_tokens wins, as vLLM reads them
      await ask(up.srv.url);
      expect(up.sent.at(-1)!.max_tokens).toBe(256); // none asked: the proxy's own --max-tokens
      expect(up.sent.at(-1)).not.toHaveProperty('stop');
      reply = { message: { role: 'assistant', content: '' }, finish_reason: 'content_filter' };
      expect(await ask(up.srv.url)).toMatchObject({ finish_reason: 'content_filter' });
      // an upstream that ignored them: cut here by words, serve's own reason
      reply = {
        message: { role: 'assistant', content: 'B. Move the block.' },
        finish_reason: 'length',
      };
      expect(await ask(up.srv.url, { stop: ' the' })).toMatchObject({
        message: { content: 'B. Move' },
        finish_reason: 'stop',
      });
      reply = {
        message: { role: 'assistant', content: 'B. Move the block.' },
        finish_reason: 'stop',
      };
      expect(await ask(up.srv.url, { max_tokens: 2 })).toMatchObject({
        message: { content: 'B. Move' },
        finish_reason: 'length',
      });
    } finally {
      await up.close();
    }
  });

  it('sends content null after reasoning with nothing after it, as vLLM does', async () => {
    // before, "" (vLLM's reasoning parsers: `return reasoning, content or None`)
    let reply: Record<string, unknown> = {};
    const up = await fakeUpstream(() => reply);
    try {
      for (const content of [null, '']) {
        reply = {
          message: { role: 'assistant', content, reasoning_content: 'Hmm, the cat' },
          finish_reason: 'length',
        };
        expect((await ask(up.srv.url)).message, String(content)).toEqual({
          role: 'assistant',
          content: null,
          reasoning_content: 'Hmm, the cat',
          reasoning: 'Hmm, the cat',
        });
        expect(await deltasOf(up.srv.url)).toEqual([
          { role: 'assistant', reasoning_content: 'Hmm, the cat', reasoning: 'Hmm, the cat' },
          {},
        ]);
      }
      // a block in the content with nothing after it (no parser upstream): null too
      reply = { message: { role: 'assistant', content: '<think>Hmm</think>' } };
      expect((await ask(up.srv.url)).message.content).toBeNull();
      // no reasoning: an empty content stays "", as vLLM sends a reply without a parser
      reply = { message: { role: 'assistant', content: '' } };
      expect((await ask(up.srv.url)).message.content).toBe('');
    } finally {
      await up.close();
    }
  });
});

describe('a proxy served (--policy openai:…): logprobs asked, cached and cut, usage breakdowns', () => {
  const prompt = formatPrompt('Q?', ['a', 'b', 'c']);
  type Lp = { content: { token: string; top_logprobs: { token: string }[] }[] } | null;
  type Reply = { choices: { message: { content: string | null }; logprobs: Lp; finish_reason: string }[]; usage: Record<string, unknown> };
  const messages = () => [{ role: 'user', content: [{ type: 'image_url', image_url: { url: pngDataUrl(createImage(8, 8, [90, 120, 30])) } }, { type: 'text', text: prompt }] }];
  const post = (url: string, extra: Record<string, unknown>) =>
    fetch(`${url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'p', ...extra, messages: messages() }) });
  const send = async (url: string, extra: Record<string, unknown>) => {
    const r = await post(url, extra);
    expect(r.status).toBe(200);
    return r;
  };
  /** The reply, or a streamed one put together as a client would: its content, logprobs and finish_reason, the usage chunk's usage. */
  const ask = async (url: string, extra: Record<string, unknown> = {}, stream = false): Promise<Reply> => {
    if (!stream) return (await (await send(url, extra)).json()) as Reply;
    const chunks = (await (await send(url, { ...extra, stream: true, stream_options: { include_usage: true } })).text())
      .split('\n\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => JSON.parse(l.slice(6)) as { choices: { delta: { content?: string | null }; logprobs: Lp; finish_reason: string | null }[]; usage: Record<string, unknown> | null });
    const choice = chunks.flatMap((k) => k.choices).at(-1)!;
    return { choices: [{ message: { content: choice.delta.content ?? null }, logprobs: choice.logprobs, finish_reason: choice.finish_reason! }], usage: chunks.at(-1)!.usage! };
  };
  const at = (token: string, alts = 20) => ({ token, logprob: -0.1, bytes: null, top_logprobs: Array.from({ length: alts }, (_, i) => ({ token: i ? `t${i}` : token, logprob: -0.1 * (i + 1), bytes: null })) });

  it("forwards the client's logprobs and top_logprobs upstream as it asked them, streamed or not", async () => {
    // before, the upstream was asked for the proxy's own topLogprobs (10) whatever the client asked: top_logprobs 20
    // came back with 10 alternatives, and a client that asked for no logprobs had the upstream asked for them
    const up = await fakeUpstream(() => ({ message: { role: 'assistant', content: 'B' }, logprobs: { content: [at('B')] } }));
    try {
      for (const stream of [false, true]) {
        const got = await ask(up.srv.url, { logprobs: true, top_logprobs: 20 }, stream);
        expect(up.sent.at(-1), `stream ${stream}`).toMatchObject({ logprobs: true, top_logprobs: 20 });
        expect(got.choices[0].logprobs!.content[0].top_logprobs).toHaveLength(20);
        await ask(up.srv.url, { logprobs: true, top_logprobs: 0 }, stream);
        expect(up.sent.at(-1)).toMatchObject({ logprobs: true, top_logprobs: 0 });
        // logprobs alone: top_logprobs left to the upstream's default (0 for OpenAI and vLLM), as the client left it
        await ask(up.srv.url, { logprobs: true }, stream);
        expect(up.sent.at(-1)!.logprobs).toBe(true);
        expect(up.sent.at(-1)).not.toHaveProperty('top_logprobs');
        // none asked: none asked upstream
        expect((await ask(up.srv.url, {}, stream)).choices[0].logprobs).toBeNull();
        expect(up.sent.at(-1)).not.toHaveProperty('logprobs');
        expect(up.sent.at(-1)).not.toHaveProperty('top_logprobs');
      }
    } finally {
      await up.close();
    }
  });

  it("passes on its upstream's refusal of logprobs to every client that asks for them, as a 400 naming the field", async () => {
    // before, the refused request was answered without them ("logprobs": null), and from then on every client's
    // "logprobs": true was dropped before the upstream: asked for logprobs, a client silently got none
    const said = 'logprobs is not supported for this model';
    const up = await fakeUpstream((sent) =>
      'logprobs' in sent ? { refused: { status: 400, error: { message: said, type: 'invalid_request_error', param: 'logprobs', code: null } } } : { message: { role: 'assistant', content: 'B' } },
    );
    try {
      for (let i = 0; i < 2; i++) {
        const r = await post(up.srv.url, { logprobs: true, top_logprobs: 2 });
        expect({ status: r.status, body: await r.json() }, `request ${i}`).toEqual({
          status: 400,
          body: { error: { message: `the upstream model server refused "logprobs" (HTTP 400): ${said}; it gives no log-probabilities here: ask without "logprobs" and "top_logprobs"`, type: 'invalid_request_error', param: 'logprobs', code: 'BAD_INPUT' } },
        });
        expect(up.sent.at(-1)).toMatchObject({ logprobs: true, top_logprobs: 2 }); // asked upstream each time, as the client asked
      }
      expect(up.sent).toHaveLength(2); // never resent without them
      expect((await ask(up.srv.url, {})).choices[0]).toMatchObject({ message: { content: 'B' }, logprobs: null });
      // askfirst eval through the proxy keeps its fallback: refused, it asks again without them, and no more after
      const evalClient = new ChatClient({ baseUrl: up.srv.url, concurrency: 1, timeoutMs: 10_000, retries: 0, backoffMs: 10, maxBackoffMs: 10 });
      try {
        const body = { model: 'p', messages: messages(), logprobs: true, top_logprobs: 10 };
        expect((await evalClient.complete(body)).text).toBe('B');
        expect((await evalClient.complete(body)).text).toBe('B');
        expect(evalClient.stats()).toMatchObject({ requests: 3, logprobsFallbacks: 1, failures: 0 });
      } finally {
        evalClient.close();
      }
    } finally {
      await up.close();
    }
  });

  it("passes on vLLM's refusal of too many alternatives, which names no field, as a 400 naming logprobs, streamed or not", async () => {
    // before, vLLM's words without a param reached the client as "the upstream model server refused this request (HTTP
    // 400)" with param null: askfirst eval through the proxy, which reads param, did not fall back to asking without them
    const said = 'Requested sample logprobs of 20, which is greater than max allowed: 5';
    const up = await fakeUpstream(() => ({ refused: { status: 400, error: { message: said, type: 'BadRequestError', param: null, code: 400 } } }));
    try {
      for (const stream of [false, true]) {
        const r = await post(up.srv.url, { logprobs: true, top_logprobs: 20, ...(stream ? { stream } : {}) });
        expect({ status: r.status, body: await r.json() }, `stream ${stream}`).toEqual({
          status: 400,
          body: { error: { message: `the upstream model server refused "logprobs" (HTTP 400): ${said}; it gives no log-probabilities here: ask without "logprobs" and "top_logprobs"`, type: 'invalid_request_error', param: 'logprobs', code: 'BAD_INPUT' } },
        });
      }
    } finally {
      await up.close();
    }
  });

  it("gives a repeated request its upstream's logprobs from the proxy's response cache, as the first time", async () => {
    // before, the cache kept no token logprobs: the second request came back with one letter token at the answer
    let hits = 0;
    const up = await fakeUpstream(
      () => {
        hits++;
        return { message: { role: 'assistant', content: 'B. Move' }, logprobs: { content: [at('B', 3), at('.', 3), at(' Move', 3)] } };
      },
      { cacheDir: tmpDir('askfirst-proxy-cache') },
    );
    try {
      for (const stream of [false, true]) {
        const first = await ask(up.srv.url, { logprobs: true, top_logprobs: 2 }, stream);
        expect(first.choices[0].logprobs!.content.map((t) => t.token)).toEqual(['B', '.', ' Move']);
        const again = await ask(up.srv.url, { logprobs: true, top_logprobs: 2 }, stream);
        expect({ choices: again.choices, usage: again.usage }, `stream ${stream}`).toEqual({ choices: first.choices, usage: first.usage });
      }
      expect(hits).toBe(1); // the greedy reply came from the cache, its logprobs with it
      // another top_logprobs is another upstream request, not the cached reply's alternatives
      expect((await ask(up.srv.url, { logprobs: true, top_logprobs: 3 })).choices[0].logprobs!.content[0].top_logprobs).toHaveLength(3);
      expect(hits).toBe(2);
    } finally {
      await up.close();
    }
  });

  it("keeps the proxy's response cache within its bound in bytes, however long a reasoning model's replies, streamed or not", async () => {
    // before, the cache had no bound: each entry kept every token of the reply with its alternatives (here about 60 KB),
    // and the folder grew with every new request
    let hits = 0;
    const thinking = Array.from({ length: 60 }, (_, i) => at(` t${i}`, 20));
    const dir = tmpDir('askfirst-proxy-cache-bound');
    const bytes = () => readdirSync(dir).flatMap((d) => readdirSync(join(dir, d)).map((f) => statSync(join(dir, d, f)).size)).reduce((a, b) => a + b, 0);
    const bound = 200_000;
    const up = await fakeUpstream(
      () => {
        hits++;
        return { message: { role: 'assistant', content: 'B', reasoning_content: 'Hmm' }, logprobs: { content: [...thinking, at('B', 20)] } };
      },
      { cacheDir: dir, cacheMaxBytes: bound },
    );
    try {
      for (const stream of [false, true]) {
        for (let top = 0; top <= 20; top++) {
          await ask(up.srv.url, { logprobs: true, top_logprobs: top, ...(stream ? {} : { max_tokens: 1000 }) }, stream); // another request each (max_tokens tells the passes apart upstream)
          expect(bytes(), `stream ${stream}, top_logprobs ${top}`).toBeLessThanOrEqual(bound);
        }
      }
      expect(hits).toBe(42);
      const last = await ask(up.srv.url, { logprobs: true, top_logprobs: 20 }, true);
      expect(hits).toBe(42); // the newest entry is kept: answered from the cache
      expect(last.choices[0].logprobs!.content).toHaveLength(61);
    } finally {
      await up.close();
    }
  });

  it('does not cut again by words a reply its upstream ended at the token limit, and cuts the logprobs where it cuts the content', async () => {
    // before, a reply the upstream ended at max_tokens 2 in its tokens ('B Zürich': 2 tokens, 3 words as usage.ts counts
    // them) was cut again, to 'B Z', its usage and the upstream's logprobs dropped; and a reply cut here (an upstream that
    // ignored the limit) got one letter token at the answer for logprobs, not the upstream's tokens up to the cut
    let reply: Record<string, unknown> = {};
    const up = await fakeUpstream(() => reply);
    const words = tokenize(prompt).length;
    try {
      for (const stream of [false, true]) {
        const how = `stream ${stream}`;
        const upstreamCut = { message: { role: 'assistant', content: 'B Zürich' }, logprobs: { content: [at('B', 2), at(' Zürich', 2)] }, finish_reason: 'length' };
        reply = { ...upstreamCut, usage: { prompt_tokens: 40, completion_tokens: 2, total_tokens: 42 } };
        let got = await ask(up.srv.url, { max_tokens: 2, logprobs: true }, stream);
        expect(got.choices[0], how).toMatchObject({ message: { content: 'B Zürich' }, finish_reason: 'length' });
        expect(got.choices[0].logprobs!.content.map((t) => t.token), how).toEqual(['B', ' Zürich']);
        expect(got.usage, how).toEqual({ prompt_tokens: 40, completion_tokens: 2, total_tokens: 42 });
        reply = upstreamCut; // no usage: its finish_reason "length" says it ended it
        got = await ask(up.srv.url, { max_tokens: 2, logprobs: true }, stream);
        expect(got.choices[0], how).toMatchObject({ message: { content: 'B Zürich' }, finish_reason: 'length' });
        expect(got.usage, how).toEqual({ prompt_tokens: words, completion_tokens: 3, total_tokens: words + 3 }); // the word count, of the whole reply
        // an upstream that ignored the limit (its usage says 6 > 2): cut here by words, the logprobs up to the cut
        const move = [at('<think>', 2), at('Hmm', 2), at('</think>', 2), at('\n\n', 2), at('B', 2), at('.', 2), at(' Move', 2), at(' the', 2), at(' block', 2), at('.', 2)];
        reply = { message: { role: 'assistant', content: '\n\nB. Move the block.', reasoning_content: 'Hmm' }, logprobs: { content: move }, usage: { prompt_tokens: 40, completion_tokens: 10, total_tokens: 50 } };
        got = await ask(up.srv.url, { max_tokens: 2, logprobs: true, top_logprobs: 1 }, stream);
        expect(got.choices[0], how).toMatchObject({ message: { content: '\n\nB. Move' }, finish_reason: 'length' });
        expect(got.choices[0].logprobs!.content.map((t) => t.token), how).toEqual(['<think>', 'Hmm', '</think>', '\n\n', 'B', '.', ' Move']);
        expect(got.choices[0].logprobs!.content.every((t) => t.top_logprobs.length === 1), how).toBe(true);
        // the upstream's count of the prompt it was sent (the client's) (before, the prompt's words too), and of the completion
        // its tokens up to the cut, as its logprobs spell them: the 7 above, its reasoning's among them as vLLM counts them
        // (before, the 2 words sent: 'B', 'Move')
        expect(got.usage, how).toEqual({ prompt_tokens: 40, completion_tokens: 7, total_tokens: 47 });
        // an upstream that sends no logprobs: the words sent within the limit
        const { logprobs: _, ...bare } = reply;
        reply = bare;
        got = await ask(up.srv.url, { max_tokens: 2 }, stream);
        expect(got.choices[0], how).toMatchObject({ message: { content: '\n\nB. Move' }, finish_reason: 'length' });
        expect(got.usage, how).toEqual({ prompt_tokens: 40, completion_tokens: 2, total_tokens: 42 });
        reply = { ...bare, logprobs: { content: move } };
        // a stop it ignored: cut before it, the logprobs too ('B', '.', ' Move': ' the' begins the stop sequence)
        got = await ask(up.srv.url, { stop: ' the', logprobs: true }, stream);
        expect(got.choices[0], how).toMatchObject({ message: { content: '\n\nB. Move' }, finish_reason: 'stop' });
        expect(got.choices[0].logprobs!.content.map((t) => t.token).slice(-3), how).toEqual(['B', '.', ' Move']);
        // tokens that do not spell the content: none of them rather than ones past the cut (no letter scores either here)
        reply = { message: { role: 'assistant', content: 'B. Move the block.' }, logprobs: { content: [at('X', 2)] }, usage: { prompt_tokens: 40, completion_tokens: 10, total_tokens: 50 } };
        expect((await ask(up.srv.url, { max_tokens: 2, logprobs: true }, stream)).choices[0].logprobs, how).toBeNull();
      }
    } finally {
      await up.close();
    }
  });

  it('cuts by words a "length" without usage from an upstream its client\'s limit never reached (--omit-params max_tokens, an --extra-body max_tokens), streamed or not', async () => {
    // before, any "length" without usage was taken for a cut at the client's limit: an upstream sent no limit, or the
    // --extra-body's 1000, cut at its own and the client of max_tokens 2 got all 4 words ('B. Move the block.')
    const long = { message: { role: 'assistant', content: 'B. Move the block.' }, finish_reason: 'length' };
    for (const config of [{ omitParams: ['max_tokens' as const] }, { extraBody: { max_tokens: 1000 } }, { extraBody: { max_completion_tokens: 1000 } }]) {
      const up = await fakeUpstream(() => long, config);
      try {
        for (const stream of [false, true]) {
          const how = `${JSON.stringify(config)} stream ${stream}`;
          const got = await ask(up.srv.url, { max_tokens: 2 }, stream);
          expect(got.choices[0], how).toMatchObject({ message: { content: 'B. Move' }, finish_reason: 'length' });
          expect(got.usage.completion_tokens, how).toBe(2);
        }
      } finally {
        await up.close();
      }
    }
    // a limit sent within the client's (an --extra-body max_tokens of 1): its "length" is the upstream's cut, passed on whole
    const up = await fakeUpstream(() => ({ message: { role: 'assistant', content: 'B Zürich' }, finish_reason: 'length' }), { extraBody: { max_tokens: 1 } });
    try {
      for (const stream of [false, true]) expect((await ask(up.srv.url, { max_tokens: 2 }, stream)).choices[0], `stream ${stream}`).toMatchObject({ message: { content: 'B Zürich' }, finish_reason: 'length' });
      expect(up.sent.at(-1)!.max_tokens).toBe(1);
    } finally {
      await up.close();
    }
  });

  it('passes on "length" from an upstream whose reply is shorter than the limit in words, whole, streamed or not', async () => {
    // the upstream's tokens are not words (more tokens than words, punctuation, a reasoning model's reasoning counts too)
    // and "length" also says its context ran out: the reply was cut short whatever the words say, so it is sent as it
    // came with "length", never as a whole reply ("stop")
    let reply: Record<string, unknown> = {};
    const up = await fakeUpstream(() => reply);
    try {
      for (const stream of [false, true]) {
        const how = `stream ${stream}`;
        for (const usage of [undefined, { prompt_tokens: 40, completion_tokens: 10, total_tokens: 50 }]) {
          reply = { message: { role: 'assistant', content: 'B. Move' }, finish_reason: 'length', ...(usage ? { usage } : {}) };
          const got = await ask(up.srv.url, { max_tokens: 10 }, stream);
          expect(got.choices[0], `${how} ${JSON.stringify(usage)}`).toMatchObject({ message: { content: 'B. Move' }, finish_reason: 'length' });
          if (usage) expect(got.usage, how).toEqual(usage);
        }
        // cut off while thinking (its reasoning counted against the limit): no content, "length"
        reply = { message: { role: 'assistant', content: '', reasoning_content: 'The cat is' }, finish_reason: 'length' };
        expect((await ask(up.srv.url, { max_tokens: 10 }, stream)).choices[0], how).toMatchObject({ message: { content: null }, finish_reason: 'length' });
      }
    } finally {
      await up.close();
    }
  });

  it("passes on its upstream's usage breakdowns (cached_tokens, reasoning_tokens), streamed or not", async () => {
    // before, only the three counts came through: OpenAI's prompt_tokens_details and completion_tokens_details were dropped
    let usage: Record<string, unknown> = {};
    const up = await fakeUpstream(() => ({ message: { role: 'assistant', content: 'B. Move' }, usage }));
    try {
      for (const stream of [false, true]) {
        const how = `stream ${stream}`;
        usage = { prompt_tokens: 1300, completion_tokens: 90, total_tokens: 1390, prompt_tokens_details: { cached_tokens: 1024 }, completion_tokens_details: { reasoning_tokens: 80, accepted_prediction_tokens: 0 } };
        expect((await ask(up.srv.url, {}, stream)).usage, how).toEqual(usage);
        // n choices: the prompt's once (its counts are the first choice's), the completions' summed, as their counts
        expect((await ask(up.srv.url, { n: 2, temperature: 1, seed: 1 }, stream)).usage, how).toEqual({
          prompt_tokens: 1300,
          completion_tokens: 180,
          total_tokens: 1480,
          prompt_tokens_details: { cached_tokens: 1024 },
          completion_tokens_details: { reasoning_tokens: 160, accepted_prediction_tokens: 0 },
        });
        // vLLM's null breakdown (without --enable-prompt-tokens-details): left out, as before
        usage = { prompt_tokens: 1300, completion_tokens: 90, total_tokens: 1390, prompt_tokens_details: null };
        expect((await ask(up.srv.url, {}, stream)).usage, how).toEqual({ prompt_tokens: 1300, completion_tokens: 90, total_tokens: 1390 });
        // cut here (a stop it ignored): the upstream's prompt count and its breakdown kept (before, the prompt's 40 words and
        // none), the completion the words sent ('B': 1), without a breakdown (a word count has none)
        usage = { prompt_tokens: 1300, completion_tokens: 90, total_tokens: 1390, prompt_tokens_details: { cached_tokens: 1024 }, completion_tokens_details: { reasoning_tokens: 80 } };
        expect((await ask(up.srv.url, { stop: ' Move' }, stream)).usage, how).toEqual({ prompt_tokens: 1300, completion_tokens: 1, total_tokens: 1301, prompt_tokens_details: { cached_tokens: 1024 } });
        // cut at the token limit (one the upstream ignored: 90 > 1): the limit's 1 word
        expect((await ask(up.srv.url, { max_tokens: 1 }, stream)).usage, how).toEqual({ prompt_tokens: 1300, completion_tokens: 1, total_tokens: 1301, prompt_tokens_details: { cached_tokens: 1024 } });
      }
    } finally {
      await up.close();
    }
  });
});

describe('n sampled choices from the built-in model', () => {
  it('draws each choice independently, the first as a single sample would', async () => {
    const eps = conformanceEpisodes(1);
    const srv = await startOpenAIServer({ policy: newBuiltin(eps), modelName: 'b', log: () => undefined });
    try {
      const img = pngDataUrl(createImage(8, 8, [90, 120, 30]));
      const options = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
      const ask = async (n: number) => {
        const r = await fetch(`${srv.url}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-askfirst-interventions': '0' },
          body: JSON.stringify({ model: 'b', n, temperature: 1, seed: 3, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: img } }, { type: 'text', text: formatPrompt('Q?', options) }] }] }),
        });
        expect(r.status).toBe(200);
        return ((await r.json()) as { choices: { message: { content: string } }[] }).choices.map((c) => c.message.content);
      };
      const many = await ask(24);
      // the same stream for every choice gave 24 copies of one reply
      expect(new Set(many).size).toBeGreaterThan(2);
      expect(await ask(24)).toEqual(many); // reproducible with the request's seed: each draw has its own seeded stream
      expect(await ask(1)).toEqual([many[0]]);
    } finally {
      await srv.close();
    }
  });
});

// The HTTP client talking to `serve` passes the shared conformance suite (oracle: deterministic; random: with logprobs).
policyConformance('openai client → serve(oracle)', async (eps) => served(new OraclePolicy(eps)), { deterministic: true });
policyConformance('openai client → serve(random)', async () => served(new RandomPolicy(5)));
policyConformance('openai client → serve(builtin)', async (eps) => served(newBuiltin(eps)), { deterministic: true });

describe('historyHeader', () => {
  it('reads [view, reply] pairs and rejects anything else with a message that says what to send', () => {
    expect(historyHeader(undefined)).toBeUndefined();
    expect(historyHeader('[[0,"B. Wait."],[1,"Rewind."]]')).toEqual([
      { view: 0, reply: 'B. Wait.', action: { type: 'unparseable' } },
      { view: 1, reply: 'Rewind.', action: { type: 'unparseable' } },
    ]);
    for (const bad of ['nope', '{"view":0}', '[[0]]', '[["0","x"]]']) expect(() => historyHeader(bad)).toThrow(/JSON array of \[view, reply\] pairs/);
  });
});

describe('greedy parity: in-process vs serve + HTTP client', () => {
  // … plus rail episodes (left and right both valid, 4 views, start in the middle), where a policy
  // can come back to a view it has seen: the loop term then needs the history's views.
  const eps = [
    ...conformanceEpisodes(40),
    ...conformanceEpisodes(6).map((e, k) => ({
      ...e,
      id: `rail-${k}`,
      views: [...e.views, ...e.views].slice(0, 4),
      firstView: 1 + (k % 2),
      referenceView: 3,
      steps: Array.from({ length: 4 }, (_, v) => ({ offered: [0, 1, 2], next: { ...(v > 0 ? { 0: v - 1 } : {}), ...(v < 3 ? { 1: v + 1 } : {}) } as Record<number, number> })),
      maxTurns: 8,
      informative: [false, false, false, true],
      minInterventions: 2 - (k % 2),
    })),
  ];
  const cases: [string, () => Policy, number][] = [
    ['oracle', () => new OraclePolicy(eps), 8],
    ['scripted', () => ScriptedPolicy.fromMap(Object.fromEntries(eps.map((e, i) => [e.id, [['A.', 'B', 'Move the block to the right.'][i % 3], 'star', 'C.']]))), 8],
    // A seeded random policy consumes its stream in call order: one request at a time keeps the order.
    ['random:11', () => new RandomPolicy(11), 1],
  ];
  // The built-in model (fresh weights: parity does not need training); one instance serves both sides.
  const builtin = newBuiltin(eps);
  // Switch on the features fresh weights leave at zero, so parity also covers them: the repeat
  // bonus reads the previous reply (sent in a header), the toward term the image and option words;
  // the loop term (on by default) reads the views and replies of earlier turns (another header).
  builtin.model.gate2.bias!.data.fill(3); // fresh weights never ask; this one often does
  builtin.model.repeatWeight.data[0] = -4; // negative: knowing the previous reply changes the next choice
  builtin.model.whichToward.weight.data.forEach((_, i, a) => (a[i] = Math.sin(i * 12.9898) * 2));
  cases.push(['builtin (fresh weights)', () => builtin, 8]);
  // … and the same weights saved as a checkpoint and loaded back, as `serve --policy builtin:DIR` does.
  const ckpt = join(tmpDir('askfirst-ckpt'), 'final');
  saveBuiltin(ckpt, builtin);
  cases.push(['builtin checkpoint', () => BuiltinPolicy.load(ckpt), 8]);
  for (const [name, make, concurrency] of cases) {
    it(`${name}: identical records in every mode`, async () => {
      for (const mode of ['proactive', 'hint', 'reference'] as const) {
        const direct = await runEpisodes(eps, make(), { mode, loader, batchSize: 16 });
        const { policy, cleanup } = await served(make(), { concurrency });
        try {
          // A seeded random policy needs the lockstep order; deterministic ones run pipelined (the HTTP default).
          const viaHttp = await runEpisodes(eps, policy, { mode, loader, batchSize: 16, pipeline: concurrency > 1 });
          expect(viaHttp).toEqual(direct);
          expect(summarize(viaHttp)).toEqual(summarize(direct));
        } finally {
          await cleanup();
        }
      }
    });
  }
});

/**
 * Audit: clients that ask for `stream: true` and leave — while the policy computes their reply, or once they have read
 * its first bytes. Nothing is left behind: no request counted in flight (each would hold one of --max-concurrent's places
 * for good: here 2, so one left behind turns a later request into a 429), no connection (the stop, which waits for every
 * connection to end, would never resolve), no observation queued (a later request would wait behind it), no listener.
 */
describe('streaming clients that disconnect', () => {
  it('leave nothing behind, and the server goes on serving, then stops', async () => {
    let onCall: (release: () => void) => void = (release) => release();
    const policy: Policy = {
      name: 'held',
      async act(batch) {
        await new Promise<void>((release) => onCall(release));
        return batch.map(() => ({ reply: 'A.' }));
      },
    };
    const srv = await startOpenAIServer({ policy, modelName: 'held', maxConcurrent: 2, log: () => undefined });
    const img = pngDataUrl(createImage(4, 4, [1, 2, 3]));
    const body = JSON.stringify({ model: 'held', stream: true, n: 4, messages: [{ role: 'user', content: [{ type: 'text', text: formatPrompt('Q?', ['a', 'b']) }, { type: 'image_url', image_url: { url: img } }] }] });
    const ask = (signal?: AbortSignal) => fetch(`${srv.url}/chat/completions`, { method: 'POST', body, signal });
    const health = async () => (await (await fetch(srv.url.replace('/v1', '/healthz'))).json()) as { served: number; cancelled: number; batches: number };
    const listeners = () => [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM'), process.listenerCount('exit')];
    const before = listeners();
    const ROUNDS = 20;
    let stopped = false;
    try {
      for (let i = 0; i < ROUNDS; i++) {
        const called = new Promise<() => void>((r) => (onCall = r));
        const client = new AbortController();
        const asked = ask(client.signal).catch((e: unknown) => e);
        const release = await called; // its 4 observations are with the policy
        if (i % 2 === 0) {
          client.abort(); // gone while the policy computes
          expect(await asked).toMatchObject({ name: 'AbortError' });
          await vi.waitFor(() => expect(srv.inFlight()).toBe(0), { timeout: 10_000 }); // the server has seen its connection close
          release();
        } else {
          release();
          const r = (await asked) as Response;
          expect(r.headers.get('content-type')).toMatch(/event-stream/);
          await r.body!.getReader().read(); // the first bytes of the stream
          client.abort(); // gone mid-stream
        }
      }
      onCall = (release) => release();
      // every one of those requests has been handled, and its connection has ended
      await vi.waitFor(async () => expect((await health()).batches).toBe(ROUNDS), { timeout: 10_000 });
      // the replies computed for clients gone meanwhile are not counted as served (before: served 20, cancelled 0)
      await vi.waitFor(async () => expect(await health()).toMatchObject({ served: ROUNDS / 2, cancelled: ROUNDS / 2 }), { timeout: 10_000 });
      await vi.waitFor(() => expect(srv.inFlight()).toBe(0), { timeout: 10_000 });
      // both of --max-concurrent's places are free again, and the batcher's queue holds nothing from them
      const after = await Promise.all([ask(), ask()]);
      expect(after.map((r) => r.status)).toEqual([200, 200]);
      expect((await Promise.all(after.map((r) => r.text()))).every((t) => t.endsWith('data: [DONE]\n\n'))).toBe(true);
      expect((await health()).batches).toBe(ROUNDS + 2);
      expect(listeners()).toEqual(before);
      await srv.stop(); // waits for every connection: one left open would hold it (the test would time out)
      stopped = true;
      expect(srv.inFlight()).toBe(0);
    } finally {
      if (!stopped) await srv.close();
    }
  });
});
