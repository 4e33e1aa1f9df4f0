/** Pixel buffers: 8-bit RGB, row-major, 3 bytes per pixel, no padding. */
export interface RGBImage {
  width: number;
  height: number;
  /** length = width * height * 3 */
  data: Uint8Array;
  /**
   * The file's own bytes when these pixels were decoded from a JPEG file as they are (set by
   * `readImageFile`; every function that makes a new image leaves it out), so an HTTP client can
   * send the original instead of re-encoding it.
   */
  encoded?: { mime: 'image/jpeg'; bytes: Uint8Array };
}

export function createImage(width: number, height: number, fill: [number, number, number] = [0, 0, 0]): RGBImage {
  const data = new Uint8Array(width * height * 3);
  if (fill[0] || fill[1] || fill[2]) {
    for (let i = 0; i < data.length; i += 3) {
      data[i] = fill[0];
      data[i + 1] = fill[1];
      data[i + 2] = fill[2];
    }
  }
  return { width, height, data };
}

export function cloneImage(img: RGBImage): RGBImage {
  return { width: img.width, height: img.height, data: img.data.slice() };
}

/** RGB → RGBA bytes (4 per pixel, opaque), the layout the JPEG encoder takes. */
export function toRGBA(img: RGBImage): Uint8Array {
  const out = new Uint8Array(img.width * img.height * 4);
  for (let i = 0, j = 0; j < img.data.length; i += 4, j += 3) {
    out[i] = img.data[j];
    out[i + 1] = img.data[j + 1];
    out[i + 2] = img.data[j + 2];
    out[i + 3] = 255;
  }
  return out;
}
