"""Clip files for the tests: the bundled CC0 fire clip, and synthetic clips written with PyAV."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import pytest

from tests.video.detector.scenes import static_scene
from video.analyzer import BgrImage
from video.detector.bench import CLIP_CANDIDATES


def house6() -> Path:
    for path in CLIP_CANDIDATES:
        if path.is_file():
            return path
    pytest.skip("the CC0 house6 clip is not on this machine")


def write_clip(
    path: Path, seconds: float, fps: int = 10, draw: Callable[[BgrImage, int], None] | None = None
) -> Path:
    """An H.264 MP4 of the static synthetic scene, optionally drawn on per frame."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        for i in range(round(seconds * fps)):
            image = static_scene()
            if draw is not None:
                draw(image, i)
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
