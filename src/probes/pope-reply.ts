/**
 * Reading a presence reply that named no option, as POPE-style evaluations read free text.
 *
 * The protocol's matcher (episode/parse.ts, ProactiveBench's rules) takes an option's whole text or its letter, so a
 * VLM's ordinary answer to "Is there a cat in the image?" — "Yes, there is a cat.", "No.", "**Yes**" — named no option
 * and was counted as unparseable, a negative: every such "No." was scored wrong and every "Yes, …" cost recall. POPE's
 * own evaluation reads the first sentence for a "no" word and takes anything else as yes; lmms-eval's pope task takes
 * only an exact "yes" or "no" (docs/probes.md, "POPE splits"). The probe takes the middle road, first word only: a reply
 * whose first word is "yes" or "no" (any case, after a leading reasoning block and markdown emphasis or quotes) answers
 * that; "I cannot tell from this image" without its full stop is the ask option. Anything else stays unparseable
 * ("Not sure", "There is a cat", "I think yes"): POPE would read some of those as yes or no, we do not guess.
 */
import { normalizeText } from '../episode/parse.js';
import { PRESENCE_CANNOT, type PresenceAnswer } from '../episode/presence.js';
import { stripThinking } from '../episode/thinking.js';

const CANNOT = normalizeText(PRESENCE_CANNOT).replace(/\.$/, '');

/** The answer a free-text presence reply gives by its first word (or the ask option's text without its full stop), else null. */
export function firstWordAnswer(reply: string): PresenceAnswer | null {
  const text = stripThinking(reply).trim();
  if (normalizeText(text).replace(/[.!]$/, '') === CANNOT) return 'cannot';
  const word = /^[\s*_"'`“‘]*([A-Za-z]+)/.exec(text)?.[1].toLowerCase();
  return word === 'yes' ? 'yes' : word === 'no' ? 'no' : null;
}
