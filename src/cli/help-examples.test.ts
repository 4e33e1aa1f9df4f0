/**
 * Every JSON example an option's --help line gives ("e.g. {…}", "e.g. '{…}'") is read as the command reads that option:
 * eval's --config example as a settings file (withConfigFile, then eval's schema), --extra-body's as its value. An
 * example nothing checks, or one its option would refuse, fails here.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { withConfigFile } from './eval.js';
import { parseExtraBody } from './eval-http.js';
import { evalHttpFields } from './eval-http-schema.js';
import { EvalCommandSchema } from './eval-schema.js';
import { buildProgram } from './main.js';
import { configFromOptions } from './options.js';

/** The JSON objects after "e.g." in `text` (quoted for a shell or not), each to its matching brace. */
function jsonExamples(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/e\.g\.,? '?\{/g)) {
    const start = m.index + m[0].length - 1;
    let depth = 0;
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) {
        out.push(text.slice(start, i + 1));
        break;
      }
    }
  }
  return out;
}

/** How each option with an example reads it, by `command --option` (or `--option` for every command that has it). */
const READERS: Record<string, (example: string) => Promise<unknown>> = {
  'eval --config': async (example) => {
    const file = join(tmpDir('askfirst-help-example'), 'eval.json');
    writeFileSync(file, example);
    // the file as eval reads it; --data and --out are what a config example leaves to the command line
    return configFromOptions(EvalCommandSchema, await withConfigFile({ config: file, data: 'suite:x', out: 'runs/x' }), 'eval');
  },
  '--extra-body': async (example) => {
    expect(evalHttpFields.extraBody.safeParse(example).success).toBe(true);
    return parseExtraBody(example);
  },
};

/** Every command under `program`, with its words (`probe hallucination`). */
function commands(c: Command, words: string[] = []): { name: string; cmd: Command }[] {
  return c.commands.flatMap((s) => [{ name: [...words, s.name()].join(' '), cmd: s }, ...commands(s, [...words, s.name()])]);
}

describe("--help's JSON examples", () => {
  it('finds an example to its closing brace, braces in strings included', () => {
    expect(jsonExamples(`a JSON file (e.g. {"a": {"b": "}"}, "c": 1}); flags win, e.g. '{"x":1}'`)).toEqual(['{"a": {"b": "}"}, "c": 1}', '{"x":1}']);
  });

  it('each one is read as its option reads it, and is accepted', async () => {
    const program = await buildProgram();
    const checked: string[] = [];
    for (const { name, cmd } of commands(program))
      for (const option of cmd.options)
        for (const example of jsonExamples(option.description)) {
          const reader = READERS[`${name} ${option.long}`] ?? READERS[option.long!];
          expect(reader, `${name} ${option.long}'s example ${example}: add how the option reads it to READERS`).toBeDefined();
          expect(() => JSON.parse(example), `${name} ${option.long}: ${example}`).not.toThrow();
          await expect(reader(example), `${name} ${option.long}: ${example}`).resolves.toBeTruthy();
          checked.push(`${name} ${option.long}`);
        }
    expect(checked).toEqual(expect.arrayContaining(['eval --config', 'eval --extra-body', 'probe hallucination --extra-body']));
  });
});
