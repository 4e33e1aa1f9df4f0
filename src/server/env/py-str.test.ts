import { describe, expect, it } from 'vitest';
import { pyRepr, pyStr, pyStrAt } from './py-str.js';

/** [JSON text, Python's repr(json.loads(text))], from CPython 3 (`python3 -c 'print(repr(json.loads(...)))'`). */
const PYTHON: [string, string][] = [
  ['true', 'True'],
  ['false', 'False'],
  ['null', 'None'],
  ['0', '0'],
  ['-7', '-7'],
  ['123456789012345', '123456789012345'],
  ['1.5', '1.5'],
  ['-0.25', '-0.25'],
  ['0.0001', '0.0001'],
  ['0.00001', '1e-05'],
  ['1.5e-7', '1.5e-07'],
  ['123456789.125', '123456789.125'],
  ['2.5e-300', '2.5e-300'],
  ['0.1', '0.1'],
  ['1e400', 'inf'],
  ['-1e400', '-inf'],
  ['[]', '[]'],
  ['{}', '{}'],
  ['[1, "a", true, null]', "[1, 'a', True, None]"],
  ['{"k": 1.5, "b": [false]}', "{'k': 1.5, 'b': [False]}"],
  ['"it\'s"', '"it\'s"'],
  ['"say \\"hi\\""', '\'say "hi"\''],
  ['"both \' and \\""', '\'both \\\' and "\''],
  ['"back\\\\slash"', "'back\\\\slash'"],
  ['"tab\\tnew\\nline\\r"', "'tab\\tnew\\nline\\r'"],
  ['"\\u0000\\u001f\\u007f\\u0085\\u00a0"', "'\\x00\\x1f\\x7f\\x85\\xa0'"],
  ['"caf\\u00e9 \\u4e2d"', "'café 中'"],
  ['"\\u200b\\u2028\\ud800"', "'\\u200b\\u2028\\ud800'"],
  ['"\\ud83d\\ude00"', "'😀'"],
  ['"\\udb80\\udc00"', "'\\U000f0000'"],
  ['["x"]', "['x']"],
];

/**
 * What JSON.parse loses and json.loads keeps: [JSON text, Python's repr(json.loads(text))], from CPython 3 as above.
 * pyRepr of JSON.parse's value differs on each (1, 1000, 0, 12345678901234567000, {'2': 2, 'b': 1}…); pyStrAt reads
 * them from the text.
 */
const FROM_TEXT: [string, string][] = [
  ['1.0', '1.0'],
  ['1e3', '1000.0'],
  ['1E+2', '100.0'],
  ['100e-2', '1.0'],
  ['-0.0', '-0.0'],
  ['12345678901234567890', '12345678901234567890'],
  ['-98765432109876543210', '-98765432109876543210'],
  ['{"b": 1, "2": 2.0}', "{'b': 1, '2': 2.0}"],
  ['{"a": 1, "b": 2, "a": 3.0}', "{'a': 3.0, 'b': 2}"],
  ['[1.0, {"x": 2e0}]', "[1.0, {'x': 2.0}]"],
];

describe('pyStrAt: the value at a path of JSON text, as Python prints what json.loads made of it', () => {
  it.each([...PYTHON, ...FROM_TEXT])('str(json.loads(%s)) is %s', (json, python) => {
    const parsed: unknown = JSON.parse(json);
    expect(pyStrAt(json, [])).toBe(typeof parsed === 'string' ? parsed : python);
    expect(pyStrAt(` { "v" : ${json} } `, ['v'])).toBe(typeof parsed === 'string' ? parsed : python);
  });

  it('what JSON.parse has lost, pyStr cannot print (why pyStrAt reads the text)', () => {
    expect(FROM_TEXT.filter(([json, python]) => pyRepr(JSON.parse(json)) === python)).toEqual([]);
  });

  it('follows the path past values off it (strings with quotes, brackets and escapes), the last of a repeated key', () => {
    const text = '{"a": "x\\\\", "b": {"s": "} ] \\" {", "n": [1, {"q": 2}]}, "params": {"x": [], "session_id": 1.0}}';
    expect(JSON.parse(text)).toMatchObject({ a: 'x\\', params: { session_id: 1 } });
    expect(pyStrAt(text, ['params', 'session_id'])).toBe('1.0');
    expect(pyStrAt(text, ['b', 's'])).toBe('} ] " {');
    expect(pyStrAt(text, ['b', 'n'])).toBe("[1, {'q': 2}]");
    expect(pyStrAt('{"k": 1.0, "k": 2}', ['k'])).toBe('2');
    expect(pyStrAt('{"k": {"j": 1.0}, "k": 5}', ['k', 'j'])).toBeUndefined();
    expect(pyStrAt('{"k": 1}', ['j'])).toBeUndefined();
    expect(pyStrAt('[{"k": 1}]', ['k'])).toBeUndefined();
    expect(pyStrAt('{}', ['k'])).toBeUndefined();
  });
});

describe('pyRepr / pyStr: a JSON value as Python prints it', () => {
  it.each(PYTHON)('repr(json.loads(%s)) is %s', (json, python) => {
    expect(pyRepr(JSON.parse(json))).toBe(python);
  });

  it('str() leaves a string as it is and gives anything else its repr', () => {
    expect(pyStr("it's")).toBe("it's");
    expect(pyStr(true)).toBe('True');
    expect(pyStr([0])).toBe('[0]');
    expect(pyStr({ a: null })).toBe("{'a': None}");
  });
});
