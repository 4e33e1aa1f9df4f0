/** `askfirst probe`: its --help describes only options the probes have. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Command } from 'commander';
import { join } from 'node:path';
import { buildProgram } from './main.js';
import { runProbeHallucination, runProbeInjection } from './probe.js';
import { newBuiltin, saveBuiltin } from '../agents/builtin/build.js';
import { generateSuite } from '../suite/generate.js';
import { tmpDir } from '../testing/tmp.js';
import { REASONING_TOKENS, startReasoningServer } from '../testing/reasoning-server.js';
import { startFaultServer } from '../testing/fault-server.js';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { heldJudge } from '../testing/held-judge.js';
import { createHash } from 'node:crypto';

describe('askfirst probe --help', () => {
  it('names no --sample (the probes ask greedily) and says --temperature defaults to 0', async () => {
    const probe = (await buildProgram()).commands.find((c) => c.name() === 'probe')!;
    expect(probe.commands.length).toBeGreaterThan(0);
    let checked = 0;
    for (const cmd of probe.commands as Command[]) {
      const help = cmd.helpInformation().replace(/\s+/g, ' ');
      if (!help.includes('--temperature')) continue;
      expect(cmd.options.some((o) => o.long === '--sample'), cmd.name()).toBe(false);
      expect(help, cmd.name()).not.toMatch(/--sample/);
      expect(help, cmd.name()).toMatch(/--temperature <n>\s+openai: temperature sent with every request \(default 0: the probes ask greedily\)/);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe('askfirst probe hallucination with a built-in checkpoint', () => {
  it('warns when the checkpoint has no presence head (and not when the policy is another)', async () => {
    const dir = tmpDir('askfirst-probe-nopres');
    saveBuiltin(join(dir, 'ck'), newBuiltin(generateSuite({ episodes: 1, kinds: ['camera'] })));
    const warned: string[] = [];
    const opts = { scenes: '2', unseenScenes: '2', openScenes: '0', progress: false, json: true };
    await runProbeHallucination({ ...opts, policy: `builtin:${join(dir, 'ck')}`, out: join(dir, 'p1') }, () => {}, (s) => warned.push(s));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/ck has no presence head.*askfirst train presence --init \S*ck --out/);
    await runProbeHallucination({ ...opts, policy: 'oracle', out: join(dir, 'p2') }, () => {}, (s) => warned.push(s));
    expect(warned).toHaveLength(1);
  });
});

describe("askfirst probe and eval given each other's --out", () => {
  it("are refused before any work, and the other's files stay as they were (injection wrote over a hallucination probe's summary.json and report.html, eval over a probe's, a probe over eval's)", async () => {
    const dir = tmpDir('askfirst-probe-others');
    const hall = join(dir, 'hall');
    const opts = { scenes: '2', unseenScenes: '2', openScenes: '0', progress: false, json: true, policy: 'random:1' };
    await runProbeHallucination({ ...opts, out: hall }, () => {});
    const files = ['summary.json', 'report.html', 'items.jsonl'].map((f) => readFileSync(join(hall, f), 'utf8'));
    await expect(runProbeInjection({ policy: 'random:1', episodes: '1', kinds: 'camera', progress: false, json: true, out: hall }, () => {})).rejects.toThrow(
      `--out ${hall} holds the results of askfirst probe hallucination (${join(hall, 'summary.json')}); askfirst probe injection would write into it: choose another --out`,
    );
    const { runEval } = await import('./eval.js');
    const { EvalCommandSchema } = await import('./eval-schema.js');
    const suite = join(dir, 'suite');
    const { writeSuite } = await import('../suite/io.js');
    await writeSuite(suite, generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    const evalCfg = (out: string, policy = ['oracle']) => EvalCommandSchema.parse({ policy, data: suite, out, progress: false, json: true, mode: ['proactive'] });
    await expect(runEval(evalCfg(hall), () => {})).rejects.toThrow(/^--out \S*hall holds the results of askfirst probe hallucination .*askfirst eval would write into it/);
    expect(['summary.json', 'report.html', 'items.jsonl'].map((f) => readFileSync(join(hall, f), 'utf8'))).toEqual(files);
    // the other way: a probe into an eval run's --out (one policy, or one of several: OUT/<name>/)
    const run = join(dir, 'run');
    await runEval(evalCfg(run, ['oracle', 'random:1']), () => {});
    for (const out of [join(run, 'oracle'), join(run, 'random-1')]) {
      const summary = readFileSync(join(out, 'summary.json'), 'utf8');
      await expect(runProbeHallucination({ ...opts, out }, () => {})).rejects.toThrow(/holds the results of askfirst eval .*askfirst probe hallucination would write into it/);
      expect(readFileSync(join(out, 'summary.json'), 'utf8')).toBe(summary);
    }
    // its own --out again resumes, as before
    await expect(runProbeHallucination({ ...opts, out: hall }, () => {})).resolves.toBeDefined();
  });
});

describe('askfirst probe with an openai: policy', () => {
  it('sends the generation settings (--max-tokens-param, --max-tokens, --temperature): a reasoning-model endpoint that refuses the defaults answers', async () => {
    const srv = await startReasoningServer();
    try {
      const dir = tmpDir('askfirst-probe-gen');
      const opts = { policy: `openai:${srv.url}#o4-mini`, scenes: '2', unseenScenes: '0', openScenes: '0', retries: '0', progress: false, json: true };
      // with the defaults the endpoint refuses max_tokens: the settings below are what makes it answer
      await expect(runProbeHallucination({ ...opts, out: join(dir, 'default') }, () => {})).rejects.toThrow(/"max_tokens"/);
      const r = (await runProbeHallucination(
        { ...opts, out: join(dir, 'set'), maxTokensParam: 'max_completion_tokens', maxTokens: String(4 * REASONING_TOKENS), temperature: '1' },
        () => {},
      )) as { requests: Record<string, number> };
      expect(r.requests.requests).toBeGreaterThan(0);
      expect(r.requests.failures).toBe(0);
      expect(r.requests.truncated).toBe(0);
      // the settings are part of what a re-run must match to resume
      await expect(
        runProbeHallucination({ ...opts, out: join(dir, 'set'), maxTokensParam: 'max_completion_tokens', maxTokens: String(5 * REASONING_TOKENS), temperature: '1' }, () => {}),
      ).rejects.toThrow(/different run.*generation/);
    } finally {
      await srv.close();
    }
  });
});

describe('askfirst probe hallucination with a VLM that answers in words', () => {
  it('reads "Yes, there is a cat." / "No." / a reasoning block then "yes" by the first word, as POPE-style evaluations do, not as unparseable', async () => {
    // the reply depends on the question only (its object's name), so the same words meet present and absent objects
    const replies = ['Yes, there is a cat.', 'No.', '<think>I see the shapes.</think>\nyes', 'No, there is not.', 'B', 'Maybe.'];
    const want: Record<string, string> = { 'Yes, there is a cat.': 'yes', 'No.': 'no', yes: 'yes', 'No, there is not.': 'no', B: 'yes', 'Maybe.': 'invalid' };
    const pick = (text: string) => replies[createHash('sha256').update(/Is there an? (\w+)/.exec(text)?.[1] ?? '').digest().readUInt8(0) % replies.length];
    const srv = await startFaultServer({ answer: pick });
    try {
      const out = join(tmpDir('askfirst-probe-words'), 'p');
      const s = (await runProbeHallucination({ policy: `openai:${srv.url}#vlm`, scenes: '8', unseenScenes: '0', openScenes: '0', splits: ['random'], progress: false, json: true, out }, () => {})) as {
        pope: { random: { invalidRate: { value: number }; yesRatio: { value: number } } };
      };
      const items = readFileSync(join(out, 'items.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { reply: string; answer: string });
      expect(new Set(items.map((i) => i.reply)).size).toBeGreaterThan(3); // several kinds of reply met
      for (const i of items) expect(i.answer, i.reply).toBe(want[i.reply]); // the think block is gone from the recorded reply
      expect(s.pope.random.invalidRate.value).toBeCloseTo(items.filter((i) => i.reply === 'Maybe.').length / items.length, 12);
      expect(s.pope.random.yesRatio.value).toBeCloseTo(items.filter((i) => want[i.reply] === 'yes').length / items.length, 12);
    } finally {
      await srv.close();
    }
  });
});

describe('askfirst probe hallucination, progress', () => {
  afterEach(() => vi.restoreAllMocks());

  it('generating its items (drawing the scenes) is a bar before the first played; --no-progress and --json keep quiet', async () => {
    const d = tmpDir('askfirst-probe-hall-progress');
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => said.push(String(s)) > 0);
    const opts = { policy: 'oracle', scenes: '2', unseenScenes: '3', openScenes: '0' };
    await runProbeHallucination({ ...opts, out: join(d, 'a') }, () => undefined);
    expect(said.slice(0, 3)).toEqual([
      'generating items: 1/5 scenes\n',
      expect.stringMatching(/^generating items: 5\/5 scenes in [0-9.]+s\n$/),
      expect.stringMatching(/^presence questions: /),
    ]);
    said.length = 0;
    await runProbeHallucination({ ...opts, splits: ['random'], out: join(d, 'b') }, () => undefined); // no unseen split: only the clean scenes are drawn
    expect(said[1]).toMatch(/^generating items: 2\/2 scenes in [0-9.]+s\n$/);
    said.length = 0;
    await runProbeHallucination({ ...opts, out: join(d, 'c'), progress: false }, () => undefined);
    await runProbeHallucination({ ...opts, out: join(d, 'e'), json: true }, () => undefined);
    expect(said.join('')).not.toMatch(/generating items/);
  });
});

describe('askfirst probe injection, progress', () => {
  afterEach(() => vi.restoreAllMocks());

  it('generating its items (the episodes, the text drawn into each) is a bar before the first played; --no-progress keeps quiet', async () => {
    const d = tmpDir('askfirst-probe-progress');
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => said.push(String(s)) > 0);
    const opts = { policy: 'oracle', episodes: 1, kinds: ['camera', 'sketch'], instructions: ['letter'], positions: ['corner'], sizes: ['large'], contrasts: ['high'] };
    const printed: string[] = [];
    await runProbeInjection({ ...opts, out: join(d, 'a') }, (s) => printed.push(s));
    // the bar counts what the summary counts: 2 episodes (1 per kind), a clean one and its attacked copy together (it said 4/4 episodes)
    expect(said.slice(0, 3)).toEqual([expect.stringMatching(/^generating items: 1\/2 episodes( \(.*\))?\n$/), expect.stringMatching(/^generating items: 2\/2 episodes in [0-9.]+s\n$/), expect.stringMatching(/^clean episodes: /)]);
    expect(printed.join('\n')).toMatch(/^Injection \(oracle\), 2 episodes,/m);
    said.length = 0;
    await runProbeInjection({ ...opts, out: join(d, 'b'), progress: false }, () => undefined);
    expect(said).toEqual([]);
  });
});

describe('askfirst probe, a re-run', () => {
  it('says once how many items it took from the earlier run (a run resumed whole showed only its bars at the end; only --json had resumed)', async () => {
    const d = tmpDir('askfirst-probe-resumed');
    const said = async (run: (print: (s: string) => void) => Promise<unknown>) => {
      const printed: string[] = [];
      await run((s) => printed.push(s));
      return printed.filter((l) => /^resumed /.test(l));
    };
    const hall = { policy: 'oracle', scenes: '2', unseenScenes: '1', openScenes: '2', progress: false, out: join(d, 'hall') };
    expect(await said((p) => runProbeHallucination(hall, p))).toEqual([]);
    const n = readFileSync(join(d, 'hall', 'items.jsonl'), 'utf8').trim().split('\n').length;
    const open = readFileSync(join(d, 'hall', 'open', 'items.jsonl'), 'utf8').trim().split('\n').length;
    expect(await said((p) => runProbeHallucination(hall, p))).toEqual([`resumed from an earlier run: ${n} of ${n} presence questions, ${open} of ${open} open questions`]);
    const inj = { policy: 'oracle', episodes: 1, kinds: ['camera', 'sketch'], instructions: ['letter'], positions: ['corner'], sizes: ['large'], contrasts: ['high'], progress: false, out: join(d, 'inj') };
    expect(await said((p) => runProbeInjection(inj, p))).toEqual([]);
    expect(await said((p) => runProbeInjection(inj, p))).toEqual(['resumed from an earlier run: 2 of 2 clean episodes, 2 of 2 attacked episodes']);
    // a part with none taken is left out: the attacked episodes played again
    rmSync(join(d, 'inj', 'attacked'), { recursive: true });
    expect(await said((p) => runProbeInjection(inj, p))).toEqual(['resumed from an earlier run: 2 of 2 clean episodes']);
  });
});

describe('askfirst probe --json, a re-run', () => {
  it('says what the terminal line says: resumed over every part and per part of how many (hallucination counted the presence questions only, injection said nothing)', async () => {
    const d = tmpDir('askfirst-probe-resumed-json');
    const json = async (run: (print: (s: string) => void) => Promise<unknown>) => {
      const printed: string[] = [];
      await run((s) => printed.push(s));
      expect(printed).toHaveLength(1);
      const o = JSON.parse(printed[0]) as { resumed: unknown; resumedParts: unknown };
      return { resumed: o.resumed, resumedParts: o.resumedParts };
    };
    const hall = { policy: 'oracle', scenes: '2', unseenScenes: '1', openScenes: '2', progress: false, json: true, out: join(d, 'hall') };
    const first = await json((p) => runProbeHallucination(hall, p));
    const n = readFileSync(join(d, 'hall', 'items.jsonl'), 'utf8').trim().split('\n').length;
    const open = readFileSync(join(d, 'hall', 'open', 'items.jsonl'), 'utf8').trim().split('\n').length;
    expect(first).toEqual({ resumed: 0, resumedParts: { presence: { resumed: 0, of: n }, open: { resumed: 0, of: open } } });
    expect(await json((p) => runProbeHallucination(hall, p))).toEqual({ resumed: n + open, resumedParts: { presence: { resumed: n, of: n }, open: { resumed: open, of: open } } });
    // summary.json keeps no trace of it: a resumed run's is an uninterrupted one's
    expect(JSON.parse(readFileSync(join(d, 'hall', 'summary.json'), 'utf8'))).not.toHaveProperty('resumed');
    const inj = { policy: 'oracle', episodes: 1, kinds: ['camera', 'sketch'], instructions: ['letter'], positions: ['corner'], sizes: ['large'], contrasts: ['high'], progress: false, json: true, out: join(d, 'inj') };
    expect(await json((p) => runProbeInjection(inj, p))).toEqual({ resumed: 0, resumedParts: { clean: { resumed: 0, of: 2 }, attacked: { resumed: 0, of: 2 } } });
    rmSync(join(d, 'inj', 'attacked'), { recursive: true });
    expect(await json((p) => runProbeInjection(inj, p))).toEqual({ resumed: 2, resumedParts: { clean: { resumed: 2, of: 2 }, attacked: { resumed: 0, of: 2 } } });
    expect(JSON.parse(readFileSync(join(d, 'inj', 'summary.json'), 'utf8'))).not.toHaveProperty('resumed');
  });
});

describe('askfirst probe hallucination --judge-concurrency', () => {
  afterEach(() => vi.restoreAllMocks());

  const opts = { scenes: '1', unseenScenes: '0', openScenes: '2', splits: 'random', progress: false, json: true, policy: 'oracle' };

  it('keeps the judge to --judge-concurrency requests in flight (it took --concurrency, default 8); without it, --concurrency as before', async () => {
    const dir = tmpDir('askfirst-probe-judge-conc');
    const j = await heldJudge();
    try {
      const run = async (out: string, more: Record<string, unknown>) => {
        j.reset();
        const s = (await runProbeHallucination({ ...opts, judge: `openai:${j.url}#judge`, out: join(dir, out), ...more }, () => {})) as { open: { items: number; judge: { n: number } } };
        expect(j.seen.semaphores.size).toBe(1); // the judge's client: the oracle sends nothing
        expect(s.open.judge.n).toBe(s.open.items);
        return s.open.items;
      };
      const items = await run('two', { judgeConcurrency: '2' });
      expect(items).toBeGreaterThan(2); // a batch of more questions than the bound
      expect(j.seen.requests).toBe(items);
      expect(j.seen.most).toBe(2);
      // unset: the judge keeps --concurrency's bound (default 8: every question of the batch at once)
      await run('default', {});
      expect(j.seen.most).toBe(items);
      await run('three', { concurrency: '3' });
      expect(j.seen.most).toBe(3);
    } finally {
      await j.close();
    }
  });

  it('is refused without --judge, and beside an unread --concurrency (a policy that is not openai:), naming the flag', async () => {
    const out = join(tmpDir('askfirst-probe-judge-conc-refused'), 'p');
    await expect(runProbeHallucination({ ...opts, judgeConcurrency: '2', out }, () => {})).rejects.toThrow(
      "--judge-concurrency does not apply without --judge: it is read by the --judge's HTTP client only; leave it out, or add --judge openai:URL#MODEL",
    );
    await expect(runProbeHallucination({ ...opts, judge: 'openai:http://127.0.0.1:9/v1#j', judgeConcurrency: '2', concurrency: '4', out }, () => {})).rejects.toThrow(
      "--concurrency does not apply with --policy oracle (not an openai: policy) and --judge-concurrency: it is read by an openai:URL#MODEL policy only once --judge-concurrency sets the judge's; leave it out",
    );
    await expect(runProbeHallucination({ ...opts, judge: 'openai:http://127.0.0.1:9/v1#j', judgeConcurrency: '0', out }, () => {})).rejects.toThrow('judge-concurrency: must be at least 1 (got 0)') // the CLI names it --judge-concurrency (main.ts);
    expect(existsSync(out)).toBe(false);
  });
});

describe('askfirst probe summaries name the policy as given', () => {
  it('random:3 and random:4 are told apart in summary.json, report.html and --json (both said "random", beside the scenes\' seed 0)', async () => {
    const dir = tmpDir('askfirst-probe-spec');
    const seen: Record<string, string[]> = {};
    for (const policy of ['random:3', 'random:4']) {
      const h = join(dir, `h-${policy}`);
      const i = join(dir, `i-${policy}`);
      const printed: string[] = [];
      await runProbeHallucination({ policy, out: h, scenes: '2', unseenScenes: '2', openScenes: '2', progress: false, json: true }, (s) => printed.push(s));
      await runProbeInjection({ policy, out: i, episodes: '1', kinds: ['camera'], progress: false, json: true }, (s) => printed.push(s));
      const hs = JSON.parse(readFileSync(join(h, 'summary.json'), 'utf8')) as { policy: string; open: { policy: string } };
      const is = JSON.parse(readFileSync(join(i, 'summary.json'), 'utf8')) as { policy: string };
      expect(readFileSync(join(h, 'open', 'summary.json'), 'utf8')).toContain(`"policy": "${policy}"`);
      expect(readFileSync(join(h, 'report.html'), 'utf8')).toContain(`Hallucination — ${policy}`);
      seen[policy] = [hs.policy, hs.open.policy, is.policy, ...printed.map((l) => (JSON.parse(l) as { policy: string }).policy)];
    }
    expect(seen).toEqual({ 'random:3': Array(5).fill('random:3'), 'random:4': Array(5).fill('random:4') });
  });
});

describe('askfirst probe with a scripted:FILE that lacks some items', () => {
  it('says how many turns had no recorded reply, as eval does (they were scored unparseable without a word)', async () => {
    const dir = tmpDir('askfirst-probe-scripted');
    const script = join(dir, 'replies.jsonl');
    writeFileSync(script, ['random/clean-0/0', 'random/clean-0/1'].map((id) => JSON.stringify({ episode_id: id, replies: ['Yes'] }) + '\n').join(''));
    const printed: string[] = [];
    await runProbeHallucination({ policy: `scripted:${script}`, out: join(dir, 'h'), scenes: '2', unseenScenes: '0', openScenes: '0', splits: ['random'], progress: false }, (s) => printed.push(s));
    const items = readFileSync(join(dir, 'h', 'items.jsonl'), 'utf8').trimEnd().split('\n');
    expect(items.length).toBeGreaterThan(2);
    expect(printed.join('\n')).toContain(`scripted: ${items.length - 2} turn(s) had no recorded reply (scored as unparseable), e.g. random/clean-0/2 turn 0`);
    printed.length = 0;
    // the injection probe: the clean episode's first reply recorded, not its attacked copy's
    writeFileSync(script, JSON.stringify({ episode_id: 'camera-00000', replies: ['A.'] }) + '\n');
    await runProbeInjection({ policy: `scripted:${script}`, out: join(dir, 'i'), episodes: '1', kinds: ['camera'], progress: false }, (s) => printed.push(s));
    expect(printed.join('\n')).toMatch(/scripted: \d+ turn\(s\) had no recorded reply \(scored as unparseable\), e\.g\. .*camera-00000\+inject turn 0/);
  });
});
