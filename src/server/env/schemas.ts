/**
 * What GET /schema answers: OpenEnv's SchemaResponse `{action, observation, state}`, each the JSON Schema pydantic v2's
 * `model_json_schema()` gives (http_server.py `get_schemas`, 685de411) for askfirst's models as subclasses of OpenEnv's
 * Action and Observation (types.py), and for OpenEnv's base State, which its /schema always answers. Written here, not
 * generated at run time (the server is not Python); the models they describe are in
 * integrations/tests/openenv_schemas.py, whose pydantic output (src/testing/openenv-pydantic-schemas.json) these equal byte for byte
 * (schemas.test.ts): pydantic's titles, `additionalProperties` of a dict field, `$defs`, and its key order (`sorted`).
 * The TypeScript types they describe live in src/environment/session.ts.
 */

type Schema = Record<string, unknown>;

/**
 * pydantic v2's key order (GenerateJsonSchema.sort): every object's keys sorted, recursively, except the keys of a
 * `properties` or `default` object, which keep their order (fields in declaration order, base class fields first).
 */
function pydanticOrder(v: unknown, parentKey?: string): unknown {
  if (Array.isArray(v)) return v.map((x) => pydanticOrder(x, parentKey));
  if (typeof v !== 'object' || v === null) return v;
  const keys = Object.keys(v);
  if (parentKey !== 'properties' && parentKey !== 'default') keys.sort();
  return Object.fromEntries(keys.map((k) => [k, pydanticOrder((v as Schema)[k], k)]));
}

/** A model's schema as pydantic writes it: properties in field order, `required` those without a default. */
function model(title: string, fields: Schema, o: { description?: string; required?: string[]; extra: 'forbid' | 'allow' | 'ignore'; defs?: Schema }): Schema {
  return pydanticOrder({
    ...(o.defs ? { $defs: o.defs } : {}),
    // pydantic's default (extra ignored) says nothing of extra keys
    ...(o.extra === 'ignore' ? {} : { additionalProperties: o.extra === 'allow' }),
    ...(o.description ? { description: o.description } : {}),
    properties: fields,
    ...(o.required?.length ? { required: o.required } : {}),
    title,
    type: 'object',
  }) as Schema;
}

/** A field: pydantic's title (the name, `_` as space, each word capitalised as Python's str.title()). */
function field(name: string, schema: Schema, description?: string): [string, Schema] {
  const title = name.replace(/[A-Za-z]+/g, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase()).replace(/_/g, ' ');
  return [name, { ...schema, ...(description ? { description } : {}), title }];
}

const str = { type: 'string' };
const int = { type: 'integer' };
/** Optional[X]: pydantic's anyOf with null. */
const nullable = (t: Schema) => ({ anyOf: [t, { type: 'null' }] });
/** Dict[str, Any]. */
const dict = { additionalProperties: true, type: 'object' };

/** OpenEnv's Action base field (types.py). */
const ACTION_BASE = [field('metadata', dict, 'Additional metadata for the action')];
/** OpenEnv's Observation base fields (types.py). */
const OBSERVATION_BASE = [
  field('done', { default: false, type: 'boolean' }, 'Whether the episode has terminated'),
  field('reward', { anyOf: [{ type: 'boolean' }, int, { type: 'number' }, { type: 'null' }], default: null }, 'Reward signal from the last action'),
  field('metadata', dict, 'Additional metadata for the observation'),
];

/**
 * The reply action: one model, never a union, as OpenEnv's /schema gives `action_cls.model_json_schema()` even for an
 * MCPEnvironment (echo_env's is CallToolAction's, list_tools undescribed). A step also takes OpenEnv's own MCP actions
 * (protocol.ts validateMcpAction); the description (the model's docstring) says so.
 */
export const ACTION_SCHEMA = model('AskfirstAction', Object.fromEntries([...ACTION_BASE, field('reply', str, 'the reply: an option letter ("B."), or an option text, matched as in `askfirst eval`')]), {
  description:
    'A reply to the current turn. A step also takes OpenEnv\'s MCP actions, ListToolsAction {"type":"list_tools"} and CallToolAction {"type":"call_tool","tool_name":str,"arguments":{}} (tools: start_episode, reply, episode_state); as in OpenEnv, /schema describes the environment\'s own action only.',
  required: ['reply'],
  extra: 'forbid',
});

const OPTION = model('AskfirstOption', Object.fromEntries([field('letter', str), field('text', str)]), { description: 'A lettered option: interventions first, then the categories.', required: ['letter', 'text'], extra: 'ignore' });

const OBSERVATION_FIELDS = [
  field('episode_id', str),
  field('kind', str),
  field('mode', { enum: ['proactive', 'hint', 'reference'], type: 'string' }),
  field('turn', int),
  field('max_turns', int),
  field('view', nullable(int)),
  field('image_png_base64', nullable(str), 'the current view as base64 PNG'),
  field('question', str),
  field('options', { items: { $ref: '#/$defs/AskfirstOption' }, type: 'array' }),
  field('num_interventions', int, 'how many of options are interventions (they come first)'),
  field('prompt', nullable(str), "ProactiveBench's multiple-choice prompt"),
  field('messages', { items: dict, type: 'array' }, 'the same turn as OpenAI chat messages (image as a data URL)'),
  field('last_reply', nullable(str)),
  field('last_action', nullable(dict), 'how the last reply was parsed'),
  field('outcome', nullable({ enum: ['correct', 'wrong-category', 'abstain', 'invalid-intervention', 'unparseable', 'max-turns'], type: 'string' })),
  field('interventions', int),
  field('reward_parts', { additionalProperties: { type: 'number' }, type: 'object' }),
];

export const OBSERVATION_SCHEMA = model('AskfirstObservation', Object.fromEntries([...OBSERVATION_BASE, ...OBSERVATION_FIELDS]), {
  description: 'One turn of an askfirst episode (OpenEnv sends reward and done beside it, not inside, and no metadata).',
  required: OBSERVATION_FIELDS.map(([name]) => name),
  extra: 'forbid',
  defs: { AskfirstOption: OPTION },
});

/**
 * OpenEnv's base State, which its /schema answers whatever the environment's state (`State.model_json_schema()`):
 * extra fields allowed, so askfirst's state (kind, mode, view, done, outcome, replies, total_reward: docs) fits it.
 */
export const STATE_SCHEMA = model(
  'State',
  Object.fromEntries([
    field('episode_id', { ...nullable(str), default: null }, 'Unique identifier for the current episode'),
    field('step_count', { default: 0, minimum: 0, type: 'integer' }, 'Number of steps taken in the current episode'),
  ]),
  { description: 'Base class for environment state.\n\nRepresents internal environment state, separate from observations.', extra: 'allow' },
);
