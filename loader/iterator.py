"""ShardLoader: a rank's batches of a ShardSet as numpy arrays, resumable; no framework needed.

`ShardReader` holds what it shares with the PyTorch `ShardDataset` (pytorch.py): the shards, the order with
its state, and the collator, so both read the same batches in the same order and save the same state.
ShardLoader reads in the calling process: for JAX, NumPy, or a trainer that does its own prefetching.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from corpusforge.loader.batch import Collator
from corpusforge.loader.order import SampleOrder
from corpusforge.loader.shards import ShardSet

_FIXED_WIDTH = ("packed", "documents")  # layouts whose rows are seq_len long (but a shard's last): one batch shape


class ShardReader:
    """This rank's samples of `shards`, in batches, in the order of order.py.

    `seed`, `block_size`, `shuffle`: the order; `rank`, `world_size`: this process's share; `drop_last`: drop
    the end of an epoch that does not fill a batch on every rank (otherwise every sample is read once per
    epoch and the last batches may be short or, on some ranks, missing); `pad_multiple`: round the batch
    width up to it (SFT batches are as wide as their longest example; token shards are `seq_len` wide).
    """

    def __init__(
        self,
        shards: ShardSet,
        *,
        batch_size: int,
        seed: int = 0,
        block_size: int = 1024,
        shuffle: bool = True,
        drop_last: bool = False,
        rank: int = 0,
        world_size: int = 1,
        pad_multiple: int = 1,
    ):
        self.shards = shards
        self.order = SampleOrder(
            shards.sample_counts,
            fingerprint=shards.fingerprint,
            batch_size=batch_size,
            seed=seed,
            block_size=block_size,
            shuffle=shuffle,
            drop_last=drop_last,
            rank=rank,
            world_size=world_size,
        )
        length = shards.seq_len if shards.layout in _FIXED_WIDTH else None
        self.collate = Collator(pad_id=shards.pad_id, length=length, pad_multiple=pad_multiple)

    def batch_samples(self, worker: int = 0, num_workers: int = 1) -> Iterator[list[dict[str, Any]]]:
        """The samples of each of this rank's batches that fall to `worker`, in the current pass."""
        for indices in self.order.batches(worker, num_workers):
            yield [self.shards.sample(int(i)) for i in indices]

    @property
    def batch_size(self) -> int:
        return self.order.batch_size

    @property
    def epoch(self) -> int:
        return self.order.epoch

    def set_epoch(self, epoch: int) -> None:
        self.order.set_epoch(epoch)

    def state_dict(self) -> dict[str, Any]:
        return self.order.state_dict()

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.order.load_state_dict(state)


class ShardLoader(ShardReader):
    """Iterating gives this rank's remaining batches of the current epoch (batch.py lists their arrays); the
    next iteration continues with the next epoch, or where a broken-off loop stopped."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        self.order.begin_pass()
        for samples in self.batch_samples():
            batch = self.collate(samples)
            self.order.consumed += len(samples)  # counted as handed over: a checkpoint after it excludes it
            yield batch
        self.order.end_pass()

    def __len__(self) -> int:
        """Batches this rank gets in the current pass, counted from where it started."""
        return -(-self.order.rank_size() // self.batch_size)
