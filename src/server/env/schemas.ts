/**
 * What GET /schema and GET /metadata answer (OpenEnv's SchemaResponse `{action, observation,
 * state}` as JSON Schemas, and EnvironmentMetadata). Hand-written JSON Schema: the shapes are
 * small and fixed, and the TypeScript types they describe live in src/environment/session.ts.
 */
const str = { type: 'string' };
const nullable = (t: Record<string, unknown>) => ({ anyOf: [t, { type: 'null' }] });

/**
 * One model's schema, as OpenEnv's /schema gives `action_cls.model_json_schema()` (http_server.py, 685de411): never a
 * union, even for an MCPEnvironment (echo_env's is CallToolAction's alone, list_tools undescribed). A step also takes
 * OpenEnv's own MCP actions (protocol.ts validateMcpAction); the description says so, where pydantic puts a docstring.
 */
export const ACTION_SCHEMA = {
  title: 'AskfirstAction',
  description:
    'A reply to the current turn. A step also takes OpenEnv\'s MCP actions, ListToolsAction {"type":"list_tools"} and CallToolAction {"type":"call_tool","tool_name":str,"arguments":{}} (tools: start_episode, reply, episode_state); as in OpenEnv, /schema describes the environment\'s own action only.',
  type: 'object',
  additionalProperties: false,
  required: ['reply'],
  properties: {
    reply: { ...str, description: 'the reply: an option letter ("B."), or an option text, matched as in `askfirst eval`' },
    metadata: { type: 'object', description: 'additional metadata for the action (ignored)' },
  },
};

export const OBSERVATION_SCHEMA = {
  title: 'AskfirstObservation',
  type: 'object',
  properties: {
    done: { type: 'boolean', default: false },
    reward: nullable({ type: 'number' }),
    episode_id: str,
    kind: str,
    mode: { enum: ['proactive', 'hint', 'reference'] },
    turn: { type: 'integer' },
    max_turns: { type: 'integer' },
    view: nullable({ type: 'integer' }),
    image_png_base64: nullable({ ...str, description: 'the current view as base64 PNG' }),
    question: str,
    options: { type: 'array', items: { type: 'object', properties: { letter: str, text: str }, required: ['letter', 'text'] } },
    num_interventions: { type: 'integer', description: 'how many of options are interventions (they come first)' },
    prompt: nullable({ ...str, description: "ProactiveBench's multiple-choice prompt" }),
    messages: { type: 'array', description: 'the same turn as OpenAI chat messages (image as a data URL)', items: { type: 'object' } },
    last_reply: nullable(str),
    last_action: nullable({ type: 'object', description: 'how the last reply was parsed' }),
    outcome: nullable({ enum: ['correct', 'wrong-category', 'abstain', 'invalid-intervention', 'unparseable', 'max-turns'] }),
    interventions: { type: 'integer' },
    reward_parts: { type: 'object', additionalProperties: { type: 'number' } },
  },
};

export const STATE_SCHEMA = {
  title: 'AskfirstState',
  type: 'object',
  additionalProperties: true,
  properties: {
    episode_id: nullable(str),
    step_count: { type: 'integer', minimum: 0, default: 0 },
    kind: str,
    mode: str,
    view: nullable({ type: 'integer' }),
    done: { type: 'boolean' },
    outcome: nullable(str),
    replies: { type: 'array', items: str },
    total_reward: { type: 'number' },
  },
};
