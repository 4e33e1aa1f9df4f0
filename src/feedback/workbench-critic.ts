/**
 * The human critic for the ILLUME loop: each round's sampled rationales become rationale-selection
 * tasks in a workbench project (images written into its image folder); the loop waits until
 * every task has its N labels, then a rationale counts as accepted when more than half of its
 * annotators ticked it (the same rule the SFT export uses).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodePNG } from '../scenes/codec.js';
import { AskfirstError, InputError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fsx.js';
import { majorityAccepted } from './export.js';
import { rationaleText } from './facts.js';
import type { Critic } from './illume.js';
import type { RationaleItem } from './rationale-scorer.js';
import type { FeedbackStore, Project } from './store.js';
import type { RationaleLabel, RationalePayload } from './tasks.js';

export interface WorkbenchCriticOptions {
  /** How often to look for new labels. */
  pollMs?: number;
  /** Give up (TIMEOUT) after this long per round. */
  timeoutMs?: number;
  /** Called while waiting: labelled tasks so far / tasks of the round. */
  onWait?: (done: number, total: number) => void;
  /** Stops the wait for labels (Ctrl-C): the critic then rejects with the signal's reason. */
  signal?: AbortSignal;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');

export function workbenchCritic(store: FeedbackStore, project: Project, o: WorkbenchCriticOptions = {}): Critic {
  return async (items, picks, round) => {
    o.signal?.throwIfAborted();
    await mkdir(project.imageDir, { recursive: true });
    // A run stopped part-way and started again with the same settings finds this round's items
    // (and their labels) as it made them, and goes on. Items of the same name made otherwise
    // (another --seed, --k, suite …) hold other rationales, or another image under this
    // name, and their labels would be read against this run's: refused before anything is written.
    // only this round's items are read (and polled, and their labels), not the project's: every item and task of a
    // project that holds every earlier round was read at each round's start and at every poll
    const ids = items.map((it) => `illume-r${round}-${safe(it.id)}`);
    const stored = new Map((await store.itemsWithTask(project.id, ids, 'rationale')).map((x) => [x.item.externalId, x.task]));
    const inputs = [];
    const toWrite: { file: string; it: RationaleItem }[] = []; // their PNGs are made again as they are written: a round's thousands are not held
    const png = async (it: RationaleItem) => encodePNG(await it.image());
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      const externalId = ids[i];
      const image = `${externalId}.png`;
      const payload: RationalePayload = { answer: it.answer, rationales: picks[i].map((c) => rationaleText(it.candidates[c].text)) };
      if (stored.has(externalId)) {
        const p = stored.get(externalId)?.payload as RationalePayload | undefined;
        const onDisk = await readFile(join(project.imageDir, image)).catch(() => null);
        const same = p?.answer === payload.answer && JSON.stringify(p.rationales) === JSON.stringify(payload.rationales) && (onDisk === null || Buffer.compare(onDisk, await png(it)) === 0);
        if (!same) {
          throw new InputError(
            `project "${project.name}" already holds ILLUME round ${round}'s item ${externalId} with other rationales or another image (made by a run with other settings: --seed, --k, --demo, --suite); its labels do not fit this run: use another --project (a run stopped part-way goes on when started again with the same settings)`,
          );
        }
        if (onDisk === null) toWrite.push({ file: join(project.imageDir, image), it }); // its image went missing: put it back
      } else toWrite.push({ file: join(project.imageDir, image), it });
      inputs.push({ externalId, image, question: it.question, modelOutput: it.answer, tasks: [{ type: 'rationale' as const, payload }] });
    }
    for (const { file, it } of toWrite) await writeFileAtomic(file, await png(it));
    await store.addItems(project.id, inputs);
    const deadline = Date.now() + (o.timeoutMs ?? 24 * 3600_000);
    for (;;) {
      const { tasks, done } = await store.taskProgress(project.id, ids, 'rationale');
      o.onWait?.(done, tasks);
      if (done === tasks) break;
      if (Date.now() > deadline) throw new AskfirstError('TIMEOUT', `ILLUME round ${round}: only ${done} of ${tasks} rationale tasks were labelled in time`);
      await sleep(o.pollMs ?? 2000, undefined, { signal: o.signal });
    }
    const labelled = await store.labelled(project.id, 'rationale', ids);
    const byExternal = new Map<string, { id: number; label: RationaleLabel }[]>();
    for (const l of labelled) {
      byExternal.set(l.item.externalId, [...(byExternal.get(l.item.externalId) ?? []), { id: l.annotation.id, label: l.annotation.label as RationaleLabel }]);
    }
    return items.map((it, i) => {
      const labels = byExternal.get(ids[i]) ?? [];
      const acc = majorityAccepted({ answer: it.answer, rationales: picks[i].map((c) => rationaleText(it.candidates[c].text)) }, labels);
      return [...acc.keys()].map((j) => picks[i][j]);
    });
  };
}
