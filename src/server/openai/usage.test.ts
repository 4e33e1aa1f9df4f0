import { describe, expect, it } from 'vitest';
import { tokenize } from '../../agents/builtin/vocab.js';
import { cutAtTokens, servedUsage, tokenEnds, usageOf } from './usage.js';

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

describe('cutAtTokens (max_tokens, counted as usage counts)', () => {
  it('keeps a text of at most max tokens whole, and cuts a longer one right after its max-th token', () => {
    expect(cutAtTokens('B. Move the block to the left.', 8)).toEqual({ text: 'B. Move the block to the left.', cut: false });
    expect(cutAtTokens('B. Move the block to the left.', 7)).toEqual({ text: 'B. Move the block to the left.', cut: false });
    expect(cutAtTokens('B. Move the block to the left.', 2)).toEqual({ text: 'B. Move', cut: true });
    expect(cutAtTokens('B. Move', 1)).toEqual({ text: 'B', cut: true }); // the "." after the last kept token goes too
    expect(cutAtTokens('…', 1)).toEqual({ text: '…', cut: false });
    // lower-casing lengthens İ (to i + a combining dot): the cut still falls after whole characters
    expect(cutAtTokens('İx yz', 1)).toEqual({ text: 'İ', cut: true });
    expect(cutAtTokens('a İİ b', 2)).toEqual({ text: 'a İ', cut: true });
  });

  it('a cut text is a prefix holding exactly max tokens, the first max of the whole (random texts)', () => {
    const alphabet = ['a', 'Z', '7', ' ', '.', ',', '\n', 'İ', 'ß', 'K', 'é', '😀', '-'];
    let seed = 1;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let t = 0; t < 500; t++) {
      const text = Array.from({ length: Math.floor(rnd() * 30) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
      const all = tokenize(text);
      expect(tokenEnds(text).map((end, k) => tokenize(text.slice(0, end)).length === k + 1 && /[a-z0-9]/.test([...text.slice(0, end)].at(-1)!.toLowerCase()))).toEqual(all.map(() => true));
      for (let max = 1; max <= all.length + 1; max++) {
        const r = cutAtTokens(text, max);
        expect(text.startsWith(r.text), JSON.stringify(text)).toBe(true);
        expect(r.cut).toBe(all.length > max);
        expect(tokenize(r.text), `${JSON.stringify(text)} at ${max}`).toEqual(all.slice(0, max));
        if (r.cut) expect([...r.text].at(-1)!.toLowerCase(), JSON.stringify(text)).toMatch(/[a-z0-9]/); // nothing after the last token
      }
    }
  });
});

describe("servedUsage (a policy's own counts, else the word count)", () => {
  const messages = [{ role: 'user', content: 'What is it?' }];
  it("sums the choices' completions and counts the prompt once, when every choice has counts and none was cut", () => {
    const own = { promptTokens: 10, completionTokens: 4 };
    expect(servedUsage(messages, ['B.', 'B.'], [own, { ...own, completionTokens: 6 }], [false, false])).toEqual({ prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 });
  });
  it('counts words when a choice has none or none has any', () => {
    const words = usageOf(messages, ['B.', 'B.']);
    expect(words).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
    const own = { promptTokens: 10, completionTokens: 4 };
    expect(servedUsage(messages, ['B.', 'B.'], [own, undefined], [false, false])).toEqual(words);
    expect(servedUsage(messages, ['B.', 'B.'], [undefined, undefined], [true, false])).toEqual(words);
  });
  it("keeps the upstream's prompt count when a reply was cut here, and counts a cut reply by its words sent, at most its own count", () => {
    // before, one cut choice turned the whole usage into a word count: prompt_tokens 1300 became the prompt's 3 words
    const own = { promptTokens: 1300, completionTokens: 90, promptDetails: { cached_tokens: 1024 }, completionDetails: { reasoning_tokens: 80 } };
    expect(servedUsage(messages, ['B. Move the', 'B. Move the block.'], [own, own], [true, false])).toEqual({
      prompt_tokens: 1300,
      completion_tokens: 3 + 90, // the cut one's 3 words sent ('b', 'move', 'the'), the whole one's own 90 tokens
      total_tokens: 1393,
      prompt_tokens_details: { cached_tokens: 1024 }, // the prompt's breakdown still holds
    }); // no completion breakdown: a word count has none
    // a cut prefix holds no more tokens than the whole reply had ("Zürich": one token, two words)
    expect(servedUsage(messages, ['Zürich Zürich'], [{ promptTokens: 1300, completionTokens: 3 }], [true])).toMatchObject({ completion_tokens: 3, total_tokens: 1303 });
  });
  it("counts a cut reply by its upstream's tokens up to the cut when its logprobs gave them, at most its own count; words otherwise", () => {
    // before, always the words sent: 'Zürich Zürich' (2 tokens up to the cut) counted 4
    const own = { promptTokens: 1300, completionTokens: 90 };
    expect(servedUsage(messages, ['Zürich Zürich', 'Zürich Zürich'], [own, own], [true, true], [2, undefined])).toMatchObject({ completion_tokens: 2 + 4 });
    expect(servedUsage(messages, ['B.'], [{ promptTokens: 1300, completionTokens: 5 }], [true], [7])).toMatchObject({ completion_tokens: 5 });
    // a whole reply keeps its own count, whatever is given for it
    expect(servedUsage(messages, ['B.'], [own], [false], [1])).toMatchObject({ completion_tokens: 90 });
    // without the upstream's usage, every count is words (a token count beside word counts would mix units)
    expect(servedUsage(messages, ['Zürich Zürich'], [undefined], [true], [2])).toEqual(usageOf(messages, ['Zürich Zürich']));
  });
});
