"""Token and SFT shards opened memory-mapped, as a flat sequence of training samples.

A `ShardSet` is the list of a split's shards of one kind and what a batch needs from the tokenizer (the pad id).
Each shard is an Arrow IPC file (tokenizer/shards.py documents the token shards; the SFT layout is the one
agreed for issue 15). The kind of sample comes from the columns:

    layout       columns                                                 one sample
    packed       tokens, segment_starts, segment_ids                     a row: `seq_len` tokens of packed documents
    documents    id, lang, tokens                                        a window of at most `seq_len` tokens of a document
    sft          id, input_ids, loss_mask                                an example (row)
    sft_packed   input_ids, loss_mask, segment_starts, segment_ids       a row of packed examples
    preference   id, chosen_input_ids, chosen_loss_mask,                 a pair (row)
                 rejected_input_ids, rejected_loss_mask

A sample is a dict of numpy views into the memory map (`input_ids`, and `segment_starts`, `loss_mask` where
the shard has them; `chosen_`/`rejected_` prefixes for pairs): nothing is copied into Python objects, so a
shard costs page cache, not process memory, and every DataLoader worker shares the same pages. Shards open
lazily in each process (a ShardSet pickles as its paths) and at most `_MAX_OPEN` stay open per process.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import sentencepiece as spm

TOKENS = "tokens"  # the run's token shards (manifest section `tokenizer`)
SFT = "sft"  # the run's SFT shards (manifest section `sft`)
_SECTIONS = {TOKENS: "tokenizer", SFT: "sft"}
_MODEL_FILE = "tokenizer/tokenizer.model"
_MAX_OPEN = 256  # open memory maps per process: each holds a file descriptor

# layout → the list columns a sample reads, and the columns that identify the layout.
_LAYOUTS: dict[str, tuple[str, ...]] = {
    "packed": ("tokens", "segment_starts"),
    "documents": ("tokens",),
    "sft_packed": ("input_ids", "loss_mask", "segment_starts"),
    "sft": ("input_ids", "loss_mask"),
    "preference": ("chosen_input_ids", "chosen_loss_mask", "rejected_input_ids", "rejected_loss_mask"),
}
_SAMPLE_KEYS = {"tokens": "input_ids"}  # shard column → sample key, where they differ


class LoaderError(ValueError):
    """A run directory, shard or loader state that cannot be read as asked; the message names the path or key."""


def layout_of(schema: pa.Schema) -> str:
    """The layout (see the module docstring) a shard's columns describe; LoaderError if none."""
    names = set(schema.names)
    for layout, columns in _LAYOUTS.items():  # most specific first: packed before documents, sft_packed before sft
        if set(columns) <= names and (layout != "documents" or "segment_starts" not in names):
            return layout
    raise LoaderError(f"columns {sorted(names)} are neither token shards nor SFT shards")


class _ListColumn:
    """A list column of an open shard as numpy views: per record batch, its values and offsets."""

    def __init__(self, arrays: Sequence[pa.ListArray]):
        self.values = [a.values.to_numpy(zero_copy_only=True) for a in arrays]
        self.offsets = [a.offsets.to_numpy(zero_copy_only=True) for a in arrays]
        self.batch_starts = np.cumsum([0] + [len(a) for a in arrays])

    def row(self, index: int) -> np.ndarray:
        batch = int(np.searchsorted(self.batch_starts, index, side="right")) - 1 if len(self.values) > 1 else 0
        offsets = self.offsets[batch]
        local = index - self.batch_starts[batch]
        return self.values[batch][offsets[local] : offsets[local + 1]]

    def lengths(self) -> np.ndarray:
        return np.concatenate([np.diff(o) for o in self.offsets]) if self.offsets else np.zeros(0, np.int64)


class _OpenShard:
    def __init__(self, path: str, columns: Sequence[str], *, memory_map: bool = True):
        try:
            reader = pa.ipc.open_file(pa.memory_map(path) if memory_map else pa.OSFile(path))
            batches = [reader.get_batch(i) for i in range(reader.num_record_batches)]
        except (OSError, pa.ArrowInvalid) as e:
            raise LoaderError(f"{path}: cannot open as an Arrow IPC file ({e})") from None
        self.schema = reader.schema
        self.layout = layout_of(self.schema)
        self.columns = {name: _ListColumn([b.column(name) for b in batches]) for name in columns}
        self.rows = int(sum(b.num_rows for b in batches))


class ShardSet:
    """The samples of a list of shards (one layout, one token dtype), in shard order then row order.

    `pad_id`: the id that fills short rows (its positions get label -100 and attention 0, so it never reaches
    the loss); `seq_len`: the row length of packed shards (fixed batch width) or the window length that
    `documents` shards are cut into; `memory_map=False` reads each shard into memory when it is first used
    instead (for filesystems that page in slowly; benchmarks/bench_loader.py compares the two). Use
    `from_run` for a corpusforge run, `from_files` for any shards.
    """

    def __init__(
        self,
        paths: Sequence[str | os.PathLike],
        *,
        pad_id: int,
        seq_len: int | None = None,
        fingerprint: str | None = None,
        memory_map: bool = True,
    ):
        if not paths:
            raise LoaderError("no shards to read")
        self.paths = [str(p) for p in paths]
        self.pad_id = pad_id
        self.memory_map = memory_map
        self._open: collections.OrderedDict[int, _OpenShard] = collections.OrderedDict()
        first = _OpenShard(self.paths[0], ())
        self.layout = first.layout
        self.dtype = first.schema.field(_LAYOUTS[self.layout][0]).type.value_type.to_pandas_dtype()
        row_lengths = [self._check(i) for i in range(len(self.paths))]
        if self.layout == "packed":
            seq_len = seq_len or int(max((lengths.max(initial=0) for lengths in row_lengths), default=0))
        if self.layout == "documents" and not seq_len:
            raise LoaderError(f"{self.paths[0]}: one row per document: give seq_len, the window to cut documents into")
        self.seq_len = seq_len
        # `documents` shards: each row gives ceil(length / seq_len) windows; window w of row r is sample
        # windows[shard][r] + w. Other layouts: one sample per row.
        self._windows = (
            [np.concatenate([[0], np.cumsum(-(-lengths // seq_len))]) for lengths in row_lengths]
            if self.layout == "documents"
            else None
        )
        counts = [int(w[-1]) for w in self._windows] if self._windows else [len(r) for r in row_lengths]
        self.sample_counts = np.array(counts, dtype=np.int64)
        self.shard_starts = np.concatenate([[0], np.cumsum(self.sample_counts)])
        self.fingerprint = fingerprint or _files_fingerprint(self.paths)

    def __len__(self) -> int:
        return int(self.shard_starts[-1])

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_open": collections.OrderedDict()}  # memory maps reopen in each process

    def _shard(self, index: int) -> _OpenShard:
        shard = self._open.get(index)
        if shard is None:
            columns = _LAYOUTS[self.layout]
            shard = self._open[index] = _OpenShard(self.paths[index], columns, memory_map=self.memory_map)
            if len(self._open) > _MAX_OPEN:
                self._open.popitem(last=False)  # views handed out keep their map alive until they go
        else:
            self._open.move_to_end(index)
        return shard

    def _check(self, index: int) -> np.ndarray:
        """Validates shard `index` against the first (layout, dtype) and itself; returns its row lengths."""
        path, shard = self.paths[index], self._shard(index)
        if shard.layout != self.layout:
            raise LoaderError(f"{path}: a {shard.layout} shard among {self.layout} shards ({self.paths[0]})")
        columns = _LAYOUTS[self.layout]
        dtype = shard.schema.field(columns[0]).type.value_type.to_pandas_dtype()
        if dtype != self.dtype:
            raise LoaderError(
                f"{path}: token ids of type {np.dtype(dtype)}, {self.paths[0]} has {np.dtype(self.dtype)}"
            )
        lengths = shard.columns[columns[0]].lengths()
        for ids, mask in zip(columns[::2], columns[1::2]):  # each loss mask as long as its ids
            if "loss_mask" in mask and not np.array_equal(shard.columns[mask].lengths(), shard.columns[ids].lengths()):
                raise LoaderError(f"{path}: {mask} and {ids} differ in length in some row")
        if "segment_starts" in columns:
            starts = shard.columns["segment_starts"]
            firsts = [v[o[:-1][np.diff(o) > 0]] for v, o in zip(starts.values, starts.offsets)]
            if (starts.lengths()[lengths > 0] == 0).any() or any((f != 0).any() for f in firsts):
                raise LoaderError(f"{path}: a row whose segment_starts do not begin with 0")
        return lengths

    def sample(self, index: int) -> dict[str, np.ndarray]:
        """Sample `index` (0 ≤ index < len(self)): numpy views into the shard's memory map."""
        shard_index = int(np.searchsorted(self.shard_starts, index, side="right")) - 1
        local = index - int(self.shard_starts[shard_index])
        shard = self._shard(shard_index)
        if self._windows is not None:
            windows = self._windows[shard_index]
            row = int(np.searchsorted(windows, local, side="right")) - 1
            start = (local - int(windows[row])) * self.seq_len
            return {"input_ids": shard.columns["tokens"].row(row)[start : start + self.seq_len]}
        return {_SAMPLE_KEYS.get(name, name): column.row(local) for name, column in shard.columns.items()}

    @classmethod
    def from_files(
        cls,
        paths: Sequence[str | os.PathLike],
        *,
        tokenizer_model: str | os.PathLike | None = None,
        pad_id: int | None = None,
        seq_len: int | None = None,
        memory_map: bool = True,
    ) -> ShardSet:
        """Shards by path (any corpusforge token or SFT shards). The pad id is `pad_id`, or the one
        `tokenizer_model` (a SentencePiece file) implies (see `pad_id_of`)."""
        if pad_id is None:
            if tokenizer_model is None:
                raise LoaderError("give tokenizer_model (the run's tokenizer/tokenizer.model) or pad_id")
            pad_id = pad_id_of(str(tokenizer_model))
        return cls(paths, pad_id=pad_id, seq_len=seq_len, memory_map=memory_map)

    @classmethod
    def from_run(
        cls,
        run_dir: str | os.PathLike,
        *,
        split: str = "train",
        kind: str = TOKENS,
        pad_id: int | None = None,
        seq_len: int | None = None,
        verify: bool = False,
    ) -> ShardSet:
        """The `split` shards of `kind` (TOKENS or SFT) that a finished run lists in its manifest.

        Each shard must exist with the size the manifest gives (a truncated copy fails here, not mid-training);
        `verify` also checks every sha256 (reads every byte). The pad id comes from the run's tokenizer.
        """
        run = Path(run_dir)
        manifest = _read_manifest(run)
        section = manifest.get(_SECTIONS[kind])
        if not section or not section.get("shards"):
            raise LoaderError(
                f"{run / 'manifest.json'}: no `{_SECTIONS[kind]}` shards (the run wrote no {kind} shards)"
            )
        shards = [s for s in section["shards"] if s["path"].startswith(f"{kind}/{split}/")]
        if not shards:
            splits = sorted({s["path"].split("/")[1] for s in section["shards"]})
            raise LoaderError(f"{run}: no {kind} shards of split {split!r} (splits: {', '.join(splits)})")
        for shard in shards:
            _check_file(run / shard["path"], shard, verify=verify)
        if kind == TOKENS and section.get("output") == "documents" and seq_len is None:
            seq_len = manifest.get("config", {}).get("tokenizer", {}).get("seq_len")
        if pad_id is None:
            pad_id = pad_id_of(str(run / _MODEL_FILE))
        fingerprint = hashlib.sha256("\n".join(s["sha256"] for s in shards).encode()).hexdigest()
        return cls([run / s["path"] for s in shards], pad_id=pad_id, seq_len=seq_len, fingerprint=fingerprint)


def pad_id_of(model_path: str) -> int:
    """The pad id a batch uses with this SentencePiece model: its pad piece, or else its EOS.

    The filler never reaches the loss or attention (label -100, attention 0); EOS stands in when the model has
    no pad piece (corpusforge's default before issue 15) because it is a real row of the embedding table, as
    Llama's recipes do. LoaderError if the model has neither.
    """
    if not Path(model_path).is_file():
        raise LoaderError(f"{model_path}: no tokenizer model (give pad_id instead)")
    processor = spm.SentencePieceProcessor(model_file=model_path)
    for candidate in (processor.pad_id(), processor.eos_id()):
        if candidate >= 0:
            return int(candidate)
    raise LoaderError(f"{model_path}: the model has neither a pad nor an EOS piece: give pad_id")


def _read_manifest(run: Path) -> dict[str, Any]:
    if not (run / "_SUCCESS").is_file():
        raise LoaderError(f"{run}: not a finished corpusforge run (no _SUCCESS)")
    try:
        return json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise LoaderError(f"{run / 'manifest.json'}: cannot read ({e})") from None


def _check_file(path: Path, listed: Mapping[str, Any], *, verify: bool) -> None:
    try:
        size = path.stat().st_size
    except OSError:
        raise LoaderError(f"{path}: listed in the manifest but missing") from None
    if size != listed["bytes"]:
        raise LoaderError(f"{path}: {size} bytes, the manifest lists {listed['bytes']} (an incomplete copy?)")
    if verify:
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 24), b""):
                digest.update(block)
        if digest.hexdigest() != listed["sha256"]:
            raise LoaderError(f"{path}: sha256 differs from the manifest's")


def _files_fingerprint(paths: Sequence[str]) -> str:
    """Identifies a shard list without reading it, by file names and sizes."""
    parts = [f"{Path(p).name}:{os.path.getsize(p)}" for p in paths]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
