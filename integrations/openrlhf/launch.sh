#!/usr/bin/env bash
# OpenRLHF 0.11 GRPO-style (group baseline) training of a VLM on askfirst states, rewarded by
# `askfirst env serve` (POST /get_reward). Not run here (no GPU). Usage:
#   bash integrations/openrlhf/launch.sh DATA.jsonl http://HOST:8000/get_reward [MODEL]
set -euo pipefail
DATA=${1:?train.jsonl from askfirst export --format trl --absolute-paths}
REWARD_URL=${2:?http://HOST:8000/get_reward}
MODEL=${3:-Qwen/Qwen2.5-VL-7B-Instruct}
curl -sf "${REWARD_URL%/get_reward}/health" >/dev/null || { echo "askfirst env serve is not answering at ${REWARD_URL%/get_reward}" >&2; exit 1; }
python3 -m openrlhf.cli.train_ppo_ray \
  --ref.num_nodes 1 --ref.num_gpus_per_node 8 \
  --actor.num_nodes 1 --actor.num_gpus_per_node 8 \
  --vllm.num_engines 8 --vllm.tensor_parallel_size 1 --vllm.gpu_memory_utilization 0.6 \
  --train.colocate_all \
  --actor.model_name_or_path "$MODEL" \
  --reward.remote_url "$REWARD_URL" \
  --algo.advantage.estimator group_norm \
  --algo.kl.use_loss --algo.kl.estimator k2 --algo.kl.init_coef 0.001 \
  --rollout.n_samples_per_prompt 8 --rollout.batch_size 128 --train.batch_size 1024 \
  --rollout.max_new_tokens 32 --data.max_len 4096 \
  --data.prompt_dataset "$DATA" \
  --data.input_key prompt --data.label_key label --data.image_key images \
  --data.max_images_per_prompt 1 --data.apply_chat_template \
  --actor.freeze_visual_encoder --actor.adam.lr 1e-6 \
  --ds.zero_stage 3 --ds.param_dtype bf16 --actor.gradient_checkpointing_enable \
  --ckpt.output_dir runs/openrlhf-askfirst --ckpt.save_hf
