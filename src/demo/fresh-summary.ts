/**
 * The summary an earlier demo left in a `--fresh` demo's folder (results.json, report.html, MODEL_CARD.md), moved aside as
 * the new demo starts (results.replaced.json, report.replaced.html, MODEL_CARD.replaced.md): a --fresh demo stopped mid-way
 * left the earlier demo's results.json beside its half-done new stages, and `--aggregate-only` (or anyone reading the
 * folder) took the earlier figures as this demo's. Moved, not deleted; moved back if the demo is stopped before it wrote
 * anything of its own (the earlier demo is then whole again, and so is what an earlier --fresh demo had set aside: it was
 * renamed over and lost; its bytes, permissions and times are kept in memory meanwhile, never under a third name on disk:
 * setAside; one too large to keep so is refused in one line, MAX_REMEMBERED_BYTES).
 * `demo --seeds … --fresh` sets its earlier aggregate.json and aggregate.html aside the same way (seeds.ts runSeeds).
 */
import { existsSync, lstatSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
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
 * its name is still free; what an earlier --fresh run had set aside is back under its name too, byte for byte, with its
 * permissions and times), `drop` once it did (the copy an earlier --fresh run had set aside is let go: one generation is
 * kept; so is a third name an older askfirst left, LEFTOVER). Each runs once; the other is then a no-op.
 */
export interface SetAside {
  putBack(): void;
  drop(): void;
}

/** What nothing was set aside by. */
export const NOTHING_SET_ASIDE: SetAside = { putBack: () => {}, drop: () => {} };

/**
 * The largest copy an earlier --fresh run set aside (`*.replaced.*`) that setAside keeps in memory while the new run goes on
 * (bytes; the quick demo's report.html is 321 KB, its results.json 275 KB). A larger one is refused in one line before
 * anything moves, saying to move or remove it. Why refused, not kept some other way or let go: keeping it on disk meanwhile
 * needs a third name, which a SIGKILL leaves behind (a second mechanism, the one this replaced); letting it go at once
 * breaks the promise that a run stopped before it wrote anything leaves the folder as it was; and a file this large is none
 * a demo writes, so the one who put it there is the one to say whether it may go.
 */
export const MAX_REMEMBERED_BYTES = 4 * 1024 * 1024;

/**
 * The third name, `*.replaced.replaced.*`, under which askfirst before MAX_REMEMBERED_BYTES (and, for a copy above it, until
 * it was refused) kept the older copy while a --fresh run went on: one killed then (SIGKILL) left it, and nothing removed it.
 * setAside names such a leftover in one line and removes it with the older generation when the new run writes its own
 * (`drop`); put back, it stays as it was found.
 */
export function leftoverName(file: string): string {
  return replacedName(replacedName(file));
}

const MiB = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/**
 * Move those of `files` in `out` aside (f → replacedName(f), each rename atomic), saying what moved in one line to `log`
 * (`whose`: "demo", the run they are of). The bytes, permissions and times of a copy an earlier --fresh run set aside
 * (replacedName(f)) are kept in memory before it is renamed over, and written back (atomically) by putBack: putting back
 * restores the folder as it was. Killed before it settles, the folder holds f's copy under replacedName(f), and the older
 * copy is gone, as `drop` would leave it; no third name is ever written. A copy above MAX_REMEMBERED_BYTES, a name in
 * the way that is no file (a folder), or a folder under one of `files`' names, is refused before anything moves, and a rename that fails puts back what moved before
 * it, so a failure leaves `out` as it was. A LEFTOVER third name (leftoverName) is said in a line and removed by `drop`.
 */
export function setAside(out: string, files: readonly string[], log: (s: string) => void, whose: string): SetAside {
  const at = (f: string) => join(out, f);
  const st = (name: string) => lstatSync(at(name), { throwIfNoEntry: false });
  const moved = files.filter((f) => existsSync(at(f)));
  // a folder under a summary file's name is no summary of an earlier run: refused, not moved aside as one
  const folders = moved.filter((f) => statSync(at(f)).isDirectory());
  if (folders.length) {
    throw new DataError(`${folders.map(at).join(', ')} ${folders.length > 1 ? 'are folders' : 'is a folder'}, not the earlier ${whose}'s ${folders.join(', ')}: --fresh sets only files aside (to *.replaced.*); move or rename ${folders.length > 1 ? 'them' : 'it'}, then run again`);
  }
  const leftovers = files.map(leftoverName).filter((name) => st(name)?.isFile());
  if (!moved.length && !leftovers.length) return NOTHING_SET_ASIDE;
  const over = moved.filter((f) => st(replacedName(f))?.isFile());
  for (const name of moved.map(replacedName)) {
    const s = st(name);
    if (s && !s.isFile()) throw new DataError(`${at(name)} is in the way of setting the earlier ${whose}'s ${moved.join(', ')} aside (--fresh moves them to *.replaced.*): it is no file; move or remove it, then run again`);
  }
  for (const name of over.map(replacedName)) {
    const size = st(name)!.size;
    if (size > MAX_REMEMBERED_BYTES) {
      throw new DataError(
        `${at(name)} (${MiB(size)} MiB, set aside by an earlier --fresh ${whose}) is larger than the ${MiB(MAX_REMEMBERED_BYTES)} MiB a --fresh ${whose} keeps to put it back if stopped; move or remove it, then run again`,
      );
    }
  }
  // the copies an earlier --fresh run set aside, kept in memory (with their permissions and times) while this run may still put them back
  const remembered = new Map(
    over.map((f) => {
      const s = st(replacedName(f))!;
      return [f, { bytes: readFileSync(at(replacedName(f))), meta: { mode: s.mode, atime: s.atime, mtime: s.mtime } }] as const;
    }),
  );
  const restore = (f: string) => {
    const copy = remembered.get(f);
    if (copy) writeFileAtomicSync(at(replacedName(f)), copy.bytes, copy.meta);
  };
  const undo: (() => void)[] = [];
  try {
    for (const f of moved) {
      renameSync(at(f), at(replacedName(f)));
      undo.push(() => (renameSync(at(replacedName(f)), at(f)), restore(f)));
    }
  } catch (e) {
    for (const back of undo.reverse()) back();
    throw new DataError(`could not set the earlier ${whose}'s ${moved.join(', ')} in ${out} aside (${(e as Error).message}); nothing was moved: free those names, then run again`, { cause: e });
  }
  const replacing = over.length ? `, replacing the ${over.map(replacedName).join(', ')} an earlier --fresh ${whose} set aside` : '';
  if (moved.length) log(`demo: --fresh: the earlier ${whose}'s ${moved.join(', ')} in ${out} moved to ${moved.map(replacedName).join(', ')}${replacing} (their figures are not this ${whose}'s)`);
  if (leftovers.length) log(`demo: --fresh: ${leftovers.join(', ')} in ${out}, left by an older askfirst stopped mid-way, will be removed once this ${whose} writes its own (one earlier copy, *.replaced.*, is kept)`);
  let settled = false;
  const settle = (back: boolean) => {
    if (settled) return;
    settled = true;
    for (const f of moved) {
      if (!back || existsSync(at(f)) || !existsSync(at(replacedName(f)))) continue;
      renameSync(at(replacedName(f)), at(f));
      restore(f);
    }
    if (!back) for (const name of leftovers) rmSync(at(name), { force: true });
    remembered.clear();
  };
  return { putBack: () => settle(true), drop: () => settle(false) };
}

/** setAside of a demo's summary (SUMMARY_FILES) in `out`. */
export function setAsideSummary(out: string, log: (s: string) => void): SetAside {
  return setAside(out, SUMMARY_FILES, log, 'demo');
}
