"""Samples → a training batch: padded ids, shifted labels, per-document positions and attention boundaries.

For every sample part (`""`, or `chosen_` and `rejected_` for preference pairs) a batch of B rows of width L
holds, each prefixed with the part:

    input_ids       int64 [B, L]   the tokens, then `pad_id` up to L
    labels          int64 [B, L]   labels[i] = input_ids[i + 1], or -100 (no loss) where i + 1 is padding, the
                                   start of another document (packed rows: a document never predicts the next
                                   one's first token) or a token whose loss_mask is 0 (SFT: prompts), and at
                                   the last position (its next token is not in the row)
    attention_mask  int64 [B, L]   1 on tokens, 0 on padding (Hugging Face's convention)
    position_ids    int64 [B, L]   0, 1, ... restarting at every document of a packed row; 0 on padding
    segment_ids     int32 [B, L]   which document of its row a token belongs to (0, 1, ...); padding is one more
                                   segment, so a mask `segment_ids[q] == segment_ids[k]` (and causal) never
                                   leaves a row without a key
    cu_seqlens      int32 [S + 1]  flash-attn's varlen boundaries over the flattened B * L tokens: every
                                   document piece, and each row's padding, is one sequence
    max_seqlen      int            the longest of those sequences

L is `length` when set (packed shards: seq_len, so every batch has one shape), else the longest sample,
rounded up to `pad_multiple`. The labels are already shifted: a loss is
`cross_entropy(logits.view(-1, V), labels.view(-1), ignore_index=-100)` with no further shift.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

IGNORE = -100  # the label PyTorch's cross_entropy ignores by default
PARTS = ("chosen_", "rejected_")  # preference pairs; other samples have the single part ""


@dataclasses.dataclass(frozen=True)
class Collator:
    """A batch from a list of samples (ShardSet.sample); picklable, so DataLoader workers run it."""

    pad_id: int
    length: int | None = None
    pad_multiple: int = 1

    def __call__(self, samples: Sequence[Mapping[str, np.ndarray]]) -> dict[str, Any]:
        parts = PARTS if f"{PARTS[0]}input_ids" in samples[0] else ("",)
        longest = max(len(s[f"{p}input_ids"]) for s in samples for p in parts)
        width = self.length or longest
        if longest > width:
            raise ValueError(f"a sample of {longest} tokens is longer than the batch length {width}")
        width = -(-width // self.pad_multiple) * self.pad_multiple
        batch: dict[str, Any] = {}
        for part in parts:
            fields = _collate_part(
                [s[f"{part}input_ids"] for s in samples],
                [s.get(f"{part}segment_starts") for s in samples],
                [s.get(f"{part}loss_mask") for s in samples],
                width=width,
                pad_id=self.pad_id,
            )
            batch.update({part + name: value for name, value in fields.items()})
        return batch


def _collate_part(
    rows: Sequence[np.ndarray],
    starts: Sequence[np.ndarray | None],
    masks: Sequence[np.ndarray | None],
    *,
    width: int,
    pad_id: int,
) -> dict[str, Any]:
    count = len(rows)
    input_ids = np.full((count, width), pad_id, dtype=np.int64)
    labels = np.full((count, width), IGNORE, dtype=np.int64)
    attention_mask = np.zeros((count, width), dtype=np.int64)
    position_ids = np.zeros((count, width), dtype=np.int64)
    segment_ids = np.zeros((count, width), dtype=np.int32)
    boundaries = []
    for b, (row, row_starts, mask) in enumerate(zip(rows, starts, masks)):
        n = len(row)
        row_starts = np.zeros(min(n, 1), np.int64) if row_starts is None else row_starts.astype(np.int64)
        segment = np.zeros(n, dtype=np.int32)
        segment[row_starts[1:]] = 1
        segment = np.cumsum(segment, dtype=np.int32)
        input_ids[b, :n] = row
        attention_mask[b, :n] = 1
        position_ids[b, :n] = np.arange(n) - row_starts[segment]
        segment_ids[b, :n] = segment
        segment_ids[b, n:] = len(row_starts)
        keep = segment[1:] == segment[:-1]
        if mask is not None:
            keep &= mask[1:] != 0
        if n > 1:
            labels[b, : n - 1] = np.where(keep, input_ids[b, 1:n], IGNORE)
        boundaries.append(b * width + row_starts)
        if n < width:
            boundaries.append(np.array([b * width + n]))
    cu_seqlens = np.concatenate([*boundaries, [count * width]]).astype(np.int32)
    return {
        "input_ids": input_ids,
        "labels": labels,
        "attention_mask": attention_mask,
        "position_ids": position_ids,
        "segment_ids": segment_ids,
        "cu_seqlens": cu_seqlens,
        "max_seqlen": int(np.diff(cu_seqlens).max(initial=0)),
    }
