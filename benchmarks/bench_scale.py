"""Benchmark: does the local default run in flat memory? `run_configs/local.yaml` at 1× and 8× the same corpus.

    python benchmarks/bench_scale.py [--workdir /tmp/corpusforge-scale] [--pages 6000] [--scales 1 8]

The corpus is generated into `--workdir` (never the repository): WARC files of HTML pages whose text is
real, recombined. Sentences of ../shared/data (English: the AEB article bodies, C4 and Wikipedia demo
documents, UD English-EWT; German, French, Spanish, Chinese: lingua's Leipzig sentences; Japanese: lingua,
UD Japanese-GSD and the SentencePiece novel) are drawn, seeded, into paragraphs (half the pages English,
a tenth each the others), inside page furniture (navigation, related links, footer) and an inline image of
random bytes, so that a page weighs what a Common Crawl response does (about 20 KB gzipped). Every page has
its own URL and its own draw of sentences from pools of thousands, so no page is a duplicate of another:
at 8× the kept corpus is 8 times the 1× one. A scale unit is `--pages` pages in 8 WARC files, unit `i`
seeded with `i`; scale `s` reads units 0..s-1.

Each scale runs `corpusforge run run_configs/local.yaml` (the DirectRunner, one worker process per core)
with `--set tokenizer.sample_max_bytes=...` (a training sample of fixed size: the recipe's own default,
500 MB, would train on the whole corpus at either scale, so training memory would measure the sample,
not the pipeline) and `tokenizer.vocab_size=8000` (the recipe's 2,000 suits its sample; these pages have
more distinct CJK characters than that). The whole process tree's RSS is sampled every 0.2 s; the table shows its peak, the
launcher's (where the DirectRunner holds every collection between fused stages) and the workers', the
kept documents, wall time and the shuffle bytes per kept document from stats.json; then the ratio of the
peaks and the bytes of peak RSS per added kept document.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import io
import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
FILES_PER_UNIT = 8
LANGUAGES = (("en", 0.5), ("de", 0.1), ("fr", 0.1), ("es", 0.1), ("ja", 0.1), ("zh", 0.1))
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_CJK_SENTENCE_END = re.compile(r"(?<=[。！？])")


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def sentence_pools() -> dict[str, list[str]]:
    """Real sentences per language, deduplicated and sorted (so a seed gives the same corpus everywhere)."""
    english = [
        v["articleBody"] for v in json.loads((SHARED / "html/scrapinghub-aeb/ground-truth.json").read_text()).values()
    ]
    english += [json.loads(line)["text"] for line in _lines(SHARED / "text/llama-factory-web/c4_demo.jsonl")]
    english.append((SHARED / "text/llama-factory-web/wiki_demo.txt").read_text(encoding="utf-8"))
    pools = {"en": {s.strip() for t in english for s in _SENTENCE_END.split(t) if len(s.split()) >= 6}}
    ud = SHARED / "text/ud-raw-sentences"
    pools["en"] |= {
        s for s in _lines(ud / "en_ewt-ud-test.text.txt") + _lines(ud / "en_ewt-ud-dev.text.txt") if len(s.split()) >= 6
    }
    for lang in ("de", "fr", "es", "zh", "ja"):
        pools[lang] = set(_lines(SHARED / f"langid/lingua-sentences/{lang}.txt"))
    novel = (SHARED / "text/sentencepiece-novels/wagahaiwa_nekodearu.txt").read_text(encoding="utf-8")
    pools["ja"] |= {s.strip() for s in _CJK_SENTENCE_END.split(novel) if len(s.strip()) >= 15}
    pools["ja"] |= {
        s for s in _lines(ud / "ja_gsd-ud-test.text.txt") + _lines(ud / "ja_gsd-ud-dev.text.txt") if len(s) >= 15
    }
    return {lang: sorted(sentences) for lang, sentences in pools.items()}


def page_html(rng: random.Random, pools: dict[str, list[str]], lang: str, site: str) -> str:
    """An article page: 3-8 paragraphs of 3-6 real sentences among navigation, related links, a footer."""
    joiner = "" if lang in ("ja", "zh") else " "
    pool = pools[lang]
    paragraphs = [joiner.join(rng.sample(pool, rng.randint(3, 6))) for _ in range(rng.randint(3, 8))]
    title = pool[rng.randrange(len(pool))][:80]
    links = "".join(f'<li><a href="/{lang}/section-{rng.randrange(50)}">Section {i}</a></li>' for i in range(12))
    related = "".join(
        f'<li><a href="/{lang}/{rng.randrange(10**9)}">{pool[rng.randrange(len(pool))][:60]}</a></li>' for _ in range(6)
    )
    image = base64.b64encode(rng.randbytes(18_000)).decode("ascii")
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f'<link rel="stylesheet" href="/static/site.css"></head><body>\n'
        f'<header><div class="logo">{site}</div><nav><ul>{links}</ul></nav></header>\n'
        f"<main><article><h1>{title}</h1>\n{body}</article>\n<aside><h2>Related</h2><ul>{related}</ul></aside></main>\n"
        f"<footer><p>Copyright 2024 {site}. All rights reserved.</p><ul>{links}</ul></footer>\n"
        f'<img src="data:image/png;base64,{image}" alt="">\n</body></html>\n'
    )


def warc_record(headers: list[tuple[str, str]], block: bytes) -> bytes:
    """One WARC/1.0 record as its own gzip member (as Common Crawl stores them)."""
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + f"Content-Length: {len(block)}\r\n\r\n"
    return gzip.compress(head.encode("utf-8") + block + b"\r\n\r\n", compresslevel=6, mtime=0)


def generate_unit(unit: int, pages: int, folder: Path, pools: dict[str, list[str]]) -> list[Path]:
    """Scale unit `unit`: `pages` pages in FILES_PER_UNIT WARC files, seeded with `unit`."""
    rng = random.Random(f"bench_scale:{unit}")
    langs, weights = zip(*LANGUAGES)
    paths = []
    for part in range(FILES_PER_UNIT):
        path = folder / f"unit{unit}-part{part}.warc.gz"
        paths.append(path)
        if path.exists():
            continue
        out = io.BytesIO()
        for i in range(part, pages, FILES_PER_UNIT):
            lang = rng.choices(langs, weights)[0]
            site = f"site{rng.randrange(2000)}.example"
            html = page_html(rng, pools, lang, site).encode("utf-8")
            http = (
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                + f"Content-Length: {len(html)}\r\n\r\n".encode()
            )
            day = 1 + (unit * pages + i) % 28
            out.write(
                warc_record(
                    [
                        ("WARC-Type", "response"),
                        ("WARC-Record-ID", f"<urn:uuid:bench-scale-{unit}-{i}>"),
                        ("WARC-Date", f"2024-03-{day:02d}T12:00:00Z"),
                        ("WARC-Target-URI", f"https://{site}/{lang}/u{unit}/p{i}"),
                        ("Content-Type", "application/http; msgtype=response"),
                    ],
                    http + html,
                )
            )
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(out.getvalue())
        tmp.rename(path)
    return paths


def run_sampled(args: list[str], *, cwd: Path = REPO) -> dict:
    """Runs a command to completion, sampling the RSS of its whole process tree every 0.2 s: peak of the sum,
    of the launcher, and of its descendants (the DirectRunner's worker processes), in MB; and wall time."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    launcher = psutil.Process(proc.pid)
    peak = peak_launcher = peak_workers = 0
    while proc.poll() is None:
        try:
            rss_launcher = launcher.memory_info().rss
            rss_workers = 0
            for child in launcher.children(recursive=True):
                try:
                    rss_workers += child.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
        except psutil.NoSuchProcess:
            break
        peak = max(peak, rss_launcher + rss_workers)
        peak_launcher = max(peak_launcher, rss_launcher)
        peak_workers = max(peak_workers, rss_workers)
        time.sleep(0.2)
    stderr = proc.stderr.read() if proc.stderr else ""
    if proc.wait() != 0:
        raise SystemExit(f"{' '.join(args[:3])}: exit {proc.returncode}\n{stderr[-3000:]}")
    return {
        "secs": time.perf_counter() - started,
        "peak_mb": peak / 2**20,
        "launcher_mb": peak_launcher / 2**20,
        "workers_mb": peak_workers / 2**20,
    }


def run_scale(scale: int, workdir: Path, sample_bytes: int, corpusforge: Path) -> dict:
    """Runs the recipe on units 0..scale-1."""
    out = workdir / f"out-{scale}x"
    pattern = f"unit[0-{scale - 1}]-part*.warc.gz"
    args = [str(corpusforge), "run", "run_configs/local.yaml"]
    args += ["--input", str(workdir / "warc" / pattern), "--output", str(out), "--overwrite", "--quiet"]
    args += ["--set", f"tokenizer.sample_max_bytes={sample_bytes}", "--set", "tokenizer.vocab_size=8000"]
    measured = run_sampled(args)
    stats = json.loads((out / "stats.json").read_text())
    return {
        "scale": scale,
        "warc_mb": sum(p.stat().st_size for p in (workdir / "warc").glob(pattern)) / 2**20,
        "records": stats["records_read"],
        "kept": stats["kept"],
        "kept_text_mb": stats["kept_text_bytes"] / 2**20,
        **measured,
        # (an install from before the shuffle figure has none)
        "shuffle_per_doc": stats.get("shuffle", {}).get("bytes_per_kept_document"),
        "shuffle_stages": {
            k: v["bytes_per_kept_document"] for k, v in stats.get("shuffle", {}).get("stages", {}).items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/corpusforge-scale"))
    parser.add_argument("--pages", type=int, default=6000, help="pages per scale unit (default 6000, ~125 MB of WARC)")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--sample-mb", type=float, default=8.0, help="tokenizer training sample, MB (default 8)")
    parser.add_argument(
        "--corpusforge",
        type=Path,
        default=Path(sys.executable).parent / "corpusforge",
        help="the corpusforge command to measure (default: this environment's; another install compares revisions)",
    )
    args = parser.parse_args()
    folder = args.workdir / "warc"
    folder.mkdir(parents=True, exist_ok=True)
    pools = sentence_pools()
    print("sentence pools: " + ", ".join(f"{lang} {len(p):,}" for lang, p in pools.items()), flush=True)
    for unit in range(max(args.scales)):
        generate_unit(unit, args.pages, folder, pools)
    rows = [run_scale(scale, args.workdir, int(args.sample_mb * 1e6), args.corpusforge) for scale in args.scales]
    print(f"run_configs/local.yaml, DirectRunner, {psutil.cpu_count()} cores; RSS of the whole process tree")
    print(
        "| scale | WARC MB | records | kept docs | kept text MB | secs | peak RSS MB | launcher MB | workers MB | shuffle B/kept doc |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['scale']}× | {r['warc_mb']:.0f} | {r['records']:,} | {r['kept']:,} | {r['kept_text_mb']:.0f} | "
            f"{r['secs']:.0f} | {r['peak_mb']:.0f} | {r['launcher_mb']:.0f} | {r['workers_mb']:.0f} | {r['shuffle_per_doc']} |"
        )
    first, last = rows[0], rows[-1]
    added = last["kept"] - first["kept"]
    if added:  # two scales or more
        print(
            f"kept documents ×{last['kept'] / first['kept']:.2f}, peak RSS ×{last['peak_mb'] / first['peak_mb']:.2f}; "
            f"per added kept document: {(last['peak_mb'] - first['peak_mb']) * 2**20 / added:.0f} B in all, "
            f"launcher {(last['launcher_mb'] - first['launcher_mb']) * 2**20 / added:.0f} B, "
            f"workers {(last['workers_mb'] - first['workers_mb']) * 2**20 / added:.0f} B"
        )
    print("shuffle bytes per kept document by stage:", json.dumps(last["shuffle_stages"]))


if __name__ == "__main__":
    main()
