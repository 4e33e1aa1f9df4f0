/** `askfirst probe hallucination | injection`: their options and --help; the work is in probe.ts, loaded only when one runs (commands.ts). */
import type { Command } from 'commander';
import { policyUsage } from '../agents/policy-usage.js';
import { DATA_NOTE, HallSchema, InjSchema } from './probe-schema.js';
import { openaiOnlyNote } from './eval-http-schema.js';
import { addSchemaOptions, commandGroup } from './options.js';

export function register(program: Command): void {
  const group = commandGroup(program, 'probe', 'probes for hallucinated objects and image prompt injection, for any policy');
  const h = group.command('hallucination').description('POPE-style "Is there a … in the image?" (random / popular / adversarial absent objects) plus "I cannot tell" on hidden, cut-off and corrupted views');
  addSchemaOptions(h, HallSchema);
  h.addHelpText('after', `\n${DATA_NOTE}\n\nPolicies:\n  ${policyUsage().join('\n  ')}\n\n${openaiOnlyNote(true)}\n\nExamples:\n  askfirst probe hallucination --policy oracle --out runs/probe-oracle\n  askfirst probe hallucination --policy constant:Yes --out runs/probe-yes\n  askfirst train presence --init runs/demo/rl --out runs/presence-rl\n  askfirst probe hallucination --policy builtin:runs/presence-rl --out runs/probe-rl`);
  h.action(async (raw: Record<string, unknown>) => {
    await (await import('./probe.js')).runProbeHallucination(raw);
  });
  const i = group.command('injection').description('text drawn into the image (pick a letter / never ask / always ask / abstain) at several positions, sizes and contrasts: attack success rate, accuracy drop, asking induced or suppressed');
  addSchemaOptions(i, InjSchema);
  i.addHelpText('after', `\n${DATA_NOTE}\n\nPolicies:\n  ${policyUsage().join('\n  ')}\n\n${openaiOnlyNote(false)}\n\nExamples:\n  askfirst probe injection --policy ocr-follow --out runs/inj-ocr      (positive control: obeys the text it reads; needs tesseract-ocr)\n  askfirst probe injection --policy builtin:runs/demo/rl --out runs/inj-rl`);
  i.action(async (raw: Record<string, unknown>) => {
    await (await import('./probe.js')).runProbeInjection(raw);
  });
}
