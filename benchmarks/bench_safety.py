"""Benchmark: the safety stages on real extracted web text, and the per-worker cost of the UT1 blocklist.

    python benchmarks/bench_safety.py [--repeat 3] [--copies 4]

Documents: benchmarks/safety_data.py (every page of ../shared/data/warc/, extracted by the pipeline's
reader, with URLs, plus Dolma CC and the C4 sample), `--copies` times. Prints, for one core (one process,
batches of 256 as the pipeline's DoFn calls `Stage.apply`): documents/s and MB/s of the URL blocklist
stage with the full UT1 list (4.56 M domains) and datatrove's banned URL words, the word-blocklist stage
with every LDNOOBW list (ratio mode), the PII stage, the opt-out stage plus the reader's <meta>/header
scan of the raw HTML (AEB pages), and all four together; then the UT1 load time, the bytes of its hash
arrays, the RSS the load adds and the peak RSS. Also prints the word-ratio distribution that set the
default `max_ratio` (English documents with any LDNOOBW hit).
"""

from __future__ import annotations

import argparse
import gzip
import resource
import sys
import time
from pathlib import Path

from apache_beam.utils.shared import Shared

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_stages import best_of
from safety_data import SHARED, text_documents, web_documents

from corpusforge.pipeline.config import parse_config
from corpusforge.transforms.filters.language import LanguageModel
from corpusforge.transforms.safety.opt_out import opt_out_signals, opt_out_stage
from corpusforge.transforms.safety.pii import pii_stage
from corpusforge.transforms.safety.url_blocklist import url_blocklist_stage
from corpusforge.transforms.safety.word_blocklist import word_blocklist_stage

BATCH = 256
UT1 = SHARED / "blocklists/datatrove-ut1"


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def run_batches(stages, docs) -> None:
    for i in range(0, len(docs), BATCH):
        batch = docs[i : i + BATCH]
        for stage in stages:
            batch = [d for d in stage.apply(batch) if not hasattr(d, "verdict")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="passes of each; the best counts (default 3)")
    parser.add_argument("--copies", type=int, default=4, help="the real documents, this many times (default 4)")
    args = parser.parse_args()

    web = web_documents()
    docs = web + text_documents()
    model = LanguageModel()
    docs = [
        d if "lang" in d.meta else d.with_meta(lang=lang)
        for d, (lang, _) in zip(docs, model.predict([d.text for d in docs]))
    ]
    docs = docs * args.copies
    mb = sum(len(d.text.encode()) for d in docs) / 1e6
    html = [gzip.decompress(p.read_bytes()) for p in sorted((SHARED / "html/scrapinghub-aeb/html").glob("*.html.gz"))]
    print(f"{len(docs):,} documents ({mb:.1f} MB of text); {len(html)} raw HTML pages for the consent scan")

    config = parse_config(
        {
            "safety": {
                "enabled": True,
                "url_blocklist": {
                    "archives": [str(UT1 / "url_filterblacklistsv0_3_0.tar.gz")],
                    "banned_words": str(UT1 / "banned_words.txt"),
                    "soft_banned_words": str(UT1 / "soft_banned_words.txt"),
                },
                "word_blocklist": {"directory": str(SHARED / "blocklists/ldnoobw")},
            }
        }
    ).safety

    before = rss_mb()
    started = time.perf_counter()
    url_stage = url_blocklist_stage(config)
    url_stage.setup([Shared()])
    load_secs = time.perf_counter() - started
    blocklist = url_stage.filters[0]._blocklist
    print(
        f"UT1 load: {load_secs:.2f} s, {len(blocklist.domains):,} domains + {len(blocklist.urls):,} URLs, "
        f"hash arrays {(blocklist.domains.hashes.nbytes + blocklist.urls.hashes.nbytes) / 2**20:.1f} MiB, "
        f"RSS +{rss_mb() - before:.0f} MiB after loading (peak RSS so far "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)"
    )

    word_stage, pii, opt_stage = word_blocklist_stage(config), pii_stage(config), opt_out_stage(config)
    for stage in (word_stage, pii, opt_stage):
        stage.setup([Shared()])

    def consent() -> None:
        for page in html:
            opt_out_signals([("x-robots-tag", "noindex")], page)
        run_batches([opt_stage], docs)

    rows = [
        ("url_blocklist (UT1)", lambda: run_batches([url_stage], docs), len(docs)),
        ("word_blocklist (LDNOOBW)", lambda: run_batches([word_stage], docs), len(docs)),
        ("pii", lambda: run_batches([pii], docs), len(docs)),
        ("opt_out + <meta> scan", consent, len(docs)),
        ("all four", lambda: (consent(), run_batches([url_stage, word_stage, pii], docs)), len(docs)),
    ]
    print(f"{'stage':26} {'docs/s/core':>12} {'MB/s/core':>10}")
    for name, fn, n in rows:
        secs = best_of(args.repeat, fn)
        print(f"{name:26} {n / secs:12,.0f} {mb / secs:10.1f}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")

    english = [d for d in docs[: len(docs) // args.copies] if d.meta.get("lang") == "en"]
    en_list = word_stage._lists["en"]
    ratios = sorted(
        (found / max(words, 1) for found, words in map(en_list.count, (d.text for d in english)) if found), reverse=True
    )
    print(
        f"word ratio (LDNOOBW en) on {len(english)} English documents: {len(ratios)} with any hit "
        f"(the c4 rule drops {len(ratios) / len(english):.1%}); ratios: " + ", ".join(f"{r:.4f}" for r in ratios)
    )
    for threshold in (0.005, 0.01, 0.02, 0.05):
        print(
            f"  max_ratio {threshold}: drops {sum(r > threshold for r in ratios)} ({sum(r > threshold for r in ratios) / len(english):.2%})"
        )


if __name__ == "__main__":
    main()
