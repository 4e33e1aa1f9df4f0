/**
 * The human critic for the ILLUME loop: each round's sampled rationales become rationale-selection
 * tasks in a workbench project (images written into its image folder); the loop waits until
 * every task has its N labels, then a rationale counts as accepted when more than half of its
 * annotators ticked it (the same rule the SFT export uses).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodePNG } from '../scenes/codec.js';
import { AskfirstError } from '../util/errors.js';
import { majorityAccepted } from './export.js';
import { rationaleText } from './facts.js';
import type { Critic } from './illume.js';
import type { FeedbackStore, Project } from './store.js';
import type { RationaleLabel, RationalePayload } from './tasks.js';

export interface WorkbenchCriticOptions {
  /** How often to look for new labels. */
  pollMs?: number;
  /** Give up (TIMEOUT) after this long per round. */
  timeoutMs?: number;
  /** Called while waiting: labelled tasks so far / tasks of the round. */
  onWait?: (done: number, total: number) => void;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');

export function workbenchCritic(store: FeedbackStore, project: Project, o: WorkbenchCriticOptions = {}): Critic {
  return async (items, picks, round) => {
    await mkdir(project.imageDir, { recursive: true });
    const ids: string[] = [];
    const inputs = [];
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      const externalId = `illume-r${round}-${safe(it.id)}`;
      const image = `${externalId}.png`;
      await writeFile(join(project.imageDir, image), encodePNG(it.image));
      const payload: RationalePayload = { answer: it.answer, rationales: picks[i].map((c) => rationaleText(it.candidates[c].text)) };
      inputs.push({ externalId, image, question: it.question, modelOutput: it.answer, tasks: [{ type: 'rationale' as const, payload }] });
      ids.push(externalId);
    }
    await store.addItems(project.id, inputs);
    const wanted = new Set(ids);
    const deadline = Date.now() + (o.timeoutMs ?? 24 * 3600_000);
    for (;;) {
      const tasks = await store.tasks(project.id, 'rationale');
      const items2 = await store.items(project.id);
      const byItem = new Map(items2.map((x) => [x.id, x.externalId]));
      const mine = tasks.filter((t) => wanted.has(byItem.get(t.itemId) ?? ''));
      const done = mine.filter((t) => t.done >= t.needed).length;
      o.onWait?.(done, mine.length);
      if (done === mine.length) break;
      if (Date.now() > deadline) throw new AskfirstError('TIMEOUT', `ILLUME round ${round}: only ${done} of ${mine.length} rationale tasks were labelled in time`);
      await new Promise((r) => setTimeout(r, o.pollMs ?? 2000));
    }
    const labelled = await store.labelled(project.id, 'rationale');
    const byExternal = new Map<string, { id: number; label: RationaleLabel }[]>();
    for (const l of labelled) {
      if (!wanted.has(l.item.externalId)) continue;
      byExternal.set(l.item.externalId, [...(byExternal.get(l.item.externalId) ?? []), { id: l.annotation.id, label: l.annotation.label as RationaleLabel }]);
    }
    return items.map((it, i) => {
      const labels = byExternal.get(ids[i]) ?? [];
      const acc = majorityAccepted({ answer: it.answer, rationales: picks[i].map((c) => rationaleText(it.candidates[c].text)) }, labels);
      return [...acc.keys()].map((j) => picks[i][j]);
    });
  };
}
