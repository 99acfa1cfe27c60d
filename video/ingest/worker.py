"""The worker process: runs a shard of cameras; only typed messages leave it.

Frames never cross a process boundary (a 720p frame is 2.7 MB; pickling hundreds per second
would cost more than decoding them). What leaves is the JSON form of `Detection`, `ClipReady`,
`CameraHealth` (a camera's state changes) and `WorkerReport` (each second), put on a
multiprocessing queue that the supervisor reads.
"""

from __future__ import annotations

import importlib
import logging
import math
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

import cv2

from video.analyzer import FrameAnalyzer
from video.config import CameraConfig, DetectorConfig, IngestConfig
from video.detection import ClipReady
from video.ingest.camera import CameraPipeline, Emit, Message, PipelineSettings
from video.ingest.errors import WorkerError
from video.ingest.glibc import tune_malloc
from video.ingest.media import clip_path, write_clip
from video.ingest.recorder import FinishedClip
from video.ingest.stats import WorkerReport

log = logging.getLogger(__name__)

SPEC_VERSION = 1
# The worker's thread wakes for each report, for each camera's next possible state change
# (`HealthMachine.next_check`: a stall shows when it is due, not up to a tick later) and at
# least this often, to notice a stop. Its wake-ups cost a still camera more than its health
# work: 0.23-0.26 ms per stream-second waking every 0.25 s, 0.14 ms every 0.5 s.
TICK_S = 0.5
# Sleeping less would spin on a check that is due but changes nothing.
MIN_SLEEP_S = 0.01
REPORT_EVERY_S = 1.0

AnalyzerFactory = Callable[[CameraConfig, DetectorConfig], FrameAnalyzer]


class MessageSink(Protocol):
    def put(self, obj: dict[str, Any]) -> None: ...


class StopFlag(Protocol):
    """A shared byte the supervisor sets to 1. Not a multiprocessing.Event: setting one waits
    for every process sleeping on it, so a worker that died asleep would hang the hub's stop."""

    value: int


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    """Everything a worker process needs, in the JSON form it crosses the boundary in."""

    index: int
    cameras: tuple[CameraConfig, ...]
    ingest: IngestConfig
    detector: DetectorConfig
    data_dir: Path
    analyzer_factory: str

    def to_json(self) -> dict[str, Any]:
        return {
            "v": SPEC_VERSION,
            "type": "worker_spec",
            "index": self.index,
            "cameras": [c.model_dump(mode="json") for c in self.cameras],
            "ingest": self.ingest.model_dump(mode="json"),
            "detector": self.detector.model_dump(mode="json"),
            "data_dir": str(self.data_dir),
            "analyzer_factory": self.analyzer_factory,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> WorkerSpec:
        if obj.get("v") != SPEC_VERSION or obj.get("type") != "worker_spec":
            raise WorkerError(f"expected worker_spec v{SPEC_VERSION}, got {obj!r:.120}")
        return cls(
            index=int(obj["index"]),
            cameras=tuple(CameraConfig.model_validate(c) for c in obj["cameras"]),
            ingest=IngestConfig.model_validate(obj["ingest"]),
            detector=DetectorConfig.model_validate(obj["detector"]),
            data_dir=Path(obj["data_dir"]),
            analyzer_factory=str(obj["analyzer_factory"]),
        )


def worker_count(cameras: int, workers: int | None, per_worker: int, cores: int) -> int:
    """Worker processes for `cameras`: `workers` (default one per core), more if one would
    carry over `per_worker` cameras.

    Measured with `firegrid bench capacity` (640x360, 25 fps, 2 cores, 2026-12-01): with about
    25 or more cameras in one process, their 50-odd threads contend for its interpreter, and now
    and then one camera's decode thread waits so long that its five-second inbox overflows and
    frames are dropped, while the cores are a quarter idle (95 cameras: 1,627 frames dropped in
    15 s with two processes, none with four). With at most 16 a process the hub kept up with
    114-125 cameras instead of 41, where it is CPU-bound. Each extra process costs its fixed
    memory (Python, FFmpeg, OpenCV and the verifier: about 115-150 MB).
    """
    wanted = workers or cores
    return max(1, wanted, math.ceil(cameras / per_worker))


def shard(cameras: Sequence[CameraConfig], workers: int) -> list[tuple[CameraConfig, ...]]:
    """Deal cameras round-robin to at most `workers` non-empty shards."""
    count = max(1, min(workers, len(cameras)))
    return [tuple(cameras[i::count]) for i in range(count)]


def load_factory(path: str) -> AnalyzerFactory:
    """Import "package.module:function"; worker processes cannot receive a function object."""
    module_name, sep, attr = path.partition(":")
    if not sep or not module_name or not attr:
        raise WorkerError(f"analyser factory must be 'module:function', got {path!r}")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise WorkerError(f"cannot import analyser factory {path!r}: {exc}") from exc
    return cast(AnalyzerFactory, factory)


class ClipWriter:
    """Remuxes finished clips on its own thread, so no camera thread waits on the disk."""

    def __init__(self, data_dir: Path, emit: Emit) -> None:
        self._data_dir = data_dir
        self._emit = emit
        # Unbounded on purpose: clips are as rare as alarms, and an alarm's clip is never dropped.
        self._queue: queue.SimpleQueue[tuple[str, FinishedClip] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="clip-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, camera_id: str, clip: FinishedClip) -> None:
        self._queue.put((camera_id, clip))

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            camera_id, clip = item
            path = clip_path(self._data_dir, camera_id, clip.detection_id)
            try:
                write_clip(path, clip.packets)
            except (OSError, ValueError):
                log.exception("cannot write clip %s", path)
                continue
            self._emit(ClipReady(clip.detection_id, camera_id, str(path), clip.start_t, clip.end_t))


class Worker:
    """The cameras of one shard, their clip writer and the health ticker."""

    def __init__(self, spec: WorkerSpec, sink: MessageSink) -> None:
        self._sink = sink
        factory = load_factory(spec.analyzer_factory)
        settings = PipelineSettings(ingest=spec.ingest, data_dir=spec.data_dir)
        self.clips = ClipWriter(spec.data_dir, self.emit)
        self.cameras = [
            CameraPipeline(cam, factory(cam, spec.detector), settings, self.emit, self.clips.submit)
            for cam in spec.cameras
        ]

    def emit(self, message: Message) -> None:
        self._sink.put(message.to_json())

    def run(self, stop: StopFlag) -> None:
        self.clips.start()
        for camera in self.cameras:
            camera.start()
        next_report = time.monotonic()
        parent = os.getppid()
        # an orphaned worker (the hub was killed) stops too, instead of decoding for nobody
        while not stop.value and os.getppid() == parent:
            checks = (camera.seconds_to_next_check() for camera in self.cameras)
            wait = min(TICK_S, next_report - time.monotonic(), *checks)
            time.sleep(max(MIN_SLEEP_S, wait))
            report = time.monotonic() >= next_report
            if report:
                next_report += REPORT_EVERY_S
            parts = [part for camera in self.cameras if (part := camera.tick(report))]
            if parts:
                self.emit(WorkerReport(tuple(h for h, _ in parts), tuple(d for _, d in parts)))
        self.shutdown()

    def shutdown(self) -> None:
        # Signal every camera first so that their read timeouts run out together.
        threads = [
            threading.Thread(target=camera.stop, name=f"stop-{camera.camera.id}")
            for camera in self.cameras
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for camera in self.cameras:
            self.emit(camera.status())
        self.clips.stop()


def worker_main(spec_json: dict[str, Any], sink: MessageSink, stop: StopFlag) -> None:
    """Entry point of a worker process (spawned: no state inherited from the hub)."""
    tune_malloc()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(processName)s %(message)s")
    # Each camera is single-threaded; OpenCV's own pool would fight the other cameras' threads.
    cv2.setNumThreads(1)
    Worker(WorkerSpec.from_json(spec_json), sink).run(stop)
