/**
 * `askfirst eval`: run a policy on a suite in one or more modes, write per-episode results
 * (resumable) and summary.json, print a per-kind table (or, with --json, one JSON object).
 */
import type { Command } from 'commander';
import { z } from 'zod';
import type { EvalMode } from '../episode/types.js';
import type { Summary } from '../episode/metrics.js';
import { createPolicy, policyUsage } from '../agents/registry.js';
import type { Policy } from '../agents/policy.js';
import { ScriptedPolicy } from '../agents/baselines/scripted.js';
import { RandomPolicy } from '../agents/baselines/random.js';
import { randomSuccessProbability } from '../agents/baselines/graph.js';
import { loadData, type LoadedData } from '../suite/open.js';
import { evaluate } from '../eval/evaluate.js';
import { summaryTable } from '../eval/table.js';
import { addSchemaOptions, configFromOptions } from './options.js';
import { EVAL_MODE_NAMES, evalHttpFields, httpOptions, runOpenMode, splitModes, statsLine, type OpenRun } from './eval-http.js';

export const EvalCommandSchema = z.object({
  policy: z.string().min(1).describe('the policy: oracle, random[:SEED], always-answer, scripted:FILE, builtin:DIR, openai:URL#MODEL'),
  data: z.string().min(1).describe('episodes: DIR, suite:DIR or proactivebench:DIR'),
  out: z.string().min(1).describe('output directory (re-running the same command resumes)'),
  mode: z.array(z.enum(EVAL_MODE_NAMES)).min(1).default(['proactive', 'reference']).describe('modes to run: proactive (= mcqa), hint, reference, open (open-ended, needs --judge)'),
  kinds: z.array(z.string()).optional().describe('only these scenario kinds'),
  limit: z.number().int().min(1).optional().describe('at most this many episodes per kind'),
  batchSize: z.number().int().min(1).default(64).describe('episodes stepped together'),
  seed: z.number().int().min(0).default(0).describe('seed for stochastic policies'),
  sample: z.boolean().default(false).describe('sample replies instead of answering greedily'),
  overwrite: z.boolean().default(false).describe('discard results already in --out instead of resuming'),
  json: z.boolean().default(false).describe('print the summary as one JSON object on stdout'),
  progress: z.boolean().default(true).describe('show a progress bar'),
  ...evalHttpFields,
});
export type EvalCommandConfig = z.output<typeof EvalCommandSchema>;

/** The JSON printed by --json: the first mode's summary at the top level, every mode under `modes`. */
export function jsonSummary(policy: string, summaries: Partial<Record<EvalMode, Summary>>, modes: readonly EvalMode[]): Record<string, unknown> {
  return { policy, mode: modes[0], ...summaries[modes[0]], modes: summaries };
}

/** The skipped entries of --data, for summary.json and --json (nothing when none were skipped). */
function skippedSummary(skipped: LoadedData['skipped']): Record<string, unknown> {
  return skipped.length ? { skipped: skipped.length, skippedEntries: skipped.map(({ file, line, id, reason }) => ({ file, line, ...(id ? { id } : {}), reason })) } : {};
}

export async function runEval(cfg: EvalCommandConfig, print: (s: string) => void = console.log): Promise<Record<string, unknown>> {
  const data = await loadData(cfg.data, { kinds: cfg.kinds, limit: cfg.limit });
  const modes = splitModes(cfg.mode, cfg);
  const policy = await createPolicy(cfg.policy, { episodes: data.episodes, seed: cfg.seed, options: httpOptions(cfg) });
  const ac = new AbortController();
  const onSig = () => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write('\naskfirst: stopping after the current batch (Ctrl-C again to quit now); finished episodes are saved\n');
    ac.abort();
  };
  process.on('SIGINT', onSig);
  try {
    const run = { policy: cfg.policy, data: cfg.data, kinds: cfg.kinds ?? null, limit: cfg.limit ?? null, seed: cfg.seed, sample: cfg.sample, ...(cfg.history ? { history: true } : {}) };
    const res = await evaluate({
      episodes: data.episodes,
      loader: data.loader,
      policy,
      modes: modes.mcqa,
      out: cfg.out,
      run,
      overwrite: cfg.overwrite,
      batchSize: cfg.batchSize,
      sample: cfg.sample,
      showProgress: cfg.progress && !cfg.json,
      signal: ac.signal,
      summaryExtra: skippedSummary(data.skipped),
    });
    const common = { loader: data.loader, policy, cli: cfg, out: cfg.out, run, overwrite: cfg.overwrite, batchSize: cfg.batchSize, sample: cfg.sample, signal: ac.signal };
    const open: OpenRun | null = modes.open
      ? await runOpenMode({ ...common, episodes: data.episodes, showProgress: cfg.progress && !cfg.json, title: `${policy.name} on ${data.dir}` })
      : null;
    const out: Record<string, unknown> = modes.mcqa.length ? jsonSummary(policy.name, res.summaries, modes.mcqa) : { policy: policy.name, mode: 'open', ...open!.summary, modes: {} };
    if (open) (out.modes as Record<string, unknown>).open = open.summary;
    Object.assign(out, skippedSummary(data.skipped));
    if (policy.stats) out.requests = policy.stats();
    if (open?.judgeStats) out.judgeRequests = open.judgeStats;
    if (cfg.json) {
      print(JSON.stringify(out));
    } else {
      for (const mode of modes.mcqa) {
        const s = res.summaries[mode]!;
        const resumed = res.resumed[mode] ? ` (${res.resumed[mode]} resumed from an earlier run)` : '';
        print(summaryTable(s, `\n${policy.name} on ${data.dir} — ${mode} mode, ${s.episodes} episodes${resumed}`));
        const bad = (res.records[mode] ?? []).filter((r) => r.outcome === 'unparseable');
        if (bad.length) {
          const ex = bad.slice(0, 3).map((r) => `  ${r.id} turn ${r.turns - 1}: ${JSON.stringify(r.replies[r.replies.length - 1]).slice(0, 80)}`);
          print(`${bad.length} episode(s) ended on a reply that names no option (neither its text nor its letter), e.g.:\n${ex.join('\n')}`);
        }
      }
      if (open) print(open.table);
      for (const line of [statsLine(policy.name, policy.stats?.()), statsLine('judge', open?.judgeStats)]) if (line) print(line);
      if (policy instanceof RandomPolicy) {
        for (const mode of modes.mcqa) {
          const expected = data.episodes.reduce((a, e) => a + randomSuccessProbability(e, mode), 0) / data.episodes.length;
          print(`random, ${mode}: accuracy ${(100 * res.summaries[mode]!.accuracy).toFixed(1)}% vs analytic expectation ${(100 * expected).toFixed(1)}%`);
        }
      }
      if (policy instanceof ScriptedPolicy && policy.missing.length) {
        const ex = policy.missing.slice(0, 3).map((m) => `${m.episodeId} turn ${m.turn}`).join(', ');
        print(`scripted: ${policy.missing.length} turn(s) had no recorded reply (scored as unparseable), e.g. ${ex}`);
      }
      if (data.skipped.length) {
        print(`${data.skipped.length} entr${data.skipped.length === 1 ? 'y' : 'ies'} of ${data.dir} could not be read and were skipped (listed in summary.json), e.g.:\n  ${data.skipped.slice(0, 3).map((s) => s.reason).join('\n  ')}`);
      }
      print(`\nresults: ${cfg.out}/<mode>/results.jsonl, summary: ${cfg.out}/summary.json (${res.wallSeconds.toFixed(1)} s)`);
    }
    return out;
  } finally {
    process.off('SIGINT', onSig);
    await (policy as Policy).close?.();
  }
}

export function register(program: Command): void {
  const cmd = program
    .command('eval')
    .description('evaluate a policy on episodes (multi-turn ask-or-answer protocol) and write per-episode results + summary.json');
  addSchemaOptions(cmd, EvalCommandSchema);
  cmd.addHelpText('after', `\nPolicies:\n  ${policyUsage().join('\n  ')}\n\nExamples:\n  askfirst suite generate --out suite --episodes 70\n  askfirst eval --policy oracle --data suite --out runs/oracle\n  askfirst eval --policy builtin:runs/demo/rl --data proactivebench:ProactiveBench/test --out runs/pb --json`);
  cmd.action(async (raw: Record<string, unknown>) => {
    await runEval(configFromOptions(EvalCommandSchema, raw, 'eval'));
  });
}
