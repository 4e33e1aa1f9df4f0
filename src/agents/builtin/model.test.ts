import { describe, expect, it } from 'vitest';
import { gather, maxPool2d, mean, neg, noGrad, relu, tensor } from '../../nn/index.js';
import { headBatch } from './features.js';
import { loadWasmKernels } from '../../nn/kernels/wasm.js';
import { MAX_CHANNELS, MAX_TENSOR_WEIGHTS } from './model-config.js';
import { MultimodalModel, resolveModelConfig, splitFeatures, towardObject, uncertaintyFeatures } from './model.js';
import { Vocab } from './vocab.js';

const vocab = Vocab.fromTexts(['circle square star heart', 'what object is this', 'move the camera left', 'add more details', 'i cannot answer this question', 'wiggle the frobnicator']);
const tiny = () => new MultimodalModel(resolveModelConfig({ imageSize: 16, channels: [4, 8], hidden: 16, embedDim: 8, headHidden: 8, projDim: 8 }), vocab.toJSON());
const img = (B: number, seed = 1) => tensor(Float32Array.from({ length: B * 3 * 16 * 16 }, (_, i) => Math.sin(i * 0.37 + seed) * 0.5), [B, 3, 16, 16]);

describe('built-in model', () => {
  it('refuses up front more conv channels a stage than the WASM kernels hold a scratch for (any number was taken: their i32 byte count wrapped past 2 GiB)', () => {
    expect(() => resolveModelConfig({ imageSize: 256, channels: [16, 4096] })).toThrow(/channels\.1: at most 1024 channels a stage \(each thread of the WASM kernels needs one image's im2col scratch, 1\.2 GB at 1024 channels, in a 4 GiB memory\)/);
    expect(resolveModelConfig({ imageSize: 256, channels: [MAX_CHANNELS, MAX_CHANNELS], hidden: 32 }).channels).toEqual([MAX_CHANNELS, MAX_CHANNELS]); // hidden 32: the fc's weights within MAX_TENSOR_WEIGHTS
    // the largest stage the bound lets through (the second's, at the largest imageSize: 128×128 pixels in): the kernels' own
    // scratch sizes hold it whole (1.2 GB); at 4096 channels they are exact too (2 × 2.4 GB: once wrapped to 0.54 GB)
    const ex = (loadWasmKernels(1) as unknown as { ex: Record<'convScratchBytes' | 'convBackwardScratchBytes', (...a: number[]) => number> }).ex;
    const im2col = (c: number) => c * 9 * 128 * 128 * 4;
    expect(ex.convScratchBytes(MAX_CHANNELS, 3, 3, 128, 128)).toBeGreaterThanOrEqual(im2col(MAX_CHANNELS));
    expect(ex.convBackwardScratchBytes(MAX_CHANNELS, 3, 3, 128, 128)).toBeGreaterThanOrEqual(2 * im2col(MAX_CHANNELS));
    expect(ex.convBackwardScratchBytes(MAX_CHANNELS, 3, 3, 128, 128)).toBeLessThan(1.25e9);
    expect(ex.convBackwardScratchBytes(4096, 3, 3, 128, 128)).toBeGreaterThanOrEqual(2 * im2col(4096));
  });

  it('refuses up front a config whose fc layer (or another weight matrix) has more weights than Adam can step in a 4 GiB WASM memory (hidden had no bound: 8.6 GB of fc weights failed unclearly)', () => {
    // one stage of 1024 channels at imageSize 256: 1024·128·128 = 2^24 fc inputs, so hidden 15 fits and 16 does not
    expect(() => resolveModelConfig({ imageSize: 256, channels: [MAX_CHANNELS] })).toThrow(
      /^invalid model config:\n {2}- hidden: the fc layer from the last conv stage would have 2,147,483,648 weights \(1024 channels × 128×128 positions after 1 stage at image-size 256, × hidden 128\), more than the 268,369,920 a 4 GiB WASM memory holds for Adam's step on it \(weights, gradient and two moments, 4 bytes each\): lower these settings$/,
    );
    expect(() => resolveModelConfig({ imageSize: 256, channels: [MAX_CHANNELS], hidden: 16 })).toThrow(/268,435,456 weights/);
    expect(resolveModelConfig({ imageSize: 256, channels: [MAX_CHANNELS], hidden: 15 }).hidden).toBe(15);
    expect(() => resolveModelConfig({ headHidden: 10 ** 8 })).toThrow(/head-hidden: the which-intervention head would have 12,800,000,000 weights/);
    expect(resolveModelConfig({})).toMatchObject({ hidden: 128, headHidden: 64, channels: [16, 32, 64] }); // defaults unchanged
    // the bound is what adamStep's arena holds (wasm.ts: from 64 KiB, 24 bytes of settings, then weights, gradient, both
    // moments, and a 4-byte counter, each at a 64-byte boundary) within 4 GiB, and 1 MiB short of 2^28 weights
    const up = (x: number) => Math.ceil(x / 64) * 64;
    let end = 65536 + 24;
    for (let i = 0; i < 4; i++) end = up(end) + 4 * MAX_TENSOR_WEIGHTS;
    expect(up(end) + 4).toBeLessThanOrEqual(2 ** 32);
    expect(16 * MAX_TENSOR_WEIGHTS).toBe(2 ** 32 - 2 ** 20);
  });

  it('gives a distribution over each row’s shown options, padded entries excluded', () => {
    const m = tiny();
    const hb = headBatch(
      [
        { question: 'what object is this', options: ['move the camera left', 'I cannot answer this question.', 'circle', 'square'], numInterventions: 2 },
        { question: 'what object is this', options: ['circle', 'star'], numInterventions: 0 },
      ],
      vocab,
    );
    const out = m.head(m.encode(img(2)), hb);
    expect(out.logp.shape).toEqual([2, 4]);
    const p0 = Array.from(out.logp.data.slice(0, 4), Math.exp).reduce((a, b) => a + b);
    const p1 = Array.from(out.logp.data.slice(4, 6), Math.exp).reduce((a, b) => a + b);
    expect(p0).toBeCloseTo(1, 5);
    expect(p1).toBeCloseTo(1, 5);
    expect(out.logp.data[6]).toBeLessThan(-1e29);
  });

  it('starts as a guesser: the gate bias keeps asking rare', () => {
    const m = tiny();
    const hb = headBatch([{ question: 'what object is this', options: ['add more details', 'circle', 'square', 'star', 'heart'], numInterventions: 1 }], vocab);
    const out = m.head(m.encode(img(1)), hb);
    expect(Math.exp(out.logp.data[0])).toBeLessThan(0.05);
  });

  it('with an uncertainty-only gate, the ask mass does not depend on the intervention words', () => {
    const m = tiny();
    const ask = (opts: string[]) => {
      const hb = headBatch([{ question: 'what object is this', options: [...opts, 'circle', 'square'], numInterventions: opts.length }], vocab);
      const lp = m.head(m.encode(img(1)), hb).logp.data;
      return opts.reduce((a, _, i) => a + Math.exp(lp[i]), 0);
    };
    expect(ask(['move the camera left', 'I cannot answer this question.'])).toBeCloseTo(ask(['wiggle the frobnicator', 'add more details']), 6);
  });

  it('uncertainty features: confident vs uniform rows', () => {
    const hb = headBatch([{ question: 'q', options: ['a', 'b'], numInterventions: 0 }, { question: 'q', options: ['a', 'b'], numInterventions: 0 }], vocab);
    const u = uncertaintyFeatures(Float32Array.from([10, -10, 0, 0]), hb);
    expect(u[0]).toBeCloseTo(1, 4); // max p
    expect(u[1]).toBeLessThan(0.01); // entropy
    expect(u[6]).toBeCloseTo(0.5, 4);
    expect(u[7]).toBeCloseTo(1, 4);
    expect(u[5]).toBe(1); // no intervention shown: asking cannot bring a new view
  });

  it('the choice feature: 1 when at most one intervention is shown, 0 when more are', () => {
    const hb = headBatch(
      [
        { question: 'q', options: ['I cannot answer this question.', 'a', 'b'], numInterventions: 1 },
        { question: 'q', options: ['Wait.', 'I cannot answer this question.', 'a', 'b'], numInterventions: 2 },
      ],
      vocab,
    );
    const u = uncertaintyFeatures(new Float32Array(hb.B * hb.K), hb);
    expect(u[5]).toBe(1);
    expect(u[6 + 5]).toBe(0);
  });

  it('the choice feature counts only interventions not yet asked for at this view: back where it waited and rewound, asking brings nothing new', () => {
    const obs = { question: 'q', options: ['Wait.', 'Rewind.', 'I cannot answer this question.', 'a', 'b'], numInterventions: 3 };
    const hb = (history: { view: number; reply: string }[]) => headBatch([{ ...obs, view: 1, history }], vocab);
    const u = (b: ReturnType<typeof hb>) => uncertaintyFeatures(new Float32Array(b.B * b.K), b)[5];
    expect(u(hb([{ view: 1, reply: 'Wait.' }, { view: 2, reply: 'Rewind.' }]))).toBe(0); // rewind is still new here
    expect(u(hb([{ view: 1, reply: 'Wait.' }, { view: 2, reply: 'Rewind.' }, { view: 1, reply: 'Rewind.' }, { view: 0, reply: 'Wait.' }]))).toBe(1);
  });

  it('the repeat feature marks the intervention asked for at the previous turn, and ρ raises only its share of the ask mass', () => {
    const obs = { question: 'what object is this', options: ['move the camera left', 'add more details', 'I cannot answer this question.', 'circle', 'square'], numInterventions: 3 };
    const first = headBatch([obs], vocab);
    const again = headBatch([{ ...obs, history: [{ reply: 'Move the camera LEFT' }] }], vocab); // matched as the protocol matches replies
    const answered = headBatch([{ ...obs, history: [{ reply: 'circle' }] }], vocab); // a category is never "repeated"
    expect(Array.from(first.repeat!)).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(again.repeat!)).toEqual([1, 0, 0, 0, 0]);
    expect(Array.from(answered.repeat!)).toEqual([0, 0, 0, 0, 0]);
    const m = tiny();
    m.repeatWeight.data[0] = 2;
    const x = img(1);
    const p = (hb: typeof first) => Array.from(m.head(m.encode(x), hb).logp.data, Math.exp);
    const [a, b] = [p(first), p(again)];
    expect(Math.log(b[0] / b[1]) - Math.log(a[0] / a[1])).toBeCloseTo(2, 4); // the odds of repeating rise by e^ρ
    expect(b[0] + b[1] + b[2]).toBeCloseTo(a[0] + a[1] + a[2], 6); // P(ask) is unchanged
  });

  it('ρ yields to the where term: the repeated intervention keeps its bonus only where the toward term does not prefer another one', () => {
    const obs = { question: 'what object is this', options: ['move the camera left', 'add more details', 'I cannot answer this question.', 'circle', 'square'], numInterventions: 3 };
    const none = headBatch([obs], vocab);
    const again = (reply: string) => headBatch([{ ...obs, history: [{ reply }] }], vocab);
    const x = img(1, 5);
    const shift = (m: MultimodalModel, k: number) => {
      const f = m.features(x); // [h | where]: the toward term is on
      const a = Array.from(m.head(f, none).logp.data, Math.exp);
      const b = Array.from(m.head(f, again(obs.options[k])).logp.data, Math.exp);
      return Math.log(b[k] / b[2]) - Math.log(a[k] / a[2]); // how much asking again for option k gained over abstaining
    };
    const m = tiny();
    m.repeatWeight.data[0] = 2;
    const w = m.whichToward.weight.data;
    for (let i = 0; i < w.length; i++) w[i] = 50 * Math.sin(i * 1.7 + 0.3); // a strong toward term: gaps of many nats
    const flat = new MultimodalModel(resolveModelConfig({ ...m.config, repeatYield: 0 }), vocab.toJSON());
    flat.loadStateDict(m.stateDict());
    const gains = [0, 1].map((k) => shift(m, k));
    for (const k of [0, 1]) expect(shift(flat, k)).toBeCloseTo(2, 3); // repeatYield 0: ρ in full, as before
    expect(Math.min(...gains)).toBeCloseTo(0, 3); // at most one of them is the toward term's choice: the other loses ρ
    for (const g of gains) expect(Math.abs(g) < 1e-3 || Math.abs(g - 2) < 1e-3).toBe(true);
  });

  it('whichBound: RL\'s option-word score cannot outweigh ρ, so the last move is kept against it (late-event rewound after one wait without it)', () => {
    const obs = { question: 'a frame from a video', options: ['wait for the shape', 'rewind the video', 'I cannot answer this question.', 'circle', 'square'], numInterventions: 3 };
    const fresh = headBatch([obs], vocab);
    const waited = headBatch([{ ...obs, history: [{ reply: obs.options[0] }] }], vocab);
    const x = img(1);
    const logp = (m: MultimodalModel, hb: typeof fresh) => Array.from(m.head(m.encode(x), hb).logp.data);
    const rewindOverWait = (m: MultimodalModel, hb: typeof fresh) => {
      const lp = logp(m, hb);
      return lp[1] - lp[0];
    };
    const unbounded = new MultimodalModel(resolveModelConfig({ ...tiny().config, whichBound: 0 }), vocab.toJSON());
    unbounded.repeatWeight.data[0] = 5; // ρ as the demo keeps it
    // MLP_which scaled so it prefers "rewind" to "wait" by 20 nats (as RL's did on late-event after a perception change)
    const d = rewindOverWait(unbounded, fresh);
    const w2 = unbounded.which2.weight.data;
    for (let i = 0; i < w2.length; i++) w2[i] *= 20 / d;
    expect(rewindOverWait(unbounded, fresh)).toBeCloseTo(20, 3);
    const bounded = new MultimodalModel(resolveModelConfig({ ...tiny().config }), vocab.toJSON());
    expect(bounded.config.whichBound).toBe(2); // the default
    bounded.loadStateDict(unbounded.stateDict());
    const gap = rewindOverWait(bounded, fresh);
    expect(gap).toBeGreaterThanOrEqual(0);
    expect(gap).toBeLessThan(2 * 2); // any two options' MLP_which scores differ by < 2c (here both saturate)
    // after one wait: unbounded, the option-word score undoes it; bounded, ρ keeps waiting
    expect(rewindOverWait(unbounded, waited)).toBeGreaterThan(0);
    expect(rewindOverWait(bounded, waited)).toBeLessThan(0);
    // the decision to ask is not the bound's: P(ask) depends on the gate alone
    const pAsk = (m: MultimodalModel) => logp(m, fresh).slice(0, 3).reduce((t, v) => t + Math.exp(v), 0);
    expect(pAsk(bounded)).toBeCloseTo(pAsk(unbounded), 6);
  });

  it('the loop feature marks what was asked for at an earlier visit to this view, and λ moves only its share of the ask mass', () => {
    const obs = { question: 'what object is this', options: ['move the block left', 'move the block right', 'I cannot answer this question.', 'circle', 'square'], numInterventions: 3 };
    // went right from view 1, then left from view 2: back at view 1, "right" would go round again
    const history = [
      { view: 1, reply: 'B. move the block right' },
      { view: 2, reply: 'move the block left' },
    ];
    const back = headBatch([{ ...obs, view: 1, history }], vocab);
    const elsewhere = headBatch([{ ...obs, view: 3, history }], vocab);
    const unknown = headBatch([{ ...obs, view: -1, history }], vocab); // views not known (e.g. over HTTP without the history header)
    expect(Array.from(back.revisit!)).toEqual([0, 1, 0, 0, 0]);
    expect(Array.from(elsewhere.revisit!)).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(unknown.revisit!)).toEqual([0, 0, 0, 0, 0]);
    const m = tiny();
    const x = img(1);
    const p = (hb: typeof back) => Array.from(m.head(m.encode(x), hb).logp.data, Math.exp);
    m.loopWeight.data[0] = 0;
    const off = p(back);
    m.loopWeight.data[0] = -3;
    const on = p(back);
    // the previous reply "left" gets the repeat bonus in both, so only the loop term differs
    expect(Math.log(on[1] / on[0]) - Math.log(off[1] / off[0])).toBeCloseTo(-3, 4);
    expect(on[0] + on[1] + on[2]).toBeCloseTo(off[0] + off[1] + off[2], 6); // P(ask) is unchanged
  });

  it('features are [h | where map]: h as encode gives it, the map σ(1×1 conv of the last conv stage)', () => {
    const m = tiny(); // 16 px, two pooling stages → a 4×4 map
    const x = img(2, 3);
    const f = m.features(x);
    expect(f.shape).toEqual([2, 16 + 16]);
    const h = noGrad(() => m.encode(x));
    let y = x;
    for (const c of m.convs) y = noGrad(() => maxPool2d(relu(c.forward(y)), 2)); // [2, 8, 4, 4]
    const [B, C, s] = y.shape;
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < 16; j++) expect(f.data[b * 32 + j]).toBeCloseTo(h.data[b * 16 + j], 6);
      for (let p = 0; p < s * s; p++) {
        let acc = m.whereConv.bias!.data[0]; // slow reference: a plain loop over channels
        for (let c = 0; c < C; c++) acc += m.whereConv.weight.data[c] * y.data[(b * C + c) * s * s + p];
        expect(f.data[b * 32 + 16 + p]).toBeCloseTo(1 / (1 + Math.exp(-acc)), 6);
      }
    }
    const parts = splitFeatures(f, 16, 16);
    expect(Array.from(parts.where!.data.slice(0, 16))).toEqual(Array.from(f.data.slice(16, 32)));
    expect(splitFeatures(h, 16, 16).where).toBeNull();
    expect(() => splitFeatures(tensor(new Float32Array(20), [1, 20]), 16, 16)).toThrow(/width 20, expected 16 \(h\) or 32/);
  });

  it('which way the object lies: the where map’s centre of mass from the frame’s centre, whatever the object’s size', () => {
    const s = 4;
    const map = (cells: [number, number, number][]) => {
      const d = new Float32Array(s * s);
      for (const [i, j, v] of cells) d[i * s + j] = v; // row i, column j
      return tensor(d, [1, s * s]);
    };
    const t = (cells: [number, number, number][]) => Array.from(towardObject(map(cells)).data);
    const near = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 4));
    // [x, y, left, right, top, bottom]
    near(t([[1, 0, 1], [2, 0, 1]]), [-1, 0, 1, 0, 0, 0]); // a sliver down the left edge
    near(t([[0, 3, 0.5]]), [1, -1, 0, 1, 1, 0]); // the top right corner
    near(t([[3, 1, 1], [3, 2, 1], [2, 1, 1], [2, 2, 1]]), [0, 2 / 3, 0, 0, 0, 0.5]); // cut off at the bottom
    near(t([[1, 1, 1], [1, 2, 1], [2, 1, 1], [2, 2, 1]]), [0, 0, 0, 0, 0, 0]); // a large object inside the frame
    near(t([[1, 1, 0.2], [1, 2, 0.2], [2, 1, 0.2], [2, 2, 0.2]]), [0, 0, 0, 0, 0, 0]); // … or a faint one
    const batch = towardObject(tensor(Float32Array.from({ length: 2 * s * s }, (_, i) => (i % s === 0 && i < s * s ? 1 : i === 2 * s * s - 1 ? 1 : 0)), [2, s * s]));
    near(Array.from(batch.data), [-1, 0, 1, 0, 0.25, 0.25, 1, 1, 0, 1, 0, 1]); // row by row: the whole left column, then the bottom right corner
  });

  it('the where term moves only the choice among interventions, and only once trained (zero at start)', () => {
    const m = tiny();
    const hb = headBatch([{ question: 'what object is this', options: ['move the camera left', 'add more details', 'circle', 'square'], numInterventions: 2 }], vocab);
    const f = m.features(img(1, 5));
    const h = noGrad(() => m.encode(img(1, 5)));
    const p = (x: typeof f) => Array.from(m.head(x, hb).logp.data, Math.exp);
    const [withMap, plain] = [p(f), p(h)];
    withMap.forEach((v, i) => expect(v).toBeCloseTo(plain[i], 6)); // zero weights: the map changes nothing
    m.whichToward.weight.data.forEach((_, i, w) => (w[i] = Math.cos(i)));
    const trained = p(f);
    expect(Math.abs(Math.log(trained[0] / trained[1]) - Math.log(plain[0] / plain[1]))).toBeGreaterThan(1e-3);
    expect(trained[0] + trained[1]).toBeCloseTo(plain[0] + plain[1], 6); // P(ask) is unchanged
  });

  it('learns: a few steps of cross-entropy raise the right option’s probability and change parameters', async () => {
    const { AdamW } = await import('../../nn/index.js');
    const m = tiny();
    const before = m.catProj.weight.data.slice();
    const opt = new AdamW(m.parameters(), { lr: 1e-2 });
    const x = img(4, 3);
    const hb = headBatch(Array.from({ length: 4 }, () => ({ question: 'what object is this', options: ['circle', 'square', 'star', 'heart'], numInterventions: 0 })), vocab);
    const labels = [0, 1, 2, 3];
    const lossAt = () => neg(mean(gather(m.head(m.encode(x), hb).logp, labels)));
    const l0 = lossAt().item();
    for (let i = 0; i < 40; i++) {
      opt.zeroGrad();
      const l = lossAt();
      l.backward();
      opt.step();
    }
    expect(lossAt().item()).toBeLessThan(l0 * 0.5);
    expect(m.catProj.weight.data.some((v, i) => v !== before[i])).toBe(true);
  });
});

describe('whichLook: the image–word term of the which-intervention head', () => {
  const hb = () => headBatch([{ question: 'what object is this', options: ['move the camera left', 'wiggle the frobnicator', 'circle', 'square'], numInterventions: 2 }], vocab);
  it('is zero at construction (off), and the initialisation of every other parameter is what it was without it', () => {
    const m = tiny();
    expect(m.whichLook.weight.data.every((v) => v === 0)).toBe(true);
    expect(m.perceptionParameters()).toEqual([m.whichLook.weight]);
    expect(MultimodalModel.LATER_PARAMETERS).toContain('whichLook.weight'); // older checkpoints load it as zeros
  });
  it('once set, moves the choice toward the option whose words match the image, and never the decision to ask', () => {
    const m = tiny();
    const x = img(1);
    const before = m.head(m.encode(x), hb()).logp.data;
    // W_l h along the embedding of "wiggle": that option's score rises
    const h = m.encode(x).data;
    const e = m.words.weight.data.subarray(vocab.id('wiggle') * 8, vocab.id('wiggle') * 8 + 8);
    const hh = h.reduce((a, v) => a + v * v, 0);
    for (let d = 0; d < 8; d++) for (let j = 0; j < 16; j++) m.whichLook.weight.data[d * 16 + j] = (20 * e[d] * h[j]) / hh;
    const after = m.head(m.encode(x), hb()).logp.data;
    const askMass = (lp: ArrayLike<number>) => Math.exp(lp[0]) + Math.exp(lp[1]);
    expect(askMass(after)).toBeCloseTo(askMass(before), 5);
    expect(after[1] - after[0]).toBeGreaterThan(before[1] - before[0] + 1);
  });
  it('with lookWords, reads only those words of an option, the others as zero vectors: an option without them gets no look score (late-event rewound after one wait when it read every word)', () => {
    const m = tiny();
    const x = img(1);
    const h = m.encode(x).data;
    const e = m.words.weight.data.subarray(vocab.id('wiggle') * 8, vocab.id('wiggle') * 8 + 8);
    const hh = h.reduce((a, v) => a + v * v, 0);
    for (let d = 0; d < 8; d++) for (let j = 0; j < 16; j++) m.whichLook.weight.data[d * 16 + j] = (20 * e[d] * h[j]) / hh;
    const gap = (words: string[]) => {
      const k = new MultimodalModel(resolveModelConfig({ ...m.config, lookWords: words }), vocab.toJSON());
      k.loadStateDict(m.stateDict());
      const lp = k.head(k.encode(x), hb()).logp.data;
      return lp[1] - lp[0]; // "wiggle the frobnicator" over "move the camera left"
    };
    const off = new MultimodalModel(resolveModelConfig(m.config), vocab.toJSON());
    off.loadStateDict(m.stateDict());
    off.whichLook.weight.data.fill(0);
    const none = off.head(off.encode(x), hb()).logp.data;
    expect(m.config.lookWords).toEqual([]); // the default: every word, as before
    expect(gap([])).toBeGreaterThan(none[1] - none[0] + 1); // every word read: the term moves the choice
    expect(gap(['wiggle'])).toBeGreaterThan(none[1] - none[0] + 1); // the word the image matches still read
    // … with its weight in the option's mean unchanged: "the" and "frobnicator" count as zero vectors, not as absent
    // (dropped from the mean, "wiggle" would weigh 3×: 20·|e|² instead of 20·|e|²/3; issue 18, session 18)
    const ee = e.reduce((a, v) => a + v * v, 0);
    expect(gap(['wiggle']) - (none[1] - none[0])).toBeCloseTo((20 * ee) / 3, 3);
    expect(gap(['deblur', 'unknownword'])).toBeCloseTo(none[1] - none[0], 5); // neither option has a look word: as if the term were off
  });
});

describe('pooled path of the encoder (model.pooled)', () => {
  // 128 px, three pooling stages: a 16×16 map of 8-pixel cells. A small square well inside the
  // frame, and the same square one cell (8 px) to the right: the last stage's map shifts by one
  // cell, so each channel's maximum and mean over the map are the same.
  const cfg = (pooled: boolean) => resolveModelConfig({ imageSize: 128, channels: [4, 8, 8], hidden: 16, embedDim: 8, headHidden: 8, projDim: 8, pooled });
  const square = (x0: number) => {
    const S = 128;
    const d = new Float32Array(2 * 3 * S * S).fill(-0.5);
    for (let c = 0; c < 3; c++) for (let y = 60; y < 66; y++) for (let x = x0; x < x0 + 6; x++) d[c * S * S + y * S + x] = 0.3 + 0.1 * c;
    return d;
  };
  const pair = () => {
    const a = square(56);
    a.set(square(64).subarray(0, 3 * 128 * 128), 3 * 128 * 128);
    return tensor(a, [2, 3, 128, 128]); // row 0: the square at x 56; row 1: 8 px to the right
  };
  const relDist = (h: Float32Array, H: number) => {
    let d = 0;
    let n = 0;
    for (let j = 0; j < H; j++) {
      d += (h[j] - h[H + j]) ** 2;
      n += h[j] ** 2 + h[H + j] ** 2;
    }
    return Math.sqrt(d / (n / 2));
  };

  it('reads the same values wherever the object sits: with the position-wise layer off, h of an image and its shifted copy are equal', () => {
    const m = new MultimodalModel(cfg(true), vocab.toJSON());
    m.fc.weight.data.fill(0);
    m.fc.bias!.data.fill(0);
    const h = noGrad(() => m.encode(pair())).data;
    expect(h.slice(0, 16).some((v) => v > 0)).toBe(true);
    for (let j = 0; j < 16; j++) expect(h[16 + j]).toBeCloseTo(h[j], 5);
  });

  it('brings the features of an image and its shifted copy closer than the position-wise layer alone (same initialisation otherwise)', () => {
    const on = new MultimodalModel(cfg(true), vocab.toJSON());
    const off = new MultimodalModel(cfg(false), vocab.toJSON());
    expect(Array.from(on.fc.weight.data)).toEqual(Array.from(off.fc.weight.data)); // built last: nothing else changes
    expect(off.fcPool).toBeNull();
    expect(on.encoderParameters()).toContain(on.fcPool!.weight);
    expect(MultimodalModel.LATER_PARAMETERS).toContain('fcPool.weight'); // older checkpoints load it as zeros: h as before
    const x = pair();
    const dOn = relDist(noGrad(() => on.encode(x)).data, 16);
    const dOff = relDist(noGrad(() => off.encode(x)).data, 16);
    expect(dOn).toBeLessThan(0.75 * dOff);
  });
});
