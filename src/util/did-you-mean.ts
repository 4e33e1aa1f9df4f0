/**
 * commander's suggestion for an unknown word, for the names the CLI checks itself (a policy, a training stage, a reward,
 * an enum flag's or setting's value, a key of a settings file): "(Did you mean builtin?)",
 * or "(Did you mean one of a, b?)" for ties, or nothing when no name is close. commander's rule: the fewest edits, at
 * most 2, and more than 40 % of the longer word left as it was.
 */
import leven from 'leven';

const MAX_EDITS = 2;

/** The names closest to `word` (sorted), none when none is close enough. */
export function closestNames(word: string, names: readonly string[]): string[] {
  let best = MAX_EDITS + 1;
  let close: string[] = [];
  for (const name of new Set(names)) {
    const d = leven(word, name, { maxDistance: MAX_EDITS + 1 }); // any farther is MAX_EDITS + 1: never close
    if (d > MAX_EDITS || (Math.max(word.length, name.length) - d) / Math.max(word.length, name.length) <= 0.4) continue;
    if (d < best) [best, close] = [d, [name]];
    else if (d === best) close.push(name);
  }
  return close.sort();
}

/**
 * " (Did you mean X?)" for the closest of `names`, or '' when none is close (commander's wording, on the same line);
 * `spell` writes a name as the user should type it (a policy with its argument).
 */
export function didYouMean(word: string, names: readonly string[], spell: (name: string) => string = (n) => n): string {
  const close = closestNames(word, names).map(spell);
  return close.length === 0 ? '' : ` (Did you mean ${close.length > 1 ? 'one of ' : ''}${close.join(', ')}?)`;
}

/** Unknown `words` for a message, each followed by its suggestion among `names`: `corect (Did you mean correct?), foo`. */
export function eachWithSuggestion(words: readonly string[], names: readonly string[]): string {
  return words.map((w) => `${w}${didYouMean(w, names)}`).join(', ');
}
