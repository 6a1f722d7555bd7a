"""Encoding documents with a SentencePiece model, the train/validation split, and packing into sequences.

`SentencePieceModel` wraps a processor built from model bytes: lazy, loaded under a module-level lock
(seqio notes that concurrent proto loading can crash), and picklable (the processor is dropped and rebuilt).
`pack` concatenates documents (each ending in EOS) into fixed-length sequences and records where each
document's tokens start in each sequence, so a trainer can build document-causal attention masks.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence

import numpy as np
import sentencepiece as spm
import xxhash

TRAIN = "train"
VALIDATION = "validation"
_LOAD_LOCK = threading.Lock()


def token_dtype(vocab_size: int) -> np.dtype:
    """uint16 when every id fits (vocab ≤ 65,536), else uint32: half the bytes for the common vocab sizes."""
    return np.dtype(np.uint16 if vocab_size <= 2**16 else np.uint32)


def split_of(doc_id: str, *, seed: int, validation_fraction: float) -> str:
    """`validation` for a hash-chosen `validation_fraction` of document ids, else `train`."""
    # A different hash seed from the training sample's, so the two draws are independent.
    u = xxhash.xxh64_intdigest(doc_id.encode("utf-8"), seed=seed ^ 0x5EED) / 2**64
    return VALIDATION if u < validation_fraction else TRAIN


class SentencePieceModel:
    """A SentencePiece model from its serialized bytes, with what encoding and the audit need.

    Built once per worker (`apache_beam.utils.shared.Shared`); the processor itself loads on first use.
    """

    def __init__(self, model_bytes: bytes):
        self.model_bytes = model_bytes
        self._processor: spm.SentencePieceProcessor | None = None

    def __getstate__(self):
        return {"model_bytes": self.model_bytes, "_processor": None}

    @property
    def processor(self) -> spm.SentencePieceProcessor:
        if self._processor is None:
            with _LOAD_LOCK:
                if self._processor is None:
                    self._processor = spm.SentencePieceProcessor(model_proto=self.model_bytes)
        return self._processor

    @property
    def vocab_size(self) -> int:
        return self.processor.vocab_size()

    @property
    def eos_id(self) -> int:
        return self.processor.eos_id()

    def byte_pieces(self) -> np.ndarray:
        """A mask over the vocabulary: True for byte-fallback pieces (<0x00>..<0xFF>)."""
        sp = self.processor
        return np.array([sp.is_byte(i) for i in range(sp.vocab_size())], dtype=bool)

    def encode(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Token ids of each text followed by EOS, as arrays of the vocabulary's dtype; one batched call."""
        dtype = token_dtype(self.vocab_size)
        # One core per Beam worker thread; int32 arrays straight from C++ (no Python lists: ~2x faster).
        ids = self.processor.encode(list(texts), add_eos=True, num_threads=1, return_type="numpy")
        return [row.astype(dtype) for row in ids]


@dataclasses.dataclass(frozen=True)
class Packed:
    """Fixed-length sequences cut from the concatenation of documents.

    tokens: every token, in order; sequence i is tokens[row_offsets[i]:row_offsets[i + 1]] (all
        `seq_len` long but the last, which holds what remains).
    segment_starts, segment_docs: for each piece of a document inside a sequence, its start in the
        sequence and its document's index; sequence i's pieces are [segment_offsets[i]:segment_offsets[i + 1]].
    """

    tokens: np.ndarray
    row_offsets: np.ndarray
    segment_starts: np.ndarray
    segment_docs: np.ndarray
    segment_offsets: np.ndarray


def pack(docs: Sequence[np.ndarray], seq_len: int) -> Packed:
    """Concatenate `docs` (token arrays, each ending in EOS) and cut into sequences of `seq_len`."""
    lengths = np.array([len(d) for d in docs], dtype=np.int64)
    tokens = np.concatenate(docs) if docs else np.zeros(0, dtype=np.uint16)
    total = len(tokens)
    doc_starts = np.cumsum(lengths) - lengths
    row_starts = np.arange(0, total, seq_len, dtype=np.int64)
    # A segment begins wherever a document or a sequence begins.
    starts = np.union1d(doc_starts[lengths > 0], row_starts)
    rows = starts // seq_len
    return Packed(
        tokens=tokens,
        row_offsets=np.append(row_starts, total),
        segment_starts=(starts - rows * seq_len).astype(np.int32),
        segment_docs=np.searchsorted(doc_starts, starts, side="right") - 1,
        segment_offsets=np.searchsorted(rows, np.arange(len(row_starts) + 1)),
    )
