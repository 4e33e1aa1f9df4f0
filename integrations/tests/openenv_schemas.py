"""Print what OpenEnv's `GET /schema` would answer for askfirst's models, as pydantic v2 generates it.

    python3 integrations/tests/openenv_schemas.py > src/testing/openenv-pydantic-schemas.json

Needs pydantic 2 (Debian 12's python3-pydantic is v1: use a venv, `pip install pydantic`). The models mirror
askfirst's wire types (src/environment/session.ts) as subclasses of OpenEnv's Action and Observation base models
(meta-pytorch/OpenEnv src/openenv/core/env_server/types.py at 685de411: Action and Observation forbid extra fields and
carry `metadata`; Observation `done` and `reward`; State allows extra fields). OpenEnv's /schema answers
`action_cls.model_json_schema()`, `observation_cls.model_json_schema()` and its base `State.model_json_schema()`;
src/server/env/schemas.ts must equal this output byte for byte (schemas.test.ts).
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field


class Action(BaseModel):
    """OpenEnv's Action base: extra fields forbidden, a metadata dict."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, arbitrary_types_allowed=True)
    metadata: Dict[str, Any] = Field(default_factory=dict, description="Additional metadata for the action")


class Observation(BaseModel):
    """OpenEnv's Observation base."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, arbitrary_types_allowed=True)
    done: bool = Field(default=False, description="Whether the episode has terminated")
    reward: bool | int | float | None = Field(default=None, description="Reward signal from the last action")
    metadata: Dict[str, Any] = Field(default_factory=dict, description="Additional metadata for the observation")


class State(BaseModel):
    """Base class for environment state.

    Represents internal environment state, separate from observations.
    """

    model_config = ConfigDict(extra="allow", validate_assignment=True, arbitrary_types_allowed=True)
    episode_id: Optional[str] = Field(default=None, description="Unique identifier for the current episode")
    step_count: int = Field(default=0, ge=0, description="Number of steps taken in the current episode")


class AskfirstAction(Action):
    """A reply to the current turn. A step also takes OpenEnv's MCP actions, ListToolsAction {"type":"list_tools"} and CallToolAction {"type":"call_tool","tool_name":str,"arguments":{}} (tools: start_episode, reply, episode_state); as in OpenEnv, /schema describes the environment's own action only."""

    reply: str = Field(description='the reply: an option letter ("B."), or an option text, matched as in `askfirst eval`')


class AskfirstOption(BaseModel):
    """A lettered option: interventions first, then the categories."""

    letter: str
    text: str


class AskfirstObservation(Observation):
    """One turn of an askfirst episode (OpenEnv sends reward and done beside it, not inside, and no metadata)."""

    episode_id: str
    kind: str
    mode: Literal["proactive", "hint", "reference"]
    turn: int
    max_turns: int
    view: Optional[int]
    image_png_base64: Optional[str] = Field(description="the current view as base64 PNG")
    question: str
    options: List[AskfirstOption]
    num_interventions: int = Field(description="how many of options are interventions (they come first)")
    prompt: Optional[str] = Field(description="ProactiveBench's multiple-choice prompt")
    messages: List[Dict[str, Any]] = Field(description="the same turn as OpenAI chat messages (image as a data URL)")
    last_reply: Optional[str]
    last_action: Optional[Dict[str, Any]] = Field(description="how the last reply was parsed")
    outcome: Optional[Literal["correct", "wrong-category", "abstain", "invalid-intervention", "unparseable", "max-turns"]]
    interventions: int
    reward_parts: Dict[str, float]


if __name__ == "__main__":
    out = {
        "action": AskfirstAction.model_json_schema(),
        "observation": AskfirstObservation.model_json_schema(),
        "state": State.model_json_schema(),
    }
    print(json.dumps(out, indent=2, ensure_ascii=False))
