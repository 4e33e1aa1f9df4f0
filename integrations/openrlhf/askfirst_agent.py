"""askfirst as an OpenRLHF multi-turn VLM agent: `--train.agent_func_path integrations/openrlhf/askfirst_agent.py`.

Written against OpenRLHF 0.11 (OpenRLHF/OpenRLHF 3c3be62, August 2026): `openrlhf/trainer/ray/vllm_engine.py`
(`_load_agent_executor`) loads this file and takes its `AgentExecutor`, a `MultiTurnAgentExecutor` subclass
(`openrlhf/utils/agent.py`), which builds one `AgentInstance()` per sample and drives it:
`reset({"observation": prompt, "label": label})` → `{"observation": text}`, then after each generation
`step({"observation_text", "action_text", "label", "sampling_params"})` → `{"rewards": tensor, "scores": tensor,
"environment_feedback": text, "environment_images": [...], "done": bool, "extra_logs": {...}}`; OpenRLHF sums the
`rewards` (`.item()`) into the sample's reward, takes the last step's `scores` and `extra_logs`, tokenizes the
feedback with the processor and its images (`openrlhf/utils/vlm_utils.py`, `process_prompt_with_images`, whose
`load_images` takes paths, PIL images or `data:image/...;base64,` strings), and appends them to the sequence.
The layout follows OpenRLHF's own example, `examples/python/vlm_multiturn_agent.py`.

Each sample plays the episode its row's `label` names (`askfirst export --format trl --turns first`:
JSON {"episode_id", "turn": 0, "view"}, and "mode" when the rows were exported with a --mode other than proactive) on
`askfirst env serve` at ASKFIRST_ENV_URL (default http://127.0.0.1:8000), in the protocol mode the label says; for a
label without one (proactive, or rows of an askfirst that did not write it) ASKFIRST_MODE, default the server's
`proactive`, which must then be the mode the rows were exported with; a label and an ASKFIRST_MODE that disagree are
refused). The reply is the generated text with trailing end-of-turn tokens removed
(OpenRLHF decodes with skip_special_tokens=False; the server reads past a leading reasoning block, as `askfirst eval`);
the feedback after a reply that keeps the episode open is a user turn holding the next view (its image and
`view_as_text`), then the assistant's turn opened, in the model's own chat markup: rendered once per tokenizer by the
chat template of the processor OpenRLHF hands `execute` (`feedback_markup`; Gemma 4's `<|turn>user` … `<|image|>`,
Qwen3.5's `<|im_start|>` … with its `<think>` opened, …), as OpenRLHF renders the rows' prompts
(`--data.apply_chat_template`). OpenRLHF's own example, examples/python/vlm_multiturn_agent.py, writes Qwen's markup
by hand; that is the fallback here for a tokenizer without a chat template.

Why every step is a stateless replay (`POST /step` with the episode and the earlier replies), not a WebSocket
session: `MultiTurnAgentExecutor.execute` stops a sample without telling the instance when the sequence reaches
`--data.max_len` (it checks the budget before each generation), and has no close hook; a session would stay open
on the server until its idle timeout. Why each step's reward is a difference: OpenRLHF pays the sum of the steps'
rewards, and a sample it stops early must be paid what askfirst pays an episode stopped there — closed with an
empty reply, which names no option (as verl's interaction and TRL's `AskfirstToolEnv.get_reward`) — not the 0 of
an episode still open, above a wrong answer's -0.5. So after each step the agent works out the episode's reward
as it stands (what it earned if the step ended it, else what it would earn closed now with an empty reply) and
pays the change since the last step: the rewards summed are always that standing reward, and `scores` is it.
"""
from __future__ import annotations

import asyncio
import contextvars
import json
import os
import re
import sys
from typing import Any, Dict, Optional, Tuple

import torch
from openrlhf.utils.agent import AgentInstanceBase, MultiTurnAgentExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from askfirst_env_client import stateless_reset, stateless_step, view_as_text  # noqa: E402

# Chat format of the feedback turns for a tokenizer without a chat template (Qwen2.5-VL / Qwen3-VL, as OpenRLHF's
# vlm_multiturn_agent.py): the text between USER_START + IMAGE_PLACEHOLDER and USER_END. The model's own turn already
# ends with its end-of-turn token: OpenRLHF generates with skip_special_tokens=False.
USER_START = "\n<|im_start|>user\n"
USER_END = "<|im_end|>\n<|im_start|>assistant\n"
IMAGE_PLACEHOLDER = "<|vision_start|><|image_pad|><|vision_end|>"
QWEN_MARKUP = (USER_START + IMAGE_PLACEHOLDER, USER_END)

# Special tokens chat templates end a turn with, removed from the end of a reply (the same set as the server's
# /get_reward, src/environment/single-turn.ts): <|...|> (Qwen, InternVL, Llama 3, Phi), </s> and [/INST] (Mistral,
# LLaVA), <eos> and <end_of_turn> (Gemma 3), <turn|> (Gemma 4, which OpenRLHF 0.11's vlm_utils.py names beside Qwen3.5;
# TRL 1.9 chat_templates/diffusion_gemma.jinja), <end_of_utterance> (Idefics3, SmolVLM; TRL's idefics3.jinja). Not
# GLM-4.5V's <|end_of_box|>, which closes the boxed answer (src/episode/thinking.ts), not the turn.
_END_TOKEN = r"<\|(?!end_of_box\|>)[^|<>]{1,40}\|>|</s>|<eos>|<end_of_turn>|<turn\|>|<end_of_utterance>|\[/INST\]"
_TRAILING_SPECIALS = re.compile(rf"(\s*({_END_TOKEN}))+\s*$")
_LEADING_END = re.compile(rf"^({_END_TOKEN})")

# Stand-ins rendered through the chat template, then cut out of it (feedback_markup).
_REPLY_MARK, _TEXT_MARK = "ASKFIRST_REPLY_5e1f", "ASKFIRST_FEEDBACK_5e1f"
# The markup of the model whose tokenizer OpenRLHF handed the executor running this sample (AgentExecutor.execute).
_MARKUP: "contextvars.ContextVar[Tuple[str, str]]" = contextvars.ContextVar("askfirst_feedback_markup", default=QWEN_MARKUP)


def feedback_markup(tokenizer: Any) -> Tuple[str, str]:
    """(before, after) the feedback text in the model's chat markup: what its chat template writes after an assistant
    turn's content (that turn's end-of-turn token left out: the generated text holds it) up to a user turn's text, with
    one image before it, and after that text to the assistant's next turn opened (add_generation_prompt). The messages
    are content lists, as OpenRLHF's prompts_dataset.py hands the rows' prompts to the same template. Qwen's markup
    (QWEN_MARKUP) for a tokenizer without a chat template."""
    render = getattr(tokenizer, "apply_chat_template", None)
    inner = getattr(tokenizer, "tokenizer", None)  # a processor's tokenizer
    if render is None or not (getattr(tokenizer, "chat_template", None) or getattr(inner, "chat_template", None)):
        return QWEN_MARKUP
    text = lambda t: [{"type": "text", "text": t}]  # noqa: E731
    messages = [
        {"role": "user", "content": text("?")},
        {"role": "assistant", "content": text(_REPLY_MARK)},
        {"role": "user", "content": [{"type": "image"}, *text(_TEXT_MARK)]},
    ]
    try:
        out = render(messages, tokenize=False, add_generation_prompt=True)
    except Exception as e:
        raise ValueError(f"askfirst agent: the model's chat template could not render a feedback turn (a user turn with an image after a reply): {e}") from e
    out = out[0] if isinstance(out, list) else out
    if not isinstance(out, str) or _REPLY_MARK not in out or _TEXT_MARK not in out.split(_REPLY_MARK, 1)[1]:
        raise ValueError("askfirst agent: the model's chat template did not write a reply and then a user turn's text as given; "
                         "cannot tell its feedback markup")
    before, _, after = out.split(_REPLY_MARK, 1)[1].partition(_TEXT_MARK)
    return _LEADING_END.sub("", before, count=1), after


def reply_of(action_text: str) -> str:
    """The reply askfirst matches: the generated text without trailing end-of-turn tokens."""
    return _TRAILING_SPECIALS.sub("", action_text).strip()


def episode_of(label: Any) -> tuple:
    """(episode_id, view or None) of a row's label; refuses a label that is not a first state of an askfirst episode."""
    try:
        lab = json.loads(label) if isinstance(label, str) else label
    except json.JSONDecodeError:
        lab = None
    if not isinstance(lab, dict) or not isinstance(lab.get("episode_id"), str):
        raise ValueError(
            f"askfirst agent: label {label!r} is not askfirst's: export the rows with "
            "`askfirst export --format trl --turns first` and pass --data.label_key label"
        )
    if lab.get("turn", 0) != 0:
        raise ValueError(
            f"askfirst agent: label {label!r} is turn {lab['turn']} of episode {lab['episode_id']}: the agent plays whole "
            "episodes from their first view; export with --turns first (one row per episode)"
        )
    return lab["episode_id"], lab.get("view")


def mode_of(label: Any, env_mode: Optional[str]) -> Optional[str]:
    """The protocol mode to play a row in: its label's "mode" (askfirst export writes it where it is not proactive),
    else ASKFIRST_MODE (`env_mode`), else None (the server's default, proactive). Refuses a label's mode that is not
    text, and one ASKFIRST_MODE contradicts."""
    lab = json.loads(label) if isinstance(label, str) else label
    mode = lab.get("mode")
    if mode is None:
        return env_mode
    if not isinstance(mode, str) or not mode:
        raise ValueError(f"askfirst agent: label {label!r} has mode {mode!r}: it must be the --mode of askfirst export (proactive, hint, reference)")
    if env_mode is not None and env_mode != mode:
        raise ValueError(
            f"askfirst agent: the label of episode {lab['episode_id']} says mode {mode}, but ASKFIRST_MODE is {env_mode}: "
            f"unset ASKFIRST_MODE (the label's mode is used) or set it to {mode}"
        )
    return mode


def image_of(observation: dict) -> str:
    """The observation's view as a data URL (OpenRLHF's vlm_utils.load_images decodes it)."""
    return "data:image/png;base64," + observation["image_png_base64"]


class AgentInstance(AgentInstanceBase):
    """One askfirst episode, played reply by reply against `askfirst env serve` (stateless routes)."""

    def __init__(self, *args, **kwargs):
        self.env_url = os.environ.get("ASKFIRST_ENV_URL", "http://127.0.0.1:8000")
        self.env_mode: Optional[str] = os.environ.get("ASKFIRST_MODE") or None  # for labels without a mode (mode_of)
        self.mode: Optional[str] = None  # the episode's, set by reset
        self.episode_id: Optional[str] = None
        self.replies: list = []  # stepped so far, in order
        self.paid = 0.0  # the server's step rewards so far, summed
        self.standing = 0.0  # the episode's reward as it stands; the steps' `rewards` so far add up to it
        self.done = False

    async def reset(self, states: dict, **kwargs):
        episode_id, view = episode_of(states["label"])
        self.mode = mode_of(states["label"], self.env_mode)
        data = {k: v for k, v in (("episode_id", episode_id), ("mode", self.mode)) if v is not None}
        first = await asyncio.to_thread(stateless_reset, self.env_url, **data)  # an unknown episode or mode fails here
        o = first.observation
        if view is not None and view != o["view"]:
            raise ValueError(
                f"askfirst agent: the row of episode {episode_id} shows view {view}, but the episode starts at view "
                f"{o['view']} on {self.env_url}: export the rows with --turns first from the --data the server serves"
            )
        if o["prompt"].strip() not in states["observation"]:
            raise ValueError(
                f"askfirst agent: the row's prompt is not episode {episode_id}'s first turn on {self.env_url} "
                f"(mode {o['mode']}): export the rows from the --data the server serves (rows without a mode in their label: with the mode in ASKFIRST_MODE)"
            )
        self.episode_id, self.replies, self.paid, self.standing, self.done = episode_id, [], 0.0, 0.0, False
        return {"observation": states["observation"]}

    async def _step(self, history: list, reply: str):
        return await asyncio.to_thread(stateless_step, self.env_url, self.episode_id, list(history), reply, self.mode)

    def _result(self, standing: float, feedback: str, images: Optional[list], o: dict) -> Dict[str, Any]:
        delta, self.standing = standing - self.standing, standing
        out: Dict[str, Any] = {
            "rewards": torch.tensor(delta, dtype=torch.float64),  # float64: the steps add up to the standing reward
            "scores": torch.tensor(standing, dtype=torch.float64),
            "environment_feedback": feedback,
            "done": self.done,
            "extra_logs": {  # the same keys every step: OpenRLHF logs the last step's
                "askfirst_done": float(self.done),
                "askfirst_correct": float(o.get("outcome") == "correct"),
                "askfirst_interventions": float(o.get("interventions") or 0),
                "askfirst_turns": float(len(self.replies)),
            },
        }
        if images:
            out["environment_images"] = images
        return out

    async def step(self, states: dict, **kwargs) -> Dict[str, Any]:
        if self.episode_id is None:
            raise RuntimeError("askfirst agent: step before reset (OpenRLHF's MultiTurnAgentExecutor resets first)")
        if self.done:
            raise RuntimeError(f"askfirst agent: episode {self.episode_id} is over; OpenRLHF stops at done=True")
        reply = reply_of(states["action_text"])
        r = await self._step(self.replies, reply)
        self.replies.append(reply)
        self.paid += float(r.reward or 0.0)
        o = r.observation
        if r.done:
            self.done = True
            return self._result(self.paid, "", None, o)
        # What the episode earns if OpenRLHF stops the sample before the next reply reaches us.
        closed = await self._step(self.replies, "")
        before, after = _MARKUP.get()
        feedback = f"{before}{view_as_text(o)}{after}"
        return self._result(self.paid + float(closed.reward or 0.0), feedback, [image_of(o)], o)


class AgentExecutor(MultiTurnAgentExecutor):
    """What OpenRLHF loads by name from --train.agent_func_path; each sample's feedback turns in the markup of the
    tokenizer (a VLM's processor) OpenRLHF runs it with."""

    def __init__(self):
        super().__init__(AgentInstance)
        self._markups: Dict[int, tuple] = {}  # id(tokenizer) -> (tokenizer, markup): the tokenizer kept, its id not reused

    async def execute(self, prompt, label, sampling_params, max_length: int, hf_tokenizer, llm_engine, images=None):
        known = self._markups.get(id(hf_tokenizer))
        if known is None:
            known = self._markups[id(hf_tokenizer)] = (hf_tokenizer, feedback_markup(hf_tokenizer))
        _MARKUP.set(known[1])  # this sample's task only: asyncio runs each coroutine gathered in a copy of the context
        return await super().execute(prompt, label, sampling_params, max_length, hf_tokenizer, llm_engine, images)
