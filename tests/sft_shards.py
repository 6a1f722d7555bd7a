"""SFT shards in the layout agreed for issue 15, made from real instruction data, for the loader and trainer tests.

`sft/<split>/part-XXXXX-of-YYYYY.arrow`, one row per example: `id`, `input_ids`, `loss_mask` (1 on the
response and the EOS after it); packed: rows of whole examples with `segment_starts`/`segment_ids` (int32);
preference pairs: `id`, `chosen_input_ids`, `chosen_loss_mask`, `rejected_input_ids`, `rejected_loss_mask`.
The examples are LLaMA-Factory's Alpaca and DPO demo sets (../shared/data/sft/llama-factory), in Alpaca's
prompt format, tokenized with a run's SentencePiece model.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import sentencepiece as spm

PROMPT = "### Instruction:\n{instruction}\n\n### Response:\n"


def _encoded(sp: spm.SentencePieceProcessor, prompt: str, response: str) -> tuple[np.ndarray, np.ndarray]:
    prompt_ids, response_ids = sp.encode(prompt), sp.encode(response) + [sp.eos_id()]
    ids = np.array(prompt_ids + response_ids, dtype=np.uint16)
    mask = np.array([0] * len(prompt_ids) + [1] * len(response_ids), dtype=np.uint8)
    return ids, mask


def alpaca_examples(shared_data: Path, model: Path, *, limit: int, max_tokens: int) -> list[tuple[np.ndarray, ...]]:
    """(input_ids, loss_mask) of the first Alpaca demo examples that fit `max_tokens`."""
    sp = spm.SentencePieceProcessor(model_file=str(model))
    examples = []
    for record in json.loads((shared_data / "sft/llama-factory/alpaca_en_demo.json").read_text(encoding="utf-8")):
        instruction = "\n\n".join(part for part in (record["instruction"], record["input"]) if part)
        ids, mask = _encoded(sp, PROMPT.format(instruction=instruction), record["output"])
        if len(ids) <= max_tokens:
            examples.append((ids, mask))
        if len(examples) == limit:
            break
    return examples


def preference_pairs(shared_data: Path, model: Path, *, limit: int) -> list[tuple[np.ndarray, ...]]:
    """(chosen ids, chosen mask, rejected ids, rejected mask) of the first DPO demo pairs."""
    sp = spm.SentencePieceProcessor(model_file=str(model))
    pairs = []
    for record in json.loads((shared_data / "sft/llama-factory/dpo_en_demo.json").read_text(encoding="utf-8"))[:limit]:
        prompt = PROMPT.format(instruction=record["conversations"][-1]["value"])
        pairs.append(
            _encoded(sp, prompt, record["chosen"]["value"]) + _encoded(sp, prompt, record["rejected"]["value"])
        )
    return pairs


def _lists(arrays, value_type) -> pa.ListArray:
    return pa.array([np.asarray(a) for a in arrays], type=pa.list_(value_type))


def packed_rows(examples, seq_len: int) -> list[tuple[np.ndarray, ...]]:
    """Whole examples packed greedily into rows of at most `seq_len`: (ids, mask, segment_starts, segment_ids)."""
    rows, current = [], []
    for index, example in enumerate(examples):
        if current and sum(len(e[0]) for _, e in current) + len(example[0]) > seq_len:
            rows.append(current)
            current = []
        current.append((index, example))
    rows.append(current)
    packed = []
    for row in rows:
        lengths = [len(e[0]) for _, e in row]
        packed.append(
            (
                np.concatenate([e[0] for _, e in row]),
                np.concatenate([e[1] for _, e in row]),
                np.cumsum([0] + lengths[:-1]).astype(np.int32),
                np.array([i for i, _ in row], dtype=np.int32),
            )
        )
    return packed


def sft_table(examples, *, packed_len: int | None = None) -> pa.Table:
    if packed_len is None:
        return pa.table(
            {
                "id": [f"example-{i}" for i in range(len(examples))],
                "input_ids": _lists([e[0] for e in examples], pa.uint16()),
                "loss_mask": _lists([e[1] for e in examples], pa.uint8()),
            }
        )
    rows = packed_rows(examples, packed_len)
    columns = {
        "input_ids": pa.uint16(),
        "loss_mask": pa.uint8(),
        "segment_starts": pa.int32(),
        "segment_ids": pa.int32(),
    }
    return pa.table({name: _lists([r[i] for r in rows], t) for i, (name, t) in enumerate(columns.items())})


def preference_table(pairs) -> pa.Table:
    names = ("chosen_input_ids", "chosen_loss_mask", "rejected_input_ids", "rejected_loss_mask")
    types = (pa.uint16(), pa.uint8(), pa.uint16(), pa.uint8())
    columns = {name: _lists([p[i] for p in pairs], t) for i, (name, t) in enumerate(zip(names, types))}
    return pa.table({"id": [f"pair-{i}" for i in range(len(pairs))], **columns})


def write_shards(directory: Path, table: pa.Table, *, count: int) -> list[Path]:
    """`table` cut into `count` Arrow IPC files `part-i-of-count.arrow` in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    bounds = np.linspace(0, table.num_rows, count + 1).astype(int)
    paths = []
    for i in range(count):
        path = directory / f"part-{i:05d}-of-{count:05d}.arrow"
        with pa.ipc.new_file(str(path), table.schema) as writer:
            writer.write_table(table.slice(bounds[i], bounds[i + 1] - bounds[i]))
        paths.append(path)
    return paths


def write_sft_run(run_dir: Path, model: Path, tables: dict[str, pa.Table], *, count: int = 2) -> Path:
    """A finished run directory with SFT shards per split and the manifest `sft` section listing them."""
    (run_dir / "tokenizer").mkdir(parents=True)
    shutil.copy(model, run_dir / "tokenizer/tokenizer.model")
    shards = []
    for split, table in tables.items():
        for path in write_shards(run_dir / "sft" / split, table, count=count):
            data = path.read_bytes()
            relpath = path.relative_to(run_dir).as_posix()
            rows = pa.ipc.open_file(pa.memory_map(str(path))).read_all().num_rows
            shards.append(
                {
                    "path": relpath,
                    "rows": rows,
                    "bytes": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "split": split,
                }
            )
    (run_dir / "manifest.json").write_text(json.dumps({"sft": {"shards": shards}}))
    (run_dir / "_SUCCESS").write_bytes(b"")
    return run_dir
