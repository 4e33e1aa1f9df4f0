/**
 * The library's `evaluate` (docs/library.md): eval/evaluate.ts's, which with `out` writes what `askfirst eval` writes
 * (`OUT/<mode>/results.jsonl`, `OUT/summary.json`), after refusing an `out` that `askfirst eval` refuses: one holding
 * another command's output (a suite, a training run, a demo, a probe's results…) or eval's results of several policies
 * (outputs/out-owner.ts), in the same one line. Without the check it wrote its results into such a folder.
 */
import { evaluate as evaluateEpisodes, type EvaluateOptions, type EvaluateResult } from '../eval/evaluate.js';
import { refuseOtherLayout, refuseOthersOutput, type Writing } from '../outputs/out-owner.js';

/** How a refusal names the library's option and call. */
const LIBRARY: Writing = { option: 'out', writer: 'evaluate()' };

export async function evaluate(o: EvaluateOptions): Promise<EvaluateResult> {
  if (o.out !== undefined) {
    refuseOthersOutput([o.out], 'eval', LIBRARY);
    refuseOtherLayout(o.out, 'one policy', LIBRARY);
  }
  return evaluateEpisodes(o);
}
