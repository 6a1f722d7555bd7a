"""Benchmark: the classifier stage against raw fastText prediction on the same prepared text, on one core.

    python benchmarks/bench_classifier.py [--model PATH --label hq] [--repeat 7] [--cut-documents 10000]

Texts: bench_stages.py's (the main text of the AEB article pages, extracted with the `fast` extractor, and the
C4 documents of ../shared/data/text/llama-factory-web/c4_demo.jsonl). Model: `--model`, or a quality model
trained here in a temporary folder as run_configs/classifier.yaml trains it (curated positives against crawl
pages), but at fastText's default width (`--dim 100`). Prints, in CPU seconds of one core, the two alternated
`--repeat` times (the best pass counts): documents/s and MB/s of raw prediction (the binding's
`predict(prepared + "\\n", -1, 0.0, "strict")` in a loop over texts prepared beforehand: fastText alone) and
of the stage (`classifier_stage(...).apply` in batches of 256, as the runner calls it: preparing each text,
scoring, the threshold, meta), their ratio, and peak RSS. With `--cut-documents N`, the exact top-fraction cut
through the in-memory DirectRunner on N documents carrying real scores (and no text), next to a plain pass over
them through the same runner.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.utils.shared import Shared
from bench_stages import BATCH, load_texts

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from test_classifier import CRAWL_GLOBS, curated_texts, write_jsonl  # noqa: E402  (the tests' training data)

from corpusforge.pipeline import classifier as trainer  # noqa: E402
from corpusforge.pipeline.config import ClassifierConfig, ClassifierModelConfig  # noqa: E402
from corpusforge.transforms.document import Document  # noqa: E402
from corpusforge.transforms.filters.classifier import (  # noqa: E402
    FastTextClassifier,
    TopFractionCut,
    classifier_stage,
    prepare_text,
)

SHARED = REPO.parent / "shared" / "data"


def train_demo_model(folder: Path, dim: int) -> str:
    settings = trainer.TrainSettings(
        positive=(write_jsonl(folder / "curated.jsonl", curated_texts(SHARED)),),
        negative=tuple(str(SHARED / glob) for glob in CRAWL_GLOBS),
        output=str(folder / "quality.bin"),
        epoch=25,
        lr=0.5,
        dim=dim,
        bucket=200_000,
    )
    report = trainer.train_classifier(settings)
    print(
        f"trained {settings.output}: held-out F1 {report['held_out']['f1']:.3f}, {report['model']['bytes'] / 1e6:.0f} MB"
    )
    return settings.output


def run_through_beam(docs: list[Document], transform: beam.PTransform | None) -> float:
    options = PipelineOptions(["--runner=DirectRunner", "--direct_running_mode=in_memory"])
    started = time.process_time()  # the in-memory runner works in this process: its CPU time, not the machine's load
    with beam.Pipeline(options=options) as p:
        out = p | beam.Create(docs, reshuffle=False)
        out = out | transform if transform is not None else out | beam.Map(lambda d: d)
        (out["documents"] if transform is not None else out) | beam.combiners.Count.Globally()
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="a fastText model (default: train the demo's, at --dim)")
    parser.add_argument("--label", default="hq", help="the scored label (default hq)")
    parser.add_argument("--dim", type=int, default=100, help="width of the trained demo model (default 100)")
    parser.add_argument("--repeat", type=int, default=7, help="alternating passes of each; the best counts")
    parser.add_argument("--cut-documents", type=int, default=0, help="also time the top-fraction cut on N documents")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        path = args.model or train_demo_model(Path(scratch), args.dim)
        texts = load_texts()
        docs = [Document(id=f"{i:032x}", text=t) for i, t in enumerate(texts)]
        batches = [docs[i : i + BATCH] for i in range(0, len(docs), BATCH)]
        megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
        model = ClassifierModelConfig(name="quality", path=path, label=args.label, threshold=0.5)
        stage = classifier_stage(ClassifierConfig(enabled=True, models=(model,)))
        stage.setup([Shared()])
        predict = FastTextClassifier(path)._predict  # the binding's call, as the stage makes it
        prepared = [prepare_text(t) + "\n" for t in texts]

        # CPU time of this process (a shared machine's other processes do not count), the two alternated pass
        # by pass; raw gets fresh copies of the prepared texts each pass, as the stage makes them.
        best = {"raw predict": float("inf"), "classifier stage": float("inf")}
        for _ in range(args.repeat):
            fresh = [text[:-1] + "\n" for text in prepared]
            began = time.process_time()
            for text in fresh:
                predict(text, -1, 0.0, "strict")
            best["raw predict"] = min(best["raw predict"], time.process_time() - began)
            began = time.process_time()
            for batch in batches:
                stage.apply(batch)
            best["classifier stage"] = min(best["classifier stage"], time.process_time() - began)

        print(
            f"{len(texts)} documents, {megabytes:.1f} MB of text (mean {megabytes * 1e6 / len(texts):,.0f} bytes), one core"
        )
        for name, secs in best.items():
            print(f"  {name:17s} {len(texts) / secs:8,.0f} docs/s  {megabytes / secs:6.2f} MB/s")
        print(f"stage / raw: {best['raw predict'] / best['classifier stage']:.2f} of raw fastText's throughput")
        print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")

        if args.cut_documents:
            annotated = dataclasses.replace(stage, annotate=True)  # every document scored, none dropped
            scored = [d for batch in batches for d in annotated.apply(batch)]
            rng = random.Random(0)
            # Real scores, two languages; no text: the cut's own cost, not the runner's for moving text.
            many = [
                Document(id=f"{rng.getrandbits(128):032x}", text="", meta={**d.meta, "lang": rng.choice("ab")})
                for d in (scored[i % len(scored)] for i in range(args.cut_documents))
            ]
            top = dataclasses.replace(model, threshold=None, top_fraction=0.1)
            cut = TopFractionCut(ClassifierConfig(enabled=True, models=(top,)))
            passes = [(run_through_beam(many, None), run_through_beam(many, cut)) for _ in range(2)]  # 1st warms up
            plain, with_cut = (min(times) for times in zip(*passes))
            print(
                f"top-fraction cut, {len(many)} documents in 2 languages, DirectRunner in memory: "
                f"{len(many) / with_cut:,.0f} docs/s ({with_cut:.1f} CPU s; a plain pass through the runner {plain:.1f} s)"
            )


if __name__ == "__main__":
    main()
