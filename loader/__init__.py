"""corpusforge.loader: token and SFT shards into a training loop.

`shards` (ShardSet: a split's shards, memory-mapped, as samples), `order` (the seeded global order, its split
across ranks and workers, elastic resume), `batch` (Collator: padding, shifted labels, per-document positions
and attention boundaries), `iterator` (ShardLoader: numpy batches), `pytorch` (ShardDataset,
ResumableDataLoader; needs torch, the `train` extra).
"""

from corpusforge.loader.batch import IGNORE, Collator
from corpusforge.loader.iterator import ShardLoader
from corpusforge.loader.order import SampleOrder
from corpusforge.loader.shards import SFT, TOKENS, LoaderError, ShardSet

__all__ = ["IGNORE", "SFT", "TOKENS", "Collator", "LoaderError", "SampleOrder", "ShardLoader", "ShardSet"]
