/** The built-in model's architecture settings (model.ts): light, so the training commands' options are read without loading the engine. */
import { z } from 'zod';
import { seedField, type ConfigIssue } from '../../util/config.js';

/**
 * The most conv channels a stage may have. Each thread of src/nn/wasm/conv.ts needs a conv scratch (one image's im2col
 * buffer, C·9·OH·OW floats, twice that for the backward pass) in the kernels' 4 GiB memory, beside the batch's operands;
 * src/nn/kernels/wasm.ts runs a conv on fewer threads when not every thread's fits, and refuses it (naming the geometry)
 * when not one does, mid-training. The largest stage input is the second stage's at imageSize 256 (128×128 pixels),
 * where 2·C·9·128²·4 bytes stays under 2 GiB up to C = 1,820 (past it the kernels' i32 sizes once wrapped) and under 4 GiB up to 3,640;
 * 1024 keeps it at 1.2 GB, refused up front instead.
 */
export const MAX_CHANNELS = 1024;

/**
 * The most weights one of the model's weight matrices may have: what a 4 GiB WebAssembly memory (all wasm32 reaches) holds
 * for the optimizer's step on it, which copies the weights, their gradient and Adam's two moments into the kernels' arena
 * (src/nn/kernels/wasm.ts adamStep: 4 arrays of 4 bytes a weight), less 1 MiB for the arena's base and alignment.
 * The fc layer from the last conv stage to the image features grows fastest (channels × (imageSize/2^stages)² × hidden:
 * channels [1024] at imageSize 256 gave 16.8M inputs × 128 = 2.1G weights, 8.6 GB, which failed without a clear error).
 */
export const MAX_TENSOR_WEIGHTS = (2 ** 32 - 2 ** 20) / 16;

export const ModelConfigSchema = z.object({
  imageSize: z.number().int().min(16).max(256).default(64).describe('input width/height in pixels (views are resized to it)'),
  channels: z
    .array(z.number().int().min(1).max(MAX_CHANNELS, { error: `at most ${MAX_CHANNELS} channels a stage (each thread of the WASM kernels needs one image's im2col scratch, 1.2 GB at ${MAX_CHANNELS} channels, in a 4 GiB memory)` }))
    .min(1)
    .max(5)
    .default([16, 32, 64])
    .describe(`conv channels per stage (3×3 conv, ReLU, 2×2 max-pool), at most ${MAX_CHANNELS} each: each thread of the WASM kernels needs a stage's scratch (one image's im2col, twice it in the backward pass) in a 4 GiB memory, beside the batch (imageSize 256: 3,641 channels at the second stage pass 4 GiB); ${MAX_CHANNELS} keeps it at 1.2 GB`),
  hidden: z.number().int().min(8).default(128).describe(`image feature size; the fc layer from the last conv stage has channels × (imageSize/2^stages)² × hidden weights, and a weight matrix at most ${MAX_TENSOR_WEIGHTS.toLocaleString('en-US')} (what a 4 GiB WASM memory holds for Adam's step: the weights, their gradient and two moments, 4 bytes each)`),
  embedDim: z.number().int().min(4).default(48).describe('word embedding size'),
  headHidden: z.number().int().min(4).default(64).describe('hidden units of the ask/answer/value heads'),
  projDim: z.number().int().min(4).default(32).describe('image features projected for the heads'),
  askBiasInit: z.number().default(-4).describe('initial bias of the ask gate (negative: starts as a guesser)'),
  gateSlopeInit: z.number().default(-4).describe('initial weight of −log(1 − max p) in the ask gate (negative: the surer, the less it asks)'),
  loopInit: z.number().default(-5).describe('initial weight of asking again, at a view the episode has come back to, for what was asked for here before (negative: do not go round the same loop; no training kind can loop, so RL rarely moves it)'),
  repeatInit: z.number().default(5).describe('initial bonus for asking again for the intervention asked for at the previous turn (a persistence prior: keep sliding, keep waiting, instead of undoing the last move); RL keeps it unless --train-repeat'),
  pooled: z.boolean().default(true).describe('also feed the last conv stage, max- and average-pooled over the whole map per channel, into the image features h: a translation-invariant path (an object off-centre gives the same pooled values), next to the fully connected layer that sees each position with its own weights'),
  abstainPrior: z.number().max(0).default(-10).describe('nats the abstain option ("I cannot answer this question.", known by its wording) loses, when the policy acts, while another shown intervention has not been asked for at this view: abstain only as a last resort (issue 18); a fixed rule of acting, not trained, and not applied in RL\'s own sampling; 0 = off'),
  repeatYield: z.number().min(0).default(1).describe('nats by which the where term may prefer another intervention before ρ, the persistence prior, is gone for the repeated one: ρ·max(0, 1 − gap/repeatYield) (keep sliding unless the where map sees the object another way); 0 = ρ in full'),
  lookWords: z.array(z.string()).default([]).describe('the option words the look term (W_l h)·e_o reads; the supervised stage sets them to the words its degradation captions taught (rl/degradation-captions.ts), and any other word of an option counts there as a zero vector (the option\u2019s mean keeps it in its denominator), so an option about something else (late-event\u2019s "Rewind the video.") gets no look score from an image the captions never described; empty = every word (checkpoints from before it; issue 18: late-event rewound after one wait at dev seed 14)'),
  whichBound: z.number().min(0).default(2).describe('nats: RL\'s option-word score MLP_which is bounded to c·tanh(MLP_which / c), so on option words it never trained on it cannot outweigh ρ, the persistence prior (any two options differ by < 2c); 0 = unbounded (issue 18: late-event rewound after one wait when it did)'),
  gateInputs: z.enum(['uncertainty', 'uncertainty+image']).default('uncertainty').describe('what the ask gate reads: the category uncertainty only, or also image and question features'),
  seed: seedField().default(0).describe('initialisation seed'),
});
export type ModelConfig = z.output<typeof ModelConfigSchema>;

/** The model's weight matrices whose size the config sets (the word embeddings' also depends on the vocabulary), with what sets them. */
function weightMatrices(c: ModelConfig): { name: string; weights: number; from: (name: (key: string) => string) => string; setting: keyof ModelConfig }[] {
  const last = c.channels[c.channels.length - 1];
  const stages = c.channels.length;
  const side = Math.floor(c.imageSize / 2 ** stages);
  const { hidden: H, embedDim: D, projDim: P, headHidden: M } = c;
  const gateIn = 6 + (c.gateInputs === 'uncertainty' ? 0 : P + D);
  return [
    { name: 'the fc layer from the last conv stage', weights: last * side * side * H, from: (k) => `${last} channels × ${side}×${side} positions after ${stages} stage${stages === 1 ? '' : 's'} at ${k('imageSize')} ${c.imageSize}, × ${k('hidden')} ${H}`, setting: 'hidden' },
    { name: 'the category projection', weights: H * D, from: (k) => `${k('hidden')} ${H} × ${k('embedDim')} ${D}`, setting: 'hidden' },
    { name: 'the pooled path', weights: c.pooled ? 2 * last * H : 0, from: (k) => `2 × ${last} channels × ${k('hidden')} ${H}`, setting: 'hidden' },
    { name: 'the which-intervention head', weights: (P + 2 * D) * M, from: (k) => `(${k('projDim')} ${P} + 2 × ${k('embedDim')} ${D}) × ${k('headHidden')} ${M}`, setting: 'headHidden' },
    { name: 'the ask gate', weights: gateIn * M, from: (k) => `${gateIn} inputs × ${k('headHidden')} ${M}`, setting: 'headHidden' },
  ];
}

/**
 * The config's weight matrices that the WASM kernels could not train (more than MAX_TENSOR_WEIGHTS each), as problems (one
 * line each, at the setting that grows them) naming the settings that size them and the limit; empty when every one fits.
 */
export function modelSizeProblems(c: ModelConfig): ConfigIssue[] {
  const n = (x: number) => x.toLocaleString('en-US');
  return weightMatrices(c)
    .filter((m) => m.weights > MAX_TENSOR_WEIGHTS)
    .map((m) => ({
      path: [m.setting],
      message: (k) => `${m.name} would have ${n(m.weights)} weights (${m.from(k)}), more than the ${n(MAX_TENSOR_WEIGHTS)} a 4 GiB WASM memory holds for Adam's step on it (weights, gradient and two moments, 4 bytes each): lower these settings`,
    }));
}
