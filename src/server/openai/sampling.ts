/**
 * How `askfirst serve` samples a request, from OpenAI's `temperature`, `top_p` and `seed`, as vLLM reads them:
 * - `temperature` (0–2; default 0 here: greedy) divides the logits
 *   (softmax(z / T)); below 1e-5 it is greedy and top_p is not read, and from there to 0.01 it is raised to 0.01
 *   (vLLM's `_SAMPLING_EPS` and `_MAX_TEMP`);
 * - `top_p` in (0, 1] (default 1) keeps the nucleus (agents/sampling.ts); 0 or above 1 is a 400, as vLLM answers;
 * - `seed` (an integer within ±(2^53 − 1): JSON.parse rounds larger ones, so 2^53 + 1 read as 2^53 drew 2^53's reply;
 *   they are a 400 naming it, as is a seed whose n choices, seed + i, leave that range) makes a sampled reply reproducible:
 *   the same seed and request give the same reply, the reply a policy built with that seed gives in process for the
 *   same episode and turn (`Observation.seed`, agents/sample-stream.ts). Without one, each sampled request draws a seed
 *   of its own from the server's stream (seeded by `serve --seed`), so asking again draws again, independently, as vLLM
 *   does; a server started afresh with the same --seed replays the same sequence. A greedy request reads no seed (as
 *   vLLM's greedy sampler): a policy that draws even then, the random baseline, answers from its own (`serve --seed`),
 *   as `askfirst eval --policy random --seed N` in process.
 * The default temperature is not OpenAI's 1 (nor vLLM's without a generation config), but the served policy's own, as
 * vLLM takes a model's generation_config (`--generation-config auto`; Qwen2-VL's is greedy in effect: top_k 1): every askfirst
 * policy answers greedily unless asked to sample, and a request that leaves temperature out —
 * `askfirst eval --omit-params temperature`, which caches such replies as greedy — gets the records eval makes in
 * process (at 1, 33 of 40 such episodes of the built-in model went otherwise). askfirst's client sends 0 itself.
 * `presence_penalty` and `frequency_penalty` (OpenAI's −2 to 2; outside is a 400 naming the field, as OpenAI answers) are
 * checked and then have nothing to act on: both lower the logits of tokens the reply has already produced (vLLM applies
 * them to the output tokens so far), and a reply here is one option chosen at once, with no earlier token of its own.
 * Choice i of a request's n is drawn with seed + i, as vLLM seeds them (so a proxy, `serve --policy openai:…`, that
 * asks each choice alone gets the same). A request's reply depends on its own seed, episode and turn only, never on
 * the requests batched with it.
 */
import type { ActOptions } from '../../agents/policy.js';
import { hashSeed, Rng } from '../../util/rng.js';
import { ParamError } from '../errors.js';
import { numberParam } from './params.js';

/** Below this temperature a request is greedy (vLLM's `_SAMPLING_EPS`). */
export const GREEDY_BELOW = 1e-5;
/** A temperature from GREEDY_BELOW up to this is raised to it (vLLM's `_MAX_TEMP`: the logits / T stay finite). */
export const MIN_TEMPERATURE = 1e-2;

export interface RequestSampling {
  /** What the policy is asked (`sample` and `sampling`: greedy when absent). */
  act: Pick<ActOptions, 'sample' | 'sampling'>;
  /** The request's own seed; a sampled request without one is given one by the server (`unseededStream`) once it is checked whole. */
  seed?: number;
}

/**
 * OpenAI's `seed`: absent or null, else an integer (a 400 naming it otherwise, as vLLM answers). vLLM takes any 64-bit
 * one; here a JSON number beyond ±(2^53 − 1) arrived rounded (JSON.parse), two seeds drawing one reply, so it is a 400
 * naming it rather than a reply to a seed the client did not send.
 */
export function seedParam(body: Record<string, unknown>): number | undefined {
  const v = body.seed;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ParamError('BAD_INPUT', 'seed', `"seed" must be an integer; got ${JSON.stringify(v).slice(0, 40)}`);
  if (!Number.isSafeInteger(v)) throw beyondExact(`"seed" ${v < 0 ? 'below' : 'above'} ${v < 0 ? '-' : ''}${Number.MAX_SAFE_INTEGER}`);
  return v;
}

const beyondExact = (what: string) =>
  new ParamError('BAD_INPUT', 'seed', `${what} cannot be read exactly (a JSON number beyond ±(2^53 − 1) arrives rounded, so two seeds would draw one reply); send a seed within ±${Number.MAX_SAFE_INTEGER}`);

/** The seeds of a request's n choices, seed + i (as vLLM seeds them), must stay exact too: a 400 naming `seed` otherwise. */
export function checkChoiceSeeds(seed: number | undefined, n: number): void {
  if (seed !== undefined && !Number.isSafeInteger(seed + (n - 1))) throw beyondExact(`"seed" ${seed} with "n" ${n} (choice i is seeded seed + i, up to ${seed + (n - 1)})`);
}

/** OpenAI's `top_p`: absent or null is 1; else a number above 0 and at most 1 (a 400 naming it otherwise, as vLLM answers). */
export function topPParam(body: Record<string, unknown>): number {
  const v = body.top_p;
  if (v === undefined || v === null) return 1;
  if (typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 1) return v;
  throw new ParamError('BAD_INPUT', 'top_p', `"top_p" must be a number above 0 and at most 1 (1 keeps every option); got ${JSON.stringify(v).slice(0, 40)}`);
}

/** The seeds a server gives sampled requests that bring none: a stream from `serve --seed`. */
export function unseededStream(serverSeed: number): () => number {
  const rng = new Rng(hashSeed('serve-unseeded', serverSeed));
  return () => rng.nextU32();
}

/**
 * What a request asks of its sampling that cannot be honoured here is a 400 naming the field, not a reply drawn
 * otherwise than asked (before, each was ignored without a word):
 * - `logit_bias` (OpenAI's, vLLM's) with any entry: it names token ids, and a reply here is an option's letter or text,
 *   not drawn token by token from a vocabulary of ids (vLLM refuses an id outside its vocabulary alike); `{}` is nothing;
 * - vLLM's `top_k` and `min_p` on a sampled request, other than what turns them off (top_k -1 or 0, min_p 0): only
 *   temperature and top_p shape the draw (a greedy request reads neither, as vLLM's greedy sampler does not).
 */
function refuseUnhonoured(body: Record<string, unknown>, sampled: boolean): void {
  const bias = body.logit_bias;
  if (bias !== undefined && bias !== null && (typeof bias !== 'object' || Array.isArray(bias) || Object.keys(bias).length)) {
    throw new ParamError('BAD_INPUT', 'logit_bias', `"logit_bias" cannot be honoured: this server's replies are options' letters or texts, not drawn from token ids, so no token it names exists here; leave it out`);
  }
  if (!sampled) return;
  const off: [string, readonly unknown[]][] = [
    ['top_k', [-1, 0]],
    ['min_p', [0]],
  ];
  for (const [name, none] of off) {
    const v = body[name];
    if (v === undefined || v === null || none.includes(v)) continue;
    throw new ParamError('BAD_INPUT', name, `"${name}" ${JSON.stringify(v).slice(0, 40)} cannot be honoured: a sampled reply here is shaped by temperature and top_p only; use top_p, or leave ${name} out`);
  }
}

/** The sampling of one request: its temperature, top_p and seed, checked (the penalties too, read no further) (and what it asks that cannot be honoured refused). */
export function requestSampling(body: Record<string, unknown>): RequestSampling {
  const temperature = numberParam(body, 'temperature', 0, 2, false) ?? 0;
  const topP = topPParam(body);
  const seed = seedParam(body);
  for (const name of ['presence_penalty', 'frequency_penalty']) numberParam(body, name, -2, 2, false); // checked, nothing to act on (above)
  refuseUnhonoured(body, temperature >= GREEDY_BELOW);
  const act = temperature < GREEDY_BELOW ? {} : { sample: true, sampling: { temperature: Math.max(temperature, MIN_TEMPERATURE), topP } };
  return { act, ...(seed !== undefined ? { seed } : {}) };
}
