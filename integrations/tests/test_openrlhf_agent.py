"""integrations/openrlhf/askfirst_agent.py driven the way OpenRLHF drives an agent, without OpenRLHF, torch or a GPU.

OpenRLHF is not installable here, so `openrlhf.utils.agent` and `torch` are stand-ins put in `sys.modules`:
`MultiTurnAgentExecutor.execute` below is OpenRLHF 0.11's (OpenRLHF/OpenRLHF 3c3be62, `openrlhf/utils/agent.py`)
call sequence, copied in shape and cut to what an agent sees — reset with {"observation", "label"}, the token
budget checked before each generation (a sample stopped there is never told), step with {"observation_text",
"action_text", "label", "sampling_params"}, `rewards.item()` summed, the last `scores` and `extra_logs` kept, feedback
images decoded as `vlm_utils.load_images` decodes them and handed to the next generation; the file is loaded as
`vllm_engine._load_agent_executor` loads it. A fake engine plays scripted replies (text ending in `<|im_end|>`,
as OpenRLHF decodes with skip_special_tokens=False) and, beside it, the same replies on a WebSocket session of the
same server: each view the agent hands back must be that session's next view, done must come with the session's.

Needs a running `askfirst env serve` (ASKFIRST_ENV_URL) and the rows of `askfirst export --format trl --turns first`
of its episodes (ASKFIRST_TEST_TRL_DIR); writes what it played to ASKFIRST_TEST_OUT for
tests/integrations-python.test.ts, which replays every episode in process and checks outcome and reward.
"""
import asyncio
import base64
import importlib.util
import json
import os
import struct
import sys
import types
import unittest
from abc import ABC, abstractmethod
from copy import deepcopy

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)  # episodes.py, shared by the recipe tests
sys.path.insert(0, os.path.join(HERE, ".."))

from askfirst_env_client import AskfirstEnv, AskfirstEnvError  # noqa: E402
from episodes import valid_asks as _valid_asks  # noqa: E402

URL = os.environ.get("ASKFIRST_ENV_URL", "http://127.0.0.1:8000")
OUT = os.environ.get("ASKFIRST_TEST_OUT")
TRL_DIR = os.environ.get("ASKFIRST_TEST_TRL_DIR")
AGENT_FILE = os.path.join(HERE, "..", "openrlhf", "askfirst_agent.py")
RESULTS: dict = {"openrlhf": []}
LETTERS = ["A.", "B.", "C.", "D.", "E.", "F.", "nonsense"]


# ── stand-ins: torch.tensor (float32 unless told otherwise, as torch) and openrlhf.utils.agent ──────────────────────


class _Tensor:
    def __init__(self, value, dtype=None):
        v = float(value)
        self._v = v if dtype == "float64" else struct.unpack("f", struct.pack("f", v))[0]

    def item(self):
        return self._v


def _load_images(refs):
    """vlm_utils.load_images for what the agent returns: data URLs (decoded to their bytes here) and file paths."""
    out = []
    for ref in refs:
        if isinstance(ref, str) and ref.startswith("data:image"):
            out.append(base64.b64decode(ref.split(",", 1)[-1]))
        else:
            with open(ref, "rb") as f:
                out.append(f.read())
    return out


def process_prompt_with_images(tokenizer, text, images):
    """vlm_utils.process_prompt_with_images with a character tokenizer; a real processor refuses a text whose image
    placeholders do not match its images."""
    pil = _load_images(images)
    placeholder = getattr(tokenizer, "image_token", "<|image_pad|>")
    if text.count(placeholder) != len(pil):
        raise ValueError(f"{text.count(placeholder)} image placeholders {placeholder} for {len(pil)} images")
    return tokenizer(text), pil


class AgentExecutorBase(ABC):
    @abstractmethod
    async def execute(self, prompt, label, sampling_params, max_length: int, hf_tokenizer, llm_engine, images=None):
        raise NotImplementedError


class AgentInstanceBase(ABC):
    @abstractmethod
    def __init__(self, *args, **kwargs):
        pass

    async def reset(self, states: dict, **kwargs):
        return states

    @abstractmethod
    async def step(self, state_dict: dict, **kwargs):
        raise NotImplementedError


class MultiTurnAgentExecutor(AgentExecutorBase):
    def __init__(self, agent_instance_cls):
        assert issubclass(agent_instance_cls, AgentInstanceBase), "AgentInstance must inherit from AgentInstanceBase"
        self.agent_instance_cls = agent_instance_cls

    async def execute(self, prompt, label, sampling_params, max_length: int, hf_tokenizer, llm_engine, images=None):
        agent_instance = self.agent_instance_cls()
        reset_result = await agent_instance.reset({"observation": prompt, "label": label})
        observation_text = reset_result["observation"]
        current_obs_tokens, pil_images = process_prompt_with_images(hf_tokenizer, observation_text, images)
        total_reward, final_scores, extra_logs, steps = 0, 0, {}, []
        while True:
            sampling_params.max_tokens = max_length - len(current_obs_tokens)
            if sampling_params.max_tokens <= 0:
                break
            mm_data = {"image": pil_images} if pil_images else None
            request_output = await llm_engine.generate(current_obs_tokens, deepcopy(sampling_params), multi_modal_data=mm_data)
            action_tokens = request_output.outputs[0].token_ids
            action_text = request_output.outputs[0].text
            states = {"observation_text": observation_text, "action_text": action_text, "label": label, "sampling_params": sampling_params}
            step_result = await agent_instance.step(states)
            total_reward += step_result["rewards"].item()
            final_scores = step_result.get("scores", total_reward)
            environment_feedback_text = step_result["environment_feedback"]
            environment_images = step_result.get("environment_images")
            done = step_result["done"]
            extra_logs = step_result.get("extra_logs", {})
            if environment_images:
                feedback_tokens, new_pil = process_prompt_with_images(hf_tokenizer, environment_feedback_text, environment_images)
                pil_images.extend(new_pil)
            else:
                feedback_tokens = hf_tokenizer(environment_feedback_text)
                new_pil = []
            steps.append({"done": done, "images": new_pil, "feedback": environment_feedback_text})  # the test's record
            observation_text = observation_text + action_text + environment_feedback_text
            current_obs_tokens = current_obs_tokens + action_tokens + feedback_tokens
            if step_result.get("sampling_params", None):
                sampling_params = step_result["sampling_params"]
            if done:
                break
        return {"prompt": prompt, "label": label, "images": images, "reward": total_reward, "scores": final_scores,
                "observation_tokens": current_obs_tokens, "extra_logs": extra_logs, "steps": steps}


def load_agent_executor(path: str):
    """vllm_engine._load_agent_executor, with the stand-ins as `torch` and `openrlhf.utils.agent`."""
    torch = types.ModuleType("torch")
    torch.tensor = _Tensor
    torch.float64 = "float64"
    agent = types.ModuleType("openrlhf.utils.agent")
    agent.AgentExecutorBase, agent.AgentInstanceBase, agent.MultiTurnAgentExecutor = AgentExecutorBase, AgentInstanceBase, MultiTurnAgentExecutor
    fakes = {"torch": torch, "openrlhf": types.ModuleType("openrlhf"), "openrlhf.utils": types.ModuleType("openrlhf.utils"), "openrlhf.utils.agent": agent}
    saved = {k: sys.modules.get(k) for k in fakes}
    sys.modules.update(fakes)
    try:
        assert path.endswith(".py"), "Agent path must be a Python file"
        spec = importlib.util.spec_from_file_location("agent_module", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    assert hasattr(module, "AgentExecutor"), "Agent module must contain AgentExecutor class"
    assert issubclass(module.AgentExecutor, AgentExecutorBase), "AgentExecutor must inherit from AgentExecutorBase"
    return module.AgentExecutor(), module


# ── the fake model, the rows ────────────────────────────────────────────────────────────────────────────────────────


def tokenizer(text):
    return [ord(c) for c in text]


class SamplingParams:
    def __init__(self):
        self.max_tokens = None
        self.logprobs = None


class ScriptedEngine:
    """A fake vLLM engine for one sample: `policy(observation, turn)` gives the reply; each reply is also stepped on a
    WebSocket session of the server, whose observations say what the agent must hand back."""

    def __init__(self, test, episode_id, policy, end="<|im_end|>", mode=None):
        self.test, self.policy, self.turn, self.end = test, policy, 0, end
        self.env = AskfirstEnv(URL)
        self.obs = self.env.reset(episode_id=episode_id, **({"mode": mode} if mode else {})).observation
        self.replies, self.expected, self.session_reward, self.outcome = [], [], 0.0, None

    async def generate(self, tokens, sampling_params, multi_modal_data=None):
        seen = multi_modal_data["image"]
        self.test.assertEqual(len(seen), self.turn + 1)  # the row's image, then one view per reply that kept the episode open
        if self.turn > 0:  # the view the model sees last is the one the session shows now
            self.test.assertEqual(seen[-1], base64.b64decode(self.obs["image_png_base64"]))
        reply = self.policy(self.obs, self.turn)
        r = self.env.step(reply)
        self.replies.append(reply)
        self.session_reward += float(r.reward or 0.0)
        self.expected.append({"done": r.done, "images": [] if r.done else [base64.b64decode(r.observation["image_png_base64"])]})
        if r.done:
            self.outcome = r.observation["outcome"]
        self.obs, self.turn = r.observation, self.turn + 1
        text = reply + self.end  # the model's end-of-turn token, kept (skip_special_tokens=False)
        ids = tokenizer(text)[: sampling_params.max_tokens]
        return types.SimpleNamespace(outputs=[types.SimpleNamespace(token_ids=ids, text="".join(map(chr, ids)), logprobs=None)])

    def close(self):
        self.env.close()


def chat(row):
    """The row's prompt through a Qwen-VL chat template (OpenRLHF's --data.apply_chat_template)."""
    text = row["prompt"][0]["content"][1]["text"]
    return f"<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>{text}<|im_end|>\n<|im_start|>assistant\n"


def rows():
    with open(os.path.join(TRL_DIR, "train.jsonl")) as f:
        out = [json.loads(line) for line in f if line.strip()]
    for r in out:
        r["images"] = [os.path.join(TRL_DIR, p) for p in r["images"]]
    return out


def first_category(obs, turn):
    return obs["options"][obs["num_interventions"]]["letter"] + "."


def first_category_by_name(obs, turn):
    return obs["options"][obs["num_interventions"]]["text"]


def valid_asks(episode_id: str, n: int) -> list:
    return _valid_asks(URL, episode_id, n)


class ChatProcessor:
    """A VLM processor as OpenRLHF hands it to `execute` (a character tokenizer), with the chat template of a family:
    Gemma 4's turns and image token (LLaMA-Factory's gemma4 template, transformers' Gemma 4 chat template, which opens an
    empty thought channel in the generation prompt when not thinking), or Qwen3.5's, whose generation prompt opens
    <think>. `apply_chat_template` renders content lists as prompts_dataset.py hands them."""

    FAMILIES = {
        # family: (turn start, turn end, roles, image token, generation prompt after the model's role)
        "gemma4": ("<|turn>{role}\n", "<turn|>\n", {"user": "user", "assistant": "model"}, "<|image|>", "<|channel>thought\n<channel|>"),
        "qwen3.5": ("<|im_start|>{role}\n", "<|im_end|>\n", {"user": "user", "assistant": "assistant"}, "<|vision_start|><|image_pad|><|vision_end|>", "<think>\n"),
    }

    def __init__(self, family, fail=False):
        self.start, end, self.roles, self.image, self.gen = self.FAMILIES[family]
        self.end, self.end_nl, self.fail = end.rstrip("\n"), end, fail
        self.chat_template = f"{{# {family} #}}"
        self.image_token = "<|image_pad|>" if family == "qwen3.5" else self.image

    def __call__(self, text):
        return tokenizer(text)

    def apply_chat_template(self, messages, tokenize=True, add_generation_prompt=False):
        assert tokenize is False
        if self.fail:
            raise TypeError("can only concatenate str (not \"list\") to str")
        out = "<bos>" if self.roles["assistant"] == "model" else ""
        for m in messages:
            body = "".join(self.image if p["type"] == "image" else p["text"] for p in m["content"])
            out += self.start.format(role=self.roles[m["role"]]) + body + self.end_nl
        return out + (self.start.format(role=self.roles["assistant"]) + self.gen if add_generation_prompt else "")

    def prompt(self, row):
        text = row["prompt"][0]["content"][1]["text"]
        return self.apply_chat_template([{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]}], tokenize=False, add_generation_prompt=True)


@unittest.skipUnless(TRL_DIR, "ASKFIRST_TEST_TRL_DIR not set (the rows of askfirst export --format trl --turns first)")
class OpenRLHFAgent(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.executor, cls.module = load_agent_executor(AGENT_FILE)
        cls.rows = rows()
        os.environ["ASKFIRST_ENV_URL"] = URL

    @classmethod
    def tearDownClass(cls):
        if OUT:
            with open(OUT, "w") as f:
                json.dump(RESULTS, f)

    def play(self, row, policy, max_length=100_000, processor=None, mode=None):
        engine = ScriptedEngine(self, row["episode_id"], policy, *([processor.end] if processor else []), mode=mode)
        prompt = processor.prompt(row) if processor else chat(row)
        try:
            out = asyncio.run(self.executor.execute(prompt, row["label"], SamplingParams(), max_length, processor or tokenizer, engine, images=row["images"]))
        finally:
            engine.close()
        return out, engine

    def test_whole_episodes_asking_and_guessing(self):
        """Asking (every valid ask, then a category), guessing (a category at once, by letter and by name) and a model
        that cycles through letters and nonsense: each step hands back the session's next view, done comes at the episode's end, and the
        rewards OpenRLHF sums are the server's reward for the episode."""
        self.assertGreaterEqual(len(self.rows), 4)
        asked = 0
        for k, row in enumerate(self.rows):
            asks = valid_asks(row["episode_id"], 20)
            asked += len(asks)
            policies = {
                "ask": lambda obs, t, asks=asks: asks[t] if t < len(asks) else first_category(obs, t),
                "guess": first_category,
                "guess by name": first_category_by_name,  # matched by its text: only once <|im_end|> is removed
                "cycle": lambda obs, t, k=k: LETTERS[(k + t) % len(LETTERS)],
            }
            for name, policy in policies.items():
                out, engine = self.play(row, policy)
                where = f"{row['episode_id']} {name}"
                self.assertIsNotNone(engine.outcome, f"{where}: the episode did not end")
                self.assertEqual([s["done"] for s in out["steps"]], [e["done"] for e in engine.expected], where)
                self.assertEqual([s["images"] for s in out["steps"]], [e["images"] for e in engine.expected], where)
                self.assertEqual(out["steps"][-1]["feedback"], "", where)
                for s in out["steps"][:-1]:  # a user turn with the next view, then the assistant's turn opens
                    self.assertTrue(s["feedback"].startswith("\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>You now see view "), where)
                    self.assertTrue(s["feedback"].endswith("<|im_end|>\n<|im_start|>assistant\n"), where)
                scores = out["scores"].item()
                self.assertEqual(scores, engine.session_reward, where)
                self.assertAlmostEqual(out["reward"], scores, places=12, msg=where)
                if name == "ask":
                    self.assertEqual(len(out["steps"]), len(asks) + 1, where)
                if name.startswith("guess"):
                    self.assertEqual(len(out["steps"]), 1, where)
                logs = out["extra_logs"]
                self.assertEqual(logs["askfirst_done"], 1.0)
                self.assertEqual(logs["askfirst_correct"], float(engine.outcome == "correct"))
                self.assertEqual(logs["askfirst_turns"], float(len(engine.replies)))
                RESULTS["openrlhf"].append({"episode_id": row["episode_id"], "replies": engine.replies, "outcome": engine.outcome, "reward": scores})
        self.assertGreater(asked, 0, "no episode with a valid ask: the asking path was not exercised")

    def test_sample_stopped_by_the_token_budget_is_paid_as_an_empty_reply(self):
        """OpenRLHF stops a sample when the sequence reaches max_length, before the next generation, and never tells the
        agent: the rewards summed so far must be what askfirst pays the episode closed there with an empty reply
        (below 0 under askfirst's reward), not the 0 of an episode still open."""
        cut = 0
        for row in self.rows:
            asks = valid_asks(row["episode_id"], 1)
            if not asks:
                continue
            # Room for the prompt and one reply; the feedback of that reply uses up the rest.
            budget = len(tokenizer(chat(row))) + len(asks[0] + "<|im_end|>") + 1
            out, engine = self.play(row, lambda obs, t, asks=asks: asks[t], max_length=budget)
            self.assertEqual(len(out["steps"]), 1)
            self.assertFalse(out["steps"][0]["done"])
            self.assertLess(out["reward"], 0.0, row["episode_id"])
            self.assertEqual(out["scores"].item(), out["reward"])
            self.assertEqual(out["extra_logs"]["askfirst_done"], 0.0)
            RESULTS["openrlhf"].append({"episode_id": row["episode_id"], "replies": [*asks, ""], "outcome": "unparseable", "reward": out["reward"]})
            cut += 1
        self.assertGreater(cut, 0)

    def test_reply_is_the_text_without_end_of_turn_tokens(self):
        reply_of = self.module.reply_of
        self.assertEqual(reply_of("B.<|im_end|>"), "B.")
        self.assertEqual(reply_of(" the red one <|im_end|><|endoftext|>\n"), "the red one")
        self.assertEqual(reply_of("A.<end_of_turn>"), "A.")

    def test_each_vlm_family_end_of_turn_token_is_dropped_by_the_agent_and_by_get_reward_alike(self):
        """OpenRLHF decodes with skip_special_tokens=False (samples_generator.py, utils/agent.py), so a reply arrives
        with its model's end-of-turn token, and OpenRLHF 0.11's VLM support names Qwen3.5 and Gemma 4
        (utils/vlm_utils.py). A reply given as an option's text is matched only once that token is gone: the agent
        (multi-turn) and askfirst env serve's /get_reward (single-turn) must both drop it, for every chat format of
        TRL 1.9's chat_templates/ — Gemma 4 ends a turn with <turn|> (grpo_trainer.py, diffusion_gemma.jinja),
        Idefics3 / SmolVLM with <end_of_utterance> (idefics3.jinja) — or the right answer is paid as unparseable."""
        from askfirst_env_client import get_rewards

        ends = ["<|im_end|>", "<|im_end|><|endoftext|>", "<|eot_id|>", "<|end|>", "<|return|>", "<end_of_turn>", "<turn|>", "<end_of_utterance>", "</s>", "<eos>"]
        row = next(r for r in self.rows if r["answer_letter"])
        text = row["options"][ord(row["answer_letter"][0]) - ord("A")]  # the right answer, by its text
        for end in ends:
            self.assertEqual(self.module.reply_of(text + end), text, end)
            self.assertEqual(self.module.reply_of(f" {text} {end}\n"), text, end)
        prompt = chat(row)
        got = get_rewards(URL, [prompt + text] + [prompt + text + end for end in ends], [prompt] * (len(ends) + 1), [row["label"]] * (len(ends) + 1))["rewards"]
        self.assertGreater(got[0], 0.0)  # the right answer pays (r_c)
        self.assertEqual(dict(zip(ends, got[1:])), {end: got[0] for end in ends})

    def test_each_vlm_family_reasoning_block_is_read_past_by_the_agent_and_by_get_reward_alike(self):
        """A thinking model's reply reaches the agent with its reasoning (OpenRLHF decodes every generated token): Gemma 4's
        <|channel>thought … <channel|>, Kimi-VL's ◁think▷ … ◁/think▷, Qwen3-VL's <think> … </think>, a Qwen3.5 block whose
        <think> the chat template put in the prompt, gpt-oss's analysis channel, GLM's answer wrappers (<answer>, GLM-4.5V's
        box, whose <|end_of_box|> is not an end of turn). The server reads past the leading block
        as askfirst eval does (src/episode/thinking.ts), in the agent's steps and in /get_reward, or the right answer after
        any but <think> was paid as unparseable."""
        from askfirst_env_client import get_rewards

        thoughts = {
            "Qwen3-VL": ("<think>\nThe cat is behind the box.\n</think>\n\n", "", ""),
            "Qwen3.5": ("The cat is behind the box.\n</think>\n\n", "", ""),
            "Kimi-VL": ("\u25c1think\u25b7The cat is behind the box.\u25c1/think\u25b7", "", ""),
            "Gemma 4": ("<|channel>thought\nThe cat is behind the box.<channel|>", "", "<turn|>"),
            "gpt-oss": ("<|channel|>analysis<|message|>The cat.<|end|><|start|>assistant<|channel|>final<|message|>", "", "<|return|>"),
            # GLM's answer wrappers, then its end of turn: the box's <|end_of_box|> was cut as an end-of-turn token
            "GLM-4.1V-Thinking": ("<think>The cat is behind the box.</think>\n<answer>", "</answer>", "<|user|>"),
            "GLM-4.5V": ("<think>The cat is behind the box.</think><|begin_of_box|>", "<|end_of_box|>", "<|user|>"),
        }
        row = next(r for r in self.rows if r["answer_letter"])
        text = row["options"][ord(row["answer_letter"][0]) - ord("A")]  # the right answer, by its text
        for family, (thought, after, _end) in thoughts.items():
            out, engine = self.play(row, lambda obs, t, thought=thought, after=after: thought + text + after)
            self.assertEqual(engine.outcome, "correct", family)
            self.assertGreater(out["scores"].item(), 0.0, family)
            self.assertEqual(out["extra_logs"]["askfirst_correct"], 1.0, family)
        prompt = chat(row)
        replies = [text] + [thought + text + after + end for thought, after, end in thoughts.values()]
        got = get_rewards(URL, [prompt + r for r in replies], [prompt] * len(replies), [row["label"]] * len(replies))["rewards"]
        self.assertGreater(got[0], 0.0)
        self.assertEqual(dict(zip(thoughts, got[1:])), {f: got[0] for f in thoughts})

    def test_feedback_turns_are_written_in_the_models_chat_markup(self):
        """OpenRLHF 0.11 trains Qwen3.5 and Gemma 4 VLMs (vlm_utils.py) and hands `execute` the model's processor; the
        agent wrote every feedback turn in Qwen's markup, which a Gemma 4 processor reads with no image placeholder for
        the view it is given (and a Qwen3.5 model was not opened its <think>): the turns follow the model's chat template."""
        row = next(r for r in self.rows if valid_asks(r["episode_id"], 1))
        asks = valid_asks(row["episode_id"], 20)
        policy = lambda obs, t: asks[t] if t < len(asks) else first_category(obs, t)  # noqa: E731
        for family, opens, closes in [
            ("gemma4", "\n<|turn>user\n<|image|>You now see view ", "<turn|>\n<|turn>model\n<|channel>thought\n<channel|>"),
            ("qwen3.5", "\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>You now see view ", "<|im_end|>\n<|im_start|>assistant\n<think>\n"),
        ]:
            processor = ChatProcessor(family)
            out, engine = self.play(row, policy, processor=processor)
            self.assertEqual(len(out["steps"]), len(asks) + 1, family)
            self.assertEqual([s["images"] for s in out["steps"]], [e["images"] for e in engine.expected], family)
            for s in out["steps"][:-1]:  # after the reply and its own end-of-turn token: the rest of the template's turns
                self.assertTrue(s["feedback"].startswith(opens), (family, s["feedback"]))
                self.assertTrue(s["feedback"].endswith(closes), (family, s["feedback"]))
            self.assertEqual(out["scores"].item(), engine.session_reward, family)
        self.assertEqual(self.module.feedback_markup(tokenizer), self.module.QWEN_MARKUP)  # no chat template: Qwen's
        with self.assertRaisesRegex(ValueError, "chat template could not render a feedback turn"):
            self.module.feedback_markup(ChatProcessor("gemma4", fail=True))

    def test_rows_it_cannot_play_are_refused_with_what_to_do(self):
        row = self.rows[0]
        lab = json.loads(row["label"])

        def reset(label, prompt=None):
            inst = self.module.AgentInstance()
            return asyncio.run(inst.reset({"observation": prompt or chat(row), "label": label}))

        self.assertEqual(reset(row["label"]), {"observation": chat(row)})
        with self.assertRaisesRegex(ValueError, "--turns first"):
            reset(json.dumps({**lab, "turn": 1}))
        with self.assertRaisesRegex(ValueError, "not askfirst's.*--data.label_key label"):
            reset("B")
        with self.assertRaisesRegex(ValueError, "starts at view"):
            reset(json.dumps({**lab, "view": lab["view"] + 1}))
        with self.assertRaisesRegex(ValueError, "prompt is not episode"):
            reset(row["label"], prompt="<|im_start|>user\nsomething else<|im_end|>")
        os.environ["ASKFIRST_MODE"] = "hint"  # rows exported in proactive mode, the agent told another
        try:
            with self.assertRaisesRegex(ValueError, "mode hint.*ASKFIRST_MODE"):
                reset(row["label"])
        finally:
            del os.environ["ASKFIRST_MODE"]
        with self.assertRaisesRegex(ValueError, "label .* has mode 3: it must be the --mode of askfirst export"):
            reset(json.dumps({**lab, "mode": 3}))
        with self.assertRaisesRegex(AskfirstEnvError, "no-such-episode"):
            reset(json.dumps({"episode_id": "no-such-episode", "turn": 0}))
        inst = self.module.AgentInstance()
        with self.assertRaisesRegex(RuntimeError, "step before reset"):
            asyncio.run(inst.step({"action_text": "A."}))

    def test_the_mode_is_the_labels_and_askfirst_mode_only_where_it_says_none(self):
        """A row exported with --mode hint carries "mode": "hint" in its label: the agent plays it in that mode with no
        ASKFIRST_MODE (it played it in proactive mode, and refused the row's hint prompt); ASKFIRST_MODE still gives the
        mode of a label without one, and one that contradicts the label is refused in one line naming both."""
        row = self.rows[0]
        lab = json.loads(row["label"])
        self.assertNotIn("mode", lab)  # the harness exports proactive rows
        env = AskfirstEnv(URL)
        try:
            hint_prompt = env.reset(episode_id=row["episode_id"], mode="hint").observation["prompt"]
        finally:
            env.close()
        content = row["prompt"][0]["content"]
        self.assertNotEqual(content[1]["text"].strip(), hint_prompt.strip())
        hint_row = {**row, "prompt": [{**row["prompt"][0], "content": [content[0], {**content[1], "text": hint_prompt}]}]}
        self.assertNotIn("ASKFIRST_MODE", os.environ)
        for label, env_mode in ((json.dumps({**lab, "mode": "hint"}), None), (json.dumps({**lab, "mode": "hint"}), "hint"), (row["label"], "hint")):
            if env_mode:
                os.environ["ASKFIRST_MODE"] = env_mode
            try:
                out, engine = self.play({**hint_row, "label": label}, first_category, mode="hint")
            finally:
                os.environ.pop("ASKFIRST_MODE", None)
            self.assertTrue(out["steps"][-1]["done"], (label, env_mode))
            self.assertEqual([s["done"] for s in out["steps"]], [e["done"] for e in engine.expected], (label, env_mode))
            self.assertEqual([s["images"] for s in out["steps"]], [e["images"] for e in engine.expected], (label, env_mode))
            self.assertEqual(out["scores"].item(), engine.session_reward, (label, env_mode))
        os.environ["ASKFIRST_MODE"] = "reference"
        try:
            inst = self.module.AgentInstance()
            with self.assertRaisesRegex(ValueError, f"label of episode {row['episode_id']} says mode hint, but ASKFIRST_MODE is reference: unset ASKFIRST_MODE"):
                asyncio.run(inst.reset({"observation": chat(hint_row), "label": json.dumps({**lab, "mode": "hint"})}))
        finally:
            del os.environ["ASKFIRST_MODE"]


if __name__ == "__main__":
    unittest.main()
