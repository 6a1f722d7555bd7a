"""The curated positives of the classifier demo (run_configs/classifier.yaml), the benchmark and the tests, as JSONL.

    python benchmarks/classifier_data.py [OUT.jsonl]     (default out/classifier/curated.jsonl)

Curated text from ../shared/data in ~2,000-character documents, `{"text", "source"}` a line: English Wikipedia
(llama-factory's wiki_demo), two novels (Botchan, Wagahai wa neko de aru), the Universal Declaration of Human
Rights in 12 languages, and the gold article bodies of the article-extraction benchmark (181 English news
articles). The loaders are the test suite's (tests/test_classifier.py `curated_texts`), so the demo trains on
what the tests train on. The negatives need no conversion: the trainer reads the crawl's WARC files itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from test_classifier import curated_texts, write_jsonl  # noqa: E402  (the test suite's loaders of the same text)

SHARED = REPO.parent / "shared" / "data"


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "out/classifier/curated.jsonl")
    out.parent.mkdir(parents=True, exist_ok=True)
    texts = curated_texts(SHARED)
    write_jsonl(out, texts)
    print(f"{out}: {len(texts)} curated documents")


if __name__ == "__main__":
    main()
