"""askfirst for TRL's GRPOTrainer (written against TRL 1.9 / main 1.10.dev; `environment_factory`
and `rollout_func` are experimental in TRL and may change).

Three pieces, each usable alone:

* `askfirst_reward` — a reward function with TRL's signature (`prompts`, `completions`, dataset
  columns as keyword lists) for single-turn GRPO on `askfirst export --format trl` rows: it sends
  the replies with the rows' `label` column to `askfirst env serve`'s `/get_reward` and returns
  ProactiveBench's single-turn reward (r_c, r_p, r_w as the server was started with).
* `AskfirstToolEnv` — an `environment_factory` class for multi-turn GRPO: `reset(**row)` starts the
  row's episode on the server; the model answers by calling the `reply` tool; each call steps the
  episode and returns the next view (image + prompt) to the model; `get_reward()` is the
  episode's reward (askfirst's multi-turn reward by default).
* `make_rollout_func` — a `rollout_func` for models without tool calling: it plays each episode
  turn by turn with a `generate` you supply (e.g. wrapping TRL's vLLM client), the next view fed
  back as a user message, and returns what GRPOTrainer requires (one completion per prompt it is
  given) plus `env_reward`.

Only the standard library and websockets here; PIL (a TRL dependency) is imported when a tool
result needs an image. The server URL comes from ASKFIRST_ENV_URL (default http://127.0.0.1:8000).
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import sys
from typing import Any, Callable, Optional

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from askfirst_env_client import AskfirstEnv, AskfirstEnvError, get_rewards  # noqa: E402

ENV_URL = os.environ.get("ASKFIRST_ENV_URL", "http://127.0.0.1:8000")


def completion_text(completion: Any) -> str:
    """A completion as TRL passes it: a string (standard format) or a list of messages (conversational)."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion:
        content = completion[-1].get("content", "")
        if isinstance(content, list):
            return "".join(p.get("text", "") for p in content if isinstance(p, dict))
        return str(content)
    return ""


def askfirst_reward(completions: list, label: list, prompts: Optional[list] = None, **kwargs: Any) -> list:
    """TRL reward function: single-turn reward of each completion at its row's state (needs the `label` column)."""
    replies = [completion_text(c) for c in completions]
    out = get_rewards(ENV_URL, replies, [""] * len(replies), list(label))
    return [float(r) for r in out["rewards"]]


def _pil_image(png_base64: str):
    from PIL import Image  # TRL depends on Pillow

    return Image.open(io.BytesIO(base64.b64decode(png_base64))).convert("RGB")


class AskfirstToolEnv:
    """TRL `environment_factory` class: one askfirst session per rollout."""

    # Tests replace this to avoid Pillow; TRL feeds PIL images to the VLM.
    image_factory: Callable[[str], Any] = staticmethod(_pil_image)

    def __init__(self) -> None:
        self.client = AskfirstEnv(ENV_URL)
        self.reward = 0.0
        self.done = False
        self.outcome: Optional[str] = None
        self.replies: list = []

    def reset(self, **kwargs: Any) -> Optional[str]:
        """Start the row's episode (dataset column `episode_id`); the first view is already in the row's prompt."""
        data = {k: kwargs[k] for k in ("episode_id", "mode") if k in kwargs and kwargs[k] is not None}
        try:
            r = self.client.reset(**data)
        except AskfirstEnvError as e:
            # TRL pools environment instances and reuses them batch after batch; a socket idle longer than the
            # server's --session-timeout (a long optimizer step, evaluation, a checkpoint save) was closed by it.
            if e.code not in ("CONNECTION_CLOSED", "SESSION_ERROR"):
                raise
            self.client.close()
            self.client = AskfirstEnv(ENV_URL)
            r = self.client.reset(**data)
        self.reward = 0.0
        self.done = False
        self.outcome = None
        self.replies = []
        self.observation = r.observation
        return None

    def reply(self, answer: str) -> list:
        """
        Give your answer for the current view: one option, as its letter (for example "B.") or its text.
        Choosing an option that asks for a better view shows you that view next.

        Args:
            answer: The chosen option, e.g. "B."

        Returns:
            The next view and its options, or the end of the episode.
        """
        if self.done:
            raise ValueError("The episode is over.")
        r = self.client.step(answer)
        self.replies.append(answer)
        self.reward += float(r.reward or 0.0)
        self.done = r.done
        self.observation = r.observation
        if r.done:
            self.outcome = r.observation["outcome"]
            return [{"type": "text", "text": f"Episode over: {self.outcome}."}]
        return [
            {"type": "image", "image": type(self).image_factory(r.observation["image_png_base64"])},
            {"type": "text", "text": r.observation["prompt"]},
        ]

    def get_reward(self) -> float:
        """The episode's reward (TRL calls this once per finished rollout)."""
        return self.reward


def play_episode(env: AskfirstEnv, generate: Callable[[list], str], **reset: Any) -> dict:
    """Play one episode: `generate(messages) -> reply text`; the next view is appended as a user message."""
    r = env.reset(**reset)
    messages = list(r.observation["messages"])
    replies, total = [], 0.0
    while not r.done:
        text = generate(messages)
        replies.append(text)
        messages.append({"role": "assistant", "content": text})
        r = env.step(text)
        total += float(r.reward or 0.0)
        if not r.done:
            messages.extend(r.observation["messages"])
    return {"episode_id": r.observation["episode_id"], "replies": replies, "outcome": r.observation["outcome"], "reward": total, "messages": messages}


def prompt_seed(prompt: Any) -> int:
    """A reset seed from a prompt's content (text and image bytes): equal prompts, in any process, pick the same episode."""

    def default(o: Any) -> str:
        if hasattr(o, "tobytes"):  # PIL images (TRL puts the row's images into the prompt before rollout_func)
            return "bytes:" + hashlib.sha256(o.tobytes()).hexdigest()
        return type(o).__name__  # never repr(): it can hold a memory address, different in every process

    text = json.dumps(prompt, sort_keys=True, default=default)
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) & 0x7FFFFFFF


def make_rollout_func(generate: Callable[[list], dict], url: str = ENV_URL):
    """
    A TRL `rollout_func(prompts, trainer)`. `generate(messages)` returns
    `{"text", "prompt_ids", "completion_ids", "logprobs"}` for one turn (wrap your vLLM client).
    TRL hands it the process's slice of the generation batch, each prompt already repeated
    `num_generations` times by its sampler, and wants exactly one completion per prompt. Each
    prompt plays one episode, chosen by a seed hashed from the prompt's content, so the copies of
    one prompt (one GRPO group, even when split across processes) replay the same episode.
    Completion ids of all turns are concatenated.
    """

    def rollout_func(prompts: list, trainer: Any = None) -> dict:
        out = {"prompt_ids": [], "completion_ids": [], "logprobs": [], "env_reward": [], "episode_id": []}
        with AskfirstEnv(url) as env:
            for prompt in prompts:
                turns: list = []

                def gen(messages: list) -> str:
                    g = generate(messages)
                    turns.append(g)
                    return g["text"]

                res = play_episode(env, gen, seed=prompt_seed(prompt))
                out["prompt_ids"].append(turns[0]["prompt_ids"])
                out["completion_ids"].append([t for g in turns for t in g["completion_ids"]])
                out["logprobs"].append([lp for g in turns for lp in g["logprobs"]])
                out["env_reward"].append(res["reward"])
                out["episode_id"].append(res["episode_id"])
        return out

    return rollout_func


def env_reward(env_reward: list, **kwargs: Any) -> list:
    """Reward function for the rollout_func path: the environment's episode reward, passed through."""
    return [float(r) for r in env_reward]


if __name__ == "__main__":
    print(json.dumps({"env_url": ENV_URL}))
