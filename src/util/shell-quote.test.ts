import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote } from './shell-quote.js';

/** word → how a suggested command writes it */
const CASES: [string | number, string][] = [
  ['runs/demo', 'runs/demo'], // plain paths and specs stay as they are: no existing message changes for them
  ['/tmp/af-x_1/seed-0', '/tmp/af-x_1/seed-0'],
  ['proactivebench:data/test', 'proactivebench:data/test'],
  ['correct=2,guess=-1.5', 'correct=2,guess=-1.5'],
  [7, '7'],
  ['my runs/demo', "'my runs/demo'"],
  ["Bob's suite", "'Bob'\\''s suite'"],
  ['$HOME/x', "'$HOME/x'"],
  ['`date`', "'`date`'"],
  ['a"b', `'a"b'`],
  ['~/runs', "'~/runs'"],
  ['runs/*', "'runs/*'"],
  ['a;rm -rf b', "'a;rm -rf b'"],
  ['tab\there', "'tab\there'"],
  ['line\nbreak', "'line\nbreak'"],
  ['données/中', "'données/中'"],
  ['=cmd', "'=cmd'"],
  ['back\\slash', "'back\\slash'"],
  ['!', "'!'"],
  ['', "''"],
];

describe('shellQuote', () => {
  it('leaves plain words as they are and single-quotes the rest', () => {
    for (const [word, quoted] of CASES) expect(shellQuote(word), JSON.stringify(word)).toBe(quoted);
  });

  it('what it writes, read back by sh, is the word itself', () => {
    const words = CASES.map(([w]) => String(w));
    const out = execFileSync('sh', ['-c', `printf '%s\\0' ${words.map(shellQuote).join(' ')}`], { encoding: 'utf8' });
    expect(out.split('\0').slice(0, -1)).toEqual(words);
  });
});
