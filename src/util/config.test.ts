import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { coerceOptions, resolveConfig, schemaOptions } from './config.js';

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
  it('a required field that was not given is named as missing, a given one of the wrong type as the wrong type', () => {
    const R = z.object({ out: z.string().min(1).describe('output dir'), batchSize: z.number().int().describe('batch') });
    expect(() => resolveConfig(R, {}, 'test')).toThrow(/invalid test config:\n {2}- out: required, but not given\n {2}- batch-size: required, but not given$/);
    expect(() => resolveConfig(R, { out: 'o', batchSize: 'many' }, 'test')).toThrow(/batch-size: Invalid input: expected number, received string/);
    const E = z.object({ format: z.enum(['sft', 'dpo']) });
    expect(() => resolveConfig(E, {}, 'test')).toThrow(/- format: required, but not given$/);
    expect(() => resolveConfig(E, { format: 'x' }, 'test')).toThrow(/- format: Invalid option: expected one of "sft"\|"dpo"/);
  });
  it('schema options know which fields are required (no default, not optional)', () => {
    const R = z.object({ out: z.string(), steps: z.number().default(3), note: z.string().optional(), kinds: z.array(z.string()).default([]) });
    expect(Object.fromEntries(schemaOptions(R).map((o) => [o.key, o.required]))).toEqual({ out: true, steps: false, note: false, kinds: false });
  });
});
