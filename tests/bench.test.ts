/**
 * Every bench/ script in its smallest mode, as the docs run it (`npx tsx bench/X.ts`; the build in dist/ for the ones
 * that run bin/askfirst.js): it exits 0, its stdout is JSON with the fields the docs and its header cite, and it leaves
 * nothing in the temp folder (the runs' own TMPDIR, checked after each). Each has --help naming its
 * options and refuses an unknown option in one line. No figure is checked, only that the work was done right (no lost
 * step, the torch peer on the same threads and steps). The PyTorch peer of engine.ts runs when /usr/bin/python3 has
 * torch (Debian's python3-torch), else the run says so and passes --no-torch.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it, onTestFinished } from 'vitest';
import { exited, expectInterrupted, stopChild } from '../src/testing/child.js';
import { tmpDir } from '../src/testing/tmp.js';
import { hasPythonModule } from '../src/testing/system-deps.js';

const root = resolve(import.meta.dirname, '..');
/** Where bench commands are given: the pages, the bench scripts' own headers, and src/nn/index.ts's. */
const DOC_PAGES = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`), ...readdirSync(join(root, 'bench')).map((f) => `bench/${f}`), 'src/nn/index.ts'];
const SCRIPTS = ['engine', 'engine-profile', 'env', 'fault-server', 'hostile', 'http', 'jpeg-decode', 'scale', 'startup', 'suite'];

/**
 * The TMPDIR of every run: one for all, so that tsx's transform cache there (tsx-<uid>, the runner's, not the script's)
 * is shared by the runs, which one after another (not concurrently) must leave nothing else in it.
 */
const TMP = tmpDir('af-bench-tmp');
const leftInTmp = () => readdirSync(TMP).filter((f) => !/^tsx-\d+$/.test(f));

/** `node --import tsx bench/NAME.ts ARGS`, as `npx tsx` runs it, killed when the test ends if it still runs. */
function start(name: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', `${name}.ts`), ...args], { cwd: root, env: { ...process.env, ...env, TMPDIR: TMP }, stdio: ['ignore', 'pipe', 'pipe'] });
  onTestFinished(() => stopChild(child));
  return child;
}

/** `bench/NAME.ts ARGS` (`env` added to the environment): exit code, stdout, stderr, and what it left in the temp folder. */
async function bench(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string; leftInTmp: string[] }> {
  const child = start(name, args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => (stdout += b));
  child.stderr!.on('data', (b: Buffer) => (stderr += b));
  const code = await exited(child);
  return { code, stdout, stderr, leftInTmp: leftInTmp() };
}

/** The JSON a script printed: the whole of stdout (one object, on one line or indented). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each script's own JSON, read field by field
async function json(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Record<string, any>> {
  const r = await bench(name, args, env);
  expect(r.code, r.stderr).toBe(0);
  expect(r.leftInTmp, `${name} left in the temp folder`).toEqual([]);
  return JSON.parse(r.stdout);
}

const hasTorch = hasPythonModule('torch');

describe('bench/ scripts', () => {
  it('every script in bench/ is one this test runs', () => {
    expect(readdirSync(join(root, 'bench')).filter((f) => f.endsWith('.ts') && f !== 'args.ts').map((f) => f.slice(0, -3)).sort()).toEqual(SCRIPTS);
  });

  // --help is written by bench/args.ts only: a script whose --help says so parses its options there, where an unknown
  // option, a bad number and a stray word are refused for all alike (four scripts checked below).
  it.each(SCRIPTS)('%s: --help names its options, every one the docs and its header give it', async (name) => {
    const help = await bench(name, ['--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(new RegExp(`^usage: npx tsx bench/${name}\\.ts \\[options\\]\\n`));
    expect(help.stdout).toContain('  -h, --help');
    const given = DOC_PAGES.flatMap((page) => [...readFileSync(join(root, page), 'utf8').matchAll(new RegExp(`tsx bench/${name}\\.ts([^\`\\n]*)`, 'g'))].flatMap((m) => m[1].match(/--[a-z][\w-]*/g) ?? []));
    for (const flag of new Set(given)) expect(help.stdout, `${flag} of bench/${name}.ts`).toMatch(new RegExp(`^  (-h, )?${flag}\\b`, 'm'));
  });

  it('every bench script the docs name is there', () => {
    const named = DOC_PAGES.flatMap((page) => [...readFileSync(join(root, page), 'utf8').matchAll(/\bbench\/([\w-]+)\.(?:ts|py)\b/g)].map((m) => `${page}: ${m[0]}`));
    expect(named.length).toBeGreaterThan(0);
    for (const n of named) expect(existsSync(join(root, n.split(': ')[1])), n).toBe(true);
  });

  it('an unknown option, a value that is not a number or a stray word is refused in one line before any work', async () => {
    const bad = await bench('engine', ['--second', '1']);
    expect({ code: bad.code, stdout: bad.stdout, stderr: bad.stderr }).toEqual({ code: 1, stdout: '', stderr: `bench/engine.ts: unknown option '--second' (Did you mean --seconds?); see npx tsx bench/engine.ts --help\n` });
    expect((await bench('suite', ['--episodes', 'many'])).stderr).toBe(`bench/suite.ts: --episodes: must be a whole number of at least 1 (got "many"); see npx tsx bench/suite.ts --help\n`);
    const see = (name: string) => `; see npx tsx bench/${name}.ts --help\n`;
    // a string option's choices and a comma list's come from bench/args.ts's table too: refused there, named in --help
    expect((await bench('env', ['--mcp', 'carrier-pigeon'])).stderr).toBe(`bench/env.ts: --mcp: must be mcp-http or mcp-ws, comma-separated, or none (got "carrier-pigeon")${see('env')}`);
    expect((await bench('env', ['--mcp', 'mcp-ws,mcp-htp'])).stderr).toBe(`bench/env.ts: --mcp: must be mcp-http or mcp-ws, comma-separated, or none (got "mcp-htp" in "mcp-ws,mcp-htp") (Did you mean mcp-http?)${see('env')}`);
    const client = await bench('env', ['--client', 'fetc']);
    expect({ code: client.code, stdout: client.stdout, stderr: client.stderr }).toEqual({ code: 1, stdout: '', stderr: `bench/env.ts: --client: must be http or fetch (got "fetc") (Did you mean fetch?)${see('env')}` });
    const help = (await bench('env', ['--help'])).stdout;
    expect(help).toMatch(/^ {2}--client http\|fetch {2,}.* \(default http\)$/m);
    expect(help).toMatch(/^ {2}--mcp A,B {2,}.* \(comma-separated: mcp-http, mcp-ws, or none; default mcp-http,mcp-ws\)$/m);
    const stray = await bench('jpeg-decode', ['30']);
    expect({ code: stray.code, stderr: stray.stderr }).toEqual({ code: 1, stderr: `bench/jpeg-decode.ts: unexpected argument '30' (every value follows its --option); see npx tsx bench/jpeg-decode.ts --help\n` });
  });

  // engine.ts's PyTorch peer, run by hand too: refused as bench/args.ts refuses (its options read before torch is imported)
  it.skipIf(!existsSync('/usr/bin/python3'))('engine_torch.py refuses a bad option in one line, as the TS benches do', () => {
    const py = (...args: string[]) => spawnSync('/usr/bin/python3', ['-B', join(root, 'bench', 'engine_torch.py'), ...args], { encoding: 'utf8' });
    const see = 'see /usr/bin/python3 bench/engine_torch.py --help\n';
    const bad = py('--threads', 'x');
    expect({ code: bad.status, stdout: bad.stdout, stderr: bad.stderr }).toEqual({ code: 1, stdout: '', stderr: `bench/engine_torch.py: --threads: must be a whole number of at least 1 (got "x"); ${see}` });
    expect(py('--seconds', '0').stderr).toBe(`bench/engine_torch.py: --seconds: must be a number above 0 (got "0"); ${see}`);
    expect(py('--second', '1').stderr).toBe(`bench/engine_torch.py: unrecognized arguments: --second 1; ${see}`);
  });

  // --threads is both of torch's pools: its inter-op pool had torch's own default (one thread per core), so --threads 1
  // was not one thread
  it.skipIf(!hasTorch)('engine_torch.py runs both torch thread pools at --threads', () => {
    const r = spawnSync('/usr/bin/python3', ['-B', join(root, 'bench', 'engine_torch.py'), '--threads', '3', '--batch', '2', '--warmup', '0', '--steps', '1'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toMatchObject({ threads: 3, interop_threads: 3, steps: 1 });
  });

  it('engine: ours and the PyTorch peer on the same net, threads, warm-up and steps', async () => {
    if (!hasTorch) console.warn('SKIPPED: the PyTorch peer of bench/engine.ts (/usr/bin/python3 has no torch: apt-get install -y python3-torch)');
    const j = await json('engine', ['--seconds', '0.01', '--threads', '1', '--batch', '4', '--json', ...(hasTorch ? [] : ['--no-torch'])]);
    expect(j).toMatchObject({ threads: 1, batch: 4, steps: 3, kernels: 'wasm' });
    for (const k of ['samples_per_s', 'gemm_gflops_512', 'samples_per_cpu_s']) expect(j[k]).toBeGreaterThan(0);
    if (hasTorch) {
      expect(j.torch_reason).toBeUndefined();
      expect({ threads: j.torch_threads, interop: j.torch_interop_threads, steps: j.torch_steps }).toEqual({ threads: 1, interop: 1, steps: j.steps });
      expect(j.torch_samples_per_s).toBeGreaterThan(0);
      expect(j.ratio).toBeGreaterThan(0);
    } else expect(j).toMatchObject({ torch_samples_per_s: null, ratio: null, torch_reason: 'skipped (--no-torch)' });
  });

  // a peer whose inter-op pool is not --threads (here torch.set_num_interop_threads made to give one more, by a
  // sitecustomize.py on PYTHONPATH, which Python imports at start) used more CPU than ours: its figure is dropped
  it.skipIf(!hasTorch)('engine: a torch peer on another inter-op thread count is left out, with the reason', async () => {
    const site = tmpDir('af-bench-site');
    writeFileSync(join(site, 'sitecustomize.py'), 'import torch\n_set = torch.set_num_interop_threads\ntorch.set_num_interop_threads = lambda n: _set(n + 1)\n');
    const j = await json('engine', ['--seconds', '0.01', '--threads', '1', '--batch', '4', '--json'], { PYTHONPATH: site, PYTHONDONTWRITEBYTECODE: '1' });
    expect(j).toMatchObject({ torch_threads: 1, torch_interop_threads: 2, torch_samples_per_s: null, torch_samples_per_cpu_s: null, ratio: null });
    expect(j.torch_reason).toBe(`torch peer did other work: 1 threads, 2 inter-op threads and ${j.steps} steps, ours 1, 1 and ${j.steps}`);
  });

  // a peer whose JSON has no interop_threads (here json.dumps made to drop it, by a sitecustomize.py as above) is left out,
  // and says so: its reason read "undefined inter-op threads"
  it.skipIf(!hasTorch)('engine: a torch peer that does not say its inter-op threads is left out, with the reason', async () => {
    const site = tmpDir('af-bench-site-interop');
    writeFileSync(join(site, 'sitecustomize.py'), 'import json\n_dumps = json.dumps\njson.dumps = lambda o, *a, **k: _dumps({x: v for x, v in o.items() if x != "interop_threads"} if isinstance(o, dict) else o, *a, **k)\n');
    const j = await json('engine', ['--seconds', '0.01', '--threads', '1', '--batch', '4', '--json'], { PYTHONPATH: site, PYTHONDONTWRITEBYTECODE: '1' });
    expect(j).toMatchObject({ torch_threads: 1, torch_samples_per_s: null, torch_samples_per_cpu_s: null, ratio: null });
    expect(j.torch_interop_threads).toBeUndefined();
    expect(j.torch_reason).toBe(`torch peer did not say its inter-op threads (1 threads and ${j.steps} steps, ours 1 and ${j.steps}): run this bench/engine_torch.py`);
  });

  // a peer whose JSON has no steps (json.dumps made to drop it, as above): its reason read "undefined steps"
  it.skipIf(!hasTorch)('engine: a torch peer that does not say its steps is left out, naming the field', async () => {
    const site = tmpDir('af-bench-site-steps');
    writeFileSync(join(site, 'sitecustomize.py'), 'import json\n_dumps = json.dumps\njson.dumps = lambda o, *a, **k: _dumps({x: v for x, v in o.items() if x != "steps"} if isinstance(o, dict) else o, *a, **k)\n');
    const j = await json('engine', ['--seconds', '0.01', '--threads', '1', '--batch', '4', '--json'], { PYTHONPATH: site, PYTHONDONTWRITEBYTECODE: '1' });
    expect(j).toMatchObject({ torch_threads: 1, torch_interop_threads: 1, torch_samples_per_s: null, ratio: null });
    expect(j.torch_reason).toBe('torch peer did not say its steps (1 threads and 1 inter-op threads, ours 1 and 1): run this bench/engine_torch.py');
  });

  it('engine-profile: JSON of every op', async () => {
    const j = await json('engine-profile', ['--steps', '1', '--threads', '1', '--batch', '2', '--cpu']);
    expect(j).toMatchObject({ bench: 'engine-profile', threads: 1, batch: 2, steps: 1, clock: 'cpu' });
    expect(Object.keys(j.ops)).toEqual(expect.arrayContaining(['conv1 3→16', 'linear 128→16', 'crossEntropy']));
    expect(j.step_ms).toBeGreaterThan(0);
  });

  it('env: no lost or mixed-up step over /ws and the MCP WebSocket; every client ends clearly when the server is killed', async () => {
    // no speed target: 30 steps say nothing about speed, so pass is every check's
    const j = await json('env', ['--sessions', '2', '--steps', '30', '--episodes', '1', '--size', '32', '--mcp', 'mcp-ws', '--target-steps-per-second', '0']);
    expect(j).toMatchObject({ bench: 'env', pass: true, targetStepsPerSecond: 0, sessions: 2, steps: 30, lostOrMixedUp: 0, clientErrors: [], kill: { clients: 2, endedWithClearError: 2 }, mcp: { 'mcp-ws': { steps: 30, lostOrMixedUp: 0 } } });
    expect(j.malformedClient.answeredWithError).toBe(j.malformedClient.sent);
    for (const k of ['stepsPerSecond', 'episodesChecked']) expect(j[k]).toBeGreaterThan(0);
    expect(j.latencyMs.p99).toBeGreaterThanOrEqual(j.latencyMs.p50);
    expect(typeof j.serverCpuUsPerStep).toBe('number');
  });

  it('fault-server: JSON Lines (its URL, its counters), stopped by Ctrl-C as askfirst servers are', async () => {
    const child = start('fault-server', ['--port', '0', '--fault-rate', '0']);
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b));
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const first = await lines.next();
    expect(first.done, stderr).toBe(false);
    const { url } = JSON.parse(first.value as string);
    const answer = (await (await fetch(`${url}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'Q?\nA. a\nB. b' }] }) })).json()) as { choices: { message: { content: string } }[] };
    expect(answer.choices[0].message.content).toMatch(/^[AB]\.$/);
    const gone = exited(child);
    child.kill('SIGINT');
    const rest: string[] = [];
    for (let l = await lines.next(); !l.done; l = await lines.next()) rest.push(l.value as string);
    await gone;
    expectInterrupted({ code: child.exitCode, killedBy: child.signalCode, stderr }, 'SIGINT');
    expect(stderr).toBe('bench/fault-server: stopped by Ctrl-C; connections closed\n');
    expect(JSON.parse(rest.at(-1)!)).toMatchObject({ requests: 1, answered: 1 });
    expect(leftInTmp()).toEqual([]);
  });

  it('hostile and jpeg-decode: JSON of their figures', async () => {
    const h = await json('hostile', ['--n', '2']);
    expect(h).toMatchObject({ serveStatus: 400, refusals: 6 });
    for (const k of ['refusePngMs', 'refuseJpegMs', 'serveRefuseMs', 'checkpoint16MBLoadWithChecksumMs']) expect(h[k]).toBeGreaterThan(0);
    const d = await json('jpeg-decode', ['--n', '1']);
    for (const k of ['libjpegTurbo_640x480_ms', 'jpegJs_640x480_ms', 'libjpegTurbo_64x64_ms', 'jpegJs_64x64_ms']) expect(d[k]).toBeGreaterThan(0);
  });

  it('http: every request of every trial answered, beside the ideal and the bare HTTP loop', async () => {
    const j = await json('http', ['--episodes', '4', '--concurrency', '2', '--delay', '1', '--batch', '4', '--size', '8']);
    expect(j).toMatchObject({ concurrency: 2, delay_ms: 1, episodes: 4, ideal_rps: 2000 });
    for (const k of ['throughput_rps', 'client_rps', 'raw_http_rps', 'overhead_ms_per_episode_wall', 'overhead_ms_per_episode_cpu']) expect(j[k]).toBeGreaterThan(0);
    expect(j.requests).toBeGreaterThanOrEqual(4);
  });

  // the feedback commands left out: each one's database start (2 s of CPU) would be most of the test's time
  if (!existsSync('/usr/bin/time')) console.warn('SKIPPED: bench/scale.ts (/usr/bin/time is not installed: apt-get install -y time)');
  it.skipIf(!existsSync('/usr/bin/time'))('scale: every command exits 0 under GNU time', async () => {
    const dir = tmpDir('af-bench-scale-dir');
    const j = await json('scale', ['--episodes', '1', '--scenes', '2', '--dir', join(dir, 'work'), '--no-feedback']);
    expect(j.pass).toBe(true);
    expect(j.results.map((r: { command: string }) => r.command.split(' --')[0])).toEqual(['askfirst suite generate', 'askfirst suite show', ...Array(3).fill('askfirst eval'), 'askfirst report eval-a eval-b', 'askfirst export', 'askfirst probe hallucination']);
    for (const r of j.results) expect(r.exit, r.command).toBe(0);
    expect(readdirSync(dir)).toEqual([]); // --dir removed at the end (no --keep)
  });

  it.skipIf(!existsSync('/usr/bin/time'))('scale: Ctrl-C stops the command running, removes --dir and ends by the signal', async () => {
    const dir = tmpDir('af-bench-scale-int');
    // enough episodes that the first command still runs when the signal comes (were it done, the bench stops between two)
    const child = start('scale', ['--episodes', '200', '--scenes', '2', '--dir', join(dir, 'work'), '--no-feedback']);
    let stderr = '';
    const gone = exited(child);
    await new Promise<void>((started) =>
      child.stderr!.on('data', (b: Buffer) => {
        stderr += b;
        if (stderr.includes('▶ askfirst suite generate')) started();
      }),
    );
    child.kill('SIGINT');
    await gone;
    expectInterrupted({ code: child.exitCode, killedBy: child.signalCode, stderr }, 'SIGINT');
    expect(readdirSync(dir), stderr).toEqual([]);
    expect(stderr).toContain(`askfirst: interrupted; the bench's folder ${join(dir, 'work')} removed (--keep keeps it)`);
    expect(leftInTmp()).toEqual([]);
  });

  it('startup and suite: JSON of their figures', async () => {
    const s = await json('startup', ['--runs', '1']);
    expect(Object.keys(s.results)).toEqual(['node -e 0', '--version', '--help', 'eval --help', 'suite generate (1 episode)']);
    for (const c of Object.values(s.results) as { medianMs: number }[]) expect(c.medianMs).toBeGreaterThan(0);
    const g = await json('suite', ['--episodes', '1', '--size', '32', '--seconds', '0.01']);
    expect(g).toMatchObject({ bench: 'suite', size: 32, episodesPerKind: 1 });
    expect(g.viewsGeneratedPerSecond.overall.views).toBeGreaterThan(0);
    expect(g.episodesEvaluatedPerSecondOracle.episodes).toBeGreaterThanOrEqual(7);
  });
});
