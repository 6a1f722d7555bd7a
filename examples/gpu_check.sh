#!/usr/bin/env bash
# The training path on a GPU, in about two minutes: the sample corpus through the pipeline (raw WARC and JSONL
# → token shards), SFT shards from LLaMA-Factory's Alpaca demo if ../shared/data has it and the run has none,
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
    PYTHONPATH=tests "$PYTHON" -c "
import sys; from pathlib import Path; from sft_shards import alpaca_examples, sft_table, write_sft_run
run, sft = Path(sys.argv[1]), Path(sys.argv[2]); model = run / 'tokenizer/tokenizer.model'
examples = alpaca_examples(Path('../shared/data'), model, limit=1000, max_tokens=512)
write_sft_run(sft, model, {'train': sft_table(examples, packed_len=512)})
print(f'{len(examples)} SFT examples packed into {sft}')" "$RUN" "$SFT"
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
