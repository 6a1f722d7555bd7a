#!/usr/bin/env bash
# The training path on a GPU, in about two minutes: the sample corpus through the pipeline (raw WARC and JSONL
# → token shards), packed SFT shards of LLaMA-Factory's Alpaca demo if ../shared/data has it (run_configs/sft.yaml),
# then examples/train_tiny_gpt.py on CUDA: the loss curve every 100 steps and tokens/s per phase.
#
#   bash examples/gpu_check.sh [RUN_DIR]      RUN_DIR: a finished run to train on (default: make out/gpu-check)
#
# Needs corpusforge installed with a CUDA build of torch (`pip install -e '.[train]'` where one is on disk).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}
RUN=${1:-out/gpu-check}
SFT=${RUN%/}-sft

if [ ! -f "$RUN/_SUCCESS" ]; then
    "$PYTHON" -m corpusforge.pipeline.cli run run_configs/local.yaml --output "$RUN" --quiet --overwrite \
        --set 'tokenizer.export=[megatron]'
fi
SFT_ARGS=()
if [ ! -f "$SFT/_SUCCESS" ] && [ -d ../shared/data/sft/llama-factory ]; then
    # LLaMA-Factory's Alpaca demo through run_configs/sft.yaml, tokenized with the pretraining run's model.
    "$PYTHON" -m corpusforge.pipeline.cli run run_configs/sft.yaml --output "$SFT" --quiet --overwrite \
        --input ../shared/data/sft/llama-factory/alpaca_en_demo.json \
        --set "tokenizer.model_path=$RUN/tokenizer/tokenizer.model" --set sft.max_length=512 --set sft.packing=true
fi
[ -f "$SFT/_SUCCESS" ] && SFT_ARGS=(--sft "$SFT")

"$PYTHON" -c "import torch; print('torch', torch.__version__, 'on', torch.cuda.get_device_name(0))"
LOG=$(mktemp)
# --workers 0: the sample's epoch is a few batches, and every epoch would start DataLoader workers anew.
timeout 300 "$PYTHON" examples/train_tiny_gpt.py --run "$RUN" "${SFT_ARGS[@]}" --device cuda --workers 0 \
    --steps 2000 --sft-steps 500 --batch-size 32 --dim 256 --layers 4 --heads 4 --lr 1e-3 --sft-lr 3e-4 \
    --checkpoint "$RUN/../gpu-check.pt" --save-every 500 --print-every 250 --log "$LOG"
echo "loss curve (every 100 steps): phase step loss tokens/s"
"$PYTHON" -c "
import json, sys
for r in map(json.loads, open(sys.argv[1])):
    if r['step'] % 100 == 0 or r['step'] == 1:
        print(f\"{r['phase']:8s} {r['step']:5d} {r['loss']:.4f} {r['tokens_per_s']:,.0f}\")" "$LOG"
