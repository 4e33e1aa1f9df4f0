/**
 * The one order of names in askfirst's output (kinds, variants, categories, metric tags): English collation, whatever
 * the user's locale. `a.localeCompare(b)` follows LANG / LC_ALL: under cs_CZ "ch" sorts after "h" (ProactiveBench's
 * ChangeIt after COCO), so the same runs gave the report's example episodes, the probe's popular and adversarial "no"
 * questions and the lists of accuracy losses in another order by the shell they ran in. Pinned to en-US: the order every
 * earlier run had on an English or C locale, so no output changes there. ESLint refuses a bare localeCompare.
 */
const collator = new Intl.Collator('en-US');

/** Negative, zero or positive as `a` sorts before, with or after `b` in English. */
export function compareText(a: string, b: string): number {
  return collator.compare(a, b);
}
