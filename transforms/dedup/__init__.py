"""Deduplication at corpus scale: exact, URL, MinHash near-duplicate and line-level, all as Beam shuffles of
compact DocRefs (transforms/io/staging.py), never of texts.

`keys.py` computes a document's keys where its text is at hand (staging); `transforms.py` has the
PTransforms (`DedupExact`, `DedupUrls`, `DedupNearDuplicates`, `DedupLines`, and `DeduplicateDocuments`
chaining those a `DedupConfig` switches on); `minhash.py` the datasketch-identical vectorized signatures
and LSH parameters; `components.py` connected components in Beam; `normalize.py`
text and URL normalization.
"""

from corpusforge.transforms.dedup.keys import EXACT_STAGE, LINE_STAGE, NEAR_STAGE, URL_STAGE, DedupKeys
from corpusforge.transforms.dedup.transforms import (
    DedupExact,
    DeduplicateDocuments,
    DedupLines,
    DedupNearDuplicates,
    DedupUrls,
    dedup_stages,
)

__all__ = [
    "EXACT_STAGE",
    "LINE_STAGE",
    "NEAR_STAGE",
    "URL_STAGE",
    "DedupExact",
    "DedupKeys",
    "DedupLines",
    "DedupNearDuplicates",
    "DedupUrls",
    "DeduplicateDocuments",
    "dedup_stages",
]
