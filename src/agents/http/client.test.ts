import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { UpstreamError } from '../../util/errors.js';
import { ChatClient, chatCompletionsUrl, parseChatBody, replyCause, type ChatClientOptions } from './client.js';
import { backoffDelay, parseRetryAfter, retryAfterOf } from './retry.js';
import { canonicalJson, requestKey } from './cache.js';
import { startFaultServer } from '../../testing/fault-server.js';
import { tmpDir } from '../../testing/tmp.js';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number, body: string) => void;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function server(h: Handler): Promise<string> {
  let n = 0;
  const s = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => h(req, res, n++, body));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  closers.push(() => new Promise((r) => { s.closeAllConnections(); s.close(() => r()); }));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/v1`;
}

const ok = (res: ServerResponse, content = 'B.') =>
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ message: { content } }] }));

const opts = (baseUrl: string, o: Partial<ChatClientOptions> = {}): ChatClientOptions => ({
  baseUrl,
  concurrency: 4,
  timeoutMs: 2000,
  retries: 4,
  backoffMs: 5,
  maxBackoffMs: 20,
  ...o,
});
const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 0 };

describe('helpers', () => {
  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 7_000)).toBe(3000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
  it('backoff doubles, is capped and jittered within [d/2, d]', () => {
    expect(backoffDelay(0, 100, 1000, () => 0)).toBe(50);
    expect(backoffDelay(3, 100, 1000, () => 1)).toBe(800);
    expect(backoffDelay(10, 100, 1000, () => 1)).toBe(1000);
  });
  it("keeps a body's usage breakdowns (prompt_tokens_details, completion_tokens_details), their count fields only", () => {
    // before, only prompt_tokens and completion_tokens were kept: a proxy dropped OpenAI's cached_tokens and reasoning_tokens
    const usage = (u: Record<string, unknown>) => parseChatBody(JSON.stringify({ choices: [{ message: { content: 'B' } }], usage: { prompt_tokens: 10, completion_tokens: 4, ...u } })).usage;
    expect(usage({ prompt_tokens_details: { cached_tokens: 8, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 3, accepted_prediction_tokens: 0 } })).toEqual({
      promptTokens: 10,
      completionTokens: 4,
      promptDetails: { cached_tokens: 8, audio_tokens: 0 },
      completionDetails: { reasoning_tokens: 3, accepted_prediction_tokens: 0 },
    });
    // vLLM's null (without --enable-prompt-tokens-details), fields that are not counts, a breakdown with none: left out
    expect(usage({ prompt_tokens_details: null, completion_tokens_details: { reasoning_tokens: -1, note: 'x' } })).toEqual({ promptTokens: 10, completionTokens: 4 });
    expect(usage({ prompt_tokens_details: { cached_tokens: null, audio_tokens: 2 } })).toEqual({ promptTokens: 10, completionTokens: 4, promptDetails: { audio_tokens: 2 } });
  });
  it('parses chat bodies, content parts and both logprob shapes; rejects malformed ones', () => {
    expect(parseChatBody('{"choices":[{"message":{"content":[{"type":"text","text":"A"},{"type":"text","text":"."}]}}]}').text).toBe('A.');
    const r = parseChatBody(JSON.stringify({ choices: [{ message: { content: 'A' }, logprobs: { content: [{ token: 'A', logprob: -0.1, top_logprobs: [{ token: 'A', logprob: -0.1 }, { token: 'B', logprob: -2.4 }] }] } }] }));
    expect(r.firstTokenTop).toEqual([{ token: 'A', logprob: -0.1 }, { token: 'B', logprob: -2.4 }]);
    expect(parseChatBody(JSON.stringify({ choices: [{ message: { content: 'A' }, logprobs: { top_logprobs: [{ A: -0.2 }] } }] })).firstTokenTop).toEqual([{ token: 'A', logprob: -0.2 }]);
    expect(() => parseChatBody('{"choices":[')).toThrow(/not JSON/);
    expect(() => parseChatBody('{"choices":[]}')).toThrow(/choices/);
  });
  it("takes a reasoning model's first answer token, not its reasoning's (SGLang's and vLLM's logprobs cover the <think> span too)", () => {
    const tok = (token: string, tops: [string, number][] = [[token, -0.01]]) => ({ token, logprob: tops[0][1], top_logprobs: tops.map(([t, l]) => ({ token: t, logprob: l })) });
    const answer = tok('B', [['B', -0.1], ['A', -2.5]]);
    const reasoning = [tok('<think>'), tok('Okay', [['Okay', -0.2], ['A', -6]]), tok(' so'), tok('</think>'), tok('\n\n')];
    const parse = (message: Record<string, unknown>, content: unknown[]) => parseChatBody(JSON.stringify({ choices: [{ message, logprobs: { content }, finish_reason: 'stop' }] })).firstTokenTop;
    const want = [{ token: 'B', logprob: -0.1 }, { token: 'A', logprob: -2.5 }];
    // reasoning split off by the server's parser, its tokens still in logprobs
    expect(parse({ content: 'B.', reasoning_content: 'Okay so' }, [...reasoning, answer, tok('.')])).toEqual(want);
    // no parser: the think block is in the content
    expect(parse({ content: '<think>Okay so</think>\n\nB.' }, [...reasoning, answer, tok('.')])).toEqual(want);
    // logprobs aligned with the content, as OpenAI's spec has it (Ollama's "reasoning" field)
    expect(parse({ content: 'B.', reasoning: 'Okay so' }, [answer, tok('.')])).toEqual(want);
    // only reasoning tokens (cut off before the answer, or their end not marked): no scores rather than the reasoning's
    expect(parse({ content: 'B.', reasoning_content: 'Okay so' }, reasoning.slice(0, 3))).toBeUndefined();
    expect(parse({ content: '<think>Okay so' }, reasoning.slice(0, 3))).toBeUndefined();
    // a model without reasoning: its first token, as before
    expect(parse({ content: 'Okay' }, [reasoning[1]])).toEqual([{ token: 'Okay', logprob: -0.2 }, { token: 'A', logprob: -6 }]);
  });
  it("finds the answer's first token and a reply that was all reasoning in every VLM family's reasoning markup", () => {
    // Gemma 4 (<|channel>thought … <channel|>), Kimi-VL (◁think▷ … ◁/think▷), Qwen3.5 (<think> in the prompt, only
    // </think> generated): the scores were the reasoning's first token, an unclosed block was not reasoning-only
    const tok = (token: string, tops: [string, number][] = [[token, -0.01]]) => ({ token, logprob: tops[0][1], top_logprobs: tops.map(([t, l]) => ({ token: t, logprob: l })) });
    const answer = tok('B', [['B', -0.1], ['A', -2.5]]);
    const want = [{ token: 'B', logprob: -0.1 }, { token: 'A', logprob: -2.5 }];
    const parse = (content: string, tokens: unknown[]) => parseChatBody(JSON.stringify({ choices: [{ message: { content }, logprobs: { content: tokens }, finish_reason: 'stop' }] })).firstTokenTop;
    const families: [string, string, string][] = [['<|channel>', 'thought\n', '<channel|>'], ['◁think▷', 'Okay', '◁/think▷'], ['', 'Okay', '</think>']];
    for (const [open, thought, close] of families) {
      const reasoning = [...(open ? [tok(open)] : []), tok(thought, [[thought, -0.2], ['A', -6]]), tok(close), tok('\n\n')];
      expect(parse(`${open}${thought}${close}\n\nB.`, [...reasoning, answer, tok('.')]), close).toEqual(want);
      if (open) expect(parse(`${open}${thought}`, reasoning.slice(0, 2)), open).toBeUndefined();
      const res = parseChatBody(JSON.stringify({ choices: [{ message: { content: `${open}${thought}` }, finish_reason: 'stop' }] }));
      if (open) expect(replyCause(res, res.text), open).toBe('reasoning-only');
      const all = parseChatBody(JSON.stringify({ choices: [{ message: { content: `${open}${thought}${close}` }, finish_reason: 'stop' }] }));
      expect(replyCause(all, ''), close).toBe('reasoning-only');
    }
  });
  it("reads the scores at the answer's first token inside GLM's answer wrappers, not at <answer> or <|begin_of_box|>", () => {
    // GLM-4.1V-Thinking's <answer>, GLM-4.5V's <|begin_of_box|> (one token each): the scores were the wrapper token's alternatives
    const tok = (token: string, tops: [string, number][] = [[token, -0.01]]) => ({ token, logprob: tops[0][1], top_logprobs: tops.map(([t, l]) => ({ token: t, logprob: l })) });
    const answer = tok('B', [['B', -0.1], ['A', -2.5]]);
    const want = [{ token: 'B', logprob: -0.1 }, { token: 'A', logprob: -2.5 }];
    const parse = (content: string, tokens: unknown[], message: Record<string, unknown> = {}) =>
      parseChatBody(JSON.stringify({ choices: [{ message: { content, ...message }, logprobs: { content: tokens }, finish_reason: 'stop' }] })).firstTokenTop;
    const think = [tok('<think>'), tok('Okay', [['Okay', -0.2], ['A', -6]]), tok('</think>'), tok('\n')];
    const wrapped = (open: string, close: string) => [tok(open, [[open, -0.01], ['A', -5]]), tok('\n'), answer, tok('.'), tok(close)];
    for (const [open, close] of [['<answer>', '</answer>'], ['<|begin_of_box|>', '<|end_of_box|>']]) {
      expect(parse(`<think>Okay</think>\n${open}\nB.${close}`, [...think, ...wrapped(open, close)]), open).toEqual(want);
      expect(parse(`${open}\nB.${close}`, wrapped(open, close)), open).toEqual(want); // thinking off
      expect(parse(`${open}\nB.${close}`, wrapped(open, close), { reasoning_content: 'Okay' }), open).toEqual(want); // a reasoning parser split it off
    }
    expect(parse('<think>Okay</think>\n<answer><|begin_of_box|>B.<|end_of_box|></answer>', [...think, tok('<answer>'), tok('<|begin_of_box|>'), answer, tok('.')])).toEqual(want);
    expect(parse(' B.', [tok(' '), answer, tok('.')])).toEqual([{ token: ' ', logprob: -0.01 }]); // no wrapper: the first token, as before
  });
  it("reads the scores inside a box amid text (GLM's, LaTeX's \\boxed{}), where the answer is, not at the reply's first word", () => {
    // "The answer is <|begin_of_box|>B<|end_of_box|>" was scored at "The" (no option named: no scores), or at a word
    // that names an option by chance ("Move" before the box)
    const tok = (token: string, tops: [string, number][] = [[token, -0.01]]) => ({ token, logprob: tops[0][1], top_logprobs: tops.map(([t, l]) => ({ token: t, logprob: l })) });
    const answer = tok('B', [['B', -0.1], ['A', -2.5]]);
    const want = [{ token: 'B', logprob: -0.1 }, { token: 'A', logprob: -2.5 }];
    const parse = (content: string, tokens: unknown[], message: Record<string, unknown> = {}) =>
      parseChatBody(JSON.stringify({ choices: [{ message: { content, ...message }, logprobs: { content: tokens }, finish_reason: 'stop' }] })).firstTokenTop;
    const words = [tok('Move', [['Move', -0.3], ['A', -1.2]]), tok(' it'), tok(' so'), tok(' ')];
    const glm = [...words, tok('<|begin_of_box|>'), answer, tok('<|end_of_box|>'), tok('.')];
    const text = (toks: { token: string }[]) => toks.map((t) => t.token).join('');
    expect(parse(text(glm), glm)).toEqual(want);
    const think = [tok('<think>'), tok('Okay'), tok('</think>'), tok('\n')];
    expect(parse(text([...think, ...glm]), [...think, ...glm])).toEqual(want); // after a reasoning block
    expect(parse(text(glm), glm, { reasoning_content: 'Okay' })).toEqual(want); // the reasoning split off
    const latex = [...words, tok('$\\'), tok('boxed'), tok('{\\'), tok('text'), tok('{B', [['{B', -0.1], ['{A', -2.5], ['{', -4]]), tok('}}$'), tok('.')];
    expect(parse(text(latex), latex)).toEqual(want); // the answer starts inside "{B": the alternatives read without "{"
    const spaced = [...words, tok('\\boxed'), tok('{'), tok(' '), answer, tok('}')];
    expect(parse(text(spaced), spaced)).toEqual(want);
    // two boxes name no answer: read as before, at the first word
    const two = [...glm, tok(' or '), tok('<|begin_of_box|>'), tok('A'), tok('<|end_of_box|>')];
    expect(parse(text(two), two)).toEqual([{ token: 'Move', logprob: -0.3 }, { token: 'A', logprob: -1.2 }]);
  });
  it('says what a 200 without choices held: an error object (proxies such as OpenRouter and LiteLLM send them) or an empty list', async () => {
    expect(() => parseChatBody('{"error":{"message":"Provider returned error","code":502}}')).toThrow('reply has no choices but an error: Provider returned error');
    expect(() => parseChatBody('{"id":"x","choices":[]}')).toThrow('reply has an empty "choices" list');
    const url = await server((_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"error":{"message":"Upstream idle timeout"}}'));
    await expect(new ChatClient(opts(url, { retries: 1 })).complete(body)).rejects.toThrow(/gave up after 2 attempts \(last: reply has no choices but an error: Upstream idle timeout\)/);
  });
  it('says what came instead of a chat completion: the content type and the start of a body that is not JSON (an HTML page: the base URL), of one without choices', async () => {
    const page = '<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>';
    const url = await server((_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
    const e = await new ChatClient(opts(url, { retries: 1 })).complete(body).catch((x: Error) => x);
    expect((e as Error).message).toContain(`gave up after 2 attempts (last: reply is not JSON (text/html, ${page.length} bytes: ${page}); an HTML page answered: is the base URL that of the API (…/v1), not of a web page or proxy?)`);
    expect(() => parseChatBody('{"id":"x","choices":[{"mess')).toThrow('reply is not JSON (27 bytes: {"id":"x","choices":[{"mess)');
    expect(() => parseChatBody('{"id":"x","object":"chat.completion","model":"m"}')).toThrow('reply has no choices[0]: {"id":"x","object":"chat.completion","model":"m"}');
  });
  it('canonical JSON sorts keys so equal requests share a cache key', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    expect(requestKey('u', { a: 1, b: 2 })).toBe(requestKey('u', { b: 2, a: 1 }));
    expect(requestKey('u', { a: 1 })).not.toBe(requestKey('v', { a: 1 }));
  });
});

describe('ChatClient', () => {
  it('retries 500, malformed bodies and network drops, then answers', async () => {
    const url = await server((req, res, n) => {
      if (n === 0) res.writeHead(500).end('{}');
      else if (n === 1) res.writeHead(200).end('{"choices":[{"mess');
      else if (n === 2) req.socket.destroy();
      else ok(res);
    });
    const c = new ChatClient(opts(url));
    expect((await c.complete(body)).text).toBe('B.');
    expect(c.stats()).toMatchObject({ requests: 4, retries: 3, retry5xx: 1, retryMalformed: 1, retryNetwork: 1, failures: 0 });
  });

  it("keeps a base URL's query after the path (Azure OpenAI's ?api-version=)", async () => {
    const seen: string[] = [];
    const url = await server((req, res) => {
      seen.push(req.url!);
      ok(res);
    });
    const c = new ChatClient(opts(`${url.replace(/\/v1$/, '')}/openai/deployments/d?api-version=2024-10-21`));
    expect((await c.complete(body)).text).toBe('B.');
    expect(seen).toEqual(['/openai/deployments/d/chat/completions?api-version=2024-10-21']);
    expect(chatCompletionsUrl('http://h/v1/')).toBe('http://h/v1/chat/completions');
  });

  it("retries as the OpenAI SDK does: 409 too, x-should-retry overrides the status, retry-after-ms before Retry-After", async () => {
    expect(retryAfterOf({ 'retry-after-ms': '250', 'retry-after': '3' })).toBe(250);
    expect(retryAfterOf({ 'retry-after-ms': 'soon', 'retry-after': '3' })).toBe(3000);
    const url = await server((_q, res, n) => {
      if (n === 0) res.writeHead(409, { 'content-type': 'application/json' }).end('{"error":{"message":"lock timeout"}}');
      else if (n === 1) res.writeHead(400, { 'x-should-retry': 'true' }).end('{}');
      else if (n === 2) res.writeHead(429, { 'retry-after-ms': '300', 'retry-after': '30' }).end();
      else ok(res);
    });
    const c = new ChatClient(opts(url));
    const t0 = performance.now();
    expect((await c.complete(body)).text).toBe('B.');
    const waited = performance.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(290); // retry-after-ms, not Retry-After's 30 s
    expect(waited).toBeLessThan(20_000); // not Retry-After's 30 s (the size of this bound is not the point: a loaded machine may be slow)
    expect(c.stats()).toMatchObject({ requests: 4, retries: 3, retryOther: 2, retry429: 1, failures: 0 });
    const refuse = await server((_q, res) => res.writeHead(503, { 'x-should-retry': 'false' }).end('{}'));
    const c2 = new ChatClient(opts(refuse));
    await expect(c2.complete(body)).rejects.toThrow(/HTTP 503/);
    expect(c2.stats()).toMatchObject({ requests: 1, retries: 0, failures: 1 });
  });

  it('backs off by itself for a Retry-After of 0, as for none: it was resent at once, every retry spent in a fraction of a second', async () => {
    const down = await server((_q, res) => res.writeHead(503, { 'retry-after': '0' }).end());
    const said: string[] = [];
    const ctl = new AbortController();
    const c = new ChatClient(opts(down, { backoffMs: 30_000, maxBackoffMs: 30_000, notice: (l) => said.push(l) }));
    const one = c.complete(body, { signal: ctl.signal }).catch((e: Error) => e);
    // our own backoff (15–30 s) is said before the retry is sent; before, the retry came at once and nothing was said
    while (!said.length && c.stats().requests < 2) await new Promise((r) => setTimeout(r, 10));
    ctl.abort();
    await one;
    expect(c.stats().requests).toBe(1);
    expect(said).toEqual([expect.stringMatching(/: HTTP 503; backing off (1[5-9]|2\d|30) s before retry 1 of 4/)]);
  });

  it('honours a Retry-After of a second or more as asked, even where its own backoff would wait longer (as the OpenAI SDK)', { timeout: 30_000 }, async () => {
    let n = 0;
    const busy = await server((_q, res) => (n++ < 4 ? res.writeHead(429, { 'retry-after': '1' }).end() : ok(res)));
    // a first retry delay of 1 s: each of the 4 retries waits the server's 1 s (4 s in all); with the backoff as a floor
    // they waited 1, 1–2, 2–4 and 4–8 s (8 s at least)
    const c = new ChatClient(opts(busy, { backoffMs: 1000, maxBackoffMs: 30_000 }));
    const t0 = Date.now();
    expect((await c.complete(body)).text).toBe('B.');
    expect(c.stats().requests).toBe(5);
    expect(Date.now() - t0).toBeLessThan(7_500);
  });

  it("quotes the start of a 5xx body that is not JSON (a proxy's HTML page) when it gives up, as a refusal's body is quoted: it said only \"HTTP 502\"", async () => {
    const page = '<html>\n<head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx/1.24.0</center></body></html>';
    const url = await server((_q, res) => res.writeHead(502, { 'content-type': 'text/html' }).end(page));
    const c = new ChatClient(opts(url, { retries: 1 }));
    await expect(c.complete(body)).rejects.toThrow(/gave up after 2 attempts \(last: HTTP 502: <html> <head><title>502 Bad Gateway<\/title><\/head> <body>.*nginx\/1\.24\.0.*\); check the server/);
  });

  it('honours Retry-After on 429', async () => {
    const url = await server((_q, res, n) => (n === 0 ? res.writeHead(429, { 'retry-after': '1' }).end() : ok(res)));
    const c = new ChatClient(opts(url));
    const t0 = performance.now();
    await c.complete(body);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(990);
    expect(c.stats().retry429).toBe(1);
  });

  it('says a long wait before a retry once (a server asking for minutes reads as a hung run otherwise), and not a short one', async () => {
    const url = await server((_q, res) => res.writeHead(429, { 'retry-after': '30', 'content-type': 'application/json' }).end('{"error":{"message":"slow down"}}'));
    const said: string[] = [];
    const ctl = new AbortController();
    const c = new ChatClient(opts(url, { notice: (l) => said.push(l) }));
    // three requests in flight hit the limit together; the note comes once, then the run is stopped
    const runs = [1, 2, 3].map(() => c.complete(body, { signal: ctl.signal }).catch((e: Error) => e));
    while (c.stats().retry429 < 3) await new Promise((r) => setTimeout(r, 10));
    ctl.abort();
    await Promise.all(runs);
    expect(said).toEqual([expect.stringMatching(/chat\/completions: HTTP 429 \(rate limited\).*slow down.*; the server asked to wait 30 s \(Retry-After\) before retry 1 of 4/)]);

    const down = await server((_q, res) => res.writeHead(503).end()); // no Retry-After: our own backoff, 15–30 s at first
    const ctl2 = new AbortController();
    const one = new ChatClient(opts(down, { backoffMs: 30_000, maxBackoffMs: 30_000, notice: (l) => said.push(l) })).complete(body, { signal: ctl2.signal }).catch((e: Error) => e);
    while (said.length < 2) await new Promise((r) => setTimeout(r, 10));
    ctl2.abort();
    await one;
    expect(said[1]).toMatch(/: HTTP 503; backing off (1[5-9]|2\d|30) s before retry 1 of 4/);

    const short = await server((_q, res, n) => (n === 0 ? res.writeHead(503).end() : ok(res)));
    const quiet: string[] = [];
    await new ChatClient(opts(short, { notice: (l) => quiet.push(l) })).complete(body);
    expect(quiet).toEqual([]);
  });

  it('times out a hanging request and retries it', async () => {
    // The attempt timer runs on fake time, moved on only until the retry is sent: the answered
    // retry cannot time out however slow a loaded machine is (with a real 150 ms it could).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => void vi.useRealTimers());
    let hung!: () => void;
    const firstArrived = new Promise<void>((r) => (hung = r));
    const url = await server((_q, res, n) => (n === 0 ? hung() : ok(res)));
    const c = new ChatClient(opts(url, { timeoutMs: 150 }));
    const reply = c.complete(body);
    await firstArrived; // the first attempt reached the server, which never answers it
    await vi.advanceTimersByTimeAsync(149);
    expect(c.stats()).toMatchObject({ requests: 1, retryTimeout: 0 }); // not before its timeout
    for (let ms = 149; c.stats().requests < 2; ms++) {
      expect(ms, 'no retry within 1 s of fake time: the attempt did not time out').toBeLessThan(1000);
      await vi.advanceTimersByTimeAsync(1); // the timeout, then the backoff before the retry
      await new Promise((r) => setImmediate(r)); // real I/O, should the abort need any
    }
    expect((await reply).text).toBe('B.');
    expect(c.stats()).toMatchObject({ requests: 2, retryTimeout: 1, retries: 1 });
  });

  it('says a retry after an attempt that waited out a long --timeout (a server that accepts and never answers), not one after a short one', async () => {
    // fake time (the attempt timer, the backoff and the clock that measures the attempt): 30 s pass at once
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    onTestFinished(() => void vi.useRealTimers());
    let arrived = 0;
    const url = await server(() => void arrived++); // never answers
    const said: string[] = [];
    const ctl = new AbortController();
    const c = new ChatClient(opts(url, { timeoutMs: 30_000, retries: 3, notice: (l) => said.push(l) }));
    const reply = c.complete(body, { signal: ctl.signal }).catch((e: Error) => e);
    while (arrived < 1) await new Promise((r) => setImmediate(r));
    await vi.advanceTimersByTimeAsync(29_999);
    expect(said).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(said).toEqual([expect.stringMatching(/\/chat\/completions: no complete reply within 30 s \(--timeout\); backing off 0\.\d s before retry 1 of 3 \(said at most once a minute\)$/)]);
    ctl.abort();
    await reply;
    // the same server with a 2 s timeout: each retry holds the run about 2 s, said by nobody
    const quiet: string[] = [];
    const fast = new ChatClient(opts(url, { timeoutMs: 2000, retries: 1, notice: (l) => quiet.push(l) })).complete(body).catch((e: Error) => e);
    await vi.advanceTimersByTimeAsync(5000);
    expect(((await fast) as Error).message).toMatch(/gave up after 2 attempts \(last: no complete reply within 2 s \(--timeout\)\)/);
    expect(quiet).toEqual([]);
  });

  it('gives up after the configured retries with a message that says what to do', async () => {
    const url = await server((_q, res) => res.writeHead(503).end());
    const c = new ChatClient(opts(url, { retries: 2 }));
    await expect(c.complete(body)).rejects.toThrow(/gave up after 3 attempts.*--retries/);
    expect(c.stats()).toMatchObject({ requests: 3, retries: 2, failures: 1 });
    await expect(new ChatClient(opts(url, { retries: 0 })).complete(body)).rejects.toThrow(/gave up after 1 attempt \(/);
  });

  it('does not retry 401 and points at the API-key variable', async () => {
    const url = await server((_q, res) => res.writeHead(401).end('{"error":"no key"}'));
    const c = new ChatClient(opts(url));
    const e = await c.complete(body).catch((x) => x);
    expect(e).toBeInstanceOf(UpstreamError);
    expect(e.message).toMatch(/401.*api-key-env/);
    expect(c.stats().requests).toBe(1);
  });

  it('says whether a 401 came with no key (set the variable) or with one the server refused', async () => {
    const url = await server((_q, res) => res.writeHead(401).end('{"error":{"message":"Incorrect API key provided"}}'));
    const none = await new ChatClient(opts(url)).complete(body).catch((x) => x);
    expect(none.message).toMatch(/HTTP 401 \(no API key was sent: put it in ASKFIRST_API_KEY or OPENAI_API_KEY, or name its variable with --api-key-env\)/);
    const wrong = await new ChatClient(opts(url, { apiKey: 'sk-wrong-1234' })).complete(body).catch((x) => x);
    expect(wrong.message).toMatch(/HTTP 401 \(the server refused the API key sent: check the key in the variable --api-key-env names/);
  });

  it("does not retry a 404 and says what to fix: the model name (vLLM's, Ollama's, OpenAI's model errors) or the base URL's /v1", async () => {
    const replies: [number, string][] = [
      [404, JSON.stringify({ object: 'error', message: 'The model `qwen` does not exist.', type: 'NotFoundError', param: null, code: 404 })],
      [404, JSON.stringify({ error: { message: 'model "qwen" not found, try pulling it first', type: 'api_error', param: null, code: null } })],
      [404, JSON.stringify({ error: { message: 'The model `qwen` does not exist or you do not have access to it.', type: 'invalid_request_error', param: null, code: 'model_not_found' } })],
    ];
    let i = 0;
    const url = await server((_q, res) => res.writeHead(replies[i][0]).end(replies[i][1]));
    for (; i < replies.length; i++) {
      const c = new ChatClient(opts(url));
      const e = await c.complete({ ...body, model: 'qwen' }).catch((x) => x);
      expect(e).toBeInstanceOf(UpstreamError);
      expect(e.message).toContain(`HTTP 404 (the server has no model "qwen": use a name that GET ${url}/models lists, after the "#" of openai:URL#MODEL; with Ollama, ollama pull it first)`);
      expect(c.stats().requests).toBe(1);
    }
    // Ollama's own root (no /v1) answers its plain-text 404; vLLM's FastAPI {"detail":"Not Found"}
    const root = (await server((_q, res) => res.writeHead(404).end('404 page not found'))).replace(/\/v1$/, '');
    const e1 = await new ChatClient(opts(root)).complete(body).catch((x) => x);
    expect(e1.message).toContain(`HTTP 404 (no chat-completions endpoint at ${root}/chat/completions: OpenAI-compatible servers serve it under /v1, so try openai:${root}/v1#m)`);
    const twice = `${await server((_q, res) => res.writeHead(404).end('{"detail":"Not Found"}'))}/v1`;
    const e2 = await new ChatClient(opts(twice)).complete(body).catch((x) => x);
    expect(e2.message).toContain(`HTTP 404 (no chat-completions endpoint at ${twice}/chat/completions: the base URL repeats /v1, so try openai:${twice.replace(/\/v1$/, '')}#m)`);
  });

  it("does not retry OpenAI's insufficient_quota 429 and says so; other 429/5xx keep the server's message for the give-up line; a 413 points at --max-pixels", async () => {
    const quota = { error: { message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } };
    const q = await server((_q, res) => res.writeHead(429, { 'content-type': 'application/json' }).end(JSON.stringify(quota)));
    const c = new ChatClient(opts(q));
    const e = await c.complete(body).catch((x) => x);
    expect(e).toBeInstanceOf(UpstreamError);
    expect(e.message).toMatch(/HTTP 429 \(the account's quota is used up: add credit or raise its limit; retrying does not help\): .*exceeded your current quota/);
    expect(c.stats()).toMatchObject({ requests: 1, retries: 0, failures: 1 });
    const busy = await server((_q, res) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"Engine is overloaded"}}'));
    await expect(new ChatClient(opts(busy, { retries: 1 })).complete(body)).rejects.toThrow(/gave up after 2 attempts \(last: HTTP 503: Engine is overloaded\)/);
    const big = await server((_q, res) => res.writeHead(413).end('<html>413 Request Entity Too Large</html>'));
    const e413 = await new ChatClient(opts(big)).complete(body).catch((x) => x);
    expect(e413.message).toMatch(/HTTP 413 \(the request is larger than the server accepts: send smaller views with --max-pixels N \(e\.g\. 1000000\), or raise the server's body limit\)/);
  });

  it('does not follow a redirect (a POST would lose its body) and names where to point the base URL instead', async () => {
    const url = await server((_q, res) => res.writeHead(301, { location: 'https://api.example.test/v1/chat/completions' }).end());
    const c = new ChatClient(opts(url));
    const e = await c.complete(body).catch((x) => x);
    expect(e.message).toMatch(/HTTP 301 \(the server redirects to https:\/\/api\.example\.test\/v1\/chat\/completions: use openai:https:\/\/api\.example\.test\/v1#m as the base URL\)/);
    expect(c.stats().requests).toBe(1);
  });

  it('says what a refused connection or an unknown host means when it gives up', async () => {
    const refused = await new ChatClient(opts('http://127.0.0.1:1/v1', { retries: 1 })).complete(body).catch((x) => x);
    expect(refused.message).toMatch(/gave up after 2 attempts \(last: network error: ECONNREFUSED \(nothing listens at 127\.0\.0\.1:1: is the server running, on that port\?\)\)/);
    const unknown = await new ChatClient(opts('http://no-such-host.invalid/v1', { retries: 0 })).complete(body).catch((x) => x);
    expect(unknown.message).toMatch(/network error: (ENOTFOUND|EAI_AGAIN) \(the host no-such-host\.invalid was not found: check the base URL\)/);
  });

  it('does not retry a streamed reply (stream: true in --extra-body, or a gateway that streams by default) and says to send stream: false', async () => {
    const url = await server((_q, res) =>
      res.writeHead(200, { 'content-type': 'text/event-stream' }).end(`data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'B.' } }] })}\n\ndata: [DONE]\n\n`),
    );
    const c = new ChatClient(opts(url));
    const e = await c.complete({ ...body, stream: true }).catch((x) => x);
    expect(e).toBeInstanceOf(UpstreamError);
    expect(e.message).toMatch(/the server streamed its reply \(text\/event-stream\); askfirst reads one JSON reply: remove "stream" from --extra-body, or add "stream": false to it/);
    expect(c.stats()).toMatchObject({ requests: 1, retries: 0, failures: 1 });
  });

  it('redacts the key from error messages even when a server echoes it', async () => {
    const url = await server((req, res) => res.writeHead(403).end(`bad key ${req.headers.authorization}`));
    const c = new ChatClient(opts(url, { apiKey: 'sk-secret-123456' }));
    const e = await c.complete(body).catch((x) => x);
    expect(e.message).toMatch(/403.*Bearer \*\*\*/);
    expect(e.message).not.toContain('sk-secret-123456');
  });

  it("sends the key as a bearer Authorization header, or as Azure OpenAI's api-key header when asked", async () => {
    const seen: (string | undefined)[][] = [];
    const url = await server((req, res) => {
      seen.push([req.headers.authorization, req.headers['api-key'] as string | undefined]);
      ok(res);
    });
    await new ChatClient(opts(url, { apiKey: 'sk-1' })).complete(body);
    await new ChatClient(opts(url, { apiKey: 'sk-2', apiKeyHeader: 'api-key' })).complete(body);
    expect(seen).toEqual([
      ['Bearer sk-1', undefined],
      [undefined, 'sk-2'],
    ]);
  });

  it('stops asking for logprobs when the server refuses them', async () => {
    const url = await server((_q, res, _n, b) => (JSON.parse(b).logprobs ? res.writeHead(400).end('{"error":"logprobs unsupported"}') : ok(res)));
    const c = new ChatClient(opts(url));
    expect((await c.complete({ ...body, logprobs: true, top_logprobs: 5 })).text).toBe('B.');
    expect((await c.complete({ ...body, logprobs: true, top_logprobs: 5 })).text).toBe('B.');
    expect(c.stats()).toMatchObject({ requests: 3, logprobsFallbacks: 1, failures: 0 });
  });

  it('keeps asking for logprobs after a 400 that blames another part of the request (OpenAI names it in param)', async () => {
    const asked: boolean[] = [];
    const url = await server((_q, res, _n, b) => {
      const j = JSON.parse(b);
      asked.push(j.logprobs === true);
      if (j.messages[0].content === 'bad image') res.writeHead(400).end(JSON.stringify({ error: { message: 'Invalid image.', type: 'invalid_request_error', param: 'messages.[0].content.[1].image_url', code: 'invalid_image' } }));
      else ok(res);
    });
    const c = new ChatClient(opts(url));
    const e = await c.complete({ ...body, messages: [{ role: 'user', content: 'bad image' }], logprobs: true, top_logprobs: 5 }).catch((x) => x);
    expect(e).toBeInstanceOf(UpstreamError);
    expect(e.message).toMatch(/HTTP 400.*Invalid image/);
    expect(c.logprobsRefused).toBe(false);
    await c.complete({ ...body, logprobs: true, top_logprobs: 5 });
    expect(asked).toEqual([true, true]);
    expect(c.stats()).toMatchObject({ requests: 2, logprobsFallbacks: 0, failures: 1 });
  });

  it('keeps asking for logprobs after a 400 that names no field and comes back without them too (vLLM: context length)', async () => {
    const asked: boolean[] = [];
    const url = await server((_q, res, _n, b) => {
      const j = JSON.parse(b);
      asked.push(j.logprobs === true);
      if (j.messages[0].content === 'too long') res.writeHead(400).end(JSON.stringify({ object: 'error', message: "This model's maximum context length is 4096 tokens. However, you requested 9000 tokens.", type: 'BadRequestError', param: null, code: 400 }));
      else ok(res);
    });
    const c = new ChatClient(opts(url));
    const e = await c.complete({ ...body, messages: [{ role: 'user', content: 'too long' }], logprobs: true, top_logprobs: 5 }).catch((x) => x);
    expect(e).toBeInstanceOf(UpstreamError);
    expect(e.message).toMatch(/HTTP 400.*maximum context length/);
    // the resend without logprobs was refused as well: logprobs were not the reason, so later requests still ask for them
    expect(c.logprobsRefused).toBe(false);
    await c.complete({ ...body, logprobs: true, top_logprobs: 5 });
    expect(asked).toEqual([true, false, true]);
    expect(c.stats()).toMatchObject({ requests: 3, logprobsFallbacks: 0, failures: 1 });
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    // The server holds each request until three are held (a fixed hold let a loaded machine answer
    // the first before the third arrived, so 3 was never seen), then waits 50 ms for any request
    // beyond the limit before answering the three. A client sending fewer at once is answered
    // after 5 s, so the test fails on its count rather than its timeout.
    let held: ServerResponse[] = [];
    let peak = 0;
    let lonely: NodeJS.Timeout | undefined;
    const answer = () => {
      clearTimeout(lonely);
      const now = held;
      held = [];
      for (const res of now) ok(res);
    };
    const url = await server((_q, res) => {
      held.push(res);
      peak = Math.max(peak, held.length);
      clearTimeout(lonely);
      if (held.length >= 3) setTimeout(answer, 50);
      else lonely = setTimeout(answer, 5000);
    });
    const c = new ChatClient(opts(url, { concurrency: 3 }));
    await Promise.all(Array.from({ length: 12 }, () => c.complete(body)));
    expect(peak).toBe(3);
  });

  it('serves repeated greedy requests from the cache', async () => {
    const fs = await startFaultServer();
    closers.push(fs.close);
    const dir = tmpDir('askfirst-cache');
    const a = new ChatClient(opts(fs.url, { cacheDir: dir }));
    const r1 = await a.complete(body, { cacheable: true });
    const b = new ChatClient(opts(fs.url, { cacheDir: dir }));
    const r2 = await b.complete({ temperature: 0, messages: body.messages, model: 'm' }, { cacheable: true });
    expect(r2).toEqual(r1);
    expect(fs.stats.requests).toBe(1);
    expect(b.stats()).toMatchObject({ cacheHits: 1, requests: 0 });
    await b.complete(body, { cacheable: false });
    expect(fs.stats.requests).toBe(2);
  });

  it("keeps a reply's token logprobs in the cache when they are wanted (keepTokens), and asks again for an entry written without them", async () => {
    // before, they were never cached: a proxy's (serve --policy openai:…) repeated request came back without its upstream's logprobs
    const tokens = [{ token: 'B', logprob: -0.2, top_logprobs: [{ token: 'B', logprob: -0.2 }] }, { token: '.', logprob: -0.01, top_logprobs: [] }];
    let asked = 0;
    const url = await server((_q, res) => {
      asked++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ message: { content: 'B.' }, logprobs: { content: tokens } }] }));
    });
    const c = new ChatClient(opts(url, { cacheDir: tmpDir('askfirst-cache') }));
    expect((await c.complete(body, { cacheable: true })).tokenLogprobs).toEqual(tokens); // fresh: as sent
    expect((await c.complete(body, { cacheable: true })).tokenLogprobs).toBeUndefined(); // not wanted: not kept
    expect(asked).toBe(1);
    // wanted: the entry written without them is a miss, asked again and written over with them
    expect((await c.complete(body, { cacheable: true, keepTokens: true })).tokenLogprobs).toEqual(tokens);
    expect(asked).toBe(2);
    expect(c.stats()).toMatchObject({ cacheHits: 1, cacheMisses: 2 });
    expect(await c.complete(body, { cacheable: true, keepTokens: true })).toEqual(await c.complete(body, { cacheable: true }));
    expect((await c.complete(body, { cacheable: true, keepTokens: true })).tokenLogprobs).toEqual(tokens);
    expect(asked).toBe(2);
  });

  it('a halt (the run failed elsewhere) lets an attempt on the wire end and be read, and sends no new one', async () => {
    const halt = new AbortController();
    const url = await server((_q, res, n) => {
      if (n > 0) return void ok(res, 'late'); // a request sent after the halt
      halt.abort(); // the run fails while this attempt is on the wire, then its reply comes
      ok(res);
    });
    const c = new ChatClient(opts(url));
    await expect(c.complete(body, { halt: halt.signal })).resolves.toMatchObject({ text: 'B.' });
    await expect(c.complete(body, { halt: halt.signal })).rejects.toThrow(/not sent: the run had already failed/);
    expect(c.stats()).toMatchObject({ requests: 1, failures: 0 });
  });

  it('a retry cut short by a halt is not counted, nor its backoff announced (the summary said "1 retried" for none sent)', async () => {
    // halted while the failing attempt is on the wire: no backoff begins, nothing is said
    const halt = new AbortController();
    const said: string[] = [];
    const url = await server((_q, res) => {
      halt.abort();
      res.writeHead(500).end();
    });
    const c = new ChatClient(opts(url, { backoffMs: 30_000, maxBackoffMs: 30_000, notice: (l) => said.push(l) }));
    await expect(c.complete(body, { halt: halt.signal })).rejects.toThrow(/not sent: the run had already failed/);
    expect(said).toEqual([]);
    expect(c.stats()).toMatchObject({ requests: 1, retries: 0, retry5xx: 0, failures: 0 });
    // halted during the backoff (as it is announced): the retry it waited for is never sent, so not counted
    const later = new AbortController();
    const d = new ChatClient(opts(await server((_q, res) => res.writeHead(503).end()), { backoffMs: 30_000, maxBackoffMs: 30_000, notice: (l) => (said.push(l), later.abort()) }));
    await expect(d.complete(body, { halt: later.signal })).rejects.toThrow(/not sent: the run had already failed/);
    expect(said).toEqual([expect.stringMatching(/HTTP 503; backing off \d+ s before retry 1 of 4/)]);
    expect(d.stats()).toMatchObject({ requests: 1, retries: 0, retry5xx: 0, failures: 0 });
    // a retry sent is counted, with its reason
    const e = new ChatClient(opts(await server((_q, res, n) => (n < 2 ? res.writeHead(500).end() : ok(res)))));
    await expect(e.complete(body)).resolves.toMatchObject({ text: 'B.' });
    expect(e.stats()).toMatchObject({ requests: 3, retries: 2, retry5xx: 2, failures: 0 });
  });

  it('an aborted signal stops retrying at once', async () => {
    const url = await server((_q, res) => res.writeHead(500).end());
    const c = new ChatClient(opts(url, { retries: 50, backoffMs: 200, maxBackoffMs: 200 }));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await expect(c.complete(body, { signal: ac.signal })).rejects.toThrow(/aborted/);
  });
});
