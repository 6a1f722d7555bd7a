"""The dedup PTransforms: exact, URL, MinHash near-duplicate and line-level, each a few Beam shuffles.

Each takes a PCollection[Document] and returns a dict: `documents` (the documents it keeps), `rejected`
(dead letters: documents it could not process) and `tally` (its accounting: every document that enters
leaves or is dropped, with the keeper's id in the drop's `detail`). Keepers never depend on arrival order:
the smallest `id_order` wins (the smallest id), or for URLs the newest fetch. Nothing holds all
documents, signatures or edges on one worker: every decision is made per group after a GroupByKey on a
hash (text, URL, LSH band, line) or a document id.

    exact:  (text hash, doc) ─GBK─► keep one
    url:    (normalized URL, doc) ─GBK─► keep the newest
    near:   doc ─► signature ─► (band key, id) ─GBK─► buckets ─► [verify by signatures] ─► edges
                 ─► ConnectedComponents ─► (id, (root, size)) ─CoGBK with (id, doc)─► keep roots and singletons
    lines:  doc ─► (line hash, id) ─GBK─► lines in > max_docs docs ─► (id, line) ─CoGBK with (id, doc)─► remove
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import apache_beam as beam
import numpy as np
import xxhash

from corpusforge.pipeline.config import (
    DedupConfig,
    ExactDedupConfig,
    LineDedupConfig,
    MinHashConfig,
    NormalizeConfig,
)
from corpusforge.transforms.accounting import (
    REJECTED,
    TALLY,
    AccountingDoFn,
    MeasureShuffle,
    drop,
    stage_error,
)
from corpusforge.transforms.dedup.components import ConnectedComponents
from corpusforge.transforms.dedup.minhash import (
    MinHasher,
    band_keys,
    estimated_jaccard,
    lsh_bands,
    verify_threshold,
)
from corpusforge.transforms.dedup.normalize import (
    normalize_text,
    normalize_url,
    text_hash,
)
from corpusforge.transforms.document import (
    Document,
    Rejection,
    id_order,
    parse_fetch_date,
)

EXACT_STAGE = "exact_dedup"
URL_STAGE = "url_dedup"
NEAR_STAGE = "near_dedup"
LINE_STAGE = "line_dedup"
_KEYS = "keys"  # tag of the (hash, id) output of the keying DoFns
_SIGNATURES = "signatures"  # tag of the (id, signature bytes) output of the signing DoFn
# Sizes of the LSH buckets, the largest shuffle groups of near-dedup (`corpus.near_dedup/bucket_size`).
_BUCKET_SIZES = beam.metrics.Metrics.distribution(f"corpus.{NEAR_STAGE}", "bucket_size")


def newest_first(doc: Document) -> tuple[float, tuple[str, str, str, str]]:
    """The newest fetch first; documents without a date last; then `id_order`."""
    fetched = parse_fetch_date(doc.fetch_date)
    return (-fetched.timestamp() if fetched else float("inf")), id_order(doc)


def _duplicate(doc: Document, stage: str, reason: str, keeper_id: str) -> Rejection:
    return dataclasses.replace(drop(doc, stage, reason), detail=keeper_id)


class _KeepOneFn(AccountingDoFn):
    """(key, [Document]) → the first document by `order`; the others are dropped as its duplicates."""

    def __init__(self, *, stage: str, reason: str, order: Callable[[Document], Any]):
        self._stage, self._reason, self._order = stage, reason, order
        self._group_sizes = beam.metrics.Metrics.distribution(f"corpus.{stage}", "group_size")

    def process(self, element: tuple[Any, Iterable[Document]]) -> Iterator[Document]:
        _, docs = element  # iterated twice, never copied: a runner may page a large group from disk
        keeper = min(docs, key=self._order)
        best, kept, size = self._order(keeper), False, 0
        for doc in docs:
            size += 1
            self.tally.enter(self._stage, doc)
            if not kept and self._order(doc) == best:
                kept = True
                self.tally.leave(self._stage, doc)
                yield doc
            else:
                self.tally.reject(_duplicate(doc, self._stage, self._reason, keeper.id))
        self._group_sizes.update(size)


def _keep_one(docs, key: Callable[[Document], Any], *, stage: str, reason: str, order: Callable[[Document], Any]):
    keyed = docs | "Key" >> beam.Map(lambda doc: (key(doc), doc)) | "Measure" >> MeasureShuffle(stage)
    result = (
        keyed.main
        | "Group" >> beam.GroupByKey()  # (key, [Document])
        | "KeepOne"
        >> beam.ParDo(_KeepOneFn(stage=stage, reason=reason, order=order)).with_outputs(
            REJECTED, TALLY, main="documents"
        )
    )
    tallies = (keyed[TALLY], result[TALLY]) | "Tallies" >> beam.Flatten()
    return {"documents": result.documents, REJECTED: result[REJECTED], TALLY: tallies}


class DedupExact(beam.PTransform):
    """Exact duplicates: one document per xxh3-128 hash of its normalized text (stage `exact_dedup`,
    reason `exact_duplicate`), the smallest id kept."""

    def __init__(self, config: ExactDedupConfig | None = None):
        super().__init__()
        self._normalize = (config or ExactDedupConfig()).normalize

    def expand(self, docs):
        normalize = self._normalize
        return _keep_one(
            docs,
            lambda doc: text_hash(doc.text, normalize),
            stage=EXACT_STAGE,
            reason="exact_duplicate",
            order=id_order,
        )


class DedupUrls(beam.PTransform):
    """One document per normalized URL (`normalize.normalize_url`), the newest fetch kept (stage
    `url_dedup`, reason `duplicate_url`). Documents without a URL pass, each its own group."""

    def expand(self, docs):
        return _keep_one(
            docs,
            lambda doc: normalize_url(doc.url) if doc.url else f"\x00{doc.id}",
            stage=URL_STAGE,
            reason="duplicate_url",
            order=newest_first,
        )


class _KeysFn(AccountingDoFn):
    """Document → (id, document) on the main output and its (hash, id) keys on `keys`; tallies the stage's
    `in`. A document whose keys fail to compute is dead-lettered."""

    def __init__(self, stage: str):
        self._stage = stage

    def keys(self, doc: Document) -> Iterable[Any]:
        """The document's (hash, id) keys; other outputs may come as `TaggedOutput`s."""
        raise NotImplementedError

    def process(self, doc: Document) -> Iterator[Any]:
        self.tally.enter(self._stage, doc)
        try:
            keys = list(self.keys(doc))
        except Exception as e:  # a document that breaks the hashing is dead-lettered; the run goes on
            rejection = stage_error(doc, self._stage, e)
            self.tally.reject(rejection)
            yield beam.pvalue.TaggedOutput(REJECTED, rejection)
            return
        yield doc.id, doc
        for key in keys:
            yield key if isinstance(key, beam.pvalue.TaggedOutput) else beam.pvalue.TaggedOutput(_KEYS, key)


class _SignFn(_KeysFn):
    """Keys: (band key, id) per LSH band; (id, signature bytes) on `signatures` when verifying."""

    def __init__(self, config: MinHashConfig, bands: int, rows: int):
        super().__init__(NEAR_STAGE)
        self._config, self._bands, self._rows = config, bands, rows

    def setup(self) -> None:
        self._hasher = MinHasher(self._config)

    def keys(self, doc: Document) -> Iterable[Any]:
        signature = self._hasher.signature(doc.text, doc.meta.get("lang"))
        if signature is None:  # nothing to compare: no shingle
            return []
        keys: list[Any] = [(key, doc.id) for key in band_keys(signature, self._bands, self._rows)]
        if self._config.verify:
            keys.append(beam.pvalue.TaggedOutput(_SIGNATURES, (doc.id, signature.tobytes())))
        return keys


def _buckets(element: tuple[int, Iterable[str]]) -> Iterator[tuple[int, list[str]]]:
    """(band key, [id]) → the bucket's sorted distinct ids, where it has more than one."""
    key, ids = element
    ids = sorted(set(ids))
    _BUCKET_SIZES.update(len(ids))
    if len(ids) > 1:
        yield key, ids


def _star_edges(bucket: tuple[int, list[str]]) -> Iterator[tuple[str, str]]:
    """Unverified: every member linked to the bucket's smallest id (n - 1 edges, not n²)."""
    _, ids = bucket
    for other in ids[1:]:
        yield other, ids[0]


def _verified_edges(element: tuple[int, Iterable[tuple[str, bytes]]], threshold: float) -> Iterator[tuple[str, str]]:
    """Members in id order; each is linked to the first earlier "head" whose estimated Jaccard with it
    reaches `threshold`, or becomes a head. Comparisons are members × heads, not members², and a
    candidate the LSH bucket shares only by chance links to nothing."""
    _, members = element
    head_ids: list[str] = []
    heads: list[np.ndarray] = []
    for doc_id, data in sorted(set(members)):
        signature = np.frombuffer(data, dtype=np.uint32)
        if heads:
            similar = np.flatnonzero(estimated_jaccard(signature, np.stack(heads)) >= threshold)
            if len(similar):
                yield doc_id, head_ids[similar[0]]
                continue
        head_ids.append(doc_id)
        heads.append(signature)


def _bucket_signatures(element: tuple[str, dict[str, list[Any]]]) -> Iterator[tuple[int, tuple[str, bytes]]]:
    """(id, {signature, buckets}) → (bucket, (id, signature)) for each bucket the document is in."""
    doc_id, joined = element
    if joined["buckets"]:
        signature = min(joined["signature"])  # documents that share an id (an input repeating one) are one node
        for bucket in joined["buckets"]:
            yield bucket, (doc_id, signature)


class _ResolveClustersFn(AccountingDoFn):
    """(id, {docs, cluster}) → the document with `dup_cluster_id`/`dup_cluster_size` in meta if it is its
    cluster's root (or alone); dropped as `near_duplicate` of the root otherwise. Documents sharing an id
    are one node, kept or dropped together."""

    def process(self, element: tuple[str, dict[str, list[Any]]]) -> Iterator[Document]:
        doc_id, joined = element
        root, size = joined["cluster"][0] if joined["cluster"] else (doc_id, 1)
        for doc in joined["docs"]:
            if root != doc_id:
                self.tally.reject(_duplicate(doc, NEAR_STAGE, "near_duplicate", root))
            else:
                self.tally.leave(NEAR_STAGE, doc)
                yield doc.with_meta(dup_cluster_id=root, dup_cluster_size=size)


class DedupNearDuplicates(beam.PTransform):
    """MinHash LSH near duplicates (stage `near_dedup`, reason `near_duplicate`), clustered by connected
    components; the smallest id of each cluster is kept, with `dup_cluster_id` (that id) and
    `dup_cluster_size` in meta (every kept document has them: itself and 1 when alone).

    Signatures are datasketch's (`minhash.MinHasher`); bands × rows from the config or datasketch's
    optimum for the threshold (`minhash.lsh_bands`, which raises ConfigError for impossible settings).
    """

    def __init__(self, config: MinHashConfig | None = None):
        super().__init__()
        self._config = config = config or MinHashConfig()
        self._bands, self._rows = lsh_bands(config)

    def expand(self, docs):
        config = self._config
        signed = docs | "Sign" >> beam.ParDo(_SignFn(config, self._bands, self._rows)).with_outputs(
            REJECTED, TALLY, _KEYS, _SIGNATURES, main="keyed"
        )
        shuffled = []  # the tallies of what enters each shuffle

        def measured(pcoll, label):
            result = pcoll | f"Measure{label}" >> MeasureShuffle(NEAR_STAGE)
            shuffled.append(result[TALLY])
            return result.main

        buckets = (
            measured(signed[_KEYS], "Bands")
            | "GroupBands" >> beam.GroupByKey()  # (band key, [id])
            | "Buckets" >> beam.FlatMap(_buckets)  # (band key, [id, ...]), two or more
        )
        if config.verify:
            memberships = buckets | "Members" >> beam.FlatMap(lambda b: ((doc_id, b[0]) for doc_id in b[1]))
            candidates = (
                {
                    "signature": measured(signed[_SIGNATURES], "Signatures"),
                    "buckets": measured(memberships, "Memberships"),
                }
                | "JoinSignatures" >> beam.CoGroupByKey()  # (id, {signature: [bytes], buckets: [band key]})
                | "BucketSignatures" >> beam.FlatMap(_bucket_signatures)  # (band key, (id, signature))
            )
            edges = (
                measured(candidates, "Candidates")
                | "GroupCandidates" >> beam.GroupByKey()
                | "Verify" >> beam.FlatMap(_verified_edges, threshold=verify_threshold(config))
            )
        else:
            edges = buckets | "StarEdges" >> beam.FlatMap(_star_edges)
        components = edges | "Components" >> ConnectedComponents(
            rounds=config.max_rounds, setting="dedup.near.max_rounds", stage=NEAR_STAGE
        )
        resolved = (
            {"docs": measured(signed.keyed, "Docs"), "cluster": measured(components["main"], "Clusters")}
            | "JoinClusters" >> beam.CoGroupByKey()  # (id, {docs: [Document], cluster: [(root, size)]})
            | "Resolve" >> beam.ParDo(_ResolveClustersFn()).with_outputs(TALLY, main="documents")
        )
        tallies = (signed[TALLY], resolved[TALLY], components[TALLY], *shuffled) | "Tallies" >> beam.Flatten()
        return {"documents": resolved.documents, REJECTED: signed[REJECTED], TALLY: tallies}


def _line_hash(line: str, config: NormalizeConfig) -> int | None:
    normalized = normalize_text(line, config)
    return xxhash.xxh3_128_intdigest(normalized.encode("utf-8")) if normalized.strip() else None


class _LineKeysFn(_KeysFn):
    """Keys: (line hash, id) for each distinct line with text left after normalization."""

    def __init__(self, config: LineDedupConfig):
        super().__init__(LINE_STAGE)
        self._normalize = config.normalize

    def keys(self, doc: Document) -> Iterable[Any]:
        hashes = {_line_hash(line, self._normalize) for line in doc.text.split("\n")}
        return [(h, doc.id) for h in sorted(hashes - {None})]


def _lines_to_remove(element: tuple[int, Iterable[str]], max_docs: int) -> Iterator[tuple[str, int]]:
    """(line hash, [id]) → (id, line hash) for every document but the owner (the smallest id), when the
    line is in more than `max_docs` documents."""
    line, ids = element
    ids = sorted(set(ids))
    if len(ids) > max_docs:
        for doc_id in ids[1:]:
            yield doc_id, line


class _RemoveLinesFn(AccountingDoFn):
    """(id, {docs, remove}) → the documents without the lines to remove; too short left: dropped."""

    def __init__(self, config: LineDedupConfig):
        self._config = config

    def process(self, element: tuple[str, dict[str, list[Any]]]) -> Iterator[Document]:
        _, joined = element
        remove = set(joined["remove"])
        for doc in joined["docs"]:
            if not remove:
                self.tally.leave(LINE_STAGE, doc)
                yield doc
                continue
            lines = doc.text.split("\n")
            kept = [line for line in lines if _line_hash(line, self._config.normalize) not in remove]
            text = "\n".join(kept).strip()
            if len(text) < max(1, self._config.min_chars):
                self.tally.reject(drop(doc, LINE_STAGE, "too_short_after_line_dedup"))
                continue
            doc = dataclasses.replace(doc, text=text).with_meta(dup_lines_removed=len(lines) - len(kept))
            self.tally.leave(LINE_STAGE, doc)
            yield doc


class DedupLines(beam.PTransform):
    """C4/CCNet line-level dedup (stage `line_dedup`): a line (normalized) found in more than `max_docs`
    documents is removed from all but its owner, the smallest id; documents left shorter than
    `min_chars` are dropped (`too_short_after_line_dedup`)."""

    def __init__(self, config: LineDedupConfig | None = None):
        super().__init__()
        self._config = config or LineDedupConfig(enabled=True)

    def expand(self, docs):
        config = self._config
        keyed = docs | "LineKeys" >> beam.ParDo(_LineKeysFn(config)).with_outputs(REJECTED, TALLY, _KEYS, main="keyed")
        line_keys = keyed[_KEYS] | "MeasureLines" >> MeasureShuffle(LINE_STAGE)
        removals = (
            line_keys.main
            | "GroupLines" >> beam.GroupByKey()  # (line hash, [id])
            | "LinesToRemove" >> beam.FlatMap(_lines_to_remove, max_docs=config.max_docs)  # (id, line hash)
            | "MeasureRemovals" >> MeasureShuffle(LINE_STAGE)
        )
        keyed_docs = keyed.keyed | "MeasureDocs" >> MeasureShuffle(LINE_STAGE)
        result = (
            {"docs": keyed_docs.main, "remove": removals.main}
            | "JoinRemovals" >> beam.CoGroupByKey()  # (id, {docs: [Document], remove: [line hash]})
            | "RemoveLines" >> beam.ParDo(_RemoveLinesFn(config)).with_outputs(TALLY, main="documents")
        )
        tallies = (keyed[TALLY], line_keys[TALLY], removals[TALLY], keyed_docs[TALLY], result[TALLY]) | "Tallies" >> (
            beam.Flatten()
        )
        return {"documents": result.documents, REJECTED: keyed[REJECTED], TALLY: tallies}


def dedup_stages(config: DedupConfig) -> list[tuple[str, beam.PTransform]]:
    """The dedup steps the config switches on, in order: exact → URL → near → lines (exact first, so that
    a copy under a tracking URL counts as an exact duplicate)."""
    if not config.enabled:
        return []
    steps: list[tuple[str, beam.PTransform]] = []
    if config.exact.enabled:
        steps.append((EXACT_STAGE, DedupExact(config.exact)))
    if config.url.enabled:
        steps.append((URL_STAGE, DedupUrls()))
    if config.near.enabled:
        steps.append((NEAR_STAGE, DedupNearDuplicates(config.near)))
    if config.lines.enabled:
        steps.append((LINE_STAGE, DedupLines(config.lines)))
    return steps


class DeduplicateDocuments(beam.PTransform):
    """Every dedup step the config switches on, chained: PCollection[Document] → {documents, rejected, tally}."""

    def __init__(self, config: DedupConfig):
        super().__init__()
        self._steps = dedup_stages(config)

    def expand(self, docs):
        rejected, tallies = [], []
        for name, step in self._steps:
            result = docs | name >> step
            docs = result["documents"]
            rejected.append(result[REJECTED])
            tallies.append(result[TALLY])
        pipeline = docs.pipeline
        return {
            "documents": docs,
            REJECTED: (rejected or [pipeline | "NoRejected" >> beam.Create([])]) | "FlattenRejected" >> beam.Flatten(),
            TALLY: (tallies or [pipeline | "NoTallies" >> beam.Create([])]) | "FlattenTallies" >> beam.Flatten(),
        }
