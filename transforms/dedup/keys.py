"""The dedup keys of a document, computed once where its text is at hand (`StageDocuments`), carried in its DocRef.

exact: the xxh3-128 digest of the normalized text (`normalize.text_hash`); near: the MinHash signature as
uint32 bytes (`minhash.MinHasher`; empty when the text has no shingle). A key the config does not ask for
is None. URL keys are computed from the ref's
URL by the URL step itself; line keys need every line and are computed by the line step, which reads the
text back. A key that fails to compute is recorded as the dead letter of the step that needs it
(`DocRef.failed`): the document goes on, and that step dead-letters it, as it would have failed there.
"""

from __future__ import annotations

import time

from corpusforge.pipeline.config import DedupConfig
from corpusforge.transforms.accounting import Tally, stage_error
from corpusforge.transforms.dedup.minhash import MinHasher
from corpusforge.transforms.dedup.normalize import text_hash
from corpusforge.transforms.document import Document, Rejection

EXACT_STAGE = "exact_dedup"
URL_STAGE = "url_dedup"
NEAR_STAGE = "near_dedup"
LINE_STAGE = "line_dedup"


class DedupKeys:
    """Document → (text hash, signature bytes, dead letter if a key failed), for the steps `config` switches on;
    the CPU each key costs goes to `tally` under the step that needs it."""

    def __init__(self, config: DedupConfig):
        self._exact = config.exact.normalize if config.enabled and config.exact.enabled else None
        self._near = config.near if config.enabled and config.near.enabled else None
        self._hasher: MinHasher | None = None  # built on first use, on the worker

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_hasher": None}

    def __call__(self, doc: Document, tally: Tally) -> tuple[bytes | None, bytes | None, Rejection | None]:
        exact = signature = None
        stage = EXACT_STAGE
        started = time.thread_time_ns()
        try:
            if self._exact is not None:
                exact = text_hash(doc.text, self._exact)
                started = _spent(tally, EXACT_STAGE, started)
            stage = NEAR_STAGE
            if self._near is not None:
                if self._hasher is None:
                    self._hasher = MinHasher(self._near)
                values = self._hasher.signature(doc.text, doc.meta.get("lang"))
                signature = b"" if values is None else values.tobytes()
                _spent(tally, NEAR_STAGE, started)
        except Exception as e:  # the document is dead-lettered by the step that needs this key
            _spent(tally, stage, started)
            return exact, None, stage_error(doc, stage, e)
        return exact, signature, None


def _spent(tally: Tally, stage: str, started: int) -> int:
    """Tallies the thread CPU since `started` under `stage`; returns now."""
    now = time.thread_time_ns()
    tally.cpu(stage, now - started)
    return now
