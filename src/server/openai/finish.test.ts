import { describe, expect, it } from 'vitest';
import { firstStop, finishReply, stepEnds } from './finish.js';
import { tokenize } from '../../agents/builtin/vocab.js';

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

  it('the stop sequence completed at the earliest token wins, not the one that starts first (vLLM)', () => {
    // "Move the block" starts first but is completed by the 4th token; "the" by the 3rd
    expect(finishReply(reply, ['Move the block', 'the'], undefined)).toEqual({ content: 'B. Move ', finish_reason: 'stop' });
    // a stop spanning tokens ("the block": tokens 3-4) against one inside the 4th ("lock"): both completed by
    // the 4th token, so the request's list order decides, not where they start
    expect(finishReply(reply, ['lock', 'the block'], undefined)).toEqual({ content: 'B. Move the b', finish_reason: 'stop' });
    expect(finishReply(reply, ['the block', 'lock'], undefined)).toEqual({ content: 'B. Move ', finish_reason: 'stop' });
    // what follows the last token is a step of its own: "eft." is completed by the "." after "left", "ft" by "left"
    expect(finishReply('A. left.', ['eft.', 'ft'], undefined)).toEqual({ content: 'A. le', finish_reason: 'stop' });
  });

  it('overlapping stops completed by the same token: the first in the list wins, cut at its first occurrence', () => {
    expect(finishReply('A. xab', ['b', 'ab'], undefined)).toEqual({ content: 'A. xa', finish_reason: 'stop' });
    expect(finishReply('A. xab', ['ab', 'b'], undefined)).toEqual({ content: 'A. x', finish_reason: 'stop' });
    expect(finishReply(reply, ['ck', 'lock'], undefined)).toEqual({ content: 'B. Move the blo', finish_reason: 'stop' });
    // "b" occurs twice in the token "abab": cut before the first
    expect(finishReply('A. abab', ['b'], undefined)).toEqual({ content: 'A. a', finish_reason: 'stop' });
  });

  it('with max_tokens: the earliest-completed stop within the limit wins; one completed beyond it is never generated', () => {
    expect(finishReply(reply, ['Move the block', 'the'], 4)).toEqual({ content: 'B. Move ', finish_reason: 'stop' });
    expect(finishReply(reply, ['Move the block', 'the'], 3)).toEqual({ content: 'B. Move ', finish_reason: 'stop' });
    expect(finishReply(reply, ['Move the block', 'the'], 2)).toEqual({ content: 'B. Move', finish_reason: 'length' });
    expect(finishReply(reply, ['to the', 'block'], 4)).toEqual({ content: 'B. Move the ', finish_reason: 'stop' });
    expect(finishReply(reply, ['left', 'to the'], 6)).toEqual({ content: 'B. Move the block ', finish_reason: 'stop' });
  });
});

describe('firstStop and stepEnds', () => {
  it('steps end after each token and at the end of the text for what follows the last one', () => {
    expect(stepEnds('B. Move the block.')).toEqual([1, 7, 11, 17, 18]);
    expect(stepEnds('B. Move')).toEqual([1, 7]);
    expect(stepEnds('…')).toEqual([1]);
    expect(stepEnds('')).toEqual([0]);
  });

  it('agrees with feeding the text one step at a time and checking the stops after each, in list order (vLLM\'s loop)', () => {
    // the reference: vLLM's check_stop_strings over the text added by each step
    const stepwise = (text: string, stops: string[]) => {
      let prev = 0;
      for (const end of stepEnds(text)) {
        const seen = text.slice(0, end);
        for (const s of stops) {
          const i = seen.indexOf(s, Math.max(0, prev - s.length + 1));
          if (i >= 0) return { stop: s, at: i };
        }
        prev = end;
      }
      return undefined;
    };
    const alphabet = ['a', 'b', ' ', '.', 'A', 'ab', 'b.'];
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = () => Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
    let differs = 0;
    for (let t = 0; t < 2000; t++) {
      const text = Array.from({ length: Math.floor(rnd() * 8) }, pick).join('');
      const stops = Array.from({ length: 1 + Math.floor(rnd() * 4) }, pick);
      const got = firstStop(text, stops, stepEnds(text));
      expect(got, `${JSON.stringify(text)} ${JSON.stringify(stops)}`).toEqual(stepwise(text, stops));
      // how often the earliest start (the rule this replaced) would have cut elsewhere
      const starts = stops.map((s) => text.indexOf(s)).filter((i) => i >= 0);
      if (got && Math.min(...starts) !== got.at) differs++;
    }
    expect(differs).toBeGreaterThan(0);
  });

  it('steps are the tokens usage counts', () => {
    const text = 'İx yz, a-b 7. ';
    expect(stepEnds(text).length).toBe(tokenize(text).length + 1);
  });
});
