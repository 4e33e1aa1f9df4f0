/**
 * `askfirst eval` on ProactiveBench data that moved: the data fingerprint hashed each entry's file by its full path, so
 * the same data in another folder was "a different run" and its results could not be resumed. A run.json an older
 * askfirst wrote (that fingerprint) still resumes on the data where it was; other data is still refused.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeQuickDraw } from '../testing/proactivebench-fixture.js';
import { tmpDir } from '../testing/tmp.js';
import { dataFingerprints } from '../suite/fingerprint.js';
import { loadData } from '../suite/open.js';
import { runEval } from './eval.js';
import { EvalCommandSchema } from './eval-schema.js';
import { readEvalRun, renderEvalReport } from '../report/eval-report.js';

describe('askfirst eval on ProactiveBench data that moved', () => {
  it('resumes on the data moved elsewhere and on an older run.json; refuses other data', async () => {
    const a = await writeQuickDraw('askfirst-eval-moved-a');
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

  it('askfirst report: a run an older askfirst made on the same ProactiveBench data is not "other data" beside a newer one; where it cannot tell, it says why and how to re-run', async () => {
    const a = await writeQuickDraw('askfirst-report-form');
    const [outA, outB] = [tmpDir('askfirst-report-form-a'), tmpDir('askfirst-report-form-b')];
    const cfg = (out: string) => EvalCommandSchema.parse({ policy: ['oracle'], data: `proactivebench:${a}`, out, progress: false, mode: ['proactive'] });
    await runEval(cfg(outA), () => {});
    await runEval(cfg(outB), () => {});
    const older = await loadData(`proactivebench:${a}`).then((d) => dataFingerprints(d.episodes, d.dir));
    const summary = (out: string) => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { dataInfo: Record<string, unknown> };
    expect(summary(outB).dataInfo).toMatchObject({ fingerprint: older.fingerprint, earlierFingerprints: older.earlier });
    // outA as an older askfirst wrote it: the fingerprint of the earlier form, no other form recorded
    const rewrite = (out: string, info: (d: Record<string, unknown>) => Record<string, unknown>) => {
      const s = summary(out);
      writeFileSync(join(out, 'summary.json'), JSON.stringify({ ...s, dataInfo: info(s.dataInfo) }));
    };
    rewrite(outA, ({ earlierFingerprints: _e, ...d }) => ({ ...d, fingerprint: older.earlier[0] }));
    const runJson = join(outA, 'proactive', 'run.json');
    writeFileSync(runJson, JSON.stringify({ ...JSON.parse(readFileSync(runJson, 'utf8')), dataFingerprint: older.earlier[0] }));
    const notes = async () => (await renderEvalReport([await readEvalRun(outA), await readEvalRun(outB)])).markdown.split('\n').filter((l) => l.startsWith('> ')).join('\n');
    expect(await notes()).toBe(''); // was: "The runs were made on different data (their fingerprints differ) …"

    // outB as this askfirst wrote it before it recorded the other form: nothing tells the two apart, and the note says why
    rewrite(outB, ({ earlierFingerprints: _e, ...d }) => d);
    const [la, lb] = [outA, outB].map((d) => `oracle (${basename(d)})`); // both runs are labelled by the policy, told apart by their folders
    const said = await notes();
    expect(said).toMatch(/The runs were made on different data/);
    expect(said).toContain(`${la}, ${lb} ran on ProactiveBench data, whose fingerprint changed form`);
    expect(said).toMatch(/re-run each one's askfirst eval command \(same --data, same --out\) with this askfirst: it resumes the results without playing an episode again/);
    // …and re-running outA's command does so: it resumes, and its summary is then of the same data as outB's
    const printed: string[] = [];
    await runEval(cfg(outA), (l) => printed.push(l));
    expect(printed.join('\n')).toMatch(/3 episodes \(3 resumed from an earlier run\)/);
    expect(summary(outA).dataInfo).toMatchObject({ fingerprint: older.fingerprint, earlierFingerprints: older.earlier });
    expect(await notes()).toBe('');
  });
});
