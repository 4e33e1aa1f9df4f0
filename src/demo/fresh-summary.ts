/**
 * The summary an earlier demo left in a `--fresh` demo's folder (results.json, report.html, MODEL_CARD.md), moved aside as
 * the new demo starts (results.replaced.json, report.replaced.html, MODEL_CARD.replaced.md): a --fresh demo stopped mid-way
 * left the earlier demo's results.json beside its half-done new stages, and `--aggregate-only` (or anyone reading the
 * folder) took the earlier figures as this demo's. Moved, not deleted; moved back if the demo is stopped before it wrote
 * anything of its own (the earlier demo is then whole again, and so is what an earlier --fresh demo had set aside: it was
 * renamed over and lost). `demo --seeds … --fresh` sets its earlier aggregate.json and aggregate.html aside the same way
 * (seeds.ts runSeeds).
 */
import { existsSync, lstatSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_CARD_FILE, REPORT_FILE, RESULTS_FILE } from '../report/results-io.js';
import { DataError } from '../util/errors.js';

/** The files of a finished demo's summary, which every demo writes at its end. */
export const SUMMARY_FILES = [RESULTS_FILE, REPORT_FILE, MODEL_CARD_FILE] as const;

/** Where a --fresh demo moves `file` of the earlier demo: "results.json" → "results.replaced.json". */
export function replacedName(file: string): string {
  const dot = file.lastIndexOf('.');
  return `${file.slice(0, dot)}.replaced${file.slice(dot)}`;
}

/**
 * What set files aside (setAside): `putBack` when the run stopped before it wrote anything of its own (each file only while
 * its name is still free; what an earlier --fresh run had set aside is back under its name too), `drop` once it did (the
 * copy an earlier --fresh run had set aside, kept under `*.replaced.replaced.*` meanwhile, is removed: one generation is
 * kept). Each runs once; the other is then a no-op.
 */
export interface SetAside {
  putBack(): void;
  drop(): void;
}

/** What nothing was set aside by. */
export const NOTHING_SET_ASIDE: SetAside = { putBack: () => {}, drop: () => {} };

/**
 * Move those of `files` in `out` aside (f → replacedName(f), each rename atomic), saying what moved in one line to `log`
 * (`whose`: "demo", the run they are of). A copy an earlier --fresh run set aside (replacedName(f)) is first moved to
 * replacedName(replacedName(f)), so that putting back restores it (was: renamed over, lost even when the new run was
 * stopped before it wrote anything). A name in the way that is no file (a folder) is refused before anything moves, and a
 * rename that fails moves back what moved before it, so a failure leaves `out` as it was.
 */
export function setAside(out: string, files: readonly string[], log: (s: string) => void, whose: string): SetAside {
  const at = (f: string) => join(out, f);
  const moved = files.filter((f) => existsSync(at(f)));
  if (!moved.length) return NOTHING_SET_ASIDE;
  const older = (f: string) => replacedName(replacedName(f));
  for (const name of moved.flatMap((f) => (existsSync(at(replacedName(f))) ? [replacedName(f), older(f)] : [replacedName(f)]))) {
    const st = lstatSync(at(name), { throwIfNoEntry: false });
    if (st && !st.isFile()) throw new DataError(`${at(name)} is in the way of setting the earlier ${whose}'s ${moved.join(', ')} aside (--fresh moves them to *.replaced.*): it is no file; move or remove it, then run again`);
  }
  const over = moved.filter((f) => lstatSync(at(replacedName(f)), { throwIfNoEntry: false })?.isFile());
  const undo: (() => void)[] = [];
  try {
    for (const f of over) {
      renameSync(at(replacedName(f)), at(older(f)));
      undo.push(() => renameSync(at(older(f)), at(replacedName(f))));
    }
    for (const f of moved) {
      renameSync(at(f), at(replacedName(f)));
      undo.push(() => renameSync(at(replacedName(f)), at(f)));
    }
  } catch (e) {
    for (const back of undo.reverse()) back();
    throw new DataError(`could not set the earlier ${whose}'s ${moved.join(', ')} in ${out} aside (${(e as Error).message}); nothing was moved: free those names, then run again`, { cause: e });
  }
  const replacing = over.length ? `, replacing the ${over.map(replacedName).join(', ')} an earlier --fresh ${whose} set aside` : '';
  log(`demo: --fresh: the earlier ${whose}'s ${moved.join(', ')} in ${out} moved to ${moved.map(replacedName).join(', ')}${replacing} (their figures are not this ${whose}'s)`);
  let settled = false;
  const settle = (back: boolean) => {
    if (settled) return;
    settled = true;
    for (const f of moved) {
      const put = back && !existsSync(at(f)) && existsSync(at(replacedName(f)));
      if (put) renameSync(at(replacedName(f)), at(f));
      if (!over.includes(f) || !existsSync(at(older(f)))) continue;
      if (put) renameSync(at(older(f)), at(replacedName(f)));
      else rmSync(at(older(f)), { force: true });
    }
  };
  return { putBack: () => settle(true), drop: () => settle(false) };
}

/** setAside of a demo's summary (SUMMARY_FILES) in `out`. */
export function setAsideSummary(out: string, log: (s: string) => void): SetAside {
  return setAside(out, SUMMARY_FILES, log, 'demo');
}
