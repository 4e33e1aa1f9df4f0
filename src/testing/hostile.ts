/** Hostile inputs shared by the hardening tests (issue 20): tiny files that claim to be huge. */
import { deflateSync } from 'node:zlib';
import { PNG_SIGNATURE, pngChunk } from '../scenes/png.js';

/** A tiny PNG whose header claims w×h pixels (the attack of issue 20: 254 bytes, 30000×30000). */
export function hostilePNG(w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(Buffer.alloc(4000))), pngChunk('IEND', Buffer.alloc(0))]);
}

