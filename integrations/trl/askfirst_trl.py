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
* `make_rollout_func` — a `rollout_func` for models without tool calling: it plays each prompt's
  own episode (found in the training dataset) turn by turn with a `generate` you supply (e.g.
  wrapping TRL's vLLM client), the later views told in words, and returns what GRPOTrainer
  requires (one completion per prompt it is given, the environment's tokens masked by
  `env_mask`) plus `env_reward`.

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
from askfirst_env_client import AskfirstEnv, AskfirstEnvError, get_rewards, view_as_text  # noqa: E402

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
        """
        The episode's reward (TRL calls this once per rollout). A rollout that stopped before the
        episode ended (the model never called `reply`, or TRL's turn or length limit came first) is
        closed with an empty reply, which names no option, and scored by the environment as such —
        so not answering never pays better than a wrong answer (askfirst's reward: 0 for an episode
        still open against -0.5 for a wrong answer would teach the model to stop calling the tool).
        """
        if not self.done:
            self.reply("")
        return self.reward


def play_episode(env: AskfirstEnv, generate: Callable[[list], str], views: str = "image", **reset: Any) -> dict:
    """
    Play one episode: `generate(messages) -> reply text`. After each intervention the next view is
    appended as the server's user message (`views="image"`: image + prompt) or told in words
    (`views="text"`: which view, which turn, the prompt — for a trainer that cannot carry the image).
    """
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
            if views == "text":
                messages.append({"role": "user", "content": view_as_text(r.observation)})
            else:
                messages.extend(r.observation["messages"])
    return {"episode_id": r.observation["episode_id"], "replies": replies, "outcome": r.observation["outcome"], "reward": total, "messages": messages}


def prompt_key(prompt: Any, images: Optional[list] = None) -> str:
    """
    What identifies a first-turn prompt: its text parts and its images' pixels, in order. TRL's
    prepared prompt carries the row's images inside its content; a dataset row carries them in
    `images` — both give the same key for the same row.
    """
    texts: list = []
    pixels: list = []

    def walk(o: Any) -> None:
        if hasattr(o, "tobytes"):  # a PIL image
            pixels.append(hashlib.sha256(o.tobytes()).hexdigest())
        elif isinstance(o, dict):
            for k, v in o.items():
                if k in ("text", "content") and isinstance(v, str):
                    texts.append(v)
                else:
                    walk(v)
        elif isinstance(o, (list, tuple)):
            for x in o:
                walk(x)

    walk(prompt)
    for img in images or []:
        if not hasattr(img, "tobytes"):
            raise ValueError(
                f"the dataset's images must be decoded images, not {type(img).__name__}: "
                "cast the column first, ds.cast_column('images', Sequence(Image())) (as train_grpo.py does)"
            )
        walk(img)
    return hashlib.sha256(json.dumps([texts, pixels]).encode("utf-8")).hexdigest()


def completion_of(turns: list) -> tuple:
    """
    One completion from the turns `generate` returned: the model's tokens of every turn, and between
    them the environment's (what a turn's `prompt_ids` add after the previous turn's prompt and
    completion), the latter with log-probability 0 and mask 0. Returns (ids, logprobs, env_mask).
    """
    ids, logprobs, mask = list(turns[0]["completion_ids"]), list(turns[0]["logprobs"]), [1] * len(turns[0]["completion_ids"])
    for prev, g in zip(turns, turns[1:]):
        seen = list(prev["prompt_ids"]) + list(prev["completion_ids"])
        if list(g["prompt_ids"][: len(seen)]) != seen:
            raise ValueError(
                "generate's prompt_ids of a later turn do not start with the previous turn's prompt_ids + completion_ids: "
                "the completion cannot be laid out as one sequence (return the chat template's full token ids, "
                "and the completion's ids up to and including its end-of-turn token)"
            )
        between = list(g["prompt_ids"][len(seen):])
        ids += between + list(g["completion_ids"])
        logprobs += [0.0] * len(between) + list(g["logprobs"])
        mask += [0] * len(between) + [1] * len(g["completion_ids"])
    return ids, logprobs, mask


def make_rollout_func(generate: Callable[[list], dict], dataset: Any, url: str = ENV_URL):
    """
    A TRL `rollout_func(prompts, trainer)`. `generate(messages)` returns
    `{"text", "prompt_ids", "completion_ids", "logprobs"}` for one turn (wrap your vLLM client);
    `dataset` is the trainer's `train_dataset` (`askfirst export --format trl --turns first`, images
    decoded), whose rows name their `episode_id`.

    TRL hands the function the process's slice of the generation batch, each prompt already
    repeated `num_generations` times, and wants exactly one completion per prompt; it trains on
    `prompt_ids + completion_ids` with the row's own images. So each prompt plays its own row's
    episode (found by `prompt_key`: the prompt's text and image pixels) — the first view TRL trains
    with is the one the model saw — and the later views are told in words (TRL's training pass gets
    no image but the row's). The completion is every turn's tokens in order: the model's own, and
    between them the environment's (the tokens `generate`'s next `prompt_ids` add after the
    previous turn), the latter with `env_mask` 0 and log-probability 0, so the loss reads only
    the model's tokens in the context the model had.
    """
    index: dict = {}
    for row in dataset:
        if row.get("turn", 0) != 0:
            raise ValueError(
                f"row of episode {row.get('episode_id')} is at turn {row['turn']}: rollout_func plays episodes from their first view; "
                "export with --turns first"
            )
        index.setdefault(prompt_key(row["prompt"], row.get("images")), row["episode_id"])

    def rollout_func(prompts: list, trainer: Any = None) -> dict:
        out: dict = {"prompt_ids": [], "completion_ids": [], "logprobs": [], "env_mask": [], "env_reward": [], "episode_id": []}
        with AskfirstEnv(url) as env:
            for prompt in prompts:
                episode_id = index.get(prompt_key(prompt))
                if episode_id is None:
                    raise ValueError("a prompt matches no row of the dataset given to make_rollout_func: give it the trainer's train_dataset")
                turns: list = []

                def gen(messages: list) -> str:
                    g = generate(messages)
                    turns.append(g)
                    return g["text"]

                res = play_episode(env, gen, views="text", episode_id=episode_id)
                ids, logprobs, mask = completion_of(turns)
                out["prompt_ids"].append(turns[0]["prompt_ids"])
                out["completion_ids"].append(ids)
                out["logprobs"].append(logprobs)
                out["env_mask"].append(mask)
                out["env_reward"].append(res["reward"])
                out["episode_id"].append(res["episode_id"])
        return out

    return rollout_func


def env_reward(env_reward: list, **kwargs: Any) -> list:
    """Reward function for the rollout_func path: the environment's episode reward, passed through."""
    return [float(r) for r in env_reward]


if __name__ == "__main__":
    print(json.dumps({"env_url": ENV_URL}))
