/**
 * The summary an earlier demo left in a `--fresh` demo's folder (results.json, report.html, MODEL_CARD.md), moved aside as
 * the new demo starts (results.replaced.json, report.replaced.html, MODEL_CARD.replaced.md): a --fresh demo stopped mid-way
 * left the earlier demo's results.json beside its half-done new stages, and `--aggregate-only` (or anyone reading the
 * folder) took the earlier figures as this demo's. Moved, not deleted; moved back if the demo is stopped before it wrote
 * anything of its own (the earlier demo is then whole again).
 */
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_CARD_FILE, REPORT_FILE, RESULTS_FILE } from '../report/results-io.js';

/** The files of a finished demo's summary, which every demo writes at its end. */
export const SUMMARY_FILES = [RESULTS_FILE, REPORT_FILE, MODEL_CARD_FILE] as const;

/** Where a --fresh demo moves `file` of the earlier demo: "results.json" → "results.replaced.json". */
export function replacedName(file: string): string {
  const dot = file.lastIndexOf('.');
  return `${file.slice(0, dot)}.replaced${file.slice(dot)}`;
}

/**
 * Move the earlier demo's summary in `out` aside (each rename atomic; one a --fresh demo set aside before is replaced, and
 * the line says so), saying what moved in one line to `log`; returns what moves it back, each file only while its name is
 * still free (the caller runs it when the demo stopped before it wrote anything).
 */
export function setAsideSummary(out: string, log: (s: string) => void): () => void {
  const moved = SUMMARY_FILES.filter((f) => existsSync(join(out, f)));
  if (!moved.length) return () => {};
  const over = moved.filter((f) => existsSync(join(out, replacedName(f))));
  for (const f of moved) renameSync(join(out, f), join(out, replacedName(f)));
  const replacing = over.length ? `, replacing the ${over.map(replacedName).join(', ')} an earlier --fresh demo set aside` : '';
  log(`demo: --fresh: the earlier demo's ${moved.join(', ')} in ${out} moved to ${moved.map(replacedName).join(', ')}${replacing} (their figures are not this demo's)`);
  return () => {
    for (const f of moved) if (!existsSync(join(out, f)) && existsSync(join(out, replacedName(f)))) renameSync(join(out, replacedName(f)), join(out, f));
  };
}
