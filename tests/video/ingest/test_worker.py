"""Sharding, the worker's spec on the process boundary, and factory loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.video.ingest.analyzers import RedPatchAnalyzer
from video.config import CameraConfig, DetectorConfig, IngestConfig
from video.ingest.errors import WorkerError
from video.ingest.worker import WorkerSpec, load_factory, shard


def cams(n: int) -> list[CameraConfig]:
    return [
        CameraConfig(id=f"c{i}", name=f"c{i}", source=f"rtsp://h/{i}", grid="g", location=(1, 2))
        for i in range(n)
    ]


def test_shard_deals_cameras_evenly_and_never_makes_empty_shards() -> None:
    shards = shard(cams(7), 3)
    assert [len(s) for s in shards] == [3, 2, 2]
    assert sorted(c.id for s in shards for c in s) == sorted(c.id for c in cams(7))
    assert len(shard(cams(2), 8)) == 2
    assert shard([], 4) == [()]


def test_spec_round_trips_through_json() -> None:
    spec = WorkerSpec(
        1, tuple(cams(2)), IngestConfig(preroll_s=3), DetectorConfig(), Path("/d"), "m:f"
    )
    assert WorkerSpec.from_json(spec.to_json()) == spec
    with pytest.raises(WorkerError):
        WorkerSpec.from_json({**spec.to_json(), "v": 99})


def test_load_factory_imports_module_function() -> None:
    factory = load_factory("tests.video.ingest.analyzers:make_red_patch")
    analyzer = factory(cams(1)[0], DetectorConfig(analysis_fps=5, analysis_width=200))
    assert isinstance(analyzer, RedPatchAnalyzer)
    assert (analyzer.analysis_fps, analyzer.analysis_width) == (5, 200)


@pytest.mark.parametrize(
    "path", ["nocolon", "no.such.module:f", "tests.video.ingest.analyzers:nope"]
)
def test_load_factory_errors_say_what_is_wrong(path: str) -> None:
    with pytest.raises(WorkerError, match="factory"):
        load_factory(path)
