"""askfirst as a verl multi-turn interaction (verl's `BaseInteraction`, verl 0.7; docs:
docs/sglang_multiturn/interaction_system.rst in volcengine/verl).

Each rollout request plays the row's episode on `askfirst env serve` (config `env_url`, or
ASKFIRST_ENV_URL; episode and mode from the row's `extra_info.interaction_kwargs`):
`start_interaction(instance_id, episode_id=...)` checks the episode exists, `generate_response`
steps it with the model's last assistant message and answers with
`(should_terminate, next prompt text, turn score, {"outcome", "view", ...})`, `calculate_score` is
the latest turn score, `finalize_interaction` forgets the request.

Why every turn is a stateless replay (`POST /step` with `episode_id` and the earlier replies) and
not a WebSocket session, and why a turn's score is the episode's reward as it stands: verl's agent
loop (verl 0.7.0 and main, verl/experimental/agent_loop/tool_agent_loop.py) ends a rollout at
`max_assistant_turns`, `max_user_turns` or the response length right after a generation, before
`generate_response`, and calls neither this object again nor `finalize_interaction`. Nothing else
can find that rollout later: the request id is a uuid4 the agent loop makes and keeps, and what
verl hands the reward function (`extra_info`: the row's own fields, shared by its `rollout.n`
rollouts, plus `turn_scores`, `tool_rewards`, `num_turns`) names no session; the reward runs in
another Ray actor. So
  * no session is held across a generation: each turn replays the episode on a fresh server
    environment (cheap: a handful of steps), and a rollout verl abandons leaves nothing open;
  * each turn's score is what the episode earned if that turn ended it, else what it would earn
    closed now with an empty reply (a reply naming no option, scored by the server as such; the
    same close as TRL's `AskfirstToolEnv.get_reward`). `turn_scores` is the one value per rollout
    that reaches verl's reward function, and its last entry is then the episode's reward whether
    the episode ended or verl cut it (`askfirst_reward.py`); a rollout cut before any reply was
    stepped has no turn score and is scored there by the same replay of an empty first reply.
Without this, a cut rollout was paid the sum of its step rewards so far — 0 under askfirst's reward,
which pays at the end — above a wrong answer's -0.5: RL was paid for never answering.

verl's interaction channel carries text only (the response becomes a user message's content), so
the next view's image cannot travel through it: this recipe tells the model which view it moved
to and repeats the options. For image feedback in verl, serve the view through a verl tool
(`ToolResponse(image=...)`) instead; with TRL, `AskfirstToolEnv` returns images directly.
"""
from __future__ import annotations

import asyncio
import os
import sys
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Optional
from uuid import uuid4

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from askfirst_env_client import stateless_reset, stateless_step, view_as_text  # noqa: E402

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


@dataclass
class _Rollout:
    episode_id: str
    mode: Optional[str]
    replies: list = field(default_factory=list)  # stepped so far, in order (dropped once the episode is over)
    paid: float = 0.0  # the server's step rewards so far, summed
    score: Optional[float] = None  # the latest turn score: the episode's reward, or what it would earn closed now
    outcome: Optional[str] = None  # set once the episode is over


class AskfirstInteraction(BaseInteraction):
    def __init__(self, config: dict):
        super().__init__(config)
        self.env_url = config.get("env_url") or os.environ.get("ASKFIRST_ENV_URL", "http://127.0.0.1:8000")
        # By verl request id. verl never says when it drops a rollout, so the oldest go past max_rollouts (verl 0.7.0
        # and main build a fresh interaction per rollout anyway: ToolAgentLoop.__init__ reads the interaction config).
        self._rollouts: OrderedDict = OrderedDict()
        self.max_rollouts = int(config.get("max_rollouts", 100_000))

    async def start_interaction(self, instance_id: Optional[str] = None, episode_id: Optional[str] = None, mode: Optional[str] = None, **kwargs: Any) -> str:
        if not episode_id:
            raise ValueError(
                "AskfirstInteraction needs the row's episode: extra_info.interaction_kwargs.episode_id "
                "(make_verl_data.py writes it); each turn, and the reward of a rollout verl cuts short, replays that episode"
            )
        if instance_id is None:
            instance_id = str(uuid4())
        data = {k: v for k, v in (("episode_id", episode_id), ("mode", mode)) if v is not None}
        await asyncio.to_thread(stateless_reset, self.env_url, **data)  # an unknown episode or mode fails here, before any generation
        self._rollouts[instance_id] = _Rollout(episode_id=episode_id, mode=mode)
        while len(self._rollouts) > self.max_rollouts:
            self._rollouts.popitem(last=False)
        return instance_id

    def _rollout(self, instance_id: str) -> _Rollout:
        ro = self._rollouts.get(instance_id)
        if ro is None:
            raise KeyError(
                f"AskfirstInteraction: no rollout {instance_id!r}: start_interaction was not called for it, it was finalized, "
                f"or it was dropped as one of the oldest past max_rollouts={self.max_rollouts} (raise it in the interaction config)"
            )
        return ro

    async def _step(self, ro: _Rollout, history: list, reply: str):
        return await asyncio.to_thread(stateless_step, self.env_url, ro.episode_id, list(history), reply, ro.mode)

    async def generate_response(self, instance_id: str, messages: list, **kwargs: Any) -> tuple:
        ro = self._rollout(instance_id)
        if ro.outcome is not None:
            return True, "The episode is over.", ro.score, {"outcome": ro.outcome}
        reply = last_assistant_text(messages)
        r = await self._step(ro, ro.replies, reply)
        ro.replies.append(reply)
        ro.paid += float(r.reward or 0.0)
        o = r.observation
        if r.done:
            ro.score, ro.outcome, ro.replies = ro.paid, o["outcome"], []
            return True, f"Episode over: {o['outcome']}.", ro.score, {"outcome": o["outcome"], "turns": o["turn"]}
        # What the episode earns if verl stops the rollout before the next reply reaches us.
        closed = await self._step(ro, ro.replies, "")
        ro.score = ro.paid + float(closed.reward or 0.0)
        return False, view_as_text(o), ro.score, {"outcome": None, "view": o["view"]}

    async def calculate_score(self, instance_id: str, **kwargs: Any) -> float:
        """The episode's reward if it is over; else what it would earn closed now with an empty reply."""
        ro = self._rollout(instance_id)
        if ro.score is None:  # no reply stepped yet
            ro.score = float((await self._step(ro, [], "")).reward or 0.0)
        return ro.score

    async def finalize_interaction(self, instance_id: str, **kwargs: Any) -> None:
        self._rollouts.pop(instance_id, None)
