/**
 * Resolving view references to pixels: `{image}` refs directly, `{path}` refs by decoding
 * the file (relative to the suite directory) through a small least-recently-used cache, so
 * multi-turn episodes that revisit views decode each PNG once.
 */
import { isAbsolute, resolve } from 'node:path';
import { readImageFile } from '../scenes/codec.js';
import type { RGBImage } from '../scenes/image.js';
import { DataError, describeError } from '../util/errors.js';
import type { ViewLoader, ViewRef } from './types.js';

export interface SuiteLoader extends ViewLoader {
  /** Decoded images held in the cache now. */
  readonly cached: () => number;
}

/** A ViewLoader for a suite stored under `baseDir`, caching up to `cacheSize` decoded images. */
export function createViewLoader(baseDir: string, cacheSize = 256): SuiteLoader {
  const cache = new Map<string, Promise<RGBImage>>();
  const load = async (ref: ViewRef, episodeId: string): Promise<RGBImage> => {
    if ('image' in ref) return ref.image;
    if (!ref || typeof ref.path !== 'string') throw new DataError(`episode ${episodeId}: a view has neither "image" nor "path"`);
    const full = isAbsolute(ref.path) ? ref.path : resolve(baseDir, ref.path);
    const hit = cache.get(full);
    if (hit) {
      cache.delete(full); // refresh recency
      cache.set(full, hit);
      return hit;
    }
    const p = readImageFile(full).catch((e: unknown) => {
      cache.delete(full);
      let msg = describeError(e);
      if (e instanceof DataError && e.file === full && msg.startsWith(`${full}: `)) msg = msg.slice(full.length + 2); // the file is named once, in front
      throw new DataError(`episode ${episodeId}: cannot load view: ${msg}`, { file: full, cause: e });
    });
    cache.set(full, p);
    while (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
    return p;
  };
  return Object.assign(load, { cached: () => cache.size });
}

/** The loader of generated suites, whose views are all in memory (a file reference is an error). */
export const memoryLoader: ViewLoader = async (ref, episodeId) => {
  if ('image' in ref) return ref.image;
  throw new DataError(`episode ${episodeId}: a generated suite keeps its views in memory, but this view is a file reference (${ref.path})`);
};
