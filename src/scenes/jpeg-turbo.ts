/**
 * JPEG decoding with libjpeg-turbo, the library PIL decodes with, so askfirst sees the pixels
 * ProactiveBench's loader (`Image.open(p).convert("RGB")`) gives: fancy (triangle-filter) chroma
 * upsampling, the accurate integer IDCT and libjpeg's fixed-point YCbCr→RGB. A pure-JavaScript
 * decoder (jpeg-js) differs by up to 87/255 on images with sharp colour edges (no fancy
 * upsampling; another IDCT and colour rounding; RGB JPEGs taken for YCbCr), and it fails on some
 * progressive files with restart markers that libjpeg reads; see docs/hardening.md.
 *
 * Why this build: the npm package @cwasm/jpeg-turbo (MIT; libjpeg-turbo 2.0 under its IJG/BSD
 * licences) ships libjpeg-turbo's TurboJPEG API as one 150 kB WebAssembly file with no
 * JavaScript glue beyond a few stubs, so it compiles and runs synchronously (decodeImage is
 * synchronous) and offline. Emscripten builds (@jsquash/jpeg, @cornerstonejs/codec-libjpeg-turbo-8bit)
 * need an asynchronous start and megabytes; a hand-written port of libjpeg's IDCT, upsampling
 * and colour conversion on jpeg-js's coefficients would keep jpeg-js's entropy-decoding bugs. Its own index.js is not used, because
 * (1) it throws on libjpeg *warnings* (e.g. "extraneous bytes before marker", which PIL reads
 * fine), and (2) its error path is a JavaScript exception thrown through the WebAssembly stack,
 * which leaves the module's shadow stack and heap in an unknown state. Here a warning keeps the
 * decoded pixels, and after any exception the instance is thrown away (a new one costs well
 * under a millisecond from the compiled module); an instance whose memory has grown past
 * MAX_KEPT_MEMORY is dropped too, so one large image does not stay resident.
 *
 * The caller (codec.ts) checks the declared size against image-limits.ts before calling here;
 * the size libjpeg reads from the header is checked to match it before any output is allocated.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DataError, describeError } from '../util/errors.js';
import type { RGBImage } from './image.js';

// TurboJPEG constants (turbojpeg.h)
const TJPF_RGB = 0;
const TJPF_CMYK = 11;
const TJCS_CMYK = 3;
const TJCS_YCCK = 4;

/** Drop an instance whose linear memory has grown beyond this after a decode (serve's default
 * --max-image-pixels, 4 MP, stays under it). */
export const MAX_KEPT_MEMORY = 32 * 1024 * 1024;

// The project's lib (ES2023, no DOM) does not declare the WebAssembly JS API: declare what we use.
type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (m: WasmModule, imports: object) => { exports: object };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface TurboExports {
  memory: { readonly buffer: ArrayBuffer };
  malloc(n: number): number;
  free(p: number): void;
  tjInitDecompress(): number;
  tjDestroy(h: number): number;
  tjDecompressHeader3(h: number, buf: number, size: number, w: number, hgt: number, subsamp: number, cs: number): number;
  tjDecompress2(h: number, buf: number, size: number, dst: number, w: number, pitch: number, hgt: number, pf: number, flags: number): number;
}

/** libjpeg's error_exit, reached through the stubbed longjmp. */
class LibjpegError extends Error {}

let compiled: WasmModule | undefined;
let instance: TurboExports | undefined;

function turbo(): TurboExports {
  if (instance) return instance;
  if (!compiled) {
    const require = createRequire(import.meta.url);
    compiled = new WA.Module(readFileSync(require.resolve('@cwasm/jpeg-turbo/jpeg-turbo.wasm')));
  }
  const unsupported = (name: string) => () => {
    throw new LibjpegError(`libjpeg-turbo called ${name}`);
  };
  const imports = {
    // TurboJPEG's setjmp returns 0 (no error yet); libjpeg's error_exit longjmps — an exception here.
    env: { setjmp: () => 0, longjmp: unsupported('longjmp (a fatal decoding error)') },
    wasi_snapshot_preview1: {
      environ_sizes_get: () => 0,
      environ_get: unsupported('environ_get'),
      proc_exit: unsupported('proc_exit'),
      fd_close: unsupported('fd_close'),
      fd_seek: unsupported('fd_seek'),
      fd_write: unsupported('fd_write'),
    },
  };
  instance = new WA.Instance(compiled, imports).exports as unknown as TurboExports;
  return instance;
}

/** Where the entropy-coded data of the first scan starts (after its SOS segment), or -1. */
function firstScanStart(buf: Uint8Array): number {
  let i = 2;
  while (i + 3 < buf.length) {
    if (buf[i] !== 0xff) {
      i++; // extraneous bytes before a marker: libjpeg skips them (with a warning)
      continue;
    }
    const m = buf[i + 1];
    if (m === 0xff) {
      i++;
      continue;
    }
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd8)) {
      i += 2;
      continue;
    }
    const len = (buf[i + 2] << 8) | buf[i + 3];
    if (m === 0xda) return i + 2 + len;
    if (len < 2) return -1;
    i += 2 + len;
  }
  return -1;
}

/**
 * The most scans a JPEG may hold. Each scan of a progressive JPEG is a pass over every block of the image, whatever
 * few bytes it takes: a 2048×2048 one (serve's pixel limit) with 100 copies of its last 16-byte scan took 2.7 s to
 * decode instead of 0.6 s, so a `serve` request's 8 MiB body could hold hours of the server's one thread.
 * libjpeg-turbo's own guard (TurboJPEG's TJFLAG_LIMITSCANS, not in the 2.0 build used here) stops at 500, which still
 * let a 33 KB file of that size take 10.4 s; encoders write about 10 (cjpeg's and PIL's progressive JPEGs: 10, 6 in
 * grey), so 100.
 */
export const MAX_JPEG_SCANS = 100;

/**
 * How many scans (SOS markers) `buf` holds up to its end-of-image marker, counting no further than `stop`: the
 * segments between markers are skipped by their length (an EXIF thumbnail's scans are not counted), and a scan's
 * entropy-coded data up to the next marker (0xFF followed by neither 0x00, a restart marker nor a fill byte).
 */
export function countJpegScans(buf: Uint8Array, stop = Infinity): number {
  let scans = 0;
  let i = 2;
  while (i + 1 < buf.length && scans <= stop) {
    if (buf[i] !== 0xff || buf[i + 1] === 0xff) {
      i++; // extraneous bytes before a marker, or a fill byte
      continue;
    }
    const m = buf[i + 1];
    if (m === 0xd9) break;
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd8)) {
      i += 2;
      continue;
    }
    if (i + 3 >= buf.length) break;
    const len = (buf[i + 2] << 8) | buf[i + 3];
    if (len < 2) break;
    i += 2 + len;
    if (m !== 0xda) continue;
    scans++;
    // the scan's entropy-coded data: to the next 0xFF that starts a marker
    while (i + 1 < buf.length && !(buf[i] === 0xff && buf[i + 1] !== 0x00 && buf[i + 1] !== 0xff && (buf[i + 1] < 0xd0 || buf[i + 1] > 0xd7))) i++;
  }
  return scans;
}

/** Whether an end-of-image marker follows the first scan (an EXIF thumbnail's does not count). */
function hasEndOfImage(buf: Uint8Array): boolean {
  const start = firstScanStart(buf);
  if (start < 0) return false;
  for (let i = buf.length - 2; i >= start; i--) if (buf[i] === 0xff && buf[i + 1] === 0xd9) return true;
  return false;
}

/**
 * PIL's CMYK → RGB (Pillow's Convert.c `cmyk2rgb`) applied to the CMYK libjpeg writes. PIL reads
 * CMYK JPEGs as "CMYK;I" (Adobe's inverted convention), so its C, M, Y, K are 255 minus these.
 */
function pilCmykToRgb(cmyk: Uint8Array, width: number, height: number): RGBImage {
  const data = new Uint8Array(width * height * 3);
  const muldiv255 = (a: number, b: number) => {
    const t = a * b + 128;
    return ((t >> 8) + t) >> 8;
  };
  for (let i = 0, j = 0; j < data.length; i += 4, j += 3) {
    const nk = cmyk[i + 3]; // 255 - (255 - stored K)
    for (let c = 0; c < 3; c++) {
      const v = nk - muldiv255(255 - cmyk[i + c], nk);
      data[j + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { width, height, data };
}

/**
 * Decode `buf` as PIL's `Image.open(…).convert("RGB")` would. Throws a DataError naming `name`
 * when libjpeg refuses the file, or it ends before its end-of-image marker (PIL: "image file is
 * truncated"). `declared` is the size image-limits.ts read (and checked) from the same header.
 */
export function decodeJPEGTurbo(buf: Uint8Array, name: string, declared: { width: number; height: number }): RGBImage {
  if (countJpegScans(buf, MAX_JPEG_SCANS) > MAX_JPEG_SCANS) {
    throw new DataError(`cannot decode image: the JPEG has more than ${MAX_JPEG_SCANS} scans (encoders write about 10; each is a pass over the whole image, so more are refused as a way to stall the decoder)`, { file: name });
  }
  const t = turbo();
  let handle = 0;
  let input = 0;
  let meta = 0;
  let output = 0;
  try {
    input = t.malloc(buf.byteLength);
    meta = t.malloc(16);
    if (!input || !meta) throw new DataError(`cannot decode image: no memory for a JPEG of ${buf.byteLength} bytes`, { file: name });
    new Uint8Array(t.memory.buffer, input, buf.byteLength).set(buf);
    handle = t.tjInitDecompress();
    if (!handle) throw new DataError('cannot decode image: libjpeg-turbo could not start a decompressor', { file: name });
    new Int32Array(t.memory.buffer, meta, 4).fill(-1);
    // -1 here is a warning (the header is read), or a layout TurboJPEG does not name (sampling
    // factors such as 3×1: its subsampling code stays -1); libjpeg decodes both, so go on.
    t.tjDecompressHeader3(handle, input, buf.byteLength, meta, meta + 4, meta + 8, meta + 12);
    const [width, height, , colorspace] = new Int32Array(t.memory.buffer, meta, 4);
    if (width !== declared.width || height !== declared.height) {
      throw new DataError(`cannot decode image: JPEG frame header says ${width}×${height} but the first one read says ${declared.width}×${declared.height} (corrupted?)`, { file: name });
    }
    const cmyk = colorspace === TJCS_CMYK || colorspace === TJCS_YCCK;
    const channels = cmyk ? 4 : 3;
    output = t.malloc(width * height * channels);
    if (!output) throw new DataError(`cannot decode image: no memory for ${width}×${height} pixels`, { file: name });
    const status = t.tjDecompress2(handle, input, buf.byteLength, output, width, width * channels, height, cmyk ? TJPF_CMYK : TJPF_RGB, 0);
    // -1 without an exception: libjpeg warned (corrupt data it skipped, extraneous bytes…) and
    // still wrote every row, as PIL accepts — unless the data simply ran out.
    if (status !== 0 && !hasEndOfImage(buf)) throw new DataError('cannot decode image: JPEG ends before its end-of-image marker (truncated?)', { file: name });
    const pixels = new Uint8Array(t.memory.buffer, output, width * height * channels).slice();
    return cmyk ? pilCmykToRgb(pixels, width, height) : { width, height, data: pixels };
  } catch (e) {
    instance = undefined; // its stack and heap are unknown after an exception
    handle = input = meta = output = 0;
    if (e instanceof DataError) throw e;
    const why = e instanceof LibjpegError ? 'libjpeg-turbo cannot decode it (corrupted or unsupported JPEG)' : `libjpeg-turbo failed: ${describeError(e)}`;
    throw new DataError(`cannot decode image: ${why}`, { file: name, cause: e });
  } finally {
    if (instance === t) {
      if (handle) t.tjDestroy(handle);
      for (const p of [input, meta, output]) if (p) t.free(p);
      if (t.memory.buffer.byteLength > MAX_KEPT_MEMORY) instance = undefined;
    }
  }
}

/** Bytes of WebAssembly memory the decoder keeps between calls (0: no instance); for tests. */
export function jpegTurboMemoryBytes(): number {
  return instance ? instance.memory.buffer.byteLength : 0;
}
