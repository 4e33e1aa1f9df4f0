import { describe, expect, it } from 'vitest';
import { firstWordAnswer } from './pope-reply.js';
import { PRESENCE_CANNOT } from '../episode/presence.js';

describe('a presence reply that named no option is read by its first word (POPE-style)', () => {
  it('yes / no in any case, after a reasoning block, markdown or quotes; the ask option without its full stop', () => {
    const cases: [string, string | null][] = [
      ['Yes, there is a cat.', 'yes'],
      ['No.', 'no'],
      ['no', 'no'],
      ['YES', 'yes'],
      ['<think>The picture shows a star.</think>\nYes, there is a star in the image.', 'yes'],
      ['<think>nothing like that</think> No, there is not.', 'no'],
      ['**Yes**', 'yes'],
      ['"No"', 'no'],
      ['I cannot tell from this image', 'cannot'],
      [PRESENCE_CANNOT, 'cannot'],
    ];
    for (const [reply, want] of cases) expect(firstWordAnswer(reply), reply).toBe(want);
  });
  it('anything else stays unparseable: no guessing from later words, an unclosed reasoning block, a word that only starts with yes/no', () => {
    for (const reply of ['Not sure.', 'There is a cat.', 'I think yes', 'Nope', 'Yesterday', 'None', '<think>yes, there is', '', 'D.']) expect(firstWordAnswer(reply), reply).toBeNull();
  });
});
