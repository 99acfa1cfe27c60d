"""A real RTSP server for tests and demos, built on Debian's GStreamer RTSP server.

Run it with the SYSTEM Python (`/usr/bin/python3`), which has `gi`; it imports nothing from
firegrid so that the project's virtualenv never needs PyGObject:

    /usr/bin/python3 video/rtsp_testserver.py --port 0 \
        --mount /fire=clip.264:loop --mount /once=clip.mp4 --pattern /bars=640x360@25

Mounts:
- `/path=FILE.264[:loop][:fps=N]`: an H.264 Annex-B elementary stream, passed through without
  re-encoding (cheap), played endlessly with `:loop`. The frame rate comes from `fps=` or else
  from the stream's own VUI timing; it paces the stream at real time.
- `/path=FILE.mp4`: an H.264 MP4 passed through once; the stream ends at the end of the file.
- `--pattern /path=WxH@FPS`: a live videotestsrc encoded with x264 (costs CPU, unlike files).

Every media is shared by all its clients, like a camera. Once bound, the server prints
`READY <port>` on stdout and serves until SIGTERM/SIGINT (or, with --exit-with-stdin, until
its stdin closes, which happens when the process that started it dies).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

PAYLOADER = "rtph264pay name=pay0 pt=96 config-interval=1"
DEFAULT_FPS = Fraction(25)
PROBE_TIMEOUT_NS = 5 * Gst.SECOND


class UsageError(Exception):
    """A --mount or --pattern argument cannot be served."""


@dataclass(frozen=True)
class MountSpec:
    path: str
    launch: str
    # Annex-B mounts need their timestamps repaired at each loop (see _fill_pts).
    fix_timestamps: bool


def _split_mount_path(arg: str) -> tuple[str, str]:
    path, sep, rest = arg.partition("=")
    if not sep or not path.startswith("/") or not rest:
        raise UsageError(f"expected /path=VALUE, got {arg!r}")
    return path, rest


def _parse_fps(text: str) -> Fraction:
    fps = Fraction(text).limit_denominator(1001)
    if fps <= 0:
        raise UsageError(f"frame rate must be positive, got {text!r}")
    return fps


def _probe_fps(file: Path) -> Fraction:
    """The frame rate an H.264 elementary stream declares in its SPS (VUI timing)."""
    pipeline = Gst.parse_launch(
        f'filesrc location="{file}" ! h264parse name=parse ! fakesink name=sink'
    )
    try:
        pipeline.set_state(Gst.State.PAUSED)
        pipeline.get_state(PROBE_TIMEOUT_NS)
        caps = pipeline.get_by_name("sink").get_static_pad("sink").get_current_caps()
        if caps is None:
            raise UsageError(f"{file} is not a readable H.264 elementary stream")
        found, num, den = caps.get_structure(0).get_fraction("framerate")
        return Fraction(num, den) if found and num > 0 else DEFAULT_FPS
    finally:
        pipeline.set_state(Gst.State.NULL)


def parse_mount(arg: str) -> MountSpec:
    path, rest = _split_mount_path(arg)
    file_text, *options = rest.split(":")
    file = Path(file_text).resolve()
    if not file.is_file():
        raise UsageError(f"no such file: {file}")
    loop = "loop" in options
    fps: Fraction | None = None
    for option in options:
        if option.startswith("fps="):
            fps = _parse_fps(option.removeprefix("fps="))
        elif option != "loop":
            raise UsageError(f"unknown mount option {option!r} in {arg!r}")
    if file.suffix.lower() == ".mp4":
        if loop:
            raise UsageError("an .mp4 mount plays once; convert it to .264 to loop it")
        launch = f'filesrc location="{file}" ! qtdemux ! h264parse ! {PAYLOADER}'
        return MountSpec(path, f"( {launch} )", fix_timestamps=False)
    fps = fps or _probe_fps(file)
    caps = f"video/x-h264,stream-format=byte-stream,framerate={fps.numerator}/{fps.denominator}"
    # multifilesrc reads the whole file as one buffer and starts over at EOF with no new
    # segment; h264parse then interpolates DTS from the frame rate across the loop seam.
    launch = (
        f'multifilesrc location="{file}" loop={str(loop).lower()} caps="{caps}" '
        f"! h264parse name=parse ! {PAYLOADER}"
    )
    return MountSpec(path, f"( {launch} )", fix_timestamps=True)


def parse_pattern(arg: str) -> MountSpec:
    path, rest = _split_mount_path(arg)
    size, sep, fps_text = rest.partition("@")
    width, x, height = size.partition("x")
    if not sep or not x or not width.isdigit() or not height.isdigit():
        raise UsageError(f"expected /path=WxH@FPS, got {arg!r}")
    fps = _parse_fps(fps_text)
    keyint = max(1, round(2 * fps))
    launch = (
        f"videotestsrc is-live=true pattern=ball "
        f"! video/x-raw,width={width},height={height},"
        f"framerate={fps.numerator}/{fps.denominator} "
        f"! x264enc tune=zerolatency speed-preset=ultrafast threads=1 key-int-max={keyint} "
        f"! video/x-h264,profile=baseline ! {PAYLOADER}"
    )
    return MountSpec(path, f"( {launch} )", fix_timestamps=False)


def _fill_pts(_pad: Gst.Pad, info: Gst.PadProbeInfo) -> Gst.PadProbeReturn:
    # h264parse interpolates only DTS for a raw byte-stream. Without a PTS the payloader stamps
    # every frame with RTP time 0 (clients then see no timestamps); streams we serve have no
    # B-frames, so PTS == DTS.
    buffer = info.get_buffer()
    if buffer is not None and buffer.pts == Gst.CLOCK_TIME_NONE:
        buffer.pts = buffer.dts
    return Gst.PadProbeReturn.OK


def _on_media_configure(
    _factory: GstRtspServer.RTSPMediaFactory, media: GstRtspServer.RTSPMedia
) -> None:
    parse = media.get_element().get_by_name("parse")
    if parse is not None:
        parse.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, _fill_pts)


def build_server(host: str, port: int, specs: list[MountSpec]) -> GstRtspServer.RTSPServer:
    server = GstRtspServer.RTSPServer()
    server.set_address(host)
    server.set_service(str(port))
    mounts = server.get_mount_points()
    for spec in specs:
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(spec.launch)
        # One pipeline per mount, seen by every client, like a real camera.
        factory.set_shared(True)
        if spec.fix_timestamps:
            factory.connect("media-configure", _on_media_configure)
        mounts.add_factory(spec.path, factory)
    return server


def _quit_on_eof(fd: int, _condition: GLib.IOCondition, loop: GLib.MainLoop) -> bool:
    if os.read(fd, 4096):
        return True  # the parent wrote something; we ignore it and keep watching
    loop.quit()
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--mount", action="append", default=[], metavar="/PATH=FILE[:loop]")
    parser.add_argument("--pattern", action="append", default=[], metavar="/PATH=WxH@FPS")
    parser.add_argument(
        "--exit-with-stdin", action="store_true", help="quit when stdin reaches end of file"
    )
    args = parser.parse_args(argv)
    Gst.init(None)
    try:
        specs = [parse_mount(a) for a in args.mount] + [parse_pattern(a) for a in args.pattern]
    except UsageError as exc:
        print(f"rtsp_testserver: {exc}", file=sys.stderr)
        return 2
    if not specs:
        parser.error("give at least one --mount or --pattern")
    server = build_server(args.host, args.port, specs)
    try:
        # create_source binds now and raises; attach() would only log and return 0.
        server.create_source(None).attach(None)
    except GLib.Error as exc:
        print(f"rtsp_testserver: cannot bind {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    loop = GLib.MainLoop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, loop.quit)
    if args.exit_with_stdin:
        # The parent holds our stdin open; if it dies (even by SIGKILL), we see EOF and quit
        # instead of lingering as an orphan holding a port.
        GLib.io_add_watch(
            sys.stdin.fileno(),
            GLib.PRIORITY_DEFAULT,
            GLib.IOCondition.IN | GLib.IOCondition.HUP | GLib.IOCondition.ERR,
            _quit_on_eof,
            loop,
        )
    print(f"READY {server.get_bound_port()}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
