"""Accounting under hostile values: a byte count no int64 holds is tallied exactly and never fails a bundle."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from corpusforge.transforms.accounting import TALLY, AccountingDoFn, CombineTallies
from corpusforge.transforms.document import Rejection, Verdict


class _RejectHuge(AccountingDoFn):
    """Tallies each element as a dead letter of that many bytes (a record that declares an absurd size)."""

    def process(self, size: str):  # a string: Beam's int coder holds int64 only
        nbytes = int(size)
        self.tally.add("read", "in", nbytes)
        self.tally.reject(Rejection(Verdict.DEAD_LETTER, "read", "huge", "x", nbytes=nbytes))
        return []


def test_counter_overflow_never_fails_a_bundle_and_the_tally_stays_exact():
    sizes = [2**70, 2**63, 2**63 - 1, 5]
    p = TestPipeline(options=beam.options.pipeline_options.PipelineOptions(["--runner=DirectRunner"]))
    outputs = p | beam.Create([str(size) for size in sizes]) | beam.ParDo(_RejectHuge()).with_outputs(TALLY)
    tallies = outputs[TALLY] | CombineTallies()
    total = sum(sizes)
    assert_that(tallies, equal_to([[(("read", "dead_letter:huge"), (4, total)), (("read", "in"), (4, total))]]))
    result = p.run()
    result.wait_until_finish()
    counters = result.metrics().query(MetricsFilter().with_namespace("corpus.read"))["counters"]
    by_name = {c.key.metric.name: c.committed for c in counters}
    assert by_name["in"] == 4  # records: exact
    assert 0 < by_name["in_bytes"] <= 2**63 - 1  # each increment clamped to int64, as Beam counters hold
