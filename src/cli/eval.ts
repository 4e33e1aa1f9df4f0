/**
 * `askfirst eval`: run one or more policies on a suite in one or more modes, write per-episode
 * results (resumable; per turn the prompt, raw reply, parsed option and target) and
 * summary.json (every rate with its 95 % interval, provenance, the full config, the data
 * fingerprint), print a per-kind table (or, with --json, one JSON object). With several
 * --policy, each runs into OUT/<name>/ on the same data and OUT/report.html compares them.
 */
import { nothingSavedYet, stoppable, type StoppableJob } from './signals.js';
import { EVAL_MODES, type EpisodeRecord, type EvalMode } from '../episode/types.js';
import { unparseableCausesText, type Summary } from '../episode/metrics.js';
import { checkPolicySpec, createPolicy, normalPolicySpec, policyReads, samePolicySpec } from '../agents/registry.js';
import type { Policy } from '../agents/policy.js';
import { ScriptedPolicy } from '../agents/baselines/scripted.js';
import { RandomPolicy } from '../agents/baselines/random.js';
import { randomSuccessProbability } from '../agents/baselines/graph.js';
import { openData, type LoadedData, type StreamedData } from '../suite/open.js';
import { evaluate } from '../eval/evaluate.js';
import { summaryTable, variantTable } from '../eval/table.js';
import { configFromOptions } from './options.js';
import { refuseOtherLayout, refuseOthersOutput } from '../outputs/out-owner.js';
import { refuseUnreadPolicyFlags } from './policy-flags.js';
import { readJsonFlagFile } from '../util/fsx.js';
import { generationOptions, httpOptions, refuseUnreadHttpFlags, refuseUnreadJudgeConcurrency, refuseUnsetKeyEnv, runOpenMode, splitModes, statsLine, type OpenRun } from './eval-http.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { dataFingerprints, type DataFingerprints } from '../suite/fingerprint.js';
import { noteLine, progress, withBar } from '../util/progress.js';
import { ConfigError } from '../util/errors.js';
import { eachWithSuggestion } from '../util/did-you-mean.js';
import { provenance } from '../util/provenance.js';
import { compactRecord, readEvalReport, removeEvalReport, saveEvalReport } from '../report/eval-report.js';
import { EvalCommandSchema, type EvalCommandConfig } from './eval-schema.js';
import { percent } from '../util/percent.js';

/** The JSON printed by --json: the first mode's summary at the top level, every mode under `modes`. */
export function jsonSummary(policy: string, summaries: Partial<Record<EvalMode, Summary>>, modes: readonly EvalMode[]): Record<string, unknown> {
  return { policy, mode: modes[0], ...summaries[modes[0]], modes: summaries };
}

/** The skipped entries of --data, for summary.json and --json (nothing when none were skipped). */
function skippedSummary(skipped: LoadedData['skipped']): Record<string, unknown> {
  return skipped.length ? { skipped: skipped.length, skippedEntries: skipped.map(({ file, line, id, reason }) => ({ file, line, ...(id ? { id } : {}), reason })) } : {};
}

/**
 * Each policy's results directory: OUT itself for one policy, OUT/<policy as a folder name> for several, named from the spec
 * spelled one way (normalPolicySpec: `builtin:./runs/rl`, `builtin:runs/rl/` and its absolute path are `builtin-runs_rl`;
 * each started a fresh run in a folder of its own). A policy's run kept under the name its spec was typed as before
 * (`builtin-._runs_rl`), with no folder under the name now, is found by the policy its run.json records and resumed there.
 */
export function policyOutDirs(policies: readonly string[], out: string): string[] {
  if (policies.length === 1) return [out];
  // openai:URL#MODEL → openai-MODEL; builtin:runs/rl → builtin-runs_rl; oracle → oracle
  const names = policies.map((p) => {
    const spec = p.startsWith('openai:') && p.includes('#') ? `openai-${p.slice(p.lastIndexOf('#') + 1)}` : normalPolicySpec(p).replace(':', '-');
    return spec.replace(/[^A-Za-z0-9.-]+/g, '_').replace(/-_/g, '-').replace(/^[_.]+|_+$/g, '').slice(0, 80) || 'policy';
  });
  const seen = new Map<string, number>();
  const dirs = names.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return join(out, k > 1 ? `${n}-${k}` : n);
  });
  const taken = new Set(dirs);
  return dirs.map((d, i) => {
    if (existsSync(d)) return d;
    const earlier = earlierPolicyDir(out, policies[i], taken);
    if (earlier) taken.add(earlier);
    return earlier ?? d;
  });
}

/** A folder of `out`, none of `taken`, whose runs (a mode's run.json) record `spec`'s policy however it was spelled (samePolicySpec). */
function earlierPolicyDir(out: string, spec: string, taken: ReadonlySet<string>): string | undefined {
  let subs: string[];
  try {
    subs = readdirSync(out, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return undefined; // no --out yet
  }
  return subs.map((n) => join(out, n)).find((dir) => !taken.has(dir) && [...EVAL_MODES, 'open'].some((m) => {
    try {
      const run = JSON.parse(readFileSync(join(dir, m, 'run.json'), 'utf8')) as { policy?: unknown };
      return typeof run.policy === 'string' && samePolicySpec(run.policy, spec);
    } catch {
      return false; // no run of that mode there
    }
  }));
}

/** Settings from `--config FILE` under those given on the command line (flags win). */
export async function withConfigFile(raw: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (typeof raw.config !== 'string') return raw;
  const file = readJsonFlagFile('--config', raw.config);
  if (!file || typeof file !== 'object' || Array.isArray(file)) throw new ConfigError(`--config ${raw.config} must hold one JSON object of eval settings`);
  const f = { ...(file as Record<string, unknown>) };
  if (typeof f.policy === 'string') f.policy = [f.policy];
  const known = new Set(Object.keys(EvalCommandSchema.shape));
  const unknown = Object.keys(f).filter((k) => !known.has(k));
  if (unknown.length) throw new ConfigError(`--config ${raw.config}: unknown setting(s) ${eachWithSuggestion(unknown, [...known])}; use the camelCase names of eval's flags (${[...known].slice(0, 6).join(', ')}, …)`);
  const out: Record<string, unknown> = { ...f };
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * What must match for a re-run to resume (policy, data and its fingerprint, every setting that changes replies): --seed and
 * --sample only when the policy reads them (policyReads), else undefined, not compared (openResults: `--policy oracle,random
 * --seed 3` then `--policy oracle,random:7`, where --seed is refused, resumes the oracle's run).
 */
function runDescription(cfg: EvalCommandConfig, policy: string, fingerprint: string): Record<string, unknown> {
  const gen = policy.startsWith('openai:') ? generationOptions(cfg) : {};
  delete gen.askfirstHeaders;
  const reads = policyReads(policy);
  return {
    policy,
    data: cfg.data,
    dataFingerprint: fingerprint,
    kinds: cfg.kinds ?? null,
    limit: cfg.limit ?? null,
    seed: reads.has('seed') ? cfg.seed : undefined,
    sample: reads.has('sample') ? cfg.sample : undefined,
    ...(cfg.history ? { history: true } : {}),
    ...(Object.keys(gen).length ? { generation: gen } : {}),
  };
}

/**
 * Evaluate `cfg`. `given`: the options as the user gave them (flags merged with --config, before the schema's
 * defaults), whose remote-model settings are refused when no policy of the run reads them; a program that builds
 * `cfg` itself gives nothing by default, so nothing is refused.
 */
export async function runEval(cfg: EvalCommandConfig, print: (s: string) => void = console.log, given: Readonly<Record<string, unknown>> = {}): Promise<Record<string, unknown>> {
  const modes = splitModes(cfg.mode, cfg);
  refuseUnreadHttpFlags(given, cfg.policy, modes.open); // e.g. --max-tokens with --policy builtin:DIR: refused, not ignored
  refuseUnreadJudgeConcurrency(given, cfg, cfg.policy, 'add open to --mode and --judge openai:URL#MODEL');
  refuseUnsetKeyEnv(given);
  if (cfg.policy.some((p) => p.startsWith('openai:'))) generationOptions(cfg); // a bad --extra-body fails before the data is read
  for (const p of cfg.policy) checkPolicySpec(p); // an unknown --policy fails before the data is read and fingerprinted
  refuseUnreadPolicyFlags(EvalCommandSchema, given, cfg.policy, ['sample', 'seed']); // --sample with --policy oracle: refused, not ignored
  refuseOthersOutput([cfg.out, ...policyOutDirs(cfg.policy, cfg.out)], 'eval'); // a suite's, a probe's, a training run's --out…: not mixed with results
  // one policy's results and several policies' folders: not mixed either
  refuseOtherLayout(cfg.out, cfg.policy.length === 1 ? 'one policy' : 'several policies', 'eval', (held) =>
    held.layout === 'several policies' ? `choose another --out, or that policy's own folder (${join(cfg.out, relative(cfg.out, held.evidence).split(sep)[0])}) to resume its run` : 'choose another --out',
  );
  const showProgress = cfg.progress && !cfg.json;
  // Ctrl-C (SIGTERM) at any point says what is kept and ends by the signal (130 / 143 to a shell): while the data is read and fingerprinted and a
  // policy loaded, nothing is written and it stops at once; a policy's run stops after its current batch
  return stoppable(nothingSavedYet('askfirst eval'), async (job) => {
    // reading a suite (each line checked, each image's file looked up) and fingerprinting every view file's edges each take
    // seconds on a large dataset (20,000 episodes; ProactiveBench's 7,557): a bar each, as the episodes' own
    // the episodes are not held: each pass (the fingerprint, a policy that reads them, each mode's play, the random
    // baseline's expectation) reads them again (suite/open.ts openData; docs/hardening.md, "Memory on large data")
    const data = await openData(cfg.data, { kinds: cfg.kinds, limit: cfg.limit, progress: showProgress });
    if (showProgress) process.stderr.write(`eval: ${data.count} episode${data.count === 1 ? '' : 's'} from ${data.dir}; fingerprinting their views (a re-run resumes only on the same data)\n`);
    const fbar = progress('fingerprinting', data.count, { enabled: showProgress, unit: 'episodes' });
    const fingerprint = await withBar(fbar, () => dataFingerprints(data.episodes(), data.dir, () => fbar.tick()));
    const outs = policyOutDirs(cfg.policy, cfg.out);
    // --overwrite discards the runs the comparison report describes: it goes with them, before any is played (as each run's
    // summary.json does, eval/evaluate.ts), so a run stopped part-way leaves no report of the discarded runs beside the new
    if (cfg.overwrite && cfg.policy.length > 1) await removeEvalReport(cfg.out);
    const results: Record<string, unknown>[] = [];
    for (let i = 0; i < cfg.policy.length; i++) {
      const finished = cfg.policy.slice(0, i);
      results.push(await runOne({ cfg, spec: cfg.policy[i], outDir: outs[i], data, modes, fingerprint, print }, job, finished));
      job.kept = `${finishedRuns(cfg.policy.slice(0, i + 1), outs)}; run the same command again to ${i + 1 < cfg.policy.length ? 'evaluate the rest' : 'write the comparison report'} (finished runs are resumed, not played again)`;
    }
    if (cfg.policy.length === 1) return results[0];
    // Several policies on the same data: one comparison report over their runs (reading them takes seconds on large runs;
    // its two files are written last, whole)
    const read = await readEvalReport(outs, { progress: cfg.progress });
    const report = await job.stopAfter('writing the comparison report', `${finishedRuns(cfg.policy, outs)}; the comparison report is written whole`, () => saveEvalReport(read, cfg.out));
    if (!cfg.json) {
      print(`\n${report.textTable}`);
      print(`comparison: ${report.html} and ${report.markdown} (paired McNemar tests on the same episodes inside)`);
    }
    const out = { policies: results, report: { html: report.html, markdown: report.markdown } };
    if (cfg.json) print(JSON.stringify(out));
    return out;
  });
}

/** What the finished runs of `policies` (the first of `outs`) keep, for what a signal says. */
function finishedRuns(policies: readonly string[], outs: readonly string[]): string {
  return policies.length === 1 ? `the run of ${policies[0]} is saved (${outs[0]})` : `the runs of ${policies.join(', ')} are saved (${outs.slice(0, policies.length).join(', ')})`;
}

async function runOne(
  o: {
    cfg: EvalCommandConfig;
    spec: string;
    outDir: string;
    data: StreamedData;
    modes: { mcqa: EvalMode[]; open: boolean };
    /** The data's fingerprint, and its earlier forms (a run.json an older askfirst wrote holds one). */
    fingerprint: DataFingerprints;
    print: (s: string) => void;
  },
  job: StoppableJob,
  finished: readonly string[],
): Promise<Record<string, unknown>> {
  const { cfg, spec, data } = o;
  const options = { ...httpOptions(cfg), ...(spec.startsWith('openai:') ? generationOptions(cfg) : {}) };
  const policy = await createPolicy(spec, { episodes: data.episodes(), seed: cfg.seed, options, notice: (l) => noteLine(`askfirst eval: ${l}`) });
  try {
    const kept = `finished episodes are saved${finished.length ? `, as are the whole runs of ${finished.join(', ')}` : ''}`;
    return await job.stopAfter('the current batch', kept, (signal) => evalOne(o, policy, signal));
  } finally {
    await (policy as Policy).close?.();
  }
}

/** One policy's evaluation, stopping early when `signal` aborts (finished episodes are kept). */
async function evalOne(
  { cfg, spec, outDir, data, modes, fingerprint, print }: Parameters<typeof runOne>[0],
  policy: Policy,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const run = runDescription(cfg, spec, fingerprint.fingerprint);
  const earlierDataFingerprints = fingerprint.earlier;
  // what is kept of each record: what the summary reads (compactRecord), and the first few that ended unparseable whole
  const unparseable: Partial<Record<EvalMode, { count: number; examples: EpisodeRecord[] }>> = {};
  const keep = (r: EpisodeRecord, mode: EvalMode) => {
    if (r.outcome === 'unparseable') {
      const bad = (unparseable[mode] ??= { count: 0, examples: [] });
      if (bad.count++ < 3) bad.examples.push(r);
    }
    return compactRecord(r);
  };
  const res = await evaluate({
    episodes: data,
    loader: data.loader,
    policy,
    modes: modes.mcqa,
    out: outDir,
    run,
    overwrite: cfg.overwrite,
    earlierDataFingerprints,
    batchSize: cfg.batchSize,
    sample: cfg.sample,
    showProgress: cfg.progress && !cfg.json,
    signal,
    notice: (l) => noteLine(`askfirst eval: ${l}`),
    summaryExtra: {
      provenance: provenance(),
      config: { ...cfg, policy: spec, out: outDir },
      // earlierFingerprints: its older form where it differs (ProactiveBench data), so `askfirst report` knows a run an older askfirst made on it
      dataInfo: { spec: cfg.data, format: data.format, dir: data.dir, episodes: data.count, fingerprint: fingerprint.fingerprint, ...(fingerprint.earlier.length ? { earlierFingerprints: fingerprint.earlier } : {}) },
      ...skippedSummary(data.skipped),
    },
  }, keep);
  const common = { loader: data.loader, policy, cli: cfg, out: outDir, run, overwrite: cfg.overwrite, earlierDataFingerprints, batchSize: cfg.batchSize, sample: cfg.sample, signal };
  const open: OpenRun | null = modes.open
    ? await runOpenMode({ ...common, episodes: data, showProgress: cfg.progress && !cfg.json, title: `${policy.name} on ${data.dir}` })
    : null;
  const out: Record<string, unknown> = modes.mcqa.length ? jsonSummary(policy.name, res.summaries, modes.mcqa) : { policy: policy.name, mode: 'open', ...open!.summary, modes: {} };
  out.out = outDir;
  if (open) (out.modes as Record<string, unknown>).open = open.summary;
  Object.assign(out, skippedSummary(data.skipped));
  if (modes.mcqa.length) out.intervals = res.intervals;
  if (policy.stats) out.requests = policy.stats();
  if (open?.judgeStats) out.judgeRequests = open.judgeStats;
  if (cfg.json) {
    if (cfg.policy.length === 1) print(JSON.stringify(out));
  } else {
    for (const mode of modes.mcqa) {
      const s = res.summaries[mode]!;
      const resumed = res.resumed[mode] ? ` (${res.resumed[mode]} resumed from an earlier run)` : '';
      print(summaryTable(s, `\n${policy.name} on ${data.dir} — ${mode} mode, ${s.episodes} episodes${resumed}`, res.intervals[mode]));
      if (s.byVariant) print(variantTable(s, `\nby variant (${mode} mode)`, res.intervals[mode]));
      const bad = unparseable[mode];
      if (bad) {
        const ex = bad.examples.map((r) => `  ${r.id} turn ${r.turns - 1}: ${JSON.stringify(r.replies[r.replies.length - 1]).slice(0, 80)}`);
        print(`${bad.count} episode(s) ended on a reply that names no option (neither its text nor its letter), e.g.:\n${ex.join('\n')}`);
        const why = unparseableCausesText(s.unparseableCauses);
        if (why) print(`  of them, the model's server said the reply had no usable text: ${why}`);
      }
    }
    if (open) print(open.table);
    for (const line of [statsLine(policy.name, policy.stats?.()), statsLine('judge', open?.judgeStats)]) if (line) print(line);
    if (policy instanceof RandomPolicy) {
      for (const mode of modes.mcqa) {
        let sum = 0;
        for await (const e of data.episodes()) sum += randomSuccessProbability(e, mode);
        const expected = sum / data.count;
        print(`random, ${mode}: accuracy ${percent(res.summaries[mode]!.accuracy)} vs analytic expectation ${percent(expected)}`);
      }
    }
    if (policy instanceof ScriptedPolicy && policy.missing.length) {
      const ex = policy.missing.slice(0, 3).map((m) => `${m.episodeId} turn ${m.turn}`).join(', ');
      print(`scripted: ${policy.missing.length} turn(s) had no recorded reply (scored as unparseable), e.g. ${ex}`);
    }
    if (data.skipped.length) {
      print(`${data.skipped.length} entr${data.skipped.length === 1 ? 'y' : 'ies'} of ${data.dir} could not be read and ${data.skipped.length === 1 ? 'was' : 'were'} skipped (listed in summary.json), e.g.:\n  ${data.skipped.slice(0, 3).map((s) => s.reason).join('\n  ')}`);
    }
    print(`\nresults: ${outDir}/<mode>/results.jsonl, summary: ${outDir}/summary.json (${res.wallSeconds.toFixed(1)} s)`);
  }
  return out;
}

/** The action of `askfirst eval` (eval-command.ts). */
export async function evalAction(raw: Record<string, unknown>): Promise<void> {
  const given = await withConfigFile(raw);
  await runEval(configFromOptions(EvalCommandSchema, given, 'eval'), console.log, given);
}
