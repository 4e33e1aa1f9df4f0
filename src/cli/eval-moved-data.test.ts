/**
 * `askfirst eval` on ProactiveBench data that moved: the data fingerprint hashed each entry's file by its full path, so
 * the same data in another folder was "a different run" and its results could not be resumed. A run.json an older
 * askfirst wrote (that fingerprint) still resumes on the data where it was; other data is still refused.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quickDrawEntry, writeProactiveBench } from '../testing/proactivebench-fixture.js';
import { tmpDir } from '../testing/tmp.js';
import { dataFingerprints } from '../suite/fingerprint.js';
import { filterIds } from '../suite/proactivebench/filter.js';
import { loadData } from '../suite/open.js';
import { runEval } from './eval.js';
import { EvalCommandSchema } from './eval-schema.js';

describe('askfirst eval on ProactiveBench data that moved', () => {
  it('resumes on the data moved elsewhere and on an older run.json; refuses other data', async () => {
    const ids = [...filterIds('QuickDraw')!].slice(0, 3);
    const a = await writeProactiveBench('askfirst-eval-moved-a', { 'QuickDraw_preprocessed.jsonl': ids.map((id) => JSON.stringify(quickDrawEntry(id))) }, ['QD/0000.png', 'QD/0001.png']);
    const b = join(tmpDir('askfirst-eval-moved-b'), 'pb');
    cpSync(a, b, { recursive: true });
    const out = tmpDir('askfirst-eval-moved-out');
    const cfg = (d: string) => EvalCommandSchema.parse({ policy: ['oracle'], data: `proactivebench:${d}`, out, progress: false, mode: ['proactive'] });
    const results = join(out, 'proactive', 'results.jsonl');
    const runJson = join(out, 'proactive', 'run.json');
    await runEval(cfg(a), () => {});
    const bytes = readFileSync(results);

    const printed: string[] = [];
    await runEval(cfg(b), (s) => printed.push(s)); // was: "holds results of a different run … dataFingerprint: …"
    expect(printed.join('\n')).toMatch(/3 episodes \(3 resumed from an earlier run\)/);
    expect(readFileSync(results)).toEqual(bytes);

    // a run.json an older askfirst wrote on the data in `a`: its fingerprint hashed the path
    const older = await loadData(`proactivebench:${a}`).then((d) => dataFingerprints(d.episodes, d.dir));
    const run = JSON.parse(readFileSync(runJson, 'utf8'));
    writeFileSync(runJson, JSON.stringify({ ...run, data: `proactivebench:${a}`, dataFingerprint: older.earlier[0] }));
    printed.length = 0;
    await runEval(cfg(a), (s) => printed.push(s));
    expect(printed.join('\n')).toMatch(/3 episodes \(3 resumed from an earlier run\)/);
    expect(JSON.parse(readFileSync(runJson, 'utf8')).dataFingerprint).toBe(older.fingerprint); // kept in today's form
    expect(readFileSync(results)).toEqual(bytes);

    // other data: refused, moved or not
    const f = join(b, 'QuickDraw_preprocessed.jsonl');
    writeFileSync(f, readFileSync(f, 'utf8').replace('What is it?', 'What is this?'));
    await expect(runEval(cfg(b), () => {})).rejects.toThrow(/different run.*dataFingerprint: "sha256:/s);
    writeFileSync(runJson, JSON.stringify({ ...run, data: `proactivebench:${a}`, dataFingerprint: older.earlier[0] }));
    await expect(runEval(cfg(b), () => {})).rejects.toThrow(/different run.*dataFingerprint: "sha256:/s);
  });
});
