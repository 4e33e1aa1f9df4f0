/** Replies inside OpenRLHF queries, labels, reward configs and episode choice. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { generateSuite } from '../suite/generate.js';
import { memoryLoader } from '../suite/loader.js';
import { canonicalView, EpisodePool } from './episodes.js';
import { loadRewardConfig, parseWeights, resolveRewardConfig, Rewarder } from './rewards.js';
import { extractReply, parseLabel } from './single-turn.js';

describe('extractReply', () => {
  it('takes the text after the prompt and drops end-of-turn tokens', () => {
    expect(extractReply('PROMPT B.<|im_end|>', 'PROMPT')).toBe('B.');
    expect(extractReply('<s>[INST] q [/INST] C. cat</s>', '<s>[INST] q [/INST]')).toBe('C. cat');
    // A VLM's decoded prompt repeats image tokens the prompt text holds once: match the prompt's tail.
    const prompt = `<|vision_start|><|image_pad|><|vision_end|>${'x'.repeat(100)}<|im_start|>assistant\n`;
    expect(extractReply(prompt.replace('<|image_pad|>', '<|image_pad|>'.repeat(9)) + 'A.<|im_end|><|endoftext|>', prompt)).toBe('A.');
    expect(extractReply('just a reply', '')).toBe('just a reply');
  });

  it("drops the end-of-turn token of every VLM family OpenRLHF decodes it with (skip_special_tokens=False)", () => {
    // Gemma 4 ends a turn with <turn|> (TRL 1.9 grpo_trainer.py, chat_templates/diffusion_gemma.jinja; OpenRLHF 0.11's
    // vlm_utils.py names Qwen3.5 and Gemma 4), Idefics3 / SmolVLM with <end_of_utterance> (TRL's idefics3.jinja): an
    // option named by its text was unparseable with the token left on.
    for (const end of ['<|im_end|>', '<|eot_id|>', '<end_of_turn>', '<turn|>', '<end_of_utterance>', '</s>', '<eos>']) {
      expect(extractReply(`PROMPT square${end}`, 'PROMPT'), end).toBe('square');
      expect(extractReply(`PROMPT square ${end}\n`, 'PROMPT'), end).toBe('square');
    }
  });
});

describe('labels and rewards', () => {
  it('parses labels as JSON strings or objects and says what is wrong', () => {
    expect(parseLabel('{"episode_id":"a","turn":1}', 0)).toEqual({ episode_id: 'a', turn: 1, view: undefined });
    expect(parseLabel({ episode_id: 'a', view: 2 }, 0)).toEqual({ episode_id: 'a', turn: undefined, view: 2 });
    expect(() => parseLabel('x', 3)).toThrow(/labels\[3\] is not JSON/);
    expect(() => parseLabel({ turn: 1 }, 0)).toThrow(/episode_id/);
    expect(() => parseLabel({ episode_id: 'a', turn: -1 }, 0)).toThrow(/non-negative/);
  });

  it('reward configs: weights by name, unknown names rejected, flags over the file', () => {
    expect(parseWeights('correct=2, wrong=-1')).toEqual({ correct: 2, wrong: -1 });
    expect(() => parseWeights('correct')).toThrow(/name=number/);
    expect(() => resolveRewardConfig({ weights: { nope: 1 } })).toThrow(/unknown name\(s\) nope/);
    expect(loadRewardConfig(undefined, { reward: 'proactivebench', rp: 0.75 })).toMatchObject({ reward: 'proactivebench', rc: 1, rp: 0.75, rw: 0 });
    const r = new Rewarder(resolveRewardConfig({ reward: 'proactivebench', rp: 0.75, rw: -0.25 }));
    expect(r.step({ type: 'intervention', option: 0, intervention: 0, valid: true }, null).reward).toBe(0.75);
    expect(r.step({ type: 'unparseable' }, null).reward).toBe(-0.25);
    const m = new Rewarder(resolveRewardConfig({}));
    expect(m.step({ type: 'intervention', option: 0, intervention: 0, valid: true }, null)).toEqual({ reward: 0, parts: {} });
  });

  it('reward configs: a file that is not one object, a misspelt key, or a flag of the other reward is refused, not ignored', () => {
    const d = tmpDir('af-reward-config');
    const file = (name: string, text: string) => {
      writeFileSync(join(d, name), text);
      return join(d, name);
    };
    expect(() => loadRewardConfig(file('arr.json', '[1]'), {})).toThrow(/arr\.json must hold one JSON object/);
    expect(() => loadRewardConfig(file('typo.json', '{"rewrd": "proactivebench", "rp": 1}'), {})).toThrow(/typo\.json: unknown key\(s\) rewrd \(Did you mean reward\?\); known: reward, weights, rc, rp, rw/);
    expect(() => loadRewardConfig(undefined, { rp: 0.3 })).toThrow(/--rp does not apply to --reward askfirst \(add --reward proactivebench/);
    expect(() => loadRewardConfig(undefined, { reward: 'proactivebench', weights: { correct: 2 } })).toThrow(/--weights does not apply to --reward proactivebench/);
    expect(() => loadRewardConfig(undefined, { rp: 0.3, rw: 0 })).toThrow(/--rp, --rw do not apply to --reward askfirst/);
    // the file may carry both rewards' settings; flags for the reward in use still apply
    expect(loadRewardConfig(file('both.json', '{"reward": "proactivebench", "weights": {"correct": 2}, "rp": 0.25}'), { rc: 2 })).toMatchObject({ reward: 'proactivebench', rc: 2, rp: 0.25 });
  });
});

describe('EpisodePool.choose', () => {
  const eps = generateSuite({ episodes: 3, seed: 2, size: 32, kinds: ['occlusion', 'sketch'] });
  const pool = new EpisodePool(eps, memoryLoader);
  it('by id, next in order per kind filter, by seed (same seed, same episode), unknown kind is an error', () => {
    expect(pool.choose({ episode_id: eps[2].id }).id).toBe(eps[2].id);
    expect(() => pool.choose({ episode_id: 'x' })).toThrow(/no episode with id "x"/);
    expect([0, 1, 2, 3].map(() => pool.choose({}).id)).toEqual([eps[0].id, eps[1].id, eps[2].id, eps[3].id]);
    expect([0, 1, 2, 3].map(() => pool.choose({ kind: 'sketch' }).kind)).toEqual(['sketch', 'sketch', 'sketch', 'sketch']);
    expect(pool.choose({ seed: 5 }).id).toBe(pool.choose({ seed: 5 }).id);
    expect(new Set([1, 2, 3, 4, 5, 6, 7, 8].map((s) => pool.choose({ seed: s }).id)).size).toBeGreaterThan(2);
    expect(() => pool.choose({ kinds: ['camera'] })).toThrow(/unknown kind\(s\) camera/);
  });
  it('canonicalView walks first valid interventions from the first view', () => {
    const e = eps[0];
    expect(canonicalView(e, 0)).toBe(e.firstView);
    const v1 = canonicalView(e, 1);
    if (v1 !== null) expect(v1).not.toBe(e.firstView);
  });
});
