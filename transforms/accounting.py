"""Accounting: one metric grammar for every stage, counted as data so the totals are exact on every runner.

Every stage tallies records and bytes under `(stage, name)` keys, where name is `in`, `out`, or
`<verdict>:<reason>` (`dropped:empty_text`, `skipped:warc_request`, `dead_letter:truncated_record`).
A DoFn accumulates its tally for a bundle and emits it once, as `((stage, name), (records, bytes))`
elements on the `TALLY` output; the same numbers go to Beam counters in namespace `corpus.<stage>` for
runners that show metrics live. `summarize` turns the combined tallies into the run's stats and checks
that they reconcile: records read = kept + dropped + skipped + dead-lettered.

Shuffle cost: `MeasureShuffle(stage)` is placed before each shuffle (GroupByKey, CoGroupByKey, a gathering
combine); it tallies `(stage, "shuffle")` with each element's size as Beam's default coder encodes it
(`FastPrimitivesCoder`, what the Python SDK uses for untyped collections: compact for str/bytes/int/tuples,
pickle for other objects). Runners do not report shuffle bytes uniformly, so this estimate from element
sizes is the figure `stats.json` gives (`shuffle`: bytes per stage and per kept document).

Bias audit: documents tagged with the groups they mention (`meta["groups"]`, transforms/safety/bias.py) are also
counted per group, as `group_in:<group>` where they reach a stage, `group_dropped:<group>` where it drops
them and `group_kept:<group>` at the write stage; `bias_audit` turns these into drop-rate ratios.

The same items carry what the run observes beyond counts (`transforms/observations.py`): the length of every
document leaving or dropped by a stage, its language, a deterministic sample of dropped documents per reason,
the signals filters measured and the CPU time of each stage's own work. `CombineTallies` keeps the counts;
`observations.CombineObservations` merges the rest. Dropped documents themselves go out on the `DROPPED`
output of the stages that drop whole documents, for `output.write_dropped: all`.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import apache_beam as beam
from apache_beam.coders import FastPrimitivesCoder
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from corpusforge.transforms.document import Document, Rejection, Verdict
from corpusforge.transforms.observations import (
    EXCERPT_CHARS,
    Categories,
    CpuTime,
    DropSample,
    Histogram,
    Observation,
    WallTime,
    is_observation,
)

TALLY = "tally"  # tag of the tally output of every accounting DoFn
REJECTED = "rejected"  # tag of the dead-letter output: `Rejection`s written under rejects/
DROPPED = "dropped"  # tag of the dropped documents of a stage: (Rejection, Document), for output.write_dropped
SHUFFLE = "shuffle"  # tally name of the elements (and their encoded bytes) entering a stage's shuffles
READ_STAGE = "read"  # records enter here: its `in` count is the number of input records
WRITE_STAGE = "write"  # records leave here: its `out` count is the number of kept documents

GROUP_IN, GROUP_DROPPED, GROUP_KEPT = "group_in", "group_dropped", "group_kept"  # bias-audit tally names
_GROUP_NAMES = (GROUP_IN, GROUP_DROPPED, GROUP_KEPT)
FLAG_RATIO = 2.0  # a stage drops a group's documents more than twice as often as the others ...
FLAG_MIN_DOCS = 30  # ... with at least this many of them reaching the stage: flagged in the summary

_INT64_MAX = 2**63 - 1  # Beam counters hold int64
KEPT, DROPPED_OUTCOME = "kept", "dropped"  # the two sides of every histogram and language count
LENGTH_SIGNAL = "length_chars"  # document length, observed at every stage a document leaves or is dropped by

TallyKey = tuple[str, str]  # (stage, name)
TallyItem = tuple[TallyKey, tuple[int, int] | Observation]  # ((stage, name), (records, bytes) or an observation)
T = TypeVar("T")


def drop(doc: Document, stage: str, reason: str) -> Rejection:
    """The rejection of a document dropped by `stage` for `reason`, pointing at where it came from."""
    return Rejection(
        Verdict.DROPPED,
        stage,
        reason,
        doc.source,
        doc.meta.get("offset"),
        doc.source_id or doc.id,
        len(doc.text.encode("utf-8")),
        groups=tuple(doc.meta.get("groups", ())),
    )


# Faults of the machine or the install, not of a record: they fail the run instead of dead-lettering every
# record that meets them. A reader catches only MACHINE_FAULTS (an OSError there is its input file's fault);
# a stage, which reads no input file, also treats OSError (a model or list it loads) as the machine's.
MACHINE_FAULTS = (ImportError, MemoryError)
ENVIRONMENT_FAULTS = (*MACHINE_FAULTS, OSError)


def is_environment_fault(error: BaseException) -> bool:
    return isinstance(error, ENVIRONMENT_FAULTS)


def stage_error(doc: Document, stage: str, error: Exception) -> Rejection:
    """The dead letter of a document `stage` raised `error` on."""
    return Rejection(
        Verdict.DEAD_LETTER,
        stage,
        "stage_error",
        doc.source,
        doc.meta.get("offset"),
        doc.source_id or doc.id,
        len(doc.text.encode("utf-8")),
        f"{type(error).__name__}: {error}",
    )


class Tally:
    """Records and bytes per (stage, name), and the observations of the stages, accumulated for one bundle."""

    def __init__(self) -> None:
        self._counts: dict[TallyKey, list[int]] = {}
        self._observed: dict[TallyKey, Observation] = {}

    def add(self, stage: str, name: str, nbytes: int = 0, records: int = 1) -> None:
        counts = self._counts.get((stage, name))
        if counts is None:
            counts = self._counts[(stage, name)] = [0, 0]
        counts[0] += records
        counts[1] += nbytes

    def enter(self, stage: str, doc: Document) -> None:
        """`doc` reaches `stage` (its `in` count, and `group_in` per group it mentions)."""
        self.add(stage, "in", len(doc.text.encode("utf-8")))
        self.groups(stage, GROUP_IN, doc.meta.get("groups", ()))

    def groups(self, stage: str, kind: str, groups: Iterable[str]) -> None:
        """One document of each of `groups` counted under `<kind>:<group>` (records only)."""
        for group in groups:
            self.add(stage, f"{kind}:{group}")

    def leave(self, stage: str, doc: Document) -> None:
        """`doc` leaves `stage` kept (its `out` count, its length and language)."""
        nbytes = len(doc.text.encode("utf-8"))
        self.add(stage, "out", nbytes)
        self.describe(stage, KEPT, doc, nbytes)

    def reject(self, rejection: Rejection, doc: Document | None = None) -> None:
        """A record `rejection.stage` did not keep. For a dropped document, pass `doc` as it reached the stage:
        its length and language are observed and it is offered to the stage's sample of drops."""
        self.add(rejection.stage, f"{rejection.verdict.value}:{rejection.reason}", rejection.nbytes)
        if rejection.verdict is Verdict.DROPPED:
            self.groups(rejection.stage, GROUP_DROPPED, rejection.groups)
            if doc is not None:
                self.describe(rejection.stage, DROPPED_OUTCOME, doc, rejection.nbytes)
                self.sample(rejection, doc)

    def describe(self, stage: str, outcome: str, doc: Document, nbytes: int) -> None:
        """The length and language of a document `stage` kept or dropped."""
        self.describe_length(stage, outcome, len(doc.text), doc.meta.get("lang"), nbytes)

    def describe_length(self, stage: str, outcome: str, chars: int, lang: Any, nbytes: int) -> None:
        """`describe` from a document's length in characters and language (a staged document's ref)."""
        self.observe(stage, outcome, LENGTH_SIGNAL, chars)
        if lang and isinstance(lang, str):  # an input's meta may hold anything under "lang": never a crash
            self.categorize(stage, f"lang:{outcome}", lang, nbytes)

    def observe(self, stage: str, outcome: str, signal: str, value: float) -> None:
        """One value of a numeric signal, on the `outcome` side (kept or dropped) of its histogram."""
        key = (stage, f"hist:{outcome}:{signal}")
        histogram = self._observed.get(key)
        if histogram is None:
            histogram = self._observed[key] = Histogram()
        histogram.add(value)

    def categorize(self, stage: str, name: str, category: str, nbytes: int) -> None:
        key = (stage, name)
        categories = self._observed.get(key)
        if categories is None:
            categories = self._observed[key] = Categories()
        categories.add(category, nbytes)

    def cpu(self, stage: str, ns: int) -> None:
        """CPU nanoseconds `stage` spent on its own work."""
        self._time(stage, "cpu", CpuTime, ns)

    def wall(self, stage: str, ns: int) -> None:
        """Wall nanoseconds of a step of `stage` that runs once, on one worker (observations.WallTime)."""
        self._time(stage, "wall", WallTime, ns)

    def _time(self, stage: str, name: str, kind: type[CpuTime | WallTime], ns: int) -> None:
        spent = self._observed.get((stage, name))
        if spent is None:
            self._observed[(stage, name)] = kind(ns)
        else:
            spent.ns += ns

    def sample(self, rejection: Rejection, doc: Document | None = None) -> None:
        """Offers a drop to its stage and reason's sample (observations.DropSample); without a document (a
        record dropped by the reader or the extractor) the entry has no text."""
        record_id = doc.id if doc else rejection.record_id or f"{rejection.source}@{rejection.offset}"
        self._sample(rejection.stage, rejection.reason).offer(record_id, lambda: drop_record(rejection, doc, record_id))

    def sample_lazily(
        self, stage: str, reason: str, record_id: str, read_back: Callable[[], tuple[Rejection, Document]]
    ) -> None:
        """`sample` for a dropped document whose text is elsewhere (a staged document): `read_back` gives its
        rejection and document, called only if it may enter the sample (a few times per bundle)."""
        self._sample(stage, reason).offer(record_id, lambda: drop_record(*read_back(), record_id))

    def _sample(self, stage: str, reason: str) -> DropSample:
        key = (stage, f"sample:{reason}")
        sample = self._observed.get(key)
        if sample is None:
            sample = self._observed[key] = DropSample()
        return sample

    def drain(self) -> list[TallyItem]:
        """The accumulated counts and observations, which are then reset; counts and CPU time also go to the
        Beam counters.

        The counts are Python ints and stay exact; Beam counters are int64 and raise OverflowError on a
        larger increment, so each increment is clamped to the int64 range (the live metric then reads
        low, stats.json does not): a record that declares an absurd size must not fail its bundle.
        """
        items: list[TallyItem] = [(key, (records, nbytes)) for key, (records, nbytes) in self._counts.items()]
        for (stage, name), (records, nbytes) in items:
            beam.metrics.Metrics.counter(f"corpus.{stage}", name).inc(_int64(records))
            if nbytes:
                beam.metrics.Metrics.counter(f"corpus.{stage}", f"{name}_bytes").inc(_int64(nbytes))
        for (stage, _), value in self._observed.items():
            if isinstance(value, CpuTime):
                beam.metrics.Metrics.counter(f"corpus.{stage}", "cpu_ms").inc(_int64(value.ns // 1_000_000))
        items += self._observed.items()
        self._counts, self._observed = {}, {}
        return items


def drop_record(rejection: Rejection, doc: Document | None, record_id: str) -> dict[str, Any]:
    """A dropped document as its stage's sample lists it (rejects/dropped_sample.jsonl): where it came from, why
    it was dropped (`detail`: the signal and threshold that decided, or the keeper of a duplicate) and the
    start of its text."""
    return {
        "stage": rejection.stage,
        "reason": rejection.reason,
        "detail": rejection.detail,
        "id": record_id,
        "url": doc.url if doc else None,
        "source": rejection.source,
        "offset": rejection.offset,
        "bytes": rejection.nbytes,
        "lang": doc.meta.get("lang") if doc else None,
        "excerpt": doc.text[:EXCERPT_CHARS] if doc else None,
    }


def timed(items: Iterable[T], tally: Tally, stage: str, *, chunk: int = 16) -> Iterator[T]:
    """The items of `items`, pulled `chunk` at a time with the thread's CPU clock read around each pull, so
    that `stage` is charged for producing them (a reader) and not for what consumers downstream do with them
    (a fused runner runs those while this generator is suspended); reading the clock per item would cost
    more than some items. An error is raised after the items pulled before it."""
    items = iter(items)
    while True:
        block: list[T] = []
        error: Exception | None = None
        started = time.thread_time_ns()
        try:
            block.extend(itertools.islice(items, chunk))
        except Exception as e:  # re-raised below, once the items before it have gone on
            error = e
        tally.cpu(stage, time.thread_time_ns() - started)
        yield from block
        if error is not None:
            raise error
        if len(block) < chunk:
            return


class AccountingDoFn(beam.DoFn):
    """Base for DoFns that tally: `self.tally` is fresh per bundle and emitted on `TALLY` at its end."""

    def start_bundle(self) -> None:
        self.tally = Tally()

    def finish_bundle(self) -> Iterator[beam.pvalue.TaggedOutput]:
        for item in self.tally.drain():
            yield beam.pvalue.TaggedOutput(TALLY, WindowedValue(item, MIN_TIMESTAMP, [GlobalWindow()]))


def _int64(value: int) -> int:
    return max(-_INT64_MAX - 1, min(value, _INT64_MAX))


class _ShuffleBytesFn(AccountingDoFn):
    """Emits each element (or `fn`'s outputs for it), tallying each one's encoded size under `(stage, "shuffle")`."""

    def __init__(self, stage: str, fn: Callable[[Any], Iterable[Any]] | None = None):
        self._stage = stage
        self._fn = fn

    def setup(self) -> None:
        self._size = FastPrimitivesCoder().get_impl().estimate_size

    def process(self, element: Any) -> Iterator[Any]:
        for output in (element,) if self._fn is None else self._fn(element):
            self.tally.add(self._stage, SHUFFLE, self._size(output))
            yield output


class MeasureShuffle(beam.PTransform):
    """PCollection → the same elements (`main`), and on `tally` what they will cost the shuffle they enter:
    elements and bytes under `(stage, "shuffle")`. Fused with its producer, so it adds no shuffle itself.

    With `fn`, `main` is `fn`'s outputs for each element, as `beam.FlatMap(fn)` before the measure would give,
    in one step: a step fewer to build and to run (Beam inspects every DoFn's methods for each).
    """

    def __init__(self, stage: str, fn: Callable[[Any], Iterable[Any]] | None = None):
        super().__init__()
        self._stage = stage
        self._fn = fn

    def expand(self, pcoll: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        return pcoll | "Tally" >> beam.ParDo(_ShuffleBytesFn(self._stage, self._fn)).with_outputs(TALLY, main="main")


def _add_pairs(pairs: Iterable[tuple[int, int]]) -> tuple[int, int]:
    records = nbytes = 0
    for r, b in pairs:
        records += r
        nbytes += b
    return records, nbytes


class CombineTallies(beam.PTransform):
    """PCollection[TallyItem] → a singleton list of the counts, one `((stage, name), (records, bytes))` per key,
    sorted (observations are left to `observations.CombineObservations`)."""

    def expand(self, tallies: beam.PCollection) -> beam.PCollection:
        return (
            tallies
            | "Counts" >> beam.Filter(lambda item: not is_observation(item))
            | "SumPerKey" >> beam.CombinePerKey(_add_pairs)
            | "ToList" >> beam.combiners.ToList()
            | "Sort" >> beam.Map(sorted)
        )


def summarize(tallies: Iterable[TallyItem], stage_order: Iterable[str]) -> dict[str, Any]:
    """The run's stats from its combined tallies: totals, the breakdown per stage and reason, reconciliation.

    `kept` is what the write stage wrote; every other outcome is counted where it happened.
    """
    stages: dict[str, dict[str, Any]] = {stage: {} for stage in stage_order}
    totals = {verdict.value: 0 for verdict in Verdict}
    groups: dict[str, dict[str, dict[str, int]]] = {}  # stage → group → {in, dropped, kept}
    shuffles: dict[str, tuple[int, int]] = {}  # stage → (elements, bytes) entering its shuffles
    for (stage, name), (records, nbytes) in tallies:
        if name == SHUFFLE:
            shuffles[stage] = (records, nbytes)
            continue
        entry = stages.setdefault(stage, {})
        verdict, _, reason = name.partition(":")
        if verdict in _GROUP_NAMES:
            groups.setdefault(stage, {}).setdefault(reason, {})[verdict.removeprefix("group_")] = records
        elif reason:
            entry.setdefault(verdict, {})[reason] = {"records": records, "bytes": nbytes}
            totals[verdict] += records
        else:
            entry[name] = {"records": records, "bytes": nbytes}
    read = stages.get(READ_STAGE, {}).get("in", {"records": 0, "bytes": 0})
    kept = stages.get(WRITE_STAGE, {}).get("out", {"records": 0, "bytes": 0})
    accounted = kept["records"] + sum(totals.values())
    return {
        "records_read": read["records"],
        "bytes_read": read["bytes"],
        "kept": kept["records"],
        "kept_text_bytes": kept["bytes"],
        "dropped": totals[Verdict.DROPPED.value],
        "skipped": totals[Verdict.SKIPPED.value],
        "dead_lettered": totals[Verdict.DEAD_LETTER.value],
        "reconciled": accounted == read["records"],
        "stages": {stage: entry for stage, entry in stages.items() if entry},
        "bias_audit": bias_audit(stages, groups),
        "shuffle": shuffle_summary(shuffles, kept["records"], stage_order),
    }


def shuffle_summary(shuffles: dict[str, tuple[int, int]], kept: int, stage_order: Iterable[str]) -> dict[str, Any]:
    """What entered the run's shuffles: elements and bytes per stage (pipeline order), in total, and per kept
    document (null when nothing was kept)."""

    def per_kept(nbytes: int) -> float | None:
        return round(nbytes / kept, 1) if kept else None

    order = {stage: i for i, stage in enumerate(stage_order)}
    by_stage = {
        stage: {"elements": records, "bytes": nbytes, "bytes_per_kept_document": per_kept(nbytes)}
        for stage, (records, nbytes) in sorted(shuffles.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    }
    total = sum(nbytes for _, nbytes in shuffles.values())
    return {"bytes": total, "bytes_per_kept_document": per_kept(total), "stages": by_stage}


def bias_audit(stages: dict[str, dict[str, Any]], groups: dict[str, dict[str, dict[str, int]]]) -> dict[str, Any]:
    """Per filtering stage and group: how much more often the stage drops documents that mention the group.

    `ratio` is the drop rate among the documents reaching the stage that mention the group, divided by the
    drop rate among those that do not (the base rate); null where the base rate is 0. `flagged`: the ratio
    exceeds FLAG_RATIO (or the base rate is 0 while the group's is not) with at least FLAG_MIN_DOCS of the
    group's documents reaching the stage. `kept`: the group distribution of the kept corpus (documents
    mentioning each group, and their share of all kept documents).
    """
    audit: dict[str, Any] = {"stages": {}, "kept": {}, "flagged": []}
    for stage, entry in stages.items():  # in pipeline order
        per_group = groups.get(stage)
        if not per_group or stage == WRITE_STAGE:
            continue
        reached = entry.get("in", {}).get("records", 0)
        dropped = sum(c["records"] for c in entry.get(Verdict.DROPPED.value, {}).values())
        rows = {}
        for group, counts in sorted(per_group.items()):
            n_in, n_drop = counts.get("in", 0), counts.get("dropped", 0)
            rate = n_drop / n_in if n_in else 0.0
            base_in, base_drop = reached - n_in, dropped - n_drop
            base = base_drop / base_in if base_in else 0.0
            ratio = rate / base if base else None
            flagged = n_in >= FLAG_MIN_DOCS and (ratio > FLAG_RATIO if ratio is not None else rate > 0)
            rows[group] = {
                "in": n_in,
                "dropped": n_drop,
                "drop_rate": round(rate, 6),
                "base_rate": round(base, 6),
                "ratio": None if ratio is None else round(ratio, 4),
                "flagged": flagged,
            }
            if flagged:
                audit["flagged"].append({"stage": stage, "group": group, **rows[group]})
        audit["stages"][stage] = rows
    kept_total = stages.get(WRITE_STAGE, {}).get("out", {}).get("records", 0)
    for group, counts in sorted(groups.get(WRITE_STAGE, {}).items()):
        n = counts.get("kept", 0)
        audit["kept"][group] = {"records": n, "share": round(n / kept_total, 6) if kept_total else 0.0}
    return audit
