/**
 * safetensors reader/writer (https://github.com/huggingface/safetensors, format spec in its
 * README): 8-byte little-endian u64 header length N, N bytes of UTF-8 JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}` (padded
 * with spaces so the data starts 8-byte aligned), then the little-endian tensor bytes, with
 * offsets relative to the start of the data, contiguous, covering it exactly.
 * We write dtype "F32" only and read F32 (anything else is a DataError naming the tensor).
 * Writes are atomic (temp file + fsync + rename); every malformed input gives a DataError.
 * We also store the SHA-256 of the data section as metadata `CHECKSUM_KEY` (other readers ignore
 * it), and verify it on read when present: a flipped bit in the weights is a DataError, not a
 * silently worse model.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DataError, NotFoundError } from '../util/errors.js';
import { writeFileAtomicSync } from '../util/fsx.js';
import type { TensorData } from './module.js';
import { shapeSize } from './tensor.js';

export interface SafetensorsContents {
  tensors: Map<string, TensorData>;
  /** The file's `__metadata__`, without `CHECKSUM_KEY`. */
  metadata: Record<string, string>;
  /** True when the file carried a checksum (and it matched: a mismatch throws). */
  checksummed: boolean;
  /** The SHA-256 of the data section (lower-case hex): the stored checksum, verified, or computed for a file without one. */
  sha256: string;
}

/** Metadata key of the data section's SHA-256 (lower-case hex). */
export const CHECKSUM_KEY = 'askfirst.data_sha256';

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const MAX_HEADER = 100_000_000; // the reference library's limit

/** Serialise tensors (name order preserved) and string metadata to safetensors bytes. */
export function encodeSafetensors(
  tensors: Iterable<[string, { data: Float32Array; shape: readonly number[] }]>,
  metadata?: Record<string, string>,
): Uint8Array {
  // Null-prototype objects: a tensor or metadata name such as "constructor", "toString" or
  // "__proto__" is an ordinary key here (with `{}` the first two were taken for duplicates via
  // `in`, and assigning "__proto__" set the prototype instead of a key).
  const header: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const meta: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(metadata ?? {})) {
    if (typeof v !== 'string') throw new DataError(`safetensors metadata value for "${k}" must be a string, got ${typeof v}`);
    if (k !== CHECKSUM_KEY) meta[k] = v;
  }
  header.__metadata__ = meta; // the checksum is filled in below, once the data is laid out
  const list: [string, Float32Array][] = [];
  let off = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__' || Object.hasOwn(header, name)) throw new DataError(`safetensors: duplicate or reserved tensor name "${name}"`);
    if (shapeSize(t.shape) !== t.data.length) throw new DataError(`safetensors: tensor "${name}" has ${t.data.length} values but shape [${t.shape.join(', ')}]`);
    const bytes = t.data.length * 4;
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [off, off + bytes] };
    list.push([name, t.data]);
    off += bytes;
  }
  const body = new Uint8Array(off);
  const bv = new DataView(body.buffer);
  let p = 0;
  for (const [, data] of list) {
    if (LITTLE_ENDIAN) {
      body.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), p);
      p += data.byteLength;
    } else for (let i = 0; i < data.length; i++, p += 4) bv.setFloat32(p, data[i], true);
  }
  meta[CHECKSUM_KEY] = createHash('sha256').update(body).digest('hex');
  let json = JSON.stringify(header);
  let hbytes = new TextEncoder().encode(json);
  const pad = (8 - ((8 + hbytes.length) % 8)) % 8;
  if (pad) {
    json += ' '.repeat(pad);
    hbytes = new TextEncoder().encode(json);
  }
  const out = new Uint8Array(8 + hbytes.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(hbytes.length), true);
  out.set(hbytes, 8);
  out.set(body, 8 + hbytes.length);
  return out;
}

/** Parse safetensors bytes; `file` is only used in error messages. */
export function decodeSafetensors(buf: Uint8Array, file?: string): SafetensorsContents {
  const fail = (msg: string, cause?: unknown): never => {
    throw new DataError(`not a valid safetensors file: ${msg}`, { file, cause });
  };
  if (buf.length < 8) fail(`${buf.length} bytes, shorter than the 8-byte header length (truncated?)`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER)) fail(`header length ${n64} is implausible (corrupted?)`);
  const n = Number(n64);
  if (8 + n > buf.length) fail(`header says ${n} bytes of JSON but the file has only ${buf.length - 8} after the length (truncated?)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + n)));
  } catch (e) {
    fail('the JSON header does not parse (corrupted?)', e);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail('the header is not a JSON object');
  const dataStart = 8 + n;
  const dataLen = buf.length - dataStart;
  const metadata: Record<string, string> = Object.create(null) as Record<string, string>; // ("__proto__" is a key like any other)
  const entries: { name: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!v || typeof v !== 'object' || Array.isArray(v)) fail('__metadata__ must be an object of strings');
      for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
        if (typeof s !== 'string') fail(`__metadata__.${k} must be a string`);
        metadata[k] = s as string;
      }
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!e || typeof e !== 'object') fail(`entry "${name}" is not an object`);
    if (e.dtype !== 'F32') fail(`tensor "${name}" has dtype ${JSON.stringify(e.dtype)}; askfirst reads F32 only`);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor "${name}" has a bad shape ${JSON.stringify(shape)}`);
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0) || offs[0] > offs[1]) {
      fail(`tensor "${name}" has bad data_offsets ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as number[];
    const want = shapeSize(shape as number[]) * 4;
    if (end - begin !== want) fail(`tensor "${name}" spans ${end - begin} bytes but shape [${(shape as number[]).join(', ')}] of F32 needs ${want}`);
    entries.push({ name, shape: shape as number[], begin, end });
  }
  // The data must be covered exactly, without holes or overlaps (as the reference library checks).
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of sorted) {
    if (e.begin !== pos) fail(`tensor "${e.name}" starts at byte ${e.begin}, expected ${pos} (overlap or hole)`);
    pos = e.end;
  }
  if (pos !== dataLen) fail(`the tensors cover ${pos} bytes but the data section has ${dataLen} (truncated or trailing bytes)`);
  const checksum = metadata[CHECKSUM_KEY];
  delete metadata[CHECKSUM_KEY];
  const actual = createHash('sha256').update(buf.subarray(dataStart)).digest('hex');
  if (checksum !== undefined) {
    if (actual !== checksum) {
      throw new DataError('the weights do not match the checksum stored with them: the file was damaged or changed after it was written (restore it or retrain)', { file });
    }
  }
  const tensors = new Map<string, TensorData>();
  for (const e of entries) {
    const count = (e.end - e.begin) / 4;
    const data = new Float32Array(count);
    const base = dataStart + e.begin;
    if (LITTLE_ENDIAN) new Uint8Array(data.buffer).set(buf.subarray(base, base + 4 * count));
    else for (let i = 0; i < count; i++) data[i] = dv.getFloat32(base + 4 * i, true);
    tensors.set(e.name, { data, shape: e.shape });
  }
  return { tensors, metadata: { ...metadata }, checksummed: checksum !== undefined, sha256: actual };
}

export function saveSafetensors(
  path: string,
  tensors: Iterable<[string, { data: Float32Array; shape: readonly number[] }]>,
  metadata?: Record<string, string>,
): void {
  writeFileAtomicSync(path, encodeSafetensors(tensors, metadata));
}

export function loadSafetensors(path: string): SafetensorsContents {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`checkpoint file not found: ${path}`, { cause: e });
    throw e;
  }
  return decodeSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path);
}
