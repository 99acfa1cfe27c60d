"""Drive the real RTSP test server (`video/rtsp_testserver.py`) from tests and demos.

The server runs under the system Python (it needs PyGObject); this module prepares the media it
serves and owns the subprocess: start and wait for its `READY <port>` line, kill it (a camera
that dies), SIGSTOP it (a camera that stalls), restart it on the same port (a camera that comes
back). It also prepares the media the server passes through without re-encoding: H.264
Annex-B elementary streams (`prepare_annexb`), and damaged copies of them (`corrupt_annexb`).
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import selectors
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

import av
from av.bitstream import BitStreamFilterContext

from video.footage import H264Writer

SERVER_SCRIPT = Path(__file__).with_name("rtsp_testserver.py")
SYSTEM_PYTHON = "/usr/bin/python3"
ELEMENTARY_SUFFIXES = (".264", ".h264")
# Bump when the way prepare_annexb writes files changes, so stale cache entries are not reused.
ANNEXB_FORMAT = 1
START_CODE = re.compile(b"\x00\x00\x01")
PARAMETER_SET_NAL_TYPES = (7, 8)  # SPS, PPS


class RtspServerError(Exception):
    """The test server could not be prepared, started or stopped; carries its stderr."""


@dataclass(frozen=True, slots=True)
class Mount:
    """One RTSP path: a clip file (looped or served once) or a live test pattern.

    For a clip, `fps` overrides the clip's own frame rate (it is transcoded to that rate);
    for a pattern it is the rate the pattern is generated at.
    """

    path: str
    file: Path | None = None
    loop: bool = True
    size: tuple[int, int] | None = None
    fps: float | None = None

    def __post_init__(self) -> None:
        if not self.path.startswith("/"):
            raise ValueError(f"a mount path starts with '/', got {self.path!r}")
        if (self.file is None) == (self.size is None):
            raise ValueError("a mount is either a clip file or a pattern size, not both")
        if self.fps is not None and self.fps <= 0:
            raise ValueError(f"fps must be positive, got {self.fps}")

    @classmethod
    def clip(cls, path: str, file: Path, *, loop: bool = True, fps: float | None = None) -> Mount:
        return cls(path=path, file=file, loop=loop, fps=fps)

    @classmethod
    def pattern(cls, path: str, size: tuple[int, int], fps: float = 25.0) -> Mount:
        return cls(path=path, size=size, fps=fps)


def _file_digest(path: Path, options: str) -> str:
    digest = hashlib.sha256(f"{ANNEXB_FORMAT}|{options}|".encode())
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def _fitted_size(width: int, height: int, max_size: tuple[int, int] | None) -> tuple[int, int]:
    """The largest even size within `max_size` keeping the aspect ratio (never upscaled)."""
    scale = 1.0 if max_size is None else min(1.0, max_size[0] / width, max_size[1] / height)
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def prepare_annexb(
    src: Path,
    dst_dir: Path,
    *,
    max_size: tuple[int, int] | None = None,
    fps: float | None = None,
) -> Path:
    """An H.264 Annex-B copy of the clip `src` in `dst_dir`, cached by content and options.

    H.264 without B-frames, already within `max_size` and at `fps`, is remuxed (no quality
    loss, fast); anything else is transcoded to H.264 baseline with a keyframe every 2 s.
    """
    digest = _file_digest(src, f"{max_size}|{fps}")
    dst = dst_dir / f"{src.stem}-{digest}.264"
    if dst.is_file():
        return dst
    dst_dir.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so concurrent test processes never read half a file.
    fd, tmp_name = tempfile.mkstemp(suffix=".part.264", dir=dst_dir)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.chmod(0o644)
    try:
        with av.open(str(src)) as container:
            stream = container.streams.video[0]
            ctx = stream.codec_context
            source_fps = _stream_fps(stream)
            size = _fitted_size(ctx.width, ctx.height, max_size)
            same_rate = fps is None or abs(fps - source_fps) < 0.01
            if (
                ctx.name == "h264"
                and not ctx.has_b_frames
                and same_rate
                and size
                == (
                    ctx.width,
                    ctx.height,
                )
            ):
                _remux(container, tmp)
            else:
                _transcode(container, tmp, size, fps or source_fps)
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    return dst


def _remux(container: av.container.InputContainer, dst: Path) -> None:
    stream = container.streams.video[0]
    bsf = BitStreamFilterContext("h264_mp4toannexb", stream)
    with dst.open("wb") as out:
        for packet in container.demux(stream):
            for annexb in bsf.filter(packet if packet.size else None):
                out.write(bytes(annexb))


def _transcode(
    container: av.container.InputContainer, dst: Path, size: tuple[int, int], fps: float
) -> None:
    """Re-encode at a constant `fps`: output frame k shows the last source frame at or before
    k/fps, so frames repeat or drop by time and the duration is kept."""
    source_fps = _stream_fps(container.streams.video[0])
    written = 0
    first: float | None = None
    shown: av.VideoFrame | None = None
    t = 0.0
    with H264Writer(dst, size, fps) as writer:
        for index, frame in enumerate(container.decode(video=0)):
            # Raw elementary streams carry no timestamps: their frames are evenly spaced.
            now = frame.time if frame.time is not None else index / source_fps
            first = now if first is None else first
            t = now - first
            while shown is not None and written < t * fps - 1e-6:
                writer.write(shown)
                written += 1
            shown = frame
        while shown is not None and written < (t + 1 / source_fps) * fps - 1e-6:
            writer.write(shown)
            written += 1
    if shown is None:
        raise ValueError("the clip has no video frames")


def _nal_units(data: bytes) -> Iterator[tuple[int, int]]:
    """(start, end) of each NAL unit's payload, header byte included, start codes excluded."""
    starts = [m.end() for m in START_CODE.finditer(data)]
    for start, following in zip(starts, [*starts[1:], len(data) + 3], strict=True):
        yield start, following - 3


def corrupt_annexb(src: Path, dst: Path, every_n_bytes: int, seed: int) -> Path:
    """Copy `src` to `dst` with one byte flipped in every `every_n_bytes`, like a bad link.

    Start codes, NAL headers and parameter sets (SPS/PPS) are left intact, so the stream
    still opens and splits into frames; the slice data inside the frames is damaged.
    """
    if every_n_bytes < 1:
        raise ValueError(f"every_n_bytes must be at least 1, got {every_n_bytes}")
    data = bytearray(src.read_bytes())
    protected = bytearray(len(data))
    for start, end in _nal_units(bytes(data)):
        header_end = end if data[start] & 0x1F in PARAMETER_SET_NAL_TYPES else start + 1
        protected[max(0, start - 4) : header_end] = b"\x01" * (header_end - max(0, start - 4))
    rng = random.Random(seed)
    for window in range(0, len(data), every_n_bytes):
        at = window + rng.randrange(min(every_n_bytes, len(data) - window))
        flip = rng.randrange(1, 256)
        # A flip that wrote a new 00 00 01 would fake a NAL boundary; skip those too.
        if not protected[at] and data[at] ^ flip > 1:
            data[at] ^= flip
    dst.write_bytes(data)
    return dst


def _default_cache_dir() -> Path:
    return Path(os.environ.get("FIREGRID_MEDIA_CACHE", "/tmp/firegrid-media-cache"))


def _stream_fps(stream: av.video.stream.VideoStream) -> float:
    # A raw .264 has no container rate (FFmpeg then says 25); the guess reads the SPS timing.
    rate = stream.guessed_rate or stream.average_rate
    return float(rate) if rate else 25.0


def _clip_fps(file: Path) -> float:
    with av.open(str(file)) as container:
        return _stream_fps(container.streams.video[0])


def _is_h264_mp4(file: Path) -> bool:
    if file.suffix.lower() != ".mp4":
        return False
    with av.open(str(file)) as container:
        return bool(container.streams.video[0].codec_context.name == "h264")


def _server_arg(mount: Mount, cache_dir: Path) -> list[str]:
    """The command-line arguments serving one mount, preparing its media first if needed."""
    if mount.size is not None:
        width, height = mount.size
        return ["--pattern", f"{mount.path}={width}x{height}@{mount.fps or 25.0:g}"]
    assert mount.file is not None  # guaranteed by Mount.__post_init__
    file = mount.file.resolve()
    if not file.is_file():
        raise RtspServerError(f"mount {mount.path}: no such file {file}")
    if not mount.loop and mount.fps is None and _is_h264_mp4(file):
        return ["--mount", f"{mount.path}={file}"]
    if file.suffix.lower() in ELEMENTARY_SUFFIXES and mount.fps is None:
        served, fps = file, None  # the server reads the rate from the stream's VUI timing
    else:
        served = prepare_annexb(file, cache_dir, fps=mount.fps)
        fps = mount.fps or _clip_fps(file)
    spec = f"{mount.path}={served}" + (":loop" if mount.loop else "")
    return ["--mount", spec + (f":fps={fps:.6g}" if fps else "")]


class RtspTestServer:
    """A real RTSP server serving `mounts` on 127.0.0.1, as a subprocess we can hurt on purpose.

    `port=None` lets the server pick a free port at the first start; `restart()` reuses it.
    """

    def __init__(
        self,
        mounts: Sequence[Mount],
        port: int | None = None,
        *,
        cache_dir: Path | None = None,
        ready_timeout: float = 20.0,
    ) -> None:
        if not mounts:
            raise ValueError("serve at least one mount")
        paths = [m.path for m in mounts]
        if len(set(paths)) != len(paths):
            raise ValueError(f"mount paths must be unique, got {paths}")
        self._mounts = tuple(mounts)
        self._port = port
        self._cache_dir = cache_dir or _default_cache_dir()
        self._ready_timeout = ready_timeout
        self._args: list[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RtspServerError("the server has no port before its first start()")
        return self._port

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def url(self, path: str) -> str:
        if not path.startswith("/"):
            path = "/" + path
        return f"rtsp://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        if self._process is not None:
            raise RtspServerError("the server is already running")
        if self._args is None:
            self._cache_dir.mkdir(parents=True, exist_ok=True)
            self._args = [a for m in self._mounts for a in _server_arg(m, self._cache_dir)]
        command = [SYSTEM_PYTHON, str(SERVER_SCRIPT), "--exit-with-stdin"]
        command += ["--port", str(self._port or 0), *self._args]
        # stderr goes to a file: a pipe nobody drains would block a chatty server.
        with tempfile.TemporaryFile() as stderr:
            process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr
            )
            self._process = process
            try:
                self._port = self._wait_ready(process, stderr)
            except RtspServerError:
                self._process = None
                _reap(process)
                raise

    def _wait_ready(self, process: subprocess.Popen[bytes], stderr: IO[bytes]) -> int:
        assert process.stdout is not None
        deadline = time.monotonic() + self._ready_timeout
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            while (left := deadline - time.monotonic()) > 0:
                if not selector.select(timeout=left):
                    continue
                line = process.stdout.readline().decode(errors="replace").strip()
                if line.startswith("READY "):
                    return int(line.split()[1])
                if not line and process.poll() is not None:
                    break
        process.kill()
        process.wait()
        stderr.seek(0)
        message = stderr.read().decode(errors="replace").strip() or "no output"
        raise RtspServerError(
            f"RTSP test server did not become ready (exit code {process.returncode}): {message}"
        )

    def _running(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise RtspServerError("the server is not running")
        return self._process

    def kill(self) -> None:
        """SIGKILL: the camera dies without closing its connections."""
        process = self._running()
        process.send_signal(signal.SIGCONT)  # a paused server must die, not linger stopped
        process.kill()
        _reap(process)
        self._process = None

    def pause(self) -> None:
        """SIGSTOP: the camera stalls; connections stay open but nothing flows."""
        self._running().send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._running().send_signal(signal.SIGCONT)

    def stop(self) -> None:
        """SIGTERM and wait; does nothing if the server is not running."""
        process = self._process
        if process is None:
            return
        self._process = None
        process.send_signal(signal.SIGCONT)
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
        _reap(process)

    def restart(self) -> None:
        """Stop (if running) and start again on the same port, like a rebooted camera."""
        self.stop()
        self.start()

    def __enter__(self) -> RtspTestServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _reap(process: subprocess.Popen[bytes]) -> None:
    process.wait()
    for pipe in (process.stdin, process.stdout):
        if pipe is not None:
            pipe.close()
