import { describe, expect, it } from 'vitest';
import { usageOf } from './usage.js';

describe('usage of a chat completion (a documented word count)', () => {
  it('counts the words of every message text and of every reply; images and punctuation count 0', () => {
    const messages = [
      { role: 'system', content: 'Answer with one letter.' }, // 4
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }, { type: 'text', text: 'What is it? A. cat B. dog' }] }, // 7
      { role: 'assistant', content: 'A. Zoom out.' }, // 3
      { role: 'user', content: [{ type: 'text', text: 'And now, 2nd view?' }, { type: 'image_url', image_url: 'data:image/png;base64,AAAA' }] }, // 4
    ];
    expect(usageOf(messages, ['B.', 'B. dog'])).toEqual({ prompt_tokens: 18, completion_tokens: 3, total_tokens: 21 });
  });

  it('is 0 only for what holds no words, and never fails on a malformed body (the server rejects it elsewhere)', () => {
    expect(usageOf([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }], ['…'])).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    expect(usageOf(undefined, [])).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    expect(usageOf([null, { content: [null, { type: 'text', text: 7 }] }], ['A.'])).toEqual({ prompt_tokens: 0, completion_tokens: 1, total_tokens: 1 });
  });
});
