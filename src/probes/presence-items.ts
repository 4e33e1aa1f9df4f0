/**
 * The hallucination probe's items, POPE-style (Li et al., "Evaluating Object Hallucination in
 * Large Vision-Language Models", EMNLP 2023): for every clean scene, one "Is there a {c} in the
 * image?" question per object in it (answer yes) and as many about absent categories (answer
 * no), the absent ones drawn three ways — `random` (uniformly), `popular` (the categories most
 * frequent across the probe's scenes) and `adversarial` (those that co-occur most often with the
 * scene's objects; ties by silhouette overlap, the "most similar"). Each split has the same
 * positives, as in POPE.
 *
 * Our extension, split `unseen`: scenes where one object is hidden, cut off or corrupted; its
 * category is asked about (the right answer: "I cannot tell") and so is every object still in
 * view (yes), so a model that says yes to what it cannot see is caught, and one that says
 * "cannot tell" to everything is too.
 *
 * Every item is a one-turn protocol episode (docs/architecture.md §2), so every Policy, the
 * runner, the results store and `openai:` serve it unchanged: options "I cannot tell from this
 * image." (an intervention, valid only where the truth is "cannot": it leads to the scene with
 * nothing hidden), then the categories "Yes" and "No". The oracle, which reads these facts,
 * answers every item right.
 */
import { PRESENCE_CANNOT, PRESENCE_NO, PRESENCE_YES, presenceQuestion, type PresenceAnswer } from '../episode/presence.js';
import { canonicalMasks, maskIoU } from '../scenes/masks.js';
import { CATEGORIES } from '../scenes/shapes.js';
import { multiObjectScene, presenceTruth, type MultiScene, type SceneCondition, type SceneFacts } from '../suite/multi-object.js';
import type { SuiteEpisode } from '../suite/types.js';
import { ConfigError, DataError } from '../util/errors.js';
import { InvalidConfigError } from '../util/config.js';
import { hashSeed, SceneRng } from '../util/rng.js';
import { yieldToEventLoop } from '../util/yield.js';

import { PRESENCE_SPLITS, type PresenceSplit } from './config.js';
import { compareText } from '../util/text-order.js';
import { didYouMean } from '../util/did-you-mean.js';

/** What the probe records of an item (episode meta). */
export interface PresenceItemMeta {
  probe: 'presence';
  split: PresenceSplit;
  scene: string;
  condition: SceneCondition;
  category: string;
  truth: PresenceAnswer;
}

export interface PresenceItemsOptions {
  seed: number;
  /** Clean scenes (POPE splits) and degraded scenes (the unseen split). */
  scenes: number;
  unseenScenes: number;
  size: number;
  /** Categories questions may name (default: every known one). */
  categories?: readonly string[];
  splits?: readonly PresenceSplit[];
  /** Called after each scene is drawn (a progress bar: `presenceScenes` of them; drawing them takes most of the time). */
  onScene?: () => void;
}

/** How many scenes `presenceItems` draws: the clean ones, and the degraded ones when the unseen split is asked for. */
export function presenceScenes(o: Pick<PresenceItemsOptions, 'scenes' | 'unseenScenes' | 'splits'>): number {
  return o.scenes + ((o.splits ?? PRESENCE_SPLITS).includes('unseen') ? o.unseenScenes : 0);
}

/** What names that are no category are told: each with the category it may have meant, then the known ones. */
function unknownCategories(bad: readonly string[]): string {
  return `unknown categor${bad.length > 1 ? 'ies' : 'y'} ${bad.map((c) => `"${c}"${didYouMean(c, CATEGORIES)}`).join(', ')}; known: ${CATEGORIES.join(', ')}`;
}

/** Validate a category list against the known categories (clear error naming the bad ones). */
export function checkCategories(cats: readonly string[]): void {
  const bad = cats.filter((c) => !CATEGORIES.includes(c));
  const problem = bad.length
    ? unknownCategories(bad)
    : new Set(cats).size < 4
      ? `needs at least 4 distinct categories (absent ones are drawn from them), got ${new Set(cats).size}`
      : undefined;
  if (problem) throw new InvalidConfigError('presence probe', [{ path: ['categories'], message: problem }]);
}

/** Silhouette overlap (IoU of the canonical masks) of two categories: how alike they look. */
function similarity(a: string, b: string): number {
  const m = canonicalMasks();
  return maskIoU(m[CATEGORIES.indexOf(a)], m[CATEGORIES.indexOf(b)]);
}

/** One probe item as a one-turn episode. */
export function presenceEpisode(scene: MultiScene, category: string, split: PresenceSplit, n: number): SuiteEpisode {
  const facts = scene.facts;
  if (!facts.objects.length) throw new DataError(`scene ${facts.id} has no objects: a presence question needs a scene with at least one`);
  if (!CATEGORIES.includes(category)) throw new ConfigError(unknownCategories([category]));
  const truth = presenceTruth(facts, category);
  const cannot = truth === 'cannot';
  // "cannot tell" items: asking leads to the scene with nothing hidden, where the object shows
  const answer = facts.objects.some((o) => o.category === category) ? 0 : 1;
  const meta: PresenceItemMeta = { probe: 'presence', split, scene: facts.id, condition: facts.condition, category, truth };
  return {
    id: `${split}/${facts.id}/${n}`,
    kind: `presence-${split}`,
    question: presenceQuestion(category),
    views: cannot ? [{ image: scene.image }, { image: scene.clear }] : [{ image: scene.image }],
    firstView: 0,
    referenceView: cannot ? 1 : 0,
    categories: [PRESENCE_YES, PRESENCE_NO],
    answer,
    interventions: [PRESENCE_CANNOT],
    abstain: [],
    steps: cannot ? [{ offered: [0], next: { 0: 1 } }, { offered: [0], next: {} }] : [{ offered: [0], next: {} }],
    maxTurns: 1,
    informative: cannot ? [false, true] : [true],
    control: !cannot,
    minInterventions: cannot ? 1 : 0,
    meta: { ...meta, facts: factsForRecord(facts) },
  };
}

/** The scene facts without pixel-level detail, as records and judges see them. */
export function factsForRecord(f: SceneFacts): Record<string, unknown> {
  return {
    id: f.id,
    condition: f.condition,
    ...(f.corruption ? { corruption: f.corruption } : {}),
    ...(f.target !== undefined ? { target: f.target } : {}),
    objects: f.objects.map((o) => ({ category: o.category, colour: o.colour, position: o.position, visible: o.visible, visibleFraction: Math.round(o.visibleFraction * 1000) / 1000 })),
  };
}

/**
 * Build every item of the requested splits (deterministic in the options). Drawing the scenes is synchronous and takes
 * seconds for thousands: it hands the event loop a turn after each scene, so Ctrl-C is acted on within a scene's time,
 * not once all are drawn (the items are the same).
 */
export async function presenceItems(o: PresenceItemsOptions): Promise<{ episodes: SuiteEpisode[]; scenes: MultiScene[] }> {
  const cats = o.categories ?? CATEGORIES;
  checkCategories(cats);
  const splits = o.splits ?? PRESENCE_SPLITS;
  const clean: MultiScene[] = [];
  for (let i = 0; i < o.scenes; i++) {
    clean.push(multiObjectScene('clean', i, { seed: o.seed, size: o.size }));
    o.onScene?.();
    await yieldToEventLoop();
  }
  const episodes: SuiteEpisode[] = [];
  // frequencies and co-occurrences over the probe's own scenes (POPE counts them over its images)
  const freq = new Map<string, number>(cats.map((c) => [c, 0]));
  const co = new Map<string, number>();
  for (const s of clean) {
    const here = s.facts.objects.map((x) => x.category);
    for (const c of here) freq.set(c, (freq.get(c) ?? 0) + 1);
    for (const a of here) for (const b of here) if (a !== b) co.set(`${a}|${b}`, (co.get(`${a}|${b}`) ?? 0) + 1);
  }
  const popular = [...cats].sort((a, b) => freq.get(b)! - freq.get(a)! || compareText(a, b));
  for (const split of splits.filter((s) => s !== 'unseen')) {
    clean.forEach((s, si) => {
      const present = s.facts.objects.map((x) => x.category);
      // k yes and k no questions: the objects whose category may be named, and as many absent categories (with --categories,
      // counting a scene's other objects too gave up to three "no" per "yes"; with few categories, fewer may be absent than
      // present, and then only the first k objects are asked about). With every category, k = the scene's objects.
      const named = present.filter((c) => cats.includes(c));
      const absent = cats.filter((c) => !present.includes(c));
      const k = Math.min(named.length, absent.length);
      const positives = named.slice(0, k);
      let neg: string[];
      if (split === 'random') neg = new SceneRng(hashSeed('pope-random', o.seed, si)).sample(absent, k);
      else if (split === 'popular') neg = popular.filter((c) => absent.includes(c)).slice(0, k);
      else {
        const score = (c: string) => present.reduce((a, p) => a + (co.get(`${p}|${c}`) ?? 0), 0);
        const sim = (c: string) => Math.max(...present.map((p) => similarity(p, c)));
        neg = [...absent].sort((a, b) => score(b) - score(a) || sim(b) - sim(a) || compareText(a, b)).slice(0, k);
      }
      let n = 0;
      for (const c of positives) episodes.push(presenceEpisode(s, c, split, n++));
      for (const c of neg) episodes.push(presenceEpisode(s, c, split, n++));
    });
  }
  const scenes = [...clean];
  if (splits.includes('unseen')) {
    const conds: SceneCondition[] = ['hidden', 'cut', 'corrupted'];
    for (let i = 0; i < o.unseenScenes; i++) {
      const s = multiObjectScene(conds[i % 3], Math.floor(i / 3), { seed: o.seed, size: o.size });
      o.onScene?.();
      await yieldToEventLoop();
      scenes.push(s);
      let n = 0;
      const t = s.facts.objects[s.facts.target!];
      if (cats.includes(t.category)) episodes.push(presenceEpisode(s, t.category, 'unseen', n++));
      for (const ob of s.facts.objects) if (ob.visible && cats.includes(ob.category)) episodes.push(presenceEpisode(s, ob.category, 'unseen', n++));
    }
  }
  if (!episodes.length) throw new ConfigError(`no presence question to ask: ${nothingAsked(o, splits, cats)}`);
  return { episodes, scenes };
}

/**
 * Why a presence set came out empty (a run of it would ask nothing and print an empty table): `--splits unseen` with
 * `--unseen-scenes 0`, or `--categories` that none of the scenes holds (POPE asks about the objects in a scene).
 */
function nothingAsked(o: PresenceItemsOptions, splits: readonly PresenceSplit[], cats: readonly string[]): string {
  const named = cats.length < CATEGORIES.length ? `--categories ${cats.join(',')}` : 'the categories';
  const why: string[] = [];
  const pope = splits.filter((s) => s !== 'unseen');
  const scenes = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  if (pope.length) why.push(`none of ${named} is in the ${scenes(o.scenes, 'clean scene')} of --splits ${pope.join(',')}`);
  if (splits.includes('unseen')) why.push(o.unseenScenes ? `none of ${named} is in the ${scenes(o.unseenScenes, 'scene')} of the unseen split` : '--unseen-scenes 0 draws no scene for the unseen split');
  return `${why.join(', and ')}; give more --scenes or --unseen-scenes, other --categories or other --splits`;
}

/** The item's meta (throws on an episode that is not a presence item). */
export function itemMeta(ep: SuiteEpisode): PresenceItemMeta {
  const m = ep.meta as unknown as PresenceItemMeta | undefined;
  if (m?.probe !== 'presence') throw new DataError(`episode ${ep.id} is not a presence probe item`);
  return m;
}
