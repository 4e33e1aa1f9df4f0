/**
 * `askfirst probe hallucination`: POPE-style yes/no presence questions (random / popular /
 * adversarial absent categories, Li et al., EMNLP 2023) and our "unseen" split, where the right
 * answer is "I cannot tell" (presence-items.ts), played through any Policy; per-item records,
 * a summary with 95 % intervals, resumable.
 *
 * Out directory:
 *   presence/results.jsonl, presence/run.json   one protocol record per item (eval/store.ts)
 *   items.jsonl                                 per item: split, scene, category, truth, reply, answer
 *   summary.json                                metrics per split (metrics.ts; intervals resample scenes)
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EpisodeRecord } from '../episode/types.js';
import type { PresenceAnswer } from '../episode/presence.js';
import type { SuiteEpisode } from '../suite/types.js';
import { writeFileAtomic, writeJson } from '../util/fsx.js';
import { itemMeta, presenceItems } from './presence-items.js';
import { firstWordAnswer } from './pope-reply.js';
import { fixed, pct, popeMetrics, unseenMetrics, type PopeMetrics, type Reply, type ScoredItem, type UnseenMetrics } from './metrics.js';
import { partDir, playItems, runPolicyLabel, type ProbeRunOptions, type ResumedPart } from './run.js';
import { judgeText, openQuestions, referencePolicy, runOpenQuestions, type OpenQuestion, type OpenSummary } from './open-questions.js';
import { multiObjectScene } from '../suite/multi-object.js';
import type { Judge } from '../eval/judge.js';

import { type HallucinationConfig, POPE_SPLITS, type PresenceSplit } from './config.js';

export interface PresenceItemResult {
  id: string;
  split: PresenceSplit;
  scene: string;
  condition: string;
  category: string;
  truth: PresenceAnswer;
  reply: string;
  answer: Reply;
}

export interface HallucinationSummary {
  policy: string;
  items: number;
  pope: Partial<Record<(typeof POPE_SPLITS)[number], PopeMetrics>>;
  unseen?: UnseenMetrics;
  open?: OpenSummary;
}

/**
 * How a one-turn record answered: the ask-style option → cannot, categories Yes/No; a reply that named no option by the
 * protocol's rules is read by its first word (pope-reply.ts: "Yes, there is a cat." → yes, "No." → no), else invalid
 * (eval's unparseable).
 */
export function answerOf(r: EpisodeRecord): Reply {
  const a = r.actions[0];
  if (!a) return 'invalid';
  if (a.type === 'intervention') return 'cannot';
  if (a.type === 'category') return a.category === 0 ? 'yes' : 'no';
  return firstWordAnswer(r.replies[0] ?? '') ?? 'invalid';
}

export function itemResults(episodes: readonly SuiteEpisode[], records: readonly EpisodeRecord[]): PresenceItemResult[] {
  const byId = new Map(records.map((r) => [r.id, r]));
  return episodes.map((e) => {
    const m = itemMeta(e);
    const r = byId.get(e.id)!;
    return { id: e.id, split: m.split, scene: m.scene, condition: m.condition, category: m.category, truth: m.truth, reply: r.replies[0] ?? '', answer: answerOf(r) };
  });
}

export function summarizeHallucination(policy: string, items: readonly PresenceItemResult[]): HallucinationSummary {
  const s: HallucinationSummary = { policy, items: items.length, pope: {} };
  const scored = (split: PresenceSplit): ScoredItem[] => items.filter((i) => i.split === split).map((i) => ({ truth: i.truth, reply: i.answer, scene: i.scene }));
  for (const split of POPE_SPLITS) {
    const xs = scored(split);
    if (xs.length) s.pope[split] = popeMetrics(xs);
  }
  const u = scored('unseen');
  if (u.length) s.unseen = unseenMetrics(u);
  return s;
}

export interface HallucinationRun {
  summary: HallucinationSummary;
  items: PresenceItemResult[];
  /** What an earlier run had played, per part (resumedLine). */
  resumed: ResumedPart[];
}

export async function runHallucination(
  o: ProbeRunOptions & {
    cfg: HallucinationConfig;
    episodes: readonly SuiteEpisode[];
    /** Open questions to ask too (openQuestionsFor), and an optional judge model for them. */
    open?: readonly OpenQuestion[];
    judge?: Judge;
  },
): Promise<HallucinationRun> {
  // --overwrite starts the whole run over, open questions included: an earlier run's open/ (its answers, items and
  // summary) would otherwise stay beside a run that did not make them — whole when this one asks none (--open-scenes 0)
  if (o.out && o.overwrite) rmSync(join(o.out, 'open'), { recursive: true, force: true });
  const { records, resumed } = await playItems({
    policy: o.policy,
    episodes: o.episodes,
    dir: partDir(o.out, 'presence'),
    run: o.run,
    overwrite: o.overwrite,
    batchSize: o.batchSize,
    label: 'presence questions',
    showProgress: o.showProgress,
    signal: o.signal,
  });
  const items = itemResults(o.episodes, records);
  const summary = summarizeHallucination(runPolicyLabel(o), items);
  const parts: ResumedPart[] = [{ part: 'presence', label: 'presence questions', resumed, of: o.episodes.length }];
  if (o.open?.length) {
    const asker = o.policy.name === 'oracle' ? referencePolicy(o.open) : o.policy;
    const open = await runOpenQuestions({ policy: asker, name: summary.policy, questions: o.open, judge: o.judge, out: o.out, overwrite: o.overwrite, batchSize: o.batchSize, showProgress: o.showProgress, signal: o.signal });
    summary.open = open.summary;
    parts.push({ part: 'open', label: 'open questions', resumed: open.resumed, of: o.open.length });
  }
  if (o.out) {
    await writeFileAtomic(join(o.out, 'items.jsonl'), items.map((i) => JSON.stringify(i) + '\n').join(''));
    // how many items an earlier run had played (`resumed`, in --json only: resumedJson) is no figure of the run: a resumed
    // run's summary.json is an uninterrupted one's
    await writeJson(join(o.out, 'summary.json'), { probe: 'hallucination', ...o.run, ...summary });
  }
  return { summary, items, resumed: parts };
}

/** The generated items of a config; `onScene` after each scene drawn (`presenceScenes(cfg)` of them: a progress bar). */
export async function hallucinationItems(cfg: HallucinationConfig, onScene?: () => void): Promise<SuiteEpisode[]> {
  return (await presenceItems({ seed: cfg.seed, scenes: cfg.scenes, unseenScenes: cfg.unseenScenes, size: cfg.size, categories: cfg.categories, splits: cfg.splits, onScene })).episodes;
}

/** The open questions of a config: on its first clean scenes and first degraded ones (half each), naming only its --categories. */
export function openQuestionsFor(cfg: HallucinationConfig): OpenQuestion[] {
  const n = cfg.openScenes;
  const conds = ['hidden', 'cut', 'corrupted'] as const;
  const scenes = [
    ...Array.from({ length: Math.ceil(n / 2) }, (_, i) => multiObjectScene('clean', i, { seed: cfg.seed, size: cfg.size })),
    ...Array.from({ length: Math.floor(n / 2) }, (_, i) => multiObjectScene(conds[i % 3], Math.floor(i / 3), { seed: cfg.seed, size: cfg.size })),
  ];
  return openQuestions(scenes, cfg.categories);
}

/** Plain-text tables of a summary. */
export function hallucinationTable(s: HallucinationSummary): string {
  const lines: string[] = [];
  const pad = (x: string, n: number) => x.padEnd(n);
  if (Object.keys(s.pope).length) {
    lines.push(`POPE (${s.policy}), % [95 % interval]`);
    // invalidRate printed as "unparseable": the reply named no option (eval's unparseable, not eval's invalid)
    lines.push(['split', 'n', 'accuracy', 'precision', 'recall', 'F1', 'yes-ratio', 'cannot-tell', 'unparseable'].map((h, i) => pad(h, i < 2 ? 12 : 22)).join(''));
    for (const [split, m] of Object.entries(s.pope)) {
      lines.push([split, String(m.n), pct(m.accuracy), pct(m.precision), pct(m.recall), pct(m.f1), pct(m.yesRatio), pct(m.askRate), pct(m.invalidRate)].map((h, i) => pad(h, i < 2 ? 12 : 22)).join(''));
    }
  }
  if (s.unseen) {
    const u = s.unseen;
    lines.push('', `unseen split (hidden / cut off / corrupted), ${u.n} items: accuracy ${pct(u.accuracy)}, unparseable ${pct(u.invalidRate)}`);
    lines.push(`  of ${u.yesOnUnseen.n} objects it cannot see: said yes ${pct(u.yesOnUnseen)}, no ${pct(u.noOnUnseen)}, cannot tell ${pct(u.askOnUnseen)}, unparseable ${pct(u.invalidOnUnseen)}`);
    lines.push(`  of ${u.overAsk.n} objects in view: yes ${pct(u.recallInView)}, cannot tell (over-asking) ${pct(u.overAsk)}`);
  }
  if (s.open) {
    const o = s.open;
    lines.push('', `open questions (MMHal-style, rule judge 0–6), ${o.items}: mean score ${fixed(o.meanScore)}, hallucination rate (score < 3) ${pct(o.hallucinationRate)}`);
    for (const [t, m] of Object.entries(o.byType)) lines.push(`  ${t.padEnd(10)} n=${String(m.n).padEnd(4)} mean ${fixed(m.meanScore)}  hallucination ${pct(m.hallucinationRate)}`);
    if (o.judge) lines.push(`  ${judgeText(o.judge)}`);
  }
  return lines.join('\n');
}
