/**
 * TensorBoard event files and CSV beside the JSONL log (`--report-to`), read back by a reader
 * that is not ours: tests/helpers/read_tfevents.py (Python standard library only; checks the
 * CRC-32C of every record and decodes the protobufs itself).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../src/testing/tmp.js';
import { trainSupervised } from '../src/rl/supervised.js';
import { supervisedSuite } from '../src/suite/splits.js';
import { MetricsLog } from '../src/util/metrics-log.js';
import { RunDir } from '../src/nn/run-dir.js';
import { crc32c } from '../src/util/tfevents.js';

const READER = resolve(import.meta.dirname, 'helpers', 'read_tfevents.py');

type Read = { files: { file: string; version: string | null; sessionStarts: number[]; scalars: Record<string, [number, number, number][]> }[] };
const readBack = (dir: string): Read => JSON.parse(execFileSync('python3', [READER, dir], { encoding: 'utf8' }));

describe('TensorBoard event files', () => {
  it('CRC-32C matches the standard check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('the supervised stage writes event files and a CSV that another reader reads back as the JSONL says', async () => {
    const out = join(tmpDir('askfirst-tb'), 'sup');
    await trainSupervised(
      { out, steps: 12, warmupSteps: 2, batchSize: 8, checkpointEvery: 6, logEvery: 3, progress: false, model: { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8 } },
      supervisedSuite({ episodes: 3, seed: 1, size: 32 }),
    );
    const rows = readFileSync(join(out, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(rows.map((r) => r.step)).toEqual([3, 6, 9, 12]);
    const tb = readBack(join(out, 'tensorboard'));
    expect(tb.files).toHaveLength(1);
    expect(tb.files[0].version).toBe('brain.Event:2');
    const loss = tb.files[0].scalars['train/loss'];
    expect(loss.map(([s]) => s)).toEqual([3, 6, 9, 12]);
    loss.forEach(([, v], i) => expect(v).toBeCloseTo(rows[i]['train/loss'], 5)); // float32 in the event file
    expect(Object.keys(tb.files[0].scalars).sort()).toEqual(Object.keys(rows[0]).filter((k) => k !== 'step').sort());
    // CSV: step,tag,value, one row per metric per logged step.
    const csv = readFileSync(join(out, 'train.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('step,tag,value');
    expect(csv).toContain(`3,train/loss,${rows[0]['train/loss']}`);
    expect(csv.length - 1).toBe(rows.reduce((a, r) => a + Object.keys(r).length - 1, 0));
  });

  it('a resumed log opens a new event file with a session START at the resume point; the CSV follows the truncated JSONL', () => {
    const out = tmpDir('askfirst-tb-resume');
    const a = new MetricsLog(out, 'rl', 'update', ['tensorboard', 'csv']);
    for (let u = 1; u <= 5; u++) a.append({ update: u, 'rl/reward': u / 10 });
    a.close();
    new RunDir(out).truncateLog('rl.jsonl', 'update', 3); // resumed from the checkpoint at update 3
    const b = new MetricsLog(out, 'rl', 'update', ['tensorboard', 'csv'], 3);
    for (let u = 4; u <= 6; u++) b.append({ update: u, 'rl/reward': u });
    b.close();
    const files = readdirSync(join(out, 'tensorboard'));
    expect(files).toHaveLength(2);
    const tb = readBack(join(out, 'tensorboard'));
    const resumed = tb.files.find((f) => f.sessionStarts.length)!;
    expect(resumed.sessionStarts).toEqual([4]);
    expect(resumed.scalars['rl/reward'].map(([s, v]) => [s, v])).toEqual([[4, 4], [5, 5], [6, 6]]);
    const csv = readFileSync(join(out, 'rl.csv'), 'utf8').trim().split('\n').slice(1);
    expect(csv).toEqual(['1,rl/reward,0.1', '2,rl/reward,0.2', '3,rl/reward,0.3', '4,rl/reward,4', '5,rl/reward,5', '6,rl/reward,6']);
    // --report-to none: the JSONL only.
    const c = tmpDir('askfirst-tb-none');
    const n = new MetricsLog(c, 'train', 'step', ['none']);
    n.append({ step: 1, 'train/loss': 1 });
    n.close();
    expect(existsSync(join(c, 'tensorboard'))).toBe(false);
    expect(existsSync(join(c, 'train.csv'))).toBe(false);
  });
});
