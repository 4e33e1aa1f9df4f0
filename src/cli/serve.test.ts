import { appendFileSync, cpSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Command } from 'commander';
import { BuiltinPolicy } from '../agents/builtin/policy.js';
import { newBuiltin, saveBuiltin } from '../agents/builtin/build.js';
import { HttpPolicy } from '../agents/http/policy.js';
import { AlwaysAnswerPolicy } from '../agents/baselines/always-answer.js';
import { checkPolicySpec, policyUsage as registeredUsage, servedModelId } from '../agents/registry.js';
import { evaluate } from '../eval/evaluate.js';
import { tmpDir } from '../testing/tmp.js';
import { generateSuite } from '../suite/generate.js';
import { directoryViewLoader, readProactiveBench, writeProactiveBench } from '../suite/proactivebench/read.js';
import { buildProgram } from './main.js';
import { loadServeEpisodes, runServe, serveAction } from './serve.js';
import { requestWithHost } from '../testing/host-request.js';
import { ServeSchema } from './serve-schema.js';
import { readSuite, writeSuite } from '../suite/io.js';
import { formatPrompt } from '../episode/prompt.js';
import { createImage } from '../scenes/image.js';
import { pngDataUrl } from '../scenes/png.js';

describe('askfirst serve without askfirst headers', () => {
  it('answers a plain OpenAI client (no x-askfirst-* headers) as the policy answers directly; the oracle asks for the headers', async () => {
    const dir = tmpDir('askfirst-serve-plain');
    await writeProactiveBench(dir, generateSuite({ episodes: 1, seed: 3 }));
    const eps = await readProactiveBench(dir);
    const loader = directoryViewLoader(dir);
    const srv = await runServe(ServeSchema.parse({ policy: 'always-answer', port: 0 }));
    try {
      const viaHttp = await evaluate({ episodes: eps, loader, policy: new HttpPolicy({ baseUrl: srv.url, model: 'always-answer', retries: 0 }, {}), modes: ['proactive'] });
      const direct = await evaluate({ episodes: eps, loader, policy: new AlwaysAnswerPolicy(), modes: ['proactive'] });
      expect(viaHttp.summaries.proactive).toEqual(direct.summaries.proactive);
    } finally {
      await srv.close();
    }
    const oracle = await runServe(ServeSchema.parse({ policy: 'oracle', port: 0, data: `proactivebench:${dir}` }));
    try {
      await expect(evaluate({ episodes: eps, loader, policy: new HttpPolicy({ baseUrl: oracle.url, model: 'oracle', retries: 0 }, {}), modes: ['proactive'] })).rejects.toThrow(/--askfirst-headers/);
    } finally {
      await oracle.close();
    }
  });
});

describe('askfirst serve', () => {
  it('is registered, with options from its schema', async () => {
    const program = await buildProgram();
    const cmd = program.commands.find((c) => c.name() === 'serve');
    expect(cmd).toBeDefined();
    const flags = cmd!.options.map((o) => o.long);
    for (const k of ['--policy', '--port', '--host', '--data', '--max-batch', '--api-key', '--api-key-env', '--max-body-bytes', '--max-concurrent', '--max-image-pixels']) expect(flags).toContain(k);
  });

  it('--help lists every policy it can serve, as eval --help does', async () => {
    const program = await buildProgram();
    let text = '';
    const cmd = program.commands.find((c) => c.name() === 'serve')!;
    cmd.configureOutput({ writeOut: (s) => void (text += s) });
    cmd.outputHelp();
    for (const p of ['always-answer', 'constant:TEXT', 'ocr-follow', 'builtin:DIR', 'openai:URL#MODEL']) expect(text).toContain(p);
    // what it does with OpenAI's request fields: the token limit is applied, logprobs may be null
    expect(text.replace(/\s+/g, ' ')).toMatch(/max_completion_tokens \(else max_tokens\) cuts a reply after that many words.*finish_reason "length".*null from one that does not \(oracle, scripted/);
  });

  it("--policy's own line names every policy spec the parser accepts, in its order (serve's lacked always-answer, eval's constant:TEXT and ocr-follow)", async () => {
    const program = await buildProgram();
    const forms = registeredUsage().map((u) => u.split(/\s/)[0]!);
    expect(forms).toContain('always-answer');
    // each built from the parser's own list, in its order (probe's was written by hand, in another order)
    for (const command of ['serve', 'eval', 'probe hallucination', 'probe injection']) {
      const cmd = command.split(' ').reduce<Command>((c, name) => c.commands.find((s) => s.name() === name)!, program);
      const option = cmd.options.find((o) => o.long === '--policy')!;
      expect(option.description, command).toContain(forms.join(', '));
    }
    for (const form of forms) {
      expect(() => checkPolicySpec(form.replace(/\[:SEED\]$/, '').replace(/:[A-Z]+(#[A-Z]+)?$/, ':x'))).not.toThrow(/unknown policy/);
    }
  });

  it('warns when listening beyond this machine without a key, and that it is plain HTTP even with one; a key from --api-key or the environment protects it', async () => {
    const warnings: string[] = [];
    const open = await runServe(ServeSchema.parse({ policy: 'random', port: 0, host: '0.0.0.0', apiKeyEnv: 'AF_TEST_NO_SUCH_KEY' }), (m) => warnings.push(m));
    await open.close();
    const plainHttp = expect.stringMatching(/^--host 0\.0\.0\.0 serves plain HTTP: the API key \(when one is set\), prompts and images cross the network unencrypted\. Put a TLS-terminating reverse proxy/);
    expect(warnings).toEqual([expect.stringMatching(/listening on 0\.0\.0\.0 without an API key: anyone who can reach this machine.*AF_TEST_NO_SUCH_KEY or pass --api-key/), plainHttp]);
    expect(open.protectedByKey).toBe(false);
    warnings.length = 0;
    const keyed = await runServe(ServeSchema.parse({ policy: 'random', port: 0, host: '0.0.0.0', apiKey: 'k1' }), (m) => warnings.push(m));
    await keyed.close();
    expect(keyed.protectedByKey).toBe(true);
    expect(warnings, 'a key does not make plain HTTP safe').toEqual([plainHttp]);
    warnings.length = 0;
    process.env.AF_TEST_SERVE_KEY = 'k2';
    try {
      const srv = await runServe(ServeSchema.parse({ policy: 'random', port: 0, host: '127.0.0.1', apiKeyEnv: 'AF_TEST_SERVE_KEY' }), (m) => warnings.push(m));
      try {
        expect((await fetch(`${srv.url}/models`)).status).toBe(401);
        expect((await fetch(`${srv.url}/models`, { headers: { authorization: 'Bearer k2' } })).status).toBe(200);
      } finally {
        await srv.close();
      }
    } finally {
      delete process.env.AF_TEST_SERVE_KEY;
    }
    expect(warnings).toEqual([]);
  });

  it('refuses an --api-key-env naming a variable that is not set (it served without a key, not a word on loopback), and --api-key with --api-key-env', async () => {
    delete process.env.AF_TEST_UNSET_KEY;
    const given = { policy: 'random', port: '0', apiKeyEnv: 'AF_TEST_UNSET_KEY' };
    const started = (r: Awaited<ReturnType<typeof runServe>>) => r.close().then(() => 'started without a key');
    await expect(runServe(ServeSchema.parse({ ...given, port: 0 }), () => {}, given).then(started)).rejects.toThrow(
      '--api-key-env AF_TEST_UNSET_KEY: that environment variable is not set (or empty), so the server would require no key; export AF_TEST_UNSET_KEY=KEY first, or leave --api-key-env out',
    );
    process.env.AF_TEST_UNSET_KEY = 'k3';
    try {
      const both = { ...given, apiKey: 'k4' };
      await expect(runServe(ServeSchema.parse({ ...both, port: 0 }), () => {}, both).then(started)).rejects.toThrow(/^--api-key and --api-key-env contradict each other/);
      const srv = await runServe(ServeSchema.parse({ ...given, port: 0 }), () => {}, given); // set: served with that key
      await srv.close();
      expect(srv.protectedByKey).toBe(true);
    } finally {
      delete process.env.AF_TEST_UNSET_KEY;
    }
  });

  it('answers on loopback only its own Host names and --allow-host ones; refuses --allow-host with another --host', async () => {
    const srv = await runServe(ServeSchema.parse({ policy: 'random', port: 0, allowHost: ['proxy.example.org'] }));
    try {
      const root = srv.url.replace('/v1', '');
      expect((await requestWithHost(`${root}/v1/models`, 'evil.example')).status).toBe(403);
      expect((await requestWithHost(`${root}/v1/models`, 'proxy.example.org')).status).toBe(200);
    } finally {
      await srv.close();
    }
    await expect(serveAction({ policy: 'random', host: '0.0.0.0', allowHost: ['proxy.example.org'] })).rejects.toThrow(/--allow-host does not apply with --host 0\.0\.0\.0: it is read with a loopback --host only/);
  });

  it('refuses an empty --model-name (it was served as model "", an id no client sends)', async () => {
    await expect(serveAction({ policy: 'random', modelName: '' })).rejects.toThrow(/model-name: must not be empty: give the id clients send as "model", or leave --model-name out/);
  });

  it("lists a built-in model without the server's folders when no --model-name is given (it listed the whole path)", async () => {
    // before, the default id was the spec: /v1/models told every client "builtin:/tmp/…/af-serve-id-…/runs/rl"
    const d = tmpDir('af-serve-id');
    const eps = generateSuite({ episodes: 2, seed: 4, kinds: ['camera'] });
    saveBuiltin(join(d, 'runs', 'rl', 'final'), newBuiltin(eps));
    for (const [dir, id] of [[join(d, 'runs', 'rl', 'final'), 'builtin:rl/final'], [`${join(d, 'runs', 'rl', 'final')}/`, 'builtin:rl/final']] as const) {
      const srv = await runServe(ServeSchema.parse({ policy: `builtin:${dir}`, port: 0 }));
      try {
        expect(srv.model).toBe(id);
        const listed = (await (await fetch(`${srv.url}/models`)).json()) as { data: { id: string }[] };
        expect(listed.data.map((m) => m.id)).toEqual([id]);
        expect(JSON.stringify(listed)).not.toContain(d);
        // clients name it so, and are answered under it
        const messages = [{ role: 'user', content: [{ type: 'image_url', image_url: { url: pngDataUrl(createImage(8, 8, [90, 120, 30])) } }, { type: 'text', text: formatPrompt('Q?', ['a', 'b', 'c']) }] }];
        const res = await fetch(`${srv.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: id, messages }) });
        expect(res.status).toBe(200);
        expect(((await res.json()) as { model: string }).model).toBe(id);
      } finally {
        await srv.close();
      }
    }
    expect(servedModelId('scripted:/srv/private/replies.jsonl')).toBe('scripted:replies.jsonl');
    expect(servedModelId('builtin:runs/rl')).toBe('builtin:rl');
    for (const spec of ['random:3', 'oracle', 'constant:a/b']) expect(servedModelId(spec)).toBe(spec);
    // a proxy as its upstream's model: the upstream's URL (an internal host, its port and path) was the id every client saw
    expect(servedModelId('openai:http://10.0.0.7:8000/internal/v1#Qwen/Qwen2.5-VL-3B-Instruct')).toBe('Qwen/Qwen2.5-VL-3B-Instruct');
    expect(servedModelId('openai:http://127.0.0.1:8000/v1#builtin:rl')).toBe('builtin:rl');
    // --model-name is served as given
    const named = await runServe(ServeSchema.parse({ policy: 'random', port: 0, modelName: 'builtin:runs/rl' }));
    await named.close();
    expect(named.model).toBe('builtin:runs/rl');
  });

  it('refuses --seed with a policy that draws nothing at random', async () => {
    // it was accepted and ignored: the oracle's answers are the same under any seed
    await expect(serveAction({ policy: 'oracle', seed: '3' })).rejects.toThrow(/^--seed does not apply with --policy oracle: it is read by random \(without its own :SEED\), builtin:DIR and openai:URL#MODEL policies only/);
    await expect(serveAction({ policy: 'oracle' })).rejects.toThrow(/the oracle needs the episodes/); // without it: on to the data
  });

  it('reads and checks --data, and warns of a missing key, before it loads a built-in model (cheap checks first)', async () => {
    const d = tmpDir('af-serve-order');
    const eps = generateSuite({ episodes: 2, seed: 4, kinds: ['camera'] });
    saveBuiltin(join(d, 'model'), newBuiltin(eps));
    await writeSuite(join(d, 'suite'), eps);
    appendFileSync(join(d, 'suite', 'episodes.jsonl'), '{"id": "broken"\n'); // a bad last line
    const order: string[] = [];
    const load = vi.spyOn(BuiltinPolicy, 'load').mockImplementation(() => {
      order.push('model loaded');
      throw new Error('not reached');
    });
    try {
      const cfg = ServeSchema.parse({ policy: `builtin:${join(d, 'model')}`, port: 0, host: '0.0.0.0', apiKeyEnv: 'AF_TEST_NO_SUCH_KEY', data: join(d, 'suite') });
      await expect(runServe(cfg, (m) => order.push(m.slice(0, 39)))).rejects.toThrow(/episodes\.jsonl:\d+: /);
      expect(order).toEqual(['listening on 0.0.0.0 without an API key']); // was: the model loaded, the data refused, no warning said
      expect(load).not.toHaveBeenCalled();
    } finally {
      load.mockRestore();
    }
  });

  it('refuses the oracle without --data', async () => {
    await expect(runServe(ServeSchema.parse({ policy: 'oracle', port: 0 }))).rejects.toThrow(/--data/);
  });

  it('serves the oracle over a ProactiveBench-layout directory; the HTTP client solves every episode', async () => {
    const dir = tmpDir('askfirst-serve');
    await writeProactiveBench(dir, generateSuite({ episodes: 1, seed: 9 }));
    const srv = await runServe(ServeSchema.parse({ policy: 'oracle', port: 0, data: `proactivebench:${dir}` }));
    try {
      expect(await (await fetch(`${srv.url}/models`)).json()).toMatchObject({ data: [{ id: 'oracle' }] });
      const eps = await readProactiveBench(dir);
      const res = await evaluate({ episodes: eps, loader: directoryViewLoader(dir), policy: new HttpPolicy({ baseUrl: srv.url, model: 'oracle', askfirstHeaders: true }, {}), modes: ['proactive'] });
      expect(res.summaries.proactive!.accuracy).toBe(1);
    } finally {
      await srv.close();
    }
  });

  it("gives the oracle a system_fingerprint over its --data's contents, not its path", async () => {
    // before, the oracle's fingerprint was its spec's: other data under one --data path answered under the same one
    const root = tmpDir('askfirst-serve-fp');
    const [here, copy] = [join(root, 'data'), join(root, 'copy')];
    const fingerprint = async (dir: string) => {
      const srv = await runServe(ServeSchema.parse({ policy: 'oracle', port: 0, data: `suite:${dir}`, progress: false }));
      try {
        const ep = (await readSuite(dir))[0];
        const content = [{ type: 'image_url', image_url: { url: pngDataUrl(createImage(8, 8, [1, 2, 3])) } }, { type: 'text', text: formatPrompt(ep.question, ['a', 'b']) }];
        const res = await fetch(`${srv.url}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-askfirst-episode': encodeURIComponent(ep.id) },
          body: JSON.stringify({ model: 'oracle', messages: [{ role: 'user', content }] }),
        });
        expect(res.status).toBe(200);
        return ((await res.json()) as { system_fingerprint: string }).system_fingerprint;
      } finally {
        await srv.close();
      }
    };
    await writeSuite(here, generateSuite({ episodes: 2, seed: 9 }));
    cpSync(here, copy, { recursive: true });
    const first = await fingerprint(here);
    expect(first).toMatch(/^fp_[0-9a-f]{10}$/);
    expect(await fingerprint(here)).toBe(first); // a restart over the same data
    expect(await fingerprint(copy)).toBe(first); // the same suite elsewhere
    rmSync(here, { recursive: true });
    await writeSuite(here, generateSuite({ episodes: 2, seed: 10 })); // another suite at the same path
    expect(await fingerprint(here)).not.toBe(first);
  });

  it("gives ProactiveBench data copied elsewhere the oracle's same data fingerprint", async () => {
    // before, each entry's meta.file (its file's full path) was hashed: the copy was other data
    const root = tmpDir('askfirst-serve-pb-fp');
    const [here, copy] = [join(root, 'pb'), join(root, 'copy')];
    await writeProactiveBench(here, generateSuite({ episodes: 1, seed: 9 }));
    cpSync(here, copy, { recursive: true });
    const fingerprint = async (dir: string) => (await loadServeEpisodes(`proactivebench:${dir}`, () => undefined, false, true)).fingerprint;
    const first = await fingerprint(here);
    expect(first).toMatch(/^sha256:/);
    expect(await fingerprint(copy)).toBe(first);
  });
});

describe('askfirst serve as a proxy: its client of the upstream takes eval\'s flags', () => {
  /** An OpenAI-compatible upstream answering "B. Move" after `delayMs`; what it was sent, body and headers. */
  async function upstream(delayMs = 0, status = 200) {
    const sent: { body: Record<string, unknown>; headers: IncomingHttpHeaders }[] = [];
    const timers = new Set<NodeJS.Timeout>();
    const up = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
        sent.push({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>, headers: req.headers });
        const t = setTimeout(() => {
          timers.delete(t);
          res.setHeader('content-type', 'application/json');
          if (status !== 200) return void res.writeHead(status).end(JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } }));
          res.end(JSON.stringify({ id: 'x', object: 'chat.completion', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'B. Move' }, finish_reason: 'stop' }] }));
        }, delayMs);
        timers.add(t);
      });
    });
    await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
    const spec = `openai:http://127.0.0.1:${(up.address() as AddressInfo).port}/v1#m`;
    const close = async () => {
      for (const t of timers) clearTimeout(t);
      up.closeAllConnections();
      await new Promise<void>((r) => up.close(() => r()));
    };
    return { spec, sent, close };
  }
  const ask = (url: string, spec: string) =>
    fetch(`${url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: spec, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: pngDataUrl(createImage(8, 8, [90, 120, 30])) } }, { type: 'text', text: formatPrompt('Q?', ['a', 'b', 'c']) }] }] }),
    });
  /** serve of `spec` with `flags` (as typed: they count as given), through runServe as serveAction calls it. */
  const serve = (spec: string, flags: Record<string, unknown>) => runServe(ServeSchema.parse({ policy: spec, port: 0, ...flags }), () => {}, { policy: spec, ...flags });

  it('--timeout and --retries reach the upstream client: an upstream answering late is a 502 at the timeout', async () => {
    // before, serve passed none of them: the proxy waited out the default 120 s, six retries after each
    const up = await upstream(3000);
    const said = vi.spyOn(console, 'error').mockImplementation(() => {}); // serve's log of the upstream's failure
    const srv = await serve(up.spec, { timeout: 0.3, retries: 0 });
    try {
      const t0 = Date.now();
      const r = await ask(srv.url, srv.model);
      expect(r.status).toBe(502);
      expect(Date.now() - t0).toBeLessThan(2500);
      expect(up.sent).toHaveLength(1); // no retry
      expect(said.mock.calls.flat().join('\n')).toMatch(/gave up after 1 attempt \(last: no complete reply within 0\.3 s \(--timeout\)\)/);
    } finally {
      said.mockRestore();
      await srv.close();
      await up.close();
    }
  });

  it('--cache answers a repeated greedy request without a second upstream call; --max-tokens, --extra-body and the upstream key flags reach its requests', async () => {
    const up = await upstream();
    const cache = tmpDir('askfirst-serve-upstream-cache');
    process.env.AF_TEST_UPSTREAM_KEY = 'up-secret';
    process.env.AF_TEST_SERVE_OWN_KEY = 'own-secret';
    const srv = await serve(up.spec, { cache, maxTokens: 64, extraBody: '{"reasoning_effort":"low"}', upstreamApiKeyEnv: 'AF_TEST_UPSTREAM_KEY', upstreamApiKeyHeader: 'api-key', apiKeyEnv: 'AF_TEST_SERVE_OWN_KEY' });
    try {
      const get = () => fetch(`${srv.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer own-secret' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: pngDataUrl(createImage(8, 8, [90, 120, 30])) } }, { type: 'text', text: formatPrompt('Q?', ['a', 'b', 'c']) }] }] }) });
      for (let i = 0; i < 2; i++) {
        const r = await get();
        expect(r.status).toBe(200);
        expect(((await r.json()) as { choices: { message: { content: string } }[] }).choices[0].message.content).toBe('B. Move');
      }
      expect(up.sent).toHaveLength(1); // the second from --cache
      // served as the upstream's model, "m": its URL was the default id, listed to every client
      expect(srv.model).toBe('m');
      const listed = await (await fetch(`${srv.url}/models`, { headers: { authorization: 'Bearer own-secret' } })).text();
      expect(JSON.parse(listed)).toMatchObject({ data: [{ id: 'm' }] });
      expect(listed).not.toContain('127.0.0.1');
      expect(up.sent[0].body).toMatchObject({ max_tokens: 64, reasoning_effort: 'low' }); // none asked by the client: --max-tokens
      expect(up.sent[0].headers['api-key']).toBe('up-secret'); // the upstream's key, not serve's own clients' one
      expect(up.sent[0].headers.authorization).toBeUndefined();
    } finally {
      await srv.close();
      await up.close();
      delete process.env.AF_TEST_UPSTREAM_KEY;
      delete process.env.AF_TEST_SERVE_OWN_KEY;
    }
  });

  it('refuses them with a policy that is not openai:, an unset --upstream-api-key-env, and --cache-max-bytes without --cache', async () => {
    await expect(serveAction({ policy: 'random', timeout: '5', cache: 'c' })).rejects.toThrow(/^--timeout, --cache do not apply with --policy random \(not an openai: policy\): they are read by an openai:URL#MODEL policy only/);
    delete process.env.AF_TEST_UNSET_UPSTREAM_KEY;
    const started = (r: Awaited<ReturnType<typeof runServe>>) => r.close().then(() => 'started'); // a failure here leaves no server
    await expect(serve('openai:http://127.0.0.1:9/v1#m', { upstreamApiKeyEnv: 'AF_TEST_UNSET_UPSTREAM_KEY' }).then(started)).rejects.toThrow(/^--upstream-api-key-env AF_TEST_UNSET_UPSTREAM_KEY: that environment variable is not set/);
    await expect(serve('openai:http://127.0.0.1:9/v1#m', { cacheMaxBytes: 5000 }).then(started)).rejects.toThrow(/^--cache-max-bytes 5000 bounds the --cache folder, and there is none/);
  });

  it("advises on a refused upstream key with --upstream-api-key-env, not serve's own clients' --api-key-env", async () => {
    // before, its log told whoever runs serve to "name its variable with --api-key-env": the key serve's clients must send
    const said = vi.spyOn(console, 'error').mockImplementation(() => {});
    for (const keyed of [false, true]) {
      const up = await upstream(0, 401);
      if (keyed) process.env.AF_TEST_UPSTREAM_KEY = 'up-secret';
      const srv = await serve(up.spec, keyed ? { upstreamApiKeyEnv: 'AF_TEST_UPSTREAM_KEY' } : {});
      try {
        expect((await ask(srv.url, srv.model)).status).toBe(502);
        const log = said.mock.calls.flat().join('\n');
        expect(log).toMatch(keyed ? /check the key in the variable --upstream-api-key-env names, and for Azure OpenAI send it with --upstream-api-key-header api-key/ : /--upstream-api-key-env/); // without a key sent (unless OPENAI_API_KEY is set here): "or name its variable with …"
        expect(log).not.toMatch(/ --api-key-(env|header)/);
      } finally {
        said.mockClear();
        delete process.env.AF_TEST_UPSTREAM_KEY;
        await srv.close();
        await up.close();
      }
    }
    said.mockRestore();
  });

  it("--help lists them with eval's own descriptions (one schema: the two cannot drift)", async () => {
    const program = await buildProgram();
    const line = (cmd: string, flag: string) => program.commands.find((c) => c.name() === cmd)!.options.find((o) => o.long === flag)?.description;
    for (const flag of ['--timeout', '--retries', '--cache', '--cache-max-bytes', '--max-tokens-param', '--omit-params', '--extra-body', '--system-prompt']) {
      expect(line('serve', flag), flag).toBeDefined();
      expect(line('serve', flag), flag).toBe(line('eval', flag));
    }
    // the same fields, said of serve's side: the image is the client's (eval's "JPEG view file" was not true there), and
    // its two concurrency limits each say which requests they bound
    expect(line('serve', '--no-jpeg-passthrough')).toMatch(/^openai: re-encode a client's JPEG image as PNG before sending it upstream/);
    expect(line('serve', '--max-pixels')).toMatch(/^openai: shrink a client's image larger than this many pixels .* before sending it upstream/);
    expect(line('serve', '--concurrency')).toMatch(/^openai: requests in flight to the upstream at once \(default 8\).*Not --max-concurrent, the clients' requests/);
    expect(line('serve', '--max-concurrent')).toMatch(/^most clients' requests handled at once .*not --concurrency, an openai: policy's requests to its upstream/);
    for (const flag of ['--no-jpeg-passthrough', '--max-pixels', '--concurrency', '--max-concurrent']) expect(line('serve', flag), flag).not.toMatch(/view file|views/);
    expect(line('eval', '--no-jpeg-passthrough')).toMatch(/^openai: re-encode a JPEG view file as PNG/);
    // eval's says which side it bounds too (was "requests in flight at once", of no server), and that it is not --batch-size
    expect(line('eval', '--concurrency')).toMatch(/^openai: requests in flight to the model's server at once \(default 8\).*Not --batch-size, which bounds what is in play at once/);
    // one schema still: serve's fields parse as eval's
    expect(ServeSchema.parse({ policy: 'openai:http://x/v1#m', concurrency: 3, jpegPassthrough: false, maxPixels: 100 })).toMatchObject({ concurrency: 3, jpegPassthrough: false, maxPixels: 100 });
    expect(() => ServeSchema.parse({ policy: 'openai:http://x/v1#m', concurrency: 0 })).toThrow();
    expect(line('serve', '--upstream-api-key-env')).toMatch(/^openai: environment variable holding the upstream's API key/);
    expect(line('serve', '--history')).toBeUndefined(); // the client sends its own conversation
  });
});
