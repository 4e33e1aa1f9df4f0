/**
 * Run `askfirst ARGS…` in this test process (cli/main.ts `main`), with console.error and console.log captured: its exit
 * status (process.exitCode, put back to 0 afterwards) and what it wrote to stderr. For a test of a command's refusals
 * and messages; a command that must run in its own process (signals, exit) uses child.ts.
 */
import { main } from '../cli/main.js';
import { captureConsole } from './console.js';

export async function cliInProcess(...args: string[]): Promise<{ code: number; err: string }> {
  const err = captureConsole('error');
  const log = captureConsole('log');
  try {
    process.exitCode = 0;
    await main(['node', 'askfirst', ...args]);
    return { code: Number(process.exitCode ?? 0), err: err.lines.join('\n') };
  } finally {
    err.restore();
    log.restore();
    process.exitCode = 0;
  }
}
