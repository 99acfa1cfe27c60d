"""Opening sources and reading timestamped packets: looped files paced as live, dead cameras."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import UNIT, free_port
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
    quiet = 64 * 1024  # bytes a second: a 0.5 Mbit/s stream
    assert read_pause_s(True, quiet // 10, 0.1) == READ_BATCH_S
    assert read_pause_s(False, quiet // 10, 0.1) == IDLE_BATCH_S


def test_an_unwatched_busy_stream_pauses_only_as_long_as_the_socket_buffer_allows() -> None:
    busy = 256 * 1024  # bytes a second: a 2 Mbit/s stream
    pause = read_pause_s(False, busy // 10, 0.1)
    assert READ_BATCH_S < pause < IDLE_BATCH_S
    assert pause * busy == pytest.approx(IDLE_BATCH_BYTES, rel=1e-3)
    assert read_pause_s(False, busy, 0.1) == READ_BATCH_S  # never shorter than with a viewer
