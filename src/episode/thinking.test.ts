/** A reply's leading reasoning block, in every VLM family's markup (episode/thinking.ts). */
import { describe, expect, it } from 'vitest';
import { FAMILY_REPLIES } from '../testing/reasoning-replies.js';
import { answerSpan, contentOf, opensReasoning, reasoningOf, opensUnclosedReasoning, reasoningEnd, stripThinking } from './thinking.js';

describe('stripThinking', () => {
  it("removes the leading reasoning block of every VLM family's markup", () => {
    // Gemma 4's <|channel>thought … <channel|> (and the others but <think>) stayed, and the reply named no option
    for (const [family, reply] of Object.entries(FAMILY_REPLIES)) expect(stripThinking(reply), family).toBe('B.');
    expect(stripThinking('  <THINK>x</Think>  C. cat ')).toBe('C. cat ');
    expect(stripThinking('<|CHANNEL>thought\nx<CHANNEL|>\nA.')).toBe('A.');
  });

  it('removes the leading block only, and the first only', () => {
    expect(stripThinking('B. <think>x</think>')).toBe('B. <think>x</think>');
    expect(stripThinking('B. <|channel>thought\nx<channel|>')).toBe('B. <|channel>thought\nx<channel|>');
    expect(stripThinking('<think>a</think><think>b</think>A.')).toBe('<think>b</think>A.');
    expect(stripThinking('◁think▷a◁/think▷◁think▷b◁/think▷A.')).toBe('◁think▷b◁/think▷A.');
    // an answer with a closing marker after an opening one is not a block opened in the prompt
    expect(stripThinking('B. ◁think▷x◁/think▷')).toBe('B. ◁think▷x◁/think▷');
    expect(stripThinking('B.')).toBe('B.');
    expect(stripThinking('')).toBe('');
  });

  it('leaves a block that never closes, and says so', () => {
    for (const r of ['<think>I would say', '◁think▷I would say', '<|channel>thought\nI would say', '<|channel|>analysis<|message|>I would']) {
      expect(stripThinking(r), r).toBe(r);
      expect(opensUnclosedReasoning(r), r).toBe(true);
      expect(opensReasoning(r), r).toBe(true);
    }
    expect(opensUnclosedReasoning('B.')).toBe(false);
    expect(opensUnclosedReasoning(FAMILY_REPLIES['Gemma 4'])).toBe(false);
    expect(opensReasoning(FAMILY_REPLIES['Qwen3.5 (its template opens the block in the prompt)'])).toBe(false);
  });

  it("unwraps GLM's answer wrappers when they are all that is left", () => {
    // GLM-4.1V-Thinking's <answer>B.</answer> and GLM-4.5V's <|begin_of_box|>B.<|end_of_box|> named no option
    expect(stripThinking('<think>x</think>\n<answer>B.</answer>')).toBe('B.');
    expect(stripThinking('<think>x</think><answer> B. cat \n')).toBe('B. cat'); // the server stopped at </answer>
    expect(stripThinking('<answer>\n<|begin_of_box|>B.<|end_of_box|>\n</answer>\n')).toBe('B.');
    expect(stripThinking('<|BEGIN_of_box|>B.<|end_OF_box|>')).toBe('B.');
    expect(stripThinking('<answer></answer>')).toBe('');
    for (const r of ['<answer>B.</answer> because', '<|begin_of_box|>A<|end_of_box|> or <|begin_of_box|>B<|end_of_box|>', '<|begin_of_box|>B.', '<answer>A</answer><answer>B</answer>', 'x<|end_of_box|> <|begin_of_box|>B<|end_of_box|>', '<|begin_of_box|><|begin_of_box|>B<|end_of_box|>']) {
      expect(stripThinking(r), r).toBe(r); // GLM-V reads no answer from these either (glmv_reward: one box, no other box marker)
    }
    expect(stripThinking('<|begin_of_box|><answer>B.</answer><|end_of_box|>')).toBe('<answer>B.</answer>'); // boxes hold the answer, not the other way round
    expect(stripThinking('<|begin_of_box|><answer>B.</answer><|end_of_box|> x')).toBe('<answer>B.</answer>');
  });

  it("takes a GLM box amid other text as the answer, as GLM-V's own answer extraction does", () => {
    // it stayed, and the reply named no option (glmv_reward's find_boxed_content takes the one box's inside wherever it is)
    expect(stripThinking('The answer is <|begin_of_box|>B.<|end_of_box|>')).toBe('B.');
    expect(stripThinking('<think>x</think>\nThe cat is hidden, so <|begin_of_box|> B. cat \n<|end_of_box|>.\n')).toBe('B. cat');
    expect(stripThinking('<answer>It is <|BEGIN_OF_BOX|>A<|end_of_box|> here</answer>')).toBe('A');
    expect(stripThinking('so <|begin_of_box|>B.')).toBe('so <|begin_of_box|>B.'); // unclosed: stays
  });

  it("takes LaTeX's one \\boxed{} as the answer, as GLM's box is taken", () => {
    // a reply that boxed its answer Qwen-Math style named no option (the box and the text around it stayed)
    expect(stripThinking('\\boxed{B}')).toBe('B');
    expect(stripThinking('\\boxed{\\text{B}}')).toBe('B');
    expect(stripThinking('$\\boxed{Increase the contrast}$')).toBe('Increase the contrast');
    expect(stripThinking('<think>x</think>\nSo it is $\\boxed{ \\textbf{B.} }$.\n')).toBe('B.');
    expect(stripThinking('\\fbox{C}')).toBe('C'); // MATH's last_boxed_only_string reads \fbox too
    expect(stripThinking('\\boxed{\\frac{1}{2}}')).toBe('\\frac{1}{2}'); // braces counted, as GLM-V and MATH count them
    expect(stripThinking('<|begin_of_box|>\\boxed{B}<|end_of_box|>')).toBe('B');
    expect(stripThinking('<answer>\\boxed{B}</answer>')).toBe('B');
    // two boxes (of either kind), an unclosed one, a command LaTeX does not know: the reply stays and names no option
    for (const r of ['\\boxed{A} or \\boxed{B}', '\\boxed{B} \\boxed{B}', '\\boxed{B', '\\boxed{A} <|begin_of_box|>B<|end_of_box|>', '<|begin_of_box|>B<|end_of_box|> \\boxed{A}', '\\Boxed{B}']) {
      expect(stripThinking(r), r).toBe(r);
    }
    const r = 'so $\\boxed{\\text{ B. }}$';
    expect(r.slice(...answerSpan(r))).toBe('B.');
    expect(answerSpan(r)[0]).toBe(r.indexOf('B'));
  });

  it("gives the block's reasoning without its markers, as a reasoning parser's reasoning_content", () => {
    for (const [family, reply] of Object.entries(FAMILY_REPLIES)) expect(reasoningOf(reply), family).toMatch(/^\n?The cat is behind the box, so (?:I would say )?A\.\n?$/);
    expect(reasoningOf('  <THINK>x</Think> B.')).toBe('x');
    expect(reasoningOf('B.')).toBeUndefined();
    expect(reasoningOf('<think>x')).toBeUndefined(); // never closed: the reply as it is
  });

  it("takes Gemma 4's thought label off its reasoning, as vLLM's gemma4 reasoning parser does", () => {
    // it was 'thought\nx': the channel's role label came through as reasoning
    expect(reasoningOf('<|channel>thought\nx<channel|>B.')).toBe('x');
    expect(reasoningOf('thought\nx<channel|>B.')).toBe('x'); // the channel opened in the prompt
    // exactly `thought\n` at the start (vLLM's _strip_thought_label), and only in Gemma's channel
    for (const [r, reasoning] of [['<|channel>thought x<channel|>B.', 'thought x'], ['<|channel>Thought\nx<channel|>B.', 'Thought\nx'], ['<|channel>x thought\ny<channel|>B.', 'x thought\ny'], ['<think>thought\nx</think>B.', 'thought\nx']]) {
      expect(reasoningOf(r), r).toBe(reasoning);
    }
  });

  it("gives what follows the block as a reasoning parser's content: not unwrapped, its whitespace kept", () => {
    expect(contentOf('<think>x</think>\n\nSo it is $\\boxed{B}$.')).toBe('\n\nSo it is $\\boxed{B}$.');
    expect(contentOf('x</think><answer>B</answer>')).toBe('<answer>B</answer>');
    expect(contentOf('So <|begin_of_box|>B<|end_of_box|>')).toBe('So <|begin_of_box|>B<|end_of_box|>');
    expect(contentOf('B. <think>x</think>')).toBe('B. <think>x</think>'); // a block after the answer is not the leading one
  });

  it('says where the block ends: just past its closing marker', () => {
    expect(reasoningEnd('<think>x</think>\n\nB.')).toBe('<think>x</think>'.length);
    expect(reasoningEnd('x<channel|> B.')).toBe('x<channel|>'.length);
    expect(reasoningEnd('B.')).toBe(0);
  });
});
