/**
 * Example episodes for the report: replay an episode's per-turn records (views, replies,
 * parsed actions) against the episode to recover the options shown at each turn, and attach
 * each view as a PNG data URL so `report.html` opens offline.
 */
import type { EpisodeRecord } from '../episode/types.js';
import { optionTexts, shownOptions } from '../episode/prompt.js';
import { pngDataUrl } from '../scenes/png.js';
import type { SuiteEpisode, ViewLoader } from '../suite/types.js';
import { InputError } from '../util/errors.js';
import type { ExampleRun, ReportExample } from './results.js';
import { compareText } from '../util/text-order.js';

async function exampleRun(
  ep: SuiteEpisode,
  rec: EpisodeRecord,
  loader: ViewLoader,
): Promise<ExampleRun> {
  if (rec.id !== ep.id)
    throw new InputError(`example record ${rec.id} does not belong to episode ${ep.id}`);
  if (rec.mode === 'reference')
    throw new InputError(
      `example episode ${ep.id}: give a proactive-mode record, not a reference-mode one`,
    );
  const turns = await Promise.all(
    rec.replies.map(async (reply, t) => {
      const view = rec.views[t];
      const shown = shownOptions(ep, view, rec.mode);
      return {
        view,
        image: pngDataUrl(await loader(ep.views[view], ep.id)),
        ...(ep.informative ? { informative: ep.informative[view] } : {}),
        options: optionTexts(shown),
        numInterventions: shown.interventions.length,
        reply,
        action: rec.actions[t],
      };
    }),
  );
  return { turns, outcome: rec.outcome, success: rec.success, interventions: rec.interventions };
}

/** One example: the same episode played before and after RL. */
export async function buildExample(
  ep: SuiteEpisode,
  before: EpisodeRecord,
  after: EpisodeRecord,
  loader: ViewLoader,
): Promise<ReportExample> {
  return {
    id: ep.id,
    kind: ep.kind,
    control: ep.control,
    question: ep.question,
    categories: [...ep.categories],
    answer: ep.answer,
    minInterventions: ep.minInterventions,
    before: await exampleRun(ep, before, loader),
    after: await exampleRun(ep, after, loader),
  };
}

/**
 * Pick up to `perKind` episodes of each kind whose outcome changed most instructively: first
 * those that failed before and succeeded after, then any others, controls last. Returns ids.
 */
export function pickExampleIds(
  before: readonly EpisodeRecord[],
  after: readonly EpisodeRecord[],
  perKind = 1,
  maxTotal = 8,
): string[] {
  const b = new Map(before.map((r) => [r.id, r]));
  const score = (a: EpisodeRecord) => {
    const r = b.get(a.id);
    if (!r) return -1;
    if (!r.success && a.success && a.interventions > 0) return 3;
    if (!r.success && a.success) return 2;
    if (a.control && a.success) return 1;
    return 0;
  };
  const byKind = new Map<string, EpisodeRecord[]>();
  for (const a of after) if (b.has(a.id)) byKind.set(a.kind, [...(byKind.get(a.kind) ?? []), a]);
  const ids: string[] = [];
  for (const [, recs] of [...byKind].sort(([x], [y]) => compareText(x, y))) {
    const ranked = [...recs].sort((x, y) => score(y) - score(x));
    ids.push(...ranked.slice(0, perKind).map((r) => r.id));
  }
  return ids.slice(0, maxTotal);
}
