/**
 * Play: a person acts as the user of a model in one ProactiveBench episode (docs/architecture.md §2). The
 * model (any `Policy`) replies at each turn; when it asks for a valid intervention the episode
 * pauses until the person performs it (a button in the workbench), then continues on the view
 * that intervention leads to. A category answer, an abstention, an invalid intervention or an
 * unparseable reply ends the episode, as in the benchmark.
 *
 * The server keeps no play state: `playUntilPause(ep, policy, performed)` replays the episode from
 * the start with the (deterministic, greedy) policy, performing the first `performed` requested
 * interventions, and stops at the next request or at the end.
 *
 * A play label is the annotator's rating of the finished exchange; its transcript and outcome
 * are what the server played, never the browser's word: `checkPlayLabel` replays the episode
 * with as many performed interventions as the sent transcript marks and refuses (400) a label
 * whose transcript or outcome differs from that replay, or whose episode is not over.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Policy } from '../agents/policy.js';
import type { Episode } from '../episode/types.js';
import { parseReply } from '../episode/parse.js';
import { EpisodeState } from '../episode/state.js';
import { readImageFile } from '../scenes/codec.js';
import { InputError } from '../util/errors.js';
import { resolveImage } from './paths.js';
import type { PlayLabel, PlayState, PlayTurn } from './api-types.js';
import { validateLabel } from './tasks.js';

// PlayTurn and PlayState are what POST /api/assignments/:aid/play answers: they live in api-types.ts.
export type { PlayState, PlayTurn };

export async function playUntilPause(ep: Episode<string>, policy: Policy, imageDir: string, performed: number): Promise<PlayState> {
  const s = new EpisodeState(ep, 'proactive');
  const turns: PlayTurn[] = [];
  let done = 0;
  while (!s.done) {
    const o = s.observe();
    const image = await readImageFile(await resolveImage(imageDir, o.viewRef));
    const { viewRef, ...rest } = o;
    void viewRef; // the policy gets the decoded image instead of the path
    const [{ reply }] = await policy.act([{ ...rest, image }]);
    const action = parseReply(reply, s.shown());
    if (action.type === 'intervention' && action.valid && s.turns.length + 1 < s.maxTurns()) {
      const text = ep.interventions[action.intervention];
      if (done >= performed) {
        turns.push({ view: o.view, reply });
        return { turns, view: o.view, awaiting: text, done: false, outcome: null, success: null, options: o.options };
      }
      done++;
      turns.push({ view: o.view, reply, performed: text });
    } else {
      turns.push({ view: o.view, reply });
    }
    s.step(reply);
  }
  const r = s.record();
  return { turns, view: s.currentView, awaiting: null, done: true, outcome: r.outcome, success: r.success, options: [] };
}

/**
 * The play label to store for `label` (what a client sent): its shape is checked, then the
 * episode is replayed on the server with the number of interventions the sent transcript says
 * were performed; the replay must be over and its transcript and outcome must be the ones sent
 * (else InputError, a 400, saying what differs). Returns the label with the server's transcript
 * and outcome (the stored format is unchanged) and the annotator's rating and comment.
 */
export async function checkPlayLabel(ep: Episode<string>, policy: Policy, imageDir: string, label: unknown): Promise<PlayLabel> {
  const l = validateLabel('play', { episode: ep }, label) as PlayLabel;
  const performed = l.transcript.filter((t) => t.performed !== undefined).length;
  const s = await playUntilPause(ep, policy, imageDir, performed);
  const how = `the episode as the server plays it with ${performed} performed intervention${performed === 1 ? '' : 's'}`;
  if (!s.done) {
    throw new InputError(`invalid play label: ${how} is not over (the model waits for "${s.awaiting}" after turn ${s.turns.length}); play the episode to its end (POST /api/assignments/<id>/play), then rate it`);
  }
  const k = s.turns.findIndex((t, i) => !isDeepStrictEqual(t, l.transcript[i]));
  if (k >= 0 || l.transcript.length !== s.turns.length) {
    const where = k >= 0 ? `turn ${k + 1} differs` : `it has ${l.transcript.length} turns, not ${s.turns.length}`;
    throw new InputError(`invalid play label: the transcript is not ${how} (${where}); send the turns POST /api/assignments/<id>/play answered`);
  }
  if (l.outcome !== s.outcome) throw new InputError(`invalid play label: outcome "${l.outcome}" is not the outcome of ${how} ("${s.outcome}")`);
  return { transcript: s.turns, outcome: s.outcome!, rating: l.rating, ...(l.comment !== undefined ? { comment: l.comment } : {}) };
}
