"""Accounting: one metric grammar for every stage, counted as data so the totals are exact on every runner.

Every stage tallies records and bytes under `(stage, name)` keys, where name is `in`, `out`, or
`<verdict>:<reason>` (`dropped:empty_text`, `skipped:warc_request`, `dead_letter:truncated_record`).
A DoFn accumulates its tally for a bundle and emits it once, as `((stage, name), (records, bytes))`
elements on the `TALLY` output; the same numbers go to Beam counters in namespace `corpus.<stage>` for
runners that show metrics live. `summarize` turns the combined tallies into the run's stats and checks
that they reconcile: records read = kept + dropped + skipped + dead-lettered.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

import apache_beam as beam
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from corpusforge.transforms.document import Document, Rejection, Verdict

TALLY = "tally"  # tag of the tally output of every accounting DoFn
READ_STAGE = "read"  # records enter here: its `in` count is the number of input records
WRITE_STAGE = "write"  # records leave here: its `out` count is the number of kept documents

TallyKey = tuple[str, str]  # (stage, name)
TallyItem = tuple[TallyKey, tuple[int, int]]  # ((stage, name), (records, bytes))


class Tally:
    """Records and bytes per (stage, name), accumulated in memory for one bundle."""

    def __init__(self) -> None:
        self._counts: dict[TallyKey, list[int]] = {}

    def add(self, stage: str, name: str, nbytes: int = 0, records: int = 1) -> None:
        counts = self._counts.get((stage, name))
        if counts is None:
            counts = self._counts[(stage, name)] = [0, 0]
        counts[0] += records
        counts[1] += nbytes

    def enter(self, stage: str, doc: Document) -> None:
        """`doc` reaches `stage` (its `in` count)."""
        self.add(stage, "in", len(doc.text.encode("utf-8")))

    def leave(self, stage: str, doc: Document) -> None:
        """`doc` leaves `stage` kept (its `out` count)."""
        self.add(stage, "out", len(doc.text.encode("utf-8")))

    def reject(self, rejection: Rejection) -> None:
        self.add(rejection.stage, f"{rejection.verdict.value}:{rejection.reason}", rejection.nbytes)

    def drain(self) -> list[TallyItem]:
        """The accumulated counts, which are then reset; also added to the Beam counters."""
        items = [(key, (records, nbytes)) for key, (records, nbytes) in self._counts.items()]
        self._counts = {}
        for (stage, name), (records, nbytes) in items:
            beam.metrics.Metrics.counter(f"corpus.{stage}", name).inc(records)
            if nbytes:
                beam.metrics.Metrics.counter(f"corpus.{stage}", f"{name}_bytes").inc(nbytes)
        return items


class AccountingDoFn(beam.DoFn):
    """Base for DoFns that tally: `self.tally` is fresh per bundle and emitted on `TALLY` at its end."""

    def start_bundle(self) -> None:
        self.tally = Tally()

    def finish_bundle(self) -> Iterator[beam.pvalue.TaggedOutput]:
        for item in self.tally.drain():
            yield beam.pvalue.TaggedOutput(TALLY, WindowedValue(item, MIN_TIMESTAMP, [GlobalWindow()]))


def _add_pairs(pairs: Iterable[tuple[int, int]]) -> tuple[int, int]:
    records = nbytes = 0
    for r, b in pairs:
        records += r
        nbytes += b
    return records, nbytes


class CombineTallies(beam.PTransform):
    """PCollection[TallyItem] → a singleton list of TallyItem, one per key, sorted."""

    def expand(self, tallies):
        return (
            tallies
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
    for (stage, name), (records, nbytes) in tallies:
        entry = stages.setdefault(stage, {})
        verdict, _, reason = name.partition(":")
        if reason:
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
    }
