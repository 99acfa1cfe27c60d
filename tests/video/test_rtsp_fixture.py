"""The real RTSP test server: pacing, loops, shared mounts, and the failures tests inject."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import av
import pytest

from tests.conftest import UNIT
from tests.rtsp_fixtures import RtspServerFactory
from video.footage import H264Writer, cctv_scene
from video.rtsp_fixture import Mount, RtspServerError, corrupt_annexb, prepare_annexb

OPTIONS = {"rtsp_transport": "tcp", "analyzeduration": "200000", "probesize": "100000"}
SKIP_FRAMES = 10  # the server sends a short burst at start; rates are measured after it


@dataclass(frozen=True)
class Reading:
    frames: int
    first_frame_s: float
    rate: float
    times: tuple[float, ...]
    size: tuple[int, int]
    error: Exception | None


def read_stream(url: str, seconds: float) -> Reading:
    """Decode `url` for `seconds` after its first frame (or until it fails or ends)."""
    opened = time.monotonic()
    arrivals: list[float] = []
    times: list[float] = []
    size = (0, 0)
    error: Exception | None = None
    try:
        with av.open(url, options=OPTIONS, timeout=(5 * UNIT, 3 * UNIT)) as container:
            for frame in container.decode(video=0):
                arrivals.append(time.monotonic())
                times.append(frame.time if frame.time is not None else -1.0)
                size = (frame.width, frame.height)
                if arrivals[-1] - arrivals[0] >= seconds:
                    break
    except (av.FFmpegError, OSError) as exc:
        error = exc
    measured = arrivals[SKIP_FRAMES:]
    rate = (len(measured) - 1) / (measured[-1] - measured[0]) if len(measured) > 2 else 0.0
    first = arrivals[0] - opened if arrivals else float("inf")
    return Reading(len(arrivals), first, rate, tuple(times), size, error)


@pytest.fixture(scope="module")
def short_loop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2 s, 25 fps clip: a 3.5 s read crosses its loop seam at least once."""
    folder = tmp_path_factory.mktemp("short")
    return cctv_scene(folder / "short.mp4", (320, 180), 25.0, 2.0, active_fraction=0.5, seed=3)


def test_two_looped_mounts_play_at_native_rate_across_the_loop_seam(
    rtsp_server_factory: RtspServerFactory, fire_clip_264: Path, short_loop: Path
) -> None:
    server = rtsp_server_factory(
        [Mount.clip("/fire", fire_clip_264), Mount.clip("/short", short_loop)]
    )
    with ThreadPoolExecutor(2) as pool:
        fire_job = pool.submit(read_stream, server.url("/fire"), 3.5)
        short_job = pool.submit(read_stream, server.url("/short"), 3.5)
        fire, short = fire_job.result(), short_job.result()
    assert fire.error is None and short.error is None
    assert fire.size == (426, 240) and short.size == (320, 180)
    assert fire.rate == pytest.approx(29.97, rel=0.1)
    assert short.rate == pytest.approx(25.0, rel=0.1)
    assert fire.first_frame_s < 2 * UNIT and short.first_frame_s < 2 * UNIT
    # Past the 50 frames of one loop, and stream time kept increasing across the seam.
    assert short.frames > 75
    later = [t for t in short.times if t >= 0]
    assert later == sorted(later) and later[-1] - later[0] > 3.0


def test_a_shared_mount_serves_two_clients_at_once(
    rtsp_server_factory: RtspServerFactory, short_loop: Path
) -> None:
    server = rtsp_server_factory([Mount.clip("/cam", short_loop)])
    with ThreadPoolExecutor(2) as pool:
        readings = list(pool.map(read_stream, [server.url("/cam")] * 2, [1.5, 1.5]))
    assert all(r.error is None and r.frames >= 30 for r in readings)


def test_killed_server_fails_the_reader_and_restarts_on_the_same_port(
    rtsp_server_factory: RtspServerFactory, short_loop: Path
) -> None:
    server = rtsp_server_factory([Mount.clip("/cam", short_loop)])
    port = server.port
    with ThreadPoolExecutor(1) as pool:
        job = pool.submit(read_stream, server.url("/cam"), 20.0)
        time.sleep(1.5 * UNIT)
        killed_at = time.monotonic()
        server.kill()
        reading = job.result(timeout=10 * UNIT)
    # The reader ends (an error, or EOF on the reset connection) long before its 20 s.
    assert reading.frames > 0 and time.monotonic() - killed_at < 5 * UNIT
    with pytest.raises((av.FFmpegError, OSError)):
        av.open(server.url("/cam"), options=OPTIONS, timeout=(2 * UNIT, 2 * UNIT))
    server.restart()
    assert server.port == port
    again = read_stream(server.url("/cam"), 1.0)
    assert again.error is None and again.frames >= 20


def test_paused_server_stalls_the_reader_until_its_timeout(
    rtsp_server_factory: RtspServerFactory, short_loop: Path
) -> None:
    server = rtsp_server_factory([Mount.clip("/cam", short_loop)])
    container = av.open(server.url("/cam"), options=OPTIONS, timeout=(5 * UNIT, 2 * UNIT))
    try:
        frames = container.decode(video=0)
        next(frames)
        server.pause()
        paused_at = time.monotonic()
        with pytest.raises((av.FFmpegError, OSError, StopIteration)):
            while True:  # frames already buffered drain first, then the read times out
                next(frames)
        stalled = time.monotonic() - paused_at
    finally:
        server.resume()
        container.close()
    assert 1.5 * UNIT < stalled < 6 * UNIT
    assert read_stream(server.url("/cam"), 0.5).error is None


def test_pattern_and_play_once_mounts(
    rtsp_server_factory: RtspServerFactory, short_loop: Path
) -> None:
    server = rtsp_server_factory(
        [Mount.pattern("/bars", (320, 240), 15.0), Mount.clip("/once", short_loop, loop=False)]
    )
    bars = read_stream(server.url("/bars"), 1.0)
    assert bars.error is None and bars.size == (320, 240) and bars.frames >= 12
    once = read_stream(server.url("/once"), 10.0)
    # The 2 s MP4 ends instead of looping.
    assert once.frames <= 55 and once.times[-1] < 2.5


def test_start_failure_reports_the_servers_error(
    rtsp_server_factory: RtspServerFactory, short_loop: Path
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(RtspServerError, match="Address already in use"):
            rtsp_server_factory([Mount.clip("/cam", short_loop)], busy.getsockname()[1])


def test_prepare_annexb_remuxes_h264_and_caches_it(fire_clip_264: Path, tmp_path: Path) -> None:
    with av.open(str(fire_clip_264)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 899
    started = time.monotonic()
    # Same content and options: the cached file, without re-reading the video.
    again = prepare_annexb(fire_clip_264, fire_clip_264.parent)
    assert again.read_bytes()[:4] == b"\x00\x00\x00\x01"
    assert time.monotonic() - started < 1.0


def test_prepare_annexb_transcodes_other_codecs_to_fit(tmp_path: Path) -> None:
    source = tmp_path / "mpeg4.mp4"
    with av.open(str(source), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 640, 480, "yuv420p"
        for i in range(20):
            frame = av.VideoFrame(640, 480, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([i * 10 % 256]) * plane.buffer_size)
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    prepared = prepare_annexb(source, tmp_path / "cache", max_size=(320, 320), fps=5.0)
    with av.open(str(prepared)) as container:
        frames = list(container.decode(video=0))
        assert container.streams.video[0].codec_context.name == "h264"
    assert (frames[0].width, frames[0].height) == (320, 240)
    assert len(frames) == 10  # 2 s at 5 fps


def test_prepare_annexb_resamples_a_raw_stream_without_timestamps(
    short_loop: Path, tmp_path: Path
) -> None:
    raw = prepare_annexb(short_loop, tmp_path)  # 2 s at 25 fps, frames carry no timestamps
    slower = prepare_annexb(raw, tmp_path, fps=10.0)
    with av.open(str(slower)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 20


def test_corrupt_annexb_flips_bytes_but_keeps_the_stream_readable(
    short_loop: Path, tmp_path: Path
) -> None:
    clean = prepare_annexb(short_loop, tmp_path)
    first = corrupt_annexb(clean, tmp_path / "bad1.264", every_n_bytes=500, seed=1)
    second = corrupt_annexb(clean, tmp_path / "bad2.264", every_n_bytes=500, seed=1)
    original, damaged = clean.read_bytes(), first.read_bytes()
    assert damaged == second.read_bytes()  # deterministic for a seed
    flipped = sum(a != b for a, b in zip(original, damaged, strict=True))
    assert len(original) // 1000 < flipped <= len(original) // 500 + 1
    decoded = 0
    with av.open(str(first)) as container:
        for _ in container.decode(video=0):
            decoded += 1
    assert decoded > 0


def test_h264_writer_puts_a_keyframe_every_two_seconds(tmp_path: Path) -> None:
    path = tmp_path / "gop.264"
    with H264Writer(path, (160, 96), 10.0) as writer:
        for _ in range(50):
            writer.write(av.VideoFrame(160, 96, "yuv420p"))
    with av.open(str(path)) as container:
        keys = [i for i, p in enumerate(container.demux(video=0)) if p.size and p.is_keyframe]
    assert keys == [0, 20, 40]
