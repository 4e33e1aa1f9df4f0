/**
 * safetensors: byte-level agreement with a file built by hand from the format spec, bit-exact
 * round trips (NaN payloads, −0, denormals, ±Inf), atomic checkpoint writes, and a DataError —
 * never a crash or garbage — for truncated, corrupted or inconsistent files. If python3 is
 * present, a stdlib-only reader (struct + json, following the spec) opens our file too.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { DataError } from '../util/errors.js';
import { loadCheckpointInto, readCheckpoint, saveCheckpoint } from './checkpoint.js';
import { Linear, Sequential } from './module.js';
import { Rng } from '../util/rng.js';
import { CHECKSUM_KEY, decodeSafetensors, encodeSafetensors, loadSafetensors, saveSafetensors } from './safetensors.js';
import { createHash } from 'node:crypto';

const tmp = () => tmpDir('askfirst-st');

/** The spec, written out by hand: u64 LE length, JSON, LE f32 data. */
function handMade(header: string, floats: number[]): Uint8Array {
  const h = Buffer.from(header, 'utf8');
  const out = Buffer.alloc(8 + h.length + floats.length * 4);
  out.writeBigUInt64LE(BigInt(h.length), 0);
  h.copy(out, 8);
  floats.forEach((f, i) => out.writeFloatLE(f, 8 + h.length + 4 * i));
  return new Uint8Array(out);
}

describe('safetensors', () => {
  it('writes exactly the bytes the spec prescribes', () => {
    const bytes = encodeSafetensors(
      [
        ['a', { data: Float32Array.of(1, 2, 3, 4, 5, 6), shape: [2, 3] }],
        ['b', { data: Float32Array.of(-0.5), shape: [] }],
      ],
      { k: 'v' },
    );
    const sum = createHash('sha256').update(handMade('', [1, 2, 3, 4, 5, 6, -0.5]).subarray(8)).digest('hex');
    const json = `{"__metadata__":{"k":"v","askfirst.data_sha256":"${sum}"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F32","shape":[],"data_offsets":[24,28]}}`;
    const padded = json + ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
    expect(Buffer.from(bytes).equals(Buffer.from(handMade(padded, [1, 2, 3, 4, 5, 6, -0.5])))).toBe(true);
    expect((8 + padded.length) % 8).toBe(0);
    // and reads a hand-made file (unpadded header, tensors listed out of offset order)
    const other = handMade('{"y":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', [7, 8, 9]);
    const r = decodeSafetensors(other);
    expect(Array.from(r.tensors.get('x')!.data)).toEqual([7, 8]);
    expect(Array.from(r.tensors.get('y')!.data)).toEqual([9]);
  });

  it('round-trips bit-exactly, including NaN payloads, -0, denormals and infinities', () => {
    const n = 1000;
    const bits = new Uint32Array(n);
    const rng = new Rng(9);
    for (let i = 0; i < n; i++) bits[i] = rng.nextU32();
    bits.set([0x80000000, 0x00000001, 0x7f800000, 0xff800000, 0x7fc00001, 0xffbfffff], 0);
    const data = new Float32Array(bits.buffer);
    const dir = tmp();
    const p = join(dir, 'w.safetensors');
    saveSafetensors(p, [['w', { data, shape: [10, 100] }]], { note: 'ünïcode ✓' });
    const back = loadSafetensors(p);
    expect(back.metadata.note).toBe('ünïcode ✓');
    expect(back.tensors.get('w')!.shape).toEqual([10, 100]);
    expect(new Uint32Array(back.tensors.get('w')!.data.buffer)).toEqual(bits);
  });

  it('rejects truncated, corrupted and inconsistent files with a DataError', () => {
    const good = encodeSafetensors([['w', { data: Float32Array.of(1, 2, 3), shape: [3] }]]);
    const bad = (b: Uint8Array, re: RegExp) => {
      let err: unknown;
      try {
        decodeSafetensors(b, 'ck.safetensors');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DataError);
      expect((err as Error).message).toMatch(re);
      expect((err as Error).message).toMatch(/ck\.safetensors/);
    };
    bad(good.subarray(0, 5), /shorter than the 8-byte/);
    bad(good.subarray(0, 20), /truncated/);
    bad(good.subarray(0, good.length - 1), /cover 12 bytes but the data section has 11/);
    bad(Uint8Array.from([...good, 0]), /trailing/);
    const big = good.slice();
    new DataView(big.buffer).setBigUint64(0, 1n << 40n, true);
    bad(big, /implausible/);
    const garbled = good.slice();
    garbled[9] = 0x7b; // '{' inside the JSON → parse error
    garbled[10] = 0x7b;
    bad(garbled, /does not parse/);
    bad(handMade('{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}', [0]), /dtype "F16"/);
    bad(handMade('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', [0]), /needs 8/);
    bad(handMade('{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', [0, 0]), /expected 0/);
    bad(handMade('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', [0]), /bad shape/);
    bad(handMade('[1,2]', []), /not a JSON object/);
    bad(handMade('{"__metadata__":{"a":1}}', []), /must be a string/);
  });

  it('checkpoints: atomic write of weights + config, strict load, no temp files left', () => {
    const dir = join(tmp(), 'ck');
    const rng = new Rng(3);
    const net = new Sequential(new Linear(4, 3, { rng }), new Linear(3, 2, { rng }));
    const opt = [['optim#0.weight.exp_avg', { data: new Float32Array(12).fill(0.5), shape: [3, 4] }]] as [string, { data: Float32Array; shape: number[] }][];
    saveCheckpoint(dir, net, { config: { arch: 'mlp', sizes: [4, 3, 2] }, metadata: { step: '10' }, extra: opt });
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'model.safetensors']);
    const other = new Sequential(new Linear(4, 3, { rng }), new Linear(3, 2, { rng }));
    const ck = loadCheckpointInto(dir, other);
    expect(ck.config).toEqual({ arch: 'mlp', sizes: [4, 3, 2] });
    expect(ck.metadata).toEqual({ format: 'askfirst', step: '10' });
    expect(ck.tensors.get('optim#0.weight.exp_avg')!.data[0]).toBe(0.5);
    other.namedParameters().forEach(([, p], i) => expect(p.data).toEqual(net.parameters()[i].data));
    expect(() => loadCheckpointInto(dir, new Sequential(new Linear(4, 3)))).toThrow(/unexpected 1\.weight/);
    writeFileSync(join(dir, 'model.safetensors'), readFileSync(join(dir, 'model.safetensors')).subarray(0, 100));
    expect(() => readCheckpoint(dir)).toThrow(DataError);
  });

  it('a spec-following Python reader (stdlib only) opens our file', (ctx) => {
    try {
      execFileSync('python3', ['-c', 'import json, struct'], { stdio: 'ignore' });
    } catch {
      ctx.skip();
    }
    const dir = tmp();
    const p = join(dir, 'm.safetensors');
    saveSafetensors(p, [['x', { data: Float32Array.of(1.5, -2, 3.25), shape: [3] }], ['y', { data: Float32Array.of(0.1), shape: [1, 1] }]], { a: 'b' });
    const py = `
import json, struct, sys
b = open(sys.argv[1], 'rb').read()
n, = struct.unpack('<Q', b[:8]); h = json.loads(b[8:8+n]); d = b[8+n:]
out = {k: [v['shape'], list(struct.unpack('<%df' % ((v['data_offsets'][1]-v['data_offsets'][0])//4), d[v['data_offsets'][0]:v['data_offsets'][1]]))] for k, v in h.items() if k != '__metadata__'}
print(json.dumps({'meta': h.get('__metadata__'), 't': out, 'aligned': (8+n) % 8 == 0}))`;
    const r = JSON.parse(execFileSync('python3', ['-c', py, p], { encoding: 'utf8' }));
    expect(r.meta).toEqual({ a: 'b', [CHECKSUM_KEY]: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(r.t.x).toEqual([[3], [1.5, -2, 3.25]]);
    expect(r.t.y[0]).toEqual([1, 1]);
    expect(r.t.y[1][0]).toBeCloseTo(0.1, 6);
    expect(r.aligned).toBe(true);
  });
});

describe('safetensors names that are also Object.prototype keys', () => {
  it('round-trips tensors and metadata named "constructor", "toString", "hasOwnProperty" and "__proto__"', () => {
    const names = ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'w'];
    const tensors = names.map((n, i): [string, { data: Float32Array; shape: number[] }] => [n, { data: Float32Array.of(i, -i), shape: [2] }]);
    const meta = Object.fromEntries(names.map((n) => [n, `m-${n}`])); // fromEntries defines an own "__proto__" key
    const back = decodeSafetensors(encodeSafetensors(tensors, meta));
    expect([...back.tensors.keys()]).toEqual(names);
    names.forEach((n, i) => expect(Array.from(back.tensors.get(n)!.data)).toEqual([i, -i]));
    expect(Object.keys(back.metadata).sort()).toEqual([...names].sort());
    for (const n of names) expect(Object.getOwnPropertyDescriptor(back.metadata, n)?.value).toBe(`m-${n}`);
    // a real duplicate is still refused
    expect(() => encodeSafetensors([tensors[0], tensors[0]])).toThrow(/duplicate or reserved tensor name "constructor"/);
  });
});
