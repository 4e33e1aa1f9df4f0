/** OcclusionDataSet-MM20: state = image id; REWIND → id − 1, "Wait for the…" → id + 1 (mod num_images). */
import { ACTION_SPACE, isAbstainOption, type PBAction, type PBEntry } from '../datasets.js';
import { zfill } from '../python.js';
import { path, type Machine } from './machine.js';

type S = { img: number };

export function mm20Machine(e: PBEntry): Machine<S> {
  const n = e.num_images;
  const correctAll = e.options.filter((o) => !isAbstainOption(o));
  return {
    start: { img: e.first_image },
    key: (s) => String(s.img),
    view: (s) => path(e.image_template, { image: zfill(s.img, 4) }),
    offered: () => e.options,
    correct: () => correctAll,
    answerable: () => true,
    next: (s: S, a: PBAction) => ({ img: (((a === 'REWIND' ? s.img - 1 : s.img + 1) % n) + n) % n }),
    space: ACTION_SPACE['OcclusionDataSet-MM20'],
    maxSteps: n,
    reference: path(e.image_template, { image: zfill(e.reference_image, 4) }),
    fallbackTargets: () => [],
  };
}
