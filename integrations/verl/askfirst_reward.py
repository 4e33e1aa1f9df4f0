"""verl reward function for askfirst rollouts (`custom_reward_function.path=integrations/verl/askfirst_reward.py`,
`custom_reward_function.name=compute_score`, `+custom_reward_function.reward_kwargs.env_url=URL`).

verl does not score a rollout with its interaction's turn scores: its reward loop calls
`compute_score(data_source, solution_str, ground_truth, extra_info)` and, without a custom
function, `default_compute_score` raises NotImplementedError for `data_source="askfirst"`. The agent
loop's output fields (`turn_scores`: the score `AskfirstInteraction.generate_response` returned each
turn) reach `extra_info` in verl's reward loop (verl/experimental/reward_loop/reward_manager/naive.py,
`tool_extra_fields`; verl 0.7.0 and main, where `reward_model.use_reward_loop` is on by default).

Each turn score is the episode's reward as it stands after that turn — what it earned if the turn
ended it, else what it would earn closed with an empty reply (askfirst_interaction.py says why) —
so the rollout's reward is the last one, also when verl cut the rollout short (max_assistant_turns,
max_user_turns, the response length) and never told the interaction. A rollout cut before any
reply reached the interaction has no turn score: it is scored by replaying its episode
(`extra_info.interaction_kwargs`) on `askfirst env serve` with an empty first reply — `env_url`
(the reward kwarg), else ASKFIRST_ENV_URL, else http://127.0.0.1:8000. Rows of other data sources
go to verl's `default_compute_score`. Standard library only but for that replay, which uses the
shared client (integrations/askfirst_env_client.py).
"""
from __future__ import annotations

import os
import sys
from typing import Any, Optional

DATA_SOURCE = "askfirst"


def compute_score(data_source: str, solution_str: str, ground_truth: Any, extra_info: Optional[dict] = None, env_url: Optional[str] = None, **kwargs: Any) -> float:
    """The episode's reward: the last turn score, or the server's replay of an empty first reply when there is none."""
    if data_source != DATA_SOURCE:
        from verl.utils.reward_score import default_compute_score

        return default_compute_score(data_source, solution_str, ground_truth, extra_info, **kwargs)
    info = extra_info or {}
    if "turn_scores" not in info:
        raise ValueError(
            "askfirst rows are scored from the interaction's turn scores, which verl passes in extra_info['turn_scores'] "
            "only through its agent-loop reward loop: keep reward_model.use_reward_loop=True and "
            "actor_rollout_ref.rollout.multi_turn.interaction_config_path set (integrations/verl/README.md)"
        )
    scores = info["turn_scores"]
    if len(scores) > 0:
        return float(scores[-1])
    return _empty_first_reply(info, env_url or os.environ.get("ASKFIRST_ENV_URL", "http://127.0.0.1:8000"))


def _empty_first_reply(info: dict, env_url: str) -> float:
    """The reward of the row's episode closed at its first turn with an empty reply (verl cut the rollout before any reply was stepped)."""
    episode = info.get("interaction_kwargs") or {}
    if not episode.get("episode_id"):
        raise ValueError(
            "an askfirst rollout verl cut before its first reply is scored by replaying the row's episode, but "
            "extra_info.interaction_kwargs.episode_id is missing (make_verl_data.py writes it)"
        )
    shared = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    if shared not in sys.path:
        sys.path.insert(0, shared)
    from askfirst_env_client import AskfirstEnvError, stateless_step

    try:
        r = stateless_step(env_url, episode["episode_id"], [], "", episode.get("mode"))
    except AskfirstEnvError as e:
        raise RuntimeError(
            f"askfirst reward: episode {episode['episode_id']} was cut before its first reply and is scored by askfirst env serve "
            f"at {env_url}, which failed: {e} (set +custom_reward_function.reward_kwargs.env_url to the server the interaction uses)"
        ) from e
    return float(r.reward or 0.0)
