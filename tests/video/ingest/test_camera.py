"""One camera's pipeline in-process, on looped files: fan-out, backpressure, resolution changes."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import UNIT
from tests.video.ingest.analyzers import RedPatchAnalyzer
from tests.video.ingest.clips import encode_h264
from video.analyzer import Alarm, BgrImage, LumaImage
from video.config import CameraConfig, IngestConfig
from video.detection import Detection
from video.ingest.camera import CameraPipeline, Message, PipelineSettings
from video.ingest.recorder import FinishedClip
from video.ingest.ring import EncodedPacket

INGEST = IngestConfig(preroll_s=1.0, postroll_s=0.5, read_timeout_s=2.0)


class Outbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.clips: list[FinishedClip] = []

    def emit(self, message: Message) -> None:
        self.messages.append(message)

    def submit(self, camera_id: str, clip: FinishedClip) -> None:
        self.clips.append(clip)


class SlowAnalyzer(RedPatchAnalyzer):
    """An analyser far slower than real time: 25 fps asked, 0.5 s per frame spent."""

    def feed(self, frame_bgr: BgrImage, t: float) -> list[Alarm]:
        time.sleep(0.5)
        return super().feed(frame_bgr, t)


def pipeline(
    source: Path, analyzer: RedPatchAnalyzer, data_dir: Path, outbox: Outbox, gate: bool = False
) -> CameraPipeline:
    camera = CameraConfig(id="c", name="c", source=str(source), grid="g", location=(1.0, 2.0))
    ingest = INGEST.model_copy(update={"activity_gate": gate})
    settings = PipelineSettings(ingest=ingest, data_dir=data_dir)
    return CameraPipeline(camera, analyzer, settings, outbox.emit, outbox.submit)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[CameraPipeline, RedPatchAnalyzer, Outbox]]:
    clip = encode_h264(tmp_path / "a.264", seconds=1.0, red_from=0.6, gop=10)
    outbox = Outbox()
    analyzer = RedPatchAnalyzer(fps=10, width=160)
    cam = pipeline(clip, analyzer, tmp_path, outbox)
    cam.start()
    yield cam, analyzer, outbox
    cam.stop()


def wait_until(predicate: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(0.02)


def test_analyser_gets_frames_at_its_rate_and_size(
    running: tuple[CameraPipeline, RedPatchAnalyzer, Outbox],
) -> None:
    cam, analyzer, outbox = running
    time.sleep(1.5 * UNIT)
    part = cam.tick(report=True)
    assert part is not None  # on a report tick the camera hands its part to the worker
    reported, stats = part
    assert reported.state == "online" and stats.camera_id == reported.camera_id
    assert stats.decoded_frames > 0
    assert cam.tick(report=False) is None  # no change, no report: nothing
    health = cam.status()
    assert health.state == "online"
    assert analyzer.sizes == {(160, 90)}
    assert 8 <= analyzer.frames / 1.5 <= 12 * UNIT
    assert health.dropped_frames == 0 and health.decode_errors == 0
    # The red patch came at 0.6 s of the 1 s loop: a detection with a snapshot, then its clip.
    wait_until(lambda: outbox.clips, 3 * UNIT)
    assert outbox.clips[0].packets[0].keyframe


class LumaObservingAnalyzer(RedPatchAnalyzer):
    """Also wants the luma of every decoded frame, as the detector's flicker stage does."""

    wants_luma = True

    def __init__(self, fps: float, width: int) -> None:
        super().__init__(fps, width)
        self.lumas: list[tuple[float, tuple[int, ...]]] = []

    def observe_luma(self, luma: LumaImage, t: float) -> None:
        self.lumas.append((t, luma.shape))


def test_an_analyser_that_wants_luma_gets_every_frames(tmp_path: Path) -> None:
    clip = encode_h264(tmp_path / "a.264", seconds=1.0, gop=10)
    outbox = Outbox()
    analyzer = LumaObservingAnalyzer(fps=10, width=160)
    cam = pipeline(clip, analyzer, tmp_path, outbox)
    cam.start()
    try:
        wait_until(lambda: len(analyzer.lumas) >= 50, 5 * UNIT)
    finally:
        cam.stop()
    # The clip runs at 25 fps: every decoded frame is observed, 10 a second are analysed.
    assert {shape for _, shape in analyzer.lumas} == {(90, 160)}
    assert 2.0 <= len(analyzer.lumas) / analyzer.frames <= 3.0
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(analyzer.lumas[:25])]
    assert gaps == pytest.approx([0.04] * 24, abs=0.002)


def test_relay_feeds_viewers_and_a_slow_viewer_only_loses_its_own_packets(
    running: tuple[CameraPipeline, RedPatchAnalyzer, Outbox],
) -> None:
    cam, _analyzer, _ = running
    seen: list[EncodedPacket] = []
    unsubscribe = cam.relay.subscribe(seen.append)
    slow, unsubscribe_slow = cam.relay.subscribe_queue(maxsize=3)
    time.sleep(1.0 * UNIT)
    unsubscribe()
    unsubscribe_slow()
    assert cam.relay.subscribers == 0
    assert 20 <= len(seen) <= 30 * UNIT
    assert slow.dropped >= len(seen) - 3 - 2
    assert slow.get(timeout=0.1).t < slow.get(timeout=0.1).t
    assert cam.status().dropped_frames == 0


def test_slow_analysis_drops_counted_frames_without_slowing_the_demux(tmp_path: Path) -> None:
    clip = encode_h264(tmp_path / "a.264", seconds=1.0, gop=10)
    outbox = Outbox()
    cam = pipeline(clip, SlowAnalyzer(fps=25, width=160), tmp_path, outbox)
    received: list[float] = []
    cam.relay.subscribe(lambda p: received.append(time.monotonic()))
    cam.start()
    try:
        # The decode queue (about 5 s of video) fills, then whole groups of pictures go.
        wait_until(lambda: cam.status().dropped_frames > 0, 12 * UNIT)
    finally:
        cam.stop()
    rate = (len(received) - 1) / (received[-1] - received[0])
    assert rate == pytest.approx(25, rel=0.1)


def test_resolution_change_mid_stream_is_survived_and_counted(tmp_path: Path) -> None:
    clip = encode_h264(tmp_path / "two.264", width=320, height=180, seconds=0.6, gop=5)
    encode_h264(clip, width=480, height=360, seconds=0.6, gop=5, append=True)
    outbox = Outbox()
    analyzer = RedPatchAnalyzer(fps=10, width=160)
    cam = pipeline(clip, analyzer, tmp_path, outbox)
    cam.start()
    try:
        wait_until(lambda: cam.resolution_changes >= 2, 5 * UNIT)
    finally:
        cam.stop()
    assert analyzer.sizes == {(160, 90), (160, 120)}
    assert cam.status().state == "online"


def test_stop_is_prompt_on_a_camera_that_never_answers(tmp_path: Path) -> None:
    outbox = Outbox()
    cam = pipeline(tmp_path / "missing.264", RedPatchAnalyzer(10, 160), tmp_path, outbox)
    cam.start()
    time.sleep(0.3)
    started = time.monotonic()
    cam.stop()
    assert time.monotonic() - started < 1.0 * UNIT
    assert all(not t.is_alive() for t in threading.enumerate() if t.name.endswith("-c"))
    assert any(getattr(m, "error", None) for m in outbox.messages)


def test_activity_gate_decodes_keyframes_while_still_analyses_none_and_catches_up_on_motion(
    tmp_path: Path,
) -> None:
    clip = encode_h264(tmp_path / "still.264", seconds=6.0, red_from=4.0, gop=25, moving=False)
    outbox = Outbox()
    analyzer = RedPatchAnalyzer(fps=10, width=160)
    cam = pipeline(clip, analyzer, tmp_path, outbox, gate=True)
    cam.start()
    try:
        time.sleep(3.5 * UNIT)
        still = cam.decode_stats()
        analysed_while_still = analyzer.frames
        wait_until(lambda: any(isinstance(m, Detection) for m in outbox.messages), 4 * UNIT)
    finally:
        cam.stop()
    # Warm-up (1 s) decodes everything, then one keyframe a second while nothing moves.
    assert still.keyframes_only and still.decoded_frames < 0.6 * still.packets
    # The warm-up second at the analyser's 10 fps; none of the still keyframes after it.
    assert analysed_while_still <= 10
    [detection] = [m for m in outbox.messages if isinstance(m, Detection)]
    assert 4.0 <= detection.t <= 4.5
