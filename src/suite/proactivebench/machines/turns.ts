/**
 * MVP-N, ImageNet-C, QuickDraw: state = turn number t (their correct options depend on it: the
 * last turn accepts only a category). MVP-N shows valid_images[t] (first_image at t = 0) from the
 * "informative=1" folder at the last turn; ImageNet-C shows level first_image − t; QuickDraw
 * image first_image + t.
 */
import { ACTION_SPACE, isAbstainOption, type PBEntry } from '../datasets.js';
import type { ViewRef } from '../../types.js';
import { zfill } from '../python.js';
import { EntryError, path, type Machine } from './machine.js';

type S = { t: number };

export function turnsMachine(ds: 'MVP-N' | 'ImageNet-C' | 'QuickDraw', e: PBEntry): Machine<S> {
  const n = e.num_images;
  const correctAll = e.options.filter((o) => !isAbstainOption(o));
  const valid = ds === 'ImageNet-C' ? [e.quality_answer as string] : correctAll;
  if (ds === 'ImageNet-C' && !e.options.includes(e.quality_answer as string)) {
    throw new EntryError(`quality_answer ${JSON.stringify(e.quality_answer)} is not one of the options`);
  }
  const image = (t: number): number => {
    if (ds === 'ImageNet-C') return e.first_image - t;
    if (ds === 'QuickDraw') return e.first_image + t;
    if (t === 0) return e.first_image;
    const v = (e.valid_images as number[])[t];
    if (v === undefined) throw new EntryError(`valid_images has ${(e.valid_images as number[]).length} ids but turn ${t + 1} needs valid_images[${t}]`);
    return v;
  };
  const ref = (img: number, informative: number): ViewRef =>
    ds === 'ImageNet-C'
      ? path(e.image_template, { level: img })
      : ds === 'QuickDraw'
        ? path(e.image_template, { image: zfill(img, 4) })
        : path(e.image_template, { informative, image: zfill(img, 4) });
  if (ds === 'ImageNet-C') {
    for (let t = 0; t < n; t++) {
      const lv = image(t);
      if (lv < 1 || lv > 5) throw new EntryError(`turn ${t + 1} would show corruption level ${lv}; ImageNet-C levels are 1..5 (first_image ${e.first_image}, num_images ${n})`);
    }
  }
  return {
    start: { t: 0 },
    key: (s) => String(s.t),
    view: (s) => ref(image(s.t), s.t + 1 === n ? 1 : 0),
    offered: () => e.options,
    correct: (s) => (s.t + 1 < n ? valid : []),
    answerable: () => true,
    next: (s) => ({ t: s.t + 1 }),
    space: ACTION_SPACE[ds],
    maxSteps: n,
    reference: ref(e.reference_image, 1),
    fallbackTargets: (states) => states.flatMap((s, i) => (s.t === n - 1 ? [i] : [])),
  };
}
