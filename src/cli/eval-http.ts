/**
 * The parts of `askfirst eval` that concern remote models and the open-ended mode: the
 * options (--judge, --hint, --history, --concurrency, --timeout, --retries, --cache,
 * --api-key-env), mode names (mcqa = proactive; open = open-ended, judged), and the request
 * counters printed in the run summary. Kept apart so cli/eval.ts stays one readable flow.
 */
import { z } from 'zod';
import { EVAL_MODES, type EvalMode } from '../episode/types.js';
import type { Policy } from '../agents/policy.js';
import type { SuiteEpisode, ViewLoader } from '../suite/types.js';
import { HttpJudge } from '../eval/judge.js';
import { evaluateOpenEnded, openSummaryTable, type OpenSummary } from '../eval/open-ended.js';
import { ConfigError } from '../util/errors.js';

export const EVAL_MODE_NAMES = [...EVAL_MODES, 'mcqa', 'open'] as const;

/** Fields added to the eval command's schema. */
export const evalHttpFields = {
  judge: z.string().optional().describe('judge model for --mode open: openai:URL#MODEL (any OpenAI-compatible endpoint)'),
  hint: z.boolean().default(false).describe('hints on: proactive/mcqa runs as hint mode; open mode adds a sentence inviting the model to say what would help'),
  history: z.boolean().default(false).describe('openai: send earlier turns (with their images) as conversation history'),
  concurrency: z.number().int().min(1).max(1024).optional().describe('openai: requests in flight at once (default 8)'),
  timeout: z.number().positive().optional().describe('openai: per-request timeout in seconds (default 120)'),
  retries: z.number().int().min(0).max(100).optional().describe('openai: retries per request on 429/5xx/network errors/timeouts/malformed replies (default 6)'),
  cache: z.string().optional().describe('openai: response cache directory; repeated greedy requests are answered from it'),
  apiKeyEnv: z.string().optional().describe('openai: environment variable holding the API key (default ASKFIRST_API_KEY, then OPENAI_API_KEY); the key is never printed or written'),
};

type HttpCli = z.output<z.ZodObject<typeof evalHttpFields>>;

/** `--mode` values → the MCQA modes to run (mcqa = proactive; with --hint, proactive → hint) and whether to run open-ended. */
export function splitModes(modes: readonly (typeof EVAL_MODE_NAMES)[number][], o: Pick<HttpCli, 'hint' | 'judge'>): { mcqa: EvalMode[]; open: boolean } {
  const mcqa: EvalMode[] = [];
  for (const m of modes) {
    if (m === 'open') continue;
    let e: EvalMode = m === 'mcqa' ? 'proactive' : m;
    if (o.hint && e === 'proactive') e = 'hint';
    if (!mcqa.includes(e)) mcqa.push(e);
  }
  const open = modes.includes('open');
  if (open && !o.judge) throw new ConfigError('--mode open needs a judge: add --judge openai:URL#MODEL (any OpenAI-compatible endpoint)');
  return { mcqa, open };
}

/** Backend options for createPolicy (`PolicyContext.options`) and for the judge's client. */
export function httpOptions(o: HttpCli): Record<string, unknown> {
  const opts: Record<string, unknown> = { history: o.history };
  if (o.concurrency !== undefined) opts.concurrency = o.concurrency;
  if (o.timeout !== undefined) opts.timeoutMs = Math.max(1, Math.round(o.timeout * 1000));
  if (o.retries !== undefined) opts.retries = o.retries;
  if (o.cache !== undefined) opts.cacheDir = o.cache;
  if (o.apiKeyEnv !== undefined) opts.apiKeyEnv = o.apiKeyEnv;
  return opts;
}

/** One line of request counters for a policy or judge that keeps them. */
export function statsLine(label: string, s: Record<string, number> | undefined): string | null {
  if (!s || s.requests === undefined) return null;
  const parts = [`${s.requests} requests`, `${s.retries} retried (429: ${s.retry429}, 5xx: ${s.retry5xx}, timeout: ${s.retryTimeout}, network: ${s.retryNetwork}, malformed: ${s.retryMalformed})`, `${s.failures} failed`];
  if (s.cacheHits || s.cacheMisses) parts.push(`cache ${s.cacheHits} hits / ${s.cacheMisses} misses`);
  return `${label}: ${parts.join(', ')}`;
}

export interface OpenRun {
  summary: OpenSummary;
  resumed: number;
  judgeStats?: Record<string, number>;
  table: string;
}

/** Run the open-ended mode into `out/open/` (resumable) and format its table. */
export async function runOpenMode(a: {
  episodes: readonly SuiteEpisode[];
  loader: ViewLoader;
  policy: Policy;
  cli: HttpCli;
  out: string;
  run: Record<string, unknown>;
  overwrite: boolean;
  batchSize: number;
  sample: boolean;
  showProgress: boolean;
  signal: AbortSignal;
  title: string;
}): Promise<OpenRun> {
  const judge = new HttpJudge(a.cli.judge!, httpOptions(a.cli));
  try {
    const res = await evaluateOpenEnded({ ...a, judge, hint: a.cli.hint });
    const resumed = res.resumed ? ` (${res.resumed} resumed from an earlier run)` : '';
    return {
      summary: res.summary,
      resumed: res.resumed,
      judgeStats: judge.stats(),
      table: openSummaryTable(res.summary, `\n${a.title} — open-ended mode (judge ${judge.name}), ${res.summary.episodes} episodes${resumed}`),
    };
  } finally {
    judge.close();
  }
}
