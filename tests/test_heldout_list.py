"""The held-out clip list (`tools/heldout/clips.tsv`) stays held out and well formed."""

from __future__ import annotations

import csv
import importlib.util
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIST = ROOT / "tools" / "heldout" / "clips.tsv"
VERIFIER_SOURCES = ROOT / "tools" / "train_verifier" / "sources.py"
EVALUATION_SOURCES = ROOT.parent / "shared" / "datasets" / "evaluation-sources.txt"


def _rows() -> list[dict[str, str]]:
    with LIST.open(newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_every_clip_is_pinned_labelled_and_named_once() -> None:
    rows = _rows()
    assert len(rows) >= 45
    for row in rows:
        assert re.fullmatch(r"[0-9a-f]{40}", row["commit"]), row
        assert row["expect"] in ("alarm", "no_alarm"), row
        owner, name = row["repository"].split("/")
        assert row["clip"].startswith(f"{owner}__{name}/"), row
        for bound in (row["start_s"], row["end_s"]):
            assert bound == "" or float(bound) >= 0, row
    assert len({row["clip"] for row in rows}) == len(rows)
    # No repository dominates the measure.
    assert max(Counter(row["repository"] for row in rows).values()) <= 4


def test_no_clip_comes_from_an_evaluation_source() -> None:
    if not EVALUATION_SOURCES.is_file():
        pytest.skip(f"{EVALUATION_SOURCES} is not beside the project")
    lines = EVALUATION_SOURCES.read_text().splitlines()
    forbidden = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    assert forbidden, "the evaluation source list is empty"
    assert not {row["repository"] for row in _rows()} & forbidden


def test_no_clip_comes_from_a_source_of_the_verifier() -> None:
    """Neither its training footage nor the footage its thresholds are chosen on."""
    spec = importlib.util.spec_from_file_location("verifier_sources", VERIFIER_SOURCES)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while defined
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    used = {source.repo for source in module.ALL_SOURCES}
    assert len(used) >= 20
    assert not {row["repository"] for row in _rows()} & used
