/** `askfirst report`'s reading of eval runs: a damaged summary.json is named, not "an unexpected error". */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { DataError } from '../util/errors.js';
import { readEvalRun, writeEvalReport } from './eval-report.js';

describe('readEvalRun', () => {
  it('a summary.json that does not parse, or is not an object, is a DataError naming the file', async () => {
    const dir = tmpDir('af-report-summary');
    const file = join(dir, 'summary.json');
    for (const [text, msg] of [
      ['{"policy":', /summary\.json: does not parse as JSON \(damaged\?\); re-run the same askfirst eval command/],
      ['null', /summary\.json: must hold one JSON object/],
    ] as const) {
      writeFileSync(file, text);
      const err = await readEvalRun(dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataError);
      expect((err as Error).message).toMatch(msg);
    }
  });
});

describe('writeEvalReport', () => {
  it('refuses a run given twice (by the same or another spelling of its path), before reading anything', async () => {
    const dir = tmpDir('af-report-twice');
    await expect(writeEvalReport([dir, dir], join(dir, 'r'))).rejects.toThrow(/is given twice: a run compared with itself shows no difference; give each run once/);
    await expect(writeEvalReport([dir, `${dir}/.`], join(dir, 'r'))).rejects.toThrow(/is given twice \(as .*\)/);
  });
});
