/**
 * A reply's leading reasoning block, in the markup of every VLM family that writes one, removed before the reply is
 * matched to an option (parse.ts `parseReply`). The markers, as each family's chat template and its serving stack's
 * reasoning parser spell them:
 * - `<think>` … `</think>`: Qwen3-VL and Qwen3.5, GLM-4.1V-Thinking / GLM-4.5V, InternVL3.5 and Intern-S1 (thinking
 *   mode), MiMo-VL, MiniCPM-V 4.5, Keye-VL, ERNIE-4.5-VL, Step3 (LLaMA-Factory's templates, `ReasoningTemplate`'s
 *   default thought words; vLLM's qwen3, glm45, mimo, ernie45 and step3 reasoning parsers);
 * - `◁think▷` … `◁/think▷`: Kimi-VL-Thinking (LLaMA-Factory's kimi_vl template);
 * - `<|channel>` … `<channel|>`: Gemma 4, whose thought channel opens `<|channel>thought\n` (vLLM's
 *   reasoning/gemma4_utils.py, LLaMA-Factory's gemma4 template);
 * - `<|channel|>analysis<|message|>` … `<|end|><|start|>assistant<|channel|>final<|message|>`: gpt-oss's harmony
 *   format (LLaMA-Factory's gpt_oss template).
 * Only a block the reply starts with is removed, and only the first: a block after the answer, or a second one, stays
 * (and the reply then names no option). Since Qwen3.5 (and Qwen3-VL's Thinking models) the chat template opens the
 * block in the prompt, so the generated text holds only its end (vLLM's qwen3 parser): a reply whose text up to a
 * closing marker holds no opening marker of that family lost its opening to the prompt, and that text is the block.
 * Markers are matched ignoring ASCII case, as JavaScript's `/i` without `u` does. integrations/lmms_eval's
 * `strip_thinking` is this in Python (tests/lmms-eval-task.test.ts reads every reply both ways).
 *
 * What is left may be wrapped, in GLM's markup, around the answer (`ANSWER_WRAPPERS`): GLM-4.1V-Thinking writes
 * `<answer>…</answer>` after its block (zai-org/GLM-V's README and trans_infer_cli.py; vLLM's glm45 reasoning parser
 * leaves it in `content`; LLaMA-Factory's glm4v and glm4_5v templates stop at `</answer>`, so a server that stops there
 * returns the opening only), and GLM-4.5V (its API too) boxes its final answer in `<|begin_of_box|>…<|end_of_box|>`,
 * inside `<answer>` in GLM-4.1V's reward data (zai-org/GLM-V glmv_reward). `<answer>` is removed only when it is the
 * whole of what is left, whitespace around it aside (also with no closing marker when nothing follows it but the
 * answer); then a box, also amid other text ("The answer is <|begin_of_box|>B<|end_of_box|>."), as GLM-V reads its
 * answer (glmv_reward's verifiers: the one box's inside, `find_boxed_content`; no answer when the text holds more than
 * one box marker of a kind, `check_answer_format`); vLLM's glm45 reasoning parser removes only `<think>` and leaves the
 * box in `content`. The answer is the inside without surrounding whitespace. Two boxes, or an unclosed one, stay.
 *
 * Then LaTeX's `\boxed{…}` (or `\fbox{…}`), the final answer of reasoning models prompted Qwen-Math style ("put your
 * final answer within \boxed{}"; GLM-V's own prompts too), read as GLM's box is (`latexBox`): GLM-V's glmv_reward reads
 * `\boxed{…}` before its box tokens, the braces counted (`find_boxed_content_with_boxed`), as Hendrycks' MATH
 * `last_boxed_only_string` does for `\boxed` and `\fbox`; amid other text (`$\boxed{B}$`, "so \boxed{B}.") its inside,
 * without surrounding whitespace, is the answer, and a whole-inside `\text{…}` (also `\textbf`, `\mathrm`, `\mbox`) is
 * taken off as Qwen-Math's `strip_string` does (`\boxed{\text{B}}` is `B`). As for GLM's box, a reply with two boxes
 * (of either kind: `\boxed{A} … \boxed{B}`, `\boxed{A} <|begin_of_box|>B<|end_of_box|>`) or one whose braces do not
 * close stays and names no option (math graders that take the last box would read a changed mind; a multiple-choice
 * answer here is one). LaTeX commands are matched case-sensitively, as LaTeX reads them.
 */

export interface ReasoningMarkers {
  open: string;
  close: string;
  /**
   * A role label the family writes first inside its block, not part of the reasoning: Gemma 4's `thought\n`
   * (`<|channel>thought\n…<channel|>`), which vLLM's gemma4 reasoning parser takes off the reasoning it sends
   * (reasoning/gemma4_reasoning_parser.py `_strip_thought_label`: exactly `thought\n`, at the reasoning's start).
   */
  label?: string;
}

/** The reasoning markup of each family (above), tried in this order. */
export const REASONING_MARKERS: readonly ReasoningMarkers[] = [
  { open: '<think>', close: '</think>' },
  { open: '◁think▷', close: '◁/think▷' },
  { open: '<|channel>', close: '<channel|>', label: 'thought\n' },
  { open: '<|channel|>analysis<|message|>', close: '<|end|><|start|>assistant<|channel|>final<|message|>' },
];

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A block opened in the reply: whitespace, an opening marker, the reasoning, its closing marker. */
const OPENED = new RegExp(`^\\s*(?:${REASONING_MARKERS.map((m) => `${esc(m.open)}[\\s\\S]*?${esc(m.close)}`).join('|')})`, 'i');
/** A block opened in the prompt: text holding no opening marker of the family, then its closing marker. */
const UNOPENED = new RegExp(`^(?:${REASONING_MARKERS.map((m) => `(?:(?!${esc(m.open)})[\\s\\S])*?${esc(m.close)}`).join('|')})`, 'i');
/** A reply that opens a block (after whitespace), and each family's closing marker. */
const OPENS = new RegExp(`^\\s*(?:${REASONING_MARKERS.map((m) => esc(m.open)).join('|')})`, 'i');
const CLOSES = new RegExp(REASONING_MARKERS.map((m) => esc(m.close)).join('|'), 'i');

/**
 * GLM's answer wrappers (above), unwrapped in this order; `open` alone is enough for `<answer>` (`unclosed`: stopped at
 * `</answer>`), and a box may stand amid other text (`amid`) that holds no other box marker.
 */
export const ANSWER_WRAPPERS: readonly (ReasoningMarkers & { unclosed: boolean; amid: boolean })[] = [
  { open: '<answer>', close: '</answer>', unclosed: true, amid: false },
  { open: '<|begin_of_box|>', close: '<|end_of_box|>', unclosed: false, amid: true },
];
/** LaTeX's box commands (above), each as written before its brace. */
export const LATEX_BOXES: readonly string[] = ['\\boxed{', '\\fbox{'];
/** LaTeX's text commands taken off a box's whole inside (above). */
const LATEX_TEXT = /^\\(?:text|textbf|textrm|mathrm|mbox)\{/;
/**
 * A wrapper that is the whole text (whitespace, its opening, an inside holding no closing marker, its closing,
 * whitespace), or for one `amid`, the one pair of its markers in the text: text without either marker (nor a LaTeX box)
 * around it.
 */
const WRAPPED = ANSWER_WRAPPERS.map(({ open, close, unclosed, amid }) => {
  const neither = `(?:(?!${esc(open)}|${esc(close)})[\\s\\S])*`;
  const inside = amid ? `(${neither}?)` : `((?:(?!${esc(close)})[\\s\\S])*?)`;
  const around = amid ? `(?:(?!${[open, close].map(esc).join('|')}|${LATEX_BOXES.map(esc).join('|')})[\\s\\S])*` : '\\s*';
  return new RegExp(`^${around}${esc(open)}\\s*${inside}\\s*(?:${esc(close)}${around})${unclosed ? '?' : ''}$`, 'di');
});
/** GLM's box markers, anywhere (a LaTeX box with one around it is not the one box). */
const GLM_BOX_MARKER = new RegExp(ANSWER_WRAPPERS.filter((w) => w.amid).flatMap((w) => [w.open, w.close]).map(esc).join('|'), 'i');
const LEADING_WS = /^\s*/;
const TRAILING_WS = /\s*$/;

/** Where the `{` at `open` closes (braces counted, as GLM-V and MATH count them): the index of its `}`, or -1. */
function closingBrace(s: string, open: number): number {
  for (let i = open, depth = 0; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/**
 * The answer's span in `s` inside its one LaTeX box (above), its whitespace and a whole-inside `\text{…}` taken off:
 * [start, end); undefined when `s` holds no box, two, one that does not close, or GLM's box markers around it.
 */
export function latexBox(s: string): [number, number] | undefined {
  let found: [number, number] | undefined;
  for (let i = s.indexOf('\\'); i >= 0; i = s.indexOf('\\', i)) {
    const cmd = LATEX_BOXES.find((c) => s.startsWith(c, i));
    if (!cmd) {
      i++;
      continue;
    }
    const close = closingBrace(s, i + cmd.length - 1);
    if (close < 0 || found) return undefined;
    found = [i + cmd.length, close];
    i = close + 1;
  }
  if (!found || GLM_BOX_MARKER.test(s.slice(0, found[0])) || GLM_BOX_MARKER.test(s.slice(found[1]))) return undefined;
  let [start, end] = found;
  for (;;) {
    start += LEADING_WS.exec(s.slice(start, end))![0].length;
    end -= TRAILING_WS.exec(s.slice(start, end))![0].length;
    const cmd = LATEX_TEXT.exec(s.slice(start, end));
    if (!cmd || closingBrace(s, start + cmd[0].length - 1) !== end - 1) return [start, end];
    [start, end] = [start + cmd[0].length, end - 1];
  }
}

/**
 * The answer's span in `s` inside GLM's wrappers and a LaTeX box (above): `<answer>` when it is all the text holds, then
 * GLM's one box, then the one LaTeX box; [start, end) with `s.slice(start, end)` the answer ([0, s.length] when none).
 */
function unwrappedSpan(s: string, from = 0): [number, number] {
  let [start, end] = [from, s.length];
  for (const re of WRAPPED) {
    const at = re.exec(s.slice(start, end))?.indices?.[1];
    if (at) [start, end] = [start + at[0], start + at[1]];
  }
  const box = latexBox(s.slice(start, end));
  return box ? [start + box[0], start + box[1]] : [start, end];
}

/** The answer inside GLM's wrappers and a LaTeX box (above); the text as it is when it has none. */
export function unwrapAnswer(s: string): string {
  const [start, end] = unwrappedSpan(s);
  return s.slice(start, end);
}

/** Whether a token is the opening of an answer wrapper (GLM's `<answer>` and `<|begin_of_box|>` are one token each). */
export function opensAnswerWrapper(token: string): boolean {
  const t = token.trim().toLowerCase();
  return ANSWER_WRAPPERS.some((w) => w.open === t);
}

/** Where the reply's leading reasoning block (above) ends, just past its closing marker; 0 when it has none. */
export function reasoningEnd(s: string): number {
  return (OPENED.exec(s) ?? UNOPENED.exec(s))?.[0].length ?? 0;
}

/**
 * The reply's answer: without its leading reasoning block and the whitespace after it, and out of GLM's answer wrappers
 * and a LaTeX box (above: `<answer>` when it is all that is left, then one box); the reply as it is when it has neither.
 */
export function stripThinking(s: string): string {
  const [start, end] = answerSpan(s);
  return s.slice(start, end);
}

/** Where the reply's answer (`stripThinking`) is in it: [start, end), `s.slice(start, end)` being the answer. */
export function answerSpan(s: string): [number, number] {
  const end = reasoningEnd(s);
  return unwrappedSpan(s, end ? end + LEADING_WS.exec(s.slice(end))![0].length : 0);
}

/**
 * The reasoning of the reply's leading block (above), its markers, the whitespace before its opening and its family's
 * role label (Gemma 4's `thought\n`) taken off, as a serving stack's reasoning parser hands it over in
 * `reasoning_content` (vLLM's); undefined when the reply has none.
 */
export function reasoningOf(s: string): string | undefined {
  const end = reasoningEnd(s);
  if (!end) return undefined;
  const block = s.slice(0, end).toLowerCase();
  const m = REASONING_MARKERS.find((k) => block.endsWith(k.close.toLowerCase()))!;
  const opening = OPENED.test(s) ? LEADING_WS.exec(s)![0].length + m.open.length : 0;
  const reasoning = s.slice(opening, end - m.close.length);
  return m.label !== undefined && reasoning.startsWith(m.label) ? reasoning.slice(m.label.length) : reasoning;
}

/**
 * The reply as a serving stack's reasoning parser sends it in `content`: what follows its leading reasoning block
 * (`reasoningOf`), the whitespace after the closing marker kept, as vLLM's parsers keep it (basic_parsers.py
 * `extract_reasoning`: the text after the end token); the reply as it is when it has no block. Its answer is not
 * unwrapped: that is `stripThinking`, what askfirst reads.
 */
export function contentOf(s: string): string {
  return s.slice(reasoningEnd(s));
}

/** Whether the reply opens with a reasoning block's opening marker (after whitespace). */
export function opensReasoning(s: string): boolean {
  return OPENS.test(s);
}

/** Whether the reply opens a reasoning block and holds no closing marker: it was all reasoning, cut off or not. */
export function opensUnclosedReasoning(s: string): boolean {
  return OPENS.test(s) && !CLOSES.test(s);
}
