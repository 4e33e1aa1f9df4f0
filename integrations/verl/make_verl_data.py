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

Written in bounded memory: the rows are read from train.jsonl and written to the Parquet file a row group at a time
(ROWS_PER_GROUP, the row group `datasets` itself writes for an image dataset), each group's PNGs read just before it is
written, through pyarrow's ParquetWriter (a `datasets` dependency) with the `datasets` features' schema, whose metadata
makes `load_dataset("parquet", …)` give `images` as images, as `Dataset.to_parquet` writes it. Building one
`Dataset.from_list` of every row held every PNG in memory before the first byte was written.

    python integrations/verl/make_verl_data.py --trl data/askfirst-mt --out data/askfirst-verl
"""
import argparse
import json
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq
from datasets import Features, Image, Sequence, Value

# Rows per Parquet row group: what is held in memory at once (their PNGs); `datasets` writes an image dataset's Parquet
# file in groups of 100 rows too (config.PARQUET_ROW_GROUP_SIZE_FOR_IMAGE_DATASETS).
ROWS_PER_GROUP = 100

_STR = Value("string")
# The columns of to_verl's rows, as `Dataset.from_list` inferred them (a list of structs as `[{…}]`), with `images` cast
# to `datasets.Image` (embedded `{bytes, path}`, the layout of verl's geo3k example).
FEATURES = Features({
    "data_source": _STR,
    "agent_name": _STR,
    "prompt": [{"role": _STR, "content": _STR}],
    "images": Sequence(Image()),
    "ability": _STR,
    "reward_model": {"style": _STR, "ground_truth": _STR},
    "extra_info": {
        "index": Value("int64"),
        "episode_id": _STR,
        "interaction_kwargs": {"name": _STR, "episode_id": _STR, "mode": _STR},
    },
})


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        sys.exit(f"{path}: {e.strerror}: the TRL export's image is missing or unreadable; export again (askfirst export --format trl --turns first)")


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


def _trl_rows(src: str):
    """train.jsonl's rows, a line at a time."""
    with open(src, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def _groups(rows, n: int):
    group: list = []
    for row in rows:
        group.append(row)
        if len(group) == n:
            yield group
            group = []
    if group:
        yield group


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trl", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    src = os.path.join(a.trl, "train.jsonl")
    if not os.path.isfile(src):
        sys.exit(f"{src}: no such file: give --trl the folder of an askfirst export --format trl --turns first")
    # verl's interaction starts each row's episode at its first view (start_interaction): a later state's row (the
    # default --turns path) would show the model one view and score its reply against the first view's options.
    # Checked over the whole file before anything is written (a line at a time: no row is kept).
    total, later = 0, None
    later_n = 0
    for r in _trl_rows(src):
        total += 1
        if r.get("turn", 0) != 0:
            later_n += 1
            later = later or r
    if later:
        sys.exit(
            f"{src}: {later_n} of {total} rows are not an episode's first state (e.g. episode "
            f"{later['episode_id']} at turn {later['turn']}): verl's interaction plays each episode from its first "
            "view; export with --turns first (askfirst export --format trl --turns first)"
        )
    created = not os.path.isdir(a.out)
    os.makedirs(a.out, exist_ok=True)
    # Written beside, then renamed into place: an interrupted run leaves an earlier train.parquet as it was, never a
    # file cut short that verl fails to read (or reads part of) at its next start.
    dest = os.path.join(a.out, "train.parquet")
    part = os.path.join(a.out, f".train.parquet.{os.getpid()}.tmp")
    schema = FEATURES.arrow_schema
    written = 0
    try:
        writer = pq.ParquetWriter(part, schema)
        try:
            for group in _groups(_trl_rows(src), ROWS_PER_GROUP):
                rows = [to_verl(row, a.trl, written + i) for i, row in enumerate(group)]
                batch = FEATURES.encode_batch({k: [r[k] for r in rows] for k in FEATURES})
                writer.write_table(pa.Table.from_pydict(batch, schema=schema))
                written += len(rows)
        finally:
            writer.close()
        os.replace(part, dest)
    finally:
        if os.path.exists(part):
            os.remove(part)
            if created:  # stopped part-way (an image missing, Ctrl-C): no empty --out left either
                os.rmdir(a.out)
    print(f"wrote {written} rows to {a.out}/train.parquet")


if __name__ == "__main__":
    main()
