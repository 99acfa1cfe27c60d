"""Sharding, the worker's spec on the process boundary, factory loading and what a running
worker sends."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.video.ingest.analyzers import RedPatchAnalyzer
from tests.video.ingest.clips import encode_h264
from video.config import CameraConfig, DetectorConfig, IngestConfig
from video.detection import CameraHealth, ClipReady, Detection
from video.ingest.errors import WorkerError
from video.ingest.supervisor import parse_message
from video.ingest.worker import Worker, WorkerSpec, load_factory, shard, worker_count


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


@pytest.mark.parametrize(
    ("cameras", "workers", "expected"),
    [
        (4, None, 2),
        (32, None, 2),
        (33, None, 3),
        (118, None, 8),
        (0, None, 2),
        (40, 1, 3),
        (3, 5, 5),
    ],
)
def test_workers_are_one_per_core_unless_one_would_carry_too_many_cameras(
    cameras: int, workers: int | None, expected: int
) -> None:
    assert worker_count(cameras, workers, per_worker=16, cores=2) == expected


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


class _Flag:
    value = 0


class _Sink:
    """What a worker puts on its queue, kept in order."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def put(self, obj: dict[str, Any]) -> None:
        self.sent.append(obj)


def test_a_running_worker_reports_all_its_cameras_in_one_message_a_second(
    tmp_path: Path,
) -> None:
    clip = encode_h264(tmp_path / "a.264", seconds=1.0, gop=10)
    cameras = tuple(
        CameraConfig(id=f"c{i}", name=f"c{i}", source=str(clip), grid="g", location=(1, 2))
        for i in range(3)
    )
    spec = WorkerSpec(
        0,
        cameras,
        IngestConfig(),
        DetectorConfig(analysis_width=160),
        tmp_path,
        "tests.video.ingest.analyzers:make_red_patch",
    )
    sink, flag = _Sink(), _Flag()
    runner = threading.Thread(target=Worker(spec, sink).run, args=(flag,))
    runner.start()
    time.sleep(2.6)  # two and a half report periods
    flag.value = 1
    runner.join(15)
    reports = [parse_message(m) for m in sink.sent if m["type"] == "worker_report"]
    assert 2 <= len(reports) <= 4  # one a second (the first at once), not one per camera
    last = reports[-1]
    assert not isinstance(last, (CameraHealth, Detection, ClipReady))
    assert [h.camera_id for h in last.health] == ["c0", "c1", "c2"]
    assert [d.camera_id for d in last.decode] == ["c0", "c1", "c2"]
    assert all(h.state == "online" for h in last.health)
    assert all(d.decoded_frames > 0 for d in last.decode)
    # Only state changes travel alone (connecting -> online, once per camera), and at shutdown
    # each camera's last status.
    alone = [m for m in sink.sent if m["type"] == "camera_health"]
    changes, final = alone[:-3], alone[-3:]
    assert sorted(m["camera_id"] for m in changes if m["state"] == "online") == ["c0", "c1", "c2"]
    assert [m["camera_id"] for m in final] == ["c0", "c1", "c2"]
