"""GRPO on askfirst episodes with TRL (not run here: no GPU). See README.md in this folder.

    # single-turn (ProactiveBench's recipe: r_c = 1, r_p = 0.5)
    askfirst export --format trl --data suite --out data/askfirst-trl
    askfirst env serve --data suite --reward proactivebench --rp 0.5 &
    accelerate launch integrations/trl/train_grpo.py --data data/askfirst-trl --model Qwen/Qwen2.5-VL-3B-Instruct

    # multi-turn through the environment (a tool-calling VLM, e.g. Qwen3-VL)
    askfirst export --format trl --turns first --data suite --out data/askfirst-mt
    askfirst env serve --data suite --max-sessions 128 &
    accelerate launch integrations/trl/train_grpo.py --data data/askfirst-mt --multi-turn --model Qwen/Qwen3-VL-2B-Instruct
"""
import argparse
import os

from datasets import Image, Sequence, load_dataset
from trl import GRPOConfig, GRPOTrainer

from askfirst_trl import AskfirstToolEnv, askfirst_reward

# TRL's max_completion_length bounds the whole rollout: with environment_factory every reply and every tool result
# (the next view's prompt and its image tokens) counts (grpo_trainer.py drops tool results past it). On the default
# suite a view's prompt is 190-360 characters and an episode's canonical path (its asks, then the answer) up to 11
# views; at ~4 characters a token (an estimate, no tokenizer here) plus 48 a turn for the tool call, the markup and
# a 64-pixel view's image tokens: ~1,270 tokens for the longest path, ~600 on average over 140 episodes, 57 % of them
# over 512. 512 cut those before their answer, and a cut rollout is scored as a reply naming no option, so asking as
# often as the episode needs was paid like a wrong answer (tests/integrations-python.test.ts checks the budget
# against the data). Views with more image tokens (ProactiveBench's photos) need more.
SINGLE_TURN_TOKENS = 64
MULTI_TURN_TOKENS = 2048


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="folder written by `askfirst export --format trl`")
    ap.add_argument("--model", default="Qwen/Qwen2.5-VL-3B-Instruct")
    ap.add_argument("--multi-turn", action="store_true", help="play whole episodes through askfirst env serve (tool calling)")
    ap.add_argument("--output-dir", default="runs/askfirst-grpo")
    ap.add_argument("--num-generations", type=int, default=8)
    ap.add_argument("--max-steps", type=int, default=500)
    ap.add_argument(
        "--max-completion-length",
        type=int,
        default=None,
        help=f"tokens per rollout (default {SINGLE_TURN_TOKENS}; with --multi-turn {MULTI_TURN_TOKENS}: TRL counts every turn's "
        "reply and tool result, images included, and a rollout cut there is scored as a reply naming no option)",
    )
    a = ap.parse_args()
    max_completion_length = a.max_completion_length or (MULTI_TURN_TOKENS if a.multi_turn else SINGLE_TURN_TOKENS)

    ds = load_dataset("parquet", data_files=os.path.join(a.data, "train.parquet"), split="train")
    # train.parquet declares `images` as a list of Image (askfirst export writes its features): this cast changes nothing
    # there, and turns the {bytes, path} structs of an export written before it (no features) into images.
    ds = ds.cast_column("images", Sequence(Image()))
    args = GRPOConfig(
        output_dir=a.output_dir,
        num_generations=a.num_generations,
        max_steps=a.max_steps,
        per_device_train_batch_size=a.num_generations,
        max_completion_length=max_completion_length,
        learning_rate=1e-5,
        bf16=True,
        use_vllm=True,
        vllm_mode="colocate",
        log_completions=True,
    )
    if a.multi_turn:
        trainer = GRPOTrainer(model=a.model, args=args, train_dataset=ds, reward_funcs=[], environment_factory=AskfirstToolEnv)
    else:
        trainer = GRPOTrainer(model=a.model, args=args, train_dataset=ds, reward_funcs=askfirst_reward)
    trainer.train()
    # The final weights and processor in output_dir itself (train() leaves only checkpoint-N folders there), so
    # `vllm serve <output_dir>` serves the trained model (docs/train-a-real-vlm.md).
    trainer.save_model(a.output_dir)


if __name__ == "__main__":
    main()
