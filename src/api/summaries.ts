/**
 * The library's `summarize` and `intervalSummary` (docs/library.md): episode/metrics.ts's and eval/intervals.ts's, after
 * checking their one argument (api/arguments.ts): `summarize(5)` or `intervalSummary({})` threw "records is not
 * iterable" from inside the package; now one line naming the call and what to give. And `gapClosed`, after checking
 * its four numbers: it threw a TypeError on a missing `episodes`, and took an accuracy that is no number (a summary
 * object, `undefined`: NaN, as if there were no gap) or a string ("0.5": read as 0.5).
 */
import { gapClosed as gapOf, summarize as summarizeRecords, type Summary } from '../episode/metrics.js';
import type { EpisodeRecordCore } from '../episode/types.js';
import { intervalSummary as intervalsOf, type IntervalSummary } from '../eval/intervals.js';
import { given, refuse } from './arguments.js';
import { InputError } from '../util/errors.js';
import { recordProblem } from '../episode/validate.js';

const RECORDS = "a list of episode records (evaluate()'s records, or the lines of a results.jsonl)";

/** `records` as a list of objects, else a refusal naming `call`. */
function checkRecords(call: string, records: unknown): void {
  if (!Array.isArray(records)) refuse(call, 'records', RECORDS, records);
  const bad = records.findIndex((r) => r === null || typeof r !== 'object' || Array.isArray(r));
  if (bad >= 0) throw new InputError(`${call}: records[${bad}] must be an episode record, an object (got ${given(records[bad])})`);
  // the fields the metrics read (as a results.jsonl line read back is checked): `summarize([{}])` gave a kind "undefined" at 0 % accuracy
  for (let i = 0; i < records.length; i++) {
    const problem = recordProblem(records[i]);
    if (problem) throw new InputError(`${call}: records[${i}]: ${problem}`);
  }
}

/** The metrics of `records`, overall and per kind (episode/metrics.ts). */
export function summarize(records: readonly EpisodeRecordCore[]): Summary {
  checkRecords('summarize()', records);
  return summarizeRecords(records);
}

/** The 95 % intervals of `records`' rates, overall and per kind (eval/intervals.ts). */
export function intervalSummary(records: readonly EpisodeRecordCore[]): IntervalSummary {
  checkRecords('intervalSummary()', records);
  return intervalsOf(records);
}

/** An accuracy `gapClosed` takes: a rate from 0 to 1 (NaN passes through, as a summary of no episodes gives). */
function checkAccuracy(name: string, v: unknown): void {
  if (typeof v !== 'number' || !(Number.isNaN(v) || (v >= 0 && v <= 1))) refuse('gapClosed()', name, "an accuracy, a number from 0 to 1 (a summary's .accuracy)", v);
}

/** How much of the gap between `untrained` and `reference` `acc` closes over `episodes` (episode/metrics.ts). */
export function gapClosed(acc: number, untrained: number, reference: number, episodes: number): number {
  checkAccuracy('acc', acc);
  checkAccuracy('untrained', untrained);
  checkAccuracy('reference', reference);
  if (!Number.isInteger(episodes) || episodes < 0) refuse('gapClosed()', 'episodes', "the number of episodes the accuracies are over, a whole number ≥ 0 (a summary's .episodes)", episodes);
  return gapOf(acc, untrained, reference, episodes);
}
