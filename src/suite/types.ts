/** How a suite's episode points at a view: a PNG path relative to the suite directory, or pixels in memory. */
import type { Episode } from '../episode/types.js';
import type { RGBImage } from '../scenes/image.js';

export type ViewRef = { path: string } | { image: RGBImage };

/** An episode of a suite (synthetic or imported). */
export type SuiteEpisode = Episode<ViewRef>;

/** Resolves a view reference to pixels (cached by the implementation where useful). */
export type ViewLoader = (ref: ViewRef, episodeId: string) => Promise<RGBImage>;
