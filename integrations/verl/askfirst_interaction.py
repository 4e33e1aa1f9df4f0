"""askfirst as a verl multi-turn interaction (verl's `BaseInteraction`, verl 0.7; docs:
docs/sglang_multiturn/interaction_system.rst in volcengine/verl).

Each rollout request opens its own session on `askfirst env serve` (config `env_url`, or
ASKFIRST_ENV_URL): `start_interaction(instance_id, episode_id=...)` resets it on the row's
episode (from the row's `extra_info.interaction_kwargs`), `generate_response` steps it with the
model's last assistant message and answers with
`(should_terminate, next prompt text, turn score, {"outcome", "view", ...})`, `calculate_score`
is the episode's reward so far, `finalize_interaction` closes the session.

verl's agent loop (verl 0.7.0 and main, verl/experimental/agent_loop/tool_agent_loop.py) calls
only `start_interaction` and `generate_response`, never `finalize_interaction`, so the session is
closed here as soon as the episode ends; a rollout verl cuts short (max_assistant_turns, response
length) leaves its session to the server's `--session-timeout`.

verl's interaction channel carries text only (the response becomes a user message's content), so
the next view's image cannot travel through it: this recipe tells the model which view it moved
to and repeats the options. For image feedback in verl, serve the view through a verl tool
(`ToolResponse(image=...)`) instead; with TRL, `AskfirstToolEnv` returns images directly.
"""
from __future__ import annotations

import os
import sys
from collections import OrderedDict
from typing import Any, Optional
from uuid import uuid4

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from askfirst_env_client import AsyncAskfirstEnv, view_as_text  # noqa: E402

try:  # verl installed: the real base class
    from verl.interactions.base import BaseInteraction
except ImportError:  # tests here run without verl: the same interface, no behaviour

    class BaseInteraction:  # type: ignore[no-redef]
        def __init__(self, config: dict):
            self.config = config
            self.name = config.get("name", "interaction_agent")


def last_assistant_text(messages: list) -> str:
    for m in reversed(messages):
        if m.get("role") == "assistant":
            c = m.get("content", "")
            if isinstance(c, list):
                return "".join(p.get("text", "") for p in c if isinstance(p, dict))
            return str(c)
    return ""


class AskfirstInteraction(BaseInteraction):
    def __init__(self, config: dict):
        super().__init__(config)
        self.env_url = config.get("env_url") or os.environ.get("ASKFIRST_ENV_URL", "http://127.0.0.1:8000")
        self._instances: dict = {}
        # Finished episodes (session closed) by instance id, for calculate_score; bounded, as verl never finalizes.
        self._finished: OrderedDict = OrderedDict()
        self.max_finished = int(config.get("max_finished", 100_000))

    async def start_interaction(self, instance_id: Optional[str] = None, episode_id: Optional[str] = None, mode: Optional[str] = None, **kwargs: Any) -> str:
        if instance_id is None:
            instance_id = str(uuid4())
        env = AsyncAskfirstEnv(self.env_url)
        data = {k: v for k, v in (("episode_id", episode_id), ("mode", mode)) if v is not None}
        r = await env.reset(**data)
        self._instances[instance_id] = {"env": env, "reward": 0.0, "outcome": r.observation["outcome"]}
        return instance_id

    async def generate_response(self, instance_id: str, messages: list, **kwargs: Any) -> tuple:
        if instance_id in self._finished:
            return True, "The episode is over.", 0.0, {"outcome": self._finished[instance_id]["outcome"]}
        inst = self._instances[instance_id]
        r = await inst["env"].step(last_assistant_text(messages))
        score = float(r.reward or 0.0)
        inst["reward"] += score
        o = r.observation
        inst["outcome"] = o["outcome"]
        if r.done:
            await self._finish(instance_id)
            return True, f"Episode over: {o['outcome']}.", score, {"outcome": o["outcome"], "turns": o["turn"]}
        text = view_as_text(o)
        return False, text, score, {"outcome": None, "view": o["view"]}

    async def _finish(self, instance_id: str) -> None:
        """Close the episode's session (verl never calls finalize_interaction) and keep its result."""
        inst = self._instances.pop(instance_id)
        await inst["env"].close()
        self._finished[instance_id] = {"reward": inst["reward"], "outcome": inst["outcome"]}
        while len(self._finished) > self.max_finished:
            self._finished.popitem(last=False)

    async def calculate_score(self, instance_id: str, **kwargs: Any) -> float:
        if instance_id in self._finished:
            return self._finished[instance_id]["reward"]
        return self._instances[instance_id]["reward"]

    async def finalize_interaction(self, instance_id: str, **kwargs: Any) -> None:
        self._finished.pop(instance_id, None)
        inst = self._instances.pop(instance_id, None)
        if inst is not None:
            await inst["env"].close()
