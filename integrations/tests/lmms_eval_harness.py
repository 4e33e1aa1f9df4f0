"""What the lmms-eval task tests share (test_lmms_eval_task.py, test_lmms_eval_episode.py): the tasks' YAML loaded and
their functions called as lmms-eval does it, without lmms-eval (it cannot be installed here). Ported from lmms-eval main
75571cf (August 2026, after v0.7.2); each function names the upstream code it follows.
"""
from __future__ import annotations

import importlib.util
import json
import os

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
TASKS = os.path.join(HERE, "..", "lmms_eval")

# The fields of lmms-eval's TaskConfig (lmms_eval/api/task.py): ConfigurableTask builds TaskConfig(**yaml), so a key
# that is not one of them is refused there.
TASK_CONFIG_FIELDS = set(
    "task task_alias tag group group_alias dataset_path dataset_name dataset_kwargs training_split validation_split "
    "test_split fewshot_split full_docs process_results_use_image process_docs doc_to_visual doc_to_text doc_to_target "
    "doc_to_choice doc_to_messages process_results use_prompt description target_delimiter fewshot_delimiter "
    "fewshot_config num_fewshot metric_list output_type generation_kwargs repeats filter_list should_decontaminate "
    "doc_to_decontamination_query cluster_key score_key metadata lmms_eval_specific_kwargs "
    "model_specific_generation_kwargs model_specific_target_kwargs reasoning_tags auto_strip_thinking".split()
)

# lmms_eval/__main__.py: --reasoning_tags' default, the tags stripped from every reply before process_results.
CLI_REASONING_TAGS = '[["<think>", "</think>"], ["<analysis>", "</analysis>"]]'


def load_module(path: str, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_task_yaml(path: str) -> dict:
    """As lmms_eval/utils.py load_yaml_config (mode "full"): yaml.full_load with `!function module.name` imported from
    module.py beside the YAML (import_function's relative file import), and `include:` files merged under the file's own
    keys (shallowly, the last include first)."""

    class Loader(yaml.FullLoader):
        pass

    def import_function(loader, node):
        *module, name = loader.construct_scalar(node).split(".")
        return getattr(load_module(os.path.join(os.path.dirname(path), ".".join(module) + ".py"), ".".join(module)), name)

    Loader.add_constructor("!function", import_function)
    with open(path, "rb") as f:
        cfg = yaml.load(f, Loader=Loader)
    if "include" in cfg:
        includes = cfg.pop("include")
        merged = {}
        for inc in reversed([includes] if isinstance(includes, str) else includes):
            merged.update(load_task_yaml(inc if os.path.isfile(inc) else os.path.join(os.path.dirname(path), inc)))
        merged.update(cfg)
        cfg = merged
    return cfg


def reasoning_tags(cfg: dict, cli: str = CLI_REASONING_TAGS):
    """lmms_eval/api/reasoning.py parse_reasoning_tags_config: the task's value over the CLI's; "none" disables."""
    v = cfg.get("reasoning_tags")
    effective = v if v is not None else cli
    if effective is None or effective == "none" or effective is False:
        return None
    return json.loads(effective) if isinstance(effective, str) else effective


def strip_reasoning_tags(text: str, tags) -> str:
    """lmms_eval/api/reasoning.py strip_reasoning_tags (every block of each pair, anywhere), what the evaluator applies to
    each reply before process_results when reasoning_tags resolve to some (evaluator.py)."""
    for start_tag, end_tag in tags or []:
        while start_tag in text and end_tag in text:
            start = text.find(start_tag)
            end = text.find(end_tag, start)
            if start == -1 or end == -1:
                break
            text = text[:start] + text[end + len(end_tag) :]
    return text


def generation_kwargs(cfg: dict) -> dict:
    """The generation_kwargs a model gets, as lmms_eval/api/task.py TaskConfig.__post_init__ completes them: `until` set
    to [fewshot_delimiter] ("\n\n") where the task gives none."""
    gen = dict(cfg.get("generation_kwargs") or {})
    if "until" not in gen:
        gen["until"] = ["\n\n"]
    return gen


def cut_at_until(text: str, until) -> str:
    """A reply cut as the models that honour `until` cut it (lmms_eval/models/simple/glm4v.py, qwen2_vl.py, qwen_vl.py,
    llama4_scout.py generate_until: each non-empty term, the text before its first occurrence)."""
    for term in [until] if isinstance(until, str) else until:
        if len(term) > 0:
            text = text.split(term)[0]
    return text


def docs_of(export: str) -> list:
    with open(os.path.join(export, "train.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def multi_round(cfg: dict, doc: dict, generate) -> tuple:
    """One doc through lmms-eval's multi-round loop as lmms_eval/models/simple/qwen2_5_vl.py
    `generate_until_multi_round` runs it (batch size 1, as it asserts; llava_onevision.py and qwen2_vl.py alike): round
    0 shows doc_to_visual(doc) and the task's context (doc_to_text with lmms_eval_specific_kwargs); round r > 0 calls
    doc_to_text(doc, previous_output=[reply of each round], round_idx=r, previous_round_info=…) for (visuals, context,
    terminal, round results, info) and stops when terminal. `generate(visuals, context, round_idx)` is the model.
    Returns the doc's results as the loop returns them (one tuple of the rounds' replies) and what each round showed."""
    kw = (cfg.get("lmms_eval_specific_kwargs") or {}).get("default")
    doc_to_text = lambda d, **k: cfg["doc_to_text"](d, lmms_eval_specific_kwargs=kw, **k)  # noqa: E731 (task.py: partial)
    contexts = [cfg["doc_to_text"](doc, kw)]
    visuals = [cfg["doc_to_visual"](doc)]
    batched_round_res, info, shown = [], None, []
    round_idx = 0
    while True:
        if round_idx != 0:
            v, c, terminal, round_res, info = [
                x[0]
                for x in zip(
                    *[
                        doc_to_text(
                            doc,
                            previous_output=[r[0] for r in batched_round_res],
                            round_idx=round_idx,
                            previous_round_info=info,
                        )
                    ]
                )
            ]
            batched_round_res = [list(r) for r in zip(*[round_res])]
            if terminal:
                break
            visuals, contexts = [v], [c]
        shown.append((visuals[0], contexts[0], info))
        batched_round_res.append([generate(visuals[0], contexts[0], round_idx)])
        round_idx += 1
    return list(zip(*batched_round_res))[0], shown
