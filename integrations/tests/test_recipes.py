"""The askfirst-facing parts of the recipes, run without TRL, verl or a GPU: a fake `generate`
stands in for the model. Needs a running `askfirst env serve` (ASKFIRST_ENV_URL); writes what
each path played to ASKFIRST_TEST_OUT so tests/integrations-python.test.ts can replay every
episode in process and check outcomes and rewards.

    ASKFIRST_ENV_URL=http://127.0.0.1:8000 ASKFIRST_TEST_OUT=out.json /usr/bin/python3 -m unittest integrations/tests/test_recipes.py
"""
import asyncio
import importlib
import json
import os
import sys
import unittest
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)  # episodes.py, shared by the recipe tests
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "trl"))
sys.path.insert(0, os.path.join(HERE, "..", "verl"))

import askfirst_trl  # noqa: E402
from askfirst_env_client import AskfirstEnv, AskfirstEnvError, AsyncAskfirstEnv, health, http_url, stateless_reset, stateless_step, ws_url  # noqa: E402
from askfirst_interaction import AskfirstInteraction  # noqa: E402
from episodes import valid_asks as _valid_asks  # noqa: E402
from askfirst_reward import compute_score  # noqa: E402

URL = os.environ.get("ASKFIRST_ENV_URL", "http://127.0.0.1:8000")
OUT = os.environ.get("ASKFIRST_TEST_OUT")
MAX_SESSIONS = int(os.environ.get("ASKFIRST_TEST_MAX_SESSIONS", "64"))  # the server's --max-sessions
RESULTS: dict = {"reward_items": [], "tool_env": [], "rollout": [], "verl": []}
LETTERS = ["A.", "B.", "C.", "D.", "E.", "F.", "nonsense"]


def valid_asks(episode_id: str, n: int) -> list:
    return _valid_asks(URL, episode_id, n)


def episode_ids(n: int) -> list:
    with AskfirstEnv(URL) as env:
        return [env.reset(seed=i).observation["episode_id"] for i in range(n)]


async def server_sessions(url: str) -> int:
    """How many sessions the server holds open: open sockets until it refuses one with CAPACITY_REACHED, whose
    `active_sessions` counts ours too (the probe's own sockets are closed again before returning)."""
    import websockets

    ours: list = []
    try:
        while True:
            ws = await websockets.connect(ws_url(url), ping_interval=None)
            ours.append(ws)
            try:
                await ws.send(json.dumps({"type": "state"}))
            except websockets.exceptions.ConnectionClosed:
                pass  # refused: the server sent its error and closed; recv still returns the error
            msg = json.loads(await ws.recv())
            if msg["type"] == "error":
                if msg["data"]["code"] != "CAPACITY_REACHED":
                    raise AssertionError(f"session probe: unexpected answer {msg}")
                return msg["data"]["active_sessions"] - (len(ours) - 1)
    finally:
        for ws in ours:
            try:
                await ws.send(json.dumps({"type": "close"}))
            except websockets.exceptions.ConnectionClosed:
                pass
            await ws.close()


def run_with_fake_modules(fakes: dict, module: str, argv: list, before_main=None) -> None:
    """Import `module` with fake upstream modules (no trl, datasets or verl here) and run its main() with `argv`
    (`before_main(module)` first, where given)."""
    saved = {k: sys.modules.get(k) for k in [*fakes, module]}
    sys.modules.update(fakes)
    sys.modules.pop(module, None)
    old_argv = sys.argv
    try:
        sys.argv = argv
        mod = importlib.import_module(module)
        if before_main:
            before_main(mod)
        mod.main()
    finally:
        sys.argv = old_argv
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v


def fake_parquet_modules(on_write) -> dict:
    """Fake `datasets` and `pyarrow` for make_verl_data.py (neither is installed here): `Features` keeps the columns and
    encodes nothing, a Table is its list of rows, and `pyarrow.parquet.ParquetWriter` writes each table's row count to
    the file and hands the rows to `on_write(rows)`, keeping none. `Dataset.from_list(…).cast_column(…).to_parquet(path)`
    (how make_verl_data.py wrote before: one table of every row) writes through the same writer."""
    import types

    class Features(dict):
        arrow_schema = "features schema"

        def encode_batch(self, batch):
            return batch

    class Table:
        @staticmethod
        def from_pydict(columns, schema):
            assert schema == Features.arrow_schema, schema
            return [dict(zip(columns, values)) for values in zip(*columns.values())]

    class ParquetWriter:
        def __init__(self, path, schema):
            assert schema == Features.arrow_schema, schema
            self.f = open(path, "w")
            self.f.write("PAR1")

        def write_table(self, rows):
            on_write(rows)
            self.f.write(f" {len(rows)}")

        def close(self):
            self.f.close()

    class Dataset:
        def __init__(self, rows):
            self.rows = rows

        @classmethod
        def from_list(cls, rows):
            return cls(rows)

        def cast_column(self, name, feature):
            return self

        def to_parquet(self, path):
            w = ParquetWriter(path, Features.arrow_schema)
            w.write_table(self.rows)
            w.close()

    parquet = types.SimpleNamespace(ParquetWriter=ParquetWriter)
    return {
        "datasets": types.SimpleNamespace(Dataset=Dataset, Features=Features, Image=lambda: "Image()", Sequence=lambda f: ("Sequence", f), Value=lambda t: ("Value", t)),
        "pyarrow": types.SimpleNamespace(Table=Table, parquet=parquet),
        "pyarrow.parquet": parquet,
    }


class Recipes(unittest.TestCase):
    @classmethod
    def tearDownClass(cls):
        if OUT:
            with open(OUT, "w") as f:
                json.dump(RESULTS, f)

    def test_health(self):
        self.assertEqual(health(URL), {"status": "healthy"})

    def test_trl_reward_function_signature(self):
        ids = episode_ids(20)
        labels = [json.dumps({"episode_id": i, "turn": 0}) for i in ids]
        completions = [[{"role": "assistant", "content": LETTERS[k % len(LETTERS)]}] for k in range(len(ids))]
        rewards = askfirst_trl.askfirst_reward(prompts=[[]] * len(ids), completions=completions, label=labels, episode_id=ids, trainer_state=None)
        self.assertEqual(len(rewards), len(ids))
        self.assertTrue(all(isinstance(r, float) for r in rewards))
        for lab, c, r in zip(labels, completions, rewards):
            RESULTS["reward_items"].append({"label": json.loads(lab), "reply": c[0]["content"], "reward": r})

    def test_tool_env_with_fake_model(self):
        askfirst_trl.AskfirstToolEnv.image_factory = staticmethod(lambda b64: {"png_base64_prefix": b64[:8]})
        for k, eid in enumerate(episode_ids(12)):
            env = askfirst_trl.AskfirstToolEnv()
            self.assertIsNone(env.reset(episode_id=eid, prompt=[], images=[], label="{}"))
            t = 0
            while not env.done:
                out = env.reply(LETTERS[(k + t) % len(LETTERS)])
                t += 1
                self.assertIsInstance(out, list)
                if not env.done:
                    self.assertEqual(out[0]["type"], "image")
                    self.assertIn("Choose from the following options", out[1]["text"])
            with self.assertRaises(ValueError):
                env.reply("A.")
            RESULTS["tool_env"].append({"episode_id": eid, "replies": env.replies, "outcome": env.outcome, "reward": env.get_reward()})
            env.client.close()

    def test_tool_env_scores_a_rollout_that_stopped_before_the_episode_ended(self):
        """A rollout that never called reply (or hit TRL's turn/length limit) is closed as a reply naming no option:
        its reward is the environment's for that, never the 0 of an episode still open."""
        askfirst_trl.AskfirstToolEnv.image_factory = staticmethod(lambda b64: {"png_base64_prefix": b64[:8]})
        for k, eid in enumerate(episode_ids(4)):
            env = askfirst_trl.AskfirstToolEnv()
            env.reset(episode_id=eid)
            if k % 2:
                env.reply(LETTERS[k])  # one turn, then the rollout stops (the episode may or may not go on)
            reward = env.get_reward()
            self.assertTrue(env.done)
            if k % 2 == 0:
                self.assertEqual(env.outcome, "unparseable")
                self.assertLess(reward, 0.0)
            self.assertEqual(env.get_reward(), reward)  # asked again: the same reward, no second step
            RESULTS["tool_env"].append({"episode_id": eid, "replies": env.replies, "outcome": env.outcome, "reward": reward})
            env.client.close()

    def test_tool_env_survives_an_idle_timeout(self):
        """TRL keeps each environment instance for the whole run (a pool, reset per rollout); between two generation
        batches its socket can sit idle past the server's --session-timeout, which closes it: reset must reconnect."""
        import time
        short = os.environ.get("ASKFIRST_TEST_SHORT_TIMEOUT_URL")  # a server with --session-timeout 1
        if not short:
            self.skipTest("ASKFIRST_TEST_SHORT_TIMEOUT_URL not set")
        saved = askfirst_trl.ENV_URL
        askfirst_trl.ENV_URL = short
        try:
            env = askfirst_trl.AskfirstToolEnv()
            env.reset()
            time.sleep(2.5)  # idle: the server closes the session
            env.reset()
            env.reply("A.")
            env.client.close()
        finally:
            askfirst_trl.ENV_URL = saved

    def test_rollout_func_with_fake_generate(self):
        """TRL's rollout_func path: each prompt plays its own row's episode, one completion per prompt, the environment's
        tokens between turns in the completion with env_mask 0 (TRL trains on prompt_ids + completion_ids)."""
        ids = episode_ids(6)
        calls = {"n": 0, "later": 0}

        def tokens(messages):  # a fake chat template: every message's tokens in order, each assistant turn [3, …, 2]
            out = []
            for m in messages:
                if m["role"] == "assistant":
                    out += [3] + [ord(c) for c in m["content"]] + [2]
                else:
                    out += [10, len(json.dumps(m["content"])) % 97, 11]
            return out

        def generate(messages):
            calls["n"] += 1
            last = messages[-1]
            self.assertEqual(last["role"], "user")
            if len(messages) == 1:  # the first view: the server's image
                self.assertTrue(last["content"][0]["image_url"]["url"].startswith("data:image/png;base64,"))
            else:  # later views are told in words: TRL's training pass has no image for them
                calls["later"] += 1
                self.assertTrue(last["content"].startswith("You now see view "), last["content"])
            text = LETTERS[calls["n"] % len(LETTERS)]
            completion = [ord(c) for c in text] + [2]
            return {"text": text, "prompt_ids": tokens(messages) + [3], "completion_ids": completion, "logprobs": [-0.1] * len(completion)}

        class FakeImage:  # what TRL puts in the prompt: a PIL image (only tobytes() is used)
            def __init__(self, data):
                self.data = data

            def tobytes(self):
                return self.data

        # The training dataset (export --turns first, images decoded) and TRL's prepared prompts: the row's image in its content.
        rows = [{"prompt": [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": f"question {k}"}]}], "images": [FakeImage(bytes([k]) * 16)], "episode_id": eid, "turn": 0} for k, eid in enumerate(ids)]

        def prompt(k):
            return [{"role": "user", "content": [{"type": "image", "image": FakeImage(bytes([k]) * 16)}, {"type": "text", "text": f"question {k}"}]}]

        rollout = askfirst_trl.make_rollout_func(generate, rows, url=URL)
        # As TRL's RepeatSampler hands them over: each prompt already repeated num_generations (here 2) times.
        prompts = [prompt(k) for k in range(6) for _ in range(2)]
        out = rollout(prompts, None)
        for key in ("prompt_ids", "completion_ids", "logprobs", "env_mask", "env_reward", "episode_id"):
            self.assertEqual(len(out[key]), len(prompts), key)  # TRL wants one completion per prompt it passes
        self.assertEqual(out["episode_id"], [eid for eid in ids for _ in range(2)])  # each prompt plays its own row's episode
        self.assertGreater(calls["later"], 0)  # some episodes went past their first turn
        multi = 0
        for c, lp, mask in zip(out["completion_ids"], out["logprobs"], out["env_mask"]):
            self.assertEqual(len(c), len(lp))
            self.assertEqual(len(c), len(mask))
            env_tokens = [t for t, m in zip(c, mask) if m == 0]
            model_lp = [x for x, m in zip(lp, mask) if m == 1]
            self.assertTrue(all(x == -0.1 for x in model_lp))
            self.assertTrue(all(x == 0.0 for x, m in zip(lp, mask) if m == 0))
            if env_tokens:  # the user message between two turns, then the next assistant header
                multi += 1
                self.assertEqual(env_tokens[0], 10)
                self.assertEqual(env_tokens[2:4], [11, 3])
            self.assertEqual(c[-1], 2)
        self.assertGreater(multi, 0)
        self.assertEqual(askfirst_trl.env_reward(env_reward=out["env_reward"]), out["env_reward"])
        # What cannot be laid out or matched is refused with what to do.
        with self.assertRaisesRegex(ValueError, "matches no row of the dataset"):
            rollout([prompt(99)], None)
        with self.assertRaisesRegex(ValueError, "export with --turns first"):
            askfirst_trl.make_rollout_func(generate, [{**rows[0], "turn": 1}], url=URL)
        with self.assertRaisesRegex(ValueError, "must be decoded images"):
            askfirst_trl.make_rollout_func(generate, [{**rows[0], "images": ["view.png"]}], url=URL)

        turn = lambda p, c: {"prompt_ids": p, "completion_ids": c, "logprobs": [-1.0] * len(c)}  # noqa: E731
        self.assertEqual(askfirst_trl.completion_of([turn([1, 3], [5, 2]), turn([1, 3, 5, 2, 10, 11, 3], [6, 2])]), ([5, 2, 10, 11, 3, 6, 2], [-1.0, -1.0, 0.0, 0.0, 0.0, -1.0, -1.0], [1, 1, 0, 0, 0, 1, 1]))
        with self.assertRaisesRegex(ValueError, "do not start with the previous turn"):
            askfirst_trl.completion_of([turn([1, 3], [5, 2]), turn([1, 3, 5, 10, 11, 3], [6, 2])])  # the end-of-turn token 2 is lost
        # Replay the same fake model through play_episode to record the replies per episode.
        with AskfirstEnv(URL) as env:
            for eid in sorted(set(out["episode_id"])):
                seq = iter(LETTERS * 3)
                res = askfirst_trl.play_episode(env, lambda m: next(seq), episode_id=eid)
                RESULTS["rollout"].append({k: res[k] for k in ("episode_id", "replies", "outcome", "reward")})

    def test_verl_interaction_lifecycle(self):
        ids = episode_ids(10)

        async def run():
            inter = AskfirstInteraction({"name": "askfirst", "env_url": URL})
            for k, eid in enumerate(ids):
                iid = await inter.start_interaction(None, episode_id=eid)
                messages, replies, done, t = [], [], False, 0
                while not done:
                    reply = LETTERS[(2 * k + t) % len(LETTERS)]
                    t += 1
                    replies.append(reply)
                    messages.append({"role": "assistant", "content": reply})
                    done, text, score, meta = await inter.generate_response(iid, messages)
                    self.assertIsInstance(score, float)
                    messages.append({"role": "user", "content": text})
                total = await inter.calculate_score(iid)
                RESULTS["verl"].append({"episode_id": eid, "replies": replies, "outcome": meta["outcome"], "reward": total})
                await inter.finalize_interaction(iid)

        asyncio.run(run())

    def test_verl_sessions_end_without_finalize(self):
        """verl's agent loop (0.7.0 and main, tool_agent_loop.py) calls start_interaction(request_id, **interaction_kwargs)
        and generate_response(request_id, messages, **interaction_kwargs), never finalize_interaction: more rollouts than
        the server's --max-sessions, one after another, must not run out of sessions."""
        ids = episode_ids(MAX_SESSIONS + 8)

        async def run():
            inter = AskfirstInteraction({"name": "askfirst", "env_url": URL})
            for k, eid in enumerate(ids):
                kwargs = {"name": "askfirst", "episode_id": eid, "mode": "proactive"}  # a row's extra_info.interaction_kwargs
                request_id = f"req-{k}"
                await inter.start_interaction(request_id, **kwargs)
                messages, replies, done, turn_scores = [], [], False, []
                while not done:
                    replies.append(LETTERS[(3 * k + len(replies)) % len(LETTERS)])
                    messages.append({"role": "assistant", "content": replies[-1]})
                    done, text, score, meta = await inter.generate_response(request_id, messages, **kwargs)
                    turn_scores.append(score)
                    messages.append({"role": "user", "content": text})
                self.assertEqual(await inter.calculate_score(request_id), turn_scores[-1])  # the last turn score is the reward
                # verl's reward loop: the agent loop's extra fields (turn_scores, ...) merged into the row's extra_info.
                extra_info = {"index": k, "interaction_kwargs": kwargs, "turn_scores": turn_scores, "tool_rewards": [], "num_turns": 2 * len(replies) + 1, "rollout_reward_scores": {}}
                reward = compute_score(data_source="askfirst", solution_str=replies[-1], ground_truth="A", extra_info=extra_info)
                self.assertIsInstance(reward, float)
                RESULTS["verl"].append({"episode_id": eid, "replies": replies, "outcome": meta["outcome"], "reward": reward})

        asyncio.run(run())

    def test_verl_rollout_cut_short_is_scored_as_an_empty_reply(self):
        """verl ends a rollout at max_assistant_turns, max_user_turns or the response length right after a generation,
        before generate_response (tool_agent_loop.py, 0.7.0 and main): the interaction is never called again, nor is
        finalize_interaction. Such a rollout must get the reward askfirst gives an episode stopped there — closed with an
        empty reply, which names no option (as TRL's AskfirstToolEnv.get_reward) — not 0, above a wrong answer's -0.5;
        and it must leave no session open on the server."""
        ids = episode_ids(6)
        asks = {eid: valid_asks(eid, k % 3) for k, eid in enumerate(ids)}  # cut after 0, 1 or 2 scored turns
        self.assertTrue(any(len(a) >= 1 for a in asks.values()), "no episode with a valid ask to cut after")

        async def run():
            before = await server_sessions(URL)
            inter = AskfirstInteraction({"name": "askfirst", "env_url": URL})
            for k, eid in enumerate(ids):
                kwargs = {"name": "askfirst", "episode_id": eid, "mode": "proactive"}
                request_id = f"cut-{k}"
                await inter.start_interaction(request_id, **kwargs)
                messages, turn_scores = [], []
                for reply in asks[eid]:
                    messages.append({"role": "assistant", "content": reply})
                    done, text, score, meta = await inter.generate_response(request_id, messages, **kwargs)
                    self.assertFalse(done)
                    turn_scores.append(score)
                    messages.append({"role": "user", "content": text})
                # verl generates once more, hits its limit and stops: that reply never reaches the interaction.
                extra_info = {"index": k, "interaction_kwargs": kwargs, "turn_scores": turn_scores, "tool_rewards": [], "num_turns": 2 * len(turn_scores) + 2, "rollout_reward_scores": {}}
                reward = compute_score(data_source="askfirst", solution_str="B. Let me think about the view fir", ground_truth="A", extra_info=extra_info, env_url=URL)
                self.assertIsInstance(reward, float)
                self.assertLess(reward, 0.0, f"{eid} cut after {len(turn_scores)} turn(s)")
                self.assertEqual(await inter.calculate_score(request_id), reward)
                # replayed in process by tests/integrations-python.test.ts: the replies, then an empty one
                RESULTS["verl"].append({"episode_id": eid, "replies": [*asks[eid], ""], "outcome": "unparseable", "reward": reward})
            self.assertEqual(await server_sessions(URL), before, "sessions left open by rollouts verl cut short")

        asyncio.run(run())

    def test_verl_reward_needs_turn_scores(self):
        with self.assertRaises(ValueError) as cm:
            compute_score(data_source="askfirst", solution_str="A.", ground_truth="A", extra_info={"index": 0})
        self.assertIn("use_reward_loop", str(cm.exception))

    def test_verl_errors_are_clear(self):
        """The reward of a rollout cut before its first reply comes from the server: it needs the row's episode and a
        reachable server, and says so; the interaction refuses a row without its episode, names an unknown one, and says
        when a rollout it is asked about was dropped."""
        cut = {"index": 0, "turn_scores": [], "tool_rewards": [], "num_turns": 2}
        with self.assertRaises(ValueError) as cm:
            compute_score(data_source="askfirst", solution_str="", ground_truth="A", extra_info={**cut, "interaction_kwargs": {"name": "askfirst"}}, env_url=URL)
        self.assertIn("interaction_kwargs.episode_id", str(cm.exception))
        eid = episode_ids(1)[0]
        with self.assertRaises(RuntimeError) as cm:
            compute_score(data_source="askfirst", solution_str="", ground_truth="A", extra_info={**cut, "interaction_kwargs": {"name": "askfirst", "episode_id": eid}}, env_url="http://127.0.0.1:9")
        self.assertIn("reward_kwargs.env_url", str(cm.exception))
        self.assertIn("is `askfirst env serve` running?", str(cm.exception))

        async def run():
            inter = AskfirstInteraction({"name": "askfirst", "env_url": URL, "max_rollouts": 1})
            with self.assertRaises(ValueError) as cm:
                await inter.start_interaction("r0", name="askfirst")
            self.assertIn("interaction_kwargs.episode_id", str(cm.exception))
            with self.assertRaises(AskfirstEnvError) as cm:
                await inter.start_interaction("r0", name="askfirst", episode_id="no-such-episode")
            self.assertIn("no episode with id", str(cm.exception))
            await inter.start_interaction("r1", episode_id=eid)
            await inter.start_interaction("r2", episode_id=eid)  # past max_rollouts: r1 is dropped
            with self.assertRaises(KeyError) as cm:
                await inter.generate_response("r1", [{"role": "assistant", "content": "A."}])
            self.assertIn("max_rollouts=1", str(cm.exception))

        asyncio.run(run())

    def test_base_urls_as_openenv_reads_them(self):
        """OpenEnv's convert_to_ws_url: http(s) becomes ws(s), ws(s) stays, a bare host:port gets ws://."""
        for base, want in [("http://h:1", "ws://h:1/ws"), ("https://h/", "wss://h/ws"), ("ws://h:1/", "ws://h:1/ws"), ("wss://h", "wss://h/ws"), ("h:1", "ws://h:1/ws")]:
            self.assertEqual(ws_url(base), want, base)
        with AskfirstEnv(URL.split("://", 1)[1]) as env:
            self.assertFalse(env.reset(seed=0).done)
        for base, want in [("http://h:1/", "http://h:1"), ("https://h", "https://h"), ("ws://h:1", "http://h:1"), ("wss://h/", "https://h"), ("h:1", "http://h:1")]:
            self.assertEqual(http_url(base), want, base)

    def test_stateless_routes_replay_what_a_session_plays(self):
        """POST /reset and /step (the episode and the earlier replies replayed) answer exactly as a session does, turn by turn."""
        eid = episode_ids(1)[0]
        replies = ["A.", "B.", "C.", "nonsense"]
        with AskfirstEnv(URL) as env:
            first = env.reset(episode_id=eid, mode="proactive")
            self.assertEqual(stateless_reset(URL, episode_id=eid, mode="proactive").observation, first.observation)
            for t, reply in enumerate(replies):
                r = env.step(reply)
                s = stateless_step(URL.split("://", 1)[1], eid, replies[:t], reply, mode="proactive")
                self.assertEqual((s.observation, s.reward, s.done), (r.observation, r.reward, r.done))
                if r.done:
                    break

    def test_errors_are_clear(self):
        with AskfirstEnv(URL) as env:
            with self.assertRaises(AskfirstEnvError) as cm:
                env.step("A.")
            self.assertEqual(cm.exception.code, "EXECUTION_ERROR")
            self.assertIn("step before reset", str(cm.exception))
        with self.assertRaises(AskfirstEnvError) as cm:
            AskfirstEnv("http://127.0.0.1:9").connect()
        self.assertIn("is `askfirst env serve` running?", str(cm.exception))
        with self.assertRaises(AskfirstEnvError) as cm:
            stateless_step(URL, "no-such-episode", [], "A.")
        self.assertEqual(cm.exception.code, "HTTP_404")
        self.assertIn("no episode with id", str(cm.exception))

    def test_close_code_without_the_deprecated_attributes(self):
        """websockets 13.1 and later deprecate ConnectionClosed.code / .reason (rcvd.code is the way); Debian's 10.4
        has both. A ConnectionClosed whose .code warns, as the newer ones do, must still give the close code, quietly."""
        import websockets.exceptions
        from websockets.frames import Close

        class NewerClosed(websockets.exceptions.ConnectionClosed):
            @property
            def code(self):
                warnings.warn("ConnectionClosed.code is deprecated; use Protocol.close_code or ConnectionClosed.rcvd.code", DeprecationWarning)
                return 0

            @property
            def reason(self):
                warnings.warn("ConnectionClosed.reason is deprecated; use Protocol.close_reason or ConnectionClosed.rcvd.reason", DeprecationWarning)
                return ""

        for rcvd, expected in [(Close(1009, "message too big"), "(code 1009, message too big)"), (None, "(code 1006)")]:

            class Closing:
                async def send(self, text, rcvd=rcvd):
                    raise NewerClosed(rcvd, None)

            env = AsyncAskfirstEnv(URL)
            env._ws = Closing()
            with warnings.catch_warnings():
                warnings.simplefilter("error", DeprecationWarning)
                with self.assertRaises(AskfirstEnvError) as cm:
                    asyncio.run(env.send_raw("{}"))
            self.assertEqual(cm.exception.code, "CONNECTION_CLOSED")
            self.assertIn(f"closed the connection {expected}", str(cm.exception))

    def test_make_verl_data_rows(self):
        """make_verl_data.py with a fake `datasets` and `pyarrow` on a real `askfirst export --format trl --turns first`: the
        rows verl's RLHFDataset and ToolAgentLoop read (verl 0.7.0 / main: agent_name picks the agent loop, "<image>" marks
        where each image goes, extra_info.interaction_kwargs.name picks the interaction, extra_info.index numbers the rows),
        with the columns `FEATURES` declares (`images` as Sequence(Image()))."""
        trl_dir = os.environ.get("ASKFIRST_TEST_TRL_DIR")
        if not trl_dir:
            self.skipTest("ASKFIRST_TEST_TRL_DIR (a TRL export) not set")
        written: list = []
        features: dict = {}
        out = os.path.join(trl_dir, "verl")
        run_with_fake_modules(fake_parquet_modules(written.extend), "make_verl_data", ["make_verl_data.py", "--trl", trl_dir, "--out", out], lambda m: features.update(m.FEATURES))
        with open(os.path.join(trl_dir, "train.jsonl")) as f:
            src = [json.loads(line) for line in f if line.strip()]
        self.assertEqual(os.listdir(out), ["train.parquet"])  # written beside it, then renamed into place
        self.assertEqual(len(written), len(src))
        for i, (row, s) in enumerate(zip(written, src)):
            self.assertEqual(list(row), list(features))  # every column declared, in order
            # verl's RLHFDataset reads extra_info.index (0 when absent) and its agent loop numbers a prompt's rollouts by it
            self.assertEqual(row["extra_info"]["index"], i)
            self.assertEqual(row["agent_name"], "tool_agent")  # verl's default agent loop (single_turn_agent) never calls interactions
            self.assertEqual(row["extra_info"]["interaction_kwargs"], {"name": "askfirst", "episode_id": s["episode_id"], "mode": s["mode"]})
            self.assertEqual(row["reward_model"]["ground_truth"], s["answer_letter"])
            self.assertEqual(row["prompt"][0]["content"].count("<image>"), len(row["images"]))
            for img in row["images"]:  # embedded, so verl's dataset hands the processor PIL images
                self.assertEqual(img["bytes"][:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual(features["images"], ("Sequence", "Image()"))
        self.assertEqual(features["extra_info"]["index"], ("Value", "int64"))

    def test_make_verl_data_bounded_memory(self):
        """make_verl_data.py writes a row group at a time, each group's PNGs read just before it is written: at no write
        has it read more images than the rows written so far. It built one `Dataset.from_list` of every row, every PNG
        held in memory before the first byte was written (here: all 6 images read before the one write)."""
        trl_dir = os.environ.get("ASKFIRST_TEST_TRL_DIR")
        if not trl_dir:
            self.skipTest("ASKFIRST_TEST_TRL_DIR (a TRL export) not set")
        reads = [0]
        at_write: list = []  # (images read so far, rows written with this write)
        written = [0]

        def on_write(rows):
            written[0] += len(rows)
            at_write.append((reads[0], written[0], len(rows)))

        def small_groups(mod):
            mod.ROWS_PER_GROUP = 2
            read = mod._read

            def counted(path):
                reads[0] += 1
                return read(path)

            mod._read = counted

        out = os.path.join(trl_dir, "verl-bounded")
        run_with_fake_modules(fake_parquet_modules(on_write), "make_verl_data", ["make_verl_data.py", "--trl", trl_dir, "--out", out], small_groups)
        with open(os.path.join(trl_dir, "train.jsonl")) as f:
            n = sum(1 for line in f if line.strip())
        self.assertGreater(n, 4)
        self.assertEqual(written[0], n)
        for images_read, rows_written, group in at_write:
            self.assertLessEqual(group, 2)
            self.assertLessEqual(images_read, rows_written, f"{images_read} images read when {rows_written} rows were written (groups of 2): {at_write}")

    def test_make_verl_data_missing_image(self):
        """make_verl_data.py on an export whose image is gone: one line naming it and what to do, and no --out folder left
        (it wrote row groups before the missing image: the part file goes, and the folder it made)."""
        import shutil
        import tempfile
        trl_dir = os.environ.get("ASKFIRST_TEST_TRL_DIR")
        if not trl_dir:
            self.skipTest("ASKFIRST_TEST_TRL_DIR (a TRL export) not set")
        with tempfile.TemporaryDirectory() as d:
            trl = os.path.join(d, "trl")
            shutil.copytree(trl_dir, trl, ignore=shutil.ignore_patterns("verl*"))
            with open(os.path.join(trl, "train.jsonl")) as f:
                last = [json.loads(line) for line in f if line.strip()][-1]["images"][0]
            os.remove(os.path.join(trl, last))
            out = os.path.join(d, "verl")
            with self.assertRaises(SystemExit) as cm:
                run_with_fake_modules(fake_parquet_modules(lambda rows: None), "make_verl_data", ["make_verl_data.py", "--trl", trl, "--out", out], lambda m: setattr(m, "ROWS_PER_GROUP", 2))
            self.assertEqual(
                str(cm.exception.code),
                f"{os.path.join(trl, last)}: No such file or directory: the TRL export's image is missing or unreadable; export again "
                "(askfirst export --format trl --turns first)",
            )
            self.assertEqual(sorted(os.listdir(d)), ["trl"])

    def test_make_verl_data_refuses_later_states(self):
        """make_verl_data.py on rows of `--turns path` (the default): refused in one line, nothing written. verl's interaction
        starts each row's episode at its first view, so a later state's row showed one view and was scored on another's."""
        import tempfile
        trl_dir = os.environ.get("ASKFIRST_TEST_TRL_DIR")
        if not trl_dir:
            self.skipTest("ASKFIRST_TEST_TRL_DIR (a TRL export) not set")
        with open(os.path.join(trl_dir, "train.jsonl")) as f:
            row = json.loads(f.readline())
        written: list = []
        fakes = fake_parquet_modules(written.append)
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "train.jsonl")
            with open(src, "w") as f:
                for turn in (0, 1):
                    f.write(json.dumps({**row, "turn": turn, "images": [os.path.join(trl_dir, p) for p in row["images"]]}) + "\n")
            with self.assertRaises(SystemExit) as cm:
                run_with_fake_modules(fakes, "make_verl_data", ["make_verl_data.py", "--trl", d, "--out", os.path.join(d, "verl")])
            self.assertEqual(
                str(cm.exception.code),
                f"{src}: 1 of 2 rows are not an episode's first state (e.g. episode {row['episode_id']} at turn 1): verl's "
                "interaction plays each episode from its first view; export with --turns first (askfirst export --format trl --turns first)",
            )
            self.assertEqual(written, [])
            self.assertFalse(os.path.exists(os.path.join(d, "verl")))

    def test_make_verl_data_interrupted_keeps_the_earlier_file(self):
        """make_verl_data.py stopped while it writes (Ctrl-C): an earlier train.parquet stays as it was and nothing is left
        beside it (it wrote train.parquet in place: a file cut short, which verl then fails to read)."""
        import tempfile
        trl_dir = os.environ.get("ASKFIRST_TEST_TRL_DIR")
        if not trl_dir:
            self.skipTest("ASKFIRST_TEST_TRL_DIR (a TRL export) not set")

        def stopped(rows):
            raise KeyboardInterrupt  # Ctrl-C while the first row group is written ("PAR1" in the file so far)

        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "train.parquet"), "wb") as f:
                f.write(b"earlier")
            with self.assertRaises(KeyboardInterrupt):
                run_with_fake_modules(fake_parquet_modules(stopped), "make_verl_data", ["make_verl_data.py", "--trl", trl_dir, "--out", d])
            self.assertEqual(os.listdir(d), ["train.parquet"])
            with open(os.path.join(d, "train.parquet"), "rb") as f:
                self.assertEqual(f.read(), b"earlier")

    def test_dataset_card_loads_images_as_images(self):
        """The dataset card's loading snippet, run on a real export with a fake `datasets` whose Parquet reader gives
        what `datasets` gives for our file: train.parquet declares its features (trl-export.test.ts 'carries its
        Hugging Face features'), so `images` loads as a list of Image, which TRL hands to the processor (grpo_trainer.py
        `prepare_multimodal_messages`, TRL 1.9). The snippet must load what the export wrote: train.parquet with the
        Parquet builder, keeping that feature (a cast to Sequence(Image()), as train_grpo.py makes for older exports, would
        too), or for an export without Parquet (`--no-parquet`, as tests/integrations-python.test.ts makes) train.jsonl,
        its image paths cast to Sequence(Image())."""
        import re
        import types
        trl_dir = os.environ.get("ASKFIRST_TEST_TRL_DIR")
        if not trl_dir:
            self.skipTest("ASKFIRST_TEST_TRL_DIR (a TRL export) not set")
        with open(os.path.join(trl_dir, "README.md")) as f:
            snippet = re.search(r"```python\n(.*?)```", f.read(), re.S).group(1)

        loads = []

        # an export with Parquet: train.parquet declares its features, images load as images; without (--no-parquet):
        # train.jsonl's images are path strings until the card's snippet casts them
        parquet = os.path.exists(os.path.join(trl_dir, "train.parquet"))
        builder, data_file = ("parquet", "train.parquet") if parquet else ("json", "train.jsonl")

        class FakeDataset:
            def __init__(self, features):
                self.features = features

            def cast_column(self, name, feature):
                return FakeDataset({**self.features, name: feature})

        def load_dataset(*a, **k):
            loads.append((a, k))
            return FakeDataset({"images": ("Sequence", "Image()") if a[0] == "parquet" else ("Sequence", "Value('string')")})

        fake = types.SimpleNamespace(load_dataset=load_dataset, Image=lambda: "Image()", Sequence=lambda f: ("Sequence", f))
        saved = sys.modules.get("datasets")
        sys.modules["datasets"] = fake
        try:
            scope: dict = {}
            exec(snippet, scope)
        finally:
            if saved is None:
                sys.modules.pop("datasets", None)
            else:
                sys.modules["datasets"] = saved
        self.assertEqual(loads, [((builder,), {"data_files": data_file, "split": "train"})])
        self.assertEqual(scope["ds"].features["images"], ("Sequence", "Image()"))

    def test_train_grpo_saves_the_final_model(self):
        """train_grpo.py with fake `datasets` and `trl` modules: the trained model is saved in --output-dir, after training;
        the rollout's token budget fits whole multi-turn episodes."""
        import types
        calls = []

        class FakeDataset:
            def cast_column(self, *a):
                return self

        class FakeTrainer:
            def __init__(self, **kw):
                calls.append(("init", kw["args"]["output_dir"], kw["args"]["max_completion_length"]))

            def train(self):
                calls.append(("train",))

            def save_model(self, out=None):
                calls.append(("save_model", out))

        fakes = {
            "datasets": types.SimpleNamespace(Image=lambda: None, Sequence=lambda x: None, load_dataset=lambda *a, **k: FakeDataset()),
            "trl": types.SimpleNamespace(GRPOConfig=lambda **kw: kw, GRPOTrainer=FakeTrainer),
        }
        run_with_fake_modules(fakes, "train_grpo", ["train_grpo.py", "--data", "d", "--output-dir", "runs/x"])
        self.assertEqual(calls, [("init", "runs/x", 64), ("train",), ("save_model", "runs/x")])
        # Multi-turn: TRL's max_completion_length holds every turn's reply and tool result (view prompt + image) of the
        # rollout; 512 cut about half the default suite's canonical paths, each then scored as a reply naming no option.
        for argv, tokens in ((["--multi-turn"], 2048), (["--multi-turn", "--max-completion-length", "4096"], 4096)):
            calls.clear()
            run_with_fake_modules(fakes, "train_grpo", ["train_grpo.py", "--data", "d", "--output-dir", "runs/y", *argv])
            self.assertEqual(calls[0], ("init", "runs/y", tokens))


if __name__ == "__main__":
    unittest.main()
