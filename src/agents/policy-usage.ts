/**
 * One line per policy spec, for --help and for the registry's error on an unknown spec, in the registry's order.
 * Light on purpose: `askfirst eval --help` lists the policies without loading them (agents/registry.ts reads the
 * same lines into its factories; a test checks the two agree).
 */
export const POLICY_USAGE = {
  oracle: 'oracle              asks exactly the needed interventions, then answers correctly',
  random: 'random[:SEED]       picks a shown option uniformly at random',
  scripted: 'scripted:FILE       replays {"episode_id", "replies": [...]} lines from a JSONL file',
  openai: 'openai:URL#MODEL    any OpenAI-compatible chat endpoint (Ollama, vLLM, llama.cpp, LM Studio, hosted)',
  'always-answer': 'always-answer       never asks; names the category its silhouette templates match best',
  constant: 'constant:TEXT       always replies TEXT (constant:Yes is the probes\' always-yes reference)',
  'ocr-follow': 'ocr-follow          reads text in the image with tesseract and obeys it (injection probe control)',
  builtin: 'builtin:DIR         the built-in model from a checkpoint (a run dir or its final/)',
} as const;

/** The usage lines, one per policy spec. */
export function policyUsage(): string[] {
  return Object.values(POLICY_USAGE);
}

/** A usage line's form of the spec, its first word (`builtin:DIR`). */
export function usageForm(usage: string): string {
  return usage.split(/\s/)[0]!;
}

/** Every policy spec's form, in the registry's order: what a `--policy` option's line names. */
export function policyForms(): string[] {
  return policyUsage().map(usageForm);
}
