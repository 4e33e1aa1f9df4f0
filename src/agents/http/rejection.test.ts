import { describe, expect, it } from 'vitest';
import { parseErrorBody, rejectedParam } from './rejection.js';

describe('rejectedParam', () => {
  const sent = { model: 'm', messages: [], logprobs: true, top_logprobs: 20, max_tokens: 16 };
  const blamed = (body: unknown, to: Record<string, unknown> = sent) => rejectedParam(parseErrorBody(JSON.stringify(body)), to);

  it("reads vLLM's refusal of too many alternatives, which names no field, as one of logprobs", () => {
    // before, it named nothing: askfirst serve passed it on as "refused this request (HTTP 400)" without param "logprobs"
    const message = 'Requested sample logprobs of 20, which is greater than max allowed: 5';
    expect(blamed({ object: 'error', message, type: 'BadRequestError', param: null, code: 400 })).toBe('logprobs'); // vLLM's body
    expect(blamed({ error: { message, type: 'BadRequestError', param: null, code: 400 } })).toBe('logprobs'); // its newer shape
    // a request that sent no logprobs is not told to drop them
    expect(blamed({ error: { message } }, { model: 'm', messages: [], max_tokens: 16 })).toBeUndefined();
  });

  it('reads the other servers as they word it, and no more broadly', () => {
    expect(blamed({ error: { message: "Unsupported parameter: 'logprobs' is not supported with this model.", param: 'logprobs' } })).toBe('logprobs'); // OpenAI
    expect(blamed({ error: { message: 'top_logprobs must be between 0 and 20', type: 'invalid_request_error' } })).toBe('top_logprobs'); // Ollama
    expect(blamed({ error: { code: 400, message: 'logprobs is not supported with tools + stream', type: 'invalid_request_error' } })).toBe('logprobs'); // llama.cpp
    // words that mention logprobs without refusing them are no refusal of them (the eval fallback would drop them for good)
    for (const message of [
      "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4984 in the messages, 16 in the completion). Please reduce the length of the messages or completion.",
      'Requested prompt logprobs of 30, which is greater than max allowed: 20',
      'failed to compute logprobs: out of memory',
    ]) {
      expect(blamed({ error: { message, param: null } }), message).toBeUndefined();
    }
  });
});
