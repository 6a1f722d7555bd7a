"""Shared test fixtures. Real third-party data lives in ../shared/data beside the checkout (never copied here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def pytest_sessionstart(session: pytest.Session) -> None:
    if not SHARED_DATA.is_dir():
        raise pytest.UsageError(f"real test data missing: {SHARED_DATA} (see ../shared/README.md); tests cannot run without it")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return SHARED_DATA


@pytest.fixture
def run_with_one_and_two_workers(tmp_path):
    """Runs `corpusforge run ARGS --output tmp_path/out<N>` on the DirectRunner with 1, then 2 worker
    processes, checks that the two manifests (less `volatile`; they hold every shard's sha256) are equal,
    and returns that manifest."""
    from corpusforge.pipeline.cli import main

    def run(*args: str) -> dict:
        manifests = []
        for workers in (1, 2):
            out = tmp_path / f"out{workers}"
            options = ["--runner=DirectRunner", "--direct_running_mode=multi_processing", f"--direct_num_workers={workers}"]
            assert main(["run", *args, "--output", str(out), "--quiet", "--", *options]) == 0
            manifest = json.loads((out / "manifest.json").read_text())
            manifest.pop("volatile")
            manifests.append(manifest)
        assert manifests[0] == manifests[1]
        return manifests[0]

    return run
