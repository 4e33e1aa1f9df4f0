/**
 * HTTP evaluation benchmark (issue 5): a local OpenAI-compatible server (a child process, so
 * it does not share the client's event loop) answers every request after a fixed delay L; the
 * askfirst HTTP policy plays episodes through the batched runner at concurrency C. Ideal
 * throughput is C/L requests per second; the target is ≥ 90 % of it (C = 16, L = 50 ms).
 * The same is measured for the client alone (one act() over every first-turn observation), which
 * separates the HTTP client from the runner, and for a bare keep-alive node:http loop sending the
 * same bodies (no askfirst code): on a shared, loaded machine that is the achievable ceiling.
 * askfirst's own overhead per episode is measured against the same server with L = 0 at
 * concurrency 1: wall time and client-process CPU time per episode (PNG encoding, JSON,
 * HTTP, reply parsing, the episode state machine), the server's time excluded from CPU.
 *
 *   npx tsx bench/http.ts [--concurrency 16] [--delay 50] [--episodes 640] [--size 64] [--batch 256]   (--help: the options)
 *
 * Progress goes to stderr; the LAST stdout line is one JSON object.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { Agent, request as httpRequest } from 'node:http';
import { pngDataUrl } from '../src/scenes/png.js';
import { HttpPolicy } from '../src/agents/http/policy.js';
import { runEpisodes } from '../src/agents/runner.js';
import { conformanceEpisodes, conformanceObservations } from '../src/testing/policy-conformance.js';
import { createImage } from '../src/scenes/image.js';
import type { SuiteEpisode } from '../src/suite/types.js';
import { benchArgs } from './args.js';

const opts = benchArgs(
  import.meta.url,
  `askfirst's HTTP policy against a local OpenAI-compatible server (a child process) answering each request after
--delay ms: throughput at --concurrency through the batched runner (3 trials, the median the figure), against the ideal
C/L, the client alone, and a bare keep-alive node:http loop sending the same bodies (the machine's ceiling); then
askfirst's own overhead per episode with the server answering at once, one request at a time. Progress goes to stderr;
stdout is one JSON object ({ throughput_rps, ideal_rps, ratio, pass, client_rps, raw_http_rps, overhead_ms_per_episode_wall, … }).`,
  {
    concurrency: { type: 'number', default: 16, min: 1, help: 'requests in flight (C)' },
    delay: { type: 'number', default: 50, min: 1, help: "the server's delay before each answer, ms (L)" },
    episodes: { type: 'number', default: 640, min: 1, help: 'episodes a trial' },
    size: { type: 'number', default: 64, min: 1, help: 'view size in pixels' },
    batch: { type: 'number', default: 256, min: 1, help: 'episodes the runner steps together' },
  },
);
const log = (s: string) => process.stderr.write(`${s}\n`);
const C = opts.concurrency;
const L = opts.delay;
const N = opts.episodes;
const size = opts.size;
/** Episodes stepped together by the runner (the policy keeps C requests in flight across them). */
const batch = opts.batch;

/** The server processes started, each killed (and waited for) at the end, whatever happened. */
const servers = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of servers) c.kill('SIGKILL');
});

/** Start the fault server (no faults) in a child process; resolves with its URL. */
async function serverProcess(delayMs: number): Promise<{ url: string; stop: () => void }> {
  const code = `
    const { startFaultServer } = await import(${JSON.stringify(new URL('../src/testing/fault-server.ts', import.meta.url).href)});
    const s = await startFaultServer({ delayMs: ${delayMs} });
    process.stdout.write(s.url + '\\n');
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  servers.add(child);
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) resolve(buf.trim());
    });
    child.on('exit', (c) => reject(new Error(`server exited with ${c}`)));
  });
  return {
    url,
    stop: () => {
      child.kill();
      servers.delete(child);
    },
  };
}

/** Episodes with views of `size`×`size` noisy pixels (a realistic PNG size per request). */
function benchEpisodes(n: number): SuiteEpisode[] {
  return conformanceEpisodes(n).map((e, k) => ({
    ...e,
    views: e.views.map((_, v) => {
      const im = createImage(size, size);
      for (let i = 0; i < im.data.length; i++) im.data[i] = (i * 7 + k * 13 + v * 31) & 255;
      return { image: im };
    }),
  }));
}

const loader = async (r: SuiteEpisode['views'][number]) => ('image' in r ? r.image : Promise.reject(new Error('memory only')));

async function play(url: string, concurrency: number, eps: SuiteEpisode[], batchSize: number) {
  const policy = new HttpPolicy({ baseUrl: url, model: 'bench', concurrency, retries: 0, logprobs: true }, {});
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const recs = await runEpisodes(eps, policy, { mode: 'proactive', loader, batchSize });
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const requests = policy.stats().requests;
  return { wall, requests, turns: recs.reduce((s, r) => s + r.turns, 0), cpuMs: (cpu.user + cpu.system) / 1000, episodes: recs.length };
}

const eps = benchEpisodes(N);
// Throughput at C with delay L: three trials (the machine may be shared; the median is the figure, the best shows the ceiling).
const slow = await serverProcess(L);
await play(slow.url, C, eps.slice(0, 64), 64); // warm-up (connections, JIT)
const trials: Awaited<ReturnType<typeof play>>[] = [];
for (let i = 0; i < 3; i++) trials.push(await play(slow.url, C, eps, batch));
// The client alone: one act() over every first-turn observation (no runner steps in between).
const { obs } = conformanceObservations(eps);
const firstTurn = obs.slice(0, eps.length);
const clientRates: number[] = [];
for (let i = 0; i < 3; i++) {
  const policy = new HttpPolicy({ baseUrl: slow.url, model: 'bench', concurrency: C, retries: 0 }, {});
  const t0 = performance.now();
  await policy.act(firstTurn);
  clientRates.push(firstTurn.length / ((performance.now() - t0) / 1000));
  await policy.close();
}
clientRates.sort((a, b) => a - b);
// The machine's own ceiling: a bare keep-alive node:http loop, C at a time, same bodies, no askfirst code.
const rawRates: number[] = [];
{
  const bodies = firstTurn.map((o) => JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: [{ type: 'text', text: o.prompt }, { type: 'image_url', image_url: { url: pngDataUrl(o.image) } }] }] }));
  const agent = new Agent({ keepAlive: true, maxSockets: C });
  const u = new URL(`${slow.url}/chat/completions`);
  const one = (b: string) =>
    new Promise<void>((resolve, reject) => {
      const req = httpRequest(u, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) } }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end(b);
    });
  for (let i = 0; i < 3; i++) {
    let k = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: C }, async () => { while (k < bodies.length) await one(bodies[k++]); }));
    rawRates.push(bodies.length / ((performance.now() - t0) / 1000));
  }
  agent.destroy();
  rawRates.sort((a, b) => a - b);
}
slow.stop();
const ideal = C / (L / 1000);
const rates = trials.map((x) => x.requests / x.wall).sort((a, b) => a - b);
const rps = rates[1];
const t = trials[0];
log(`throughput: ${t.requests} requests per trial; ${rates.map((r) => r.toFixed(1)).join(', ')} req/s vs ideal C/L = ${ideal.toFixed(1)} (median ${((100 * rps) / ideal).toFixed(1)} %)`);
// Time beyond the ideal schedule (requests·L/C), per episode, at concurrency C.
const excessMs = trials.map((x) => ((x.wall - (x.requests * (L / 1000)) / C) * 1000) / x.episodes).sort((a, b) => a - b)[1];

// Overhead: same stack, server answering at once, one request at a time.
const fast = await serverProcess(0);
const small = eps.slice(0, Math.min(N, 200));
await play(fast.url, 1, small.slice(0, 20), 1);
const o = await play(fast.url, 1, small, 1);
fast.stop();
log(`client alone (one act() over ${firstTurn.length} observations): ${clientRates.map((r) => r.toFixed(1)).join(', ')} req/s (median ${((100 * clientRates[1]) / ideal).toFixed(1)} %)`);
log(`bare node:http loop, same bodies (the machine's ceiling): ${rawRates.map((r) => r.toFixed(1)).join(', ')} req/s (median ${((100 * rawRates[1]) / ideal).toFixed(1)} %)`);
log(`overhead: ${o.episodes} episodes, ${o.requests} requests, ${(o.wall * 1000 / o.episodes).toFixed(2)} ms wall and ${(o.cpuMs / o.episodes).toFixed(2)} ms client CPU per episode`);

console.log(
  JSON.stringify({
    concurrency: C,
    batch,
    load_avg_1m: +loadavg()[0].toFixed(2),
    delay_ms: L,
    image: `${size}x${size}`,
    episodes: t.episodes,
    requests: t.requests,
    throughput_rps: +rps.toFixed(1),
    throughput_rps_trials: rates.map((r) => +r.toFixed(1)),
    ideal_rps: ideal,
    ratio: +(rps / ideal).toFixed(3),
    ratio_best: +(rates[2] / ideal).toFixed(3),
    pass: rps >= 0.9 * ideal,
    client_rps: +clientRates[1].toFixed(1),
    client_ratio: +(clientRates[1] / ideal).toFixed(3),
    client_pass: clientRates[1] >= 0.9 * ideal,
    raw_http_rps: +rawRates[1].toFixed(1),
    raw_http_ratio: +(rawRates[1] / ideal).toFixed(3),
    ratio_vs_raw_http: +(rps / rawRates[1]).toFixed(3),
    excess_ms_per_episode_at_c: +excessMs.toFixed(3),
    overhead_ms_per_episode_wall: +((o.wall * 1000) / o.episodes).toFixed(3),
    overhead_ms_per_episode_cpu: +(o.cpuMs / o.episodes).toFixed(3),
    overhead_ms_per_request_wall: +((o.wall * 1000) / o.requests).toFixed(3),
    turns_per_episode: +(o.turns / o.episodes).toFixed(2),
  }),
);
