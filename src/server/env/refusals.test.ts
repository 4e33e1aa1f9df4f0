import { describe, expect, it } from 'vitest';
import { RefusalLog } from './refusals.js';

describe('RefusalLog', () => {
  it('logs each distinct refusal once, up to the limit, then says further ones are not logged', () => {
    const lines: string[] = [];
    const r = new RefusalLog((m) => lines.push(m), 'POST /x', 2);
    r.note(400, 'a');
    r.note(400, 'a');
    r.note(404, 'b');
    r.note(400, 'c');
    r.note(400, 'd');
    r.note(400, 'a');
    expect(lines).toEqual(['askfirst env serve: refused POST /x (400): a', 'askfirst env serve: refused POST /x (404): b', 'askfirst env serve: 2 different refusals of POST /x logged; further ones are not']);
  });
});
