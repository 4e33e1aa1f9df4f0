import { describe, expect, it } from 'vitest';
import { cutAtStop, finishReply } from './finish.js';

describe('finishReply: stop sequences and the token limit, whichever comes first', () => {
  const reply = 'B. Move the block to the left.'; // 7 tokens as usage counts them

  it('without a stop or limit (or within them) the reply is whole, finish_reason "stop"', () => {
    expect(finishReply(reply, [], undefined)).toEqual({ content: reply, finish_reason: 'stop' });
    expect(finishReply(reply, ['zz'], 7)).toEqual({ content: reply, finish_reason: 'stop' });
  });

  it('a reply over the limit is cut after its limit-th token, finish_reason "length"', () => {
    expect(finishReply(reply, [], 3)).toEqual({ content: 'B. Move the', finish_reason: 'length' });
    expect(finishReply(reply, [], 1)).toEqual({ content: 'B', finish_reason: 'length' });
  });

  it('a stop sequence within the first limit tokens ends the reply before it, finish_reason "stop"', () => {
    expect(finishReply(reply, ['.'], 3)).toEqual({ content: 'B', finish_reason: 'stop' });
    expect(finishReply(reply, ['the'], 3)).toEqual({ content: 'B. Move ', finish_reason: 'stop' }); // completed by the limit-th token: stop is checked first, as vLLM does
  });

  it('a stop sequence beyond the limit is never reached: the limit ends the reply', () => {
    expect(finishReply(reply, ['block'], 3)).toEqual({ content: 'B. Move the', finish_reason: 'length' });
    expect(finishReply(reply, ['.'], 1)).toEqual({ content: 'B', finish_reason: 'length' }); // the "." would be the next token
    expect(finishReply(reply, ['B. Move'], 1)).toEqual({ content: 'B', finish_reason: 'length' }); // begun, not complete, within the limit
    expect(finishReply(reply, ['block'], undefined)).toEqual({ content: 'B. Move the ', finish_reason: 'stop' });
  });

  it('cutAtStop ends the reply at the earliest stop sequence, left out', () => {
    expect(cutAtStop('A. yes. no', ['no', '.'])).toBe('A');
    expect(cutAtStop('A', ['.'])).toBe('A');
  });
});
