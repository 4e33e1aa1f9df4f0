"""The lmms-eval task askfirst_episode (integrations/lmms_eval/askfirst_episode) run without lmms-eval: its YAMLs loaded
as lmms-eval loads them, each doc played through lmms-eval's multi-round loop (lmms_eval_harness.multi_round, after
lmms_eval/models/simple/qwen2_5_vl.py) by a scripted model, process_results and the aggregations called as lmms-eval
calls them. Run by tests/lmms-eval-task.test.ts, which checks what is written to ASKFIRST_TEST_OUT against
`askfirst eval --policy scripted:FILE` on the same data.

    ASKFIRST_TEST_EXPORTS=proactive_dir,reference_dir ASKFIRST_TEST_REPLIES=replies.json ASKFIRST_TEST_OUT=out.json \\
        /usr/bin/python3 -m unittest integrations/tests/test_lmms_eval_episode.py
"""
import json
import os
import sys
import unittest

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # lmms_eval_harness.py, shared with test_lmms_eval_task.py
from lmms_eval_harness import TASK_CONFIG_FIELDS, TASKS, cut_at_until, docs_of, generation_kwargs, load_module, load_task_yaml, multi_round, reasoning_tags  # noqa: E402

TASK_DIR = os.path.join(TASKS, "askfirst_episode")
CFG = load_task_yaml(os.path.join(TASK_DIR, "askfirst_episode.yaml"))
REF = load_task_yaml(os.path.join(TASK_DIR, "askfirst_episode_reference.yaml"))
utils = load_module(os.path.join(TASK_DIR, "utils.py"), "askfirst_episode_utils")
EXPORTS = [d for d in os.environ.get("ASKFIRST_TEST_EXPORTS", "").split(",") if d]


class TaskYaml(unittest.TestCase):
    def test_keys_are_task_config_fields_and_metrics_are_process_results(self):
        for cfg in (CFG, REF):
            self.assertEqual(set(cfg) - TASK_CONFIG_FIELDS, set())
            self.assertEqual(cfg["output_type"], "generate_until_multi_round")
            self.assertIsNone(reasoning_tags(cfg))  # doc_to_text and process_results read the same replies
            self.assertEqual([m["metric"] for m in cfg["metric_list"]], utils.metric_names(utils.METRICS))  # then each per kind
            for m in cfg["metric_list"]:
                self.assertEqual(m["higher_is_better"], m["metric"].split("/")[0] in ("askfirst_accuracy", "askfirst_accuracy_non_control"), m["metric"])
        self.assertEqual(CFG["dataset_kwargs"]["data_files"]["test"], "data/train.parquet")
        self.assertEqual((REF["task"], REF["dataset_kwargs"]["data_files"]["test"]), ("askfirst_episode_reference", "data_reference/train.parquet"))
        self.assertEqual({k: v for k, v in REF.items() if k not in ("task", "dataset_kwargs")}.keys(), {k for k in CFG if k not in ("task", "dataset_kwargs")})

    def test_until_cuts_no_round(self):
        # Without `until` lmms-eval's TaskConfig sets ["\n\n"], at which aero_realtime_vllm cuts each round's reply
        # (chat/aero_realtime_vllm.py _truncate_at_until): a reasoning block with a paragraph break would end unclosed.
        for cfg in (CFG, REF):
            until = generation_kwargs(cfg)["until"]
            self.assertEqual(until, [])
            reply = "<think>First the view.\n\nThen the options.</think>A."
            self.assertEqual(cut_at_until(reply, until), reply)

    def test_a_first_turn_row_and_a_single_reply_are_refused_with_what_to_do(self):
        doc = docs_of(EXPORTS[0])[0]
        with self.assertRaisesRegex(ValueError, "no 'episode' column.*--turns episode"):
            utils.askfirst_doc_to_text({k: v for k, v in doc.items() if k != "episode"})
        with self.assertRaisesRegex(ValueError, "one reply per doc, not one per round"):
            utils.askfirst_process_results(doc, ["A."])


class Plays(unittest.TestCase):
    def test_write_plays(self):
        with open(os.environ["ASKFIRST_TEST_REPLIES"], encoding="utf-8") as f:
            replies = json.load(f)  # {episode_id: [reply at turn 0, 1, ...]}
        out = {}
        for export, cfg in zip(EXPORTS, (CFG, REF)):
            per_metric = {m: [] for m in utils.metric_names(utils.METRICS)}
            plays = {}
            for doc in docs_of(export):
                script = replies.get(doc["episode_id"], [])
                results, shown = multi_round(cfg, doc, lambda visuals, context, r: script[r] if r < len(script) else "")
                ep = utils.episode_of(doc)
                views = [ep["first_view"]] + [info["view"] for _, _, info in shown[1:]]
                # each round showed its view's own image: the row's file of that view
                for (visuals, context, _), view in zip(shown, views):
                    path = next(p for p in doc["views"] if p.endswith(f"_v{view}.png"))
                    with Image.open(path) as im:
                        self.assertEqual(visuals[0].tobytes(), im.convert("RGB").tobytes())
                metrics = cfg["process_results"](doc, [results])  # the evaluator: one request per doc, its filtered resps
                self.assertEqual(list(metrics), list(per_metric))
                for m, v in metrics.items():
                    per_metric[m].append(v)
                plays[doc["episode_id"]] = {"replies": list(results), "views": views, "prompts": [c for _, c, _ in shown], "score": utils.score(doc, list(results))}
            aggregation = {m["metric"]: m["aggregation"] for m in cfg["metric_list"]}
            out[export] = {"plays": plays, "rates": {m: aggregation[m](v) for m, v in per_metric.items()}, "fields": utils.ASKFIRST_FIELDS, "kinds": list(utils.KINDS)}
        with open(os.environ["ASKFIRST_TEST_OUT"], "w", encoding="utf-8") as f:
            json.dump(out, f, ensure_ascii=False)


if __name__ == "__main__":
    unittest.main()
