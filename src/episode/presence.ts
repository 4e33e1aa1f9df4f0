/**
 * The wording of the yes/no presence question (POPE, Li et al., "Evaluating Object Hallucination
 * in Large Vision-Language Models", EMNLP 2023: "Is there a {object} in the image?"), with our
 * third answer, "I cannot tell", shown first as the one intervention-style option (the
 * protocol's "ask"). Shared by the probes that ask it and by the built-in model, which
 * recognises it to answer with its presence head — a served model sees only this text.
 */
import { normalizeText } from './parse.js';

export const PRESENCE_CANNOT = 'I cannot tell from this image.';
export const PRESENCE_YES = 'Yes';
export const PRESENCE_NO = 'No';
/** Options in display order (A, B, C): the ask-style answer first, as interventions come first. */
export const PRESENCE_OPTIONS: readonly string[] = [PRESENCE_CANNOT, PRESENCE_YES, PRESENCE_NO];

export type PresenceAnswer = 'yes' | 'no' | 'cannot';

/** "Is there a star in the image?" ("an" before a vowel). */
export function presenceQuestion(category: string): string {
  return `Is there ${/^[aeiou]/i.test(category) ? 'an' : 'a'} ${category} in the image?`;
}

const Q = /^Is there an? (.+) in the image\?$/;

/** The category a presence question asks about, or null when the text is not one. */
export function parsePresenceQuestion(question: string): string | null {
  const m = Q.exec(question.trim());
  return m ? m[1] : null;
}

/** Whether options are the presence options (text compared as the protocol compares replies). */
export function isPresenceOptions(options: readonly string[]): boolean {
  return options.length === PRESENCE_OPTIONS.length && options.every((o, i) => normalizeText(o) === normalizeText(PRESENCE_OPTIONS[i]));
}
