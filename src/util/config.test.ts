import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpDir } from '../testing/tmp.js';
import { coerceOptions, InvalidConfigError, numberRange, outFileField, resolveConfig, schemaOptions, SEED_TOO_LARGE, seedField, settingName, SHOWN_OBJECT_CHARS, splitList } from './config.js';

const S = z.object({
  episodes: z.number().int().min(1).default(10).describe('episodes per kind'),
  kinds: z.array(z.enum(['a', 'b'])).default(['a']).describe('kinds'),
  format: z.enum(['x', 'y']).default('x').describe('format'),
  progress: z.boolean().default(true).describe('show progress'),
  out: z.string().optional().describe('output dir'),
});

describe('config schema', () => {
  it('fills defaults and names bad fields', () => {
    expect(resolveConfig(S, {}, 'test')).toEqual({ episodes: 10, kinds: ['a'], format: 'x', progress: true });
    expect(() => resolveConfig(S, { episodes: 0, kinds: ['c'] }, 'test')).toThrow(/episodes[\s\S]*kinds/);
  });
  it('derives CLI options and coerces raw values', () => {
    const opts = schemaOptions(S);
    expect(opts.map((o) => o.flags)).toEqual(['--episodes <n>', '--kinds <a,b,…>', '--format <name>', '--no-progress', '--out <value>']);
    expect(opts[2].choices).toEqual(['x', 'y']);
    const raw = coerceOptions(opts, { episodes: '5', kinds: 'a, b', progress: false });
    expect(resolveConfig(S, raw, 'test')).toMatchObject({ episodes: 5, kinds: ['a', 'b'], progress: false });
    expect(() => resolveConfig(S, coerceOptions(opts, { episodes: 'many' }), 't')).toThrow(/episodes/);
  });
  it('refuses a file --out that is a folder, ends with "/" or lies under a file, when resolved; a missing folder on the way is fine', () => {
    const root = tmpDir('af-outfile');
    mkdirSync(join(root, 'tables'));
    writeFileSync(join(root, 'notes.md'), 'x');
    const F = z.object({ out: outFileField() });
    const why = (out: string) => {
      const r = F.safeParse({ out });
      return r.success ? null : r.error.issues.map((i) => i.message).join('; ');
    };
    expect(why(join(root, 'tables'))).toBe(`${join(root, 'tables')} is a folder; give a file name (one inside it, say)`);
    expect(why(`${join(root, 'new')}/`)).toBe(`${join(root, 'new')}/ names a folder (it ends with "/"); give a file name`);
    expect(why(join(root, 'notes.md', 'sub', 't.md'))).toBe(`${join(root, 'notes.md')} is a file, not a folder, so ${join(root, 'notes.md', 'sub', 't.md')} cannot be written under it; give another path`);
    expect(why(join(root, 'notes.md'))).toBeNull(); // a file: --overwrite's to decide
    expect(why(join(root, 'missing', 'deeper', 't.md'))).toBeNull(); // created by the write
    expect(why('t.md')).toBeNull();
    expect(why('~/t.md')).toMatch(/starts with ~/);
  });
  it("splits a list at commas, but not at one written \\, (an item's own: a label such as \"Qwen, 3B\")", () => {
    expect(splitList('Qwen\\, 3B,Guesser')).toEqual(['Qwen, 3B', 'Guesser']);
    expect(splitList('a, b,,c ')).toEqual(['a', 'b', 'c']);
    expect(splitList('C:\\runs\\x,y')).toEqual(['C:\\runs\\x', 'y']); // any other backslash as typed
    const L = z.object({ labels: z.array(z.string().min(1)).optional() });
    expect(coerceOptions(schemaOptions(L), { labels: 'a\\,b,c' })).toEqual({ labels: ['a,b', 'c'] });
  });
  it('refuses an empty item in any list option, naming its position (was: dropped silently for every list but --seeds: `occlusion,,camera` ran as `occlusion,camera`)', () => {
    const L = z.object({ kinds: z.array(z.string()).optional(), labels: z.array(z.string().min(1)).min(1).default(['x']) });
    const opts = schemaOptions(L);
    const why = (raw: Record<string, unknown>) => {
      try {
        coerceOptions(opts, raw, 'test');
        return null;
      } catch (e) {
        return e instanceof InvalidConfigError ? e.describe(settingName, 'bad') : String(e);
      }
    };
    expect(why({ kinds: 'occlusion,,camera' })).toBe('kinds: item 2 is empty in "occlusion,,camera" (two commas in a row, or one at either end): separate the items with single commas, e.g. occlusion,camera');
    expect(why({ kinds: 'occlusion,' })).toMatch(/^kinds: item 2 is empty in "occlusion,"/);
    expect(why({ kinds: ',a, ,b,' })).toMatch(/^kinds: items 1, 3 and 5 are empty in ",a, ,b,"/); // an item of spaces is empty too
    expect(why({ labels: 'Qwen\\, 3B,,Guesser' })).toMatch(/^labels: item 2 is empty .* e\.g\. Qwen\\, 3B,Guesser$/); // an item's own comma stays \,
    // taken: a list typed right, an item's own comma, and only empty items (the list's own "give at least one" refuses those)
    expect(coerceOptions(opts, { kinds: 'a, b', labels: 'a\\,,b' })).toEqual({ kinds: ['a', 'b'], labels: ['a,', 'b'] });
    expect(why({ kinds: ',' })).toBeNull();
    expect(() => resolveConfig(L, coerceOptions(opts, { labels: ',' }), 't')).toThrow(/labels: needs at least 1 value \(got ","\)/); // was: (got )
  });
  it('reads a number option in decimal only: "0x10", "0b11", "" and "Infinity" are refused by name, not read as 16, 3, 0 or ∞', () => {
    const opts = schemaOptions(z.object({ x: z.number().describe('x') }));
    for (const [typed, n] of [['3', 3], ['-0.5', -0.5], ['3e-4', 3e-4], ['+2', 2], ['.5', 0.5], ['7.', 7], [' 8 ', 8]] as const) expect(coerceOptions(opts, { x: typed }).x, typed).toBe(n);
    for (const typed of ['0x10', '0b11', '0o7', '', ' ', 'Infinity', '1e999', '1_000', '1,5']) {
      expect(coerceOptions(opts, { x: typed }).x, typed).toBe(typed);
      expect(() => resolveConfig(z.object({ x: z.number() }), coerceOptions(opts, { x: typed }), 't'), typed).toThrow(/x: must be a number/);
    }
  });
  it('a required field that was not given is named as missing, a given one of the wrong type as the wrong type', () => {
    const R = z.object({ out: z.string().min(1).describe('output dir'), batchSize: z.number().int().describe('batch') });
    expect(() => resolveConfig(R, {}, 'test')).toThrow(/invalid test config:\n {2}- out: required, but not given\n {2}- batch-size: required, but not given$/);
    expect(() => resolveConfig(R, { out: 'o', batchSize: 'many' }, 'test')).toThrow(/batch-size: must be a number \(got "many"\)/);
    const E = z.object({ format: z.enum(['sft', 'dpo']) });
    expect(() => resolveConfig(E, {}, 'test')).toThrow(/- format: required, but not given$/);
    expect(() => resolveConfig(E, { format: 'x' }, 'test')).toThrow(/- format: must be one of sft, dpo \(got "x"\)/);
  });
  it('schema options know which fields are required (no default, not optional)', () => {
    const R = z.object({ out: z.string(), steps: z.number().default(3), note: z.string().optional(), kinds: z.array(z.string()).default([]) });
    expect(Object.fromEntries(schemaOptions(R).map((o) => [o.key, o.required]))).toEqual({ out: true, steps: false, note: false, kinds: false });
  });
  it('says in plain words what is allowed and what was given; a schema\'s own message wins', () => {
    const N = z.object({
      steps: z.number().int().min(1).default(1),
      lr: z.number().positive().max(1).default(0.1),
      name: z.string().min(1).optional(),
      kinds: z.array(z.enum(['a', 'b'])).default([]),
      seed: z.number().min(0, { error: 'seeds are 0 or more' }).default(0),
    });
    const msg = (p: unknown) => {
      try {
        resolveConfig(N, p, 't');
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    };
    expect(msg({ steps: 0 })).toBe('invalid t config:\n  - steps: must be at least 1 (got 0)');
    expect(msg({ steps: 2.5 })).toMatch(/steps: must be a whole number \(got 2\.5\)/);
    expect(msg({ lr: 0 })).toMatch(/lr: must be more than 0 \(got 0\)/);
    expect(msg({ lr: 3 })).toMatch(/lr: must be at most 1 \(got 3\)/);
    expect(msg({ name: '' })).toMatch(/name: must not be empty \(got ""\)/);
    expect(msg({ kinds: ['a', 'c'] })).toMatch(/kinds\.1: must be one of a, b \(got "c"\)$/);
    const E = z.object({ kinds: z.array(z.enum(['occlusion', 'sketch'])).default([]) });
    expect(() => resolveConfig(E, { kinds: ['ocluson'] }, 't')).toThrow(/kinds\.0: must be one of occlusion, sketch \(got "ocluson"\) \(Did you mean occlusion\?\)$/);
    expect(msg({ seed: -1 })).toMatch(/seed: seeds are 0 or more \(got -1\)/);
    // an object where a value is expected (suite.json `kinds: [{}]`) read "(got [object Object])": short JSON now, cut
    expect(msg({ kinds: [{}] })).toMatch(/kinds\.0: .* \(got \{\}\)$/);
    expect(msg({ name: { first: 'a' } })).toMatch(/name: must be text \(got \{"first":"a"\}\)$/);
    const long = msg({ name: { text: 'x'.repeat(500) } });
    expect(long).toContain(`(got {"text":"${'x'.repeat(SHOWN_OBJECT_CHARS - 10)}…)`);
    expect(long.length).toBeLessThan(SHOWN_OBJECT_CHARS + 60);
  });
  it('says one problem of a kind once per field: a seed of 1e20 broke two upper bounds and was told both, the second no help', () => {
    const seeds = z.object({ seed: seedField().default(0) });
    const e = (() => {
      try {
        resolveConfig(seeds, { seed: 1e20 }, 'x');
      } catch (err) {
        return err as InvalidConfigError;
      }
    })();
    expect(e?.issues.map((i) => i.message)).toEqual([`${SEED_TOO_LARGE} (got 100000000000000000000)`]);
    expect(e?.message).not.toMatch(/9007199254740991/);
    // different problems of one field, or one problem of different fields, are each still said
    const two = z.object({ a: z.number().int().min(1), b: z.number().int().min(1) });
    expect(() => resolveConfig(two, { a: 0.5, b: 0 }, 'x')).toThrow(/a: must be a whole number \(got 0\.5\)[\s\S]*b: must be at least 1/);
    // a refinement's own problems are each said (two malformed --reward-weights items were one line, the second found next run)
    const items = z.object({
      w: z.array(z.string()).superRefine((v, ctx) => {
        for (const item of v) if (!item.includes('=')) ctx.addIssue({ code: 'custom', message: `${item} is not name=weight` });
      }),
    });
    expect(() => resolveConfig(items, { w: ['foo', 'bar'] }, 'x')).toThrow(/foo is not name=weight[\s\S]*bar is not name=weight/);
  });
  it("says a number's range for --help from its own checks, inclusive or not, whole or not", () => {
    expect(numberRange(z.number().int().min(1))).toBe('whole, at least 1');
    expect(numberRange(z.number().min(0).max(1))).toBe('0 to 1');
    expect(numberRange(z.number().gt(0).max(1))).toBe('above 0 and at most 1');
    expect(numberRange(z.number().min(0).lt(1))).toBe('at least 0 and below 1');
    expect(numberRange(z.number().min(0).min(2).max(9).max(5))).toBe('2 to 5'); // the tightest of each
    expect(numberRange(seedField())).toBe('whole, 0 to 4294967295');
    expect(numberRange(z.number())).toBeUndefined();
    expect(numberRange(z.number().int())).toBeUndefined(); // whole, but unbounded: nothing worth a line
    expect(schemaOptions(z.object({ n: z.number().int().min(1).default(3) }))[0].range).toBe('whole, at least 1');
  });
  it('keeps its problems as data, so a caller can name the fields its own way (the CLI: by flag)', () => {
    const R = z.object({ batchSize: z.number().int().min(1), out: z.string() });
    let err: unknown;
    try {
      resolveConfig(R, { batchSize: 0 }, 'test');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidConfigError);
    const e = err as InvalidConfigError;
    expect(e.issues.map((i) => i.path)).toEqual([['batchSize'], ['out']]);
    expect(e.describe((p) => `--${String(p[0])}`, 'bad options')).toBe('bad options:\n  - --batchSize: must be at least 1 (got 0)\n  - --out: required, but not given');
    const one = new InvalidConfigError('x', [{ path: ['warmupSteps'], message: (name) => `must be below ${name('steps')}` }]);
    expect(one.message).toBe('invalid x config:\n  - warmup-steps: must be below steps');
    expect(one.describe((p) => `--${String(p[0])}`, 'unused for one problem')).toBe('--warmupSteps: must be below --steps');
  });
});
