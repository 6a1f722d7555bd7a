"""Token shards: Arrow IPC files under `tokens/<split>/part-XXXXX-of-YYYYY.arrow`, and the tokenizer files.

Packed (`tokenizer.output: packed`), one row per sequence:
    tokens          list<uint16|uint32>  `seq_len` ids (the last sequence of a shard holds what remains)
    segment_starts  list<int32>          where each document's piece of this sequence starts (the first is 0)
    segment_ids     list<string>         the document id of each piece
Documents (`tokenizer.output: documents`), one row per document: `id` string, `lang` string, `tokens`.
Every document's ids end with EOS. A document goes to shard `shard_of(id, count)` of its split and rows
follow document ids, so shards are identical whatever the runner or worker count. Token ids are uint16
when the vocabulary has at most 65,536 pieces, else uint32.
Inspect: `python -c "import pyarrow as pa; print(pa.ipc.open_file(pa.memory_map('PATH')).read_all())"`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from corpusforge.pipeline.layout import TOKENIZER_DIR, TOKENS_DIR
from corpusforge.tokenizer.encode import pack

MODEL_FILE = f"{TOKENIZER_DIR}/tokenizer.model"
VOCAB_FILE = f"{TOKENIZER_DIR}/tokenizer.vocab"


def token_shard_name(split: str, index: int, count: int) -> str:
    return f"{TOKENS_DIR}/{split}/part-{index:05d}-of-{count:05d}.arrow"


def _lists(values: pa.Array, offsets: np.ndarray) -> pa.ListArray:
    return pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), values)


def packed_table(ids: Sequence[str], docs: Sequence[np.ndarray], *, seq_len: int, dtype: np.dtype) -> pa.Table:
    """Documents (in row order) packed into `seq_len` sequences, with their boundaries."""
    packed = pack(docs, seq_len)
    segment_ids = pa.array(np.asarray(ids, dtype=object)[packed.segment_docs] if len(ids) else [], pa.string())
    return pa.table(
        {
            "tokens": _lists(pa.array(packed.tokens.astype(dtype, copy=False)), packed.row_offsets),
            "segment_starts": _lists(pa.array(packed.segment_starts), packed.segment_offsets),
            "segment_ids": _lists(segment_ids, packed.segment_offsets),
        }
    )


def documents_table(
    ids: Sequence[str], langs: Sequence[str], docs: Sequence[np.ndarray], *, dtype: np.dtype
) -> pa.Table:
    """One row per document: id, lang and its tokens."""
    lengths = np.array([len(d) for d in docs], dtype=np.int64)
    tokens = np.concatenate(docs).astype(dtype, copy=False) if docs else np.zeros(0, dtype)
    return pa.table(
        {
            "id": pa.array(list(ids), pa.string()),
            "lang": pa.array(list(langs), pa.string()),
            "tokens": _lists(pa.array(tokens), np.append(0, np.cumsum(lengths))),
        }
    )


def table_bytes(table: pa.Table) -> memoryview:
    """`table` as an Arrow IPC file (uncompressed, so token shards memory-map)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return memoryview(sink.getvalue())
