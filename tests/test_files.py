"""pipeline/files.py on local disk (object stores go through Beam's FileSystems: tests/test_outputs.py runs the
output-folder life cycle on a `fakestore://` filesystem), and the launcher of a local run without Beam."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from corpusforge.pipeline import files

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("path", "local"),
    [("/data/out", True), ("out/run", True), ("C:/x", True), ("gs://bucket/out", False), ("s3+x://b/k", False)],
)
def test_a_path_is_local_unless_it_has_a_scheme(path, local):
    assert files.is_local(path) is local


def test_local_files_round_trip_and_replace_atomically(tmp_path):
    target = str(tmp_path / "a" / "b" / "stats.json")
    files.atomic_write(target, b'{"kept": 1}')
    assert files.read_json(target) == {"kept": 1}
    files.atomic_write(target, b'{"kept": 2}')  # replaces the finished file; no .tmp left behind
    assert files.read_json(target) == {"kept": 2}
    assert sorted(p.name for p in (tmp_path / "a" / "b").iterdir()) == ["stats.json"]


def test_list_and_delete_a_local_tree(tmp_path):
    for name in ("documents/part-0.arrow", "documents/lang=de/part-0.arrow", "manifest.json"):
        files.write_bytes(files.join(str(tmp_path), name), b"x")
    assert files.list_tree(str(tmp_path)) == [
        "documents/lang=de/part-0.arrow",
        "documents/part-0.arrow",
        "manifest.json",
    ]
    files.delete(files.join(str(tmp_path), "manifest.json"))
    files.delete(files.join(str(tmp_path), "manifest.json"))  # already gone: no error
    assert not files.exists(files.join(str(tmp_path), "manifest.json"))
    files.delete_tree(files.join(str(tmp_path), "documents"))
    assert files.list_tree(str(tmp_path)) == []


def test_the_launcher_of_a_local_run_does_not_import_beam(tmp_path):
    """`corpusforge run` of a local run, in a fresh interpreter: the run succeeds, and the launcher never
    imported Beam (issue 18: its import is ~1 CPU s and ~120 MB, which the runner process pays again)."""
    code = (
        "import sys\n"
        "from corpusforge.pipeline.cli import main\n"
        f"rc = main(['run', 'run_configs/fineweb.yaml', '--input', 'samples/jsonl/docs-01.jsonl.gz', '--output', "
        f"{str(tmp_path / 'out')!r}, '--quiet'])\n"
        "print(rc, sorted({m.split('.')[0] for m in sys.modules} & {'apache_beam', 'pyarrow', 'pandas'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert done.stdout.splitlines()[-1] == "0 []", done.stdout + done.stderr[-2000:]
    assert (tmp_path / "out" / "_SUCCESS").exists()
