/** A numeric field of a chat-completions request, checked against OpenAI's range. */
import { ParamError } from '../errors.js';

/** A numeric request field: undefined when absent or null, else checked against OpenAI's range (400 naming the field). */
export function numberParam(body: Record<string, unknown>, name: string, min: number, max: number, integer: boolean): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
    throw new ParamError('BAD_INPUT', name, `"${name}" must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}; got ${JSON.stringify(v)}`);
  }
  return v;
}
