/**
 * ChangeIt: state = frame id; rewind/wait move by step_size; at the ends the impossible move is
 * removed from the options (with the environment's quirk: if no option says "Wait for the",
 * the last option is removed).
 */
import { ACTION_SPACE, isAbstainOption, type PBAction, type PBEntry } from '../datasets.js';
import { EntryError, path, removeFirst, type Machine } from './machine.js';

type S = { img: number };

export function changeItMachine(e: PBEntry): Machine<S> {
  const n = e.num_images;
  const step = e.step_size as number;
  const correctAll = e.options.filter((o) => !isAbstainOption(o));
  const atStart = (s: S) => s.img - step < 0;
  const atEnd = (s: S) => s.img + step >= n;
  return {
    start: { img: e.first_image },
    key: (s) => String(s.img),
    view: (s) => path(e.image_template, { image: s.img }),
    offered: (s) => {
      const o = [...e.options];
      if (atStart(s)) removeFirst(o, 'Rewind the video.', 'options');
      else if (atEnd(s)) removeWait(o);
      return o;
    },
    correct: (s) => {
      const o = [...correctAll];
      if (atStart(s)) removeFirst(o, 'Rewind the video.', 'correct options');
      else if (atEnd(s)) removeWait(o);
      return o;
    },
    answerable: () => true,
    next: (s: S, a: PBAction) => ({ img: a === 'REWIND' ? s.img - step : s.img + step }),
    space: ACTION_SPACE.ChangeIt,
    maxSteps: e.max_steps as number,
    reference: path(e.image_template, { image: e.reference_image }),
    fallbackTargets: (states) => {
      const d = states.map((s) => Math.abs(s.img - e.reference_image));
      const best = Math.min(...d);
      return d.flatMap((x, i) => (x === best ? [i] : []));
    },
  };
}

/** ChangeIt's removal of the "Wait for the…" option (or, quirk kept, the last one when none says so). */
function removeWait(list: string[]): void {
  if (list.length === 0) throw new EntryError('no option left to remove at the end of the video');
  let i = list.findIndex((o) => o.includes('Wait for the'));
  if (i < 0) i = list.length - 1;
  removeFirst(list, list[i], 'options');
}

