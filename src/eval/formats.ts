/**
 * The versions of eval's JSON files (util/file-format.ts): each mode's `run.json` (eval/store.ts, the probes' parts too)
 * and eval's `summary.json` (eval/evaluate.ts, read by `askfirst report`).
 */
import type { FileFormat } from '../util/file-format.js';

export const RESULTS_RUN_FORMAT: FileFormat = { name: 'askfirst-results-run', version: 1 };
export const EVAL_SUMMARY_FORMAT: FileFormat = { name: 'askfirst-eval-summary', version: 1 };
