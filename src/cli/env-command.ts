/** `askfirst env serve`: its options and --help (the work is in env.ts, loaded when the command runs; see commands.ts). */
import type { Command } from 'commander';
import { EnvServeSchema } from './env-schema.js';
import { SLOW_CLIENT_HELP } from '../server/timeouts.js';
import { addSchemaOptions, commandGroup } from './options.js';

export function register(program: Command): void {
  const env = commandGroup(program, 'env', 'askfirst as the environment and reward of external trainers (TRL, verl, OpenRLHF)');
  const cmd = env
    .command('serve')
    .description('serve episodes as an OpenEnv-compatible environment (WebSocket /ws, POST /reset /step) and an OpenRLHF reward endpoint (POST /get_reward)')
    .addHelpText('after', `\nExample:\n  askfirst suite generate --out suite --episodes 70\n  askfirst env serve --data suite --port 8000 --reward proactivebench --rp 0.5\n  curl http://127.0.0.1:8000/health\nSee docs/environment-server.md and integrations/.\n\n${SLOW_CLIENT_HELP}`);
  addSchemaOptions(cmd, EnvServeSchema);
  cmd.action(async (raw: Record<string, unknown>) => (await import('./env.js')).envServeAction(raw));
}
