import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

describe('a setting kept by what a path held (--init, --reward, --data by their SHA-256)', () => {
  const opts = { run: 'rl', resuming: true, startOver: 'add --overwrite (instead of --resume)' };
  const sha = { shown: 'runs/sup', id: 'sha256:aaaa' };

  it('resumes a run kept under an earlier id of the same thing (--data: the fingerprint an older askfirst gave it), and keeps the id of now', () => {
    const dir = tmpDir('askfirst-run-settings');
    const file = join(dir, 'run.json');
    keepRunSettings(dir, { data: { shown: '/d/pb', id: 'sha256:old' } }, { ...opts, resuming: false });
    const older = readFileSync(file, 'utf8');
    // refused before as "--data /d/pb (other weights now)": the fingerprint's form changed, not the data
    keepRunSettings(dir, { data: { shown: '/d/pb', id: 'sha256:new', earlier: ['sha256:old'] } }, opts);
    expect(JSON.parse(readFileSync(file, 'utf8')).settings).toEqual({ data: { shown: '/d/pb', id: 'sha256:new' } });
    writeFileSync(file, older);
    expect(() => keepRunSettings(dir, { data: { shown: '/d/pb', id: 'sha256:other', earlier: ['sha256:elder'] } }, opts)).toThrow(/started with other settings: --data \/d\/pb \(other weights now\)/);
  });

  it("keeps what it held when a re-run cannot read the path (not compared: the run fails on it), so the run resumes once it is back", () => {
    const dir = tmpDir('askfirst-run-settings');
    keepRunSettings(dir, { init: sha, seed: 1 }, { ...opts, resuming: false });
    // --init moved away: not compared, and the run fails on it (the feedback demo, which keeps run.json whatever then happens)
    keepRunSettings(dir, { init: { shown: 'runs/sup', id: '' }, seed: 1 }, opts);
    expect(readRunSettings(dir)?.settings).toEqual({ init: sha, seed: 1 }); // was { id: '' }: then "--init runs/sup (other weights now)" for ever
    expect(() => keepRunSettings(dir, { init: sha, seed: 1 }, opts)).not.toThrow();
    expect(() => keepRunSettings(dir, { init: { ...sha, id: 'sha256:bbbb' }, seed: 1 }, opts)).toThrow('--init runs/sup (other weights now)');
  });

  it("one kept without what it held (written so before) is refused in one line saying so, not as 'other weights now'", () => {
    const dir = tmpDir('askfirst-run-settings');
    const file = join(dir, 'run.json');
    writeFileSync(file, JSON.stringify({ format: 'askfirst-run', version: 1, run: 'rl', settings: { init: { shown: 'runs/sup', id: '' }, seed: 1 } }));
    expect(() => keepRunSettings(dir, { init: sha, seed: 1 }, opts)).toThrow(
      `${dir} holds an rl run whose ${file} keeps --init runs/sup without the SHA-256 of what it held (it could not be read when the file was written): this askfirst cannot tell whether --init runs/sup is what the run started from; add --overwrite (instead of --resume) to start over with this askfirst, or use another --out`,
    );
    keepRunSettings(dir, { init: { shown: 'runs/sup', id: '' }, seed: 1 }, opts); // unreadable now too: not compared, the run fails on it
  });
});

describe('run.json of an older or newer askfirst, or damaged', () => {
  const opts = { run: 'supervised', resuming: true, startOver: 'add --overwrite (instead of --resume)' };
  const known = { seed: 'always', mild: 'always', steps: 'always', data: 'if-given' } as const;
  const kept = (dir: string, settings: Record<string, unknown>) => writeFileSync(join(dir, 'run.json'), JSON.stringify({ run: 'supervised', settings }));

  it('a setting added since (KeepRunSettings.added) resumes under the value that does what the older askfirst did, else is refused as an older askfirst\'s', () => {
    const dir = tmpDir('askfirst-run-settings');
    const file = join(dir, 'run.json');
    kept(dir, { seed: 1, steps: 4 });
    // it was '--mild (none) → 0.1 … Resume with its settings', which this askfirst cannot do
    expect(() => keepRunSettings(dir, { seed: 1, steps: 4, mild: 0.1 }, { ...opts, known, added: { mild: { before: 0 } } })).toThrow(
      `${dir} holds a supervised run made by an older askfirst, before --mild existed: add --mild 0 to resume it as it was made (what the older askfirst did), add --overwrite (instead of --resume) to start over with this askfirst, or use another --out`,
    );
    expect(() => keepRunSettings(dir, { seed: 1, steps: 4, mild: 0.1 }, { ...opts, known, added: { mild: {} } })).toThrow(
      `${dir} holds a supervised run made by an older askfirst, before --mild existed: add --overwrite (instead of --resume) to start over with this askfirst, or use another --out`,
    );
    // a switch has one flag (commander): was 'add --no-mild', a flag no command takes for a switch off by default
    expect(() => keepRunSettings(dir, { seed: 1, steps: 4, mild: true }, { ...opts, known, added: { mild: { before: false } } })).toThrow(/: leave out --mild to resume it as it was made/);
    expect(() => keepRunSettings(dir, { seed: 1, steps: 4, mild: false }, { ...opts, known, added: { mild: { before: true } } })).toThrow(/: add --mild to resume it as it was made/);
    // on by default (util/config.ts onByDefault): its only flag is --no-mild
    expect(() => keepRunSettings(dir, { seed: 1, steps: 4, mild: true }, { ...opts, known, added: { mild: { before: false, onByDefault: true } } })).toThrow(/: add --no-mild to resume it as it was made/);
    expect(() => keepRunSettings(dir, { seed: 1, steps: 4, mild: false }, { ...opts, known, added: { mild: { before: true, onByDefault: true } } })).toThrow(/: leave out --no-mild to resume it as it was made/);
    const both = { mild: { before: false }, steps: { before: 4 } };
    kept(dir, { seed: 1 });
    expect(() => keepRunSettings(dir, { seed: 1, steps: 5, mild: true }, { ...opts, known, added: both })).toThrow(/: add --steps 4 and leave out --mild to resume it as it was made/);
    kept(dir, { seed: 1, steps: 4 });
    keepRunSettings(dir, { seed: 1, steps: 4, mild: 0 }, { ...opts, known, added: { mild: { before: 0 } } });
    expect(JSON.parse(readFileSync(file, 'utf8')).settings).toEqual({ seed: 1, steps: 4, mild: 0 });
  });

  it('a setting this askfirst does not know is a newer askfirst\'s; a value of another kind, or one always written missing, is damage, each naming the file', () => {
    const dir = tmpDir('askfirst-run-settings');
    const file = join(dir, 'run.json');
    const now = { seed: 1, steps: 4, mild: 0.1 };
    kept(dir, { ...now, sharpen: 0.3 });
    expect(() => keepRunSettings(dir, now, { ...opts, known })).toThrow(
      `${file}: the run started with a setting this askfirst does not know (--sharpen 0.3): it was made by a newer askfirst; upgrade askfirst to resume it, add --overwrite (instead of --resume) to start over with this askfirst, or use another --out`,
    );
    kept(dir, { ...now, steps: '4' });
    // it was '--steps 4 → 4 (it may grow, not shrink)'
    expect(() => keepRunSettings(dir, now, { ...opts, known, mayGrow: ['steps'] })).toThrow(
      `${file}: "steps" is "4", not a number (--steps): the file is damaged; delete it to resume without comparing the settings, add --overwrite (instead of --resume) to start over with this askfirst, or use another --out`,
    );
    kept(dir, { seed: 1, steps: 4 });
    expect(() => keepRunSettings(dir, now, { ...opts, known })).toThrow(`${file}: it holds no --mild, which every askfirst that keeps run.json writes for this run: the file is damaged;`);
    // an option given only if set is compared as before: left out then, given now
    kept(dir, now);
    expect(() => keepRunSettings(dir, { ...now, data: 'suite' }, { ...opts, known })).toThrow(/started with other settings: --data \(none\) → suite; .*Resume with its settings/);
    keepRunSettings(dir, now, { ...opts, known });
  });
});

describe('the refusal of a run resumed under other settings', () => {
  it('names the flags that give back the settings the run started with, not only the file (was: "Resume with its settings (run.json)")', () => {
    const dir = tmpDir('askfirst-run-settings');
    const opts = { run: 'demo', resuming: true, startOver: 'add --fresh' };
    const init = (id: string) => ({ shown: 'runs/my sup', id });
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ run: 'demo', settings: { quick: true, repeat: false, weights: [], label: 'a b', seed: 0, init: init('x'), other: init('y') } }));
    const now = { quick: false, repeat: true, weights: ['guessed=-1'], label: 'c', seed: 1, init: init('x'), other: { shown: 'runs/sup2', id: 'z' } };
    expect(() => keepRunSettings(dir, now, opts)).toThrow(
      `Resume with its settings (--quick, without --repeat, without --weights, --label 'a b', --seed 0, --other 'runs/my sup', as kept in ${join(dir, 'run.json')}), add --fresh to start over with these`,
    );
    // only what a path holds changed: no flag brings it back, the file is named alone
    expect(() => keepRunSettings(dir, { ...now, quick: true, repeat: false, weights: [], label: 'a b', seed: 0, other: init('w') }, opts)).toThrow(`Resume with its settings (${join(dir, 'run.json')}), add --fresh`);
  });
});

describe('keepRunSettings undo', () => {
  const opts = { run: 'demo supervised', resuming: false, startOver: '' };

  it('removes the folders it made for run.json (was: an empty supervised/ left by a demo that failed before any checkpoint)', () => {
    const root = tmpDir('askfirst-run-settings-undo');
    const dir = join(root, 'out', 'supervised');
    keepRunSettings(dir, { seed: 1 }, opts).undo();
    expect(readdirSync(root)).toEqual([]);
  });

  it('keeps a folder that was there, or that holds something written since', () => {
    const root = tmpDir('askfirst-run-settings-undo');
    mkdirSync(join(root, 'out'));
    const kept = keepRunSettings(join(root, 'out', 'supervised'), { seed: 1 }, opts);
    writeFileSync(join(root, 'out', 'supervised', 'train.log'), 'begun\n');
    kept.undo();
    expect(readdirSync(join(root, 'out', 'supervised'))).toEqual(['train.log']);
    const there = join(root, 'there');
    mkdirSync(there);
    keepRunSettings(there, { seed: 1 }, opts).undo();
    expect(existsSync(there)).toBe(true);
    expect(readdirSync(there)).toEqual([]);
  });
});
