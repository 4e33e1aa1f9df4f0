/**
 * The library's `pngDataUrl` (docs/library.md): scenes/png.ts's, after checking its image (api/arguments.ts):
 * `pngDataUrl({ width: 2 })` threw Node's RangeError from inside the encoder; now one line naming the call and what an
 * RGBImage holds.
 */
import type { RGBImage } from '../scenes/image.js';
import { pngDataUrl as dataUrlOf } from '../scenes/png.js';
import { InputError } from '../util/errors.js';
import { refuse } from './arguments.js';

const CALL = 'pngDataUrl()';

/** `img` as a `data:image/png;base64,…` URL. */
export function pngDataUrl(img: RGBImage): string {
  const o = img as Partial<RGBImage> | null;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) refuse(CALL, 'image', 'an RGBImage { width, height, data }', img);
  for (const side of ['width', 'height'] as const) {
    if (!(Number.isInteger(o[side]) && (o[side] as number) >= 1)) refuse(CALL, `image.${side}`, 'a whole number, at least 1', o[side]);
  }
  const due = o.width! * o.height! * 3;
  if (!(o.data instanceof Uint8Array)) refuse(CALL, 'image.data', `a Uint8Array of width × height × 3 bytes (RGB; ${due} here)`, o.data);
  if (o.data.length !== due) throw new InputError(`${CALL}: image.data holds ${o.data.length} bytes; width × height × 3 (RGB) is ${due} (${o.width} × ${o.height} × 3)`);
  return dataUrlOf(img);
}
