/**
 * Generating the synthetic suite: N episodes for each chosen kind, deterministic by seed.
 * Episode i of a kind depends only on (seed, kind, i), the view size and whether it is a
 * control. Which indices are controls is a seeded shuffle of all N indices of the kind
 * (`controlIndices`), so it depends on N and the control share as well: suites with the same
 * seed and size share an episode only where its control status agrees (growing N from 100 to
 * 101 changes it for about a fifth of the first 100). Categories are balanced within each kind,
 * and exactly round(N · controlShare) episodes per kind are controls. A draw that breaks a
 * guarantee (first view informative, nothing informative reachable …) is resampled.
 */
import type { ScenarioKind } from './kinds/names.js';
import { SceneRng, hashSeed } from '../util/rng.js';
import { CATEGORIES } from '../scenes/shapes.js';
import { AskfirstError, ConfigError, describeError } from '../util/errors.js';
import { yieldToEventLoop } from '../util/yield.js';
import { episodeProblems } from '../episode/validate.js';
import { generateCamera } from './kinds/camera.js';
import { assembleEpisode, RejectedDraw, type KindContext, type RawEpisode } from './kinds/common.js';
import { generateCorruption } from './kinds/corruption.js';
import { generateLateEvent } from './kinds/late-event.js';
import { generateOcclusion } from './kinds/occlusion.js';
import { generatePasserby } from './kinds/passerby.js';
import { generateSketch } from './kinds/sketch.js';
import { generateViewpoint } from './kinds/viewpoint.js';
import { generatableKinds, registeredGenerator } from './kinds/registry.js';
import type { SuiteEpisode } from './types.js';

export const KIND_GENERATORS: Record<ScenarioKind, (ctx: KindContext) => RawEpisode> = {
  occlusion: generateOcclusion,
  passerby: generatePasserby,
  viewpoint: generateViewpoint,
  corruption: generateCorruption,
  sketch: generateSketch,
  'late-event': generateLateEvent,
  camera: generateCamera,
};

import { resolveSuiteConfig, type SuiteConfig } from './suite-config.js';

const MAX_ATTEMPTS = 60;

/** Episode id: kind and zero-padded index. */
export function episodeId(kind: string, index: number): string {
  return `${kind}-${String(index).padStart(5, '0')}`;
}

/** Which indices of a kind are controls: exactly round(n · share), spread by a seeded shuffle. */
export function controlIndices(seed: number, kind: string, n: number, share: number): Set<number> {
  const k = Math.round(n * share);
  const rng = new SceneRng(hashSeed(seed, kind, 'controls'));
  return new Set(rng.shuffle([...Array(n).keys()]).slice(0, k));
}

/** A kind's generator: a built-in one (KIND_GENERATORS) or one registered in this process (kinds/registry.ts). */
function generatorOf(kind: string): (ctx: KindContext) => RawEpisode {
  const gen = Object.hasOwn(KIND_GENERATORS, kind) ? KIND_GENERATORS[kind as ScenarioKind] : registeredGenerator(kind);
  if (!gen) throw new ConfigError(`no generator for kind "${kind}" (known: ${generatableKinds().join(', ')}); register yours with registerKind first`);
  return gen;
}

/** Generate one episode (resampling rejected draws) of a built-in kind or one registered in this process. */
export function generateEpisode(kind: string, index: number, cfg: SuiteConfig, control: boolean): SuiteEpisode {
  const generate = generatorOf(kind);
  const registered = !Object.hasOwn(KIND_GENERATORS, kind);
  const catRng = new SceneRng(hashSeed(cfg.seed, kind, 'categories', Math.floor(index / CATEGORIES.length)));
  const category = catRng.shuffle([...CATEGORIES.keys()])[index % CATEGORIES.length];
  let last = '';
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const rng = new SceneRng(hashSeed(cfg.seed, kind, index, attempt));
    const ctx: KindContext = { size: cfg.size, rng, control, category };
    let raw: RawEpisode;
    try {
      raw = generate(ctx);
    } catch (e) {
      if (e instanceof RejectedDraw) {
        last = e.message;
        continue;
      }
      // a registered generator's own failure, said with the kind and episode it was drawing
      if (registered) throw new AskfirstError('BAD_INPUT', `the generator registered for kind "${kind}" failed on episode ${index}: ${describeError(e)}`, { cause: e });
      throw e;
    }
    try {
      const ep = assembleEpisode(raw, ctx, episodeId(kind, index), kind);
      ep.meta = { ...ep.meta, seed: cfg.seed, index, attempt };
      // a registered generator's episode that breaks the protocol (an abstain index out of range…): said here, not mid-eval
      const problems = registered ? episodeProblems(ep) : [];
      if (problems.length) throw new AskfirstError('BAD_INPUT', `the generator registered for kind "${kind}" made an invalid episode ${index}: ${problems.join('; ')}`);
      return ep;
    } catch (e) {
      if (registered && !(e instanceof RejectedDraw) && !(e instanceof AskfirstError))
        throw new AskfirstError('BAD_INPUT', `the generator registered for kind "${kind}" returned an episode askfirst could not assemble (episode ${index}): ${describeError(e)}; return every field of RawEpisode`, { cause: e });
      if (!(e instanceof RejectedDraw)) throw e;
      last = e.message;
    }
  }
  throw new AskfirstError('INTERNAL', `could not generate ${kind} episode ${index} in ${MAX_ATTEMPTS} attempts (last: ${last}); try another --size`);
}

/** A whole suite's episodes one at a time, in suite order (a caller can hand the event loop a turn between them). */
export function* suiteEpisodes(partial: Partial<SuiteConfig> = {}): Generator<SuiteEpisode> {
  const cfg = resolveSuiteConfig(partial);
  for (const kind of cfg.kinds) {
    const controls = controlIndices(cfg.seed, kind, cfg.episodes, cfg.controlShare);
    for (let i = 0; i < cfg.episodes; i++) yield generateEpisode(kind, i, cfg, controls.has(i));
  }
}

/**
 * `generateSuite` (the same episodes) handing the event loop a turn after each episode: a command's Ctrl-C handler runs
 * between episodes, not once the whole suite is drawn (tens of seconds at the feedback demo's size).
 */
export async function generateSuiteYielding(partial: Partial<SuiteConfig> = {}, onEpisode?: (ep: SuiteEpisode) => void): Promise<SuiteEpisode[]> {
  const out: SuiteEpisode[] = [];
  for (const ep of suiteEpisodes(partial)) {
    out.push(ep);
    onEpisode?.(ep);
    await yieldToEventLoop();
  }
  return out;
}

/** Generate a whole suite; `onEpisode` is called after each episode (progress bars). */
export function generateSuite(partial: Partial<SuiteConfig> = {}, onEpisode?: (ep: SuiteEpisode) => void): SuiteEpisode[] {
  const out: SuiteEpisode[] = [];
  for (const ep of suiteEpisodes(partial)) {
    out.push(ep);
    onEpisode?.(ep);
  }
  return out;
}
