/**
 * A child process for the kill-and-resume and secrets tests: evaluates the conformance
 * fixture episodes through the HTTP policy against a URL, writing resumable results.
 * Usage: node --import tsx http-run-child.ts URL OUT_DIR EPISODES [CACHE_DIR]
 * Prints progress and the client's counters (never the key) to stdout.
 */
import { conformanceEpisodes } from './policy-conformance.js';
import { HttpPolicy } from '../agents/http/policy.js';
import { evaluate } from '../eval/evaluate.js';

const [url, out, n, cacheDir] = process.argv.slice(2);
const episodes = conformanceEpisodes(Number(n));
const policy = new HttpPolicy({ baseUrl: url, model: 'fault', concurrency: 16, timeoutMs: 400, retries: 20, backoffMs: 5, maxBackoffMs: 50, cacheDir });
const res = await evaluate({
  episodes,
  loader: async (ref) => {
    if ('image' in ref) return ref.image;
    throw new Error('in-memory views only');
  },
  policy,
  modes: ['proactive'],
  out,
  run: { policy: 'http-fault-test', episodes: episodes.length },
  batchSize: 64,
});
console.log(JSON.stringify({ name: policy.name, stats: policy.stats(), accuracy: res.summaries.proactive?.accuracy, resumed: res.resumed.proactive }));
