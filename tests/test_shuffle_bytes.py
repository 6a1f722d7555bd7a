"""The shuffle-cost figure: what enters each shuffle, tallied from element sizes, summarized per kept document."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from corpusforge.transforms.accounting import SHUFFLE, TALLY, CombineTallies, MeasureShuffle, summarize


def test_measure_shuffle_passes_elements_and_tallies_their_encoded_bytes():
    # FastPrimitivesCoder: a tuple is a type byte and a length; a str a type byte, a length and UTF-8; a
    # small int a type byte and a varint; bytes a type byte, a length and the bytes.
    elements = [("ab", 1), ("日本", b"xyz")]  # 2 + 4 + 2 = 8; 2 + 8 + 5 = 15
    with TestPipeline() as p:
        measured = p | beam.Create(elements) | MeasureShuffle("exact_dedup")
        assert_that(measured.main, equal_to(elements), label="Unchanged")
        assert_that(
            measured[TALLY] | CombineTallies(), equal_to([[(("exact_dedup", SHUFFLE), (2, 23))]]), label="Tally"
        )


def test_summary_reports_shuffle_bytes_per_stage_and_kept_document():
    tallies = [
        (("read", "in"), (4, 400)),
        (("write", "out"), (2, 200)),
        (("read", "dropped:x"), (2, 200)),
        (("write", SHUFFLE), (3, 900)),
        (("exact_dedup", SHUFFLE), (4, 100)),
    ]
    stats = summarize(tallies, ["read", "exact_dedup", "write"])
    assert stats["reconciled"] and "shuffle" not in stats["stages"].get("write", {})
    assert stats["shuffle"] == {
        "bytes": 1000,
        "bytes_per_kept_document": 500.0,
        "stages": {
            "exact_dedup": {"elements": 4, "bytes": 100, "bytes_per_kept_document": 50.0},
            "write": {"elements": 3, "bytes": 900, "bytes_per_kept_document": 450.0},
        },
    }
    assert summarize([], ["read"])["shuffle"] == {"bytes": 0, "bytes_per_kept_document": None, "stages": {}}
