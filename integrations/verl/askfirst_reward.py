"""verl reward function for askfirst rollouts (`custom_reward_function.path=integrations/verl/askfirst_reward.py`,
`custom_reward_function.name=compute_score`). Standard library only.

verl does not score a rollout with its interaction's turn scores: its reward loop calls
`compute_score(data_source, solution_str, ground_truth, extra_info)` and, without a custom
function, `default_compute_score` raises NotImplementedError for `data_source="askfirst"`. The agent
loop's output fields (`turn_scores`: the score `AskfirstInteraction.generate_response` returned each
turn, i.e. the server's step rewards) reach `extra_info` in verl's reward loop
(verl/experimental/reward_loop/reward_manager/naive.py, `tool_extra_fields`; verl 0.7.0 and main,
where `reward_model.use_reward_loop` is on by default). The episode's reward is their sum. Rows of
other data sources go to verl's `default_compute_score`.
"""
from __future__ import annotations

from typing import Any, Optional

DATA_SOURCE = "askfirst"


def compute_score(data_source: str, solution_str: str, ground_truth: Any, extra_info: Optional[dict] = None, **kwargs: Any) -> float:
    """The episode's reward: the sum of the interaction's turn scores (0 when verl cut the rollout before any turn was scored)."""
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
    return float(sum(float(s) for s in info["turn_scores"]))
