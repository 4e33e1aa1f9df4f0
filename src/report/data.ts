/**
 * Pure helpers that turn evaluation summaries and episode records into the figures of
 * `results.json` (results.ts): accuracy blocks, episode-weighted accuracy over a set of
 * kinds, gap closed per split ((acc − acc_untrained) / (acc_reference − acc_untrained); see
 * docs/architecture.md), and the first-move ask-vs-guess shares.
 */
import { gapClosed, type Metrics, type Summary } from '../episode/metrics.js';
import type { EpisodeRecordCore } from '../episode/types.js';
import type {
  AccuracyBlock,
  AskVsGuess,
  DecisionShares,
  GapClosed,
  HeadlineFigures,
} from './results.js';

/** NaN / ±Infinity → null (JSON has no NaN). */
export function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export function accuracyBlock(s: Summary): AccuracyBlock {
  const accuracies = (ms: Record<string, Metrics>) => Object.fromEntries(Object.entries(ms).map(([k, m]) => [k, m.accuracy]));
  const byKind = accuracies(s.byKind);
  return s.byVariant ? { overall: s.accuracy, byKind, byVariant: accuracies(s.byVariant) } : { overall: s.accuracy, byKind };
}

/** Episode-weighted mean of a per-kind figure over `kinds` of a summary (NaN when none of them has episodes). */
export function overKinds(s: Summary, kinds: readonly string[], figure: (m: Metrics) => number): number {
  let n = 0;
  let sum = 0;
  for (const k of kinds) {
    const m = s.byKind[k];
    if (!m) continue;
    n += m.episodes;
    sum += figure(m) * m.episodes;
  }
  return n > 0 ? sum / n : Number.NaN;
}

/** Episode-weighted accuracy over `kinds` (NaN when none of them has episodes). */
export function accuracyOver(s: Summary, kinds: readonly string[]): number {
  return overKinds(s, kinds, (m) => m.accuracy);
}

/** Gap closed on the training kinds, the unseen kinds and all kinds (null where the gap is under `MIN_GAP_EPISODES` episodes). */
export function gapClosedSplit(
  reference: Summary,
  before: Summary,
  after: Summary,
  trainKinds: readonly string[],
): GapClosed {
  const kinds = Object.keys(after.byKind);
  const train = kinds.filter((k) => trainKinds.includes(k));
  const unseen = kinds.filter((k) => !trainKinds.includes(k));
  const over = (ks: readonly string[]) =>
    finiteOrNull(
      gapClosed(
        accuracyOver(after, ks),
        accuracyOver(before, ks),
        accuracyOver(reference, ks),
        ks.reduce((n, k) => n + after.byKind[k].episodes, 0),
      ),
    );
  return {
    train: over(train),
    unseen: over(unseen),
    all: finiteOrNull(gapClosed(after.accuracy, before.accuracy, reference.accuracy, after.episodes)),
  };
}

/** The headline figures of one run from its three proactive/reference summaries. */
export function headlineFigures(
  reference: Summary,
  before: Summary,
  after: Summary,
  trainKinds: readonly string[],
): HeadlineFigures {
  return {
    gapClosed: gapClosedSplit(reference, before, after, trainKinds),
    overAsking: after.overAsking,
    psRate: after.psRate,
    oraclePsRate: after.oraclePsRate,
    accuracy: {
      reference: accuracyBlock(reference),
      before: accuracyBlock(before),
      after: accuracyBlock(after),
    },
  };
}

function shares(records: readonly EpisodeRecordCore[]): DecisionShares {
  const n = records.length;
  let asked = 0;
  let guessed = 0;
  let abstained = 0;
  let unparseable = 0;
  for (const r of records) {
    const t = r.actions[0]?.type;
    if (t === 'intervention') asked++;
    else if (t === 'category') guessed++;
    else if (t === 'abstain') abstained++;
    else if (t === 'unparseable') unparseable++;
  }
  return n
    ? { n, asked: asked / n, guessed: guessed / n, other: (n - asked - guessed) / n, abstained: abstained / n, unparseable: unparseable / n }
    : { n, asked: 0, guessed: 0, other: 0, abstained: 0, unparseable: 0 };
}

/**
 * First-move decisions of proactive-mode records: on non-control episodes the first view is
 * uninformative by construction (see docs/architecture.md); on control episodes it is
 * informative.
 */
export function askVsGuess(records: readonly EpisodeRecordCore[]): AskVsGuess {
  const proactive = records.filter((r) => r.mode !== 'reference');
  return {
    uninformative: shares(proactive.filter((r) => !r.control)),
    control: shares(proactive.filter((r) => r.control)),
  };
}
