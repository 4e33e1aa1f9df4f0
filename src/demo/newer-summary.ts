/**
 * The summary a demo writes at its end over the one in its --out (the main demo's results.json, the feedback demo's
 * feedback.json), refused before any work when a newer askfirst wrote it: neither demo reads its own before its end, so one
 * was written over without a word once the whole run was done. A missing or damaged one is written again.
 */
import { readFileSync } from 'node:fs';

/** What the user may do instead of upgrading askfirst, as the refusal says it. */
export const ANOTHER_OUT = 'give the demo another --out';

/**
 * Refuse the summary `file` when a newer askfirst wrote it: `check` throws, in one line naming the file, for the JSON it
 * holds (`instead`: ANOTHER_OUT). Nothing is checked when there is no file or it is not JSON (the demo writes it again).
 */
export function refuseNewerSummary(file: string, check: (json: unknown, file: string, instead: string) => void): void {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return; // none, or damaged: this run writes it
  }
  check(json, file, ANOTHER_OUT);
}
