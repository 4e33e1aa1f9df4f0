import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Summary } from './metrics.js';
import { metricsOf } from '../testing/metrics-fixture.js';
import { accuracyLosses } from './losses.js';

const m = (episodes: number, accuracy: number) => metricsOf(episodes, accuracy);

describe('accuracy losses between two summaries of the same episodes', () => {
  it('names a variant that falls while its kind gains (the corruption kind’s colour loss after RL), kinds first, most episodes lost first', () => {
    const before: Summary = {
      ...m(200, 0.5),
      byKind: { corruption: m(100, 0.4), sketch: m(100, 0.6) },
      byVariant: { 'corruption/blur': m(20, 0.2), 'corruption/saturation': m(12, 5 / 12), 'corruption/noise': m(10, 0.5) },
    };
    const after: Summary = {
      ...m(200, 0.8),
      byKind: { corruption: m(100, 0.7), sketch: m(100, 0.9) },
      byVariant: { 'corruption/blur': m(20, 1), 'corruption/saturation': m(12, 0), 'corruption/noise': m(10, 0.4) },
    };
    expect(accuracyLosses(before, after)).toEqual([
      { group: 'corruption/saturation', episodes: 12, before: 5 / 12, after: 0, lost: 5 },
      { group: 'corruption/noise', episodes: 10, before: 0.5, after: 0.4, lost: 1 },
    ]);
    const kindFalls: Summary = { ...after, byKind: { ...after.byKind, sketch: m(100, 0.55) } };
    expect(accuracyLosses(before, kindFalls).map((l) => l.group)).toEqual(['sketch', 'corruption/saturation', 'corruption/noise']);
  });

  it('is empty when nothing falls, and compares only groups both summaries have (equal is no loss)', () => {
    const before: Summary = { ...m(10, 0.5), byKind: { camera: m(10, 0.5) } };
    expect(accuracyLosses(before, { ...m(10, 0.5), byKind: { camera: m(10, 0.5) } })).toEqual([]);
    expect(accuracyLosses(before, { ...m(10, 0.5), byKind: { camera: m(10, 0.6) }, byVariant: { 'camera/x': m(1, 0) } })).toEqual([]);
  });

  it('ties are in the same order under any LANG / LC_ALL (cs_CZ sorted ProactiveBench\'s COCO before ChangeIt)', { timeout: 60_000 }, () => {
    // Node's own ICU reads the locale from the environment at start: a child under cs_CZ, with no OS locale installed
    const losses = fileURLToPath(new URL('./losses.ts', import.meta.url));
    const code = `
      const { accuracyLosses } = await import(${JSON.stringify(losses)});
      const m = (accuracy) => ({ episodes: 10, accuracy });
      const before = { byKind: { COCO: m(0.5), ChangeIt: m(0.5), camera: m(0.5) } };
      const after = { byKind: { COCO: m(0.4), ChangeIt: m(0.4), camera: m(0.4) } };
      process.stdout.write(JSON.stringify([Intl.Collator().resolvedOptions().locale, accuracyLosses(before, after).map((l) => l.group)]));`;
    const run = (locale: string) =>
      JSON.parse(
        execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { env: { ...process.env, LC_ALL: locale, LANG: locale, TSX_DISABLE_CACHE: '1' }, encoding: 'utf8' }),
      ) as [string, string[]];
    const [cs, inCzech] = run('cs_CZ.UTF-8');
    expect(cs).toBe('cs-CZ'); // the child did sort in Czech
    expect(inCzech).toEqual(['camera', 'ChangeIt', 'COCO']);
    expect(run('en_US.UTF-8')[1]).toEqual(inCzech);
  });
});
