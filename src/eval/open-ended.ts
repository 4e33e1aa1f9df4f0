/**
 * Open-ended evaluation, as ProactiveBench's open-ended generation (OEG) protocol does it
 * (De Min et al., arXiv 2603.19466; reference: open_ended_gen.py, tests/oeg.py): one turn on the
 * first view, the question alone (no options; optionally a sentence inviting the model to say
 * what would help), a free-text reply, and a judge that decides for each valid answer whether
 * the reply expresses it. The valid answers are the proactive suggestions first, then the
 * correct category (when the first view counts a category answer at all). Per episode:
 *   proactive suggestion = some suggestion expressed; correct category = the category
 *   expressed; aggregate = either. Rates are their means. An unparseable verdict counts as 0
 *   (as in the reference) and is reported separately.
 * Results are resumable like MCQA runs: one JSONL record per episode, appended as it ends.
 */
import { join } from 'node:path';
import type { Observation, Policy } from '../agents/policy.js';
import type { SuiteEpisode, ViewLoader } from '../suite/types.js';
import { episodeStream, type Episodes } from '../suite/episode-stream.js';
import { writeJson } from '../util/fsx.js';
import { progress } from '../util/progress.js';
import type { Judge } from './judge.js';
import { RunAborted } from '../agents/runner.js';
import { openResults } from './store.js';
import { formatTable } from './table.js';
import { percent as pct } from '../util/percent.js';
import { serverFailed } from './play.js';
import { UpstreamError } from '../util/errors.js';

/** The sentence added to the question with hints on (ProactiveBench's OEG hint, same meaning). */
export const OPEN_HINT = 'If you cannot answer this question, please tell me what I should do to help you.';

/** Dataset-level proactive suggestions, for episodes read from ProactiveBench's own files (by `meta.dataset`). */
const DATASET_SUGGESTIONS: Record<string, { fixed: string[]; validFirst?: boolean; categories: boolean }> = {
  'Realistic-Occlusion-Dataset': { fixed: ['Move the blocks', 'Move the camera'], categories: false },
  'OcclusionDataSet-MM20': { fixed: ['Wait for the occlusion to disappear', 'Rewind the video', 'Move the camera'], categories: true },
  'MVP-N': { fixed: ['Rotate the object', 'Move the camera'], categories: false },
  'ImageNet-C': { fixed: [], validFirst: true, categories: true },
  QuickDraw: { fixed: ['Add more details to the drawing'], categories: true },
  ChangeIt: { fixed: ['Rewind the video'], validFirst: true, categories: true },
  coco2014: { fixed: ['Move the camera', 'Move farther from the object'], categories: true },
};

const clean = (s: string) => s.replace(/\./g, '').trim();

export interface OpenEndedAnswers {
  /** Proactive suggestions that count (the first `suggestions.length` verdicts). */
  suggestions: string[];
  /** Correct categories that count (the remaining verdicts). */
  categories: string[];
}

/**
 * The valid answers of an episode at its first view. ProactiveBench datasets use their fixed
 * suggestion lists; synthetic episodes use the interventions valid at the first view. The
 * category counts unless the first view refuses category answers (`answerable: false`).
 */
export function openEndedAnswers(ep: SuiteEpisode): OpenEndedAnswers {
  const step = ep.steps[ep.firstView];
  const validFirst = (step?.offered ?? []).filter((i) => step.next[i] !== undefined && !ep.abstain.includes(i)).map((i) => clean(ep.interventions[i]));
  const ds = typeof ep.meta?.dataset === 'string' ? DATASET_SUGGESTIONS[ep.meta.dataset] : undefined;
  const suggestions = ds ? [...(ds.validFirst ? validFirst : []), ...ds.fixed] : validFirst;
  const catOk = (ds ? ds.categories : true) && step?.answerable !== false;
  const categories = catOk ? [clean(ep.categories[ep.answer])] : [];
  return { suggestions: [...new Set(suggestions)], categories };
}

export interface OpenRecord {
  id: string;
  kind: string;
  mode: 'open';
  question: string;
  reply: string;
  answers: OpenEndedAnswers;
  verdicts: number[] | null;
  judgeRaw: string;
  proactiveSuggestion: boolean;
  correctCategory: boolean;
  aggregate: boolean;
}

export interface OpenMetrics {
  episodes: number;
  /** Share of episodes whose reply expressed a valid proactive suggestion. */
  psRate: number;
  /** Share whose reply expressed the correct category. */
  categoryRate: number;
  /** Share with either. */
  aggregateRate: number;
  /** Share whose judge output could not be parsed (scored 0). */
  unparsedRate: number;
}

export interface OpenSummary extends OpenMetrics {
  byKind: Record<string, OpenMetrics>;
}

/** Turn verdicts into the three per-episode flags (first `suggestions.length` are suggestions). */
export function scoreVerdicts(answers: OpenEndedAnswers, verdicts: number[] | null): Pick<OpenRecord, 'proactiveSuggestion' | 'correctCategory' | 'aggregate'> {
  const k = answers.suggestions.length;
  const ps = !!verdicts && verdicts.slice(0, k).includes(1);
  const cp = !!verdicts && verdicts.slice(k).includes(1);
  return { proactiveSuggestion: ps, correctCategory: cp, aggregate: ps || cp };
}

/** What the summary reads of a record (summarizeOpen): not its question, reply and judge's text. */
export type OpenRecordCore = Pick<OpenRecord, 'id' | 'kind' | 'verdicts' | 'proactiveSuggestion' | 'correctCategory' | 'aggregate'>;

/** `r` as far as the summary reads it: what `askfirst eval` keeps of each open-mode record. */
export function compactOpenRecord(r: OpenRecord): OpenRecordCore {
  return { id: r.id, kind: r.kind, verdicts: r.verdicts, proactiveSuggestion: r.proactiveSuggestion, correctCategory: r.correctCategory, aggregate: r.aggregate };
}

function metrics(rs: readonly OpenRecordCore[]): OpenMetrics {
  const share = (f: (r: OpenRecordCore) => boolean) => (rs.length ? rs.filter(f).length / rs.length : 0);
  return {
    episodes: rs.length,
    psRate: share((r) => r.proactiveSuggestion),
    categoryRate: share((r) => r.correctCategory),
    aggregateRate: share((r) => r.aggregate),
    unparsedRate: share((r) => r.verdicts === null),
  };
}

export function summarizeOpen(rs: readonly OpenRecordCore[]): OpenSummary {
  const byKind: Record<string, OpenMetrics> = {};
  for (const k of [...new Set(rs.map((r) => r.kind))].sort()) byKind[k] = metrics(rs.filter((r) => r.kind === k));
  return { ...metrics(rs), byKind };
}

/** The observation of an episode's first view in open-ended mode: question only, no options. */
export async function openObservation(ep: SuiteEpisode, loader: ViewLoader, hint: boolean): Promise<Observation> {
  const question = hint ? `${ep.question} ${OPEN_HINT}` : ep.question;
  return {
    episodeId: ep.id,
    kind: ep.kind,
    turn: 0,
    view: ep.firstView,
    question,
    options: [],
    numInterventions: 0,
    prompt: question,
    history: [],
    image: await loader(ep.views[ep.firstView], ep.id),
  };
}

export interface OpenEvalOptions {
  /** A list, or a stream read once (suite/episode-stream.ts): none held but a batch's. */
  episodes: Episodes;
  loader: ViewLoader;
  policy: Policy;
  judge: Judge;
  hint?: boolean;
  sample?: boolean;
  /** Output directory (results in `DIR/open/`); omit to keep everything in memory. */
  out?: string;
  run?: Record<string, unknown>;
  overwrite?: boolean;
  /** Earlier forms of run.dataFingerprint for the same data: an earlier run.json holding one resumes (store.ts openResults). */
  earlierDataFingerprints?: readonly string[];
  batchSize?: number;
  showProgress?: boolean;
  signal?: AbortSignal;
}

/** `R`: what is kept of each record (evaluateOpenEnded's `keep`; the whole record unless said). */
export interface OpenEvalResult<R extends OpenRecordCore = OpenRecord> {
  summary: OpenSummary;
  /** In input order, as `keep` makes them. */
  records: R[];
  resumed: number;
  wallSeconds: number;
}

/**
 * Play and judge every episode (skipping those an earlier run in `out` finished), a batch at a time as the episodes
 * stream in. `keep`: what to keep of each record, handed every record in input order once all are judged (`askfirst
 * eval`: compactOpenRecord, what the summary reads; with `out`, read back from results.jsonl, not held meanwhile).
 */
export function evaluateOpenEnded(o: OpenEvalOptions): Promise<OpenEvalResult>;
export function evaluateOpenEnded<R extends OpenRecordCore>(o: OpenEvalOptions, keep: (r: OpenRecord) => R): Promise<OpenEvalResult<R>>;
export async function evaluateOpenEnded<R extends OpenRecordCore>(o: OpenEvalOptions, keep: (r: OpenRecord) => R = (r) => r as unknown as R): Promise<OpenEvalResult<R>> {
  const t0 = performance.now();
  const episodes = episodeStream(o.episodes);
  const order = new Map<string, number>(); // each episode's place, as they stream in
  const run = { ...(o.run ?? {}), mode: 'open', hint: !!o.hint, judge: o.judge.name };
  const store = o.out ? await openResults(join(o.out, 'open'), run, { overwrite: o.overwrite, earlierDataFingerprints: o.earlierDataFingerprints }) : null;
  let known = 0; // resumed: the episodes with a record of an earlier run
  let judged = 0; // records appended by this run
  const fresh: OpenRecord[] = []; // without a results directory: the records, held
  const records: R[] = [];
  const bar = progress('eval open', episodes.count, { enabled: o.showProgress ?? false, unit: 'episodes' });
  const bs = Math.max(1, o.batchSize ?? 64);
  const play = async (chunk: readonly SuiteEpisode[]) => {
    if (o.signal?.aborted) throw new RunAborted();
    const obs = await Promise.all(chunk.map((ep) => openObservation(ep, o.loader, !!o.hint)));
    const replies = await o.policy.act(obs, { sample: o.sample, signal: o.signal });
    // the first judgement to fail for good halts the others (no new attempt or retry; one on the wire ends, and its
    // episode is kept) and is what the run throws once all have settled
    const halt = new AbortController();
    let failed: { error: unknown } | undefined;
    await Promise.all(
      chunk.map(async (ep, j) => {
        const answers = openEndedAnswers(ep);
        const all = [...answers.suggestions, ...answers.categories];
        const reply = replies[j].reply;
        const v = all.length ? await o.judge.judge({ question: obs[j].question, answers: all, reply }, o.signal, halt.signal) : { verdicts: [], raw: '' };
        const rec: OpenRecord = {
          id: ep.id,
          kind: ep.kind,
          mode: 'open',
          question: obs[j].question,
          reply,
          answers,
          verdicts: v.verdicts,
          judgeRaw: v.raw,
          ...scoreVerdicts(answers, v.verdicts),
        };
        if (store) store.append(rec as never);
        else fresh.push(rec);
        judged++;
        bar.tick(1);
      }).map((p) =>
        p.catch((error: unknown) => {
          if (failed) return;
          failed = { error };
          halt.abort();
        }),
      ),
    );
    if (failed) throw failed.error;
  };
  try {
    let chunk: SuiteEpisode[] = [];
    for await (const ep of episodes.episodes()) {
      order.set(ep.id, order.size);
      if (store?.doneIds.has(ep.id)) {
        known++;
        bar.tick(1);
        continue;
      }
      chunk.push(ep);
      if (chunk.length >= bs) {
        await play(chunk);
        chunk = [];
      }
    }
    if (chunk.length) await play(chunk);
    // in input order, as the judge's verdicts come in any order (eval/store.ts); the earlier run's records read back
    if (store) await store.finish(order, (r) => records.push(keep(r as unknown as OpenRecord)));
    else for (const r of fresh.sort((a, b) => order.get(a.id)! - order.get(b.id)!)) records.push(keep(r));
  } catch (e) {
    // as playMode: ended by an error, the bar says where it failed; a server gone (the model's or the judge's) keeps the
    // episodes judged so far, and says so and how to resume (it said only the judge's "gave up after …")
    if (o.signal?.aborted) bar.interrupt(); // stopped by a signal (Ctrl-C): it says so, not "N/M episodes in Xs" as if done
    else bar.fail();
    if (store && e instanceof UpstreamError) throw serverFailed(e, join(store.dir, 'results.jsonl'), store.doneIds.size + judged);
    throw e;
  } finally {
    bar.stop();
    store?.close();
  }
  const summary = summarizeOpen(records);
  const wallSeconds = (performance.now() - t0) / 1000;
  if (o.out) await writeJson(join(o.out, 'open', 'summary.json'), { policy: o.policy.name, ...run, summary, wallSeconds });
  return { summary, records, resumed: known, wallSeconds };
}

/** One row per kind plus "all": proactive-suggestion, correct-category and aggregate rates. */
export function openSummaryTable(s: OpenSummary, title?: string): string {
  const row = (name: string, m: OpenMetrics) => [name, String(m.episodes), pct(m.psRate), pct(m.categoryRate), pct(m.aggregateRate), pct(m.unparsedRate)];
  const rows = Object.entries(s.byKind).map(([k, m]) => row(k, m));
  rows.push(row('all', s));
  return (title ? `${title}\n` : '') + formatTable(['kind', 'episodes', 'suggests', 'category', 'aggregate', 'judge unparsed'], rows);
}
