/**
 * The feedback demo over several seeds: each seed's `feedback.json` (in `<out>/seed-<n>/`) folded
 * into `<out>/aggregate.json` — every headline figure per seed, with its mean and 95 % Student's t
 * interval (util/stats meanInterval95), plus the paired per-seed ratio the RLHF target is stated
 * in: gap closed (training kinds) by RLHF with the fact-augmented reward model from the most
 * labels, over that of RL on the simulator's reward from the same start.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { refuseOtherSettings } from '../report/aggregate.js';
import { fmtStat } from '../report/aggregate-page.js';
import { formatTable } from '../eval/table.js';
import { FEEDBACK_FILE, FEEDBACK_RESULTS_FORMAT, gaoSummary, type FeedbackResults } from '../report/feedback-section.js';
import { checkFileFormat } from '../util/file-format.js';
import { DataError, NotFoundError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fsx.js';
import { shellQuote } from '../util/shell-quote.js';
import { COUNT_RANGE, meanInterval95, RATE_RANGE, type MeanInterval, type ValueRange } from '../util/stats.js';
import { checkSeedRun, seedDir } from './seed-dirs.js';
import { FEEDBACK_DEMO_FLAGS, FEEDBACK_DEMO_RUN, FeedbackDemoConfigSchema, feedbackDemoSharedSettings } from './feedback-config.js';
import { flagsOf } from '../util/command-flags.js';
import { readRunSettings } from '../util/run-settings.js';

export interface SeedFigure {
  perSeed: (number | null)[];
  stats: MeanInterval;
}

/** A figure over the seeds; a rate's (`range` RATE_RANGE) interval cut to [0, 1], a count's (COUNT_RANGE) at 0, and marked `clipped` (meanInterval95). */
const fig = (xs: (number | null | undefined)[], range: ValueRange = {}): SeedFigure => {
  const perSeed = xs.map((x) => (x === null || x === undefined || !Number.isFinite(x) ? null : x));
  return { perSeed, stats: meanInterval95(perSeed.filter((x): x is number => x !== null), range) };
};

/**
 * Read `<out>/seed-<n>/feedback.json` for every seed, aggregate, and write `<out>/aggregate.json`. A seed without one is
 * refused with the command that finishes it, with the settings the seeds ran with (rerunFlags); a folder holding another
 * seed's demo, and seeds whose demos ran under other settings (feedbackDemoSharedSettings), are refused in one line.
 */
export async function aggregateFeedback(out: string, seeds: readonly number[]) {
  const read = await Promise.all(
    seeds.map(async (s) => {
      const f = join(seedDir(out, s), FEEDBACK_FILE);
      try {
        return JSON.parse(await readFile(f, 'utf8')) as FeedbackResults;
      } catch (e) {
        return e;
      }
    }),
  );
  const finished = read.filter((r): r is FeedbackResults => typeof r === 'object' && r !== null && typeof (r as FeedbackResults).config === 'object' && (r as FeedbackResults).config !== null);
  const rs: FeedbackResults[] = [];
  for (const [i, s] of seeds.entries()) {
    const dir = seedDir(out, s);
    const f = join(dir, FEEDBACK_FILE);
    const { flags, guess } = rerunFlags(dir, s, finished);
    const rerun = `askfirst feedback demo${flags} --out ${shellQuote(dir)}${guess}`;
    const r = read[i];
    if (!(r instanceof Error)) checkFileFormat(r, f, FEEDBACK_RESULTS_FORMAT); // a newer askfirst's: not read as today's, nor called damaged
    if (!finished.includes(r as FeedbackResults)) {
      const damage = damaged(r);
      // the feedback demo never reads its feedback.json: run again, it takes up the finished stages and writes it anew
      if (damage) throw new DataError(`damaged (${damage}); run: ${rerun} to write it again (its finished stages are taken up)`, { file: f, cause: r });
      if ((r as NodeJS.ErrnoException).code !== 'ENOENT') throw r; // unreadable (a folder, no permission): the CLI says what
      throw new NotFoundError(`no finished feedback demo for seed ${s} (${f}); run: ${rerun}`, { cause: r });
    }
    const ran = (r as FeedbackResults).config.seed;
    // the feedback demo has no --fresh: run into that folder again, it would take up the other seed's finished stages
    checkSeedRun(f, s, typeof ran === 'number' ? ran : undefined, { run: 'a feedback demo', field: 'config.seed', fix: `move ${dir} aside (a feedback demo run into it again takes up its finished stages), then run: ${rerun}` });
    rs.push(r as FeedbackResults);
  }
  // a seed run with other --labels, --noise, --rl-updates… is no draw of the others' experiment
  refuseOtherSettings(
    rs.map((r, i) => ({ seed: seeds[i], settings: feedbackDemoSharedSettings(r.config) })),
    "the seeds' feedback demos ran under other settings",
    "move the odd ones' folders aside and run them again with the others' settings",
  );
  const names = [...new Set(rs.flatMap((r) => r.policies.map((p) => p.name)))];
  const pol = (r: FeedbackResults, n: string) => r.policies.find((p) => p.name === n);
  const gaoOf = (r: FeedbackResults, n: string) => {
    const p = pol(r, n);
    return p ? (p.testCurve ? gaoSummary(p.testCurve, 1) : gaoSummary(p.curve)) : null;
  };
  const policies = Object.fromEntries(
    names.map((n) => [
      n,
      {
        gapClosedTrain: fig(rs.map((r) => pol(r, n)?.gapClosed.train)),
        gapClosedUnseen: fig(rs.map((r) => pol(r, n)?.gapClosed.unseen)),
        accuracy: fig(rs.map((r) => pol(r, n)?.accuracy), RATE_RANGE),
        overAsking: fig(rs.map((r) => pol(r, n)?.overAsking), RATE_RANGE),
        // beside over-asking, not in it; null for a seed whose feedback.json predates it
        controlAbstain: fig(rs.map((r) => pol(r, n)?.controlAbstain), RATE_RANGE),
        guessRate: fig(rs.map((r) => pol(r, n)?.guessRate), RATE_RANGE),
        finalGold: fig(rs.map((r) => pol(r, n)?.curve.at(-1)?.gold)),
        testGold: fig(rs.map((r) => pol(r, n)?.testGold)),
        // Gao et al.: how far the gold reward fell from its peak, and the KL at the end (over-optimisation
        // runs: on the test plays every few updates; others: training batches, 5-update means).
        goldDrop: fig(rs.map((r) => gaoOf(r, n)?.goldDrop)),
        proxyRise: fig(rs.map((r) => gaoOf(r, n)?.proxyRise)),
        finalKl: fig(rs.map((r) => gaoOf(r, n)?.finalKl)),
        peakGold: fig(rs.map((r) => gaoOf(r, n)?.peakGold)),
        endGold: fig(rs.map((r) => gaoOf(r, n)?.finalGold)),
      },
    ]),
  );
  const rmNames = [...new Set(rs.flatMap((r) => r.rewardModels.map((m) => m.name)))];
  const rm = (r: FeedbackResults, n: string) => r.rewardModels.find((m) => m.name === n);
  const rewardModels = Object.fromEntries(
    rmNames.map((n) => [n, { heldOutAccuracy: fig(rs.map((r) => rm(r, n)?.heldOut.accuracy), RATE_RANGE), heldOutGoldAccuracy: fig(rs.map((r) => rm(r, n)?.heldOut.goldAccuracy), RATE_RANGE), ece: fig(rs.map((r) => rm(r, n)?.heldOut.ece)), brier: fig(rs.map((r) => rm(r, n)?.heldOut.brier)) }]),
  );
  const keys = [...new Set(rs.flatMap((r) => r.routing.points.map((p) => `${p.strategy}@${p.budget}`)))];
  const point = (r: FeedbackResults, k: string) => r.routing.points.find((p) => `${p.strategy}@${p.budget}` === k);
  // a reward model's accuracy is a rate, cut to [0, 1]; the human labels and those on pairs the AI got wrong are counts, cut at 0
  const routing = Object.fromEntries(
    keys.map((k) => [k, { goldAccuracy: fig(rs.map((r) => point(r, k)?.goldAccuracy), RATE_RANGE), humanLabels: fig(rs.map((r) => point(r, k)?.humanLabels), COUNT_RANGE), aiWrongCaught: fig(rs.map((r) => point(r, k)?.aiWrongCaught), COUNT_RANGE) }]),
  );
  const maxLabels = Math.max(...((rs[0]?.config.labels as number[]) ?? [0]));
  const ratio = fig(rs.map((r) => {
    const a = pol(r, `rlhf-fact-${maxLabels}`)?.gapClosed.train;
    const g = pol(r, 'gold')?.gapClosed.train;
    return a !== null && a !== undefined && g ? a / g : null;
  }));
  const agg = { seeds, createdAt: new Date().toISOString(), rlhfOverGoldGapTrain: ratio, beforeTestGold: fig(rs.map((r) => r.before.testGold)), gaoTestCurves: Object.fromEntries(names.filter((n) => n.startsWith('gao-')).map((n) => [n, rs.map((r) => pol(r, n)?.testCurve ?? null)])), policies, rewardModels, routing, aiLabelGoldAgreement: fig(rs.map((r) => r.routing.aiLabelGoldAgreement), RATE_RANGE), humanLabelGoldAgreement: fig(rs.map((r) => r.routing.humanLabelGoldAgreement), RATE_RANGE), wallSeconds: fig(rs.map((r) => r.wallSeconds)) };
  await writeFileAtomic(join(out, 'aggregate.json'), `${JSON.stringify(agg, null, 2)}\n`);
  return agg;
}

/**
 * The terminal table of `feedback demo-aggregate`, as `askfirst demo --seeds` prints its own (report/aggregate-page.ts
 * fmtStat: mean ± 95 % CI half-width, "(cut to …)" where an interval was cut to the figure's range): each policy's gap
 * closed, accuracy and over-asking, then the RLHF ÷ gold ratio the target is stated in and each reward model's held-out
 * accuracy.
 */
export function feedbackAggregateText(agg: Awaited<ReturnType<typeof aggregateFeedback>>): string {
  const k = agg.seeds.length;
  const rows = Object.entries(agg.policies).map(([name, p]) => [name, ...[p.gapClosedTrain, p.gapClosedUnseen, p.accuracy, p.overAsking].map((f) => fmtStat(f.stats, 'pct'))]);
  const rms = Object.entries(agg.rewardModels).map(([name, m]) => `${name} ${fmtStat(m.heldOutAccuracy.stats, 'pct')}`);
  return [
    `askfirst feedback demo over ${k} seed${k === 1 ? '' : 's'} (${agg.seeds.join(', ')}): mean ± 95 % CI half-width (Student's t, df = n − 1)`,
    ...(k < 2 ? ['  (one seed: no interval; run two or more seeds for one)'] : []),
    formatTable(['policy', 'gap closed, RL-trained kinds', 'gap closed, unseen kinds', 'accuracy', 'over-asking on controls'], rows),
    `  gap closed (RL-trained kinds), RLHF (fact-augmented RM, most labels) ÷ RL on the simulator's reward: ${fmtStat(agg.rlhfOverGoldGapTrain.stats, 'ratio')}`,
    ...(rms.length ? [`  reward models' held-out accuracy: ${rms.join('; ')}`] : []),
  ].join('\n');
}

/** What is wrong with a seed's feedback.json as read (its parsed JSON, or the error reading it), or null when it is not damaged but missing or unreadable. */
function damaged(read: unknown): string | null {
  if (read instanceof SyntaxError) return `not JSON: ${read.message}`;
  if (read instanceof Error) return null;
  return `no "config" object: not a feedback demo's results`;
}

/**
 * The flags of the command that finishes seed `seed`'s feedback demo in `dir`, as the seeds ran (a re-run under other settings
 * is refused, and an aggregate of them too): those kept in its own run.json (a demo stopped there), else a finished seed's
 * feedback.json's — its --init moved to this seed's where its path names that seed's folder (`runs/seeds/seed-0/supervised`
 * → `seed-1`) — else the defaults (`feedback demo-aggregate` has no settings of its own). `guess`: what the message says
 * after the command when that moved --init is not there (a guess from another seed's path, said as one), else "".
 */
function rerunFlags(dir: string, seed: number, finished: readonly FeedbackResults[]): { flags: string; guess: string } {
  let kept;
  try {
    kept = readRunSettings(dir);
  } catch {
    kept = null; // damaged, or a newer askfirst's: a finished seed's settings
  }
  if (kept?.run === FEEDBACK_DEMO_RUN) {
    const init = (kept.settings.init as { shown?: unknown } | undefined)?.shown;
    return { flags: flagsOf(FeedbackDemoConfigSchema, { ...kept.settings, seed, init: typeof init === 'string' ? init : undefined }, FEEDBACK_DEMO_FLAGS), guess: '' };
  }
  const other = finished[0]?.config;
  if (!other) return { flags: flagsOf(FeedbackDemoConfigSchema, { seed }, FEEDBACK_DEMO_FLAGS), guess: '' };
  const init = other.init, from = other.seed;
  const moved = typeof init === 'string' && typeof from === 'number' ? init.split(/([/\\])/).map((p) => (p === `seed-${from}` ? `seed-${seed}` : p)).join('') : init;
  // seed-<from> swapped in a path is a guess: said as one unless that checkpoint is there
  const guess =
    typeof moved === 'string' && moved !== init && !existsSync(moved)
      ? ` (its --init is a guess, seed ${from}'s ${shellQuote(String(init))} with seed-${seed} for seed-${from}, and ${shellQuote(moved)} is not there: give seed ${seed}'s supervised checkpoint)`
      : '';
  return { flags: flagsOf(FeedbackDemoConfigSchema, { ...other, seed, init: moved }, FEEDBACK_DEMO_FLAGS), guess };
}
