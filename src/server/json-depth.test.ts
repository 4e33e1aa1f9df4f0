/** How deep the JSON `serve` and `env serve` read may nest: checked without recursion, so any depth is safe. */
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, nestedDeeper, parseJson } from './json-depth.js';

const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

describe('nestedDeeper and parseJson', () => {
  it('allow MAX_JSON_DEPTH levels and refuse one more, in arrays and objects alike', () => {
    expect(nestedDeeper(JSON.parse(nested(MAX_JSON_DEPTH)))).toBe(false);
    expect(nestedDeeper(JSON.parse(nested(MAX_JSON_DEPTH + 1)))).toBe(true);
    const objects = (levels: number) => '{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1);
    expect(nestedDeeper(JSON.parse(objects(MAX_JSON_DEPTH)))).toBe(false);
    expect(nestedDeeper(JSON.parse(objects(MAX_JSON_DEPTH + 1)))).toBe(true);
    for (const flat of [null, 1, 'x', [], {}, [1, 'a', null, { b: [2] }]]) expect(nestedDeeper(flat), JSON.stringify(flat)).toBe(false);
  });

  it('check 100,000 levels without overflowing the stack (JSON.stringify of it does), and say why in the error', () => {
    const text = nested(100_000);
    expect(() => JSON.stringify(JSON.parse(text))).toThrow(RangeError);
    expect(() => parseJson(text)).toThrow(new SyntaxError(`JSON nested more than ${MAX_JSON_DEPTH} levels deep (arrays and objects), deeper than any request here needs: send a flatter one`));
    expect(parseJson('{"type":"step","data":{"reply":"B."}}')).toEqual({ type: 'step', data: { reply: 'B.' } });
  });
});
