/**
 * With several --policy, each policy's results folder is named from its spec spelled one way (policyOutDirs,
 * registry.ts normalPolicySpec): `builtin:DIR` as `DIR`, `./DIR`, `DIR/` or its absolute path is one folder, so a re-run
 * under another spelling resumes; before, each spelling started afresh in a folder of its own. A run kept under the
 * name its spec was typed as before is still found (by the policy its run.json records) and resumed.
 */
import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newBuiltin, saveBuiltin } from '../agents/builtin/build.js';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { tmpDir } from '../testing/tmp.js';
import { policyOutDirs, runEval } from './eval.js';
import { EvalCommandSchema } from './eval-schema.js';

describe('eval with several --policy names each folder from the policy, not its spelling', () => {
  it('builtin:DIR spelled as DIR, ./DIR, DIR/ or absolute is one folder; a run kept under an old spelling is resumed there', async () => {
    const root = tmpDir('askfirst-eval-dirs');
    const model = join(root, 'runs', 'rl');
    const suite = generateSuite({ episodes: 1, kinds: ['camera'], size: 32 });
    saveBuiltin(join(model, 'final'), newBuiltin(suite));
    const data = join(root, 'suite');
    await writeSuite(data, suite);
    const out = join(root, 'out');
    const rel = relative(process.cwd(), model);
    const spellings = [model, `${model}/`, `${root}/runs/./rl`, rel, `./${rel}/`];
    const named = spellings.map((m) => policyOutDirs(['oracle', `builtin:${m}`], out)[1]);
    expect(new Set(named).size, named.join(' ')).toBe(1); // each spelling had its own folder, e.g. builtin-…_runs_._rl
    const evalAs = (m: string) => runEval(EvalCommandSchema.parse({ policy: ['oracle', `builtin:${m}`], data, out, progress: false, mode: ['proactive'], json: true }), () => {});
    await evalAs(model);
    const folders = readdirSync(out).sort();
    for (const m of spellings.slice(1)) {
      await evalAs(m); // resumed: it wrote no folder of its own
      expect(readdirSync(out).sort(), m).toEqual(folders);
    }
    // a run kept under the name an earlier askfirst gave `builtin:<root>/runs/./rl`: found by the policy it records, and resumed
    const old = join(out, 'builtin-old_spelling');
    renameSync(named[0], old);
    expect(policyOutDirs(['oracle', `builtin:${model}`], out)[1]).toBe(old);
    await evalAs(`${model}/`);
    expect(readdirSync(out).sort()).toEqual(folders.map((f) => (join(out, f) === named[0] ? 'builtin-old_spelling' : f)).sort());
    mkdirSync(named[0]); // once a folder has the name now, it is that one
    expect(policyOutDirs(['oracle', `builtin:${model}`], out)[1]).toBe(named[0]);
  }, 120_000);
});
