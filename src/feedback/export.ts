/**
 * Exports of collected feedback as JSONL in the shapes Hugging Face TRL's trainers read
 * (https://huggingface.co/docs/trl/dataset_formats, conversational vision format):
 * - SFT (SFTTrainer): `{"messages": [user (image + question), assistant (answer + rationale)], "images": [...]}`,
 *   one row per (item, rationale) that a majority of its annotators accepted, plus every rationale an
 *   annotator wrote themselves;
 * - DPO (DPOTrainer): `{"prompt": [user], "chosen": [assistant], "rejected": [assistant], "images": [...]}`,
 *   one row per preference label (chosen = the reply with fewer hallucinations; of a trajectory pair, the preferred play).
 *   A trajectory pair's row carries every view either play saw: its prompt shows each as "View k:" and an image
 *   placeholder, in the order of `images` (TRL fills the prompt's placeholders from `images` in order and processes
 *   images with the prompt only, so they cannot sit in the completions: `images` holds exactly as many as the prompt's
 *   placeholders, as TRL v1.9.0's DataCollatorForVisionPreference requires, refusing any in `chosen` or `rejected`),
 *   and each turn of `chosen` and `rejected` names the view it was given on: "1. (view 1) … 2. (view 3) …".
 * Images are absolute file paths, or `data:image/png;base64,…` with `images: 'base64'`.
 * Every row carries `id` and `annotation_ids` so it can be traced back to the database.
 */
import { readFile } from 'node:fs/promises';
import type { PairTurn } from './api-types.js';
import { pairOfItem, pairToItem } from './pairs.js';
import { resolveImage } from './paths.js';
import type { FeedbackStore } from './store.js';
import type { PreferenceLabel, PreferencePayload, RationaleLabel, RationalePayload } from './tasks.js';

type Content = { type: 'image' } | { type: 'text'; text: string };
export interface Message {
  role: 'user' | 'assistant';
  content: Content[];
}

export interface SftRow {
  id: string;
  messages: Message[];
  images: string[];
  annotation_ids: number[];
}

export interface DpoRow {
  id: string;
  prompt: Message[];
  chosen: Message[];
  rejected: Message[];
  images: string[];
  annotation_ids: number[];
}

export interface ExportOptions {
  /** 'path': absolute image paths; 'base64': inline data URIs. */
  images?: 'path' | 'base64';
}

const user = (question: string): Message => ({ role: 'user', content: [{ type: 'image' }, { type: 'text', text: question }] });
const assistant = (text: string): Message => ({ role: 'assistant', content: [{ type: 'text', text }] });

async function imageRef(imageDir: string, rel: string, mode: 'path' | 'base64'): Promise<string> {
  const abs = await resolveImage(imageDir, rel);
  if (mode === 'path') return abs;
  return `data:image/png;base64,${(await readFile(abs)).toString('base64')}`;
}

/** SFT rows: majority-accepted rationales and annotator-written ones, item by item. */
export async function exportSft(store: FeedbackStore, projectId: number, opts: ExportOptions = {}): Promise<SftRow[]> {
  const project = await store.project(projectId);
  const labelled = await store.labelled(projectId, 'rationale');
  const byTask = new Map<number, typeof labelled>();
  for (const l of labelled) byTask.set(l.task.id, [...(byTask.get(l.task.id) ?? []), l]);
  const rows: SftRow[] = [];
  for (const group of byTask.values()) {
    const { task, item } = group[0];
    const p = task.payload as RationalePayload;
    const image = await imageRef(project.imageDir, item.image, opts.images ?? 'path');
    for (const [i, text] of majorityAccepted(p, group.map((g) => ({ id: g.annotation.id, label: g.annotation.label as RationaleLabel })))) {
      rows.push({ id: `${item.externalId}#r${i}`, messages: [user(item.question), assistant(`${p.answer} ${text.text}`)], images: [image], annotation_ids: text.ids });
    }
    for (const g of group) {
      const own = (g.annotation.label as RationaleLabel).own;
      if (own) rows.push({ id: `${item.externalId}#own${g.annotation.id}`, messages: [user(item.question), assistant(`${p.answer} ${own}`)], images: [image], annotation_ids: [g.annotation.id] });
    }
  }
  return rows;
}

/** Rationale index → text and the annotations that accepted it, for rationales accepted by more than half. */
export function majorityAccepted(p: RationalePayload, labels: readonly { id: number; label: RationaleLabel }[]): Map<number, { text: string; ids: number[] }> {
  const out = new Map<number, { text: string; ids: number[] }>();
  p.rationales.forEach((text, i) => {
    const ids = labels.filter((l) => l.label.accepted.includes(i)).map((l) => l.id);
    if (ids.length * 2 > labels.length) out.set(i, { text, ids });
  });
  return out;
}

/**
 * DPO rows: one per preference label. Chosen: the reply with fewer hallucinations — on a trajectory pair (`askfirst
 * feedback pairs`) the play marked more helpful, the preferred play `train reward` and `train dpo` read
 * (docs/feedback-rlhf.md, "Pairs"). Was: the one marked as hallucinating less there too, so where a person told the two
 * questions apart the export preferred the other play than askfirst's own DPO trained on.
 */
export async function exportDpo(store: FeedbackStore, projectId: number, opts: ExportOptions = {}): Promise<DpoRow[]> {
  const project = await store.project(projectId);
  const mode = opts.images ?? 'path';
  const rows: DpoRow[] = [];
  for (const { annotation, task, item } of await store.labelled(projectId, 'preference')) {
    const p = task.payload as PreferencePayload;
    const l = annotation.label as PreferenceLabel;
    const id = `${item.externalId}#pref${annotation.id}`;
    if (item.meta.kind === 'trajectory-pair') {
      // Was: the first view's image alone, under text about turns on views the row did not hold (TRL would train on
      // text about images it never sees).
      const t = pairViews(item, p);
      const chosen = l.moreHelpful;
      rows.push({
        id,
        prompt: [{ role: 'user', content: [...t.views.flatMap((_, k): Content[] => [{ type: 'text', text: `View ${k + 1}:` }, { type: 'image' }]), { type: 'text', text: item.question }] }],
        chosen: [assistant(viewTranscript(t.turns[chosen]))],
        rejected: [assistant(viewTranscript(t.turns[1 - chosen]))],
        images: await Promise.all(t.views.map((v) => imageRef(project.imageDir, v, mode))),
        annotation_ids: [annotation.id],
      });
      continue;
    }
    rows.push({
      id,
      prompt: [user(item.question)],
      chosen: [assistant(p.replies[l.lessHallucination])],
      rejected: [assistant(p.replies[1 - l.lessHallucination])],
      images: [await imageRef(project.imageDir, p.image ?? item.image, mode)],
      annotation_ids: [annotation.id],
    });
  }
  return rows;
}

/** A trajectory pair's views and per play its turns (views as indices into them): the task's, or made again from the item's pair. */
function pairViews(item: { externalId: string; meta: Record<string, unknown> }, p: PreferencePayload): { views: string[]; turns: [PairTurn[], PairTurn[]] } {
  if (p.views && p.turns) return { views: p.views, turns: p.turns };
  const again = pairToItem(pairOfItem(item)).tasks[0].payload as PreferencePayload; // an item stored before tasks kept them
  return { views: again.views!, turns: again.turns! };
}

/** A play's turns as the row's text: "1. (view 1) reply  2. (view 3) reply", views numbered as the prompt shows them. */
export const viewTranscript = (turns: readonly PairTurn[]) => turns.map((t, i) => `${i + 1}. (view ${t.view + 1}) ${t.reply}`).join('  ');

export function toJsonl(rows: readonly object[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
}
