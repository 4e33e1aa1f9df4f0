/**
 * coco2014: one photo; state = (horizontal moves, vertical moves); each view is a crop box
 * computed exactly as `_get_transform` does (steps grow as step·(k+1), float arithmetic in the
 * same order, boxes rounded half-to-even like PIL's `crop`). Moves are removed once the step
 * reaches its maximum.
 */
import { isAbstainOption, type PBAction, type PBEntry } from '../datasets.js';
import type { CropBox } from '../../types.js';
import { roundHalfEven } from '../python.js';
import { removeFirst, type Machine } from './machine.js';

type S = { nh: number; nv: number };

/** The crops of one photo (COCO2014Environment). */
export function cocoMachine(e: PBEntry): Machine<S> {
  const dir = e.direction as string;
  const g = e.granularity as number;
  const h0 = e.horizontal_step as number;
  const v0 = e.vertical_step as number;
  const crop = e.crop as { top: number; left: number; height: number; width: number };
  const zoom = dir.includes('zoom');
  let maxSteps: number;
  let maxH = 0;
  let maxV = 0;
  const space: PBAction[] = [];
  if (zoom) {
    space.push('ZOOM');
    maxSteps = g + 1;
    maxH = h0 * maxSteps;
    maxV = v0 * maxSteps;
  } else {
    maxSteps = dir.includes('_') ? g * 2 : g;
    if (dir.includes('up')) {
      space.push('UP');
      maxV = v0 * g;
    }
    if (dir.includes('down')) {
      space.push('DOWN');
      maxV = v0 * g;
    }
    if (dir.includes('left')) {
      space.push('LEFT');
      maxH = h0 * g;
    }
    if (dir.includes('right')) {
      space.push('RIGHT');
      maxH = h0 * g;
    }
  }
  // Step sizes after k moves, with the environment's float operations in the same order.
  const stepAfter = (s0: number, k: number) => {
    let s = s0;
    for (let i = 1; i <= k; i++) s = (s / i) * (i + 1);
    return s;
  };
  const FARTHER = 'Move farther from the object.';
  const prune = (list: string[], s: S, correct: boolean) => {
    const o = [...list];
    const h = stepAfter(h0, s.nh);
    const v = stepAfter(v0, s.nv);
    if (dir === 'zoom') {
      if (h === maxH) removeFirst(o, FARTHER, correct ? 'correct options' : 'options');
    } else {
      const drop = (t: string) => {
        const i = o.indexOf(t);
        if (i >= 0) o.splice(i, 1);
      };
      if (h >= maxH) {
        drop('Move the camera to the left.');
        drop('Move the camera to the right.');
      }
      if (v >= maxV) {
        drop('Move the camera up.');
        drop('Move the camera down.');
      }
    }
    return o;
  };
  const correctAll = e.options.filter((o) => !isAbstainOption(o));
  const box = (s: S): CropBox => {
    const h = stepAfter(h0, s.nh);
    const v = stepAfter(v0, s.nv);
    const top = dir.includes('up') || zoom ? crop.top - v : crop.top;
    const left = dir.includes('left') || zoom ? crop.left - h : crop.left;
    let bottom = dir.includes('down') || zoom ? crop.height + v : crop.height;
    let right = dir.includes('right') || zoom ? crop.width + h : crop.width;
    if (dir === 'zoom') {
      bottom += crop.top;
      right += crop.left;
    }
    const l = roundHalfEven(left);
    const t = roundHalfEven(top);
    // PIL clamps an inverted box to zero size.
    return { left: l, top: t, right: Math.max(l, roundHalfEven(right)), bottom: Math.max(t, roundHalfEven(bottom)) };
  };
  return {
    start: { nh: 0, nv: 0 },
    key: (s) => `${s.nh},${s.nv}`,
    view: (s) => ({ path: e.image_template, crop: box(s) }),
    offered: (s) => prune(e.options, s, false),
    correct: (s) => prune(correctAll, s, true),
    answerable: () => true,
    next: (s, a) => ({
      nh: s.nh + (a === 'LEFT' || a === 'RIGHT' || a === 'ZOOM' ? 1 : 0),
      nv: s.nv + (a === 'UP' || a === 'DOWN' || a === 'ZOOM' ? 1 : 0),
    }),
    space,
    maxSteps,
    reference: { path: e.image_template },
    fallbackTargets: (states) => states.flatMap((s, i) => (prune(correctAll, s, true).length === 0 ? [i] : [])),
  };
}