import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { RunDir, resolveCheckpointDir, RUN_ID_FILE, STATE_FILE, STATE_FORMAT } from './run-dir.js';

const root = tmpDir('askfirst-rundir');
let n = 0;
const fresh = () => new RunDir(join(root, `run-${n++}`));
const weights = (dir: string) => writeFileSync(join(dir, 'model.safetensors'), 'w');

describe('RunDir', () => {
  it('names checkpoints so they sort by step, and resumes from the newest complete one', () => {
    const run = fresh();
    run.saveCheckpoint(9, weights, { step: 9 }, 10);
    run.saveCheckpoint(100, weights, { step: 100 }, 10);
    mkdirSync(run.checkpointDir(200), { recursive: true }); // killed while writing: no state.json
    writeFileSync(join(run.checkpointDir(200), 'model.safetensors'), 'half');
    expect(run.completeSteps()).toEqual([9, 100]);
    expect(run.latestComplete()).toEqual({ dir: run.checkpointDir(100), step: 100, state: { step: 100, runId: run.runId() } });
  });

  it('keeps the newest `keep` checkpoints', () => {
    const run = fresh();
    for (const s of [1, 2, 3, 4]) run.saveCheckpoint(s, weights, { s }, 2);
    expect(run.completeSteps()).toEqual([3, 4]);
  });

  it('keeps the newest by step past 9,999,999 steps (where the names grow a digit)', () => {
    const run = fresh();
    for (const s of [9_999_998, 9_999_999, 10_000_000]) run.saveCheckpoint(s, weights, { s }, 2);
    expect(run.completeSteps()).toEqual([9_999_999, 10_000_000]);
  });

  it('says which state file is broken', () => {
    const run = fresh();
    run.saveCheckpoint(5, weights, {});
    writeFileSync(join(run.checkpointDir(5), STATE_FILE), '{"cut');
    expect(() => run.latestComplete()).toThrow(/does not parse/);
  });

  it("state.json's format version: written first; one without it (an older askfirst's) resumes as version 1; a newer one is refused naming the file", () => {
    const run = fresh();
    run.saveCheckpoint(7, weights, { step: 7 });
    const file = join(run.checkpointDir(7), STATE_FILE);
    const written = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(written).slice(0, 2)).toEqual(['format', 'version']);
    expect(written).toMatchObject({ format: 'askfirst-checkpoint-state', version: 1 });
    const id = run.runId();
    expect(run.latestComplete()).toEqual({ dir: run.checkpointDir(7), step: 7, state: { step: 7, runId: id } }); // the state without its stamp
    writeFileSync(file, JSON.stringify({ step: 7, runId: id })); // as askfirst wrote it before
    expect(new RunDir(run.root).latestComplete()).toEqual({ dir: run.checkpointDir(7), step: 7, state: { step: 7, runId: id } });
    expect(new RunDir(run.root).runId()).toBe(id);
    writeFileSync(file, JSON.stringify({ format: STATE_FORMAT.name, version: STATE_FORMAT.version + 1, step: 7, runId: id }));
    const newer = new RunDir(run.root);
    expect(() => newer.latestComplete()).toThrow(`${file}: written by a newer askfirst (askfirst-checkpoint-state version ${STATE_FORMAT.version + 1}; this askfirst reads version ${STATE_FORMAT.version} and older): upgrade askfirst to read it, or use another --out`);
    expect(newer.runId()).not.toBe(id); // its fields are not read as today's
  });

  it('is finished once final/config.json exists; resolveCheckpointDir takes the run or the checkpoint', () => {
    const run = fresh();
    expect(run.isFinished()).toBe(false);
    expect(() => resolveCheckpointDir(run.root)).toThrow(/no model checkpoint/);
    mkdirSync(run.finalDir, { recursive: true });
    writeFileSync(join(run.finalDir, 'config.json'), '{}');
    expect(run.isFinished()).toBe(true);
    expect(resolveCheckpointDir(run.root)).toBe(run.finalDir);
    expect(resolveCheckpointDir(run.finalDir)).toBe(run.finalDir);
  });

  it("a final model older than the newest complete checkpoint is an earlier run's (a run started over, stopped before its end): not finished", () => {
    const run = fresh();
    run.saveCheckpoint(40, weights, { step: 40 });
    mkdirSync(run.finalDir, { recursive: true });
    writeFileSync(join(run.finalDir, 'config.json'), JSON.stringify({ training: { step: 40 } }));
    expect([run.isFinished(), run.finalIsEarlier(), run.finishedFor(40)]).toEqual([true, false, true]); // written after its checkpoints: this run's
    // started over (train --overwrite, demo --fresh): its checkpoints removed, the final model kept until it ends; it wrote one
    run.reset();
    expect([run.isFinished(), run.finalIsEarlier()]).toEqual([true, false]); // nothing of its own yet: the earlier run is what is there
    run.saveCheckpoint(5, weights, { step: 5 });
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(run.finalDir, 'config.json'), old, old);
    expect([run.isFinished(), run.finalIsEarlier(), run.finishedFor(40)]).toEqual([false, true, false]); // was: finished, the earlier model taken up
  });

  it("tells this run's final model from an earlier run's by the run id both record, whatever the files' times (a folder copied with cp -r)", () => {
    const run = fresh();
    const final = (r: RunDir) => r.saveFinal((dir) => {
      mkdirSync(dir, { recursive: true });
      weights(dir);
      writeFileSync(join(dir, 'config.json'), '{}');
    });
    const age = (file: string, seconds: number) => utimesSync(file, new Date(Date.now() - seconds * 1000), new Date(Date.now() - seconds * 1000));
    run.saveCheckpoint(40, weights, { step: 40 });
    final(run);
    const id = run.runId();
    expect(readFileSync(join(run.finalDir, RUN_ID_FILE), 'utf8')).toBe(`${id}\n`);
    expect(JSON.parse(readFileSync(join(run.checkpointDir(40), STATE_FILE), 'utf8'))).toEqual({ format: STATE_FORMAT.name, version: STATE_FORMAT.version, step: 40, runId: id });
    // copied without its times: the final model's config.json older than the checkpoint's state.json (cp -r wrote final/ first)
    age(join(run.finalDir, 'config.json'), 60);
    expect([run.finalIsEarlier(), run.isFinished(), run.finishedFor(40)]).toEqual([false, true, true]); // was: not finished, resumed from step 40
    // a resumed run goes on as the run of the checkpoint it resumed from
    const resumed = new RunDir(run.root);
    resumed.saveCheckpoint(50, weights, { step: 50 });
    expect(resumed.runId()).toBe(id);
    // started over (train --overwrite): a new run; the earlier final model, however new its files look, is the earlier run's
    resumed.reset();
    resumed.saveCheckpoint(5, weights, { step: 5 });
    expect(resumed.runId()).not.toBe(id);
    age(join(resumed.checkpointDir(5), STATE_FILE), 120);
    expect([resumed.finalIsEarlier(), resumed.isFinished()]).toEqual([true, false]);
    final(resumed);
    expect([resumed.finalIsEarlier(), resumed.isFinished()]).toEqual([false, true]);
    // a final model without an id (written before ids were kept, or stopped before it): by modification time, as before
    rmSync(join(resumed.finalDir, RUN_ID_FILE));
    expect(resumed.finalIsEarlier()).toBe(false);
    age(join(resumed.finalDir, 'config.json'), 300);
    expect(resumed.finalIsEarlier()).toBe(true);
  });

  it('says why a folder holds no model: not there, a run that has not finished, or something else', () => {
    const run = fresh();
    expect(() => resolveCheckpointDir(run.root)).toThrow(/: it does not exist; give a model folder/);
    mkdirSync(run.root, { recursive: true });
    expect(() => resolveCheckpointDir(run.root)).toThrow(/no model checkpoint in .*\(expected .*config\.json\)$/);
    run.saveCheckpoint(3, weights, { step: 3 });
    expect(() => resolveCheckpointDir(run.root)).toThrow(/a run that has not finished \(checkpoints\/ but no final\/\); finish it .* --resume/);
  });

  it('cuts a log back to a checkpoint (dropping a line cut short), and reset removes checkpoints and logs', () => {
    const run = fresh();
    mkdirSync(run.root, { recursive: true });
    const log = join(run.root, 'train.jsonl');
    writeFileSync(log, '{"step":10}\n{"step":20}\n{"step":30}\n{"ste');
    run.truncateLog('train.jsonl', 'step', 20);
    expect(readFileSync(log, 'utf8')).toBe('{"step":10}\n{"step":20}\n');
    run.saveCheckpoint(1, weights, {});
    run.reset('train.jsonl');
    expect(run.completeSteps()).toEqual([]);
    expect(() => readFileSync(log)).toThrow();
  });

  it('finishedFor: final/ written and the run reached the steps asked for (its newest checkpoint, or the step its final model records)', () => {
    const run = fresh();
    run.saveCheckpoint(12, weights, { step: 12 });
    expect(run.finishedFor(12)).toBe(false); // no final model yet
    mkdirSync(run.finalDir, { recursive: true });
    writeFileSync(join(run.finalDir, 'config.json'), JSON.stringify({ training: { stage: 'supervised', step: 13 } }));
    expect(run.finishedFor(12)).toBe(true); // a checkpoint at the last step
    expect(run.finishedFor(13)).toBe(true); // the last step after the newest checkpoint: final/ says it got there
    expect(run.finishedFor(14)).toBe(false); // more steps asked for: continue from the checkpoint
    writeFileSync(join(run.finalDir, 'config.json'), JSON.stringify({ training: { stage: 'rl', algorithm: 'grpo' } }));
    expect(run.finishedFor(13)).toBe(false); // a final model that does not say: resume from the checkpoint, as before
    expect(run.finishedFor(12)).toBe(true);
    writeFileSync(join(run.finalDir, 'config.json'), '{ not json');
    expect(run.finishedFor(13)).toBe(false); // unreadable: resume from the checkpoint, as before
    // a newer askfirst's final model: refused in one line naming the file (was read as if it were today's: "finished")
    const file = join(run.finalDir, 'config.json');
    writeFileSync(file, JSON.stringify({ format: 'askfirst-checkpoint', version: 99, training: { stage: 'supervised', step: 13 } }));
    expect(() => run.finishedFor(13)).toThrow(`${file}: written by a newer askfirst (askfirst-checkpoint version 99; this askfirst reads version 1 and older): upgrade askfirst to read it`);
  });
});
