/**
 * A fake endpoint that behaves like OpenAI's reasoning models (o-series): it rejects
 * `max_tokens` (wants `max_completion_tokens`) and any temperature but the default 1 with the
 * same error bodies OpenAI sends, and its replies are long — a reasoning block of about
 * `reasoningTokens` tokens (4 characters each) before the answer — so a token limit below that
 * cuts the answer off (finish_reason "length") and leaves a reply that names no option.
 */
import { hashAnswer, startFaultServer, type FaultServer } from './fault-server.js';

export const REASONING_TOKENS = 1500;

/** OpenAI's error objects for the two fields reasoning models refuse. */
function refuse(body: Record<string, unknown>) {
  if ('max_tokens' in body) {
    return {
      status: 400,
      error: {
        message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
        type: 'invalid_request_error',
        param: 'max_tokens',
        code: 'unsupported_parameter',
      },
    };
  }
  if ('temperature' in body && body.temperature !== 1) {
    return {
      status: 400,
      error: {
        message: `Unsupported value: 'temperature' does not support ${String(body.temperature)} with this model. Only the default (1) value is supported.`,
        type: 'invalid_request_error',
        param: 'temperature',
        code: 'unsupported_value',
      },
    };
  }
  return undefined;
}

/** Start the fake reasoning endpoint: its answer (after the reasoning block) is an option letter chosen by a hash of prompt and image. */
export async function startReasoningServer(): Promise<FaultServer> {
  const reasoning = 'Let me look at the picture carefully. '.repeat(Math.ceil((REASONING_TOKENS * 4) / 38));
  return startFaultServer({
    refuse,
    answer: (text) => `<think>${reasoning}</think>${hashAnswer(text)}`,
    finish: (content, body) => {
      const limit = typeof body.max_completion_tokens === 'number' ? body.max_completion_tokens : Infinity;
      const tokens = Math.ceil(content.length / 4);
      return tokens <= limit ? { content, finishReason: 'stop' } : { content: content.slice(0, limit * 4), finishReason: 'length' };
    },
  });
}
