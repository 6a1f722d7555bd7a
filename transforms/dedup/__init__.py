"""Deduplication at corpus scale: exact, URL, MinHash near-duplicate and line-level, all as Beam shuffles.

`transforms.py` has the PTransforms (`DedupExact`, `DedupUrls`, `DedupNearDuplicates`, `DedupLines`, and
`DeduplicateDocuments` chaining those a `DedupConfig` switches on); `minhash.py` the datasketch-identical
vectorized signatures and LSH parameters; `components.py` connected components in Beam; `normalize.py`
text and URL normalization.
"""

from corpusforge.transforms.dedup.transforms import (
    EXACT_STAGE,
    LINE_STAGE,
    NEAR_STAGE,
    URL_STAGE,
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
    "DedupLines",
    "DedupNearDuplicates",
    "DedupUrls",
    "DeduplicateDocuments",
    "dedup_stages",
]
