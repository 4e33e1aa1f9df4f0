/**
 * The four workbench task types, what each task shows (payload) and what a label must look like.
 * - rationale (ILLUME, Brack et al. 2023): k sampled rationales; tick every acceptable one, or write your own.
 * - ask: one turn of an episode; should the model have asked (and for which intervention) or answered (what)?
 * - preference (Factually Augmented RLHF, Sun et al. 2023): two replies with the scene's true facts beside
 *   them; pick the one with fewer hallucinations, then the more helpful one.
 * - play: the annotator acts as the user, performing the interventions the model asks for, then rates it.
 * Labels are validated against the task's payload (indices in range) before they are stored.
 */
import { z } from 'zod';
import { InputError } from '../util/errors.js';
import type {
  AskLabel,
  AskPayload,
  Label,
  PlayLabel,
  PreferenceLabel,
  PreferencePayload,
  RationaleLabel,
  RationalePayload,
  TaskType,
} from './api-types.js';

// The types the HTTP API exchanges live in api-types.ts (shared with the web client); re-exported here.
export type { AskLabel, AskPayload, Label, PlayLabel, PreferenceLabel, PreferencePayload, RationaleLabel, RationalePayload, TaskType };

export const TASK_TYPES = ['rationale', 'ask', 'preference', 'play'] as const satisfies readonly TaskType[];
// …and the list names every TaskType (a type error here means TASK_TYPES misses one).
const allTaskTypes: Exclude<TaskType, (typeof TASK_TYPES)[number]> extends never ? true : false = true;
void allTaskTypes;

/** One scene fact shown to annotators (and to the automatic critic). */
export interface Fact {
  text: string;
  /** Whether it holds for this item's image. */
  holds: boolean;
  /** Fact family, e.g. 'shape', 'colour', 'condition' (for analysis only). */
  family?: string;
}

export interface PlayPayload {
  /** The ProactiveBench episode, views as image paths relative to the project's image folder. */
  episode: PlayEpisode;
}

/** A serialisable episode for play tasks (Episode<string> with view = relative image path). */
export type PlayEpisode = import('../episode/types.js').Episode<string>;

export type TaskPayload = RationalePayload | AskPayload | PreferencePayload | PlayPayload;

const rationaleLabel = z.strictObject({
  accepted: z.array(z.number().int().min(0)).max(64),
  own: z.string().max(2000).optional(),
});
const askLabel = z.strictObject({
  verdict: z.enum(['ask', 'answer']),
  option: z.number().int().min(0),
});
const preferenceLabel = z.strictObject({
  lessHallucination: z.union([z.literal(0), z.literal(1)]),
  moreHelpful: z.union([z.literal(0), z.literal(1)]),
});
const playTurn = z.strictObject({ view: z.number().int().min(0), reply: z.string().max(2000), performed: z.string().max(500).optional() });
const playLabel = z.strictObject({
  transcript: z.array(playTurn).max(64),
  outcome: z.string().max(40),
  rating: z.number().int().min(1).max(5),
  comment: z.string().max(2000).optional(),
});

// The schemas accept exactly the label types of api-types.ts (a type error here means they drifted).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const labelsMatch: [
  Same<z.infer<typeof rationaleLabel>, RationaleLabel>,
  Same<z.infer<typeof askLabel>, AskLabel>,
  Same<z.infer<typeof preferenceLabel>, PreferenceLabel>,
  Same<z.infer<typeof playLabel>, PlayLabel>,
] = [true, true, true, true];
void labelsMatch;

export const LABEL_SCHEMAS = { rationale: rationaleLabel, ask: askLabel, preference: preferenceLabel, play: playLabel } as const;

export function isTaskType(s: string): s is TaskType {
  return (TASK_TYPES as readonly string[]).includes(s);
}

/** Validate a label for a task; throws InputError naming what is wrong. Returns the normalised label. */
export function validateLabel(type: TaskType, payload: unknown, label: unknown): Label {
  const r = LABEL_SCHEMAS[type].safeParse(label);
  if (!r.success) {
    const why = r.error.issues.map((i) => `${i.path.join('.') || 'label'}: ${i.message}`).join('; ');
    throw new InputError(`invalid ${type} label: ${why}`);
  }
  if (type === 'rationale') {
    const l = r.data as RationaleLabel;
    const k = (payload as RationalePayload).rationales.length;
    const bad = l.accepted.find((i) => i >= k);
    if (bad !== undefined) throw new InputError(`invalid rationale label: accepted index ${bad} is out of range (there are ${k} rationales)`);
    return { accepted: [...new Set(l.accepted)].sort((a, b) => a - b), ...(l.own?.trim() ? { own: l.own.trim() } : {}) };
  }
  if (type === 'ask') {
    const l = r.data as AskLabel;
    const p = payload as AskPayload;
    if (l.option >= p.options.length) throw new InputError(`invalid ask label: option ${l.option} is out of range (there are ${p.options.length} options)`);
    const isIntervention = l.option < p.numInterventions;
    if ((l.verdict === 'ask') !== isIntervention) {
      throw new InputError(`invalid ask label: verdict "${l.verdict}" needs ${l.verdict === 'ask' ? 'an intervention' : 'a category'} option`);
    }
  }
  return r.data;
}
