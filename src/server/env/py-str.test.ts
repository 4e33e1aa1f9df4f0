import { describe, expect, it } from 'vitest';
import { pyRepr, pyStr } from './py-str.js';

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
