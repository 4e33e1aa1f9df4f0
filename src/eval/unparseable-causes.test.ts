/**
 * Why replies were unparseable (docs/evaluation.md, "Why replies were unparseable"): a reply a content filter stopped, one
 * whose text is all reasoning (`reasoning_content`, or an unclosed `<think>` block) and one cut off at the token limit
 * end their episodes as unparseable with the server's cause in the record, counted in summary.json, in the client's
 * counters and in `askfirst report`; a reply that simply names no option has no cause, and a run of normal replies
 * writes records and a summary without the new fields.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpPolicy } from '../agents/http/policy.js';
import { conformanceEpisodes } from '../testing/policy-conformance.js';
import { tmpDir } from '../testing/tmp.js';
import { readEvalReport, saveEvalReport } from '../report/eval-report.js';
import { evaluate } from './evaluate.js';

const episodes = conformanceEpisodes(7);
const loader = async (ref: (typeof episodes)[number]['views'][number]) => {
  if ('image' in ref) return ref.image;
  throw new Error('in-memory views only');
};

/** The message and finish_reason each episode's first reply gets; the rest answer "A." (a normal reply). */
const replies: Record<string, { message: Record<string, unknown>; finish: string }> = {
  [episodes[0].id]: { message: { role: 'assistant', content: null }, finish: 'content_filter' },
  [episodes[1].id]: { message: { role: 'assistant', content: '', reasoning_content: 'The view shows a shape, maybe' }, finish: 'stop' },
  [episodes[2].id]: { message: { role: 'assistant', content: 'The answer is' }, finish: 'length' },
  [episodes[3].id]: { message: { role: 'assistant', content: '<think>Let me look at the' }, finish: 'stop' },
  [episodes[4].id]: { message: { role: 'assistant', content: 'I like turtles' }, finish: 'stop' },
  [episodes[5].id]: { message: { role: 'assistant', content: '' }, finish: 'stop' }, // was counted with episode 4's, without a cause
};

let server: Server;
let url: string;
let normal = false;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = decodeURIComponent(String(req.headers['x-askfirst-episode']));
      const r = (!normal && replies[id]) || { message: { role: 'assistant', content: 'A.' }, finish: 'stop' };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id: 'c', object: 'chat.completion', choices: [{ index: 0, message: r.message, finish_reason: r.finish }] }));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

const policy = () => new HttpPolicy({ baseUrl: url, model: 'm', askfirstHeaders: true, logprobs: false, concurrency: 2, retries: 0 }, {});
const lines = (dir: string) => readFileSync(join(dir, 'proactive', 'results.jsonl'), 'utf8').split('\n').filter(Boolean);

describe('why replies were unparseable', () => {
  it('records, counts and reports the cause the server gave', async () => {
    normal = false;
    const out = tmpDir('askfirst-causes');
    const p = policy();
    const res = await evaluate({ episodes, loader, policy: p, modes: ['proactive'], out: join(out, 'run'), run: { policy: 'causes' } });
    await p.close();
    const byId = new Map(res.records.proactive!.map((r) => [r.id, r]));
    expect(episodes.slice(0, 6).map((e) => byId.get(e.id)!.outcome)).toEqual(Array(6).fill('unparseable'));
    expect(episodes.slice(0, 6).map((e) => byId.get(e.id)!.unparseableCause)).toEqual(['content-filter', 'reasoning-only', 'length', 'reasoning-only', undefined, 'empty']);
    expect(byId.get(episodes[6].id)!.unparseableCause).toBeUndefined();
    // on disk: the record's field, and summary.json's per-run count
    const onDisk = lines(join(out, 'run')).map((l) => JSON.parse(l) as { id: string; unparseableCause?: string });
    expect(onDisk.find((r) => r.id === episodes[0].id)!.unparseableCause).toBe('content-filter');
    const summary = JSON.parse(readFileSync(join(out, 'run', 'summary.json'), 'utf8')) as { modes: { proactive: { unparseableCauses?: unknown; unparseableRate: number } } };
    expect(summary.modes.proactive.unparseableCauses).toEqual({ 'content-filter': 1, length: 1, 'reasoning-only': 2, empty: 1 });
    expect(summary.modes.proactive.unparseableRate).toBeCloseTo(6 / 7);
    expect(p.stats()).toMatchObject({ truncated: 1, contentFiltered: 1, reasoningOnly: 2, empty: 1, failures: 0 });
    // askfirst report says it per run
    const rep = await saveEvalReport(await readEvalReport([join(out, 'run')]), join(out, 'report')); // as askfirst report does (cli/report.ts)
    const md = readFileSync(rep.markdown, 'utf8');
    expect(md).toContain('1 stopped by a content filter, 1 cut off at the token limit, 2 all reasoning, no answer, 1 empty (of 6 unparseable)');
    expect(readFileSync(rep.html, 'utf8')).toContain('1 stopped by a content filter, 1 cut off at the token limit, 2 all reasoning, no answer, 1 empty (of 6 unparseable)');
  });

  it('writes nothing new for a run of normal replies', async () => {
    normal = true;
    const out = tmpDir('askfirst-causes');
    const p = policy();
    await evaluate({ episodes, loader, policy: p, modes: ['proactive'], out, run: { policy: 'normal' } });
    await p.close();
    for (const l of lines(out)) expect(l).not.toContain('unparseableCause');
    expect(readFileSync(join(out, 'summary.json'), 'utf8')).not.toContain('unparseableCauses');
    expect(p.stats()).toMatchObject({ truncated: 0, contentFiltered: 0, reasoningOnly: 0 });
  });
});
