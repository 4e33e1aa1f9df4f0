/**
 * What a server's refusal (HTTP 400/422) blames and what to change: the request field it names,
 * and the `askfirst eval` flag that changes it.
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
 * Which request field a 400/422 reply blames: its `param` when that is a field we sent, else the
 * first field of the request quoted in its message ('max_tokens', "temperature", `seed`).
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
  return best?.field;
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
    default:
      return `remove "${param}" from --extra-body (or the config file's extraBody)`;
  }
}
