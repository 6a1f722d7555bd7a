"""Document stages: small pure steps over batches of documents, run by one generic, accounting Beam DoFn.

A `Stage` turns a batch of `Document`s into one result per document: the (possibly new) document, or a
`Rejection` saying why it was dropped. `RunStage(stage)` wraps any stage: it batches documents (so model
calls can be batched), loads the stage's resources once per worker (`Stage.setup`, with a
`apache_beam.utils.shared.Shared` handle to share them between threads), tallies `in`, `out` and
`dropped:<reason>` under the stage's name, and routes dead letters (a document the stage raised on) to
the `rejected` output. Stages never mutate documents: they return new ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.utils.shared import Shared

from corpusforge.pipeline.config import ConfigError
from corpusforge.transforms.accounting import (
    REJECTED,
    TALLY,
    AccountingDoFn,
    stage_error,
)
from corpusforge.transforms.document import Document, Rejection, Verdict

_MAX_BATCH = 256  # documents per stage call; batches model calls without holding much in memory


class Stage(Protocol):
    """A named step over documents; `apply` is pure given what `setup` loaded."""

    name: str

    def setup(self, shared: Shared) -> None: ...

    def apply(self, docs: Sequence[Document]) -> list[Document | Rejection]: ...


def require_file(key: str, path: str | None) -> None:
    """A configured file must exist at launch (any Beam filesystem): ConfigError naming `key` if not."""
    if path is not None and not FileSystems.exists(path):
        raise ConfigError(f"{key}: no such file: {path}")


class _StageFn(AccountingDoFn):
    """list[Document] → Document, tallying the stage; dead letters (a batch the stage raised on) on REJECTED."""

    def __init__(self, stage: Stage):
        self._stage = stage
        self._shared = Shared()

    def setup(self) -> None:
        self._stage.setup(self._shared)

    def process(self, batch: list[Document]) -> Iterator[Document | beam.pvalue.TaggedOutput]:
        name = self._stage.name
        for doc in batch:
            self.tally.enter(name, doc)
        try:
            results = self._stage.apply(batch)
        except Exception:  # find the documents that break the stage, one by one; the rest go on
            results = [self._apply_one(doc) for doc in batch]
        for result in results:
            if isinstance(result, Rejection):
                self.tally.reject(result)
                if result.verdict is Verdict.DEAD_LETTER:
                    yield beam.pvalue.TaggedOutput(REJECTED, result)
            else:
                self.tally.leave(name, result)
                yield result

    def _apply_one(self, doc: Document) -> Document | Rejection:
        try:
            (result,) = self._stage.apply([doc])
            return result
        except Exception as e:
            return stage_error(doc, self._stage.name, e)


class RunStage(beam.PTransform):
    """PCollection[Document] → a tagged result: `documents`, `rejected` (dead letters) and `tally`."""

    def __init__(self, stage: Stage):
        super().__init__()
        self._stage = stage

    def expand(self, docs):
        return (
            docs
            | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=_MAX_BATCH)  # [Document]
            | "Apply" >> beam.ParDo(_StageFn(self._stage)).with_outputs(REJECTED, TALLY, main="documents")
        )
