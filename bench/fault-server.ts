/**
 * Run the fault-injecting OpenAI-compatible test server on its own (for trying `askfirst eval`
 * against an unreliable endpoint by hand):
 *   npx tsx bench/fault-server.ts --port 18090 --fault-rate 0.2 --seed 1 [--delay 0] [--retry-after 1]
 * Prints its URL, then a line of counters every 5 s; Ctrl-C stops it.
 */
import { startFaultServer } from '../src/testing/fault-server.js';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
};
const s = await startFaultServer({
  port: Number(arg('port', '18090')),
  faultRate: Number(arg('fault-rate', '0.2')),
  seed: Number(arg('seed', '1')),
  delayMs: Number(arg('delay', '0')),
  retryAfterSec: Number(arg('retry-after', '1')),
  logprobs: true,
});
console.log(`fault server at ${s.url}`);
const timer = setInterval(() => console.log(JSON.stringify(s.stats)), 5000);
process.on('SIGINT', () => {
  clearInterval(timer);
  console.log(JSON.stringify(s.stats));
  void s.close().then(() => process.exit(0));
});
