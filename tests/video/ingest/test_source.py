"""Opening sources and reading timestamped packets: looped files paced as live, dead cameras."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import UNIT, free_port
from tests.rtsp_fixtures import RtspServerFactory
from tests.video.ingest.clips import encode_h264
from video.ingest.errors import CameraError
from video.ingest.source import (
    IDLE_BATCH_BYTES,
    IDLE_BATCH_S,
    READ_BATCH_S,
    PacketSource,
    is_live,
    read_pause_s,
)
from video.rtsp_fixture import Mount


def test_live_schemes() -> None:
    assert is_live("rtsp://cam/1") and is_live("RTSPS://cam/1")
    assert not is_live("/data/clip.mp4")


def test_file_is_looped_at_native_pace_with_continuous_timestamps(tmp_path: Path) -> None:
    clip = encode_h264(tmp_path / "one.264", seconds=0.4, fps=25, gop=5)
    stop = threading.Event()
    source = PacketSource("cam", str(clip), 1.0, 1.0, stop)
    info = source.open()
    assert (info.width, info.height, info.codec) == (320, 180, "h264")
    started = time.monotonic()
    times = []
    for packet in source.packets():
        times.append(packet.t)
        if len(times) == 30:  # three passes over a 10-frame file
            break
    elapsed = time.monotonic() - started
    source.close()
    steps = [b - a for a, b in itertools.pairwise(times)]
    assert all(step == pytest.approx(0.04, abs=1e-3) for step in steps)
    assert 29 * 0.04 * 0.9 <= elapsed <= 29 * 0.04 + 1.0 * UNIT


def test_stop_interrupts_pacing(tmp_path: Path) -> None:
    clip = encode_h264(tmp_path / "slow.264", seconds=2.0, fps=2, gop=5)
    stop = threading.Event()
    source = PacketSource("cam", str(clip), 1.0, 1.0, stop)
    source.open()
    packets = source.packets()
    next(packets)
    threading.Timer(0.1, stop.set).start()
    started = time.monotonic()
    assert list(packets) == []
    assert time.monotonic() - started < 0.4 * UNIT
    source.close()


def test_unreachable_camera_is_a_camera_error() -> None:
    source = PacketSource("cam", f"rtsp://127.0.0.1:{free_port()}/x", 1.0, 1.0, threading.Event())
    started = time.monotonic()
    with pytest.raises(CameraError, match="cam: cannot open"):
        source.open()
    assert time.monotonic() - started < 2 * UNIT


def test_missing_file_is_a_camera_error(tmp_path: Path) -> None:
    source = PacketSource("cam", str(tmp_path / "none.mp4"), 1.0, 1.0, threading.Event())
    with pytest.raises(CameraError):
        source.open()


def test_reads_pause_briefly_for_a_viewer_and_longer_without_one() -> None:
    quiet = 32 * 1024  # bytes a second: a 0.25 Mbit/s stream
    assert read_pause_s(True, quiet // 10, 0.1) == READ_BATCH_S
    assert read_pause_s(False, quiet // 10, 0.1) == IDLE_BATCH_S


def test_the_idle_pause_can_be_shortened_but_not_below_the_viewer_pause() -> None:
    assert read_pause_s(False, 100, 0.1, idle_s=0.5) == 0.5
    assert read_pause_s(False, 100, 0.1, idle_s=0.01) == READ_BATCH_S


def test_an_unwatched_busy_stream_pauses_only_as_long_as_the_socket_buffer_allows() -> None:
    busy = 256 * 1024  # bytes a second: a 2 Mbit/s stream
    pause = read_pause_s(False, busy // 10, 0.1)
    assert READ_BATCH_S < pause < IDLE_BATCH_S
    assert pause * busy == pytest.approx(IDLE_BATCH_BYTES, rel=1e-3)
    assert read_pause_s(False, busy, 0.1) == READ_BATCH_S  # never shorter than with a viewer


def test_an_unwatched_camera_announces_pauses_of_at_most_half_the_read_timeout(
    tmp_path: Path, rtsp_server_factory: RtspServerFactory
) -> None:
    server = rtsp_server_factory([Mount.clip("/grey", encode_h264(tmp_path / "g.264"))])
    pauses: list[float] = []
    source = PacketSource(
        "cam",
        server.url("/grey"),
        2.0 * UNIT,
        1.0,
        threading.Event(),
        watched=lambda: False,
        on_pause=pauses.append,
    )
    source.open()
    try:
        for _ in source.packets():
            if len(pauses) == 3:
                break
    finally:
        source.close()
    assert IDLE_BATCH_S > 0.5
    assert pauses == [0.5, 0.5, 0.5]  # a still grey picture is far below the byte cap


def test_a_frozen_camera_fails_at_the_read_timeout(
    tmp_path: Path, rtsp_server_factory: RtspServerFactory
) -> None:
    server = rtsp_server_factory([Mount.clip("/grey", encode_h264(tmp_path / "g.264"))])
    source = PacketSource("cam", server.url("/grey"), 2.0 * UNIT, 1.0, threading.Event())
    source.open()
    packets = source.packets()
    next(packets)
    server.pause()
    frozen = time.monotonic()
    try:
        with pytest.raises(CameraError, match="cam: read timed out"):
            for _ in packets:
                pass
        # Not sooner (a timeout, not a reset), nor a read timeout later (FFmpeg's parser hands
        # over the frame it held back at the first timeout).
        assert 1.0 <= time.monotonic() - frozen <= 1.0 + 0.5 * UNIT
    finally:
        server.resume()
        source.close()
