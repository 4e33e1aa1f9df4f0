/**
 * The summary an earlier demo left in a `--fresh` demo's folder (results.json, report.html, MODEL_CARD.md), moved aside as
 * the new demo starts (results.replaced.json, report.replaced.html, MODEL_CARD.replaced.md): a --fresh demo stopped mid-way
 * left the earlier demo's results.json beside its half-done new stages, and `--aggregate-only` (or anyone reading the
 * folder) took the earlier figures as this demo's. Moved, not deleted; moved back if the demo is stopped before it wrote
 * anything of its own (the earlier demo is then whole again, and so is what an earlier --fresh demo had set aside: it was
 * renamed over and lost; its bytes are kept in memory meanwhile, not under a third name on disk: setAside).
 * `demo --seeds … --fresh` sets its earlier aggregate.json and aggregate.html aside the same way (seeds.ts runSeeds).
 */
import { existsSync, lstatSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_CARD_FILE, REPORT_FILE, RESULTS_FILE } from '../report/results-io.js';
import { DataError } from '../util/errors.js';
import { writeFileAtomicSync } from '../util/fsx.js';

/** The files of a finished demo's summary, which every demo writes at its end. */
export const SUMMARY_FILES = [RESULTS_FILE, REPORT_FILE, MODEL_CARD_FILE] as const;

/** Where a --fresh demo moves `file` of the earlier demo: "results.json" → "results.replaced.json". */
export function replacedName(file: string): string {
  const dot = file.lastIndexOf('.');
  return `${file.slice(0, dot)}.replaced${file.slice(dot)}`;
}

/**
 * What set files aside (setAside): `putBack` when the run stopped before it wrote anything of its own (each file only while
 * its name is still free; what an earlier --fresh run had set aside is back under its name too, byte for byte), `drop` once
 * it did (the copy an earlier --fresh run had set aside is let go: one generation is kept). Each runs once; the other is then
 * a no-op.
 */
export interface SetAside {
  putBack(): void;
  drop(): void;
}

/** What nothing was set aside by. */
export const NOTHING_SET_ASIDE: SetAside = { putBack: () => {}, drop: () => {} };

/**
 * The largest copy an earlier --fresh run set aside (`*.replaced.*`) that setAside keeps in memory while the new run goes on
 * (bytes; a summary or an aggregate is some kilobytes): a larger one is moved to a third name, `*.replaced.replaced.*`,
 * instead, as before this bound, which a SIGKILL before the run settles leaves behind.
 */
export const MAX_REMEMBERED_BYTES = 4 * 1024 * 1024;

/**
 * Move those of `files` in `out` aside (f → replacedName(f), each rename atomic), saying what moved in one line to `log`
 * (`whose`: "demo", the run they are of). The bytes of a copy an earlier --fresh run set aside (replacedName(f)) are kept in
 * memory before it is renamed over, and written back (atomically) by putBack: putting back restores the folder as it was
 * (was: that copy was first moved to a third name, replacedName(replacedName(f)), which a SIGKILL before the run settled
 * left behind). Killed before it settles, the folder holds f's copy under replacedName(f), and the older copy is gone, as
 * `drop` would leave it; one larger than MAX_REMEMBERED_BYTES still goes to the third name meanwhile. A name in the way that
 * is no file (a folder) is refused before anything moves, and a rename that fails puts back what moved before it, so a
 * failure leaves `out` as it was.
 */
export function setAside(out: string, files: readonly string[], log: (s: string) => void, whose: string): SetAside {
  const at = (f: string) => join(out, f);
  const moved = files.filter((f) => existsSync(at(f)));
  if (!moved.length) return NOTHING_SET_ASIDE;
  const older = (f: string) => replacedName(replacedName(f));
  const st = (name: string) => lstatSync(at(name), { throwIfNoEntry: false });
  const over = moved.filter((f) => st(replacedName(f))?.isFile());
  const big = over.filter((f) => st(replacedName(f))!.size > MAX_REMEMBERED_BYTES); // moved to the third name meanwhile
  for (const name of [...moved.map(replacedName), ...big.map(older)]) {
    const s = st(name);
    if (s && !s.isFile()) throw new DataError(`${at(name)} is in the way of setting the earlier ${whose}'s ${moved.join(', ')} aside (--fresh moves them to *.replaced.*): it is no file; move or remove it, then run again`);
  }
  // the copies an earlier --fresh run set aside, kept in memory while this run may still put them back
  const remembered = new Map(over.filter((f) => !big.includes(f)).map((f) => [f, readFileSync(at(replacedName(f)))]));
  const restore = (f: string) => {
    const bytes = remembered.get(f);
    if (bytes) writeFileAtomicSync(at(replacedName(f)), bytes);
  };
  const undo: (() => void)[] = [];
  try {
    for (const f of big) {
      renameSync(at(replacedName(f)), at(older(f)));
      undo.push(() => renameSync(at(older(f)), at(replacedName(f))));
    }
    for (const f of moved) {
      renameSync(at(f), at(replacedName(f)));
      undo.push(() => (renameSync(at(replacedName(f)), at(f)), restore(f)));
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
      if (put) restore(f);
      if (!big.includes(f) || !existsSync(at(older(f)))) continue;
      if (put) renameSync(at(older(f)), at(replacedName(f)));
      else rmSync(at(older(f)), { force: true });
    }
    remembered.clear();
  };
  return { putBack: () => settle(true), drop: () => settle(false) };
}

/** setAside of a demo's summary (SUMMARY_FILES) in `out`. */
export function setAsideSummary(out: string, log: (s: string) => void): SetAside {
  return setAside(out, SUMMARY_FILES, log, 'demo');
}
