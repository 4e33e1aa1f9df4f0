import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpJudge } from '../eval/judge.js';
import { tmpDir } from '../testing/tmp.js';
import { resolveConfig } from '../util/config.js';
import { HallucinationConfigSchema } from './config.js';
import { openQuestionsFor } from './hallucination.js';
import { referencePolicy, runOpenQuestions } from './open-questions.js';
import type { Policy } from '../agents/policy.js';
import type { Judge } from '../eval/judge.js';

/**
 * A judge endpoint that holds each request until `group` are in flight (or every one the run will send has come), then
 * answers them last first: it counts the requests in flight at once, and it makes the verdicts arrive out of order.
 * Verdict 1 for a colour question, else 0.
 */
function heldJudge(group: number) {
  const s = { most: 0, received: 0, total: 0, held: [] as (() => void)[] };
  let inFlight = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      s.received++;
      s.most = Math.max(s.most, ++inFlight);
      const user = (JSON.parse(body) as { messages: { content: string }[] }).messages[1].content;
      s.held.push(() => {
        inFlight--;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: `VERDICT: ${user.includes('What colour') ? 1 : 0}` } }] }));
      });
      if (s.held.length === group || s.received === s.total) for (const answer of s.held.splice(0).reverse()) answer();
    });
  });
  return { s, server };
}

describe('open questions with a judge model (--judge)', () => {
  const cfg = resolveConfig(HallucinationConfigSchema, { scenes: 12, unseenScenes: 9, size: 96, openScenes: 12 }, 'test');
  const qs = openQuestionsFor(cfg).slice(0, 24);
  const { s, server } = heldJudge(4);
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends as many requests at once as the judge client allows (--concurrency; they went one at a time), and keeps results.jsonl in the questions\' order, resumable', async () => {
    expect(qs).toHaveLength(24);
    // one at a time, the first request would wait for three more that never come: the client's timeout fails the run
    const judge = new HttpJudge(`openai:${url}#judge`, { concurrency: 4, retries: 0, timeoutMs: 5_000 }, {});
    const out = tmpDir('askfirst-open-judge');
    const path = join(out, 'open', 'results.jsonl');
    try {
      Object.assign(s, { most: 0, received: 0, total: qs.length });
      const run = await runOpenQuestions({ policy: referencePolicy(qs), questions: qs, judge, out, batchSize: 8 });
      // the client's bound (4), not the batch's (8), and more than one
      expect([s.received, s.most]).toEqual([qs.length, 4]);
      // every verdict on its own question, though they came last first
      expect(run.items.map((i) => i.id)).toEqual(qs.map((q) => q.id));
      for (const i of run.items) expect(i.judge!.conveys, i.id).toBe(i.type === 'attribute' ? 1 : 0);
      const whole = readFileSync(path, 'utf8');
      expect(whole.trimEnd().split('\n').map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(qs.map((q) => q.id));
      // interrupted after 10: a re-run judges the other 14 only, and leaves the same file as the run never stopped
      writeFileSync(path, whole.split('\n').slice(0, 10).join('\n') + '\n');
      Object.assign(s, { most: 0, received: 0, total: qs.length - 10 });
      const again = await runOpenQuestions({ policy: referencePolicy(qs), questions: qs, judge, out, batchSize: 8 });
      expect(s.received).toBe(qs.length - 10);
      expect(readFileSync(path, 'utf8')).toBe(whole);
      expect(again.items).toEqual(run.items);
      expect(again.summary).toEqual(run.summary);
    } finally {
      judge.close();
    }
  });
});

describe('open questions asked of a pipelined policy (openai:, ocr-follow)', () => {
  const cfg = resolveConfig(HallucinationConfigSchema, { scenes: 12, unseenScenes: 9, size: 96, openScenes: 8 }, 'test');
  const qs = openQuestionsFor(cfg).slice(0, 12);
  /** One request per question, as the HTTP client sends them; the question `failing` is refused while the others are in flight. */
  const server = (failing: string) => {
    const asked: string[] = [];
    const policy: Policy = {
      name: 'served',
      pipelined: true,
      act: (batch) =>
        Promise.all(
          batch.map(async (o) => {
            asked.push(o.episodeId);
            await new Promise((r) => setTimeout(r, o.episodeId === failing ? 5 : 40));
            if (o.episodeId === failing) throw new Error(`HTTP 400 on ${o.episodeId}`);
            return { reply: 'I cannot tell.' };
          }),
        ),
    };
    return { policy, asked };
  };

  it('keeps each answer as it comes: a failure loses only that question (the whole batch of --batch-size was lost), and a re-run asks only the rest', async () => {
    expect(qs).toHaveLength(12);
    const out = tmpDir('askfirst-open-pipelined');
    const path = join(out, 'open', 'results.jsonl');
    const failing = qs[5].id;
    const first = server(failing);
    await expect(runOpenQuestions({ policy: first.policy, questions: qs, out, batchSize: 8 })).rejects.toThrow(`HTTP 400 on ${failing}`);
    // 8 in flight: the other 7 answered and kept; none asked after the failure
    const kept = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id);
    expect(first.asked).toHaveLength(8);
    expect(kept.sort()).toEqual(qs.slice(0, 8).map((q) => q.id).filter((id) => id !== failing).sort());
    const again = server('none');
    const run = await runOpenQuestions({ policy: again.policy, questions: qs, out, batchSize: 8 });
    expect(again.asked.sort()).toEqual([failing, ...qs.slice(8).map((q) => q.id)].sort());
    expect(run.items.map((i) => i.id)).toEqual(qs.map((q) => q.id));
    expect(readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(qs.map((q) => q.id));
  });
});

describe('open questions asked of a batch policy (the built-in model, the baselines) with a slow judge', () => {
  const cfg = resolveConfig(HallucinationConfigSchema, { scenes: 12, unseenScenes: 9, size: 96, openScenes: 8 }, 'test');
  const qs = openQuestionsFor(cfg).slice(0, 12);
  /** The policy answers from the facts, saying which batch it is asked; the judge holds its verdicts until the policy has been asked `until` batches (or 1 s went by). */
  const run = async (until: number) => {
    const events: string[] = [];
    const ref = referencePolicy(qs);
    let batches = 0;
    const waiting: (() => void)[] = [];
    const policy: Policy = {
      name: 'batch',
      act: async (batch, opts) => {
        events.push(`batch ${batches++}`);
        for (const release of batches >= until ? waiting.splice(0) : []) release();
        return ref.act(batch, opts);
      },
    };
    const judge: Judge = {
      name: 'slow',
      judge: async (input) => {
        if (batches < until)
          await new Promise<void>((r) => {
            const t = setTimeout(r, 1_000);
            waiting.push(() => (clearTimeout(t), r()));
          });
        events.push('verdict');
        return { verdicts: [input.question.includes('What colour') ? 1 : 0], raw: 'VERDICT' };
      },
    };
    const out = tmpDir('askfirst-open-batched');
    const res = await runOpenQuestions({ policy, questions: qs, judge, out, batchSize: 4 });
    return { events, res, file: readFileSync(join(out, 'open', 'results.jsonl'), 'utf8') };
  };

  it("judges a batch's replies while the policy answers the next (it waited for the batch's last verdict), with the same answers and verdicts", async () => {
    expect(qs).toHaveLength(12);
    const overlapped = await run(2);
    // the second batch was asked before the first batch's first verdict came (it came 1 s later, after every verdict of the batch)
    expect(overlapped.events.slice(0, 2)).toEqual(['batch 0', 'batch 1']);
    expect(overlapped.events.filter((e) => e === 'verdict')).toHaveLength(qs.length);
    // a judge that answers at once: the same file, items and summary
    const prompt = await run(0);
    expect(overlapped.file).toBe(prompt.file);
    expect(overlapped.res.items).toEqual(prompt.res.items);
    expect(overlapped.res.summary).toEqual(prompt.res.summary);
    for (const i of prompt.res.items) expect(i.judge!.conveys, i.id).toBe(i.type === 'attribute' ? 1 : 0);
  });

  it("a judge's failure is thrown once the policy's batch has ended, the verdicts that came kept; a re-run asks only the rest", async () => {
    const out = tmpDir('askfirst-open-batched-fail');
    const ref = referencePolicy(qs);
    const failing = qs[1].question;
    const judge: Judge = {
      name: 'flaky',
      judge: async (input) => {
        if (input.question === failing) throw new Error('judge HTTP 500');
        return { verdicts: [0], raw: 'VERDICT: 0' };
      },
    };
    await expect(runOpenQuestions({ policy: ref, questions: qs, judge, out, batchSize: 4 })).rejects.toThrow('judge HTTP 500');
    const kept = readFileSync(join(out, 'open', 'results.jsonl'), 'utf8').split('\n').filter(Boolean);
    expect(kept).toHaveLength(3); // the first batch's other three
    const again = await runOpenQuestions({ policy: ref, questions: qs, judge: { ...judge, judge: async () => ({ verdicts: [0], raw: 'VERDICT: 0' }) }, out, batchSize: 4 });
    expect(again.resumed).toBe(3);
    expect(again.items.map((i) => i.id)).toEqual(qs.map((q) => q.id));
  });
});
