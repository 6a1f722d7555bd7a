"""Benchmark: the document stages (clean, language) on real extracted text, next to raw lid.176.

    python benchmarks/bench_stages.py [--repeat 3]

Texts: the main text of the AEB article pages (../shared/data/html/scrapinghub-aeb/, extracted with the
`fast` extractor) and the C4 documents of ../shared/data/text/llama-factory-web/c4_demo.jsonl. Prints, for
one core, documents/s and MB/s of: the clean stage, the language stage (`language_stage(...).apply` in batches,
as the pipeline's DoFn calls it), and raw `lid.176` prediction (`model.predict(text.replace("\\n", " "))`
in a loop) on the same texts; the ratio of the last two; and peak RSS.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import time
from pathlib import Path

from apache_beam.utils.shared import Shared

from corpusforge.pipeline.config import CleanConfig, LanguageConfig
from corpusforge.transforms.document import Document
from corpusforge.transforms.extract.boilerplate import extract_main_text
from corpusforge.transforms.extract.extract import decode_body
from corpusforge.transforms.filters.clean import clean_stage
from corpusforge.transforms.filters.language import LanguageModel, language_stage

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BATCH = 256


def load_texts() -> list[str]:
    texts = []
    for path in sorted((SHARED / "html/scrapinghub-aeb/html").glob("*.html.gz")):
        text, _ = extract_main_text(decode_body(gzip.decompress(path.read_bytes()), None), fallback=False)
        if text:
            texts.append(text)
    with open(SHARED / "text/llama-factory-web/c4_demo.jsonl", encoding="utf-8") as f:
        texts += [json.loads(line)["text"] for line in f if line.strip()]
    return texts


def best_of(repeat: int, fn) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="passes of each; the best counts (default 3)")
    args = parser.parse_args()

    texts = load_texts()
    docs = [Document(id=str(i), text=t) for i, t in enumerate(texts)]
    batches = [docs[i : i + BATCH] for i in range(0, len(docs), BATCH)]
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    clean = clean_stage(CleanConfig())
    language = language_stage(LanguageConfig())
    language.setup([Shared()])
    raw = LanguageModel().fasttext_model

    timings = {
        "clean stage": best_of(args.repeat, lambda: [clean.apply(b) for b in batches]),
        "language stage": best_of(args.repeat, lambda: [language.apply(b) for b in batches]),
        "raw lid.176": best_of(args.repeat, lambda: [raw.predict(t.replace("\n", " ")) for t in texts]),
    }
    print(
        f"{len(texts)} documents, {megabytes:.1f} MB of text (mean {megabytes * 1e6 / len(texts):,.0f} bytes), one core"
    )
    for name, secs in timings.items():
        print(f"  {name:15s} {len(texts) / secs:8,.0f} docs/s  {megabytes / secs:6.1f} MB/s")
    print(f"language stage / raw lid.176: {timings['raw lid.176'] / timings['language stage']:.2f}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
