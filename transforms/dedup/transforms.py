"""The dedup PTransforms: exact, URL, MinHash near-duplicate and line-level, each a few Beam shuffles of DocRefs.

Each takes a PCollection[DocRef] (staged documents: `io.staging.StageDocuments` with `keys.DedupKeys`) and
returns a dict: `main` (the refs it keeps, with its annotations), `rejected` (dead letters: documents whose
key could not be computed), `dropped` ((Rejection, DocRef) of each duplicate) and `tally` (its accounting:
every document that enters leaves or is dropped, with the keeper's id in the drop's `detail`; the bytes
entering its shuffles; and its observations: duplicate group and cluster sizes, lengths and languages, a
sample of drops whose texts are read back only for the few it keeps). Keepers never depend on arrival
order: the smallest `ref_order` wins (the smallest id), or for URLs the newest fetch. Nothing holds all
refs, signatures or edges on one worker: every decision is made per group after a GroupByKey on a hash
(text, URL, LSH band, line) or a document id. Texts never cross a shuffle: line dedup, the one step that
needs them, reads them back from the staged files, one file per element.

    exact:  (text hash, ref) ─GBK─► keep one
    url:    (normalized URL, ref) ─GBK─► keep the newest
    near:   ref ─► (band key, id) ─GBK─► buckets ─► [verify by signatures] ─► edges
                ─► ConnectedComponents ─► (id, (root, size)) ─CoGBK with (id, ref)─► keep roots and singletons
    lines:  (file, [ref]) ─► read ─► (line hash, id) ─GBK─► lines in > max_docs docs ─► (id, line)
                ─CoGBK with (id, ref)─► (file, [ref, lines]) ─► read, remove, stage again
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import apache_beam as beam
import numpy as np
import xxhash

from corpusforge.pipeline.config import (
    DedupConfig,
    LineDedupConfig,
    MinHashConfig,
    NormalizeConfig,
)
from corpusforge.transforms.accounting import (
    DROPPED,
    DROPPED_OUTCOME,
    GROUP_DROPPED,
    GROUP_IN,
    KEPT,
    REJECTED,
    TALLY,
    AccountingDoFn,
    MeasureShuffle,
    Tally,
    drop,
    stage_error,
)
from corpusforge.transforms.dedup.components import ConnectedComponents
from corpusforge.transforms.dedup.keys import EXACT_STAGE, LINE_STAGE, NEAR_STAGE, URL_STAGE
from corpusforge.transforms.dedup.minhash import (
    band_keys,
    estimated_jaccard,
    lsh_bands,
    verify_threshold,
)
from corpusforge.transforms.dedup.normalize import normalize_text, normalize_url
from corpusforge.transforms.document import Document, Rejection, Verdict
from corpusforge.transforms.io.staging import (
    DOCUMENTS,
    DocRef,
    GroupByStagedFile,
    StagedWriter,
    encode_document,
    read_refs,
    ref_order,
)

_KEYS = "keys"  # tag of the (hash, id) output of the keying DoFns
_SIGNATURES = "signatures"  # tag of the (id, signature bytes) output of the signing DoFn
_REWRITE = "rewrite"  # tag of the (ref, line hashes) output: documents line dedup changes
# Sizes of the LSH buckets, the largest shuffle groups of near-dedup (`corpus.near_dedup/bucket_size`).
_BUCKET_SIZES = beam.metrics.Metrics.distribution(f"corpus.{NEAR_STAGE}", "bucket_size")


def newest_first(ref: DocRef) -> tuple[float, tuple[str, str, str, int]]:
    """The newest fetch first; documents without a date last; then `ref_order`."""
    return (-ref.fetched if ref.fetched is not None else float("inf")), ref_order(ref)


def _enter(tally: Tally, stage: str, ref: DocRef) -> None:
    tally.add(stage, "in", ref.nbytes)
    tally.groups(stage, GROUP_IN, ref.groups)


def _leave(tally: Tally, stage: str, ref: DocRef) -> None:
    """`Tally.leave` for a ref: its `out` count, length and language."""
    tally.add(stage, "out", ref.nbytes)
    tally.describe_length(stage, KEPT, ref.nchars, ref.lang, ref.nbytes)


def _drop_duplicate(tally: Tally, ref: DocRef, out_dir: str, stage: str, reason: str, keeper_id: str) -> Rejection:
    """Tallies `ref` dropped as `keeper_id`'s duplicate, as `Tally.reject` does a document (counts, groups,
    length, language, the sample of drops: its text read back from `out_dir` only if it enters the sample),
    and returns the drop (the record's input offset and id are not in the ref; the sample's entry has them)."""
    rejection = Rejection(
        Verdict.DROPPED, stage, reason, ref.source, nbytes=ref.nbytes, detail=keeper_id, groups=ref.groups
    )
    tally.add(stage, f"{Verdict.DROPPED.value}:{reason}", ref.nbytes)
    tally.groups(stage, GROUP_DROPPED, ref.groups)
    tally.describe_length(stage, DROPPED_OUTCOME, ref.nchars, ref.lang, ref.nbytes)

    def read_back() -> tuple[Rejection, Document]:
        ((_, doc),) = read_refs(out_dir, [ref])
        return dataclasses.replace(drop(doc, stage, reason), detail=keeper_id), doc

    tally.sample_lazily(stage, reason, ref.id, read_back)
    return rejection


def _key_failed(ref: DocRef, stage: str) -> Rejection | None:
    """The dead letter of a ref whose key for `stage` could not be computed at staging, if so."""
    return ref.failed if ref.failed is not None and ref.failed.stage == stage else None


def _measured(shuffled: list, stage: str):
    """A function that puts MeasureShuffle(stage) before a shuffle input (with `fn`: fn's outputs for each
    element, in the same step) and keeps its tally in `shuffled`."""

    def measured(pcoll, label: str, fn: Callable[[Any], Iterable[Any]] | None = None):
        result = pcoll | f"Measure{label}" >> MeasureShuffle(stage, fn)
        shuffled.append(result[TALLY])
        return result.main

    return measured


class _KeyFn(AccountingDoFn):
    """DocRef → (key, ref), the key's CPU tallied; a ref whose key failed at staging is dead-lettered (`in` and
    the dead letter)."""

    def __init__(self, *, stage: str, key: Callable[[DocRef], Any]):
        self._stage, self._key = stage, key

    def process(self, ref: DocRef) -> Iterator[Any]:
        failed = _key_failed(ref, self._stage)
        if failed is not None:
            _enter(self.tally, self._stage, ref)
            self.tally.reject(failed)
            yield beam.pvalue.TaggedOutput(REJECTED, failed)
            return
        started = time.thread_time_ns()
        key = self._key(ref)
        self.tally.cpu(self._stage, time.thread_time_ns() - started)
        yield key, ref


class _KeepOneFn(AccountingDoFn):
    """(key, [DocRef]) → the first ref by `order`; the others are dropped as its duplicates (on DROPPED too).
    Observes each group's size (`duplicate_group_size`, on the kept side)."""

    def __init__(self, *, stage: str, reason: str, order: Callable[[DocRef], Any], out_dir: str):
        self._stage, self._reason, self._order, self._out_dir = stage, reason, order, out_dir
        self._group_sizes = beam.metrics.Metrics.distribution(f"corpus.{stage}", "group_size")

    def process(self, element: tuple[Any, Iterable[DocRef]]) -> Iterator[DocRef]:
        _, refs = element  # iterated twice, never copied: a runner may page a large group from disk
        keeper = min(refs, key=self._order)
        best, kept, size = self._order(keeper), False, 0
        for ref in refs:
            size += 1
            _enter(self.tally, self._stage, ref)
            if not kept and self._order(ref) == best:
                kept = True
                _leave(self.tally, self._stage, ref)
                yield ref
            else:
                duplicate = _drop_duplicate(self.tally, ref, self._out_dir, self._stage, self._reason, keeper.id)
                yield beam.pvalue.TaggedOutput(DROPPED, (duplicate, ref))
        self._group_sizes.update(size)
        self.tally.observe(self._stage, KEPT, "duplicate_group_size", size)


def _keep_one(
    refs: beam.PCollection,
    key: Callable[[DocRef], Any],
    *,
    stage: str,
    reason: str,
    order: Callable[[DocRef], Any],
    out_dir: str,
) -> dict[str, beam.PCollection]:
    keyed = refs | "Key" >> beam.ParDo(_KeyFn(stage=stage, key=key)).with_outputs(REJECTED, TALLY, main="main")
    measured = keyed.main | "Measure" >> MeasureShuffle(stage)
    result = (
        measured.main
        | "Group" >> beam.GroupByKey()  # (key, [DocRef])
        | "KeepOne"
        >> beam.ParDo(_KeepOneFn(stage=stage, reason=reason, order=order, out_dir=out_dir)).with_outputs(
            DROPPED, TALLY, main="main"
        )
    )
    tallies = (keyed[TALLY], measured[TALLY], result[TALLY]) | "Tallies" >> beam.Flatten()
    return {"main": result.main, REJECTED: keyed[REJECTED], DROPPED: result[DROPPED], TALLY: tallies}


def _text_hash(ref: DocRef) -> bytes:
    if ref.text_hash is None:  # staged without exact-dedup keys: every document would be one group
        raise ValueError(f"document {ref.id} has no text hash: stage documents with DedupKeys of the dedup config")
    return ref.text_hash


class DedupExact(beam.PTransform):
    """Exact duplicates: one document per xxh3-128 hash of its normalized text (stage `exact_dedup`,
    reason `exact_duplicate`), the smallest id kept. The hash is the ref's `text_hash`, computed at staging
    with `dedup.exact.normalize`. `out_dir`: where the documents are staged (the sample of drops reads a few
    back)."""

    def __init__(self, *, out_dir: str):
        super().__init__()
        self._out_dir = out_dir

    def expand(self, refs: beam.PCollection) -> dict[str, beam.PCollection]:
        return _keep_one(
            refs, _text_hash, stage=EXACT_STAGE, reason="exact_duplicate", order=ref_order, out_dir=self._out_dir
        )


class DedupUrls(beam.PTransform):
    """One document per normalized URL (`normalize.normalize_url`), the newest fetch kept (stage
    `url_dedup`, reason `duplicate_url`). Documents without a URL pass, each its own group. `out_dir`: where
    the documents are staged."""

    def __init__(self, *, out_dir: str):
        super().__init__()
        self._out_dir = out_dir

    def expand(self, refs: beam.PCollection) -> dict[str, beam.PCollection]:
        return _keep_one(
            refs,
            lambda ref: normalize_url(ref.url) if ref.url else f"\x00{ref.id}",
            stage=URL_STAGE,
            reason="duplicate_url",
            order=newest_first,
            out_dir=self._out_dir,
        )


class _SignFn(AccountingDoFn):
    """DocRef → (id, ref without its signature); its (band key, id) per LSH band on `keys`, and (id,
    signature bytes) on `signatures` when verifying. Tallies `in`; a failed signature is a dead letter."""

    def __init__(self, config: MinHashConfig, bands: int, rows: int):
        self._config, self._bands, self._rows = config, bands, rows

    def process(self, ref: DocRef) -> Iterator[Any]:
        _enter(self.tally, NEAR_STAGE, ref)
        failed = _key_failed(ref, NEAR_STAGE)
        if failed is not None:
            self.tally.reject(failed)
            yield beam.pvalue.TaggedOutput(REJECTED, failed)
            return
        signature = np.frombuffer(ref.signature or b"", dtype=np.uint32)
        if ref.signature is None or (len(signature) and len(signature) != self._config.num_perm):
            # staged without near-dedup keys, or with another config: its LSH would be meaningless
            raise ValueError(
                f"document {ref.id}: a signature of {len(signature)} values, not dedup.near.num_perm "
                f"({self._config.num_perm}); stage documents with DedupKeys of the same dedup config"
            )
        yield ref.id, dataclasses.replace(ref, signature=None)  # the signature is not needed past this step
        if not len(signature):  # nothing to compare: no shingle
            return
        started = time.thread_time_ns()
        keys = band_keys(signature, self._bands, self._rows)
        self.tally.cpu(NEAR_STAGE, time.thread_time_ns() - started)
        for key in keys:
            yield beam.pvalue.TaggedOutput(_KEYS, (key, ref.id))
        if self._config.verify:
            yield beam.pvalue.TaggedOutput(_SIGNATURES, (ref.id, ref.signature))


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
    """(id, {refs, cluster}) → the ref annotated with `dup_cluster_id`/`dup_cluster_size` if it is its
    cluster's root (or alone); dropped as `near_duplicate` of the root otherwise (on DROPPED too). Documents
    sharing an id are one node, kept or dropped together. Observes the kept documents' cluster sizes.
    `out_dir`: where the documents are staged (the sample of drops reads a few back)."""

    def __init__(self, out_dir: str):
        self._out_dir = out_dir

    def process(self, element: tuple[str, dict[str, list[Any]]]) -> Iterator[DocRef]:
        doc_id, joined = element
        root, size = joined["cluster"][0] if joined["cluster"] else (doc_id, 1)
        for ref in joined["refs"]:
            if root != doc_id:
                duplicate = _drop_duplicate(self.tally, ref, self._out_dir, NEAR_STAGE, "near_duplicate", root)
                yield beam.pvalue.TaggedOutput(DROPPED, (duplicate, ref))
            else:
                _leave(self.tally, NEAR_STAGE, ref)
                self.tally.observe(NEAR_STAGE, KEPT, "dup_cluster_size", size)
                yield ref.with_annotations(dup_cluster_id=root, dup_cluster_size=size)


class DedupNearDuplicates(beam.PTransform):
    """MinHash LSH near duplicates (stage `near_dedup`, reason `near_duplicate`), clustered by connected
    components; the smallest id of each cluster is kept, with `dup_cluster_id` (that id) and
    `dup_cluster_size` in meta (every kept document has them: itself and 1 when alone).

    Signatures are datasketch's (`minhash.MinHasher`, computed at staging with `dedup.near`); bands × rows
    from the config or datasketch's optimum for the threshold (`minhash.lsh_bands`, which raises
    ConfigError for impossible settings). `out_dir`: where the documents are staged (the sample of drops
    reads a few back).
    """

    def __init__(self, config: MinHashConfig | None = None, *, out_dir: str):
        super().__init__()
        self._out_dir = out_dir
        self._config = config = config or MinHashConfig()
        self._bands, self._rows = lsh_bands(config)

    def expand(self, refs: beam.PCollection) -> dict[str, beam.PCollection]:
        config = self._config
        signed = refs | "Sign" >> beam.ParDo(_SignFn(config, self._bands, self._rows)).with_outputs(
            REJECTED, TALLY, _KEYS, _SIGNATURES, main="keyed"
        )
        shuffled: list = []  # the tallies of what enters each shuffle
        measured = _measured(shuffled, NEAR_STAGE)
        buckets = (
            measured(signed[_KEYS], "Bands")
            | "GroupBands" >> beam.GroupByKey()  # (band key, [id])
            | "Buckets" >> beam.FlatMap(_buckets)  # (band key, [id, ...]), two or more
        )
        if config.verify:
            memberships = measured(buckets, "Memberships", lambda b: ((doc_id, b[0]) for doc_id in b[1]))
            joined = {"signature": measured(signed[_SIGNATURES], "Signatures"), "buckets": memberships} | (
                "JoinSignatures" >> beam.CoGroupByKey()  # (id, {signature: [bytes], buckets: [band key]})
            )
            edges = (
                measured(joined, "Candidates", _bucket_signatures)  # (band key, (id, signature))
                | "GroupCandidates" >> beam.GroupByKey()
                | "Verify" >> beam.FlatMap(_verified_edges, threshold=verify_threshold(config))
            )
        else:
            edges = buckets | "StarEdges" >> beam.FlatMap(_star_edges)
        components = edges | "Components" >> ConnectedComponents(
            rounds=config.max_rounds, setting="dedup.near.max_rounds", stage=NEAR_STAGE
        )
        resolved = (
            {"refs": measured(signed.keyed, "Refs"), "cluster": measured(components["main"], "Clusters")}
            | "JoinClusters" >> beam.CoGroupByKey()  # (id, {refs: [DocRef], cluster: [(root, size)]})
            | "Resolve" >> beam.ParDo(_ResolveClustersFn(self._out_dir)).with_outputs(DROPPED, TALLY, main="main")
        )
        tallies = (signed[TALLY], resolved[TALLY], components[TALLY], *shuffled) | "Tallies" >> beam.Flatten()
        return {"main": resolved.main, REJECTED: signed[REJECTED], DROPPED: resolved[DROPPED], TALLY: tallies}


def _line_hash(line: str, config: NormalizeConfig) -> bytes | None:
    """The xxh3-128 digest of the normalized line (bytes: 17 encoded, where a 128-bit int pickles to 31)."""
    normalized = normalize_text(line, config)
    return xxhash.xxh3_128_digest(normalized.encode("utf-8")) if normalized.strip() else None


class _LineKeysFn(AccountingDoFn):
    """(file, [DocRef]) → (id, ref) per document, read back; its (line hash, id) keys on `keys`, one per
    distinct line with text left after normalization. Tallies `in`; a document whose lines fail to hash
    is dead-lettered."""

    def __init__(self, config: LineDedupConfig, out_dir: str):
        self._normalize = config.normalize
        self._out_dir = out_dir

    def process(self, element: tuple[bytes, Iterable[DocRef]]) -> Iterator[Any]:
        _, refs = element
        for ref, doc in read_refs(self._out_dir, refs):
            _enter(self.tally, LINE_STAGE, ref)
            try:
                hashes = {_line_hash(line, self._normalize) for line in doc.text.split("\n")} - {None}
            except Exception as e:  # a document that breaks the hashing is dead-lettered; the run goes on
                rejection = stage_error(doc, LINE_STAGE, e)
                self.tally.reject(rejection)
                yield beam.pvalue.TaggedOutput(REJECTED, rejection)
                continue
            yield ref.id, ref
            for h in sorted(hashes):
                yield beam.pvalue.TaggedOutput(_KEYS, (h, ref.id))


def _lines_to_remove(element: tuple[bytes, Iterable[str]], max_docs: int) -> Iterator[tuple[str, bytes]]:
    """(line hash, [id]) → (id, line hash) for every document but the owner (the smallest id), when the
    line is in more than `max_docs` documents."""
    line, ids = element
    ids = sorted(set(ids))
    if len(ids) > max_docs:
        for doc_id in ids[1:]:
            yield doc_id, line


class _SplitRemovalsFn(AccountingDoFn):
    """(id, {refs, remove}) → refs with no line to remove (leaving the stage unchanged); the others on
    `rewrite` with their line hashes."""

    def process(self, element: tuple[str, dict[str, list[Any]]]) -> Iterator[Any]:
        _, joined = element
        remove = sorted(set(joined["remove"]))
        for ref in joined["refs"]:
            if remove:
                yield beam.pvalue.TaggedOutput(_REWRITE, (ref, remove))
            else:
                _leave(self.tally, LINE_STAGE, ref)
                yield ref


class _RemoveLinesFn(AccountingDoFn):
    """(file, [(ref, line hashes)]) → each document read back without those lines and staged again (a new
    ref); one left shorter than `min_chars` is dropped (on DROPPED too)."""

    def __init__(self, config: LineDedupConfig, out_dir: str):
        self._config = config
        self._out_dir = out_dir

    def start_bundle(self) -> None:
        super().start_bundle()
        self._writer = StagedWriter(self._out_dir, DOCUMENTS)

    def process(self, element: tuple[bytes, Iterable[tuple[DocRef, list[bytes]]]]) -> Iterator[DocRef]:
        _, items = element
        removals = {ref.location: set(remove) for ref, remove in items}
        for ref, doc in read_refs(self._out_dir, [ref for ref, _ in items]):
            remove = removals[ref.location]
            started = time.thread_time_ns()
            lines = doc.text.split("\n")
            kept = [line for line in lines if _line_hash(line, self._config.normalize) not in remove]
            text = "\n".join(kept).strip()
            self.tally.cpu(LINE_STAGE, time.thread_time_ns() - started)
            if len(text) < max(1, self._config.min_chars):
                rejection = drop(doc, LINE_STAGE, "too_short_after_line_dedup")
                self.tally.reject(rejection, doc)
                yield beam.pvalue.TaggedOutput(DROPPED, (rejection, ref))
                continue
            doc = dataclasses.replace(doc, text=text).with_meta(dup_lines_removed=len(lines) - len(kept))
            data = text.encode("utf-8")
            # Keys and annotations stay: the keys describe the text dedup compared; this is the last step.
            ref = dataclasses.replace(
                ref,
                nbytes=len(data),
                nchars=len(text),
                digest=xxhash.xxh3_64_intdigest(data),
                location=self._writer.append(encode_document(doc)),
            )
            self.tally.leave(LINE_STAGE, doc)
            yield ref

    def finish_bundle(self):
        self._writer.close()
        yield from super().finish_bundle()


class DedupLines(beam.PTransform):
    """C4/CCNet line-level dedup (stage `line_dedup`): a line (normalized) found in more than `max_docs`
    documents is removed from all but its owner, the smallest id; documents left shorter than
    `min_chars` are dropped (`too_short_after_line_dedup`). The texts are read back from the staged files
    under `out_dir` (twice: for the line keys, and to rewrite the documents that lose lines, which are
    staged again)."""

    def __init__(self, config: LineDedupConfig | None = None, *, out_dir: str):
        super().__init__()
        self._config = config or LineDedupConfig(enabled=True)
        self._out_dir = out_dir

    def expand(self, refs: beam.PCollection) -> dict[str, beam.PCollection]:
        config, out_dir = self._config, self._out_dir
        shuffled: list = []
        measured = _measured(shuffled, LINE_STAGE)
        by_file = refs | "ByFile" >> GroupByStagedFile(LINE_STAGE)  # (file, [DocRef])
        keyed = by_file["main"] | "LineKeys" >> beam.ParDo(_LineKeysFn(config, out_dir)).with_outputs(
            REJECTED, TALLY, _KEYS, main="keyed"
        )
        removals = (
            measured(keyed[_KEYS], "Lines")
            | "GroupLines" >> beam.GroupByKey()  # (line hash, [id])
            | "LinesToRemove" >> beam.FlatMap(_lines_to_remove, max_docs=config.max_docs)  # (id, line hash)
        )
        split = (
            {"refs": measured(keyed.keyed, "Refs"), "remove": measured(removals, "Removals")}
            | "JoinRemovals" >> beam.CoGroupByKey()  # (id, {refs: [DocRef], remove: [line hash]})
            | "Split" >> beam.ParDo(_SplitRemovalsFn()).with_outputs(TALLY, _REWRITE, main="unchanged")
        )
        to_rewrite = split[_REWRITE] | "RewriteByFile" >> GroupByStagedFile(LINE_STAGE, ref_of=lambda item: item[0])
        rewritten = to_rewrite["main"] | "RemoveLines" >> beam.ParDo(_RemoveLinesFn(config, out_dir)).with_outputs(
            DROPPED, TALLY, main="main"
        )
        kept = (split.unchanged, rewritten.main) | "Kept" >> beam.Flatten()
        tallies = (
            by_file[TALLY],
            keyed[TALLY],
            split[TALLY],
            to_rewrite[TALLY],
            rewritten[TALLY],
            *shuffled,
        ) | "Tallies" >> beam.Flatten()
        return {"main": kept, REJECTED: keyed[REJECTED], DROPPED: rewritten[DROPPED], TALLY: tallies}


def dedup_stages(config: DedupConfig, out_dir: str) -> list[tuple[str, beam.PTransform]]:
    """The dedup steps the config switches on, in order: exact → URL → near → lines (exact first, so that
    a copy under a tracking URL counts as an exact duplicate). `out_dir`: the run's output directory, whose
    temporary folder holds the staged documents (line dedup reads and rewrites them; the samples of drops
    read a few)."""
    if not config.enabled:
        return []
    steps: list[tuple[str, beam.PTransform]] = []
    if config.exact.enabled:
        steps.append((EXACT_STAGE, DedupExact(out_dir=out_dir)))
    if config.url.enabled:
        steps.append((URL_STAGE, DedupUrls(out_dir=out_dir)))
    if config.near.enabled:
        steps.append((NEAR_STAGE, DedupNearDuplicates(config.near, out_dir=out_dir)))
    if config.lines.enabled:
        steps.append((LINE_STAGE, DedupLines(config.lines, out_dir=out_dir)))
    return steps


class DeduplicateDocuments(beam.PTransform):
    """Every dedup step the config switches on, chained: PCollection[DocRef] (staged with
    `DedupKeys(config)`) → {main: kept refs, rejected, dropped, tally}."""

    def __init__(self, config: DedupConfig, *, out_dir: str):
        super().__init__()
        self._steps = dedup_stages(config, out_dir)

    def expand(self, refs: beam.PCollection) -> dict[str, beam.PCollection]:
        outputs: dict[str, list[beam.PCollection]] = {REJECTED: [], DROPPED: [], TALLY: []}
        for name, step in self._steps:
            result = refs | name >> step
            refs = result["main"]
            for tag, collections in outputs.items():
                collections.append(result[tag])
        pipeline = refs.pipeline
        return {
            "main": refs,
            **{
                tag: (collections or [pipeline | f"No{tag.title()}" >> beam.Create([])])
                | f"Flatten{tag.title()}" >> beam.Flatten()
                for tag, collections in outputs.items()
            },
        }
