"""The order samples are read in: one global permutation per epoch, split across ranks and workers, resumable.

**The order.** Each shard's samples are cut into blocks of `block_size` consecutive samples; an epoch's order is
a seeded permutation of all (shard, block) pairs, each block's samples in a seeded permutation of their own.
So the order is a pure function of (seed, epoch, the shards' sample counts, block_size): no shuffle buffer
whose contents depend on how far a reader got, which is what lets it be cut anywhere and re-split. Blocks
keep reads local (a block is one stretch of one memory-mapped file); `block_size=1` is a full permutation of
samples. Permutations are argsorts of splitmix64 hashes, not a library RNG, so they never change with a
NumPy release.

**The split.** Position p of the order goes to rank `p mod world_size` (counting from where the pass began);
within a rank, batch b of `batch_size` samples goes to DataLoader worker `b mod num_workers`, which is the
order in which a PyTorch DataLoader collects its workers' batches, so each rank sees its batches in order.
One epoch yields every sample exactly once over all ranks and workers; ranks differ by at most one sample
(`drop_last` instead drops the remainder that does not fill a batch on every rank).

**Resume.** Once every rank has been given c samples, the first `start + world_size * c` positions of the
order, and no others, are consumed: that single number (with the epoch) is the whole state, so a checkpoint
taken with N ranks resumes with M ranks, each taking every M-th of the remaining positions. MosaicML
Streaming offers the same elastic resumption; this is the arithmetic form of it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from corpusforge.loader.shards import LoaderError

STATE_FORMAT = "corpusforge.loader/1"
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """Steele, Lea & Flood's SplitMix64 finalizer, elementwise on uint64 (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def permutation(n: int, *key: int) -> np.ndarray:
    """A permutation of range(n) determined by the integers `key` (seed, epoch, block...)."""
    state = np.uint64(0)
    for part in key:
        state = _splitmix64(np.array([state ^ np.uint64(part)], dtype=np.uint64))[0]
    return np.argsort(_splitmix64(np.arange(n, dtype=np.uint64) ^ state), kind="stable")


class EpochOrder:
    """Position in an epoch → sample index, for shards with `sample_counts` samples each."""

    def __init__(self, sample_counts: np.ndarray, *, seed: int, epoch: int, block_size: int, shuffle: bool):
        self.key = (seed, epoch)
        self._shuffle = shuffle
        counts = np.asarray(sample_counts, dtype=np.int64)
        blocks = -(-counts // block_size)
        shard_starts = np.cumsum(counts) - counts
        first = np.repeat(shard_starts, blocks)  # each block's shard start
        within = np.arange(int(blocks.sum())) - np.repeat(np.cumsum(blocks) - blocks, blocks)
        starts = first + within * block_size
        sizes = np.minimum(block_size, np.repeat(counts, blocks) - within * block_size)
        self._blocks = permutation(len(starts), seed, epoch) if shuffle else np.arange(len(starts))
        self._starts = starts[self._blocks]
        self._sizes = sizes[self._blocks]
        self._ends = np.cumsum(self._sizes)
        self._cache: dict[int, np.ndarray] = {}
        self.size = int(counts.sum())

    def samples(self, positions: np.ndarray) -> np.ndarray:
        """The sample index at each of `positions` (0 ≤ p < size)."""
        k = np.searchsorted(self._ends, positions, side="right")
        offsets = positions - (self._ends[k] - self._sizes[k])
        if self._shuffle:
            for block in np.unique(k):
                hit = k == block
                offsets[hit] = self._within(int(block))[offsets[hit]]
        return self._starts[k] + offsets

    def _within(self, k: int) -> np.ndarray:
        perm = self._cache.get(k)
        if perm is None:
            if len(self._cache) >= 64:  # a rank walks the blocks in order: only the recent ones recur
                self._cache.clear()
            perm = self._cache[k] = permutation(int(self._sizes[k]), *self.key, int(self._blocks[k]))
        return perm


class SampleOrder:
    """The reading state of one rank: which samples its batches hold, and where to resume.

    `start`: the position in the epoch's order where the current pass began; `consumed`: samples handed to
    the trainer since (counted by the loader in the trainer's process, after they are yielded).
    """

    def __init__(
        self,
        sample_counts: np.ndarray,
        *,
        fingerprint: str,
        batch_size: int,
        seed: int = 0,
        block_size: int = 1024,
        shuffle: bool = True,
        drop_last: bool = False,
        rank: int = 0,
        world_size: int = 1,
    ):
        if batch_size < 1 or block_size < 1 or seed < 0:
            raise LoaderError("batch_size and block_size must be at least 1, seed not negative")
        if not 0 <= rank < world_size:
            raise LoaderError(f"rank {rank} is not in range for world_size {world_size}")
        self.sample_counts = np.asarray(sample_counts, dtype=np.int64)
        self.fingerprint = fingerprint
        self.batch_size = batch_size
        self.seed, self.block_size, self.shuffle, self.drop_last = seed, block_size, shuffle, drop_last
        self.rank, self.world_size = rank, world_size
        self.epoch, self.start, self.consumed = 0, 0, 0
        self._order: EpochOrder | None = None

    @property
    def total(self) -> int:
        return int(self.sample_counts.sum())

    def _end(self) -> int:
        """Where this pass stops in the order: the end, or with drop_last the last full batch on every rank."""
        if not self.drop_last:
            return self.total
        step = self.world_size * self.batch_size
        return self.start + (self.total - self.start) // step * step

    def rank_size(self) -> int:
        """Samples this rank gets in the current pass."""
        return max(0, -(-(self._end() - self.start - self.rank) // self.world_size))

    def epoch_order(self) -> EpochOrder:
        if self._order is None or self._order.key != (self.seed, self.epoch):
            self._order = EpochOrder(
                self.sample_counts, seed=self.seed, epoch=self.epoch, block_size=self.block_size, shuffle=self.shuffle
            )
        return self._order

    def batches(self, worker: int = 0, num_workers: int = 1) -> Iterator[np.ndarray]:
        """The sample indices of this rank's batches that fall to `worker` in the current pass."""
        order, n, size = self.epoch_order(), self.rank_size(), self.batch_size
        for b in range(worker, -(-n // size), num_workers):
            j = np.arange(b * size, min((b + 1) * size, n), dtype=np.int64)
            yield order.samples(self.start + self.rank + j * self.world_size)

    def begin_pass(self) -> None:
        """Folds what was consumed into `start`: a new iterator continues where the last one stopped."""
        if self.consumed >= self.rank_size() > 0:  # the last batch was taken, the iterator not resumed after it
            self.end_pass()
        self.start += self.world_size * self.consumed
        self.consumed = 0

    def end_pass(self) -> None:
        self.epoch, self.start, self.consumed = self.epoch + 1, 0, 0

    def set_epoch(self, epoch: int) -> None:
        """Start `epoch` from its beginning (as DistributedSampler.set_epoch, for loops that count epochs)."""
        self.epoch, self.start, self.consumed = epoch, 0, 0

    def state_dict(self) -> dict[str, Any]:
        """Where to resume; the same on every rank when every rank has consumed the same number of samples."""
        epoch, position = self.epoch, self.start + self.world_size * self.consumed
        if self.consumed >= self.rank_size() > 0:  # this rank finished the pass: the epoch is over
            epoch, position = epoch + 1, 0
        return {
            "format": STATE_FORMAT,
            "epoch": epoch,
            "position": position,
            "samples": self.total,
            "fingerprint": self.fingerprint,
            "seed": self.seed,
            "block_size": self.block_size,
            "shuffle": self.shuffle,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Resume at `state` (from any world size or batch size); LoaderError if it belongs to another order."""
        if state.get("format") != STATE_FORMAT:
            raise LoaderError(f"loader state: format {state.get('format')!r}, expected {STATE_FORMAT!r}")
        expected = {
            "samples": self.total,
            "fingerprint": self.fingerprint,
            "seed": self.seed,
            "block_size": self.block_size,
            "shuffle": self.shuffle,
        }
        for key, value in expected.items():
            if state.get(key) != value:
                raise LoaderError(
                    f"loader state: {key} is {state.get(key)!r} but this loader has {value!r}: resuming would "
                    "repeat or skip samples (same shards, seed, block_size and shuffle are needed)"
                )
        if not 0 <= state["position"] <= self.total:
            raise LoaderError(f"loader state: position {state['position']} outside 0..{self.total}")
        self.epoch, self.start, self.consumed = int(state["epoch"]), int(state["position"]), 0
        if self.start == self.total:
            self.end_pass()
