"""Megatron-LM's indexed dataset (`.bin` + `.idx`), so that Megatron-LM and NeMo train on our tokens directly.

With `tokenizer.export: [megatron]` every token shard gets a pair beside it, `tokens/<split>/part-i-of-n.bin`
and `.idx` (the prefix Megatron's `--data-path` takes), holding the shard's documents in its row order, one
sequence per document ending with EOS, which is what Megatron's `preprocess_data.py --append-eod` writes. The
run also writes `tokens/megatron_data_args.json` for `--per-split-data-args-path`: {"train": [prefixes],
"valid": [prefixes] or null, "test": null}, prefixes relative to the run directory, empty shards left out;
prefixes without weights make Megatron use each one whole.

The format, as megatron-core's `megatron/core/datasets/indexed_dataset.py` (`_IndexWriter`) writes it, all
little-endian: `.bin` is the token ids back to back. `.idx`: the magic `MMIDIDX\\x00\\x00`, version (u64, 1),
dtype code (u8: 8 uint16, 4 int32), sequence count (u64), document count (u64, documents + 1), the sequence
lengths (int32 each), their byte offsets in `.bin` (int64 each), and the document indices (int64 each: the
first sequence of every document, then the sequence count). Written with numpy (no torch), so the bytes
depend only on the documents; tests/test_megatron.py reads them back with megatron-core's `IndexedDataset`
and compares them with what megatron-core's own `IndexedDatasetBuilder` writes.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Sequence

import numpy as np

MEGATRON = "megatron"  # the tokenizer.export value
DATA_ARGS_FILE = "tokens/megatron_data_args.json"
INDEX_MAGIC = b"MMIDIDX\x00\x00"
_VERSION = 1
_DTYPE_CODES = {np.dtype(np.uint16): 8, np.dtype(np.int32): 4}  # megatron-core's DType enum
_SPLITS = {"train": "train", "validation": "valid"}  # ours → Megatron's split names


def megatron_dtype(vocab_size: int) -> np.dtype:
    """uint16 when every id fits, else int32 (Megatron's dtype codes have no uint32)."""
    return np.dtype(np.uint16 if vocab_size <= 2**16 else np.int32)


def indexed_dataset(docs: Sequence[np.ndarray], dtype: np.dtype) -> tuple[memoryview, bytes]:
    """The `.bin` and `.idx` contents for `docs` (token arrays, one document and one sequence each)."""
    lengths = np.array([len(d) for d in docs], dtype=np.int32)
    tokens = np.concatenate(docs).astype(dtype, copy=False) if docs else np.zeros(0, dtype)
    pointers = (np.cumsum(lengths, dtype=np.int64) - lengths) * dtype.itemsize
    document_indices = np.arange(len(docs) + 1, dtype=np.int64)
    header = INDEX_MAGIC + struct.pack("<QBQQ", _VERSION, _DTYPE_CODES[dtype], len(docs), len(document_indices))
    # Native byte order, as megatron-core's own writer: little-endian on every machine it runs on.
    index = header + lengths.tobytes() + pointers.tobytes() + document_indices.tobytes()
    return memoryview(np.ascontiguousarray(tokens)).cast("B"), index


def data_args(prefixes: Iterable[tuple[str, str]]) -> bytes:
    """`--per-split-data-args-path` JSON for (split, prefix) pairs of non-empty shards, prefixes sorted."""
    by_split: dict[str, list[str]] = {}
    for split, prefix in sorted(prefixes):
        by_split.setdefault(_SPLITS[split], []).append(prefix)
    # Megatron reads an empty list as a blend and fails on it; null means "no such split".
    value = {split: by_split.get(split) for split in ("train", "valid", "test")}
    return (json.dumps(value, indent=2) + "\n").encode("utf-8")
