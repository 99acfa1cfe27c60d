"""The asyncio adapter the hub uses: worker processes in, typed messages out on the event loop.

A reader thread blocks on the workers' multiprocessing queue (the event loop never does) and
hands each message to the loop with `call_soon_threadsafe`; one task delivers them to the
registered callbacks in arrival order. Detections, clips and health reports are never dropped:
the queues on their path are unbounded, and they are rare next to frames, which never leave the
workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Awaitable, Callable, Sequence
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, TypeVar

from video.config import CameraConfig, DetectorConfig, IngestConfig
from video.detection import CameraHealth, ClipReady, Detection, MessageFormatError
from video.ingest.camera import Message
from video.ingest.errors import WorkerError
from video.ingest.metrics import render_metrics
from video.ingest.stats import DecodeStats, WorkerReport
from video.ingest.worker import WorkerSpec, shard, worker_count, worker_main

log = logging.getLogger(__name__)

M = TypeVar("M", Detection, ClipReady, CameraHealth)
Callback = Callable[[M], Awaitable[None]]

PARSERS: dict[str, Callable[[dict[str, Any]], Message]] = {
    "detection": Detection.from_json,
    "clip_ready": ClipReady.from_json,
    "camera_health": CameraHealth.from_json,
    "worker_report": WorkerReport.from_json,
}
WATCH_S = 1.0
# A worker stops its cameras in parallel, each within its read timeout; beyond this it hangs.
STOP_TIMEOUT_S = 30.0


def parse_message(obj: dict[str, Any]) -> Message:
    parser = PARSERS.get(str(obj.get("type")))
    if parser is None:
        raise MessageFormatError(f"unknown message type in {obj!r:.120}")
    return parser(obj)


class IngestSupervisor:
    def __init__(
        self,
        cameras: Sequence[CameraConfig],
        ingest: IngestConfig,
        detector: DetectorConfig,
        data_dir: Path,
        analyzer_factory: str = "video.detector:make_detector",
    ) -> None:
        enabled = [c for c in cameras if c.enabled]
        workers = worker_count(
            len(enabled), ingest.workers, ingest.max_cameras_per_worker, os.cpu_count() or 1
        )
        self._specs = [
            WorkerSpec(i, shard_, ingest, detector, data_dir, analyzer_factory)
            for i, shard_ in enumerate(shard(enabled, workers))
            if shard_
        ]
        self._ctx = multiprocessing.get_context("spawn")
        self._stop_flag = self._ctx.RawValue("b", 0)
        self._queue: multiprocessing.Queue[dict[str, Any] | None] = self._ctx.Queue()
        self._processes: dict[int, BaseProcess] = {}
        self._status: dict[str, CameraHealth] = {}
        self._decode_stats: dict[str, DecodeStats] = {}
        self._detection_cbs: list[Callback[Detection]] = []
        self._clip_cbs: list[Callback[ClipReady]] = []
        self._health_cbs: list[Callback[CameraHealth]] = []
        self._inbox: asyncio.Queue[Message | None] = asyncio.Queue()
        self._reader: threading.Thread | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self.worker_restarts = 0

    # -- registration ----------------------------------------------------------------------

    def on_detection(self, cb: Callback[Detection]) -> None:
        self._detection_cbs.append(cb)

    def on_clip(self, cb: Callback[ClipReady]) -> None:
        self._clip_cbs.append(cb)

    def on_health(self, cb: Callback[CameraHealth]) -> None:
        self._health_cbs.append(cb)

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        for spec in self._specs:
            self._spawn(spec)
        self._reader = threading.Thread(
            target=self._read, args=(loop,), name="ingest-reader", daemon=True
        )
        self._reader.start()
        self._tasks = [
            asyncio.create_task(self._deliver(), name="ingest-deliver"),
            asyncio.create_task(self._watch(), name="ingest-watch"),
        ]

    async def stop(self) -> None:
        """Stop the workers, then deliver every message they sent before they ended."""
        if not self._tasks:
            return  # never started
        self._stopping = True
        self._stop_flag.value = 1
        for process in list(self._processes.values()):
            await asyncio.to_thread(process.join, STOP_TIMEOUT_S)
            if process.is_alive():
                log.error("ingest worker %s did not stop in time; terminating it", process.name)
                process.terminate()
                await asyncio.to_thread(process.join)
        self._queue.put(None)  # after every worker's own messages: the reader's last item
        if self._reader is not None:
            await asyncio.to_thread(self._reader.join)
        deliver, watch = self._tasks
        watch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watch
        await deliver
        self._tasks = []
        self._queue.close()

    # -- state -----------------------------------------------------------------------------

    def status(self) -> list[CameraHealth]:
        return [self._status[k] for k in sorted(self._status)]

    def decode_stats(self) -> list[DecodeStats]:
        """The latest decoder counters of each camera (sent with each periodic report)."""
        return [self._decode_stats[k] for k in sorted(self._decode_stats)]

    def worker_pids(self) -> list[int]:
        return [p.pid for p in self._processes.values() if p.pid is not None]

    def metrics_text(self) -> str:
        return render_metrics(self.status(), self.decode_stats(), workers=len(self._processes))

    # -- internals -------------------------------------------------------------------------

    def _spawn(self, spec: WorkerSpec) -> None:
        process = self._ctx.Process(
            target=worker_main,
            args=(spec.to_json(), self._queue, self._stop_flag),
            name=f"ingest-worker-{spec.index}",
            daemon=True,
        )
        process.start()
        self._processes[spec.index] = process

    def _read(self, loop: asyncio.AbstractEventLoop) -> None:
        while (obj := self._queue.get()) is not None:
            try:
                message = parse_message(obj)
            except (MessageFormatError, KeyError, TypeError, ValueError):
                log.exception("malformed message from an ingest worker")  # our bug
                continue
            loop.call_soon_threadsafe(self._inbox.put_nowait, message)
        loop.call_soon_threadsafe(self._inbox.put_nowait, None)

    async def _deliver(self) -> None:
        while (message := await self._inbox.get()) is not None:
            if isinstance(message, CameraHealth):
                await self._health(message)
            elif isinstance(message, Detection):
                await _call_all(self._detection_cbs, message)
            elif isinstance(message, ClipReady):
                await _call_all(self._clip_cbs, message)
            else:
                for stats in message.decode:
                    self._decode_stats[stats.camera_id] = stats
                for health in message.health:
                    await self._health(health)

    async def _health(self, health: CameraHealth) -> None:
        self._status[health.camera_id] = health
        await _call_all(self._health_cbs, health)

    async def _watch(self) -> None:
        """Restart a worker that died (a crash is our bug, but the cameras must come back)."""
        while not self._stopping:
            await asyncio.sleep(WATCH_S)
            for spec in self._specs:
                process = self._processes[spec.index]
                if process.is_alive() or self._stopping:
                    continue
                error = WorkerError(f"worker {spec.index} exited with {process.exitcode}")
                log.error("%s; restarting it", error)
                self.worker_restarts += 1
                self._spawn(spec)


async def _call_all(callbacks: Sequence[Callback[M]], message: M) -> None:
    for cb in callbacks:
        try:
            await cb(message)
        except Exception:
            log.exception("ingest callback %r failed on %s", cb, type(message).__name__)
