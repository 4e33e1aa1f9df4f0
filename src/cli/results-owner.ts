/**
 * Whose results an --out holds. `askfirst eval` and the two probes each write summary.json at the top of their --out
 * (the probes also items.jsonl and report.html), beside per-mode folders of their own names (eval's proactive/,
 * reference/; the hallucination probe's presence/; injection's clean/, attacked/), so each resumes only its own runs and
 * took another's --out for a new one: `probe injection --out` a hallucination probe's folder, or `eval --out` a probe's
 * (or the other way round), wrote over the other's summary.json (and report.html, items.jsonl), exit 0. They now refuse
 * such an --out before any work.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../util/errors.js';

/** The commands that write summary.json at the top of their --out. */
export type ResultsWriter = 'eval' | 'probe hallucination' | 'probe injection';

/** The command whose summary.json `dir` holds, when it can be told (a probe's names it; eval's holds a data fingerprint). */
function writerOf(dir: string): ResultsWriter | undefined {
  let s: unknown;
  try {
    s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  } catch {
    return undefined; // none, or unreadable: its own command reports or rewrites it
  }
  if (!s || typeof s !== 'object' || Array.isArray(s)) return undefined;
  const probe = (s as { probe?: unknown }).probe;
  if (probe === 'hallucination' || probe === 'injection') return `probe ${probe}`;
  return 'dataFingerprint' in s ? 'eval' : undefined;
}

/** Refuse to write `self`'s results into any of `dirs` when it holds another command's (summary.json says whose). */
export function refuseOthersResults(dirs: readonly string[], self: ResultsWriter): void {
  for (const dir of new Set(dirs)) {
    const writer = writerOf(dir);
    if (writer && writer !== self)
      throw new InputError(`--out ${dir} holds the results of askfirst ${writer} (${join(dir, 'summary.json')}); askfirst ${self} would write over them: give another --out`);
  }
}
