/**
 * Every command's --seed is one field, util/config.ts `seedField`: the generators keep 32 bits of a seed (util/rng.ts),
 * so a seed above MAX_SEED was silently another one (`train rl --seed 4294967296` trained seed 0); it is refused with the
 * message `demo --seed` gives, and every seed up to MAX_SEED is taken as before.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { coerceOptions, resolveConfig, schemaOptions } from '../util/config.js';
import { MAX_SEED, Rng, SceneRng } from '../util/rng.js';
import * as rl from '../rl/configs.js';
import * as suite from '../suite/suite-config.js';
import * as feedbackDemo from '../demo/feedback-config.js';
import * as demo from '../demo/config.js';
import * as evalSchema from './eval-schema.js';
import * as rlhf from './feedback-rlhf-schema.js';
import * as feedback from './feedback-schema.js';
import * as serve from './serve-schema.js';
import * as illume from '../feedback/illume-config.js';
import * as probes from '../probes/config.js';
import * as simulate from '../feedback/simulate.js';
import * as model from '../agents/builtin/model-config.js';

const modules = { rl, suite, feedbackDemo, demo, evalSchema, rlhf, feedback, serve, illume, probes, simulate, model };

/** Every exported object schema of those modules that has a `seed` field, by "module.export". */
const withSeed = Object.entries(modules).flatMap(([m, exports]) =>
  Object.entries(exports as Record<string, unknown>)
    .filter(([, v]) => v instanceof z.ZodObject && 'seed' in (v as z.ZodObject).shape)
    .map(([name, v]) => [`${m}.${name}`, v as z.ZodObject] as const),
);

/** The line a schema's `seed` gives for `value` as a config's problem, or '' when it takes it. */
function seedProblem(schema: z.ZodObject, value: number): string {
  try {
    resolveConfig(z.object({ seed: schema.shape.seed as z.ZodType }), { seed: value }, 'test');
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

describe('--seed of every command (util/config.ts seedField)', () => {
  it('finds the schemas (a module that stopped exporting them would make the checks below vacuous)', () => {
    expect(withSeed.length).toBeGreaterThanOrEqual(20);
    expect(withSeed.map(([n]) => n)).toEqual(expect.arrayContaining(['rl.SupervisedConfigSchema', 'rl.PresenceConfigSchema', 'rl.RewardModelConfigSchema', 'rl.GRPOConfigSchema', 'suite.SuiteConfigSchema']));
  });

  it('refuses a seed above 2^32 − 1 everywhere, with the message demo gives (was: 4294967296 taken, and run as seed 0)', () => {
    expect(new Rng(4294967296).nextU32()).toBe(new Rng(0).nextU32()); // why: one stream
    expect(new SceneRng(4294967296).next()).toBe(new SceneRng(0).next());
    for (const [name, schema] of withSeed) {
      expect(seedProblem(schema, MAX_SEED + 1), name).toMatch(/- seed: must be at most 4294967295 \(the generators keep 32 bits of a seed: 4294967296 would be seed 0 again\) \(got 4294967296\)/);
      expect(seedProblem(schema, 2 ** 40), name).toMatch(/must be at most 4294967295/);
    }
  });

  it('takes every seed from 0 to 2^32 − 1 as before, and its default', () => {
    for (const [name, schema] of withSeed) {
      const seed = schema.shape.seed as z.ZodType;
      for (const v of [0, 1, 7, 123456789, MAX_SEED]) expect(seed.parse(v), `${name} ${v}`).toBe(v);
      expect(Number.isInteger(seed.parse(undefined)), name).toBe(true);
      expect(seedProblem(schema, 1.5), name).toMatch(/- seed: /);
      expect(seedProblem(schema, -1), name).toMatch(/- seed: /);
    }
  });

  it('no config schema writes its own seed field any more (one concept, one place)', () => {
    const root = resolve(import.meta.dirname, '..');
    const own: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.ts$/.test(e.name) && !/\.test\.ts$/.test(e.name) && /\bseed: z\.(coerce\.)?number\(/.test(readFileSync(p, 'utf8'))) own.push(relative(root, p));
      }
    };
    walk(root);
    // agents/http: the seed sent to another server (an OpenAI-compatible one's own range); report/results.ts: a file read back
    expect(own.sort()).toEqual(['agents/http/config.ts', 'report/aggregate.ts', 'report/results.ts']);
  });

  it('feedback demo-aggregate --seeds takes plain decimal whole numbers separated by single commas, as demo --seeds (was: 0x10 read as 16, 0,,1 as 0,1)', () => {
    const seeds = (typed: string) => {
      try {
        const raw = coerceOptions(schemaOptions(rlhf.DemoAggregateSchema), { out: 'x', seeds: typed });
        return resolveConfig(rlhf.DemoAggregateSchema, raw, 'feedback demo-aggregate').seeds;
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(seeds('0,1,4294967295')).toEqual([0, 1, 4294967295]);
    expect(seeds('0x10')).toMatch(/seeds\.0: each seed must be a whole number in plain decimal digits/);
    expect(seeds('1e3')).toMatch(/seeds\.0: each seed must be a whole number in plain decimal digits/);
    expect(seeds('0,,1')).toMatch(/seeds: item 2 is empty in "0,,1"/);
    expect(seeds('0,4294967296')).toMatch(/seeds\.1: each seed must be at most 4294967295/);
    expect(seeds(',')).toMatch(/seeds: give at least one seed/);
  });
});
