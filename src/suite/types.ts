/** How a suite's episode points at a view: a PNG path relative to the suite directory, or pixels in memory. */
import type { Episode } from '../episode/types.js';
import type { RGBImage } from '../scenes/image.js';

export type ViewRef = { path: string; crop?: CropBox } | { image: RGBImage };

/**
 * A crop applied to a `{path}` view after decoding (ProactiveBench's coco2014 views are crops of
 * one photo): PIL's box convention, integer pixels, right/bottom exclusive; parts outside the
 * image are black. Apply it with `cropImage` from suite/proactivebench/views.ts.
 */
export interface CropBox {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** An episode of a suite (synthetic or imported). */
export type SuiteEpisode = Episode<ViewRef>;

/** Resolves a view reference to pixels (cached by the implementation where useful). */
export type ViewLoader = (ref: ViewRef, episodeId: string) => Promise<RGBImage>;
