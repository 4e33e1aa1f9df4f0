/**
 * Run the fault-injecting OpenAI-compatible test server on its own (for trying `askfirst eval`
 * against an unreliable endpoint by hand):
 *   npx tsx bench/fault-server.ts --port 18090 --fault-rate 0.2 --seed 1 [--delay 0] [--retry-after 1] [--every 5]
 * It runs until Ctrl-C or SIGTERM. stdout is JSON Lines: `{"url": …}` once it listens, its counters every --every
 * seconds, and the last counters when it stops (then it ends by the signal, 130 / 143 to a shell, as askfirst's servers do).
 */
import { serveUntilStopped } from '../src/cli/signals.js';
import { startFaultServer } from '../src/testing/fault-server.js';
import { benchArgs } from './args.js';

const o = benchArgs(
  import.meta.url,
  `A fault-injecting OpenAI-compatible server (src/testing/fault-server.ts) on 127.0.0.1, for trying \`askfirst eval\`
against an unreliable endpoint, until Ctrl-C or SIGTERM. stdout is JSON Lines: {"url": …} once it listens, then its
counters ({ requests, answered, faults, abandoned }) every --every seconds and once more when it stops.`,
  {
    port: { type: 'number', default: 18090, max: 65535, help: 'port to listen on (0: any free one)' },
    'fault-rate': { type: 'number', default: 0.2, max: 1, integer: false, help: 'share of requests answered with a fault (429, 500, a hang, malformed JSON)' },
    seed: { type: 'number', default: 1, help: 'seed of the faults drawn' },
    delay: { type: 'number', default: 0, help: 'ms before every answer' },
    'retry-after': { type: 'number', default: 1, help: 'Retry-After seconds sent with a 429' },
    every: { type: 'number', default: 5, min: 0.1, integer: false, help: 'seconds between lines of counters' },
  },
);
const s = await startFaultServer({ port: o.port, faultRate: o['fault-rate'], seed: o.seed, delayMs: o.delay, retryAfterSec: o['retry-after'], logprobs: true });
const counters = () => console.log(JSON.stringify(s.stats));
const timer = setInterval(counters, o.every * 1000);
await serveUntilStopped(
  { name: 'bench/fault-server', closed: 'connections closed' },
  async () => {
    clearInterval(timer);
    await s.close();
    counters();
  },
  () => console.log(JSON.stringify({ url: s.url })),
);
