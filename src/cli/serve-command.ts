/** `askfirst serve`: its options and --help; the work is in serve.ts, loaded only when it runs (commands.ts). */
import type { Command } from 'commander';
import { policyUsage } from '../agents/policy-usage.js';
import { ServeSchema } from './serve-schema.js';
import { SLOW_CLIENT_HELP } from '../server/timeouts.js';
import { addSchemaOptions } from './options.js';

export function register(program: Command): void {
  const cmd = program
    .command('serve')
    .description('serve a policy (e.g. builtin:CHECKPOINT) as an OpenAI-compatible chat-completions endpoint')
    .addHelpText('after', `\nPolicies:\n  ${policyUsage().join('\n  ')}\n\nExample:\n  askfirst serve --policy builtin:runs/rl --port 8000\n  curl http://127.0.0.1:8000/v1/models\n\n${SLOW_CLIENT_HELP}`);
  addSchemaOptions(cmd, ServeSchema);
  cmd.action(async (raw: Record<string, unknown>) => (await import('./serve.js')).serveAction(raw));
}
