/** `askfirst eval`: its options and --help; the work is in eval.ts, loaded only when it runs (commands.ts). */
import type { Command } from 'commander';
import { policyUsage } from '../agents/policy-usage.js';
import { EvalCommandSchema } from './eval-schema.js';
import { openaiOnlyNote } from './eval-http-schema.js';
import { addSchemaOptions } from './options.js';

export function register(program: Command): void {
  const cmd = program
    .command('eval')
    .description('evaluate a policy on episodes (multi-turn ask-or-answer protocol) and write per-episode results + summary.json');
  addSchemaOptions(cmd, EvalCommandSchema);
  // --policy may be repeated: collect every value (a comma inside one spec is kept).
  const policyOpt = cmd.options.find((o) => o.long === '--policy')!;
  policyOpt.flags = '--policy <spec>';
  policyOpt.argParser((v: string, prev: unknown) => [...(Array.isArray(prev) ? (prev as string[]) : []), v]);
  cmd.addHelpText(
    'after',
    `\nPolicies:\n  ${policyUsage().join('\n  ')}\n\n${openaiOnlyNote(true)}\n\nExamples:\n  askfirst suite generate --out suite --episodes 70\n  askfirst eval --policy oracle --data suite --out runs/oracle\n  askfirst eval --policy oracle --policy always-answer --data suite --out runs/both     # + runs/both/report.html\n  askfirst eval --policy builtin:runs/demo/rl --data proactivebench:ProactiveBench/test --out runs/pb --json\n  askfirst eval --policy openai:https://api.openai.com/v1#o4-mini --max-tokens-param max_completion_tokens --max-tokens 4096 --temperature 1 --data suite --out runs/o4-mini`,
  );
  cmd.action(async (raw: Record<string, unknown>) => (await import('./eval.js')).evalAction(raw));
}
