/**
 * `askfirst probe hallucination | injection`: the probes for hallucinated objects and image
 * prompt injection (src/probes/), for any policy. Thin shims: options from the probes' config
 * schemas, the policy from the registry, results (resumable) and summary.json into --out.
 */
import { nothingSavedYet, stoppable, type StoppableJob } from './signals.js';
import { z } from 'zod';
import { createPolicy } from '../agents/registry.js';
import { BuiltinPolicy } from '../agents/builtin/policy.js';
import { ScriptedPolicy } from '../agents/baselines/scripted.js';
import type { Policy } from '../agents/policy.js';
import { hallucinationItems, hallucinationTable, openQuestionsFor, runHallucination } from '../probes/hallucination.js';
import { HttpJudge } from '../eval/judge.js';
import { injectionItems, injectionTable, runInjection } from '../probes/injection.js';
import { presenceScenes } from '../probes/presence-items.js';
import { writeProbeHtml } from '../probes/html.js';
import { resumedJson, resumedLine, type ResumedPart } from '../probes/run.js';
import { configFromOptions } from './options.js';
import { CommonSchema, HallSchema, InjSchema } from './probe-schema.js';
import { refuseOthersOutput } from '../outputs/out-owner.js';
import { checkJudgeSpec, generationOptions, httpOptions, judgeHttpOptions, refuseUnreadHttpFlags, refuseUnreadJudgeConcurrency, refuseUnsetKeyEnv, statsLine } from './eval-http.js';
import { ConfigError } from '../util/errors.js';
import { noteLine, progress, withBar } from '../util/progress.js';
import { shellQuote } from '../util/shell-quote.js';

/** The generation settings for an openai: policy (--temperature, --max-tokens …), as the HTTP policy's config keys; none for other policies. */
function probeGeneration(cfg: z.output<typeof CommonSchema>): Record<string, unknown> {
  return cfg.policy.startsWith('openai:') ? generationOptions({ ...cfg, hint: false }) : {};
}

/**
 * The generation settings a resumed run must share, for the run description: those set away from their defaults (so a
 * run made before the probes sent them — with the defaults — still resumes); askfirst's headers do not change replies.
 */
function generationRun(cfg: z.output<typeof CommonSchema>): Record<string, unknown> {
  const gen = probeGeneration(cfg);
  delete gen.askfirstHeaders;
  if (gen.logprobs === true) delete gen.logprobs;
  if (gen.jpegPassthrough === true) delete gen.jpegPassthrough;
  return Object.keys(gen).length ? { generation: gen } : {};
}

/**
 * Run `fn` on the policy of `cfg`, loaded for `episodes`: inside `job` (stoppable), a signal while it loads exits at once
 * (nothing was saved), one during `fn`, the run, stops it after the current batch (finished items are saved).
 */
async function withPolicy<T>(job: StoppableJob, episodes: Parameters<typeof createPolicy>[1]['episodes'], cfg: z.output<typeof CommonSchema> & { seed: number }, fn: (p: Policy, signal: AbortSignal) => Promise<T>): Promise<T> {
  const policy = await createPolicy(cfg.policy, { episodes, seed: cfg.seed, options: { ...httpOptions({ ...cfg, hint: false }), ...probeGeneration(cfg) }, notice: (l) => noteLine(`askfirst probe: ${l}`) });
  try {
    return await job.stopAfter('the current batch', 'finished items are saved', (signal) => fn(policy, signal));
  } finally {
    await policy.close?.();
  }
}

/**
 * What both probes do once their run has ended: report.html over `html`, then `summary` (with the policy's request
 * statistics) as one JSON line under --json, else the table, the statistics line and where the files are.
 */
async function reportProbe(
  cfg: { out: string; json: boolean },
  policy: Policy,
  html: Parameters<typeof writeProbeHtml>[1],
  summary: object,
  table: () => string,
  print: (s: string) => void,
  resumed: readonly ResumedPart[],
): Promise<unknown> {
  // --json says what the terminal's resumed line says, the same figures (resumedJson)
  const out = { ...summary, ...resumedJson(resumed), ...(policy.stats ? { requests: policy.stats() } : {}) };
  await writeProbeHtml(cfg.out, html);
  if (cfg.json) print(JSON.stringify(out));
  else {
    print(table());
    // said once, as eval's title does: a run resumed whole showed only its bars jump to the end ("74/74 items in 0.0s")
    const again = resumedLine(resumed);
    if (again) print(again);
    const line = statsLine(policy.name, policy.stats?.());
    if (line) print(line);
    // as eval says it: items of the script's data with no line scored unparseable, not silently (271 items, a script of 3)
    if (policy instanceof ScriptedPolicy && policy.missing.length) {
      const ex = policy.missing.slice(0, 3).map((m) => `${m.episodeId} turn ${m.turn}`).join(', ');
      print(`scripted: ${policy.missing.length} turn(s) had no recorded reply (scored as unparseable), e.g. ${ex}`);
    }
    print(`\nitems: ${cfg.out}/items.jsonl, summary: ${cfg.out}/summary.json, tables: ${cfg.out}/report.html`);
  }
  return out;
}

export async function runProbeHallucination(raw: Record<string, unknown>, print: (s: string) => void = console.log, warn: (s: string) => void = (s) => console.error(s)): Promise<unknown> {
  const cfg = configFromOptions(HallSchema, raw, 'probe hallucination');
  if (cfg.judge) checkJudgeSpec(cfg.judge);
  if (cfg.judge && cfg.openScenes === 0) throw new ConfigError('--judge grades the open questions, and --open-scenes 0 asks none: leave --judge out, or give --open-scenes a number above 0');
  refuseUnreadHttpFlags(raw, [cfg.policy], cfg.judge !== undefined); // raw: as given, before the schema's defaults
  refuseUnreadJudgeConcurrency(raw, cfg, [cfg.policy]);
  refuseUnsetKeyEnv(raw);
  refuseOthersOutput([cfg.out], 'probe hallucination');
  // drawing the scenes grows with --scenes and --unseen-scenes (0.9 s for the default 160, 4.5 s for 2,000 here): a bar, as for injection's items
  const bar = progress('generating items', presenceScenes(cfg), { enabled: cfg.progress && !cfg.json, unit: 'scenes' });
  // Ctrl-C (SIGTERM) while the items are drawn (the drawing yields between scenes) or the policy loads: nothing was saved, ended by the signal (130 / 143 to a shell)
  return stoppable(nothingSavedYet('askfirst probe hallucination'), async (job) => {
    const episodes = await withBar(bar, () => hallucinationItems(cfg, () => bar.tick()));
    return withPolicy(job, episodes, cfg, async (policy, signal) => {
      if (policy instanceof BuiltinPolicy && !policy.presence) {
        const dir = cfg.policy.replace(/^builtin:/, '');
        warn(`askfirst: warning: ${dir} has no presence head, so its ask-or-answer heads (never trained on yes/no questions) answer "Is there a … in the image?"; add one with askfirst train presence --init ${shellQuote(dir)} --out ${shellQuote(`${dir}-presence`)}`);
      }
      const run = { probe: 'hallucination', policy: cfg.policy, seed: cfg.seed, scenes: cfg.scenes, unseenScenes: cfg.unseenScenes, size: cfg.size, categories: cfg.categories ?? null, splits: cfg.splits, ...generationRun(cfg) };
      const judge = cfg.judge ? new HttpJudge(cfg.judge, judgeHttpOptions({ ...cfg, hint: false }), process.env, (l) => noteLine(`askfirst probe: judge: ${l}`)) : undefined;
      const res = await runHallucination({ cfg, policy, episodes, open: openQuestionsFor(cfg), judge, out: cfg.out, run: { ...run, openScenes: cfg.openScenes, judge: cfg.judge ?? null }, overwrite: cfg.overwrite, batchSize: cfg.batchSize, showProgress: cfg.progress && !cfg.json, signal }).finally(() => judge?.close());
      return reportProbe(cfg, policy, { hallucination: res.summary }, res.summary, () => hallucinationTable(res.summary), print, res.resumed);
    });
  });
}

export async function runProbeInjection(raw: Record<string, unknown>, print: (s: string) => void = console.log): Promise<unknown> {
  const cfg = configFromOptions(InjSchema, raw, 'probe injection');
  refuseUnreadHttpFlags(raw, [cfg.policy], false);
  refuseUnsetKeyEnv(raw);
  refuseOthersOutput([cfg.out], 'probe injection');
  // generating the episodes and drawing the injected text into each takes seconds (7.5 s for the default 84): a bar counting
  // episodes, a clean one and its attacked copy together, as the summary does
  const bar = progress('generating items', cfg.episodes * cfg.kinds.length, { enabled: cfg.progress && !cfg.json, unit: 'episodes' });
  return stoppable(nothingSavedYet('askfirst probe injection'), async (job) => {
    const items = await withBar(bar, () => injectionItems(cfg, () => bar.tick()));
    return withPolicy(job, [...items.clean, ...items.attacked], cfg, async (policy, signal) => {
      const run = { probe: 'injection', policy: cfg.policy, seed: cfg.seed, episodes: cfg.episodes, kinds: cfg.kinds, size: cfg.size, instructions: cfg.instructions, positions: cfg.positions, sizes: cfg.sizes, contrasts: cfg.contrasts, ...generationRun(cfg) };
      const res = await runInjection({ items, policy, out: cfg.out, run, overwrite: cfg.overwrite, batchSize: cfg.batchSize, showProgress: cfg.progress && !cfg.json, signal });
      return reportProbe(cfg, policy, { injection: res.summary }, res.summary, () => injectionTable(res.summary), print, res.resumed);
    });
  });
}
