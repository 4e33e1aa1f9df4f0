/**
 * Playing probe items through a Policy with `askfirst eval`'s own loop (eval/play.ts: the episode
 * runner, a resumable results directory per part — a re-run of the same command continues — and
 * a progress bar), on the items' in-memory views.
 */
import { join } from 'node:path';
import type { EpisodeRecord, EvalMode } from '../episode/types.js';
import type { Policy } from '../agents/policy.js';
import { playMode } from '../eval/play.js';
import type { SuiteEpisode } from '../suite/types.js';
import { memoryLoader } from '../suite/loader.js';

/** What every probe run is given (besides its items). */
export interface ProbeRunOptions {
  policy: Policy;
  /** Output directory (omit: in memory only). */
  out?: string;
  /** What identifies the run: a re-run with the same description resumes. */
  run: Record<string, unknown>;
  overwrite?: boolean;
  batchSize?: number;
  showProgress?: boolean;
  signal?: AbortSignal;
}

export interface PlayOptions {
  policy: Policy;
  episodes: readonly SuiteEpisode[];
  /** Results directory of this part (omit: in memory only). */
  dir?: string;
  /** What identifies the run: a re-run with the same description resumes. */
  run: Record<string, unknown>;
  overwrite?: boolean;
  batchSize?: number;
  mode?: EvalMode;
  label: string;
  showProgress?: boolean;
  signal?: AbortSignal;
}

/** Play every item (skipping those done in an earlier run); records in input order, and how many were resumed. */
export function playItems(o: PlayOptions): Promise<{ records: EpisodeRecord[]; resumed: number }> {
  return playMode({ ...o, mode: o.mode ?? 'proactive', loader: memoryLoader, unit: 'items' });
}

/**
 * The policy a run's summary names: the spec the run was given (`run.policy`, as its run.json records it), else the
 * policy's own name. A name can leave out what the spec says (`random:3` is named "random", as `random:4` and the
 * `--seed`-seeded `random` are), so a summary.json named only the name could not tell such runs apart.
 */
export const runPolicyLabel = (o: Pick<ProbeRunOptions, 'policy' | 'run'>) => (typeof o.run.policy === 'string' ? o.run.policy : o.policy.name);

/** One part of a probe run (its bar's label) and how many of its items an earlier run had played. */
export interface ResumedPart {
  /** The part's folder under --out (presence, open, clean, attacked): its key in --json's `resumedParts`. */
  part: string;
  label: string;
  resumed: number;
  of: number;
}

/**
 * The terminal's one line saying what a re-run took from an earlier one, as eval's title does ("(N resumed from an earlier
 * run)"): "resumed from an earlier run: 74 of 74 presence questions, 12 of 12 open questions", the parts with none left
 * out; undefined when nothing was. (A whole run resumed said only "presence questions: 1/74 items" then "74/74 items in
 * 0.0s"; only --json had `resumed`.)
 */
export function resumedLine(parts: readonly ResumedPart[]): string | undefined {
  const some = parts.filter((p) => p.resumed > 0);
  return some.length ? `resumed from an earlier run: ${some.map((p) => `${p.resumed} of ${p.of} ${p.label}`).join(', ')}` : undefined;
}

/**
 * What --json says of a re-run, the terminal line's figures (resumedLine): `resumed`, the items taken from the earlier run
 * over every part, and `resumedParts`, per part (its folder) how many of how many — every part, those with none too.
 * (Until 2026-12-06 hallucination's `resumed` counted the presence questions only, while the line counted the open ones
 * too, and injection's --json had none.)
 */
export function resumedJson(parts: readonly ResumedPart[]): { resumed: number; resumedParts: Record<string, { resumed: number; of: number }> } {
  return { resumed: parts.reduce((a, p) => a + p.resumed, 0), resumedParts: Object.fromEntries(parts.map((p) => [p.part, { resumed: p.resumed, of: p.of }])) };
}

/** Join a results directory under `out` (undefined out → in memory). */
export const partDir = (out: string | undefined, part: string) => (out ? join(out, part) : undefined);
