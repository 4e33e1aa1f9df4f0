"""`askfirst export --format trl` rows → verl's RL parquet (data_source, agent_name, prompt, images,
ability, reward_model, extra_info.index and extra_info.interaction_kwargs). Needs `datasets` (a verl dependency).

`extra_info.index` is the row's number, as in verl's own data preprocessors: verl's RLHFDataset reads it
(0 when absent) and its agent loop numbers the `rollout.n` rollouts of a prompt by it — every row at 0 made
the whole batch one prompt in verl's rollout traces.

`agent_name: "tool_agent"` sends each row to verl's ToolAgentLoop, the agent loop that runs
interactions (without it verl uses `rollout.agent.default_agent_loop`, `single_turn_agent`, and the
interaction is never called). The images are embedded (`datasets.Image`, the layout of verl's own
geo3k example), so verl's dataset hands PIL images to the processor in every verl version: verl
0.7.0 nests a `{"image": path}` dict inside the message part, which qwen_vl_utils cannot open.

    python integrations/verl/make_verl_data.py --trl data/askfirst-mt --out data/askfirst-verl
"""
import argparse
import json
import os
import sys

from datasets import Dataset, Image, Sequence


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def to_verl(row: dict, folder: str, index: int = 0) -> dict:
    text = row["prompt"][0]["content"][1]["text"]
    return {
        "data_source": "askfirst",
        "agent_name": "tool_agent",
        # verl's multimodal datasets mark the image position with "<image>" in the text.
        "prompt": [{"role": "user", "content": "<image>" + text}],
        "images": [{"bytes": _read(os.path.join(folder, p)), "path": os.path.basename(p)} for p in row["images"]],
        "ability": "ask-or-answer",
        "reward_model": {"style": "rule", "ground_truth": row["answer_letter"]},
        "extra_info": {
            "index": index,
            "episode_id": row["episode_id"],
            "interaction_kwargs": {"name": "askfirst", "episode_id": row["episode_id"], "mode": row["mode"]},
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trl", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    src = os.path.join(a.trl, "train.jsonl")
    with open(src, encoding="utf-8") as f:
        trl_rows = [json.loads(line) for line in f if line.strip()]
    # verl's interaction starts each row's episode at its first view (start_interaction): a later state's row (the
    # default --turns path) would show the model one view and score its reply against the first view's options.
    later = [r for r in trl_rows if r.get("turn", 0) != 0]
    if later:
        sys.exit(
            f"{src}: {len(later)} of {len(trl_rows)} rows are not an episode's first state (e.g. episode "
            f"{later[0]['episode_id']} at turn {later[0]['turn']}): verl's interaction plays each episode from its first "
            "view; export with --turns first (askfirst export --format trl --turns first)"
        )
    rows = [to_verl(row, a.trl, i) for i, row in enumerate(trl_rows)]
    os.makedirs(a.out, exist_ok=True)
    # Written beside, then renamed into place: an interrupted run leaves an earlier train.parquet as it was, never a
    # file cut short that verl fails to read (or reads part of) at its next start.
    dest = os.path.join(a.out, "train.parquet")
    part = os.path.join(a.out, f".train.parquet.{os.getpid()}.tmp")
    try:
        Dataset.from_list(rows).cast_column("images", Sequence(Image())).to_parquet(part)
        os.replace(part, dest)
    finally:
        if os.path.exists(part):
            os.remove(part)
    print(f"wrote {len(rows)} rows to {a.out}/train.parquet")


if __name__ == "__main__":
    main()
