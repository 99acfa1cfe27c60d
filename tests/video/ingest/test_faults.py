"""The ingest against a real RTSP server that dies, freezes, restarts and sends garbage."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from pathlib import Path

import av
import pytest

from alerts.cameras import CameraRef, CameraWatch
from tests.conftest import UNIT
from tests.rtsp_fixtures import RtspServerFactory
from tests.video.ingest.clips import encode_h264
from video.config import CameraConfig, DetectorConfig, IngestConfig
from video.detection import CameraHealth, ClipReady, Detection
from video.ingest.supervisor import IngestSupervisor
from video.rtsp_fixture import Mount, RtspTestServer, corrupt_annexb

FACTORY = "tests.video.ingest.analyzers:make_red_patch"
FAST = IngestConfig(
    workers=1,
    preroll_s=2.0,
    postroll_s=1.0,
    open_timeout_s=1.0 * UNIT,
    read_timeout_s=2.0 * UNIT,
    backoff_max_s=0.5,
    offline_after_s=3.0 * UNIT,
)


class Collected:
    """Every message the supervisor delivered, in order, with a way to wait for one."""

    def __init__(self, supervisor: IngestSupervisor) -> None:
        self.messages: list[Detection | ClipReady | CameraHealth] = []
        self._changed = asyncio.Event()
        supervisor.on_detection(self._add)
        supervisor.on_clip(self._add)
        supervisor.on_health(self._add)

    async def _add(self, message: Detection | ClipReady | CameraHealth) -> None:
        self.messages.append(message)
        self._changed.set()

    def health(self) -> list[CameraHealth]:
        return [m for m in self.messages if isinstance(m, CameraHealth)]

    async def wait_for(
        self, predicate: Callable[[Detection | ClipReady | CameraHealth], bool], within: float
    ) -> Detection | ClipReady | CameraHealth:
        """The first message from now on that satisfies `predicate`."""
        seen = len(self.messages)
        deadline = time.monotonic() + within
        while True:
            for message in self.messages[seen:]:
                if predicate(message):
                    return message
            seen = len(self.messages)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no matching message in {within} s")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)


def camera(source: str, id: str = "cam1") -> CameraConfig:
    return CameraConfig(id=id, name=id, source=source, grid="g1", location=(120.1, 30.2))


def state(name: str, camera_id: str | None = None) -> Callable[[object], bool]:
    def matches(m: object) -> bool:
        return isinstance(m, CameraHealth) and m.state == name and camera_id in (None, m.camera_id)

    return matches


@pytest.fixture
def rtsp(tmp_path: Path, rtsp_server_factory: RtspServerFactory) -> RtspTestServer:
    grey = encode_h264(tmp_path / "grey.264", seconds=2.0)
    return rtsp_server_factory([Mount.clip("/grey", grey)])


async def start(
    cameras: list[CameraConfig], data_dir: Path, ingest: IngestConfig = FAST
) -> tuple[IngestSupervisor, Collected]:
    supervisor = IngestSupervisor(
        cameras, ingest, DetectorConfig(analysis_width=160), data_dir, FACTORY
    )
    collected = Collected(supervisor)
    await supervisor.start()
    return supervisor, collected


async def test_killed_server_goes_offline_with_an_event_and_recovers(
    tmp_path: Path, rtsp: RtspTestServer, rtsp_server_factory: RtspServerFactory, data_dir: Path
) -> None:
    other = rtsp_server_factory([Mount.clip("/grey", encode_h264(tmp_path / "o.264"))])
    cameras = [camera(rtsp.url("/grey")), camera(other.url("/grey"), id="cam2")]
    supervisor, got = await start(cameras, data_dir, FAST.model_copy(update={"workers": 2}))
    watch = CameraWatch(new_id=lambda: "e1")
    ref = CameraRef("cam1", "cam1", "g1", (120.1, 30.2))
    try:
        for cam in ("cam1", "cam2"):
            await got.wait_for(state("online", cam), 10 * UNIT)
        rtsp.kill()
        killed, seen = time.monotonic(), len(got.messages)
        offline = await got.wait_for(state("offline", "cam1"), (FAST.offline_after_s + 3) * UNIT)
        assert time.monotonic() - killed >= FAST.offline_after_s - FAST.read_timeout_s
        assert isinstance(offline, CameraHealth) and offline.error
        events = [watch.on_health(h, ref, 0.0) for h in got.health() if h.camera_id == "cam1"]
        assert [e.type for e in events if e is not None] == ["camera.offline"]
        # The other camera, in another worker, did not notice.
        during = [m for m in got.messages[seen:] if getattr(m, "camera_id", "") == "cam2"]
        assert len(during) >= FAST.offline_after_s - 1
        assert all(isinstance(h, CameraHealth) and h.state == "online" for h in during)
        assert all(isinstance(h, CameraHealth) and h.input_fps > 15 for h in during)

        rtsp.start()  # on the same port, as a camera that reboots
        online = await got.wait_for(state("online", "cam1"), 10 * UNIT)
        assert isinstance(online, CameraHealth) and online.reconnects >= 1
        event = watch.on_health(online, ref, 0.0)
        assert event is not None and event.type == "camera.online"
        assert [h.state for h in supervisor.status()] == ["online", "online"]
    finally:
        await supervisor.stop()


async def test_frozen_server_is_stalled_within_the_read_timeout(
    rtsp: RtspTestServer, data_dir: Path
) -> None:
    supervisor, got = await start([camera(rtsp.url("/grey"))], data_dir)
    try:
        await got.wait_for(state("online"), 10 * UNIT)
        rtsp.pause()
        frozen = time.monotonic()
        await got.wait_for(state("stalled"), FAST.read_timeout_s + 0.5 * UNIT)
        assert time.monotonic() - frozen <= FAST.read_timeout_s + 0.5 * UNIT
        stalled_at = len(got.messages)
        # The read times out and the camera is reopened, without a flash of "online" from the
        # frame FFmpeg's parser held back.
        await got.wait_for(state("connecting"), FAST.read_timeout_s + 0.5 * UNIT)
        states = [m.state for m in got.messages[stalled_at:] if isinstance(m, CameraHealth)]
        assert "online" not in states
        rtsp.resume()
        await got.wait_for(state("online"), 10 * UNIT)
    finally:
        rtsp.resume()
        await supervisor.stop()


async def test_corrupt_stream_is_survived_and_counted(
    tmp_path: Path, data_dir: Path, rtsp_server_factory: RtspServerFactory
) -> None:
    clean = encode_h264(tmp_path / "clean.264", width=640, height=360, seconds=2.0)
    bad = corrupt_annexb(clean, tmp_path / "bad.264", every_n_bytes=20_000, seed=3)
    server = rtsp_server_factory([Mount.clip("/bad", bad)])
    supervisor, got = await start([camera(server.url("/bad"))], data_dir)
    try:
        await got.wait_for(state("online"), 10 * UNIT)
        report = await got.wait_for(
            lambda m: isinstance(m, CameraHealth) and m.decode_errors > 0, 6 * UNIT
        )
        later = await got.wait_for(
            lambda m: isinstance(m, CameraHealth) and m.analysed_fps > 5, 6 * UNIT
        )
        assert isinstance(report, CameraHealth) and isinstance(later, CameraHealth)
        assert later.state == "online" and later.reconnects == 0
    finally:
        await supervisor.stop()


async def test_alarm_clip_decodes_and_covers_the_preroll(
    tmp_path: Path, data_dir: Path, rtsp_server_factory: RtspServerFactory
) -> None:
    clip = encode_h264(tmp_path / "red.264", seconds=4.0, red_from=2.5, gop=12)
    server = rtsp_server_factory([Mount.clip("/red", clip)])
    supervisor, got = await start([camera(server.url("/red"))], data_dir)
    try:
        detection = await got.wait_for(lambda m: isinstance(m, Detection), 15 * UNIT)
        assert isinstance(detection, Detection) and detection.snapshot
        snapshot = Path(detection.snapshot)
        ready = await got.wait_for(
            lambda m: isinstance(m, ClipReady) and m.detection_id == detection.id, 10 * UNIT
        )
    finally:
        await supervisor.stop()
    assert isinstance(ready, ClipReady)
    assert_clip_covers_the_alarm(ready, detection, snapshot)


def assert_clip_covers_the_alarm(ready: ClipReady, detection: Detection, snapshot: Path) -> None:
    assert snapshot.is_file() and snapshot.stat().st_size > 1000
    assert ready.start_t <= detection.t - FAST.preroll_s + 1e-6
    assert ready.end_t >= detection.t + FAST.postroll_s - 0.05
    assert Path(ready.path) == snapshot.with_suffix(".mp4")
    with av.open(ready.path) as container:
        frames = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    assert len(frames) >= round((FAST.preroll_s + FAST.postroll_s) * 25)
    red = [bool((f[..., 2] > 150).mean() > 0.01 and (f[..., 1] < 90).mean() > 0.01) for f in frames]
    assert not red[0] and red[-1]  # the pre-roll shows the scene before the fire
