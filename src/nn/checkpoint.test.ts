import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { AdamW, Linear, Module, mean, optimizerExtras, restoreOptimizer, square, tensor } from './index.js';

class Two extends Module {
  readonly a: Linear;
  readonly b: Linear;
  constructor() {
    super();
    const rng = new Rng(1);
    this.a = this.addModule('a', new Linear(3, 2, { rng }));
    this.b = this.addModule('b', new Linear(3, 2, { rng }));
  }
}

const x = tensor(Float32Array.of(0.5, -1, 2, 1, 0.25, -0.5), [2, 3]);

function step(m: Two, opt: AdamW, both: boolean): void {
  opt.zeroGrad();
  const l = both ? mean(square(m.b.forward(x))) : null;
  mean(square(m.a.forward(x))).backward();
  l?.backward();
  opt.step();
}

describe('optimizer state in checkpoints', () => {
  it('keys every parameter’s state by its full name (two layers’ "weight" do not collide)', () => {
    const m = new Two();
    const keys = [...new AdamW(m.parameters(), { lr: 0.1 }).stateBuffers().keys()];
    expect(keys).toEqual(['a.weight.exp_avg', 'a.weight.exp_avg_sq', 'a.bias.exp_avg', 'a.bias.exp_avg_sq', 'b.weight.exp_avg', 'b.weight.exp_avg_sq', 'b.bias.exp_avg', 'b.bias.exp_avg_sq']);
  });

  it('restored, the next steps match the uninterrupted run — also for a parameter that gets no gradient (its momentum still moves it)', () => {
    const m = new Two();
    const opt = new AdamW(m.parameters(), { lr: 0.1 });
    step(m, opt, true);
    // the checkpoint: weights and optimizer state after one step
    const weights = m.namedParameters().map(([, p]) => p.data.slice());
    const extras = new Map(optimizerExtras(opt).map(([n, t]) => [n, { data: t.data.slice(), shape: t.shape }]));
    // uninterrupted: two more steps in which only layer a gets a gradient
    step(m, opt, false);
    step(m, opt, false);
    // resumed in a fresh process: same weights, restored state, the same two steps
    const r = new Two();
    r.namedParameters().forEach(([, p], i) => p.data.set(weights[i]));
    const ropt = new AdamW(r.parameters(), { lr: 0.1 });
    restoreOptimizer(ropt, extras, 'ckpt');
    ropt.stepCount = opt.stepCount - 2;
    step(r, ropt, false);
    step(r, ropt, false);
    expect(r.namedParameters().map(([, p]) => Array.from(p.data))).toEqual(m.namedParameters().map(([, p]) => Array.from(p.data)));
    expect(Array.from(m.b.weight.data)).not.toEqual(Array.from(weights[2])); // b did move, by momentum alone
  });
});

describe('damaged checkpoints are refused on load', () => {
  const save = async () => {
    const { saveCheckpoint } = await import('./checkpoint.js');
    const { tmpDir } = await import('../testing/tmp.js');
    const dir = tmpDir('af-damaged');
    saveCheckpoint(dir, new Two(), { config: { two: true } });
    return dir;
  };

  it('a save stopped after the weights, over an earlier checkpoint, leaves no config.json: it reads as unfinished, not as the old config with new weights', async () => {
    const { existsSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { readCheckpoint, saveCheckpoint } = await import('./checkpoint.js');
    const dir = await save();
    const m = new Two();
    m.a.weight.data.fill(0.5);
    // a config JSON cannot write (a BigInt) fails after the weights are written: a stop between the two files
    expect(() => saveCheckpoint(dir, m, { config: { n: 1n } })).toThrow(/BigInt/);
    expect(existsSync(join(dir, 'config.json'))).toBe(false);
    expect(() => readCheckpoint(dir)).toThrow(/config\.json/);
    saveCheckpoint(dir, m, { config: { two: 2 } });
    expect(readCheckpoint(dir).config).toEqual({ two: 2 });
  });

  it('flipped bits in the weights fail the checksum, naming the file', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { readCheckpoint } = await import('./checkpoint.js');
    const dir = await save();
    const f = join(dir, 'model.safetensors');
    expect(() => readCheckpoint(dir)).not.toThrow();
    const b = readFileSync(f);
    for (const k of [1, 7, 20]) b[b.length - k] ^= 0x10; // three flipped bits in the data
    writeFileSync(f, b);
    expect(() => readCheckpoint(dir)).toThrow(/model\.safetensors: the weights do not match the checksum/);
  });

  it('NaN or infinite weights are refused, naming the tensor (even with a valid checksum)', async () => {
    const { join } = await import('node:path');
    const { readCheckpoint } = await import('./checkpoint.js');
    const { saveSafetensors } = await import('./safetensors.js');
    const dir = await save();
    const m = new Two();
    m.b.weight.data[3] = Number.NaN;
    m.a.bias!.data[0] = Infinity;
    saveSafetensors(join(dir, 'model.safetensors'), m.namedParameters().map(([n, p]) => [n, { data: p.data, shape: p.shape }]));
    expect(() => readCheckpoint(dir)).toThrow(/model\.safetensors: the checkpoint holds non-finite values \(NaN or infinity\) in a\.bias \(1 of 2\), b\.weight \(1 of 6\)/);
  });

  it('weights without a checksum (older layout) are refused unless allowed, and then it warns', async () => {
    const { join } = await import('node:path');
    const { writeFileSync } = await import('node:fs');
    const { readCheckpoint } = await import('./checkpoint.js');
    const dir = await save();
    // a pre-checksum file: the spec written by hand, no __metadata__
    const h = Buffer.from('{"a.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"a.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}}');
    const pad = (8 - ((8 + h.length) % 8)) % 8;
    const buf = Buffer.alloc(8 + h.length + pad + 32);
    buf.writeBigUInt64LE(BigInt(h.length + pad), 0);
    Buffer.concat([h, Buffer.from(' '.repeat(pad))]).copy(buf, 8);
    writeFileSync(join(dir, 'model.safetensors'), buf);
    expect(() => readCheckpoint(dir, { allowOldLayout: false })).toThrow(/model\.safetensors: the weights carry no checksum.*--allow-old-checkpoint/);
    const warnings: string[] = [];
    expect(readCheckpoint(dir, { allowOldLayout: true, warn: (m) => warnings.push(m) }).tensors.size).toBe(2);
    expect(warnings).toEqual([expect.stringMatching(/model\.safetensors: loading weights without a checksum \(older layout, allowed\)/)]);
  });
});

describe("config.json's format version", () => {
  it('is written first in config.json and is not part of the config read back; a newer one is refused in one line naming the file; none is version 1', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { readCheckpoint, saveCheckpoint } = await import('./checkpoint.js');
    const { tmpDir } = await import('../testing/tmp.js');
    const dir = tmpDir('af-config-format');
    saveCheckpoint(dir, new Two(), { config: { kind: 'k', n: 1 } });
    const file = join(dir, 'config.json');
    const text = readFileSync(file, 'utf8');
    expect(JSON.parse(text)).toEqual({ format: 'askfirst-checkpoint', version: 1, kind: 'k', n: 1 });
    expect(Object.keys(JSON.parse(text))[0]).toBe('format');
    expect(readCheckpoint(dir).config).toEqual({ kind: 'k', n: 1 });
    // saved again as read: the same bytes (the stamp is not doubled or moved)
    saveCheckpoint(dir, new Two(), { config: readCheckpoint(dir).config });
    expect(readFileSync(file, 'utf8')).toBe(text);
    // a newer askfirst's: it was read as today's
    writeFileSync(file, JSON.stringify({ format: 'askfirst-checkpoint', version: 2, kind: 'k', n: 1 }));
    expect(() => readCheckpoint(dir)).toThrow(`${file}: written by a newer askfirst (askfirst-checkpoint version 2; this askfirst reads version 1 and older): upgrade askfirst to read it`);
    writeFileSync(file, JSON.stringify({ format: 'askfirst-checkpoint', version: '1', kind: 'k' }));
    expect(() => readCheckpoint(dir)).toThrow(/config\.json: "version" is "1", not the whole number ≥ 1 askfirst writes \(damaged\?\)/);
    // written before config.json had a version: version 1, read as it is
    writeFileSync(file, JSON.stringify({ kind: 'k', n: 1 }));
    expect(readCheckpoint(dir).config).toEqual({ kind: 'k', n: 1 });
  });
  it('readCheckpointConfig, the one reader of config.json (a run\'s stage or step looked up): as saved, refused when newer; ifReadable: a missing or unparseable one is undefined', async () => {
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { readCheckpointConfig, saveCheckpoint } = await import('./checkpoint.js');
    const { tmpDir } = await import('../testing/tmp.js');
    const dir = tmpDir('af-config-reader');
    const file = join(dir, 'config.json');
    expect(() => readCheckpointConfig(dir)).toThrow(`no checkpoint config at ${file}`);
    expect(readCheckpointConfig(dir, { ifReadable: true })).toBeUndefined();
    saveCheckpoint(dir, new Two(), { config: { kind: 'k', training: { step: 3 } } });
    expect(readCheckpointConfig(dir)).toEqual({ kind: 'k', training: { step: 3 } });
    writeFileSync(file, '{ not json');
    expect(() => readCheckpointConfig(dir)).toThrow(`${file}: config.json does not parse as JSON`);
    expect(readCheckpointConfig(dir, { ifReadable: true })).toBeUndefined();
    writeFileSync(file, JSON.stringify({ format: 'askfirst-checkpoint', version: 2, training: { step: 3 } }));
    for (const ifReadable of [false, true]) expect(() => readCheckpointConfig(dir, { ifReadable })).toThrow(`${file}: written by a newer askfirst (askfirst-checkpoint version 2;`);
  });
});
