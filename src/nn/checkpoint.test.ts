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
