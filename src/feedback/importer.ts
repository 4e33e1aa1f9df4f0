/**
 * Fill a workbench project from episodes: write/locate images, ask a Policy for its reply at
 * each episode's first view, and add one item (with its tasks) per episode. Works with the
 * built-in demo scenes (demo-scenes.ts) or with any suite whose episodes point at PNGs under
 * the project's image folder.
 */
import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { readImageFile } from '../scenes/codec.js';
import type { Episode } from '../episode/types.js';
import { EpisodeState } from '../episode/state.js';
import type { Policy } from '../agents/policy.js';
import { AskfirstError, InputError } from '../util/errors.js';
import { SceneRng } from '../util/rng.js';
import { drawDemoEpisodes, writeDemoImages } from './demo-scenes.js';
import { episodeToItem } from './items.js';
import { resolveImage } from './paths.js';
import type { FeedbackStore, ItemInput, Project } from './store.js';
import type { TaskType } from './tasks.js';

export interface ImportOptions {
  types: readonly TaskType[];
  /** Rationales per rationale task. */
  k: number;
  seed: number;
}

/** Whether two paths name the same folder (after following symlinks, when both exist). */
async function sameFolder(a: string, b: string): Promise<boolean> {
  if (resolve(a) === resolve(b)) return true;
  try {
    return (await realpath(a)) === (await realpath(b));
  } catch {
    return false;
  }
}

/**
 * The project `name` whose items take their images from `imageDir`, created when missing. Its
 * items' image paths are relative to its folder, so an existing project must read the same one:
 * adding another suite's episodes to it would show (and train on) the first suite's images under
 * the second one's paths. That is refused, saying what to give (`hint`: the option naming the
 * project's folder, e.g. `--suite DIR`).
 */
export async function projectForImages(store: FeedbackStore, name: string, imageDir: string, labelsPerItem: number, hint?: (dir: string) => string): Promise<Project> {
  for (let attempt = 0; ; attempt++) {
    let project: Project;
    try {
      project = await store.project(name);
    } catch (e) {
      if ((e as AskfirstError).code !== 'NOT_FOUND') throw e;
      try {
        return await store.createProject(name, resolve(imageDir), labelsPerItem);
      } catch (c) {
        if ((c as AskfirstError).code === 'CONFLICT' && attempt === 0) continue; // created by someone else just now: check theirs
        throw c;
      }
    }
    if (!(await sameFolder(project.imageDir, imageDir))) {
      throw new InputError(
        `project "${name}" takes its images from ${project.imageDir}, not ${resolve(imageDir)} (its items' image paths are relative to that folder): ${hint ? `give ${hint(project.imageDir)} to add to it, or ` : ''}use another --project for these episodes`,
      );
    }
    return project;
  }
}

/** The first-view reply of `policy` to `ep` (its view resolved inside `imageDir`). */
async function firstReply(policy: Policy, ep: Episode<string>, imageDir: string): Promise<string> {
  const s = new EpisodeState(ep, 'proactive');
  const o = s.observe();
  const image = await readImageFile(await resolveImage(imageDir, o.viewRef));
  const { viewRef, ...rest } = o;
  void viewRef; // the policy gets the decoded image instead of the path
  const [r] = await policy.act([{ ...rest, image }]);
  return r.reply;
}

/** How many episodes `importReplied` adds in one transaction. */
export const IMPORT_BATCH = 1000;

/**
 * Add episodes to a project as they come (an array, or a suite read a line at a time: none is held after its batch),
 * each with `policy`'s first-view reply (views resolved inside `imageDir`), `IMPORT_BATCH` episodes a transaction: the
 * items of a batch go in together or not at all, items already there (by external id: the episode's) are skipped, and
 * every episode's item is made (the same draws, in the same order) whether or not it is there, so a run stopped between
 * batches and started again adds the rest as an unbroken run would have. `signal` stops it after the current episode:
 * the episodes replied to so far go in first, then it rejects with the signal's reason. `onBatch` is told after each
 * batch how many episodes are in and how many of their items were new.
 */
export async function importReplied(
  store: FeedbackStore,
  project: Project,
  episodes: Iterable<Episode<string>> | AsyncIterable<Episode<string>>,
  policy: Policy,
  o: ImportOptions & { signal?: AbortSignal; onBatch?: (done: number, added: number) => void; onEpisode?: () => void },
): Promise<{ episodes: number; added: number }> {
  const rng = SceneRng.fromState(o.seed);
  let batch: ItemInput[] = [];
  let done = 0;
  let added = 0;
  const flush = async () => {
    if (!batch.length) return;
    added += await store.addItems(project.id, batch);
    done += batch.length;
    batch = [];
    o.onBatch?.(done, added);
  };
  for await (const ep of episodes) {
    if (o.signal?.aborted) break;
    const reply = await firstReply(policy, ep, project.imageDir);
    batch.push(episodeToItem(ep, { reply, types: o.types, k: o.k, rng }));
    o.onEpisode?.();
    if (batch.length === IMPORT_BATCH) await flush();
  }
  await flush();
  o.signal?.throwIfAborted();
  return { episodes: done, added };
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
 * Run again on an existing project (same image folder) it adds the items that are missing.
 * `signal` stops it between two episodes' images, before the items' transaction (it rejects).
 */
export async function createDemoProject(
  store: FeedbackStore,
  name: string,
  imageDir: string,
  n: number,
  labelsPerItem: number,
  o: Partial<ImportOptions> & { signal?: AbortSignal } = {},
): Promise<{ project: Project; episodes: Episode<string>[]; added: number }> {
  const seed = o.seed ?? 1;
  // An existing project of this name must use this image folder; a run that stopped part-way is
  // completed (the items it added are kept, the rest added).
  const project = await projectForImages(store, name, imageDir, labelsPerItem, (dir) => `--images ${dir}`);
  const episodes = await writeDemoImages(drawDemoEpisodes(n, seed), imageDir, o.signal);
  o.signal?.throwIfAborted();
  const rng = SceneRng.fromState(seed + 7);
  const replies = episodes.map((ep, i) => (i % 2 === 0 ? ep.interventions[0] : ep.categories[Math.floor(rng.next() * ep.categories.length)]));
  const added = await importEpisodes(store, project, episodes, replies, { types: o.types ?? ['rationale', 'ask', 'preference', 'play'], k: o.k ?? 4, seed });
  return { project, episodes, added };
}
