/**
 * The inverse of ProactiveBench's multiple-choice template (`formatPrompt` in
 * src/episode/prompt.ts): recover the question and the lettered options from prompt text, so a
 * server that only receives chat messages can hand a policy the options to score.
 */
import { formatPrompt } from '../../episode/prompt.js';
import { optionLetter } from '../../episode/parse.js';

const MARKER = ' Choose from the following options. Options:\n';
const TAIL = 'Please only return one of the options without any other words.';

export interface ParsedMcqaPrompt {
  question: string;
  options: string[];
  /** Whether the closing instruction line was present. */
  shortAnswer: boolean;
}

/** Parse a prompt in the MCQA template, or return null when the text is not one. */
export function parseMcqaPrompt(text: string): ParsedMcqaPrompt | null {
  const at = text.lastIndexOf(MARKER);
  if (at < 0) return null;
  const question = text.slice(0, at);
  let rest = text.slice(at + MARKER.length);
  let shortAnswer = false;
  if (rest.endsWith(TAIL)) {
    shortAnswer = true;
    rest = rest.slice(0, rest.length - TAIL.length);
  }
  if (!rest.endsWith('\n')) return null;
  const lines = rest.slice(0, -1).split('\n');
  const options: string[] = [];
  for (const line of lines) {
    const letter = optionLetter(options.length);
    if (!line.startsWith(`${letter}. `)) {
      // An option text with a newline in it continues the previous option.
      if (!options.length) return null;
      options[options.length - 1] += `\n${line}`;
      continue;
    }
    options.push(line.slice(letter.length + 2));
  }
  if (!options.length) return null;
  // Only accept what the template would reproduce exactly.
  if (formatPrompt(question, options, shortAnswer) !== text) return null;
  return { question, options, shortAnswer };
}
