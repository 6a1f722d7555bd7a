"""The hostile corpus (make_hostile.py): no input record or file can kill a run.

`test_hostile_file` reads each file as the pipeline's read step does (`_ReadFileFn`: the format's reader,
charset decoding and extraction, the tally) and checks that every record that is not a document has the
expected named reason, that every good record around the bad ones comes out, and that the stage ledgers
reconcile. `test_whole_run_on_the_hostile_corpus` runs `corpusforge run` (the sample recipe's stages, no
tokenizer, two DirectRunner worker processes) over all of it at once, the 2.25 GiB gzip bombs and the 60 MB
page included, and checks the run's own accounts and its peak memory (process tree, /proc sampled).
"""

from __future__ import annotations

import collections
import gzip
import json
import sys
import zlib
from pathlib import Path

import pyarrow as pa
import pytest
from make_hostile import CASES, Case, crc32_repeated, goods_by_case, repeated_gzip_member, write_corpus
from process_tree import run_sampled

from corpusforge.pipeline.config import ExtractConfig, InputConfig
from corpusforge.transforms.accounting import REJECTED
from corpusforge.transforms.document import Document, Rejection, SourceFile
from corpusforge.transforms.extract.extract import _ExtractFn
from corpusforge.transforms.io import read as read_module
from corpusforge.transforms.io.read import PAGES, _ReadFileFn

REPO = Path(__file__).resolve().parents[2]
MAX_TREE_RSS = 4 * 10**9  # bytes, the whole process tree (issue #11: 4 GB)
STAGES = ("read", "extract")


@pytest.fixture(scope="session")
def hostile_corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("hostile")
    write_corpus(out, huge=True)
    return out


@pytest.fixture(scope="session")
def goods() -> dict[str, list]:
    return goods_by_case()


def read_file(path: Path, relpath: str) -> tuple[list[Document], list[Rejection], dict[tuple[str, str], int]]:
    """The documents, dead letters and tally (records per (stage, name)) of reading one file and extracting its
    web pages, as the pipeline's read and extract steps do."""
    read = _ReadFileFn(input_config=InputConfig(), progress_interval_secs=60)
    extract = _ExtractFn(ExtractConfig())
    read.setup()
    extract.setup()
    read.start_bundle()
    extract.start_bundle()
    outputs = []
    for item in read.process(SourceFile(str(path), relpath, path.stat().st_size)):
        if getattr(item, "tag", None) == PAGES:
            outputs += extract.process(item.value)
        else:
            outputs.append(item)
    tally = {
        key: counts[0]  # (records, bytes)
        for fn in (read, extract)
        for tagged in fn.finish_bundle()
        for key, counts in [tagged.value.value]
        if isinstance(counts, tuple)  # not the report's observations (CPU time)
    }
    docs = [o for o in outputs if isinstance(o, Document)]
    dead = [o.value for o in outputs if not isinstance(o, Document) and o.tag == REJECTED]
    assert all(isinstance(o, Document) or o.tag == REJECTED for o in outputs)
    return docs, dead, tally


def page_url(url: str | None) -> str:
    """A document's URL without its query (the 100 KB URL cases append one to a good record's URL)."""
    return (url or "").split("?")[0]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_file(case: Case, hostile_corpus: Path, goods):
    docs, dead, tally = read_file(hostile_corpus / case.name, case.name)
    reasons = {
        f"{stage}/{name.replace(':', '/')}": records
        for (stage, name), records in tally.items()
        if ":" in name and not name.startswith("group_")
    }
    assert reasons == dict(case.expect)
    by_url = {page_url(d.url): d for d in docs}
    for good in goods[case.name]:  # each comes out, its text decoded right (lying charsets, NUL bytes...)
        assert good.paragraphs[-1][-20:] in by_url[good.url].text, good.url
    assert len(docs) == case.good + case.others
    dead_letters = collections.Counter(f"{r.stage}/dead_letter/{r.reason}" for r in dead)
    assert dead_letters == {key: n for key, n in case.expect.items() if "/dead_letter/" in key}
    for r in dead:  # every dead letter says where and why
        assert r.source == case.name and r.detail and 0 <= r.nbytes < 2**63
    # the ledger: each stage's records in = out + what it rejected; read passes web pages on to extract
    for stage in STAGES:
        losses = sum(n for (s, name), n in tally.items() if s == stage and ":" in name)
        assert tally.get((stage, "in"), 0) == tally.get((stage, "out"), 0) + losses, stage
    from_pages = tally.get(("extract", "out"), 0)
    assert tally.get(("read", "out"), 0) - tally.get(("extract", "in"), 0) + from_pages == len(docs)


def test_every_case_has_a_reason_or_good_records():
    """Each file either yields a named reason or exercises good records through a hostile path; names are unique."""
    assert len({c.name for c in CASES}) == len(CASES)
    assert all(c.expect or c.good for c in CASES)
    assert all(c.what for c in CASES), "each builder's docstring says what is hostile"


@pytest.mark.parametrize("count", [0, 1, 5, 1000])
def test_repeated_gzip_members_are_what_they_claim(count):
    """The generator's bombs are valid gzip: the right bytes, CRC-32 and size (gzip checks both)."""
    unit = bytes(range(256)) * 300
    member = repeated_gzip_member(b"head", unit, count, b"tail")
    assert gzip.decompress(member) == b"head" + unit * count + b"tail"
    assert crc32_repeated(b"abc", count, 12345) == zlib.crc32(b"abc" * count, 12345)


def test_machine_faults_stop_the_run_but_bad_files_are_dead_lettered(tmp_path, monkeypatch):
    """An ImportError or MemoryError is the install's or machine's fault: it propagates, where any other
    error in a file's reader is that file's dead letter."""
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"text": "x"}\n')

    def broken(error):
        def iter_records(*args, **kwargs):
            raise error

        return iter_records

    monkeypatch.setattr(read_module, "iter_records", broken(ValueError("bad bytes")))
    _, dead, _ = read_file(path, "a.jsonl")
    assert [(d.reason, d.detail) for d in dead] == [("file_error", "ValueError: bad bytes")]
    for fault in (ImportError("No module named 'fastwarc'"), MemoryError()):
        monkeypatch.setattr(read_module, "iter_records", broken(fault))
        with pytest.raises(type(fault)):
            read_file(path, "a.jsonl")


def _dead_letters_by_file(out: Path) -> dict[str, collections.Counter]:
    by_file: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for line in (out / "rejects" / "dead_letters.jsonl").read_text().splitlines():
        record = json.loads(line)
        by_file[record["source"]][f"{record['stage']}/dead_letter/{record['reason']}"] += 1
    return by_file


def test_whole_run_on_the_hostile_corpus(hostile_corpus: Path, goods, tmp_path):
    out = tmp_path / "out"
    run = run_sampled(
        [
            str(Path(sys.executable).with_name("corpusforge")),
            "run",
            str(REPO / "run_configs" / "local.yaml"),
            "--input",
            str(hostile_corpus / "*"),
            "--output",
            str(out),
            "--set",
            "tokenizer.enabled=false",
            "--quiet",
            "--",
            "--direct_num_workers=2",  # the recipe's 0 means one per core: fixed here, as RSS adds up per worker
        ],
        cwd=REPO,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    print(
        f"hostile corpus: {run.seconds:.0f} s, peak RSS: tree {run.peak_rss / 1e9:.2f} GB, one process {run.peak_process_rss / 1e9:.2f} GB"
    )
    assert run.peak_rss < MAX_TREE_RSS
    stats = json.loads((out / "stats.json").read_text())
    assert stats["reconciled"] and (out / "_SUCCESS").exists()
    # every input record accounted for: read = kept + dropped + skipped + dead-lettered, stage by stage too
    for name, stage in stats["stages"].items():
        losses = sum(c["records"] for v in ("dropped", "skipped", "dead_letter") for c in stage.get(v, {}).values())
        if "in" in stage:
            assert stage["in"]["records"] == stage["out"]["records"] + losses, name
    # every good record around the hostile ones survives the whole recipe
    documents = pa.concat_tables(pa.ipc.open_file(pa.memory_map(str(p))).read_all() for p in out.glob("documents/*"))
    kept = {page_url(url) for url in documents.column("url").to_pylist()}
    assert {g.url for case in CASES for g in goods[case.name]} <= kept
    # each file's dead letters are the reader's, named as expected; drops and skips add up
    by_file = _dead_letters_by_file(out)
    for case in CASES:
        expected = {key: n for key, n in case.expect.items() if "/dead_letter/" in key}
        assert dict(by_file.get(case.name, {})) == expected, case.name
    for stage in STAGES:
        for verdict in ("dropped", "skipped"):
            expected = collections.Counter()
            for case in CASES:
                for key, n in case.expect.items():
                    if key.startswith(f"{stage}/{verdict}/"):
                        expected[key.rsplit("/", 1)[1]] += n
            found = {reason: c["records"] for reason, c in stats["stages"].get(stage, {}).get(verdict, {}).items()}
            assert found == dict(expected), (stage, verdict)
    assert stats["dead_lettered"] == sum(sum(c.values()) for c in by_file.values())
    assert stats["kept"] == documents.num_rows
