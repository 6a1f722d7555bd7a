"""Shared test fixtures. Real third-party data lives in ../shared/data beside the checkout (never copied here)."""

from __future__ import annotations

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
