"""The lmms-eval task (integrations/lmms_eval/askfirst_first_turn) run without lmms-eval: its YAML loaded as lmms-eval
loads it, its functions called on the docs of a real export as lmms-eval calls them. Needs /usr/bin/python3 with
PyYAML (an lmms-eval dependency; Debian's python3-yaml) and PIL (python3-pil). Run by tests/lmms-eval-task.test.ts,
which makes the export with the CLI and checks every verdict written to ASKFIRST_TEST_OUT against askfirst's own.

    ASKFIRST_TEST_EXPORTS=dir1,dir2 ASKFIRST_TEST_REPLIES=replies.json ASKFIRST_TEST_OUT=out.json \
        /usr/bin/python3 -m unittest integrations/tests/test_lmms_eval_task.py
"""
import io
import json
import os
import sys
import unittest

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # lmms_eval_harness.py, shared with test_lmms_eval_episode.py
from lmms_eval_harness import TASK_CONFIG_FIELDS, TASKS, cut_at_until, docs_of, generation_kwargs, load_module, load_task_yaml, reasoning_tags, strip_reasoning_tags  # noqa: E402

TASK_DIR = os.path.join(TASKS, "askfirst_first_turn")
YAML_PATH = os.path.join(TASK_DIR, "askfirst_first_turn.yaml")
EXPORTS = [d for d in os.environ.get("ASKFIRST_TEST_EXPORTS", "").split(",") if d]
OUT = os.environ.get("ASKFIRST_TEST_OUT")

CFG = load_task_yaml(YAML_PATH)
utils = load_module(os.path.join(TASK_DIR, "utils.py"), "askfirst_lmms_utils")


class TaskYaml(unittest.TestCase):
    def test_keys_are_task_config_fields(self):
        self.assertEqual(set(CFG) - TASK_CONFIG_FIELDS, set())
        self.assertEqual(CFG["output_type"], "generate_until")
        self.assertEqual(CFG["dataset_path"], "parquet")
        self.assertIn(CFG["test_split"], CFG["dataset_kwargs"]["data_files"])
        self.assertEqual(CFG["dataset_kwargs"]["data_files"][CFG["test_split"]], "data/train.parquet")
        for k in ("doc_to_visual", "doc_to_text", "doc_to_target", "process_results"):
            self.assertTrue(callable(CFG[k]), k)
        self.assertEqual(set(CFG["generation_kwargs"]), {"max_new_tokens", "temperature", "top_p", "num_beams", "do_sample", "until"})

    def test_until_cuts_no_reply(self):
        # lmms-eval's default `until` is ["\n\n"], and models that honour it cut a reply at its first blank line: a
        # reasoning block with a paragraph break would lose its end, and the reply be read otherwise than by askfirst eval
        # (no stop string). The task gives [] (a model that drops `until` is unaffected either way).
        gen = generation_kwargs(CFG)
        self.assertEqual(gen["until"], [])
        doc = docs_of(EXPORTS[0])[0]
        answer = f"{doc['answer_letter'] or 'A'}."
        for reply in (f"<think>The view is dark.\n\nI would say {answer}</think>{answer}", f"{answer}\n\nBecause the view shows it."):
            self.assertEqual(cut_at_until(reply, gen["until"]), reply)
            self.assertEqual(utils.parse_reply(cut_at_until(reply, gen["until"]), doc), utils.parse_reply(reply, doc))

    def test_metric_list_names_what_process_results_returns(self):
        names = [m["metric"] for m in CFG["metric_list"]]
        self.assertEqual(names, utils.metric_names(utils.METRICS))  # every metric, then each per kind
        self.assertEqual(len(names), len(utils.METRICS) * (1 + len(utils.KINDS)))
        for m in CFG["metric_list"]:
            self.assertEqual(set(m), {"metric", "aggregation", "higher_is_better"})
            self.assertEqual(m["aggregation"].__name__, "askfirst_aggregate_rate")
            self.assertIsInstance(m["higher_is_better"], bool)
            self.assertEqual(m["higher_is_better"], m["metric"].split("/")[0] in ("askfirst_accuracy", "askfirst_valid_ask"), m["metric"])
        for doc in docs_of(EXPORTS[0]):
            got = CFG["process_results"](doc, ["A."])
            self.assertEqual(list(got), names)
            # per kind: the doc's own kind has its values, every other kind None
            for name in utils.METRICS:
                for k in utils.KINDS:
                    self.assertEqual(got[f"{name}/{k}"], got[name] if k == doc["kind"] else None, f"{name}/{k}")

    def test_lmms_eval_hands_process_results_the_reply_as_generated(self):
        # lmms-eval's CLI strips every <think>/<analysis> block before process_results unless the task says "none";
        # askfirst removes a leading <think> block only, so a reply would be read otherwise than by askfirst eval.
        self.assertIsNone(reasoning_tags(CFG))
        doc = docs_of(EXPORTS[0])[0]
        reply = "<think>a</think><think>b</think>A."
        self.assertNotEqual(utils.parse_reply(strip_reasoning_tags(reply, reasoning_tags({})), doc), utils.parse_reply(reply, doc))

    def test_specific_kwargs_leave_askfirst_prompt(self):
        kw = CFG["lmms_eval_specific_kwargs"]["default"]
        doc = docs_of(EXPORTS[0])[0]
        self.assertEqual(CFG["doc_to_text"](doc, kw), doc["prompt"][0]["content"][1]["text"])


class Docs(unittest.TestCase):
    def test_visual_from_parquet_bytes_and_absolute_paths(self):
        for export in EXPORTS:
            for doc in docs_of(export)[:6]:
                path = os.path.join(export, doc["images"][0])
                with open(path, "rb") as f:
                    png = f.read()
                want = Image.open(io.BytesIO(png)).convert("RGB")
                for images in ([{"bytes": png, "path": doc["images"][0]}], [os.path.abspath(path)], [want]):
                    got = utils.askfirst_doc_to_visual({**doc, "images": images})
                    self.assertEqual(len(got), 1)
                    self.assertEqual(got[0].size, want.size)
                    self.assertEqual(got[0].tobytes(), want.tobytes())
                with self.assertRaisesRegex(ValueError, "relative to its export.*train.parquet.*--absolute-paths"):
                    utils.askfirst_doc_to_visual(doc)

    def test_a_trl_row_is_refused_with_what_to_do(self):
        doc = docs_of(EXPORTS[0])[0]
        trl = {k: v for k, v in doc.items() if k not in ("intervention_letters", "abstain_letters")}
        with self.assertRaisesRegex(ValueError, "no 'intervention_letters' column.*--format lmms-eval"):
            utils.askfirst_process_results(trl, ["A."])

    def test_an_export_without_view_informative_is_refused_with_what_to_do(self):
        doc = docs_of(EXPORTS[0])[0]
        old = {k: v for k, v in doc.items() if k != "view_informative"}
        with self.assertRaisesRegex(ValueError, "no 'view_informative' column.*export again with `askfirst export --format lmms-eval`"):
            utils.askfirst_process_results(old, ["A."])

    def test_a_latex_boxed_answer_is_read_as_glm_box_is(self):
        # a reply boxed Qwen-Math style named no option (askfirst's latexBox, episode/thinking.ts; parity: tests/lmms-eval-task.test.ts)
        for reply, answer in [("\\boxed{B}", "B"), ("\\boxed{\\text{B}}", "B"), ("$\\boxed{Increase the contrast}$", "Increase the contrast"),
                              ("<think>x</think>\nSo it is $\\boxed{ \\textbf{B.} }$.", "B."), ("<|begin_of_box|>\\boxed{B}<|end_of_box|>", "B")]:
            self.assertEqual(utils.strip_thinking(reply), answer, reply)
        for reply in ["\\boxed{A} or \\boxed{B}", "\\boxed{B", "\\boxed{A} <|begin_of_box|>B<|end_of_box|>", "\\Boxed{B}"]:
            self.assertEqual(utils.strip_thinking(reply), reply)

    def test_aggregate_leaves_out_none_and_says_none_for_no_doc(self):
        self.assertEqual(utils.askfirst_aggregate_rate([1, None, 0, 1]), 2 / 3)
        self.assertIsNone(utils.askfirst_aggregate_rate([None, None]))


class Verdicts(unittest.TestCase):
    """Every reply of ASKFIRST_TEST_REPLIES on every doc, and a scripted model's run; tests/lmms-eval-task.test.ts
    checks them against askfirst's parseReply and metrics."""

    def test_write_verdicts_and_a_run(self):
        with open(os.environ["ASKFIRST_TEST_REPLIES"], encoding="utf-8") as f:
            replies = json.load(f)  # {export: {episode_id: [reply, ...]}, "pick": {export: {episode_id: index}}}
        out = {}
        for export in EXPORTS:
            docs = docs_of(export)
            parsed = {d["episode_id"]: [utils.parse_reply(r, d) for r in replies[export][d["episode_id"]]] for d in docs}
            # A run as lmms-eval makes it: process_results per doc on its (stripped) reply, each metric aggregated.
            per_metric = {m: [] for m in utils.metric_names(utils.METRICS)}
            moves = {}
            for d in docs:
                reply = replies[export][d["episode_id"]][replies["pick"][export][d["episode_id"]]]
                moves[d["episode_id"]] = utils.first_move(reply.strip(), d)
                for m, v in CFG["process_results"](d, [reply.strip()]).items():
                    per_metric[m].append(v)
            aggregation = {m["metric"]: m["aggregation"] for m in CFG["metric_list"]}
            rates = {m: aggregation[m](v) for m, v in per_metric.items()}
            out[export] = {"parsed": parsed, "moves": moves, "rates": rates, "kinds": list(utils.KINDS)}
        with open(OUT, "w", encoding="utf-8") as f:
            json.dump(out, f, ensure_ascii=False)


if __name__ == "__main__":
    unittest.main()
