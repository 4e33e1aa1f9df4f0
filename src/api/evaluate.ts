/**
 * The library's `evaluate` (docs/library.md): eval/evaluate.ts's, which with `out` writes what `askfirst eval` writes
 * (`OUT/<mode>/results.jsonl`, `OUT/summary.json`), after refusing an `out` that `askfirst eval` refuses: one holding
 * another command's output (a suite, a training run, a demo, a probe's results…) or eval's results of several policies
 * (outputs/out-owner.ts), in the same one line. Without the check it wrote its results into such a folder.
 * Its options are checked first (api/arguments.ts): an unknown name (`outdir`), a mode that is none of EVAL_MODES (it was
 * played and summarised under that name), `modes` as one string (played as one mode per letter), a spec where a Policy
 * object goes, each in one line.
 */
import { evaluate as evaluateEpisodes, type EvaluateOptions, type EvaluateResult } from '../eval/evaluate.js';
import { EVAL_MODES } from '../episode/types.js';
import { didYouMean } from '../util/did-you-mean.js';
import { refuseOtherLayout, refuseOthersOutput, type Writing } from '../outputs/out-owner.js';
import { InputError } from '../util/errors.js';
import { checkOptions, checkString, given, refuse } from './arguments.js';

/** How a refusal names the library's option and call. */
const LIBRARY: Writing = { option: 'out', writer: 'evaluate()' };
const CALL = 'evaluate()';

/** Every option EvaluateOptions has (the compiler keeps this in step with it). */
const OPTIONS = {
  episodes: true,
  loader: true,
  policy: true,
  modes: true,
  out: true,
  run: true,
  overwrite: true,
  earlierDataFingerprints: true,
  batchSize: true,
  sample: true,
  showProgress: true,
  signal: true,
  summaryExtra: true,
  notice: true,
} as const satisfies Record<keyof EvaluateOptions, true>;

export async function evaluate(o: EvaluateOptions): Promise<EvaluateResult> {
  checkEvaluateOptions(o);
  if (o.out !== undefined) {
    refuseOthersOutput([o.out], 'eval', LIBRARY);
    refuseOtherLayout(o.out, 'one policy', LIBRARY);
  }
  return evaluateEpisodes(o);
}

/** Refuse options evaluate cannot play as the caller meant, in one line naming the option (api/arguments.ts). */
function checkEvaluateOptions(o: unknown): asserts o is EvaluateOptions {
  const opts = checkOptions(CALL, o, OPTIONS, '{ episodes, loader, policy, modes, out? }');
  const { episodes, loader, policy, modes } = opts;
  const isStream = episodes !== null && typeof episodes === 'object' && typeof (episodes as { episodes?: unknown }).episodes === 'function';
  if (!Array.isArray(episodes) && !isStream) refuse(CALL, 'episodes', 'a list of episodes (generateSuite(), or loadData(spec).episodes)', episodes);
  if (typeof loader !== 'function') refuse(CALL, 'loader', 'the episodes\' view loader (memoryLoader for generateSuite()\'s, loadData(spec).loader for a folder\'s)', loader);
  const p = policy as { name?: unknown; act?: unknown } | null;
  if (p === null || typeof p !== 'object' || typeof p.act !== 'function' || typeof p.name !== 'string') {
    refuse(CALL, 'policy', typeof policy === 'string' ? `a Policy object ({ name, act }): await createPolicy(${JSON.stringify(policy)}, { episodes, seed: 0 }) makes one from a spec` : 'a Policy object ({ name, act })', policy);
  }
  const choices = `a non-empty list of ${EVAL_MODES.join(', ')}`;
  if (!Array.isArray(modes) || modes.length === 0) refuse(CALL, 'modes', typeof modes === 'string' ? `${choices} (a list: ['${modes}'])` : choices, modes);
  const seen = new Set<unknown>();
  for (const m of modes as unknown[]) {
    if (!(EVAL_MODES as readonly unknown[]).includes(m)) throw new InputError(`${CALL}: unknown mode ${given(m)}${typeof m === 'string' ? didYouMean(m, EVAL_MODES) : ''}; the modes: ${EVAL_MODES.join(', ')}`);
    if (seen.has(m)) throw new InputError(`${CALL}: modes names ${given(m)} twice: give each mode once`);
    seen.add(m);
  }
  if (opts.out !== undefined) checkString(CALL, 'out', opts.out);
  const b = opts.batchSize;
  if (b !== undefined && !(Number.isInteger(b) && (b as number) >= 1)) refuse(CALL, 'batchSize', 'a whole number, at least 1', b);
  for (const flag of ['overwrite', 'sample', 'showProgress'] as const) {
    if (opts[flag] !== undefined && typeof opts[flag] !== 'boolean') refuse(CALL, flag, 'true or false', opts[flag]);
  }
  if (opts.notice !== undefined && typeof opts.notice !== 'function') refuse(CALL, 'notice', 'a function given each line for the user (default: stderr)', opts.notice);
}
