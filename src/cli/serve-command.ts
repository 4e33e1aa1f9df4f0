/** `askfirst serve`: its options and --help; the work is in serve.ts, loaded only when it runs (commands.ts). */
import type { Command } from 'commander';
import { policyUsage } from '../agents/policy-usage.js';
import { ServeSchema } from './serve-schema.js';
import { SLOW_CLIENT_HELP } from '../server/timeouts.js';
import { addSchemaOptions } from './options.js';
import { openaiOnlyNote } from './eval-http-schema.js';

/** What the endpoint does with OpenAI's request fields (server/openai/server.ts), for --help. */
export const SERVE_REQUEST_HELP = `Request fields: n, stream, temperature, top_p, seed and stop are applied: temperature (0, the default, is greedy; above 0 samples, the logits divided by it; below 1e-5 greedy, below 0.01 raised to 0.01, as vLLM), top_p in (0, 1] (nucleus sampling; default 1), seed (an integer: the same seed and request give the same sampled reply; without one each sampled request draws anew, from a stream --seed starts); max_completion_tokens (else max_tokens) cuts a reply after that many words, as usage counts them (finish_reason "length"; a stop sequence within the limit comes first); logprobs/top_logprobs give per-option letter scores from a policy that scores options (builtin, random, openai: when its server gives them; as a proxy, openai: passes on its upstream's own logprobs, or its refusal of them as a 400, and forwards max_tokens/max_completion_tokens and stop upstream, passing on its finish_reason; a "length" without usage only when the limit sent upstream is within the request's: with --omit-params max_tokens, or a larger one in --extra-body, its reply is cut here by words) and null from one that does not (oracle, scripted, constant, ...), not a made-up certainty (top_logprobs without logprobs: true is a 400); a JSON response_format, a tool_choice demanding a tool call ("required", a named function), a logit_bias with entries (replies are not drawn from token ids) and vLLM's top_k or min_p on a sampled request (other than -1/0, 0) are 400s; other fields are ignored (user, ...). GET /health answers as /healthz.`;

export function register(program: Command): void {
  const cmd = program
    .command('serve')
    .description('serve a policy (e.g. builtin:CHECKPOINT) as an OpenAI-compatible chat-completions endpoint')
    .addHelpText('after', `\nPolicies:\n  ${policyUsage().join('\n  ')}\n\n${openaiOnlyNote(false)} As a proxy, they set its client of the upstream, as eval's set its client of the model.\n\nExamples:\n  askfirst serve --policy builtin:runs/rl --port 8000\n  curl http://127.0.0.1:8000/v1/models\n  askfirst serve --policy openai:https://api.openai.com/v1#gpt-4o-mini --upstream-api-key-env OPENAI_API_KEY --timeout 300 --cache cache/gpt-4o-mini\n\n${SERVE_REQUEST_HELP}\n\n${SLOW_CLIENT_HELP}`);
  addSchemaOptions(cmd, ServeSchema);
  cmd.action(async (raw: Record<string, unknown>) => (await import('./serve.js')).serveAction(raw));
}
