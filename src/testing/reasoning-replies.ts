/**
 * Test support: a thinking reply of each VLM family's markup (src/episode/thinking.ts), as its server or its decoder
 * (special tokens kept) hands it over, each answering "B." after its reasoning.
 */
export const FAMILY_REPLIES: Record<string, string> = {
  'Qwen3-VL, GLM-4.xV, InternVL3.5, MiMo-VL': '<think>\nThe cat is behind the box, so I would say A.\n</think>\n\nB.',
  'Qwen3.5 (its template opens the block in the prompt)': 'The cat is behind the box, so A.\n</think>\n\nB.',
  'Kimi-VL-Thinking': '◁think▷The cat is behind the box, so A.◁/think▷B.',
  'Gemma 4': '<|channel>thought\nThe cat is behind the box, so A.<channel|>B.',
  'gpt-oss (harmony)': '<|channel|>analysis<|message|>The cat is behind the box, so A.<|end|><|start|>assistant<|channel|>final<|message|>B.',
};

/** The reply of each family answering `answer` instead of "B.". */
export function familyReplies(answer: string): Record<string, string> {
  return Object.fromEntries(Object.entries(FAMILY_REPLIES).map(([k, v]) => [k, v.slice(0, -'B.'.length) + answer]));
}
