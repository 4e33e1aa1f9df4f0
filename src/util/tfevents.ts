/**
 * A TensorBoard event-file writer for scalars, by hand: no npm library writes tfevents without
 * TensorFlow itself (@tensorflow/tfjs-node downloads a native libtensorflow at install, which
 * this project cannot fetch and would not want for a few scalars), and the format is small:
 *
 *   file      = record*                       (TFRecord framing, tensorflow/core/lib/io/record_writer.cc)
 *   record    = uint64 LE length · uint32 LE masked_crc32c(length bytes) · data · uint32 LE masked_crc32c(data)
 *   masked(c) = ((c >>> 15) | (c << 17)) + 0xa282ead8   (mod 2³²)
 *   data      = an `Event` protobuf (tensorflow/core/util/event.proto):
 *                 1 wall_time double · 2 step int64 · 3 file_version string ("brain.Event:2")
 *                 5 summary { 1 value { 1 tag string · 2 simple_value float } }
 *                 6 session_log { 1 status enum (START = 1) }
 *
 * TensorBoard reads `<logdir>/**\/events.out.tfevents.*`. A resumed run writes a new file that
 * opens with a SessionLog START at the resume step, which makes TensorBoard drop the points
 * logged after that step by the interrupted run (they are logged again). Tests read the files
 * back with an independent Python reader (standard library only, tests/tensorboard.test.ts).
 */
import { existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { namePath } from './fs-errors.js';
import { syncAndClose } from './fsx.js';

// ─── CRC-32C (Castagnoli), table-driven ────────────────────────────────────────────────
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32c(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function maskedCrc(buf: Uint8Array): number {
  const c = crc32c(buf);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One TFRecord around `data`. */
export function tfRecord(data: Uint8Array): Buffer {
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(data.length));
  const out = Buffer.alloc(8 + 4 + data.length + 4);
  len.copy(out, 0);
  out.writeUInt32LE(maskedCrc(len), 8);
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, 12);
  out.writeUInt32LE(maskedCrc(data), 12 + data.length);
  return out;
}

// ─── Protobuf encoding (the few wire types the Event message needs) ────────────────────
function varint(n: bigint | number): number[] {
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n; // int64 two's complement
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
const key = (field: number, wire: number) => varint((field << 3) | wire);
function lenDelimited(field: number, bytes: Uint8Array | number[]): number[] {
  return [...key(field, 2), ...varint(bytes.length), ...bytes];
}
function double(field: number, x: number): number[] {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(x);
  return [...key(field, 1), ...b];
}
function float(field: number, x: number): number[] {
  const b = Buffer.alloc(4);
  b.writeFloatLE(x);
  return [...key(field, 5), ...b];
}

/** An Event: wall time, step, and one of file_version / scalars / session START. */
export function encodeEvent(e: { wallTime: number; step: number; fileVersion?: string; scalars?: Record<string, number>; sessionStart?: boolean }): Uint8Array {
  const bytes: number[] = [...double(1, e.wallTime), ...key(2, 0), ...varint(Math.round(e.step))];
  if (e.fileVersion !== undefined) bytes.push(...lenDelimited(3, Buffer.from(e.fileVersion, 'utf8')));
  if (e.scalars) {
    const values: number[] = [];
    for (const [tag, v] of Object.entries(e.scalars)) {
      values.push(...lenDelimited(1, [...lenDelimited(1, Buffer.from(tag, 'utf8')), ...float(2, v)]));
    }
    bytes.push(...lenDelimited(5, values));
  }
  if (e.sessionStart) bytes.push(...lenDelimited(6, [...key(1, 0), ...varint(1)]));
  return Uint8Array.from(bytes);
}

/** Appends scalar events to `<dir>/events.out.tfevents.<seconds>.<host>` (a new file per writer). */
export class EventFileWriter {
  readonly path: string;
  private fd: number;

  constructor(dir: string, o: { resumeStep?: number } = {}) {
    mkdirSync(dir, { recursive: true });
    const now = Date.now() / 1000;
    const base = `events.out.tfevents.${Math.floor(now)}.${hostname().replace(/[^A-Za-z0-9.-]/g, '_')}.${process.pid}`;
    let n = 0;
    while (existsSync(join(dir, n ? `${base}.${n}` : base))) n++;
    this.path = join(dir, n ? `${base}.${n}` : base);
    this.fd = openSync(this.path, 'a');
    this.write({ wallTime: now, step: 0, fileVersion: 'brain.Event:2' });
    if (o.resumeStep !== undefined) this.write({ wallTime: now, step: o.resumeStep + 1, sessionStart: true });
  }

  private write(e: Parameters<typeof encodeEvent>[0]): void {
    try {
      writeSync(this.fd, tfRecord(encodeEvent(e)));
    } catch (err) {
      throw namePath(err, this.path); // a full disk: Node's error names no file
    }
  }

  /** Log finite numbers of `row` at `step` (non-finite values are skipped: TensorBoard cannot plot them usefully). */
  scalars(step: number, row: Record<string, number>, wallTime = Date.now() / 1000): void {
    const finite = Object.fromEntries(Object.entries(row).filter(([, v]) => typeof v === 'number' && Number.isFinite(v)));
    if (Object.keys(finite).length) this.write({ wallTime, step, scalars: finite });
  }

  close(): void {
    if (this.fd >= 0) {
      const fd = this.fd;
      this.fd = -1;
      syncAndClose(fd, this.path);
    }
  }
}
