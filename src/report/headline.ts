/**
 * The headline figures as rows (label, raw value, formatted text, target, verdict), shared by
 * `report.html` and `MODEL_CARD.md` so both show the same numbers formatted the same way.
 */
import { duration, num, pct } from './html.js';
import { gapClosedText } from './gap-text.js';
import type { Results } from './results.js';
import { MISSING } from '../util/missing.js';

/**
 * The demo's acceptance targets, set before the run and shown beside the measured figures
 * (targets, not results): issue 18's, the ones README's "What the demo shows today" is measured
 * against (there as a mean over seeds; here for the one run).
 */
export const TARGETS = {
  /** Gap closed on the RL-trained kinds, at least. */
  gapClosedTrain: 0.95,
  /** Gap closed on the unseen kinds, at least. */
  gapClosedUnseen: 0.7,
  /** Over-asking on control episodes, at most. */
  overAsking: 0.05,
  /** ps-rate at least this multiple of the oracle's minimum (asking far less is guessing). */
  psRateOverOracleMin: 0.8,
  /** ps-rate at most this multiple of the oracle's minimum (asking far more is over-asking). */
  psRateOverOracleMax: 1.3,
  /** Whole default demo, at most (seconds). */
  wallSeconds: 600,
} as const;

export interface HeadlineRow {
  /** Stable key (also the `data-key` of the report's cell). */
  key: string;
  label: string;
  /** The raw figure from results.json (null when undefined). */
  value: number | null;
  text: string;
  /** The target as text, when there is one. */
  target?: string;
  /** Whether the target is met (undefined: no target, or the figure is undefined). */
  pass?: boolean;
}

const kindsList = (ks: readonly string[]) => (ks.length ? ks.join(', ') : 'none');

export function headlineRows(r: Results): HeadlineRow[] {
  const ratio = r.oraclePsRate > 0 ? r.psRate / r.oraclePsRate : Number.NaN;
  const rows: HeadlineRow[] = [
    {
      key: 'gapClosed.train',
      label: `Gap closed, RL-trained kinds (${kindsList(r.data.trainKinds)})`,
      value: r.gapClosed.train,
      text: gapClosedText(r, 'train'),
      target: `≥ ${pct(TARGETS.gapClosedTrain, 0)}`,
      pass: r.gapClosed.train == null ? undefined : r.gapClosed.train >= TARGETS.gapClosedTrain,
    },
    {
      key: 'gapClosed.unseen',
      label: `Gap closed, unseen kinds (${kindsList(r.data.unseenKinds)})`,
      value: r.gapClosed.unseen,
      text: gapClosedText(r, 'unseen'),
      target: `≥ ${pct(TARGETS.gapClosedUnseen, 0)}`,
      pass: r.gapClosed.unseen == null ? undefined : r.gapClosed.unseen >= TARGETS.gapClosedUnseen,
    },
    {
      key: 'gapClosed.all',
      label: 'Gap closed, all kinds',
      value: r.gapClosed.all,
      text: gapClosedText(r, 'all'),
    },
    {
      key: 'overAsking',
      label: 'Over-asking on control episodes (asked although answerable)',
      value: r.overAsking,
      text: pct(r.overAsking),
      target: `≤ ${pct(TARGETS.overAsking, 0)}`,
      pass: r.overAsking == null ? undefined : r.overAsking <= TARGETS.overAsking,
    },
    {
      // beside over-asking, not in it (docs/evaluation.md, "What the rates mean"); no target was set for it
      key: 'controlAbstain',
      label: 'Abstained on control episodes (declined although answerable; not in over-asking)',
      value: r.summaries.after.controlAbstain,
      text: pct(r.summaries.after.controlAbstain),
    },
    {
      key: 'psRate',
      label: 'ps-rate after RL (interventions per episode)',
      value: r.psRate,
      text: num(r.psRate),
    },
    {
      key: 'oraclePsRate',
      label: "Oracle's minimum ps-rate",
      value: r.oraclePsRate,
      text: num(r.oraclePsRate),
    },
    {
      key: 'psRateRatio',
      label: 'ps-rate ÷ oracle minimum',
      value: Number.isFinite(ratio) ? ratio : null,
      text: Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : MISSING,
      target: `${TARGETS.psRateOverOracleMin}× – ${TARGETS.psRateOverOracleMax}×`,
      pass: Number.isFinite(ratio) ? ratio >= TARGETS.psRateOverOracleMin && ratio <= TARGETS.psRateOverOracleMax : undefined,
    },
    {
      key: 'accuracy.reference',
      label: 'Accuracy, reference (clearest view only)',
      value: r.accuracy.reference.overall,
      text: pct(r.accuracy.reference.overall),
    },
    {
      key: 'accuracy.before',
      label: 'Accuracy, proactive episodes, before RL',
      value: r.accuracy.before.overall,
      text: pct(r.accuracy.before.overall),
    },
    {
      key: 'accuracy.after',
      label: 'Accuracy, proactive episodes, after RL',
      value: r.accuracy.after.overall,
      text: pct(r.accuracy.after.overall),
    },
    {
      key: 'wallSeconds',
      label: `Wall time of the whole run${r.quick ? ' (--quick)' : ''}`,
      value: r.wallSeconds,
      text: duration(r.wallSeconds),
      ...(r.quick
        ? {}
        : {
            target: `≤ ${duration(TARGETS.wallSeconds)}`,
            pass: r.wallSeconds <= TARGETS.wallSeconds,
          }),
    },
  ];
  return rows;
}
