/**
 * OpenEnv's wire protocol (meta-pytorch/OpenEnv, src/openenv/core/env_server/types.py and
 * http_server.py), matched field for field:
 *   client → server  {"type": "reset", "data": {...}} | {"type": "step", "data": {action}} (our reply action, or
 *                    OpenEnv's MCP actions list_tools / call_tool: validateMcpAction)
 *                    | {"type": "state"} | {"type": "close"} | {"type": "mcp", "data": {JSON-RPC}}
 *                    (extra keys forbidden)
 *   server → client  {"type": "observation", "data": {"observation", "reward", "done"}}
 *                    | {"type": "state", "data": {...}} | {"type": "mcp", "data": {JSON-RPC response}}
 *                    | {"type": "error", "data": {"message", "code", ...}}
 * Error codes are OpenEnv's WSErrorCode values; validation errors carry `errors` in pydantic's
 * shape (`type`, `loc`, `msg`, `input`) as OpenEnv's `e.errors()` does. Our action model is
 * `{"reply": str, "metadata": {}}` with extra fields forbidden, like OpenEnv's Action base.
 */
export const WS_ERROR_CODES = ['INVALID_JSON', 'UNKNOWN_TYPE', 'VALIDATION_ERROR', 'EXECUTION_ERROR', 'CAPACITY_REACHED', 'FACTORY_ERROR', 'SESSION_ERROR'] as const;
export type WSErrorCode = (typeof WS_ERROR_CODES)[number];

/** One validation problem, as pydantic reports it. */
export interface FieldError {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  /** pydantic's context of the error (json_invalid: the decoder's `error`). */
  ctx?: Record<string, unknown>;
}

export type WSIncoming =
  | { type: 'reset'; data: Record<string, unknown> }
  | { type: 'step'; data: Record<string, unknown> }
  | { type: 'mcp'; data: Record<string, unknown> }
  | { type: 'state' }
  | { type: 'close' };

export type WSOutgoing =
  | { type: 'observation'; data: { observation: unknown; reward: number | null; done: boolean } }
  | { type: 'state'; data: unknown }
  | { type: 'mcp'; data: JsonRpcResponse }
  | { type: 'error'; data: { message: string; code: WSErrorCode; [k: string]: unknown } };

export class ValidationFailure extends Error {
  constructor(readonly errors: FieldError[]) {
    super('Invalid message');
  }
}

/** A JSON object (pydantic's dict): not null, not an array. */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function extraForbidden(o: Record<string, unknown>, allowed: readonly string[], loc: (string | number)[] = []): FieldError[] {
  return Object.keys(o)
    .filter((k) => !allowed.includes(k))
    .map((k) => ({ type: 'extra_forbidden', loc: [...loc, k], msg: 'Extra inputs are not permitted', input: o[k] }));
}

/**
 * Validate a parsed message whose `type` is one of the four (the caller answers UNKNOWN_TYPE
 * otherwise); throws ValidationFailure with pydantic-shaped errors.
 */
export function validateMessage(m: Record<string, unknown>): WSIncoming {
  const type = m.type as WSIncoming['type'];
  const errs: FieldError[] = [];
  if (type === 'reset' || type === 'step' || type === 'mcp') {
    errs.push(...extraForbidden(m, ['type', 'data']));
    if (m.data === undefined && type !== 'reset') errs.push({ type: 'missing', loc: ['data'], msg: 'Field required', input: m });
    else if (m.data !== undefined && !isObject(m.data)) errs.push({ type: 'dict_type', loc: ['data'], msg: 'Input should be a valid dictionary', input: m.data });
    if (errs.length) throw new ValidationFailure(errs);
    return { type, data: (m.data as Record<string, unknown>) ?? {} };
  }
  errs.push(...extraForbidden(m, ['type']));
  if (errs.length) throw new ValidationFailure(errs);
  return { type } as WSIncoming;
}

/** Our Action: `{"reply": str, "metadata"?: dict}`, extra fields forbidden. */
export function validateAction(a: Record<string, unknown>, loc: (string | number)[] = [], maxReplyBytes = Infinity): { reply: string } {
  const errs = extraForbidden(a, ['reply', 'metadata'], loc);
  if (a.reply === undefined) errs.push({ type: 'missing', loc: [...loc, 'reply'], msg: 'Field required', input: a });
  else if (typeof a.reply !== 'string') errs.push({ type: 'string_type', loc: [...loc, 'reply'], msg: 'Input should be a valid string', input: a.reply });
  else if (a.reply.length > maxReplyBytes / 3 && Buffer.byteLength(a.reply) > maxReplyBytes) {
    // its start only: echoing the whole reply back would hold it twice more
    const bytes = Buffer.byteLength(a.reply);
    errs.push({ type: 'string_too_long', loc: [...loc, 'reply'], msg: `reply of ${bytes} bytes, over the limit of ${maxReplyBytes} (askfirst env serve --max-reply-bytes): a session keeps its episode's replies until the next reset; send the model's answer, not more`, input: `${a.reply.slice(0, 60)}…` });
  }
  if (a.metadata !== undefined && !isObject(a.metadata)) errs.push({ type: 'dict_type', loc: [...loc, 'metadata'], msg: 'Input should be a valid dictionary', input: a.metadata });
  if (errs.length) throw new ValidationFailure(errs);
  return { reply: a.reply as string };
}

/**
 * OpenEnv's MCP actions (mcp_types.py ListToolsAction, CallToolAction; its MCPToolClient sends them as step actions
 * unless in production mode): `{"type":"list_tools"}`, `{"type":"call_tool","tool_name": str,"arguments"?: {}}`,
 * each with `metadata`?: {} and extra fields forbidden (the Action base). Told from our reply action by `type`, a
 * field the reply action does not have.
 */
export type McpAction = { type: 'list_tools' } | { type: 'call_tool'; tool_name: string; arguments: Record<string, unknown> };

export const isMcpAction = (a: Record<string, unknown>): boolean => a.type === 'list_tools' || a.type === 'call_tool';

/** An action `isMcpAction` told apart, validated as pydantic validates OpenEnv's models; throws ValidationFailure. */
export function validateMcpAction(a: Record<string, unknown>, loc: (string | number)[] = []): McpAction {
  const call = a.type === 'call_tool';
  const errs = extraForbidden(a, call ? ['type', 'tool_name', 'arguments', 'metadata'] : ['type', 'metadata'], loc);
  if (call && a.tool_name === undefined) errs.push({ type: 'missing', loc: [...loc, 'tool_name'], msg: 'Field required: the tool to call (a {"type":"list_tools"} step lists them)', input: a });
  else if (call && typeof a.tool_name !== 'string') errs.push({ type: 'string_type', loc: [...loc, 'tool_name'], msg: 'Input should be a valid string', input: a.tool_name });
  if (call && a.arguments !== undefined && !isObject(a.arguments)) errs.push({ type: 'dict_type', loc: [...loc, 'arguments'], msg: 'Input should be a valid dictionary', input: a.arguments });
  if (a.metadata !== undefined && !isObject(a.metadata)) errs.push({ type: 'dict_type', loc: [...loc, 'metadata'], msg: 'Input should be a valid dictionary', input: a.metadata });
  if (errs.length) throw new ValidationFailure(errs);
  return call ? { type: 'call_tool', tool_name: a.tool_name as string, arguments: (a.arguments as Record<string, unknown> | undefined) ?? {} } : { type: 'list_tools' };
}

/**
 * pydantic's lax `int` (OpenEnv's ResetRequest.seed): an integer, a boolean (true → 1), or a string holding one
 * (" 7 " → 7); else the error pydantic gives, with its type and words.
 */
export function laxInt(v: unknown, loc: (string | number)[]): number | FieldError {
  if (typeof v === 'boolean') return Number(v);
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'number') return { type: 'int_from_float', loc, msg: 'Input should be a valid integer, got a number with a fractional part', input: v };
  if (typeof v === 'string') return /^\s*[+-]?\d+\s*$/.test(v) ? Number(v.trim()) : { type: 'int_parsing', loc, msg: 'Input should be a valid integer, unable to parse string as an integer', input: v };
  return { type: 'int_type', loc, msg: 'Input should be a valid integer', input: v };
}

/** pydantic's lax `float` (OpenEnv's StepRequest.timeout_s): a number, a boolean, or a string holding a decimal number. */
export function laxFloat(v: unknown, loc: (string | number)[]): number | FieldError {
  if (typeof v === 'boolean' || typeof v === 'number') return Number(v);
  if (typeof v === 'string') {
    const t = v.trim();
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t);
    if (/^[+-]?(inf|infinity|nan)$/i.test(t)) return t.toLowerCase().includes('nan') ? NaN : t.startsWith('-') ? -Infinity : Infinity;
    return { type: 'float_parsing', loc, msg: 'Input should be a valid number, unable to parse string as a number', input: v };
  }
  return { type: 'float_type', loc, msg: 'Input should be a valid number', input: v };
}

/** pydantic's `Optional[str]` with `max_length` (OpenEnv's episode_id and request_id: 255): the string, or pydantic's error. */
export function maxLengthString(v: unknown, loc: (string | number)[], max: number): string | FieldError {
  if (typeof v !== 'string') return { type: 'string_type', loc, msg: 'Input should be a valid string', input: v };
  if (v.length > max) return { type: 'string_too_long', loc, msg: `String should have at most ${max} characters`, input: v, ctx: { max_length: max } };
  return v;
}

/** OpenEnv's ResetRequest fields (seed ≥ 0, episode_id ≤ 255 chars) plus ours (mode, kind, kinds); unknown keys are ignored, as OpenEnv drops kwargs reset() does not take. */
export function validateReset(d: Record<string, unknown>, loc: (string | number)[] = []): { episode_id?: string; seed?: number; mode?: string; kind?: string; kinds?: string[] } {
  const errs: FieldError[] = [];
  const out: { episode_id?: string; seed?: number; mode?: string; kind?: string; kinds?: string[] } = {};
  if (d.seed !== undefined && d.seed !== null) {
    const seed = laxInt(d.seed, [...loc, 'seed']);
    if (typeof seed !== 'number') errs.push(seed);
    else if (seed < 0) errs.push({ type: 'greater_than_equal', loc: [...loc, 'seed'], msg: 'Input should be greater than or equal to 0', input: d.seed, ctx: { ge: 0 } });
    else out.seed = seed;
  }
  if (d.episode_id !== undefined && d.episode_id !== null) {
    const id = maxLengthString(d.episode_id, [...loc, 'episode_id'], 255);
    if (typeof id !== 'string') errs.push(id);
    else out.episode_id = id;
  }
  for (const k of ['mode', 'kind'] as const) {
    if (d[k] === undefined || d[k] === null) continue;
    if (typeof d[k] !== 'string') errs.push({ type: 'string_type', loc: [...loc, k], msg: 'Input should be a valid string', input: d[k] });
    else out[k] = d[k] as string;
  }
  if (d.kinds !== undefined && d.kinds !== null) {
    if (!Array.isArray(d.kinds) || d.kinds.some((k) => typeof k !== 'string')) errs.push({ type: 'list_type', loc: [...loc, 'kinds'], msg: 'Input should be a valid list of strings', input: d.kinds });
    else out.kinds = d.kinds as string[];
  }
  if (errs.length) throw new ValidationFailure(errs);
  return out;
}

export function errorMessage(code: WSErrorCode, message: string, extra: Record<string, unknown> = {}): WSOutgoing {
  return { type: 'error', data: { message, code, ...extra } };
}

/** OpenEnv's JsonRpcResponse.model_dump() (mcp_types.py): jsonrpc, id, then result or error, never both (mcp.ts answers them). */
export type JsonRpcResponse =
  | { jsonrpc: '2.0'; id: string | number | null; result: unknown }
  | { jsonrpc: '2.0'; id: string | number | null; error: { code: number; message: string; data: unknown } };
