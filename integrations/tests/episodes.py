"""Helpers the recipe tests share (test_recipes.py, test_openrlhf_agent.py): episodes played on a live askfirst env serve."""
from __future__ import annotations

from askfirst_env_client import AskfirstEnv


def valid_asks(url: str, episode_id: str, n: int) -> list:
    """Up to n replies, each a valid intervention after the ones before it (the episode goes on after every one),
    found by trying the interventions offered at each turn; fewer when the episode has no further ask that keeps it open."""
    asks: list = []
    with AskfirstEnv(url) as env:
        while len(asks) < n:
            r = env.reset(episode_id=episode_id)
            for a in asks:
                r = env.step(a)
            found = None
            for opt in r.observation["options"][: r.observation["num_interventions"]]:
                env.reset(episode_id=episode_id)
                for a in asks:
                    env.step(a)
                if not env.step(opt["letter"] + ".").done:
                    found = opt["letter"] + "."
                    break
            if found is None:
                break
            asks.append(found)
    return asks
