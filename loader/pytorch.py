"""The loader for PyTorch: `ShardDataset` (an IterableDataset of samples), `collate` into tensors, and
`ResumableDataLoader`, a DataLoader that counts what it hands over so it can checkpoint and resume.

    shards = ShardSet.from_run("out/sample", split="train")
    dataset = ShardDataset(shards, batch_size=8, seed=0)        # rank and world size from torch.distributed
    loader = ResumableDataLoader(dataset, num_workers=2, pin_memory=True)
    for batch in loader: ...                                     # batch.py lists the tensors
    torch.save({"loader": loader.state_dict(), ...}, path)      # resume with loader.load_state_dict(...)

Each worker reads whole batches of its rank's share (batch b → worker b mod num_workers), the order in which
the DataLoader collects them, so with any worker count the batches come in the order of order.py. A plain
DataLoader works too (`batch_size=dataset.batch_size, collate_fn=dataset.collate_fn`), without the state.
Needs the `train` extra (torch).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from corpusforge.loader.batch import Collator
from corpusforge.loader.iterator import ShardReader
from corpusforge.loader.shards import ShardSet


@dataclasses.dataclass(frozen=True)
class TorchCollator:
    """Collator's batch as tensors (`max_seqlen` stays an int)."""

    collator: Collator

    def __call__(self, samples: Sequence[Mapping[str, np.ndarray]]) -> dict[str, Any]:
        return {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in self.collator(samples).items()}


def _distributed() -> tuple[int, int]:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


class ShardDataset(ShardReader, IterableDataset):
    """This rank's samples of `shards`, as dicts of numpy views; `collate_fn` makes tensors of a batch of them.

    The settings are ShardReader's (iterator.py); `rank` and `world_size` default to torch.distributed's (0
    and 1 when it is not initialized). Its length is this rank's samples in the current pass.
    """

    def __init__(self, shards: ShardSet, *, rank: int | None = None, world_size: int | None = None, **settings: Any):
        default_rank, default_world = _distributed()
        rank = default_rank if rank is None else rank
        super().__init__(shards, rank=rank, world_size=default_world if world_size is None else world_size, **settings)
        self.collate_fn = TorchCollator(self.collate)

    def __iter__(self) -> Iterator[dict[str, np.ndarray]]:
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        for samples in self.batch_samples(worker, workers):
            yield from samples

    def __len__(self) -> int:
        return self.order.rank_size()


class ResumableDataLoader(DataLoader):
    """A DataLoader over a ShardDataset that knows how far the trainer got: `state_dict()` after any batch,
    `load_state_dict()` before iterating (also with another world size), and the epoch advancing by itself.

    Batch size and collate function come from the dataset. Persistent workers are refused: they would keep
    the position they were started with; so each epoch starts its workers anew, a cost that matters only
    when an epoch is a few batches (there, `num_workers=0`).
    """

    _OWN = ("batch_size", "shuffle", "sampler", "batch_sampler", "collate_fn", "drop_last", "persistent_workers")

    def __init__(self, dataset: ShardDataset, **kwargs: Any):
        taken = [k for k in self._OWN if kwargs.get(k)]
        if taken:
            raise ValueError(f"ResumableDataLoader sets {', '.join(taken)} itself (from the ShardDataset)")
        super().__init__(dataset, batch_size=dataset.batch_size, collate_fn=dataset.collate_fn, **kwargs)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        order = self.dataset.order
        order.begin_pass()  # before the workers start: they take a copy of the dataset
        for batch in super().__iter__():
            order.consumed += len(next(v for k, v in batch.items() if k.endswith("input_ids")))
            yield batch
        order.end_pass()

    def state_dict(self) -> dict[str, Any]:
        return self.dataset.state_dict()

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.dataset.load_state_dict(state)
