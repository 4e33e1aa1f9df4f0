/** Which environment's state machine replays an entry of each ProactiveBench dataset. */
import type { PBDataset, PBEntry } from '../datasets.js';
import { changeItMachine } from './changeit.js';
import { cocoMachine } from './coco.js';
import type { Machine } from './machine.js';
import { mm20Machine } from './mm20.js';
import { realisticOcclusionMachine } from './realistic-occlusion.js';
import { turnsMachine } from './turns.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each dataset's state type differs
export function machineFor(ds: PBDataset, e: PBEntry): Machine<any> {
  switch (ds) {
    case 'Realistic-Occlusion-Dataset':
      return realisticOcclusionMachine(e);
    case 'OcclusionDataSet-MM20':
      return mm20Machine(e);
    case 'MVP-N':
    case 'ImageNet-C':
    case 'QuickDraw':
      return turnsMachine(ds, e);
    case 'ChangeIt':
      return changeItMachine(e);
    case 'coco2014':
      return cocoMachine(e);
  }
}
