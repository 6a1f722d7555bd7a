"""What the run observes besides its counts: signal histograms, languages, dropped-document samples, CPU time.

These travel on the same data path as the tallies (`accounting.Tally`, the `TALLY` output of every accounting
DoFn) as `((stage, name), observation)` items, one per bundle, and are merged per key by `MergeObservations`
(a `CombineFn`): exact and associative, so the result does not depend on the runner, the worker count or how
the elements were bundled — except `CpuTime` and `WallTime`, which are measured and so differ between runs; they
are kept out of everything the determinism tests compare (they go to `timings.json`, beside the manifest).

    Histogram   a numeric signal's distribution in fixed log-spaced bins: `hist:<kept|dropped>:<signal>`
    Categories  records and bytes per category (languages):               `lang:<kept|dropped>`
    DropSample  up to SAMPLE_SIZE dropped documents of one reason:        `sample:<reason>`
    CpuTime     CPU nanoseconds of the stage's own work:                  `cpu`
    WallTime    wall nanoseconds of a step that runs once (training):     `wall`

Fixed bins, not quantile sketches: two runs' histograms compare bin by bin, merging is a sum, and the bins
need no configuration for any signal a filter may measure (ratios in [0, 1], counts up to millions).
"""

from __future__ import annotations

import bisect
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import apache_beam as beam
import xxhash

BINS_PER_DECADE = 50  # bin edges 10^(k/50): 4.7% wide; every integer up to 21 has its own bin
SAMPLE_SIZE = 20  # dropped documents kept per stage and reason
EXCERPT_CHARS = 500  # text kept per sampled document


class Histogram:
    """Counts of a numeric signal in fixed bins: exact zeros, then `[10^(k/B), 10^((k+1)/B))` for positive
    values and their mirror images for negative ones (B = BINS_PER_DECADE), stored sparsely.

    Also kept exactly: the number of values, the smallest and largest, and the integer total when every value
    is an integer (PII spans per type). No floating-point sum: its bits would depend on the merge order.
    """

    __slots__ = ("zero", "positive", "negative", "count", "low", "high", "int_total", "nonfinite")

    def __init__(self) -> None:
        self.zero = 0
        self.positive: dict[int, int] = {}
        self.negative: dict[int, int] = {}
        self.count = 0
        self.low: float | None = None
        self.high: float | None = None
        self.int_total: int | None = 0
        self.nonfinite = 0  # NaN or infinite values: counted, not binned

    def add(self, value: float) -> None:
        if not math.isfinite(value):
            self.nonfinite += 1
            return
        self.count += 1
        if self.low is None or value < self.low:
            self.low = value
        if self.high is None or value > self.high:
            self.high = value
        if self.int_total is not None:
            self.int_total = self.int_total + value if isinstance(value, int) else None
        if value == 0:
            self.zero += 1
            return
        bins = self.positive if value > 0 else self.negative
        k = bin_index(abs(value))
        bins[k] = bins.get(k, 0) + 1

    def merge(self, other: Histogram) -> Histogram:
        """Adds `other` into this histogram (and returns it)."""
        self.zero += other.zero
        for mine, theirs in ((self.positive, other.positive), (self.negative, other.negative)):
            for k, n in theirs.items():
                mine[k] = mine.get(k, 0) + n
        self.count += other.count
        self.nonfinite += other.nonfinite
        if other.low is not None and (self.low is None or other.low < self.low):
            self.low = other.low
        if other.high is not None and (self.high is None or other.high > self.high):
            self.high = other.high
        self.int_total = None if self.int_total is None or other.int_total is None else self.int_total + other.int_total
        return self

    def bins(self) -> list[tuple[float, float, int]]:
        """(low edge, high edge, count) of every non-empty bin, in increasing order; zero is `(0, 0, n)`."""
        negative = [(-bin_edge(k + 1), -bin_edge(k), n) for k, n in sorted(self.negative.items(), reverse=True)]
        zero = [(0.0, 0.0, self.zero)] if self.zero else []
        positive = [(bin_edge(k), bin_edge(k + 1), n) for k, n in sorted(self.positive.items())]
        return negative + zero + positive

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "min": self.low,
            "max": self.high,
            "int_total": self.int_total,
            "nonfinite": self.nonfinite,
            "bins_per_decade": BINS_PER_DECADE,
            "zero": self.zero,
            "positive": sorted([k, n] for k, n in self.positive.items()),
            "negative": sorted([k, n] for k, n in self.negative.items()),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Histogram:
        if data.get("bins_per_decade", BINS_PER_DECADE) != BINS_PER_DECADE:
            raise ValueError(
                f"histogram with {data['bins_per_decade']} bins per decade; this version uses {BINS_PER_DECADE}"
            )
        h = cls()
        h.zero, h.count, h.low, h.high = data["zero"], data["count"], data["min"], data["max"]
        h.int_total, h.nonfinite = data["int_total"], data.get("nonfinite", 0)
        h.positive = {k: n for k, n in data["positive"]}
        h.negative = {k: n for k, n in data["negative"]}
        return h

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Histogram) and self.to_json() == other.to_json()

    def __repr__(self) -> str:
        return f"Histogram(count={self.count}, min={self.low}, max={self.high})"


def bin_index(magnitude: float) -> int:
    """The bin of a positive value: floor(log10(value) * BINS_PER_DECADE)."""
    return math.floor(math.log10(magnitude) * BINS_PER_DECADE)


def bin_edge(k: int) -> float:
    return 10 ** (k / BINS_PER_DECADE)


class Categories:
    """Records and bytes per category (a language code)."""

    __slots__ = ("counts",)

    def __init__(self, counts: Mapping[str, list[int]] | None = None) -> None:
        self.counts: dict[str, list[int]] = {k: list(v) for k, v in (counts or {}).items()}

    def add(self, category: str, nbytes: int) -> None:
        counts = self.counts.get(category)
        if counts is None:
            counts = self.counts[category] = [0, 0]
        counts[0] += 1
        counts[1] += nbytes

    def merge(self, other: Categories) -> Categories:
        for category, (records, nbytes) in other.counts.items():
            counts = self.counts.setdefault(category, [0, 0])
            counts[0] += records
            counts[1] += nbytes
        return self

    def to_json(self) -> dict[str, dict[str, int]]:
        return {k: {"records": r, "bytes": b} for k, (r, b) in sorted(self.counts.items())}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Categories) and self.counts == other.counts


class DropSample:
    """Up to SAMPLE_SIZE dropped documents of one stage and reason: those whose id has the smallest xxh3-64
    hash, so the sample is the same whatever the arrival order, bundling, worker count or runner, and
    uniform over the drops (ids are themselves hashes). Entries are `(rank, id, record as sorted JSON)`."""

    __slots__ = ("entries",)

    def __init__(self) -> None:
        self.entries: list[tuple[int, str, str]] = []

    def offer(self, record_id: str, record: Callable[[], Mapping[str, Any]]) -> None:
        """Offers the drop of `record_id`; `record()` builds its entry, only if it may enter the sample."""
        rank = xxhash.xxh3_64_intdigest(record_id.encode("utf-8", "surrogatepass"))
        if len(self.entries) >= SAMPLE_SIZE and (rank, record_id) > self.entries[-1][:2]:
            return
        self._insert((rank, record_id, json.dumps(record(), ensure_ascii=False, sort_keys=True)))

    def _insert(self, entry: tuple[int, str, str]) -> None:
        if len(self.entries) >= SAMPLE_SIZE and entry >= self.entries[-1]:
            return
        bisect.insort(self.entries, entry)
        del self.entries[SAMPLE_SIZE:]

    def merge(self, other: DropSample) -> DropSample:
        for entry in other.entries:
            self._insert(entry)
        return self

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(record) for _, _, record in self.entries]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DropSample) and self.entries == other.entries


class _Nanoseconds:
    """A sum of nanoseconds."""

    __slots__ = ("ns",)

    def __init__(self, ns: int = 0) -> None:
        self.ns = ns

    def merge(self, other: _Nanoseconds) -> _Nanoseconds:
        self.ns += other.ns
        return self

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.ns == other.ns


class CpuTime(_Nanoseconds):
    """CPU nanoseconds a stage spent on its own work: the thread's clock (`time.thread_time_ns`) around its
    functions, or the process's around a library that runs threads of its own (SentencePiece's trainer)."""

    __slots__ = ()


class WallTime(_Nanoseconds):
    """Wall-clock nanoseconds of a step that runs once, on one worker (tokenizer training): beside its CPU
    seconds, how many cores it kept busy. Summed over a stage's parallel bundles it would mean nothing."""

    __slots__ = ()


Observation = Histogram | Categories | DropSample | CpuTime | WallTime


class MergeObservations(beam.CombineFn):
    """Merges the observations of one key (all of one type). Exact and associative: every merge is a sum,
    a min/max or a bounded sorted union, so any grouping of the inputs gives the same result."""

    def create_accumulator(self) -> Observation | None:
        return None

    def add_input(self, accumulator: Observation | None, value: Observation) -> Observation:
        return _copy(value) if accumulator is None else accumulator.merge(value)

    def merge_accumulators(self, accumulators: Iterable[Observation | None]) -> Observation | None:
        merged = None
        for accumulator in accumulators:
            if accumulator is not None:
                merged = _copy(accumulator) if merged is None else merged.merge(accumulator)
        return merged

    def extract_output(self, accumulator: Observation | None) -> Observation | None:
        return accumulator


def _copy(value: Observation) -> Observation:
    """A fresh accumulator holding `value` (the runner may reuse the input object)."""
    return type(value)().merge(value)


def is_observation(item: tuple[Any, Any]) -> bool:
    """Whether a `TALLY` item carries an observation (else it is a `(records, bytes)` count)."""
    return not isinstance(item[1], tuple)


class CombineObservations(beam.PTransform):
    """PCollection of `TALLY` items → a singleton sorted list of `((stage, name), observation)`, one per key;
    the counts among the items are left to `accounting.CombineTallies`."""

    def expand(self, tallies: beam.PCollection) -> beam.PCollection:
        return (
            tallies
            | "Observations" >> beam.Filter(is_observation)
            | "MergePerKey" >> beam.CombinePerKey(MergeObservations())
            | "ToList" >> beam.combiners.ToList()
            | "Sort" >> beam.Map(lambda items: sorted(items, key=lambda item: item[0]))
        )


def split_observations(items: Iterable[tuple[tuple[str, str], Observation]]) -> dict[str, Any]:
    """The merged observations as plain data: `signals` (stage → signal → {kept, dropped} histograms as
    JSON), `languages` (stage → {kept, dropped} → language → {records, bytes}), `samples` (drop records,
    by stage and reason, in rank order), `cpu_secs` and `wall_secs` (stage → seconds)."""
    out: dict[str, Any] = {"signals": {}, "languages": {}, "samples": [], "cpu_secs": {}, "wall_secs": {}}
    for (stage, name), value in items:
        kind, _, rest = name.partition(":")
        if kind == "hist":
            outcome, _, signal = rest.partition(":")
            out["signals"].setdefault(stage, {}).setdefault(signal, {})[outcome] = value.to_json()
        elif kind == "lang":
            out["languages"].setdefault(stage, {})[rest] = value.to_json()
        elif kind == "sample":
            out["samples"].extend(value.records())
        elif kind in ("cpu", "wall"):
            out[f"{kind}_secs"][stage] = round(value.ns / 1e9, 3)
    return out


def numeric_signals(signals: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, float]]:
    """The numbers among a filter's signals: numbers as they are (booleans are not numbers here), and one
    level of mappings of numbers flattened as `name.key` (the PII counts per type: `pii.email`)."""
    for name, value in signals.items():
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            yield prefix + name, value
        elif isinstance(value, Mapping) and not prefix:
            yield from numeric_signals(value, f"{name}.")
