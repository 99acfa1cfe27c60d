"""What the ingest benchmark serves and runs: its clips, and an analyser that does nothing.

Content matters to decode cost, so the default clip is real footage: a CC0 clip of the shared
evaluation data (`--source` or `FIREGRID_BENCH_SOURCE` names another file), scaled to the asked
size and re-timed to the asked rate; without it, FFmpeg's moving `testsrc2` pattern. The output
is what cameras send: H.264 without B-frames, a keyframe every two seconds, parameter sets
in-band. The cctv clips are `video.footage`'s synthetic street scenes. Everything is cached by
size and rate.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import av

from video.analyzer import Alarm, BgrImage
from video.config import CameraConfig, DetectorConfig
from video.detection import Box
from video.fire_composite import insert_fire
from video.footage import cctv_scene, shipped_clip
from video.rtsp_fixture import prepare_annexb

CLIP_SECONDS = 20.0
CCTV_SECONDS = 40.0
# The inserted fire: after the gate has settled on a still scene; small, low in the picture.
FIRE_AT_S = 12.0
FIRE_REGION = Box(x=0.55, y=0.4, w=0.12, h=0.22)
# Sensor grain of the cctv scenes, in grey levels: what a cheap camera shows in dim light. With
# it a still scene's P-frames are a few hundred bytes, as from real cameras; without it the
# encoder squeezes them to about 23 bytes, and the activity gate would look better than it is.
CCTV_NOISE = 4.0
SHARED_FOOTAGE = (
    Path(__file__).resolve().parents[3]
    / "shared/datasets/raw/steffensbola__furg-fire-dataset/house6.mp4"
)


@dataclass(frozen=True, slots=True)
class CctvClips:
    scene: Path
    fire: Path


@dataclass(frozen=True, slots=True)
class PreparedClip:
    path: Path
    source: str

    def describe(self) -> str:
        return f"{self.source} re-encoded to {self.path.name}"


def footage_source(chosen: str | None = None) -> str:
    """`chosen`, else `FIREGRID_BENCH_SOURCE`, else the shared fire clip, else the pattern."""
    chosen = chosen or os.environ.get("FIREGRID_BENCH_SOURCE")
    if chosen:
        return chosen
    return str(SHARED_FOOTAGE) if SHARED_FOOTAGE.is_file() else "lavfi:testsrc2"


def prepare_clip(
    cache: Path, width: int, height: int, fps: int, chosen: str | None = None
) -> PreparedClip:
    """Real footage (or the test pattern) at the asked size and rate."""
    source = footage_source(chosen)
    # A lavfi source's name holds a colon, which the RTSP test server reads as a separator.
    stem = re.sub(r"[^\w.-]", "_", Path(source).stem)
    path = cache / f"footage-{stem}-{width}x{height}@{fps}.264"
    if not path.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        _encode(source, partial, width, height, fps)
        partial.replace(path)
    return PreparedClip(path, source)


def bench_cache() -> Path:
    """Where the benches keep the footage they encode: `$XDG_CACHE_HOME/firegrid/bench`."""
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "firegrid" / "bench"


def served_footage(
    cache: Path, scene: str, width: int, height: int, fps: int, source: str | None
) -> tuple[Path, str]:
    """The clip a bench plays on every stream, and how its report names it: the still street
    for the `cctv` scene, else real footage (`source`, or the default)."""
    if scene == "cctv":
        still = prepare_cctv_clips(cache, width, height, fps).scene
        return still, f"synthetic still street scene, ~10% active ({still.name})"
    clip = prepare_clip(cache, width, height, fps, source)
    return clip.path, clip.describe()


def whole_cctv_loops(seconds: float) -> float:
    """`seconds` rounded to whole loops of the cctv scene (at least one), so that a window
    measures the scene's own share of activity, not the part of a loop it happens to cover."""
    loops = max(1, math.ceil(seconds / CCTV_SECONDS - 0.01))
    return loops * CCTV_SECONDS


def prepare_cctv_clips(cache: Path, width: int, height: int, fps: int) -> CctvClips:
    """A still street scene with motion about 10% of the time, and the same scene with a small
    real fire inserted at `FIRE_AT_S` into a quiet stretch (as MP4: it is played as a file)."""
    cache.mkdir(parents=True, exist_ok=True)
    stem = f"cctv-grain{CCTV_NOISE:g}-{width}x{height}@{fps}"
    scene = cache / f"{stem}.mp4"
    if not scene.is_file():
        cctv_scene(
            scene,
            (width, height),
            fps,
            CCTV_SECONDS,
            active_fraction=0.1,
            seed=11,
            noise=CCTV_NOISE,
        )
    quiet = cache / f"{stem}-quiet.mp4"
    fire = cache / f"{stem}-fire.mp4"
    if not fire.is_file():
        cctv_scene(
            quiet,
            (width, height),
            fps,
            CCTV_SECONDS,
            active_fraction=0.0,
            seed=12,
            noise=CCTV_NOISE,
        )
        insert_fire(quiet, shipped_clip("house6.mp4"), fire, FIRE_AT_S, FIRE_REGION)
    return CctvClips(prepare_annexb(scene, cache), fire)


def _open_source(source: str, width: int, height: int, fps: int) -> av.container.InputContainer:
    if source.startswith("lavfi:"):
        graph = f"{source.removeprefix('lavfi:')}=size={width}x{height}:rate={fps}"
        return av.open(graph, format="lavfi")
    return av.open(source)


def _encode(source: str, path: Path, width: int, height: int, fps: int) -> None:
    frames_needed = round(CLIP_SECONDS * fps)
    written = 0
    with av.open(str(path), "w", format="h264") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {
            "preset": "veryfast",
            "crf": "23",
            "g": str(2 * fps),
            "bf": "0",
            "x264-params": "repeat-headers=1",
        }
        while written < frames_needed:  # loop a short source until the clip is long enough
            with _open_source(source, width, height, fps) as container:
                for frame in container.decode(video=0):
                    scaled = frame.reformat(width=width, height=height, format="yuv420p")
                    scaled.pts = None
                    out.mux(stream.encode(scaled))
                    written += 1
                    if written >= frames_needed:
                        break
        out.mux(stream.encode(None))


class NullAnalyzer:
    """Takes frames at the detector's rate and size and decides nothing: what the ingest costs
    without the detector."""

    def __init__(self, settings: DetectorConfig) -> None:
        self._settings = settings

    @property
    def analysis_fps(self) -> float:
        return self._settings.analysis_fps

    @property
    def analysis_width(self) -> int:
        return self._settings.analysis_width

    def feed(self, frame_bgr: BgrImage, t: float) -> list[Alarm]:
        return []


def make_null_analyzer(camera: CameraConfig, settings: DetectorConfig) -> NullAnalyzer:
    return NullAnalyzer(settings)
