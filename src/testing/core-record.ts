/** Compact episode records (EpisodeRecordCore) made by hand, for tests of the figures read from them. */
import type { EpisodeRecordCore, ParsedAction } from '../episode/types.js';

/** A first move that asks for a valid intervention. */
export const ASK: ParsedAction = { type: 'intervention', option: 0, intervention: 0, valid: true };
/** A first move that names the right category. */
export const ANSWER: ParsedAction = { type: 'category', option: 1, category: 0, correct: true };

/**
 * Episode `id` of `kind`, right or not, in `mode` (proactive by default): `ps` interventions (0), its first move (ASK
 * when it asked, else ANSWER), a control or not.
 */
export function coreRecord(id: string, kind: string, success: boolean, o: { ps?: number; control?: boolean; first?: ParsedAction; mode?: EpisodeRecordCore['mode'] } = {}): EpisodeRecordCore {
  const ps = o.ps ?? 0;
  return {
    id,
    kind,
    mode: o.mode ?? 'proactive',
    control: o.control ?? false,
    success,
    outcome: success ? 'correct' : 'wrong-category',
    turns: ps + 1,
    interventions: ps,
    ps,
    minInterventions: 1,
    guessed: false,
    actions: [o.first ?? (ps ? ASK : ANSWER)],
  };
}
