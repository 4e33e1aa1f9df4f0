import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { saveSafetensors, tensor } from '../../nn/index.js';
import { generateSuite } from '../../suite/generate.js';
import { tmpDir } from '../../testing/tmp.js';
import { newBuiltin, saveBuiltin } from './build.js';
import { lastResort } from './features.js';
import { BuiltinPolicy, greedyOption } from './policy.js';

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

describe('loading what is not a policy', () => {
  it('a reward model is refused as one, saying it is given to train rl as --reward rm:DIR (was: "not an askfirst built-in model checkpoint")', () => {
    const dir = tmpDir('af-rm-as-policy');
    saveBuiltin(dir, newBuiltin(generateSuite({ episodes: 1, seed: 1, kinds: ['camera'] }), { imageSize: 32, channels: [4], hidden: 8 }));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ kind: 'askfirst-reward-model', variant: 'linear', features: [] })); // what marks a reward model's folder
    expect(() => BuiltinPolicy.load(dir)).toThrow(`${dir} holds a reward model (askfirst train reward's), not a policy: it scores plays for RL, given to \`askfirst train rl --reward rm:${dir}\`; a policy is a model of train supervised, rl or dpo`);
  });
});

describe('loading checkpoints of earlier versions', () => {
  it('drops retired parameters and loads later ones as zeros (off)', () => {
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

  it('a config key the checkpoint predates takes the value it was trained with: whichBound 0 (unbounded) when absent', () => {
    const p = newBuiltin(generateSuite({ episodes: 1, seed: 1, kinds: ['camera'] }), { imageSize: 32, channels: [4], hidden: 8 });
    expect(p.model.config.whichBound).toBe(2); // a new model: bounded
    const dir = tmpDir('af-old-config');
    saveBuiltin(dir, p);
    expect(BuiltinPolicy.load(dir).model.config.whichBound).toBe(2); // saved with the key: as saved
    const file = join(dir, 'config.json');
    const cfg = JSON.parse(readFileSync(file, 'utf8'));
    delete cfg.model.whichBound; // written before the key existed
    writeFileSync(file, JSON.stringify(cfg));
    expect(BuiltinPolicy.load(dir).model.config.whichBound).toBe(0);
  });
});

describe('abstain as a last resort, when the policy acts', () => {
  // options: two interventions and the abstain one, then two categories; P(ask) = 0.6
  const obs = (history: { reply: string; view?: number }[] = []) => ({
    question: 'what object is behind the block',
    options: ['Move the occluding block to the left.', 'Move the occluding block to the right.', 'I cannot answer this question.', 'circle', 'square'],
    numInterventions: 3,
    view: 4,
    history,
  });
  const row = logs([0.06, 0.06, 0.48, 0.3, 0.1]);
  const sum = (xs: number[]) => xs.reduce((a, x) => a + Math.exp(x), 0);

  it('moves the share of asking away from abstain by κ nats while another intervention is untried here; the ask mass and the categories stay', () => {
    const out = lastResort(obs(), row, -10);
    expect(sum(out.slice(0, 3))).toBeCloseTo(0.6, 6); // P(ask) unchanged
    expect(out.slice(3)).toEqual(row.slice(3)); // categories unchanged
    expect(out[2] - out[0] - (row[2] - row[0])).toBeCloseTo(-10, 6); // abstain vs an untried move: κ nats
    expect(out[1] - out[0]).toBeCloseTo(row[1] - row[0], 6); // the other interventions keep their odds
    expect(lastResort(obs(), row, 0)).toEqual(row); // κ = 0: off
    // both moves were asked for at earlier visits to this view: abstain is what is left
    const tried = obs([{ reply: 'move the occluding block to the left.', view: 4 }, { reply: 'Move the occluding block to the right.', view: 4 }]);
    expect(lastResort(tried, row, -10)).toEqual(row);
    // one of them tried here, the other not (and a reply at another view does not count): still applies
    const half = lastResort(obs([{ reply: 'Move the occluding block to the left.', view: 4 }, { reply: 'Move the occluding block to the right.', view: 3 }]), row, -10);
    expect(half[2] - half[1] - (row[2] - row[1])).toBeCloseTo(-10, 6);
    // no abstain option shown: nothing to move
    expect(lastResort({ ...obs(), options: ['left', 'right', 'circle'], numInterventions: 2 }, logs([0.3, 0.3, 0.4]), -10)).toEqual(logs([0.3, 0.3, 0.4]));
  });

  it('the built-in policy acts with its abstainPrior: greedy, it asks for a move where the head alone would abstain', async () => {
    const suite = generateSuite({ episodes: 1, seed: 1, kinds: ['camera'] });
    const act = async (abstainPrior?: number) => {
      const p = newBuiltin(suite, { imageSize: 32, channels: [4], hidden: 8, ...(abstainPrior === undefined ? {} : { abstainPrior }) });
      p.forward = () => ({ logp: tensor(Float32Array.from(row), [1, row.length]) }) as never; // the head's output, fixed: abstain is its likeliest intervention
      const image = { width: 32, height: 32, data: new Uint8ClampedArray(32 * 32 * 3) };
      const [r] = await p.act([{ ...obs(), episodeId: 'e', turn: 0, image } as never]);
      return r.reply;
    };
    expect(await act(0)).toBe('I cannot answer this question.'); // off: the head's choice
    expect(await act()).toBe('Move the occluding block to the left.'); // default: abstain only as a last resort
  });
});
