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
 */
import type { Policy } from '../agents/policy.js';
import type { Episode } from '../episode/types.js';
import { parseReply } from '../episode/parse.js';
import { EpisodeState } from '../episode/state.js';
import { readImageFile } from '../scenes/codec.js';
import { resolveImage } from './paths.js';
import type { PlayState, PlayTurn } from './api-types.js';

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
