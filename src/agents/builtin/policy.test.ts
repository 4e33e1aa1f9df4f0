import { describe, expect, it } from 'vitest';
import { tmpDir } from '../../testing/tmp.js';
import { greedyOption } from './policy.js';

const logs = (ps: number[]) => ps.map(Math.log);

describe('greedy choice of the factored policy', () => {
  it('asks when P(ask) beats the likeliest category, even if no single intervention does', () => {
    // interventions 0.2 + 0.2 + 0.1 = 0.5 > best category 0.3; the single-option argmax would answer
    const row = logs([0.2, 0.2, 0.1, 0.3, 0.2]);
    expect(greedyOption(row, 3)).toBe(0);
  });
  it('answers when the likeliest category beats P(ask)', () => {
    expect(greedyOption(logs([0.1, 0.1, 0.5, 0.3]), 2)).toBe(2);
  });
  it('picks the likeliest intervention when asking, and handles rows without either kind', () => {
    expect(greedyOption(logs([0.1, 0.5, 0.4]), 2)).toBe(1);
    expect(greedyOption(logs([0.6, 0.4]), 0)).toBe(0);
    expect(greedyOption(logs([0.3, 0.7]), 2)).toBe(1);
  });
});

describe('loading checkpoints of earlier versions', () => {
  it('drops retired parameters and loads later ones as zeros (off)', async () => {
    const { join } = await import('node:path');
    const { newBuiltin, saveBuiltin } = await import('./build.js');
    const { BuiltinPolicy } = await import('./policy.js');
    const { generateSuite } = await import('../../suite/generate.js');
    const { saveSafetensors } = await import('../../nn/index.js');
    const p = newBuiltin(generateSuite({ episodes: 1, seed: 1, kinds: ['camera'] }), { imageSize: 32, channels: [4], hidden: 8 });
    const dir = tmpDir('af-old-ckpt');
    saveBuiltin(dir, p);
    // an old checkpoint: the retired match terms and whole-map where term, none of the later parameters
    const later = ['whichToward.weight', 'whereConv.weight', 'whereConv.bias'];
    const old = p.model
      .namedParameters()
      .filter(([n]) => !later.includes(n))
      .map(([n, t]) => [n, { data: t.data, shape: t.shape }] as [string, { data: Float32Array; shape: number[] }]);
    old.push(['whichMatch.weight', { data: new Float32Array(48 * 32).fill(1), shape: [48, 32] }]);
    old.push(['whichImage.weight', { data: new Float32Array(48 * 8).fill(1), shape: [48, 8] }]);
    old.push(['whichWhere.weight', { data: new Float32Array(48 * 16).fill(1), shape: [48, 16] }]);
    saveSafetensors(join(dir, 'model.safetensors'), new Map(old));
    // refused by default: missing tensors may as well be damage
    expect(() => BuiltinPolicy.load(dir, { allowOldLayout: false })).toThrow(/model\.safetensors: checkpoint lacks 3 parameter\(s\): whichToward\.weight, whereConv\.weight, whereConv\.bias\..*--allow-old-checkpoint/);
    const warnings: string[] = [];
    const q = BuiltinPolicy.load(dir, { allowOldLayout: true, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringMatching(/older layout \(allowed\): filled whichToward\.weight, whereConv\.weight, whereConv\.bias with zeros/)]);
    for (const n of later) expect(q.model.namedParameters().find(([m]) => m === n)![1].data.every((v) => v === 0), n).toBe(true);
    expect(Array.from(q.model.catProj.weight.data)).toEqual(Array.from(p.model.catProj.weight.data));
  });
});
