/**
 * What a server's refusal blames and what to change: for HTTP 400/422 the request field it names
 * and the `askfirst eval` flag that changes it; for 401/403 the key; for 404 the model name or the base URL;
 * for 413 the image size; for a 429 of a used-up quota, the account.
 */

/** An error reply's JSON body (OpenAI: `{"error": {"message", "param", "code"}}`; vLLM: `{"message", "param"}`), or undefined. */
export function parseErrorBody(text: string): Record<string, unknown> | undefined {
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    if (!j || typeof j !== 'object') return undefined;
    return (j.error && typeof j.error === 'object' ? j.error : j) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * vLLM's refusal of more alternatives per token than its `--max-logprobs` (20 by default) allows, which names no
 * field: "Requested sample logprobs of 21, which is greater than max allowed: 20" (vllm/v1/engine/processor.py
 * `_validate_logprobs`, a ValueError answered as a 400 whose `param` is null; since VLLMValidationError, vllm/sampling_params.py,
 * the same words come with `param` "logprobs"). A chat request's `top_logprobs` is the number it counts. Only these words:
 * its "Requested prompt logprobs" is about `prompt_logprobs`, which askfirst never sends.
 */
const VLLM_MAX_LOGPROBS = /\bRequested sample logprobs of -?\d+, which is greater than max allowed\b/;

/**
 * Which request field a 400/422 reply blames: its `param` when that is a field we sent, else the
 * first field of the request quoted in its message ('max_tokens', "temperature", `seed`), else "logprobs" for vLLM's
 * refusal of that many alternatives (VLLM_MAX_LOGPROBS, as newer vLLM names it). Other servers name the field in
 * their words, which the quoted-field rule reads: OpenAI's "'logprobs' is not supported…" (with its `param` too),
 * Ollama's "top_logprobs must be between 0 and 20", llama.cpp's "logprobs is not supported with tools + stream".
 */
export function rejectedParam(body: Record<string, unknown> | undefined, sent: Record<string, unknown>): string | undefined {
  if (!body) return undefined;
  const fields = Object.keys(sent).filter((k) => k !== 'model' && k !== 'messages');
  if (typeof body.param === 'string') {
    const p = body.param.replace(/^body\./, '');
    if (fields.includes(p)) return p;
  }
  const msg = typeof body.message === 'string' ? body.message : typeof body.detail === 'string' ? body.detail : '';
  let best: { field: string; at: number } | undefined;
  for (const f of fields) {
    const m = new RegExp(`['"\`]${f}['"\`]|\\b${f}\\b(?= (?:is|are) not supported| must| does not)`).exec(msg);
    if (m && (!best || m.index < best.at)) best = { field: f, at: m.index };
  }
  if (best) return best.field;
  return fields.includes('logprobs') && VLLM_MAX_LOGPROBS.test(msg) ? 'logprobs' : undefined;
}

/** What to change when the server rejects a field (the flags of `askfirst eval`). */
export function paramAdvice(param: string): string {
  switch (param) {
    case 'max_tokens':
      return 'send the limit as max_completion_tokens (--max-tokens-param max_completion_tokens), as OpenAI reasoning models want, or not at all (--omit-params max_tokens)';
    case 'max_completion_tokens':
      return 'send the limit as max_tokens (--max-tokens-param max_tokens) or not at all (--omit-params max_tokens)';
    case 'temperature':
      return 'models that accept only their default temperature need --temperature 1, or --omit-params temperature';
    case 'seed':
      return 'leave the seed out with --omit-params seed';
    case 'top_p':
      return 'leave top_p out with --omit-params top_p (the server then samples from every token, at the temperature sent)';
    default:
      return `remove "${param}" from --extra-body (or the config file's extraBody)`;
  }
}

/**
 * What to fix after a refusal that retrying cannot help, said in the message (empty when there is
 * nothing to add): a 401/403 sent without a key (set the variable) or with one (the key is wrong);
 * a 429 that is not retried (OpenAI's insufficient_quota); a 413 (smaller views); a redirect (where to);
 * a 404 that names a model (vLLM's "The model `x` does not exist.", Ollama's `model "x" not found`,
 * OpenAI's model_not_found: the name after "#") or a 404 of the route (the base URL lacks or repeats `/v1`).
 */
export function statusAdvice(
  status: number,
  body: Record<string, unknown> | undefined,
  o: { baseUrl: string; endpoint: string; model?: string; keySent: boolean; apiKeyEnv?: string; location?: string; keyFlagPrefix?: string },
): string {
  // the options naming the key, as the command has them: serve's are --upstream-api-key-env/-header (its --api-key-env is its own clients' key)
  const [envFlag, headerFlag] = [`--${o.keyFlagPrefix ?? ''}api-key-env`, `--${o.keyFlagPrefix ?? ''}api-key-header`];
  if (status >= 300 && status < 400 && o.location) {
    // Not followed: a 301/302 turns a POST into a GET without its body. The new base URL is the target less the route.
    const target = new URL(o.location, o.endpoint);
    let base: string | undefined;
    if (target.pathname.endsWith('/chat/completions')) {
      target.pathname = target.pathname.slice(0, -'/chat/completions'.length);
      base = target.toString().replace(/\/+$/, '');
    }
    return ` (the server redirects to ${o.location}${base ? `: use openai:${base}#${o.model ?? 'MODEL'} as the base URL` : ': point the base URL there'})`;
  }
  if (status === 401 || status === 403) {
    return o.keySent
      ? ` (the server refused the API key sent: check the key in the variable ${envFlag} names, and for Azure OpenAI send it with ${headerFlag} api-key)`
      : ` (no API key was sent: put it in ${o.apiKeyEnv ?? 'ASKFIRST_API_KEY'} or OPENAI_API_KEY, or name its variable with ${envFlag})`;
  }
  if (status === 429 && (body?.code === 'insufficient_quota' || body?.type === 'insufficient_quota')) return " (the account's quota is used up: add credit or raise its limit; retrying does not help)";
  if (status === 413) return " (the request is larger than the server accepts: send smaller views with --max-pixels N (e.g. 1000000), or raise the server's body limit)";
  if (status !== 404) return '';
  const message = typeof body?.message === 'string' ? body.message : '';
  const base = o.baseUrl.replace(/\/+$/, '');
  const model = o.model ?? 'MODEL';
  if (/\bmodel\b/i.test(message) || body?.code === 'model_not_found') {
    return ` (the server has no model ${JSON.stringify(model)}: use a name that GET ${base}/models lists, after the "#" of openai:URL#MODEL; with Ollama, ollama pull it first)`;
  }
  const u = new URL(base);
  const path = u.pathname.replace(/\/+$/, '');
  const at = `no chat-completions endpoint at ${o.endpoint}`;
  if (/\/v1\/v1$/.test(path)) {
    u.pathname = path.replace(/\/v1$/, '');
    return ` (${at}: the base URL repeats /v1, so try openai:${u.toString().replace(/\/+$/, '')}#${model})`;
  }
  if (!/\/v\d+(beta)?$/.test(path) && !/\/deployments\//.test(path)) {
    u.pathname = `${path}/v1`;
    return ` (${at}: OpenAI-compatible servers serve it under /v1, so try openai:${u.toString()}#${model})`;
  }
  return ` (${at}: check the base URL; GET ${base}/models should list the model)`;
}
