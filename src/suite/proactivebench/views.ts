/**
 * Pixels for `{path}` view references relative to a suite directory, with the optional crop box
 * ProactiveBench's coco2014 views carry (PIL `Image.crop` semantics: integer box, right/bottom
 * exclusive, black outside the photo). Decoded files are cached per loader so the several crops
 * of one photo decode it once.
 */
import { isAbsolute, join } from 'node:path';
import { readImageFile } from '../../scenes/codec.js';
import { createImage, type RGBImage } from '../../scenes/image.js';
import { NotFoundError } from '../../util/errors.js';
import type { CropBox, ViewLoader, ViewRef } from '../types.js';

/** Cut `box` out of `img`; parts of the box outside the image are black (as PIL pads). */
export function cropImage(img: RGBImage, box: CropBox): RGBImage {
  const w = Math.max(0, box.right - box.left);
  const h = Math.max(0, box.bottom - box.top);
  const out = createImage(w, h);
  for (let y = 0; y < h; y++) {
    const sy = box.top + y;
    if (sy < 0 || sy >= img.height) continue;
    const x0 = Math.max(0, -box.left);
    const x1 = Math.min(w, img.width - box.left);
    if (x1 <= x0) continue;
    const src = (sy * img.width + box.left + x0) * 3;
    out.data.set(img.data.subarray(src, src + (x1 - x0) * 3), (y * w + x0) * 3);
  }
  return out;
}

/** Resolve a view path against the suite directory (absolute paths are kept). */
export function resolveViewPath(dir: string, p: string): string {
  return isAbsolute(p) ? p : join(dir, p);
}

/**
 * A ViewLoader for `{path}` (relative to `dir`, with optional crop) and `{image}` references.
 * Keeps up to `cacheSize` decoded files.
 */
export function directoryViewLoader(dir: string, cacheSize = 64): ViewLoader {
  const cache = new Map<string, Promise<RGBImage>>();
  return async (ref: ViewRef, episodeId: string) => {
    if ('image' in ref) return ref.image;
    const file = resolveViewPath(dir, ref.path);
    let p = cache.get(file);
    if (!p) {
      p = readImageFile(file);
      cache.set(file, p);
      if (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
    }
    let img: RGBImage;
    try {
      img = await p;
    } catch (e) {
      cache.delete(file);
      if (e instanceof NotFoundError) throw new NotFoundError(`episode ${episodeId}: ${e.message}`, { cause: e });
      throw e;
    }
    return ref.crop ? cropImage(img, ref.crop) : img;
  };
}
