"""The held-out clip lists (`tools/heldout/clips.tsv`, `fire_free.tsv`) stay held out and well
formed."""

from __future__ import annotations

import csv
import importlib.util
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "tools" / "heldout"
# Each list with the fewest clips it holds, so that a truncated file fails.
LISTS = {"clips.tsv": 45, "fire_free.tsv": 35}
VERIFIER_SOURCES = ROOT / "tools" / "train_verifier" / "sources.py"
EVALUATION_SOURCES = ROOT.parent / "shared" / "datasets" / "evaluation-sources.txt"


def _rows(name: str) -> list[dict[str, str]]:
    with (HELDOUT / name).open(newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


each_list = pytest.mark.parametrize("name", sorted(LISTS))


@each_list
def test_every_clip_is_pinned_labelled_and_named_once(name: str) -> None:
    rows = _rows(name)
    assert len(rows) >= LISTS[name]
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


def test_the_lists_share_no_repository() -> None:
    """A repository in both would make the two measures of false alarms one."""
    clips, fire_free = ({row["repository"] for row in _rows(name)} for name in sorted(LISTS))
    assert not clips & fire_free


def test_the_fire_free_list_is_fire_free() -> None:
    assert {row["expect"] for row in _rows("fire_free.tsv")} == {"no_alarm"}


@each_list
def test_no_clip_comes_from_an_evaluation_source(name: str) -> None:
    if not EVALUATION_SOURCES.is_file():
        pytest.skip(f"{EVALUATION_SOURCES} is not beside the project")
    lines = EVALUATION_SOURCES.read_text().splitlines()
    forbidden = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    assert forbidden, "the evaluation source list is empty"
    assert not {row["repository"] for row in _rows(name)} & forbidden


@each_list
def test_no_clip_comes_from_a_source_of_the_verifier(name: str) -> None:
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
    assert not {row["repository"] for row in _rows(name)} & used
