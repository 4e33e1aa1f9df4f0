import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { replacedName, setAside, setAsideSummary, SUMMARY_FILES } from './fresh-summary.js';

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
