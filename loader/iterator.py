"""ShardLoader: a rank's batches of a ShardSet as numpy arrays, resumable; no framework needed.

The same order, batches and state as the PyTorch `ShardDataset` + `ResumableDataLoader` (pytorch.py), read in
the calling process: for JAX, NumPy, or a trainer that does its own prefetching.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from corpusforge.loader.batch import Collator
from corpusforge.loader.order import SampleOrder
from corpusforge.loader.shards import ShardSet

_FIXED_WIDTH = ("packed", "documents")  # layouts whose rows are seq_len long (but a shard's last): one batch shape


def collator_for(shards: ShardSet, pad_multiple: int = 1) -> Collator:
    """The collator for `shards`: fixed width `seq_len` for token shards, the longest sample for SFT."""
    length = shards.seq_len if shards.layout in _FIXED_WIDTH else None
    return Collator(pad_id=shards.pad_id, length=length, pad_multiple=pad_multiple)


def order_for(shards: ShardSet, **settings: Any) -> SampleOrder:
    return SampleOrder(shards.sample_counts, fingerprint=shards.fingerprint, **settings)


class ShardLoader:
    """Iterating gives this rank's remaining batches of the current epoch (batch.py lists their arrays); the
    next iteration continues with the next epoch, or where a broken-off loop stopped.

    `seed`, `block_size`, `shuffle`: the order (order.py); `rank`, `world_size`: this process's share;
    `drop_last`: drop the end of an epoch that does not fill a batch on every rank (otherwise every sample is
    read once per epoch and the last batches may be short or, on some ranks, missing).
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
        self.order = order_for(
            shards,
            batch_size=batch_size,
            seed=seed,
            block_size=block_size,
            shuffle=shuffle,
            drop_last=drop_last,
            rank=rank,
            world_size=world_size,
        )
        self.collate = collator_for(shards, pad_multiple)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        self.order.begin_pass()
        for indices in self.order.batches():
            batch = self.collate([self.shards.sample(int(i)) for i in indices])
            self.order.consumed += len(indices)  # counted as handed over: a checkpoint after it excludes it
            yield batch
        self.order.end_pass()

    def __len__(self) -> int:
        """Batches this rank gets in a whole pass from the current start."""
        return -(-self.order.rank_size() // self.order.batch_size)

    @property
    def epoch(self) -> int:
        return self.order.epoch

    def set_epoch(self, epoch: int) -> None:
        self.order.set_epoch(epoch)

    def state_dict(self) -> dict[str, Any]:
        return self.order.state_dict()

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.order.load_state_dict(state)
