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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="folder written by `askfirst export --format trl`")
    ap.add_argument("--model", default="Qwen/Qwen2.5-VL-3B-Instruct")
    ap.add_argument("--multi-turn", action="store_true", help="play whole episodes through askfirst env serve (tool calling)")
    ap.add_argument("--output-dir", default="runs/askfirst-grpo")
    ap.add_argument("--num-generations", type=int, default=8)
    ap.add_argument("--max-steps", type=int, default=500)
    a = ap.parse_args()

    ds = load_dataset("parquet", data_files=os.path.join(a.data, "train.parquet"), split="train")
    ds = ds.cast_column("images", Sequence(Image()))
    args = GRPOConfig(
        output_dir=a.output_dir,
        num_generations=a.num_generations,
        max_steps=a.max_steps,
        per_device_train_batch_size=a.num_generations,
        max_completion_length=64 if not a.multi_turn else 512,
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
