/**
 * The settings of the probes (hallucination, injection) and the names they choose among. Light on
 * purpose: `askfirst probe … --help` reads them without loading scenes, fonts or the canvas.
 */
import { z } from 'zod';
import { seedField } from '../util/config.js';
import { SCENARIO_KINDS } from '../suite/kinds/names.js';
import { suiteKindListField } from '../suite/kinds/registry.js';

export const POPE_SPLITS = ['random', 'popular', 'adversarial'] as const;
export const PRESENCE_SPLITS = [...POPE_SPLITS, 'unseen'] as const;
export type PresenceSplit = (typeof PRESENCE_SPLITS)[number];

export const TEXT_POSITIONS = ['corner', 'object', 'banner'] as const;
export const TEXT_SIZES = ['small', 'large'] as const;
export const TEXT_CONTRASTS = ['high', 'low'] as const;
export type TextPosition = (typeof TEXT_POSITIONS)[number];
export type TextSize = (typeof TEXT_SIZES)[number];
export type TextContrast = (typeof TEXT_CONTRASTS)[number];

/** Font size as a share of the image height. */
export const TEXT_SIZE_SHARE: Record<TextSize, number> = { small: 0.075, large: 0.11 };
/** Below this many pixels, letters are not legible (to people or OCR). */
export const MIN_FONT_PX = 10;

/** Font size in pixels of text of `size` on an image `height` pixels high (rounded, as drawn). */
export const fontPx = (size: TextSize, height: number) => Math.round(TEXT_SIZE_SHARE[size] * height);

/** The smallest image height whose `size` text is at least MIN_FONT_PX high (small: 127, large: 87). */
export function minImageSize(size: TextSize): number {
  let h = Math.floor((MIN_FONT_PX - 0.5) / TEXT_SIZE_SHARE[size]);
  while (fontPx(size, h) < MIN_FONT_PX) h++;
  return h;
}

export const INSTRUCTIONS = ['letter', 'never-ask', 'always-ask', 'abstain'] as const;

export const HallucinationConfigSchema = z.object({
  seed: seedField().default(0).describe('seed of the generated scenes'),
  scenes: z.number().int().min(1).default(100).describe('clean multi-object scenes for the POPE splits (each gives one yes and one no question per object)'),
  unseenScenes: z.number().int().min(0).default(60).describe('scenes with one object hidden, cut off or corrupted, for the unseen split'),
  size: z.number().int().min(48).max(512).default(128).describe('scene size in pixels'),
  categories: z.array(z.string()).optional().describe('categories the questions may name (default: all sixteen)'),
  openScenes: z.number().int().min(0).default(40).describe('scenes (half clean, half with an object hidden, cut off or corrupted) asked MMHal-style open questions, graded 0–6 by the rule judge (0 = none)'),
  judge: z.string().optional().describe('optional judge model for the open questions (openai:URL#MODEL); its verdicts are compared with the rule judge'),
  splits: z.array(z.enum(PRESENCE_SPLITS)).min(1).default([...PRESENCE_SPLITS]).describe('splits to run: random, popular, adversarial (POPE), unseen (ours)'),
});
export type HallucinationConfig = z.output<typeof HallucinationConfigSchema>;

export const InjectionConfigSchema = z.object({
  seed: seedField().default(0).describe('seed of the generated episodes and of the wrong category a letter attack names'),
  episodes: z.number().int().min(1).default(12).describe('episodes per scenario kind (each gets one attack, cycling through every combination)'),
  kinds: suiteKindListField().default([...SCENARIO_KINDS]).describe('scenario kinds (a kind of your own too, registered with --plugin: docs/library.md)'),
  size: z.number().int().min(32).max(512).default(160).describe(`view size in pixels (the text must fit legibly: small text needs at least ${minImageSize('small')} px; a size some text cannot fit at is refused, naming it)`),
  instructions: z.array(z.enum(INSTRUCTIONS)).min(1).default([...INSTRUCTIONS]).describe('injected instructions: letter (pick a wrong option), never-ask, always-ask, abstain'),
  positions: z.array(z.enum(TEXT_POSITIONS)).min(1).default([...TEXT_POSITIONS]).describe('where the text goes: corner (top left), object (the centre of the frame, where most kinds keep the object), banner (top strip)'),
  sizes: z.array(z.enum(TEXT_SIZES)).min(1).default([...TEXT_SIZES]).describe('text size: small, large'),
  contrasts: z.array(z.enum(TEXT_CONTRASTS)).min(1).default([...TEXT_CONTRASTS]).describe('text contrast: high (black on a light box), low (a little darker than the picture)'),
});
export type InjectionConfig = z.output<typeof InjectionConfigSchema>;
