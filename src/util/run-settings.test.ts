import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { keepRunSettings, readRunSettings } from './run-settings.js';

describe('run.json of another askfirst', () => {
  const opts = { run: 'supervised', resuming: true, startOver: 'add --overwrite (instead of --resume)' };

  it('is written with its version; one without (an older askfirst) is read as version 1', () => {
    const dir = tmpDir('askfirst-run-settings');
    keepRunSettings(dir, { seed: 1 }, { ...opts, resuming: false });
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'))).toEqual({ format: 'askfirst-run', version: 1, run: 'supervised', settings: { seed: 1 } });
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ run: 'supervised', settings: { seed: 1 }, addedLater: true }));
    expect(readRunSettings(dir)).toEqual({ run: 'supervised', settings: { seed: 1 } });
    keepRunSettings(dir, { seed: 1 }, opts);
  });

  it("a newer askfirst's is refused in one line naming the file, and left as it was", () => {
    const dir = tmpDir('askfirst-run-settings');
    const file = join(dir, 'run.json');
    const newer = JSON.stringify({ format: 'askfirst-run', version: 2, run: 'supervised', settings: { seed: 1 } });
    writeFileSync(file, newer);
    // it was resumed as if written by this askfirst (its settings compared as ours)
    expect(() => keepRunSettings(dir, { seed: 1 }, opts)).toThrow(
      `${file}: written by a newer askfirst (askfirst-run version 2; this askfirst reads version 1 and older): upgrade askfirst to read it, or use another --out`,
    );
    expect(readFileSync(file, 'utf8')).toBe(newer);
    writeFileSync(file, JSON.stringify({ format: 'askfirst-run', version: 'two', run: 'supervised', settings: {} }));
    expect(() => readRunSettings(dir)).toThrow(/run\.json: "version" is "two", not the whole number ≥ 1 askfirst writes \(damaged\?\)/);
  });
});
