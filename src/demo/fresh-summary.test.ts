import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { MAX_REMEMBERED_BYTES, replacedName, setAside, setAsideSummary, SUMMARY_FILES } from './fresh-summary.js';

// every name in `watch.dir` after each rename or removal there: what a SIGKILL at that moment would leave on disk
// (`fail`: a rename to that name fails, as on a disk gone read-only)
const watch = vi.hoisted(() => ({ dir: '', states: [] as string[][], fail: '' }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const seen = () => void (watch.dir && watch.states.push(fs.readdirSync(watch.dir)));
  const renameSync: typeof fs.renameSync = (a, b) => {
    if (watch.fail && String(b).endsWith(watch.fail)) throw Object.assign(new Error(`EROFS: read-only file system, rename '${String(a)}'`), { code: 'EROFS' });
    fs.renameSync(a, b);
    seen();
  };
  const rmSync: typeof fs.rmSync = (p, o) => (fs.rmSync(p, o), seen());
  return { ...fs, default: { ...fs, renameSync, rmSync }, renameSync, rmSync };
});

afterEach(() => {
  watch.dir = '';
  watch.states = [];
  watch.fail = '';
});

/** Every file in `dir` with its contents (folders as "/"), for comparing a folder before and after. */
function contents(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir, { withFileTypes: true }).map((e) => [e.name, e.isFile() ? readFileSync(join(dir, e.name), 'utf8') : '/']));
}

/** A finished demo's summary in a new folder, and (`older`) what an earlier --fresh demo set aside there. */
function earlierSummary(older: boolean): string {
  const out = tmpDir('askfirst-fresh-summary');
  for (const f of SUMMARY_FILES) writeFileSync(join(out, f), `the earlier demo's ${f}`);
  if (older) writeFileSync(join(out, 'results.replaced.json'), 'an older demo, set aside by an earlier --fresh');
  return out;
}

describe('setAsideSummary: a --fresh demo moves the earlier summary aside', () => {
  it('put back (stopped before it wrote anything): the folder is exactly as it was, the copy an earlier --fresh set aside included (was: lost)', () => {
    const out = earlierSummary(true);
    const before = contents(out);
    const said: string[] = [];
    const aside = setAsideSummary(out, (s) => void said.push(s));
    expect(said).toEqual([
      `demo: --fresh: the earlier demo's results.json, report.html, MODEL_CARD.md in ${out} moved to results.replaced.json, report.replaced.html, MODEL_CARD.replaced.md, replacing the results.replaced.json an earlier --fresh demo set aside (their figures are not this demo's)`,
    ]);
    expect(existsSync(join(out, 'results.json'))).toBe(false);
    expect(readFileSync(join(out, 'results.replaced.json'), 'utf8')).toBe("the earlier demo's results.json");
    aside.putBack();
    expect(contents(out)).toEqual(before);
    aside.drop(); // settled once: nothing more happens
    expect(contents(out)).toEqual(before);
  });

  it('dropped (the demo wrote its own): one generation kept, the older copy removed', () => {
    const out = earlierSummary(true);
    const aside = setAsideSummary(out, () => {});
    writeFileSync(join(out, 'results.json'), 'the new demo');
    aside.drop();
    expect(contents(out)).toEqual({
      'results.json': 'the new demo',
      ...Object.fromEntries(SUMMARY_FILES.map((f) => [replacedName(f), `the earlier demo's ${f}`])),
    });
  });

  it('a folder in the way of one file: refused in one line, nothing moved (was: results.json moved aside before report.html failed)', () => {
    for (const older of [false, true]) {
      const out = earlierSummary(older);
      mkdirSync(join(out, 'report.replaced.html', 'x'), { recursive: true });
      const before = contents(out);
      expect(() => setAsideSummary(out, () => {})).toThrow(
        `${join(out, 'report.replaced.html')} is in the way of setting the earlier demo's results.json, report.html, MODEL_CARD.md aside (--fresh moves them to *.replaced.*): it is no file; move or remove it, then run again`,
      );
      expect(contents(out)).toEqual(before);
    }
  });

  it('a folder named like a summary file: refused in one line naming it, nothing moved (was: moved aside as the earlier summary)', () => {
    const out = tmpDir('askfirst-fresh-summary');
    writeFileSync(join(out, 'report.html'), "the earlier demo's report.html");
    mkdirSync(join(out, 'results.json'));
    writeFileSync(join(out, 'results.json', 'mine.txt'), 'not a summary');
    const before = contents(out);
    expect(() => setAsideSummary(out, () => {})).toThrow(
      `${join(out, 'results.json')} is a folder, not the earlier demo's results.json: --fresh sets only files aside (to *.replaced.*); move or rename it, then run again`,
    );
    expect(contents(out)).toEqual(before);
    expect(readFileSync(join(out, 'results.json', 'mine.txt'), 'utf8')).toBe('not a summary');
  });

  it('no step leaves a third generation on disk (was: the older copy sat under *.replaced.replaced.* until settled, and a SIGKILL left it); put back byte for byte', () => {
    for (const settle of ['putBack', 'drop', 'fail'] as const) {
      const out = earlierSummary(true);
      const older = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x0a]); // not UTF-8: restored as bytes, not as text
      writeFileSync(join(out, 'report.replaced.html'), older);
      const before = new Map(readdirSync(out).map((f) => [f, readFileSync(join(out, f))]));
      watch.dir = out;
      if (settle === 'fail') {
        // MODEL_CARD.md cannot move, once results.json and report.html have: they go back, and so does the older copy
        watch.fail = 'MODEL_CARD.replaced.md';
        expect(() => setAsideSummary(out, () => {})).toThrow(/could not set the earlier demo's results.json, report.html, MODEL_CARD.md in .* aside \(EROFS.*nothing was moved/);
      } else {
        const aside = setAsideSummary(out, () => {});
        expect(readFileSync(join(out, 'report.replaced.html'), 'utf8')).toBe("the earlier demo's report.html");
        if (settle === 'drop') writeFileSync(join(out, 'results.json'), 'the new demo');
        aside[settle]();
      }
      const third = watch.states.flat().filter((f) => f.includes('.replaced.replaced'));
      expect(third).toEqual([]);
      expect(watch.states.length).toBeGreaterThan(2); // the watch saw the steps
      if (settle !== 'drop') expect(new Map(readdirSync(out).map((f) => [f, readFileSync(join(out, f))]))).toEqual(before);
    }
  });

  it(`an older copy above ${MAX_REMEMBERED_BYTES} bytes is refused in one line, nothing moved (was: it went to a third name, *.replaced.replaced.*, that a SIGKILL left)`, () => {
    const out = earlierSummary(false);
    writeFileSync(join(out, 'results.replaced.json'), Buffer.alloc(MAX_REMEMBERED_BYTES + 1, 7));
    const before = contents(out);
    watch.dir = out;
    expect(() => setAsideSummary(out, () => {})).toThrow(
      `${join(out, 'results.replaced.json')} (4.0 MiB, set aside by an earlier --fresh demo) is larger than the 4.0 MiB a --fresh demo keeps to put it back if stopped; move or remove it, then run again`,
    );
    expect(watch.states).toEqual([]); // nothing renamed or removed
    expect(contents(out)).toEqual(before);
    // one of exactly the bound is kept in memory and put back
    writeFileSync(join(out, 'results.replaced.json'), Buffer.alloc(MAX_REMEMBERED_BYTES, 7));
    setAsideSummary(out, () => {}).putBack();
    expect(readFileSync(join(out, 'results.replaced.json')).equals(Buffer.alloc(MAX_REMEMBERED_BYTES, 7))).toBe(true);
    expect(watch.states.flat().filter((f) => f.includes('.replaced.replaced'))).toEqual([]);
  });

  it('put back with its permissions and modification time, not only its bytes (was: the older copy came back 0644 and dated now)', () => {
    const out = earlierSummary(true);
    const older = join(out, 'results.replaced.json');
    chmodSync(older, 0o400);
    utimesSync(older, 1_000_000_000, 1_000_000_000); // 2001-09-09
    const aside = setAsideSummary(out, () => {});
    expect(readFileSync(older, 'utf8')).toBe("the earlier demo's results.json");
    aside.putBack();
    const back = statSync(older); // before it is read here: a read updates its access time
    expect(back.mode & 0o777).toBe(0o400);
    expect(back.mtimeMs).toBe(1_000_000_000_000);
    expect(back.atimeMs).toBe(1_000_000_000_000);
    expect(readFileSync(older, 'utf8')).toBe('an older demo, set aside by an earlier --fresh');
  });

  it('a *.replaced.replaced.* an older askfirst left when killed: said in one line, removed once the run writes its own, left as found when put back', () => {
    for (const settle of ['putBack', 'drop'] as const) {
      for (const summary of [true, false]) {
        // with the earlier summary, or (killed between its two renames) none: results.json moved and nothing after
        const out = summary ? earlierSummary(true) : tmpDir('askfirst-fresh-leftover');
        writeFileSync(join(out, 'results.replaced.replaced.json'), 'left by an older askfirst');
        const before = contents(out);
        const said: string[] = [];
        const aside = setAsideSummary(out, (s) => void said.push(s));
        expect(said.at(-1)).toBe(
          `demo: --fresh: results.replaced.replaced.json in ${out}, left by an older askfirst stopped mid-way, will be removed once this demo writes its own (one earlier copy, *.replaced.*, is kept)`,
        );
        expect(said).toHaveLength(summary ? 2 : 1);
        if (settle === 'drop') writeFileSync(join(out, 'results.json'), 'the new demo');
        aside[settle]();
        if (settle === 'putBack') expect(contents(out)).toEqual(before);
        else expect(Object.keys(contents(out)).filter((f) => f.includes('.replaced.replaced'))).toEqual([]);
      }
    }
  });

  it('sets aside any files given (the aggregate of a --seeds run), and nothing when none is there', () => {
    const out = tmpDir('askfirst-fresh-aggregate');
    const said: string[] = [];
    setAside(out, ['aggregate.json'], (s) => void said.push(s), '--seeds run').putBack();
    expect(said).toEqual([]);
    writeFileSync(join(out, 'aggregate.json'), '{}');
    setAside(out, ['aggregate.json', 'aggregate.html'], (s) => void said.push(s), '--seeds run').drop();
    expect(said).toEqual([`demo: --fresh: the earlier --seeds run's aggregate.json in ${out} moved to aggregate.replaced.json (their figures are not this --seeds run's)`]);
    expect(contents(out)).toEqual({ 'aggregate.replaced.json': '{}' });
  });
});
