/**
 * Fill a workbench project from episodes: write/locate images, ask a Policy for its reply at
 * each episode's first view, and add one item (with its tasks) per episode. Works with the
 * built-in demo scenes (demo-scenes.ts) or with any suite whose episodes point at PNGs under
 * the project's image folder.
 */
import { readImageFile } from '../scenes/codec.js';
import type { Episode } from '../episode/types.js';
import { EpisodeState } from '../episode/state.js';
import type { Policy } from '../agents/policy.js';
import { SceneRng } from '../util/rng.js';
import { demoEpisodes, writeDemoImages } from './demo-scenes.js';
import { episodeToItem } from './items.js';
import { resolveImage } from './paths.js';
import type { FeedbackStore, Project } from './store.js';
import type { TaskType } from './tasks.js';

export interface ImportOptions {
  types: readonly TaskType[];
  /** Rationales per rationale task. */
  k: number;
  seed: number;
}

/** First-view replies of `policy` for every episode (views resolved inside `imageDir`). */
export async function firstReplies(policy: Policy, episodes: readonly Episode<string>[], imageDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const ep of episodes) {
    const s = new EpisodeState(ep, 'proactive');
    const o = s.observe();
    const image = await readImageFile(await resolveImage(imageDir, o.viewRef));
    const { viewRef, ...rest } = o;
    void viewRef; // the policy gets the decoded image instead of the path
    const [r] = await policy.act([{ ...rest, image }]);
    out.push(r.reply);
  }
  return out;
}

/** Add episodes to a project; `replies[i]` is the model's first-view reply to episode i. */
export async function importEpisodes(
  store: FeedbackStore,
  project: Project,
  episodes: readonly Episode<string>[],
  replies: readonly string[],
  o: ImportOptions,
): Promise<number> {
  const rng = SceneRng.fromState(o.seed);
  const items = episodes.map((ep, i) => episodeToItem(ep, { reply: replies[i], types: o.types, k: o.k, rng }));
  return store.addItems(project.id, items);
}

/**
 * A demo project: `n` demo episodes drawn into `imageDir`; replies alternate between the valid
 * intervention (asking) and a guessed category, so ask-or-answer judgements have both kinds.
 */
export async function createDemoProject(
  store: FeedbackStore,
  name: string,
  imageDir: string,
  n: number,
  labelsPerItem: number,
  o: Partial<ImportOptions> = {},
): Promise<{ project: Project; episodes: Episode<string>[] }> {
  const seed = o.seed ?? 1;
  const episodes = await writeDemoImages(demoEpisodes(n, seed), imageDir);
  const project = await store.createProject(name, imageDir, labelsPerItem);
  const rng = SceneRng.fromState(seed + 7);
  const replies = episodes.map((ep, i) => (i % 2 === 0 ? ep.interventions[0] : ep.categories[Math.floor(rng.next() * ep.categories.length)]));
  await importEpisodes(store, project, episodes, replies, { types: o.types ?? ['rationale', 'ask', 'preference', 'play'], k: o.k ?? 4, seed });
  return { project, episodes };
}
