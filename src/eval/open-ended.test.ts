import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultServer, type FaultServer } from '../testing/fault-server.js';
import { HttpPolicy } from '../agents/http/policy.js';
import { OraclePolicy } from '../agents/baselines/oracle.js';
import { conformanceEpisodes } from '../testing/policy-conformance.js';
import { tmpDir } from '../testing/tmp.js';
import { startOpenAIServer } from '../server/openai/server.js';
import { generateSuite } from '../suite/generate.js';
import { directoryViewLoader, readProactiveBench, writeProactiveBench } from '../suite/proactivebench/read.js';
import type { SuiteEpisode } from '../suite/types.js';
import { evaluate } from './evaluate.js';
import { HttpJudge, JUDGE_SYSTEM_PROMPT, parseVerdict } from './judge.js';
import { evaluateOpenEnded, openEndedAnswers, openSummaryTable, OPEN_HINT, scoreVerdicts } from './open-ended.js';
import { oneRefused, REFUSAL } from '../testing/one-refused.js';

describe('openSummaryTable', () => {
  it('prints a rate it has no value for as the placeholder, as the other tables do, never "NaN%"', () => {
    const none = { episodes: 0, psRate: Number.NaN, categoryRate: Number.NaN, aggregateRate: Number.NaN, unparsedRate: Number.NaN };
    const some = { episodes: 8, psRate: 0.5, categoryRate: 0.125, aggregateRate: 0.625, unparsedRate: 0 };
    const t = openSummaryTable({ ...some, byKind: { camera: some, sketch: none } });
    expect(t).not.toMatch(/NaN/);
    expect(t.split('\n').find((l) => l.startsWith('sketch'))!.trim().split(/\s+/)).toEqual(['sketch', '0', '–', '–', '–', '–']);
    expect(t.split('\n').find((l) => l.startsWith('all'))!.trim().split(/\s+/)).toEqual(['all', '8', '50.0%', '12.5%', '62.5%', '0.0%']);
  });
});

describe('parseVerdict', () => {
  it('reads a VERDICT line, a JSON array or a bare list, after reasoning', () => {
    expect(parseVerdict('The reply asks to move the camera (1). No category.\nVERDICT: 1,0', 2)).toEqual([1, 0]);
    expect(parseVerdict('<think>maybe VERDICT: 0,0</think>\nVERDICT: **1, 1**', 2)).toEqual([1, 1]);
    expect(parseVerdict('Result: [0, 1, 0]', 3)).toEqual([0, 1, 0]);
    expect(parseVerdict('step 1 then step 2\n0,1', 2)).toEqual([0, 1]);
    expect(parseVerdict('VERDICT: yes, no', 2)).toEqual([1, 0]);
    expect(parseVerdict('1', 1)).toEqual([1]);
  });
  it('rejects a list of the wrong length or no list', () => {
    expect(parseVerdict('VERDICT: 1,0,1', 2)).toBeNull();
    expect(parseVerdict('I am not sure.', 2)).toBeNull();
    expect(parseVerdict('score 0.5', 1)).toBeNull();
  });
});

describe('valid answers and scores', () => {
  it('synthetic episodes: valid first-view interventions, then the category', () => {
    const [ep] = conformanceEpisodes(1);
    expect(openEndedAnswers(ep)).toEqual({ suggestions: ['Move the block to the left'], categories: ['circle'] });
  });
  it('ProactiveBench datasets: the fixed suggestion lists; no category where the first view refuses it', () => {
    const [ep] = conformanceEpisodes(1);
    const rod: SuiteEpisode = { ...ep, meta: { dataset: 'Realistic-Occlusion-Dataset' } };
    expect(openEndedAnswers(rod)).toEqual({ suggestions: ['Move the blocks', 'Move the camera'], categories: [] });
    const coco: SuiteEpisode = { ...ep, meta: { dataset: 'coco2014' } };
    expect(openEndedAnswers(coco).suggestions).toEqual(['Move the camera', 'Move farther from the object']);
    const refused: SuiteEpisode = { ...ep, steps: ep.steps.map((s, i) => (i === 0 ? { ...s, answerable: false } : s)) };
    expect(openEndedAnswers(refused).categories).toEqual([]);
  });
  it('splits verdicts into suggestion and category parts', () => {
    const a = { suggestions: ['x', 'y'], categories: ['cat'] };
    expect(scoreVerdicts(a, [0, 1, 0])).toEqual({ proactiveSuggestion: true, correctCategory: false, aggregate: true });
    expect(scoreVerdicts(a, [0, 0, 1])).toEqual({ proactiveSuggestion: false, correctCategory: true, aggregate: true });
    expect(scoreVerdicts(a, null)).toEqual({ proactiveSuggestion: false, correctCategory: false, aggregate: false });
  });
});

/**
 * Fake servers: a "VLM" that, per episode (x-askfirst-episode header), suggests, names the
 * category, or says nothing useful; and a "judge" that marks an answer present when the reply
 * contains it (case-insensitive) and explains itself before the VERDICT line.
 */
function fakeVlm(episodes: readonly SuiteEpisode[]) {
  const byId = new Map(episodes.map((e, i) => [e.id, { e, i }]));
  return (_text: string, _b: unknown, headers: Record<string, string | string[] | undefined>) => {
    const { e, i } = byId.get(decodeURIComponent(String(headers['x-askfirst-episode'])))!;
    const a = openEndedAnswers(e);
    if (i % 3 === 0 && a.suggestions.length) return `I cannot see enough. ${a.suggestions[0]}, please.`;
    if (i % 3 === 1) return `This looks like a ${e.categories[e.answer]}.`;
    return 'No idea.';
  };
}
function fakeJudge(text: string, body: Record<string, unknown>) {
  const sys = (body.messages as { content: string }[])[0].content;
  if (sys !== JUDGE_SYSTEM_PROMPT) return 'wrong system prompt';
  const answers = [...text.matchAll(/^\d+\. (.*)$/gm)].map((m) => m[1]);
  const reply = text.split('Assistant reply:\n')[1].toLowerCase();
  return `Checking each answer.\nVERDICT: ${answers.map((a) => (reply.includes(a.toLowerCase()) ? 1 : 0)).join(',')}`;
}
function expected(episodes: readonly SuiteEpisode[]) {
  let ps = 0;
  let cp = 0;
  episodes.forEach((e, i) => {
    const a = openEndedAnswers(e);
    if (i % 3 === 0 && a.suggestions.length) ps++;
    if (i % 3 === 1 && a.categories.length) cp++;
  });
  return { psRate: ps / episodes.length, categoryRate: cp / episodes.length, aggregateRate: (ps + cp) / episodes.length };
}

describe('open-ended evaluation: a judgement that fails for good', () => {
  it('halts the others (their backoffs cut, no retry sent) and is what the run throws once all have settled', async () => {
    // Before, the three judgements that got a 503 slept out their 10–20 s backoffs and were sent again (7 requests),
    // and the run threw the first rejection in episode order, not the 400 that stopped it
    const srv = await oneRefused();
    const episodes = conformanceEpisodes(4);
    const loader = async (r: SuiteEpisode['views'][number]) => ('image' in r ? r.image : Promise.reject(new Error('memory only')));
    const judge = new HttpJudge(`openai:${srv.url}#judge`, { concurrency: 4, retries: 1, backoffMs: 20_000, maxBackoffMs: 20_000 }, {});
    try {
      await expect(evaluateOpenEnded({ episodes, loader, policy: new OraclePolicy(episodes), judge, batchSize: 4 })).rejects.toThrow(`HTTP 400: {"error":{"message":"${REFUSAL}"}}`);
      expect(srv.requests()).toBe(4);
    } finally {
      judge.close?.();
    }
  });
});

describe('open-ended evaluation over HTTP', () => {
  const episodes = conformanceEpisodes(30);
  const loader = async (r: SuiteEpisode['views'][number]) => ('image' in r ? r.image : Promise.reject(new Error('memory only')));
  let vlm: FaultServer;
  let judge: FaultServer;
  beforeAll(async () => {
    vlm = await startFaultServer({ answer: fakeVlm(episodes), faultRate: 0.2, seed: 3, retryAfterSec: 0 });
    judge = await startFaultServer({ answer: fakeJudge, faultRate: 0.2, seed: 4, retryAfterSec: 0 });
    vlm.keepLog = true;
  });
  afterAll(async () => {
    await vlm.close();
    await judge.close();
  });
  const opts = { timeoutMs: 300, retries: 20, backoffMs: 2, maxBackoffMs: 10 };

  it('scores suggestions, categories and aggregate as the judge decides; resumes without duplicates', async () => {
    const out = tmpDir('askfirst-open');
    const run = () =>
      evaluateOpenEnded({ episodes, loader, policy: new HttpPolicy({ baseUrl: vlm.url, model: 'vlm', askfirstHeaders: true, ...opts }, {}), judge: new HttpJudge(`openai:${judge.url}#judge`, opts, {}), out, hint: true, batchSize: 8 });
    const res = await run();
    expect(res.summary).toMatchObject({ episodes: 30, unparsedRate: 0, ...expected(episodes) });
    expect(res.summary.psRate).toBeGreaterThan(0);
    expect(res.summary.categoryRate).toBeGreaterThan(0);
    // The prompt had no options and carried the hint sentence.
    const sent = JSON.parse(vlm.log[0].body);
    expect(sent.messages.at(-1).content[1].text).toBe(`${episodes.find((e) => e.id === decodeURIComponent(String(vlm.log[0].headers['x-askfirst-episode'])))!.question} ${OPEN_HINT}`);
    expect(sent.logprobs).toBeUndefined();
    const again = await run();
    expect(again.resumed).toBe(30);
    expect(again.summary).toEqual(res.summary);
    const lines = readFileSync(join(out, 'open', 'results.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(30);
  });

  it('a ProactiveBench-layout directory runs in MCQA (via serve) and open-ended modes', async () => {
    const dir = tmpDir('askfirst-pb');
    const written = await writeProactiveBench(dir, generateSuite({ episodes: 2, seed: 5 }));
    expect(written.files.length).toBe(7);
    const eps = await readProactiveBench(dir);
    expect(eps.length).toBeGreaterThanOrEqual(7);
    const pbLoader = directoryViewLoader(dir);

    // MCQA: the oracle served over HTTP solves every episode, asking exactly the oracle minimum.
    const srv = await startOpenAIServer({ policy: new OraclePolicy(eps) });
    try {
      const res = await evaluate({ episodes: eps, loader: pbLoader, policy: new HttpPolicy({ baseUrl: srv.url, model: 'oracle', askfirstHeaders: true }, {}), modes: ['proactive', 'reference'] });
      expect(res.summaries.proactive!.accuracy).toBe(1);
      expect(res.summaries.proactive!.interventions).toBeCloseTo(res.summaries.proactive!.oraclePsRate);
      expect(res.summaries.reference!.accuracy).toBe(1);
      expect(Object.keys(res.summaries.proactive!.byKind)).toHaveLength(7);
    } finally {
      await srv.close();
    }

    // Open-ended: dataset-specific answer lists, judged.
    const v2 = await startFaultServer({ answer: fakeVlm(eps) });
    try {
      const res = await evaluateOpenEnded({ episodes: eps, loader: pbLoader, policy: new HttpPolicy({ baseUrl: v2.url, model: 'vlm', askfirstHeaders: true }, {}), judge: new HttpJudge(`${judge.url}#judge`, opts, {}) });
      expect(res.summary).toMatchObject({ episodes: eps.length, unparsedRate: 0, ...expected(eps) });
      expect(Object.keys(res.summary.byKind)).toHaveLength(7);
      const rod = res.records.find((r) => r.kind === 'occlusion')!;
      expect(rod.answers.suggestions).toEqual(['Move the blocks', 'Move the camera']);
    } finally {
      await v2.close();
    }
  });
});
