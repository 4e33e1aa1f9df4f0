/**
 * Test support: a thinking reply of each VLM family's markup (src/episode/thinking.ts), as its server or its decoder
 * (special tokens kept) hands it over, each answering `answer` after its reasoning (GLM's in its answer wrappers).
 */
export function familyReplies(answer: string): Record<string, string> {
  return {
    'Qwen3-VL, GLM-4.xV, InternVL3.5, MiMo-VL': `<think>\nThe cat is behind the box, so I would say A.\n</think>\n\n${answer}`,
    'Qwen3.5 (its template opens the block in the prompt)': `The cat is behind the box, so A.\n</think>\n\n${answer}`,
    'Kimi-VL-Thinking': `◁think▷The cat is behind the box, so A.◁/think▷${answer}`,
    'Gemma 4': `<|channel>thought\nThe cat is behind the box, so A.<channel|>${answer}`,
    'gpt-oss (harmony)': `<|channel|>analysis<|message|>The cat is behind the box, so A.<|end|><|start|>assistant<|channel|>final<|message|>${answer}`,
    // zai-org/GLM-V's README (fine-tuning data) and trans_infer_cli.py; its glmv_reward data boxes the answer inside
    'GLM-4.1V-Thinking (<answer>)': `<think>\nThe cat is behind the box, so A.</think>\n<answer>${answer}</answer>`,
    'GLM-4.1V-Thinking (stopped at </answer>, as LLaMA-Factory\'s glm4v template stops)': `<think>\nThe cat is behind the box, so A.</think>\n<answer>${answer}`,
    'GLM-4.1V-Thinking (boxed <answer>)': `<think>The cat is behind the box, so A.</think><answer>\n<|begin_of_box|>${answer}<|end_of_box|>\n</answer>`,
    'GLM-4.5V (boxed)': `<think>The cat is behind the box, so A.</think><|begin_of_box|>${answer}<|end_of_box|>`,
    // "put your final answer within \boxed{}" (Qwen-Math style prompts; GLM-V's glmv_reward reads \boxed{} first)
    'Qwen-Math style (LaTeX \\boxed{})': `<think>The cat is behind the box, so A.</think>\nSo the answer is $\\boxed{\\text{${answer}}}$.`,
  };
}

/** The replies of `familyReplies`, each answering "B.". */
export const FAMILY_REPLIES: Record<string, string> = familyReplies('B.');
