"""Fixtures shared by the video benches' tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def generated_bench_footage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The benches encode the generated pattern into a private cache, as on a machine without
    the shared footage (the pattern's name holds a colon)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("FIREGRID_BENCH_SOURCE", "lavfi:testsrc2")
