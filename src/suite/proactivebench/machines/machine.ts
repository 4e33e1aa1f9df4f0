/**
 * One ProactiveBench environment's state machine (`build.ts` replays it breadth-first into an
 * episode's views), and the helpers the machines share.
 */
import type { PBAction } from '../datasets.js';
import type { ViewRef } from '../../types.js';
import { formatTemplate } from '../python.js';

/** One environment's state machine over states of type S. */
export interface Machine<S> {
  start: S;
  key(s: S): string;
  view(s: S): ViewRef;
  /** `_get_valid_options()` texts, in order. */
  offered(s: S): string[];
  /** The correct options of `_get_correct_options_and_categories()`. */
  correct(s: S): string[];
  /** Whether the correct category counts here. */
  answerable(s: S): boolean;
  next(s: S, action: PBAction): S;
  space: readonly PBAction[];
  maxSteps: number;
  reference: ViewRef;
  /** Fallback targets for minInterventions when the reference image is not a reachable state. */
  fallbackTargets(states: S[], depth: number[]): number[];
}

/** An entry the environment could not replay: `buildNativeEpisode` names the entry and its line. */
export class EntryError extends Error {}

/** Removes the first option with this text, as the environment's `list.remove` does (it must be there). */
export function removeFirst(list: string[], text: string, what: string): void {
  const i = list.indexOf(text);
  if (i < 0) throw new EntryError(`${what} ${JSON.stringify(list)} lack ${JSON.stringify(text)}, which the environment removes here`);
  list.splice(i, 1);
}

/** The view of an image template filled with these fields. */
export function path(template: string, fields: Record<string, string | number>): ViewRef {
  return { path: formatTemplate(template, fields) };
}
