/**
 * GET /schema is what OpenEnv's server answers for askfirst's models: pydantic v2's `model_json_schema()`, byte for byte
 * (src/testing/openenv-pydantic-schemas.json: `python3 integrations/tests/openenv_schemas.py` with pydantic 2.13.5).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EpisodePool } from '../../environment/episodes.js';
import { resolveRewardConfig, Rewarder } from '../../environment/rewards.js';
import { memoryLoader } from '../../suite/loader.js';
import { chainEpisode } from '../../testing/chain-episode.js';
import { ACTION_SCHEMA, OBSERVATION_SCHEMA, STATE_SCHEMA } from './schemas.js';
import { startEnvServer, type RunningEnvServer } from './server.js';

const PYDANTIC = JSON.parse(readFileSync(new URL('../../testing/openenv-pydantic-schemas.json', import.meta.url), 'utf8')) as Record<string, unknown>;

let srv: RunningEnvServer;
beforeAll(async () => {
  srv = await startEnvServer({ pool: new EpisodePool([chainEpisode('chain-a', 3)], memoryLoader), rewarder: new Rewarder(resolveRewardConfig({})), maxSessions: 1, sessionTimeout: 0, port: 0 });
});
afterAll(() => srv.close());

describe('GET /schema as pydantic v2 writes it', () => {
  it('each schema equals pydantic\'s, keys in its order (titles, dict fields\' additionalProperties, $defs, OpenEnv\'s base fields)', () => {
    expect(JSON.stringify(ACTION_SCHEMA)).toBe(JSON.stringify(PYDANTIC.action));
    expect(JSON.stringify(OBSERVATION_SCHEMA)).toBe(JSON.stringify(PYDANTIC.observation));
    expect(JSON.stringify(STATE_SCHEMA)).toBe(JSON.stringify(PYDANTIC.state));
  });

  it('the action\'s metadata is pydantic\'s Dict[str, Any] field: title, additionalProperties, OpenEnv\'s description', () => {
    expect(JSON.stringify((ACTION_SCHEMA.properties as Record<string, unknown>).metadata)).toBe('{"additionalProperties":true,"description":"Additional metadata for the action","title":"Metadata","type":"object"}');
  });

  it('GET /schema answers them as they are', async () => {
    const body = await (await fetch(`${srv.url}/schema`)).text();
    expect(body).toBe(JSON.stringify({ action: PYDANTIC.action, observation: PYDANTIC.observation, state: PYDANTIC.state }));
  });
});
