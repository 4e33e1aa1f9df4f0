/**
 * Environment-server load benchmark (issue 15): `askfirst env serve` in a child process (so it
 * does not share the clients' event loop), S concurrent WebSocket sessions playing episodes until
 * N steps in total, one more client sending malformed messages the whole time.
 * Checked: no lost or mixed-up step (every answer names the session's episode and the next turn;
 * every finished episode's outcome, turns and reward equal an in-process replay of the same
 * replies through src/episode/state.ts and src/environment/rewards.ts); every malformed message
 * got an OpenEnv error response; then the server is killed (SIGKILL) mid-run and every client must
 * end with a clear error within a few seconds. Reports steps/s and step latency (p50, p99), and the server's CPU time
 * per step of that load (`serverCpuUsPerStep`: its user + system time from /proc/PID/stat, so null off Linux), which a
 * loaded machine moves less than steps/s.
 * The same load (S sessions, N steps, the same checks) is then played through OpenEnv's MCP tools (start_episode,
 * reply) on each MCP transport: POST /mcp tools/call on sessions from openenv/session/create (`mcp-http`, as OpenEnv's
 * MCPToolClient in production mode), and the raw /mcp WebSocket (`mcp-ws`); `--mcp none` skips them.
 * POST /mcp's client is node:http with a keep-alive Agent (`--client http`, the default): Node's `fetch` (undici,
 * `--client fetch`) took 0.6–0.9 ms of CPU a request in this process, where node:http takes 0.14–0.26 ms, so with
 * `fetch` the bench measured its own client as much as the server. Each load reports the server's CPU time per step.
 *
 *   npm run build && npx tsx bench/env.ts [--sessions 64] [--steps 20000] [--episodes 70] [--size 64] [--mcp mcp-http,mcp-ws] [--client http|fetch]
 *   [--target-steps-per-second 1000]
 *   (smallest: --sessions 2 --steps 40 --episodes 1 --size 32 --mcp none --target-steps-per-second 0; --help: the options)
 *
 * `pass`: no lost or mixed-up step, no client error, every malformed message answered with an error, every client ended
 * clearly at the kill, and the /ws load at least --target-steps-per-second fast (1,000 by default, the issue's target; 0:
 * no speed target, for a run too small or a machine too busy to say anything about speed).
 *
 * Progress goes to stderr; the LAST stdout line is one JSON object.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { EpisodeState } from '../src/episode/state.js';
import { resolveRewardConfig, Rewarder } from '../src/environment/rewards.js';
import { generateSuite } from '../src/suite/generate.js';
import { writeSuite } from '../src/suite/io.js';
import type { SuiteEpisode } from '../src/suite/types.js';
import { Rng } from '../src/util/rng.js';
import { benchArgs } from './args.js';

const MCP_TRANSPORTS = ['mcp-http', 'mcp-ws'] as const;
const o = benchArgs(
  import.meta.url,
  `\`askfirst env serve\` (the build: npm run build first) under load: --sessions WebSocket sessions play episodes of a
new suite until --steps steps in all, a malformed client beside them; every finished episode checked against an
in-process replay; the same load through the MCP tools on each --mcp transport; then the server is killed mid-run and
every client must end with a clear error. Progress goes to stderr; stdout is one JSON object ({ stepsPerSecond,
latencyMs, serverCpuUsPerStep, lostOrMixedUp, malformedClient, kill, mcp, targetStepsPerSecond, pass, … }). pass: every
check held and the /ws load reached --target-steps-per-second.`,
  {
    sessions: { type: 'number', default: 64, min: 1, help: 'concurrent sessions' },
    steps: { type: 'number', default: 20000, min: 1, help: 'steps in all, per transport' },
    episodes: { type: 'number', default: 70, min: 1, help: 'episodes per kind of the suite served' },
    size: { type: 'number', default: 64, min: 32, max: 512, help: 'view size in pixels' },
    mcp: { type: 'list', default: MCP_TRANSPORTS, choices: MCP_TRANSPORTS, help: 'MCP transports to load too' },
    client: { type: 'string', default: 'http', choices: ['http', 'fetch'], help: "POST /mcp's HTTP client: http (node:http with keep-alive) or fetch (Node's fetch)" },
    'target-steps-per-second': { type: 'number', default: 1000, min: 0, help: 'pass needs the /ws load at least this fast (0: no speed target, only the checks)' },
  },
);
const log = (s: string) => process.stderr.write(`${s}\n`);
const S = o.sessions;
const N = o.steps;
const EPISODES = o.episodes;
const SIZE = o.size;
const TARGET = o['target-steps-per-second'];
const root = resolve(import.meta.dirname, '..');
type Transport = 'ws' | (typeof MCP_TRANSPORTS)[number];
const MCP: Transport[] = o.mcp;
const CLIENT = o.client;
if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) {
  process.stderr.write('bench/env.ts: no dist/: run `npm run build` first (the bench runs bin/askfirst.js)\n');
  process.exit(1);
}

/** The env servers started, each stopped (and waited for) before the suite is removed, whatever happened. */
const servers = new Set<ChildProcess>();

async function stopServer(proc: ChildProcess, sig: NodeJS.Signals): Promise<void> {
  if (proc.exitCode === null && proc.signalCode === null) {
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill(sig);
    await gone;
  }
  servers.delete(proc);
}

/** One connection a session at most, kept open between requests (as Python's httpx client in OpenEnv's MCPToolClient). */
const agent = new Agent({ keepAlive: true, maxSockets: S + 8 });

/** POST `body` as JSON to `url` and parse the JSON answer: node:http on the keep-alive agent, or Node's fetch (`--client fetch`). */
async function postJson(url: string, body: string): Promise<unknown> {
  if (CLIENT === 'fetch') return (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json();
  return new Promise((res, rej) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => {
        try {
          res(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (e) {
          rej(new Error(`POST ${url}: ${r.statusCode}, not JSON: ${(e as Error).message}`));
        }
      });
      r.on('error', rej);
    });
    req.on('error', rej);
    req.end(body);
  });
}

async function startServer(dir: string): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [join(root, 'bin/askfirst.js'), 'env', 'serve', '--data', dir, '--port', '0', '--max-sessions', String(S + 8)], { stdio: ['ignore', 'pipe', 'inherit'] });
  servers.add(proc);
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /at (http:\/\/[^ ]+) /.exec(out);
      if (m) res(m[1]);
    });
    proc.once('exit', (c) => rej(new Error(`env serve exited with ${c}: ${out}`)));
  });
  return { url, proc };
}

/** The CPU time (user + system, in µs) process `pid` has used, from /proc (null where there is none). */
function cpuMicros(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // utime, stime in clock ticks (USER_HZ, 100 on Linux)
  } catch {
    return null;
  }
}

/** One session as a promise-per-message client. */
class Session {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- loose JSON messages
  private waiter: ((m: any) => void) | null = null;
  private failer: ((e: Error) => void) | null = null;
  closed: { code: number; reason: string } | null = null;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const w = this.waiter;
      this.waiter = this.failer = null;
      w?.(JSON.parse(d.toString()));
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      const f = this.failer;
      this.waiter = this.failer = null;
      f?.(new Error(`connection closed (code ${code}${reason.length ? `, ${reason}` : ''}) — the env server is gone or closed the session`));
    });
    ws.on('error', () => undefined);
  }
  static open(url: string, path = '/ws'): Promise<Session> {
    const ws = new WebSocket(`${url.replace('http', 'ws')}${path}`);
    return new Promise((res, rej) => {
      ws.once('open', () => res(new Session(ws)));
      ws.once('error', rej);
    });
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- loose JSON messages
  send(m: unknown): Promise<any> {
    if (this.closed) return Promise.reject(new Error(`connection closed (code ${this.closed.code})`));
    return new Promise((res, rej) => {
      this.waiter = res;
      this.failer = rej;
      this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
    });
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- loose JSON messages
type Answer = { observation: any; reward: number; done: boolean };

/** One session's reset and step on a transport: /ws messages, or the MCP tools over POST /mcp or the /mcp WebSocket. */
interface Play {
  reset(): Promise<Answer>;
  step(reply: string): Promise<Answer>;
  close(): Promise<void>;
}

/** A JSON-RPC answer's tools/call result data, or an error saying what came. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- loose JSON messages
function toolData(what: string, a: any): Answer {
  if (!a?.result?.data) throw new Error(`${what} answered ${JSON.stringify(a).slice(0, 200)}`);
  return a.result.data;
}

async function openPlay(url: string, transport: Transport): Promise<Play> {
  if (transport === 'mcp-http') {
    let id = 0;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- loose JSON messages
    const rpc = async (method: string, params: Record<string, unknown> = {}): Promise<any> => {
      return postJson(`${url}/mcp`, JSON.stringify({ jsonrpc: '2.0', method, params, id: ++id }));
    };
    const created = await rpc('openenv/session/create');
    const sid = created?.result?.session_id;
    if (typeof sid !== 'string') throw new Error(`openenv/session/create answered ${JSON.stringify(created).slice(0, 200)}`);
    return {
      reset: async () => toolData('start_episode', await rpc('tools/call', { name: 'start_episode', arguments: {}, session_id: sid })),
      step: async (reply) => toolData('reply', await rpc('tools/call', { name: 'reply', arguments: { reply }, session_id: sid })),
      close: async () => void (await rpc('openenv/session/close', { session_id: sid })),
    };
  }
  const s = await Session.open(url, transport === 'ws' ? '/ws' : '/mcp');
  if (transport === 'mcp-ws') {
    let id = 0;
    const call = async (name: string, args: Record<string, unknown>) => toolData(name, await s.send({ jsonrpc: '2.0', method: 'tools/call', params: { name, arguments: args }, id: ++id }));
    return { reset: () => call('start_episode', {}), step: (reply) => call('reply', { reply }), close: async () => s.ws.close() };
  }
  const answer = (what: string) => (a: { type: string; data: Answer }) => {
    if (a.type !== 'observation') throw new Error(`${what} answered ${JSON.stringify(a).slice(0, 200)}`);
    return a.data;
  };
  return { reset: async () => answer('reset')(await s.send({ type: 'reset', data: {} })), step: async (reply) => answer('step')(await s.send({ type: 'step', data: { reply } })), close: async () => s.ws.close() };
}

interface Played {
  id: string;
  replies: string[];
  outcome: string;
  turns: number;
  total: number;
}

/** Play episodes until `quota` steps; check every answer belongs to this session's episode and turn. */
async function player(url: string, quota: number, seed: number, lat: number[], problems: string[], stop: { now: boolean }, transport: Transport = 'ws'): Promise<{ played: Played[]; steps: number; error: string | null }> {
  const rng = new Rng(seed);
  const played: Played[] = [];
  let steps = 0;
  let s: Play;
  try {
    s = await openPlay(url, transport);
  } catch (e) {
    return { played, steps, error: `connect: ${(e as Error).message}` };
  }
  try {
    while (steps < quota && !stop.now) {
      let o = (await s.reset()).observation;
      const id = o.episode_id;
      const replies: string[] = [];
      let total = 0;
      let done = false;
      while (!done && steps < quota) {
        const turn = o.turn;
        const choice = rng.int(o.options.length + 2);
        const reply = choice < o.options.length ? `${o.options[choice].letter}.` : choice === o.options.length ? o.options[o.num_interventions]?.text ?? 'x' : 'not an option';
        const t0 = performance.now();
        const a = await s.step(reply);
        lat.push(performance.now() - t0);
        steps++;
        replies.push(reply);
        o = a.observation;
        total += a.reward;
        done = a.done;
        if (o.episode_id !== id) problems.push(`mixed-up step: session playing ${id} got ${o.episode_id}`);
        if (o.last_reply !== reply) problems.push(`mixed-up step: ${id} sent ${JSON.stringify(reply)}, answer is for ${JSON.stringify(o.last_reply)}`);
        if (o.turn !== turn + 1) problems.push(`lost step: ${id} turn ${turn} answered with turn ${o.turn}`);
      }
      if (done) played.push({ id, replies, outcome: o.outcome, turns: o.turn, total });
    }
    await s.close();
    return { played, steps, error: null };
  } catch (e) {
    return { played, steps, error: (e as Error).message };
  }
}

/** The malformed client: every kind of bad message, in a loop; every one must be answered with an OpenEnv error. */
async function vandal(url: string, stop: { now: boolean }): Promise<{ sent: number; answeredWithError: number; wrong: string[] }> {
  const s = await Session.open(url);
  const bad = ['{nope', '[1,2]', '{"type":"dance"}', '{"type":"step","data":{"reply":5}}', '{"type":"state","x":1}', '{"type":"step","data":{"reply":"A."}}', '"just a string"', '{"type":"reset","data":{"episode_id":"no-such-episode"}}'];
  let sent = 0;
  let ok = 0;
  const wrong: string[] = [];
  while (!stop.now) {
    const m = bad[sent % bad.length];
    const a = await s.send(m).catch((e: Error) => ({ type: 'closed', data: { message: e.message } }));
    sent++;
    if (a.type === 'error' && typeof a.data?.code === 'string' && typeof a.data?.message === 'string') ok++;
    else wrong.push(`${m} → ${JSON.stringify(a).slice(0, 120)}`);
    if (a.type === 'closed') break;
    await new Promise((r) => setTimeout(r, 2));
  }
  s.ws.close();
  return { sent, answeredWithError: ok, wrong: wrong.slice(0, 5) };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'askfirst-bench-env-'));
  try {
    log(`generating ${EPISODES} episodes per kind (${SIZE}×${SIZE}) …`);
    const episodes = generateSuite({ episodes: EPISODES, seed: 1, size: SIZE });
    await writeSuite(dir, episodes);
    const byId = new Map<string, SuiteEpisode>(episodes.map((e) => [e.id, e]));
    const rewarder = new Rewarder(resolveRewardConfig({}));

    /** S sessions playing N steps on `transport`; every finished episode checked against an in-process replay. */
    const load = async (url: string, pid: number, transport: Transport) => {
      const cpu0 = cpuMicros(pid);
      const lat: number[] = [];
      const problems: string[] = [];
      const t0 = performance.now();
      const per = Array.from({ length: S }, (_, i) => Math.floor(N / S) + (i < N % S ? 1 : 0));
      const runs = await Promise.all(per.map((q, i) => player(url, q, 1000 + i, lat, problems, { now: false }, transport)));
      const wall = (performance.now() - t0) / 1000;
      const cpu1 = cpuMicros(pid);
      const steps = runs.reduce((a, r) => a + r.steps, 0);
      // the server's user + system time over this load, resets included, per step
      const serverCpuUsPerStep = cpu0 === null || cpu1 === null ? null : +((cpu1 - cpu0) / steps).toFixed(1);
      const errors = runs.filter((r) => r.error).map((r) => r.error);
      let checked = 0;
      for (const p of runs.flatMap((r) => r.played)) {
        const st = new EpisodeState(byId.get(p.id)!, 'proactive');
        for (const r of p.replies) st.step(r);
        const rec = st.done ? st.record() : null;
        const expected = rec ? rewarder.episode(rec).total : NaN;
        if (!rec || rec.outcome !== p.outcome || rec.turns !== p.turns || expected !== p.total) problems.push(`episode ${p.id}: server said ${p.outcome}/${p.turns}/${p.total}, replay says ${rec?.outcome}/${rec?.turns}/${expected}`);
        checked++;
      }
      return { steps, wall, lat, problems, errors, checked, serverCpuUsPerStep };
    };

    // 1. Load: S sessions, N steps, one malformed client beside them.
    const { url, proc } = await startServer(dir);
    log(`server at ${url}; ${S} sessions, ${N} steps …`);
    const stopVandal = { now: false };
    const vandalRun = vandal(url, stopVandal);
    const { steps, wall, lat, problems, errors, checked, serverCpuUsPerStep } = await load(url, proc.pid!, 'ws');
    stopVandal.now = true;
    const v = await vandalRun;
    log(`load: ${steps} steps in ${wall.toFixed(2)} s (${(steps / wall).toFixed(0)} steps/s, server CPU ${serverCpuUsPerStep ?? '–'} µs/step), ${checked} episodes checked, ${problems.length} problems, vandal ${v.answeredWithError}/${v.sent} answered with errors`);

    // 1b. The same load through the MCP tools, on each MCP transport, one after the other on the same server.
    const mcp: Record<string, unknown> = {};
    let mcpPass = true;
    for (const t of MCP) {
      const r = await load(url, proc.pid!, t);
      log(`load (${t}${t === 'mcp-http' ? `, client ${CLIENT}` : ''}): ${r.steps} steps in ${r.wall.toFixed(2)} s (${(r.steps / r.wall).toFixed(0)} steps/s, server CPU ${r.serverCpuUsPerStep ?? '–'} µs/step), ${r.checked} episodes checked, ${r.problems.length} problems, ${r.errors.length} client errors`);
      mcpPass &&= r.problems.length === 0 && r.errors.length === 0 && r.steps === N;
      mcp[t] = {
        steps: r.steps,
        wallSeconds: +r.wall.toFixed(3),
        stepsPerSecond: +(r.steps / r.wall).toFixed(0),
        latencyMs: { p50: +pct(r.lat, 50).toFixed(2), p99: +pct(r.lat, 99).toFixed(2), max: +pct(r.lat, 100).toFixed(2) },
        serverCpuUsPerStep: r.serverCpuUsPerStep,
        ...(t === 'mcp-http' ? { client: CLIENT } : {}),
        episodesChecked: r.checked,
        lostOrMixedUp: r.problems.length,
        problems: r.problems.slice(0, 5),
        clientErrors: r.errors.slice(0, 5),
      };
    }
    await stopServer(proc, 'SIGTERM');
    agent.destroy();

    // 2. Kill the server mid-run: every client must end with a clear error, quickly.
    const k = await startServer(dir);
    const stopK = { now: false };
    const killRuns = Array.from({ length: S }, (_, i) => player(k.url, 1e9, 5000 + i, [], [], stopK));
    await new Promise((r) => setTimeout(r, 1500));
    const tKill = performance.now();
    k.proc.kill('SIGKILL');
    const ended = await Promise.race([Promise.all(killRuns), new Promise<null>((r) => setTimeout(() => r(null), 15000))]);
    stopK.now = true;
    const killSeconds = (performance.now() - tKill) / 1000;
    const killErrors = ended ? ended.map((r) => r.error) : [];
    const clear = killErrors.filter((e) => e && /connection closed|ECONNRESET|socket hang up|closed/.test(e)).length;
    log(`kill: ${clear}/${S} clients ended with a clear error in ${killSeconds.toFixed(2)} s, e.g. "${killErrors.find(Boolean) ?? 'none'}"`);

    const out = {
      bench: 'env',
      sessions: S,
      steps,
      wallSeconds: +wall.toFixed(3),
      stepsPerSecond: +(steps / wall).toFixed(0),
      latencyMs: { p50: +pct(lat, 50).toFixed(2), p99: +pct(lat, 99).toFixed(2), max: +pct(lat, 100).toFixed(2) },
      serverCpuUsPerStep,
      episodesChecked: checked,
      lostOrMixedUp: problems.length,
      problems: problems.slice(0, 5),
      clientErrors: errors.slice(0, 5),
      malformedClient: v,
      kill: { clients: S, endedWithClearError: clear, secondsToAllEnded: ended ? +killSeconds.toFixed(2) : null, example: killErrors.find(Boolean) ?? null },
      // the same load through the MCP tools (no throughput target: correctness only)
      mcp,
      targetStepsPerSecond: TARGET, // 0: none
      pass: problems.length === 0 && errors.length === 0 && steps === N && v.answeredWithError === v.sent && clear === S && (TARGET === 0 || steps / wall >= TARGET) && mcpPass,
      loadavg: loadavg().map((x) => +x.toFixed(2)),
    };
    console.log(JSON.stringify(out));
  } finally {
    for (const p of servers) await stopServer(p, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
