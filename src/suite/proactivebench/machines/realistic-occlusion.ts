/**
 * Realistic-Occlusion-Dataset: state = (image id, first turn?) — at the first turn no category
 * counts (`action is None` → correct categories are empty), so the first image is also a later
 * view where the answer counts; plus, for the one image the environment swaps
 * (`_fix_corruptions`: "…-banana-s6" shows s5 after a LEFT move, s7 otherwise), the last move.
 * LEFT → id − 1, RIGHT → id + 1, both modulo num_images.
 */
import { ACTION_SPACE, isAbstainOption, type PBAction, type PBEntry } from '../datasets.js';
import { formatTemplate } from '../python.js';
import type { Machine } from './machine.js';

type S = { img: number; first: boolean; left: boolean };

const MARK = 'natural_bluebl_greenr-banana-s6';

export function realisticOcclusionMachine(e: PBEntry): Machine<S> {
  const n = e.num_images;
  const raw = (img: number) => formatTemplate(e.image_template, { image: img });
  const correctAll = e.options.filter((o) => !isAbstainOption(o));
  return {
    start: { img: e.first_image, first: true, left: false },
    key: (s) => `${s.img}|${s.first}|${raw(s.img).includes(MARK) && s.left}`,
    view: (s) => {
      const p = raw(s.img);
      return { path: p.includes(MARK) ? p.replaceAll('s6', s.left ? 's5' : 's7') : p };
    },
    offered: () => e.options,
    correct: () => correctAll,
    answerable: (s) => !s.first,
    next: (s: S, a: PBAction) => ({ img: (((a === 'LEFT' ? s.img - 1 : s.img + 1) % n) + n) % n, first: false, left: a === 'LEFT' }),
    space: ACTION_SPACE['Realistic-Occlusion-Dataset'],
    maxSteps: n,
    reference: { path: raw(e.reference_image) },
    fallbackTargets: () => [],
  };
}
