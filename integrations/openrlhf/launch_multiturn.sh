#!/usr/bin/env bash
# OpenRLHF 0.11 GRPO-style (group baseline) multi-turn training of a VLM on whole askfirst episodes: each sample plays
# its row's episode on `askfirst env serve` through integrations/openrlhf/askfirst_agent.py (--train.agent_func_path),
# each view it moves to handed back as an image. Not run here (no GPU). Usage:
#   bash integrations/openrlhf/launch_multiturn.sh DATA.jsonl http://HOST:8000 [MODEL]
# DATA.jsonl: askfirst export --format trl --turns first --absolute-paths (one row per episode, its first view).
set -euo pipefail
DATA=${1:?train.jsonl from askfirst export --format trl --turns first --absolute-paths}
ENV_URL=${2:?http://HOST:8000, the askfirst env serve the episodes are played on}
MODEL=${3:-Qwen/Qwen2.5-VL-7B-Instruct}
AGENT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/askfirst_agent.py"
# Every row a first state (the agent plays from there), and the most views an episode can show: vLLM refuses a
# request with more images than --data.max_images_per_prompt, and a sample holds one per turn.
MAX_VIEWS=$(python3 - "$DATA" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
if not rows:
    sys.exit(f"{sys.argv[1]}: no rows")
later = [r["episode_id"] for r in rows if r.get("turn", 0) != 0]
if later:
    sys.exit(f"{sys.argv[1]}: {len(later)} rows are not an episode's first state (e.g. {later[0]}): export with --turns first")
print(max(int(r["max_turns"]) for r in rows))
PY
)
curl -sf "${ENV_URL%/}/health" >/dev/null || { echo "askfirst env serve is not answering at $ENV_URL" >&2; exit 1; }
# The agent reads the server's address from the environment: a Ray cluster that train_ppo_ray starts inherits it; on an
# existing cluster (ray job submit) pass it with --runtime-env-json '{"env_vars": {"ASKFIRST_ENV_URL": "..."}}'.
export ASKFIRST_ENV_URL="$ENV_URL"
python3 -m openrlhf.cli.train_ppo_ray \
  --ref.num_nodes 1 --ref.num_gpus_per_node 8 \
  --actor.num_nodes 1 --actor.num_gpus_per_node 8 \
  --vllm.num_engines 8 --vllm.tensor_parallel_size 1 --vllm.gpu_memory_utilization 0.6 \
  --train.colocate_all \
  --actor.model_name_or_path "$MODEL" \
  --train.agent_func_path "$AGENT" \
  --algo.advantage.estimator group_norm \
  --algo.kl.use_loss --algo.kl.estimator k2 --algo.kl.init_coef 0.001 \
  --rollout.n_samples_per_prompt 8 --rollout.batch_size 128 --train.batch_size 1024 \
  --data.max_len 8192 \
  --data.prompt_dataset "$DATA" \
  --data.input_key prompt --data.label_key label --data.image_key images \
  --data.max_images_per_prompt "$MAX_VIEWS" --data.apply_chat_template \
  --actor.freeze_visual_encoder --actor.adam.lr 1e-6 \
  --ds.zero_stage 3 --ds.param_dtype bf16 --actor.gradient_checkpointing_enable \
  --ckpt.output_dir runs/openrlhf-askfirst-multiturn --ckpt.save_hf
